//! `POST /api/operations/{operation}`: route any capability with a JSON body.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::Value;
use soulspot_bus::MessageContext;

use super::{ApiError, ApiState, parse_json_body};

pub(super) async fn call_operation(
    State(state): State<ApiState>,
    Path(operation): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let params: Value = parse_json_body(body, state.settings.max_body_bytes)?;
    let context = MessageContext::new_root(None);
    tracing::debug!(%operation, trace_id = %context.trace_id(), "operation requested");
    let reply = state.router.route(&operation, &params, &context).await?;
    Ok(Json(reply))
}
