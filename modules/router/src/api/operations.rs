//! `POST /api/operations/{operation}`: route any capability with a JSON body.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde_json::Value;
use soulspot_bus::MessageContext;

use super::{ApiError, ApiState};

pub(super) async fn call_operation(
    State(state): State<ApiState>,
    Path(operation): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    if body.len() > state.settings.max_body_bytes {
        return Err(ApiError::PayloadTooLarge {
            limit: state.settings.max_body_bytes,
        });
    }
    let params: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(serde_json::Map::new())
    } else {
        serde_json::from_slice(&body).map_err(|error| ApiError::BadJson(error.to_string()))?
    };
    let context = MessageContext::new_root(None);
    tracing::debug!(%operation, trace_id = %context.trace_id(), "operation requested");
    let reply = state.router.route(&operation, &params, &context).await?;
    Ok(Json(reply))
}
