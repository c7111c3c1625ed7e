//! `POST /api/playlists/watch`, `GET /api/playlists/watch` and
//! `DELETE /api/playlists/watch/{id}`: playlists re-synced on a schedule, so that tracks
//! added on Spotify arrive by themselves.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::doc::RouteFailures;
use super::playlists::sync_error;
use super::{ApiError, ApiState, ErrorBody, JsonBody};
use crate::pipeline::{Watch, WatchError, Watched};

/// The body of `POST /api/playlists/watch`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct WatchRequest {
    /// A playlist id or URL, as `POST /api/playlists/sync` takes it.
    #[schema(min_length = 1, pattern = r"\S")]
    playlist: String,
    /// Seconds between syncs: at least `[pipeline] watch_min_interval_ms` (5 minutes by
    /// default), at most a year.
    #[schema(minimum = 1, maximum = 31_622_400)]
    interval_seconds: u64,
}

/// Every watched playlist.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(super) struct WatchList {
    watches: Vec<Watch>,
}

/// Syncs a playlist now and again every interval; watching a watched playlist changes its
/// interval.
#[utoipa::path(
    post,
    path = "/api/playlists/watch",
    tag = "playlists",
    request_body = WatchRequest,
    responses(
        (status = 201, description = "The playlist is synced and watched", body = Watch),
        (status = 200, description = "The playlist was watched already: synced, its interval changed", body = Watch),
        RouteFailures,
    ),
)]
pub(super) async fn watch(
    State(state): State<ApiState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<Watch>), ApiError> {
    let request: WatchRequest = body.parse()?;
    let playlist = request.playlist.trim();
    if playlist.is_empty() {
        return Err(ApiError::InvalidRequest(
            "`playlist` must not be empty".to_owned(),
        ));
    }
    let (watch, watched) = state
        .pipeline
        .watch_playlist(playlist, request.interval_seconds)
        .await
        .map_err(|error| match error {
            WatchError::Invalid(reason) => ApiError::InvalidRequest(reason),
            WatchError::Sync(sync) => sync_error(sync),
            WatchError::Store(store) => ApiError::jobs(store),
        })?;
    let status = match watched {
        Watched::Created => StatusCode::CREATED,
        Watched::Updated => StatusCode::OK,
    };
    Ok((status, Json(watch)))
}

/// The watched playlists, each with when it is next synced and how its last sync went.
#[utoipa::path(
    get,
    path = "/api/playlists/watch",
    tag = "playlists",
    responses(
        (status = 200, description = "Every watch", body = WatchList),
        (status = 503, description = "`job_store_unavailable`", body = ErrorBody),
    ),
)]
pub(super) async fn list_watches(
    State(state): State<ApiState>,
) -> Result<Json<WatchList>, ApiError> {
    let watches = state.pipeline.watches().await.map_err(ApiError::jobs)?;
    Ok(Json(WatchList { watches }))
}

/// Stops watching a playlist (its tracks and jobs stay).
#[utoipa::path(
    delete,
    path = "/api/playlists/watch/{id}",
    tag = "playlists",
    params(("id" = String, Path, description = "The watch's id", max_length = 128)),
    responses(
        (status = 204, description = "The playlist is no longer watched"),
        (status = 404, description = "`not_found`: no such watch", body = ErrorBody),
        (status = 503, description = "`job_store_unavailable`", body = ErrorBody),
    ),
)]
pub(super) async fn unwatch(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let removed = state.pipeline.unwatch(&id).await.map_err(ApiError::jobs)?;
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("no watch `{id}`")))
    }
}
