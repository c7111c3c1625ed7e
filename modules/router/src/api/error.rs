//! The API's one error boundary: each failure maps to a status and a stable code. A 4xx
//! tells the client what to fix; a 5xx tells it only that the server failed, with a reference
//! id logged next to the whole cause, so that nothing internal (subjects, module error text,
//! store errors) reaches a client and an operator can still find what happened.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use soulspot_contracts::ErrorKind;

use crate::route::RouteError;

/// The body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code to branch on, a message for people and, on a 5xx, the
/// reference under which the router logged the cause.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable and lowercase: `bad_json`, `invalid_request`, `unauthorized`, `cross_origin`,
    /// `unsupported_media_type`, `not_found`, `unknown_operation`, `payload_too_large`,
    /// `rejected_by_module`, `module_failed`, `bad_reply`, `module_not_available`,
    /// `module_busy`, `deadline_exceeded`, `event_store_unavailable`,
    /// `job_store_unavailable`, `too_many_streams`, `internal`.
    #[schema(value_type = String, example = "invalid_request")]
    pub code: &'static str,
    pub message: String,
    /// On a 5xx only: quote it when reporting the failure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
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
    #[error("missing or wrong api key: send it in X-Api-Key or the apikey query parameter")]
    Unauthorized,
    #[error("requests that change something must have content-type application/json")]
    UnsupportedMediaType,
    #[error("requests from another site are refused")]
    CrossOrigin,
    #[error("the OpenAPI document could not be built: {0}")]
    Document(String),
    #[error("every live stream slot is taken")]
    TooManyStreams,
    /// The request asks for something the job's current state does not allow.
    #[error("{0}")]
    NotFailed(String),
}

impl ApiError {
    pub(crate) fn jobs(error: crate::pipeline::StoreError) -> Self {
        ApiError::JobStore(error.to_string())
    }

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
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::CrossOrigin => (StatusCode::FORBIDDEN, "cross_origin"),
            ApiError::Document(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
            ApiError::TooManyStreams => (StatusCode::SERVICE_UNAVAILABLE, "too_many_streams"),
            ApiError::NotFailed(_) => (StatusCode::CONFLICT, "not_failed"),
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
}

/// What a client reads of a failure on the server side: which kind of failure, never its
/// cause; the cause is in the log under the reference.
fn server_message(code: &str) -> &'static str {
    match code {
        "deadline_exceeded" => "no module answered in time; try again later",
        "module_not_available" => "no module able to do this is available; try again later",
        "module_busy" => "every module able to do this is busy; try again later",
        "event_store_unavailable" => "the event store is unavailable; try again later",
        "job_store_unavailable" => "the job store is unavailable; try again later",
        "too_many_streams" => "too many live streams are open; try again later",
        "internal" => "the router failed to do this; quote the reference when reporting it",
        _ => "a module failed to do this; quote the reference when reporting it",
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let error = if status.is_server_error() {
            let reference = uuid::Uuid::new_v4().simple().to_string();
            tracing::error!(%reference, code, error = %self, "request failed");
            ErrorDetail {
                code,
                message: server_message(code).to_owned(),
                reference: Some(reference),
            }
        } else {
            // A 4xx tells the client what to fix; a module's refusal is its verdict on the
            // caller's input, so its text is shown too.
            tracing::info!(code, error = %self, "request refused");
            ErrorDetail {
                code,
                message: self.to_string(),
                reference: None,
            }
        };
        (status, Json(ErrorBody { error })).into_response()
    }
}
