//! The API's one error boundary: each failure maps to a status and a stable code; the
//! whole cause is logged, the client sees only the code and a message.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use soulspot_bus::RequestError;
use soulspot_contracts::ErrorKind;

use crate::route::RouteError;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code to branch on and a message for people.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable and lowercase: `bad_json`, `invalid_request`, `unauthorized`, `not_found`,
    /// `unknown_operation`, `payload_too_large`, `rejected_by_module`, `module_failed`,
    /// `bad_reply`, `module_not_available`, `module_busy`, `deadline_exceeded`,
    /// `event_store_unavailable`, `job_store_unavailable`.
    #[schema(value_type = String, example = "invalid_request")]
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed json: {0}")]
    BadJson(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("request body exceeds {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error(transparent)]
    Route(#[from] RouteError),
    #[error("event store unavailable: {0}")]
    EventStore(String),
    #[error("job store unavailable: {0}")]
    JobStore(String),
    #[error("a module answered with something unexpected: {0}")]
    Upstream(String),
    #[error("missing or wrong X-Api-Key")]
    Unauthorized,
    #[error("the OpenAPI document could not be built: {0}")]
    Document(String),
}

impl ApiError {
    pub(crate) fn jobs(error: crate::pipeline::StoreError) -> Self {
        ApiError::JobStore(error.to_string())
    }
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::BadJson(_) => (StatusCode::BAD_REQUEST, "bad_json"),
            ApiError::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::PayloadTooLarge { .. } => {
                (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
            }
            ApiError::EventStore(_) => (StatusCode::SERVICE_UNAVAILABLE, "event_store_unavailable"),
            ApiError::JobStore(_) => (StatusCode::SERVICE_UNAVAILABLE, "job_store_unavailable"),
            ApiError::Upstream(_) => (StatusCode::BAD_GATEWAY, "module_failed"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Document(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            ApiError::Route(route) => match route {
                RouteError::UnknownOperation(_) => (StatusCode::NOT_FOUND, "unknown_operation"),
                RouteError::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
                RouteError::ModuleNotAvailable { .. } => {
                    (StatusCode::SERVICE_UNAVAILABLE, "module_not_available")
                }
                RouteError::Rejected { code, .. } => (
                    StatusCode::from_u16(*code)
                        .ok()
                        .filter(StatusCode::is_client_error)
                        .unwrap_or(StatusCode::BAD_REQUEST),
                    "rejected_by_module",
                ),
                RouteError::Exhausted { last, .. } => match last.kind() {
                    ErrorKind::Timeout => (StatusCode::GATEWAY_TIMEOUT, "deadline_exceeded"),
                    ErrorKind::Unavailable => {
                        (StatusCode::SERVICE_UNAVAILABLE, "module_not_available")
                    }
                    ErrorKind::Busy => (StatusCode::SERVICE_UNAVAILABLE, "module_busy"),
                    _ => (StatusCode::BAD_GATEWAY, "module_failed"),
                },
                RouteError::BadReply { .. } => (StatusCode::BAD_GATEWAY, "bad_reply"),
            },
        }
    }

    /// What the client may read: no subjects, no internal chains.
    fn public_message(&self) -> String {
        match self {
            ApiError::Route(RouteError::Exhausted { operation, last }) => match last {
                RequestError::Timeout { after, .. } => {
                    format!("no provider of {operation} answered within {after:?}")
                }
                RequestError::Service { code, message, .. } => {
                    format!("the provider of {operation} failed ({code}): {message}")
                }
                _ => format!("every provider of {operation} failed"),
            },
            ApiError::Route(RouteError::BadReply { module, .. }) => {
                format!("{module} sent a reply that is not json")
            }
            ApiError::EventStore(_) => "the event store is unavailable".to_owned(),
            ApiError::JobStore(_) => "the job store is unavailable".to_owned(),
            ApiError::Document(_) => "the OpenAPI document could not be built".to_owned(),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::error!(code, error = %self, "request failed");
        } else {
            tracing::info!(code, error = %self, "request refused");
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.public_message(),
            },
        };
        (status, Json(body)).into_response()
    }
}
