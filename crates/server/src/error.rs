//! API errors: an HTTP status and `{"error": {"code": "unit_not_found", "message": "…"}}`, with a
//! stable code clients match on and a message that says what is wrong. No database text leaks.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
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
            "the event log could not be written; the change was not recorded. Restart the server: it restores the state from the log",
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
        format!("{}{hint}", rejection.body_text()),
    )
}
