//! API errors: an HTTP status and `{"error": {"code": "unit_not_found", "message": "…"}}`, with a
//! stable code clients match on and a message that says what is wrong. No database text leaks.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use dispatch::{CutoffError, DispatchError, RecommendError};
use serde::de::DeserializeOwned;
use store::ApplyError;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, code, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    /// Other servers sharing the log kept getting their changes in first.
    pub fn overtaken() -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overtaken",
            "other servers sharing the event log changed the state each time this change was decided; nothing was recorded, send it again",
        )
    }
    pub fn storage_failed() -> Self {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_failed",
            "the event log could not be written; the change was not recorded. Send it again; if this keeps happening, check the database",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

impl From<DispatchError> for ApiError {
    fn from(error: DispatchError) -> Self {
        let status = if error.is_not_found() {
            StatusCode::NOT_FOUND
        } else if matches!(
            error,
            DispatchError::UnitExists(_)
                | DispatchError::WorkstationExists(_)
                | DispatchError::IncidentExists(_)
                | DispatchError::PlaceExists(_)
                | DispatchError::Status(_)
        ) {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        ApiError::new(status, error.code(), error.to_string())
    }
}

impl From<ApplyError> for ApiError {
    fn from(error: ApplyError) -> Self {
        match error {
            ApplyError::Dispatch(error) => error.into(),
            ApplyError::UnknownToken(_) => {
                ApiError::not_found("token_not_found", error.to_string())
            }
        }
    }
}

impl From<RecommendError> for ApiError {
    fn from(error: RecommendError) -> Self {
        let code = match error {
            RecommendError::IncidentFinished { .. } => "incident_finished",
            RecommendError::IncidentOffMap { .. } => "off_map",
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, error.to_string())
    }
}

impl From<CutoffError> for ApiError {
    fn from(error: CutoffError) -> Self {
        let code = match error {
            CutoffError::OffMap(_) => "off_map",
            CutoffError::NoHorizon { .. } => "invalid_cutoff",
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, error.to_string())
    }
}

/// `Json` whose rejections are API errors saying what is wrong with the body.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "the request body is larger than the limit of {} MiB",
                MAX_BODY_BYTES / (1024 * 1024)
            ),
        );
    }
    let (code, hint) = match &rejection {
        JsonRejection::MissingJsonContentType(_) => (
            "unsupported_media_type",
            "; send the header Content-Type: application/json",
        ),
        JsonRejection::JsonSyntaxError(_) => ("malformed_json", ""),
        JsonRejection::JsonDataError(_) => ("invalid_body", ""),
        _ => ("invalid_body", ""),
    };
    ApiError::new(
        rejection.status(),
        code,
        format!("{}{hint}", with_nearest_name(rejection.body_text())),
    )
}

/// serde's "unknown field `hmoe`, expected one of `id`, `home` …" gains "did you mean 'home'?".
fn with_nearest_name(text: String) -> String {
    let Some(start) = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| text.find(prefix))
    else {
        return text;
    };
    let tail = &text[start..];
    let end = tail.find(" at line ").unwrap_or(tail.len());
    let explained = formats::suggest::explain_unknown_name(&tail[..end]);
    match explained.split_once("; did you mean ") {
        Some((_, near)) => format!("{text}; did you mean {near}"),
        None => text,
    }
}

/// `Query` whose rejections are API errors naming the parameter that is wrong.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                format!(
                    "{}; the query parameters of each route are listed at /api/openapi.json",
                    rejection.body_text()
                ),
            )),
        }
    }
}

/// The request body limit of every route (axum's default).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Turns every error answer that is not JSON yet (axum's own: 405, 413 from a raw body, failed
/// WebSocket upgrades, …) into `{"error": {"code", "message"}}`.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if is_json {
        return response;
    }
    let allowed = response
        .headers()
        .get(header::ALLOW)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
        .to_string();
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_string())
        .unwrap_or_default();
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            format!("{path} does not take {method}; it takes {allowed}"),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            format!(
                "the request body is larger than the limit of {} MiB",
                MAX_BODY_BYTES / (1024 * 1024)
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            format!("{text}; send the header Content-Type: application/json"),
        ),
        _ if status.is_server_error() => ("internal_error", format!("{method} {path} failed")),
        _ => (
            "bad_request",
            if text.is_empty() {
                format!("{method} {path} was refused")
            } else {
                text
            },
        ),
    };
    let mut response = ApiError::new(status, code, message).into_response();
    if let Some(allow) = parts.headers.get(header::ALLOW) {
        response.headers_mut().insert(header::ALLOW, allow.clone());
    }
    response
}
