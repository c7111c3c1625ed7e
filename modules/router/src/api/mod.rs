//! The router's HTTP API (axum). Every error is JSON `{error: {code, message}}`, with a
//! `reference` on 5xx; every route sits behind the API key and the cross-site gate. The route
//! table below is also the OpenAPI document's list of operations (`GET /api/openapi.json`).

mod body;
mod doc;
mod error;
mod events;
mod guard;
mod jobs;
pub mod key;
mod observe;
mod operations;
mod playlists;
mod search;
mod status;
mod stream;
mod watches;

use std::sync::Arc;

use axum::Router as Routes;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use soulspot_bus::EventBus;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) use body::{JsonBody, parse_json};
pub use doc::document;
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use stream::StreamHub;

use crate::pipeline::Pipeline;
use crate::route::Router;
use crate::settings::ApiSettings;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct ApiState {
    pub router: Arc<Router>,
    pub pipeline: Arc<Pipeline>,
    pub events: EventBus,
    pub streams: Arc<StreamHub>,
    pub settings: ApiSettings,
}

/// The `/api` routes, every one (and the fallback) behind [`guard::guard`]; the caller merges
/// in `/healthz`, `/readyz` and `/metrics`, which stay open. `state.settings.api_key` is the
/// resolved key ([`key::resolve`]): when it is empty, every request is refused.
pub fn routes(state: ApiState) -> Routes {
    let (routes, _) = table().split_for_parts();
    routes
        .fallback(|| async { ApiError::NotFound("no such endpoint".to_owned()) })
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
        .layer(middleware::from_fn(observe::observe))
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .with_state(state)
}

/// The route table: every route with its OpenAPI operation, one list for both, so no route
/// goes undocumented.
fn table() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(doc::base())
        .routes(routes!(operations::call_operation))
        .routes(routes!(jobs::create_download))
        .routes(routes!(playlists::sync))
        .routes(routes!(status::modules_status))
        .routes(routes!(jobs::list_jobs))
        .routes(routes!(jobs::get_job))
        .routes(routes!(jobs::retry_job))
        .routes(routes!(playlists::progress))
        .routes(routes!(watches::watch, watches::list_watches))
        .routes(routes!(watches::unwatch))
        .routes(routes!(search::search))
        .routes(routes!(events::recent_events))
        .routes(routes!(stream::stream))
        .routes(routes!(doc::openapi_json))
}

/// A query string that does not fit its handler's parameters is the caller's mistake.
pub(crate) fn query_params<T>(
    query: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    query
        .map(|axum::extract::Query(params)| params)
        .map_err(|rejection| ApiError::InvalidRequest(rejection.body_text()))
}

/// Job and playlist ids name keys in the job store, which allows these characters in
/// dot-separated tokens (no leading, trailing or doubled dot); anything else cannot name a job,
/// so it is not found rather than a store failure. The document's id parameters say the same:
/// `^[A-Za-z0-9_=-]+(\.[A-Za-z0-9_=-]+)*$`, at most 128 characters.
pub(crate) fn store_key(id: &str) -> Result<&str, ApiError> {
    let valid = id.len() <= 128
        && id.split('.').all(|token| {
            !token.is_empty()
                && token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '='))
        });
    if valid {
        Ok(id)
    } else {
        Err(ApiError::NotFound(format!("no such id `{id}`")))
    }
}
