//! The server's public API as the city's terminals use it: JSON over HTTP with a bearer token, and
//! the server's own error message when a request is refused.

use anyhow::{anyhow, Context, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

#[derive(Clone)]
pub struct Api {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Api {
    /// `base` like `http://127.0.0.1:8080`.
    pub fn new(base: impl Into<String>, token: impl Into<String>) -> Api {
        Api {
            base: base.into().trim_end_matches('/').to_string(),
            token: token.into(),
            http: reqwest::Client::new(),
        }
    }

    /// The same server with another token.
    pub fn with_token(&self, token: impl Into<String>) -> Api {
        Api {
            base: self.base.clone(),
            token: token.into(),
            http: self.http.clone(),
        }
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        Self::answer(request, "GET", path).await
    }

    pub async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T> {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body);
        Self::answer(request, "POST", path).await
    }

    async fn answer<T: DeserializeOwned>(
        request: reqwest::RequestBuilder,
        method: &str,
        path: &str,
    ) -> Result<T> {
        let response = request
            .send()
            .await
            .with_context(|| format!("{method} {path}: the server does not answer"))?;
        let status = response.status();
        let body: Value = response
            .json()
            .await
            .with_context(|| format!("{method} {path}: the answer is not JSON"))?;
        if !status.is_success() {
            let message = body["error"]["message"].as_str().unwrap_or("no message");
            let code = body["error"]["code"].as_str().unwrap_or("unknown");
            return Err(anyhow!("{method} {path}: {status} {code}: {message}"));
        }
        serde_json::from_value(body).with_context(|| format!("{method} {path}: unexpected answer"))
    }
}
