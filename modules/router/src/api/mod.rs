//! The router's HTTP API (axum). Every error is JSON `{error: {code, message}}`, with a
//! `reference` on 5xx; every route sits behind the API key and the cross-site gate. The route
//! table below is also the OpenAPI document's list of operations (`GET /api/openapi.json`).

mod doc;
mod error;
mod events;
mod guard;
mod jobs;
pub mod key;
mod operations;
mod playlists;
mod search;
mod status;
mod stream;

use std::sync::Arc;

use axum::Router as Routes;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::middleware;
use serde::de::DeserializeOwned;
use soulspot_bus::EventBus;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use doc::document;
pub use error::{ApiError, ErrorBody, ErrorDetail};

use crate::pipeline::Pipeline;
use crate::route::Router;
use crate::settings::ApiSettings;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct ApiState {
    pub router: Arc<Router>,
    pub pipeline: Arc<Pipeline>,
    pub events: EventBus,
    pub settings: ApiSettings,
}

/// The `/api` routes, every one (and the fallback) behind [`guard::guard`]; the caller merges
/// in `/healthz`, `/readyz` and `/metrics`, which stay open. `state.settings.api_key` is the
/// resolved key ([`key::resolve`]): when it is empty, every request is refused.
pub fn routes(state: ApiState) -> Routes {
    let (routes, _) = table().split_for_parts();
    routes
        .route_layer(middleware::from_fn(guard::require_json))
        .fallback(|| async { ApiError::NotFound("no such endpoint".to_owned()) })
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
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
        .routes(routes!(playlists::progress))
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

/// Job and playlist ids name keys in the job store, which allows only these characters;
/// anything else cannot name a job, so it is not found rather than a store failure. The
/// document's id parameters say the same: `^[A-Za-z0-9_=.-]{1,128}$`.
pub(crate) fn store_key(id: &str) -> Result<&str, ApiError> {
    let valid = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=' | '.'));
    if valid {
        Ok(id)
    } else {
        Err(ApiError::NotFound(format!("no such id `{id}`")))
    }
}

/// Decodes a JSON body: too large → 413, broken JSON → 400 `bad_json`, JSON of the wrong
/// shape (unknown or mistyped fields) → 400 `invalid_request`. An empty body reads as `{}`.
pub(crate) fn parse_json_body<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<T, ApiError> {
    parse_json(&body_bytes(body, limit)?)
}

/// The body's bytes (`{}` when empty), or 413 past `limit`.
pub(crate) fn body_bytes(
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge { limit }
        } else {
            ApiError::BadJson(rejection.body_text())
        }
    })?;
    if body.len() > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Bytes::from_static(b"{}"));
    }
    Ok(body)
}

pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|error| match error.classify() {
        serde_json::error::Category::Data => ApiError::InvalidRequest(error.to_string()),
        _ => ApiError::BadJson(error.to_string()),
    })
}
