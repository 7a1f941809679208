//! The dashboard shell at `/`, served without a token: its page and scripts hold no data, and
//! every request they make for data carries the dispatcher's token.

use axum::http::{header, Method, Uri};
use axum::response::{IntoResponse, Response};

/// Serves the dashboard's files; every other path, and every path under /api, is an API 404.
pub async fn dashboard_or_not_found(method: Method, uri: Uri) -> Response {
    let file = (matches!(method, Method::GET | Method::HEAD) && !uri.path().starts_with("/api/"))
        .then(|| dashboard::asset(uri.path()))
        .flatten();
    match file {
        Some(file) => {
            let cache = if file.immutable {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            (
                [
                    (header::CONTENT_TYPE, file.content_type),
                    (header::CACHE_CONTROL, cache),
                ],
                file.bytes,
            )
                .into_response()
        }
        None => crate::api::not_found(uri).await.into_response(),
    }
}
