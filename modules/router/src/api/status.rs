//! `GET /api/modules/status`: modules, their instances, capabilities and status.

use axum::Json;
use axum::extract::State;

use super::ApiState;
use crate::registry::StatusReport;

pub(super) async fn modules_status(State(state): State<ApiState>) -> Json<StatusReport> {
    Json(state.router.registry().snapshot())
}
