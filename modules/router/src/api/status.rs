//! `GET /api/modules/status`: modules, their instances, capabilities and status.

use axum::Json;
use axum::extract::State;

use super::ApiState;
use crate::registry::StatusReport;

/// Modules, their instances, capabilities and status.
#[utoipa::path(
    get,
    path = "/api/modules/status",
    tag = "modules",
    responses((status = 200, description = "What the router knows of the modules", body = StatusReport)),
)]
pub(super) async fn modules_status(State(state): State<ApiState>) -> Json<StatusReport> {
    Json(state.router.registry().snapshot())
}
