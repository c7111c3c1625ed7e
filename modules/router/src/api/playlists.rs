//! `POST /api/playlists/sync` and `GET /api/playlists/{id}`: sync a playlist and follow it.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use super::{ApiError, ApiState, parse_json_body};
use crate::pipeline::{SyncError, SyncReport};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SyncRequest {
    playlist: String,
}

pub(super) async fn sync(
    State(state): State<ApiState>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<(StatusCode, Json<SyncReport>), ApiError> {
    let request: SyncRequest = parse_json_body(body, state.settings.max_body_bytes)?;
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
        .map_err(|error| match error {
            SyncError::Route(route) => ApiError::Route(route),
            SyncError::Store(store) => ApiError::jobs(store),
            SyncError::Reply(reason) => ApiError::Upstream(reason),
        })?;
    Ok((StatusCode::ACCEPTED, Json(report)))
}

pub(super) async fn progress(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .pipeline
        .playlist_progress(super::store_key(&id)?)
        .await
        .map_err(ApiError::jobs)?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("playlist `{id}` was never synced")))
}
