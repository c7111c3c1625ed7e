//! slskd's error responses: bare status codes with short plain-text bodies.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::lenient::InvalidQueryValue;

/// Failures of the emulated slskd API.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SlskdError {
    #[error("missing or wrong api key")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("another request of this kind is in flight")]
    TooManyRequests,
    #[error("failed to enqueue: user {0} appears to be offline")]
    UserOffline(String),
}

impl From<InvalidQueryValue> for SlskdError {
    fn from(invalid: InvalidQueryValue) -> Self {
        Self::BadRequest(invalid.to_string())
    }
}

impl IntoResponse for SlskdError {
    fn into_response(self) -> Response {
        tracing::debug!(error = %self, "slskd request refused");
        let status = match &self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::UserOffline(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        match self {
            Self::Unauthorized | Self::NotFound | Self::TooManyRequests => status.into_response(),
            other => (status, other.to_string()).into_response(),
        }
    }
}
