//! `POST /api/operations/{operation}`: route any capability with a JSON body.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use soulspot_bus::MessageContext;

use super::doc::RouteFailures;
use super::{ApiError, ApiState, ErrorBody, JsonBody, parse_json};

/// The body is checked against the operation's contract, then forwarded as received; the
/// provider's reply is returned as it sent it. The document shows one path per operation,
/// each with its contract's request and reply schemas (see `doc::operations`).
#[utoipa::path(
    post,
    path = "/api/operations/{operation}",
    tag = "operations",
    params(("operation" = String, Path, description = "A capability, e.g. `search.track`")),
    request_body(content = Object, description = "The operation's request, as its contract describes it"),
    responses(
        (status = 200, description = "The provider's reply, as its contract describes it", body = Object),
        (status = 400, description = "`invalid_request` (the body breaks the contract) or `rejected_by_module`", body = ErrorBody),
        RouteFailures,
    ),
)]
pub(super) async fn call_operation(
    State(state): State<ApiState>,
    Path(operation): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let params: Value = parse_json(&body)?;
    let context = MessageContext::new_root(None);
    tracing::debug!(%operation, trace_id = %context.trace_id(), "operation requested");
    let reply = state
        .router
        .forward(&operation, &params, body, &context)
        .await?;
    Ok(([(CONTENT_TYPE, "application/json")], Body::from(reply)).into_response())
}
