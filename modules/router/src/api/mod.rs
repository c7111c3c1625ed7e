//! The router's HTTP API (axum). Every error is JSON `{error: {code, message}}`.

mod error;
mod events;
mod operations;
mod status;

use std::sync::Arc;

use axum::Router as Routes;
use axum::routing::{get, post};
use soulspot_bus::EventBus;

pub use error::ApiError;

use crate::route::Router;
use crate::settings::ApiSettings;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct ApiState {
    pub router: Arc<Router>,
    pub events: EventBus,
    pub settings: ApiSettings,
}

/// The `/api` routes; the caller merges in `/healthz`, `/readyz` and `/metrics`.
pub fn routes(state: ApiState) -> Routes {
    Routes::new()
        .route("/api/modules/status", get(status::modules_status))
        .route(
            "/api/operations/{operation}",
            post(operations::call_operation),
        )
        .route("/api/events", get(events::recent_events))
        .fallback(|| async { ApiError::NotFound("no such endpoint".to_owned()) })
        .with_state(state)
}
