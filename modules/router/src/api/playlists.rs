//! `POST /api/playlists/sync` and `GET /api/playlists/{id}`: sync a playlist and follow it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::doc::RouteFailures;
use super::{ApiError, ApiState, ErrorBody, JsonBody};
use crate::pipeline::{PlaylistProgress, SyncError, SyncReport};

/// The body of `POST /api/playlists/sync`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct SyncRequest {
    /// A playlist id or URL, as `playlist.tracks` takes it.
    #[schema(min_length = 1, pattern = r"\S")]
    playlist: String,
}

/// Fetches a playlist and queues a job for each track the library lacks.
#[utoipa::path(
    post,
    path = "/api/playlists/sync",
    tag = "playlists",
    request_body = SyncRequest,
    responses(
        (status = 202, description = "Jobs are queued for the missing tracks", body = SyncReport),
        RouteFailures,
    ),
)]
pub(super) async fn sync(
    State(state): State<ApiState>,
    body: JsonBody,
) -> Result<(StatusCode, Json<SyncReport>), ApiError> {
    let request: SyncRequest = body.parse()?;
    let playlist = request.playlist.trim();
    if playlist.is_empty() {
        return Err(ApiError::InvalidRequest(
            "`playlist` must not be empty".to_owned(),
        ));
    }
    let report = state
        .pipeline
        .sync_playlist(playlist)
        .await
        .map_err(sync_error)?;
    Ok((StatusCode::ACCEPTED, Json(report)))
}

/// What a failed sync tells the client.
pub(super) fn sync_error(error: SyncError) -> ApiError {
    match error {
        SyncError::Route(route) => ApiError::Route(route),
        SyncError::Store(store) => ApiError::jobs(store),
        SyncError::Reply(reason) => ApiError::Upstream(reason),
    }
}

/// A synced playlist and how far each of its tracks got.
#[utoipa::path(
    get,
    path = "/api/playlists/{id}",
    tag = "playlists",
    params(("id" = String, Path, description = "The playlist id a sync reported", pattern = r"^[A-Za-z0-9_=-]+(\.[A-Za-z0-9_=-]+)*$", max_length = 128)),
    responses(
        (status = 200, description = "The playlist as last synced", body = PlaylistProgress),
        (status = 404, description = "`not_found`: never synced", body = ErrorBody),
        (status = 503, description = "`job_store_unavailable`", body = ErrorBody),
    ),
)]
pub(super) async fn progress(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<PlaylistProgress>, ApiError> {
    state
        .pipeline
        .playlist_progress(super::store_key(&id)?)
        .await
        .map_err(ApiError::jobs)?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("playlist `{id}` was never synced")))
}
