//! `POST /api/operations/{operation}`: route any capability with a JSON body.

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use soulspot_bus::MessageContext;

use super::{ApiError, ApiState, body_bytes, parse_json};

/// The body is checked against the operation's contract, then forwarded as received; the
/// provider's reply is returned as it sent it.
pub(super) async fn call_operation(
    State(state): State<ApiState>,
    Path(operation): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body_bytes(body, state.settings.max_body_bytes)?;
    let params: Value = parse_json(&body)?;
    let context = MessageContext::new_root(None);
    tracing::debug!(%operation, trace_id = %context.trace_id(), "operation requested");
    let reply = state
        .router
        .forward(&operation, &params, body, &context)
        .await?;
    Ok(([(CONTENT_TYPE, "application/json")], Body::from(reply)).into_response())
}
