//! Spotify's error shapes: Web API `{"error":{status,message}}`, accounts `{error, error_description}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Failures of the emulated Web API and accounts service.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SpotifyError {
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("resource not found")]
    NotFound,
    #[error("rate limited for {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("invalid client")]
    InvalidClient,
    #[error("unsupported grant type")]
    UnsupportedGrantType,
}

impl IntoResponse for SpotifyError {
    fn into_response(self) -> Response {
        tracing::debug!(error = %self, "spotify request refused");
        match self {
            Self::Unauthorized(message) => web_api(StatusCode::UNAUTHORIZED, message),
            Self::BadRequest(message) => web_api(StatusCode::BAD_REQUEST, &message),
            Self::NotFound => web_api(StatusCode::NOT_FOUND, "Resource not found"),
            Self::RateLimited { retry_after_secs } => {
                let mut response =
                    web_api(StatusCode::TOO_MANY_REQUESTS, "API rate limit exceeded");
                response
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
            Self::InvalidClient => accounts("invalid_client", "Invalid client"),
            Self::UnsupportedGrantType => {
                accounts("unsupported_grant_type", "grant_type parameter is missing")
            }
        }
    }
}

fn web_api(status: StatusCode, message: &str) -> Response {
    let body = json!({ "error": { "status": status.as_u16(), "message": message } });
    (status, Json(body)).into_response()
}

fn accounts(error: &str, description: &str) -> Response {
    let body = json!({ "error": error, "error_description": description });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}
