//! `GET /v1/playlists/{id}`, its `/items` (entries under `item`) and the legacy `/tracks`
//! (entries under `track`), both paginated with `next`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::SpotifyState;
use super::error::SpotifyError;
use super::json::{paging, track_object};
use crate::catalog::Playlist;

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 100;
/// When the sandbox pretends every entry was added.
const ADDED_AT: &str = "2024-05-01T12:00:00Z";

#[derive(Debug, Deserialize)]
pub(super) struct PageParams {
    limit: Option<usize>,
    offset: Option<usize>,
}

/// Which generation of the playlist-items endpoint answers.
#[derive(Debug, Clone, Copy)]
enum EntryShape {
    /// `/items`: the object sits under `item`.
    Items,
    /// `/tracks` (deprecated): the object sits under `track`.
    LegacyTracks,
}

impl EntryShape {
    fn path(self) -> &'static str {
        match self {
            Self::Items => "items",
            Self::LegacyTracks => "tracks",
        }
    }
}

/// The playlist object, with the first page of entries.
pub(super) async fn playlist(
    State(state): State<Arc<SpotifyState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, SpotifyError> {
    let found = state
        .shared
        .catalog()
        .playlist(&id)
        .ok_or(SpotifyError::NotFound)?;
    let first_page = entries_page(&state, found, EntryShape::Items, DEFAULT_LIMIT, 0);
    let api = &state.shared.urls.spotify_api;
    Ok(Json(json!({
        "collaborative": false,
        "description": found.description,
        "external_urls": { "spotify": format!("https://open.spotify.com/playlist/{id}") },
        "href": format!("{api}/v1/playlists/{id}"),
        "id": id,
        "images": [],
        "items": first_page,
        "name": found.name,
        "owner": { "id": "soulspot-sandbox", "type": "user", "display_name": "SoulSpot Sandbox" },
        "public": true,
        "snapshot_id": "c2FuZGJveA",
        "type": "playlist",
        "uri": format!("spotify:playlist:{id}"),
    })))
}

/// `/v1/playlists/{id}/items`.
pub(super) async fn items(
    state: State<Arc<SpotifyState>>,
    id: Path<String>,
    params: Query<PageParams>,
) -> Result<Json<Value>, SpotifyError> {
    page(state, id, params, EntryShape::Items)
}

/// `/v1/playlists/{id}/tracks`, the deprecated spelling.
pub(super) async fn legacy_tracks(
    state: State<Arc<SpotifyState>>,
    id: Path<String>,
    params: Query<PageParams>,
) -> Result<Json<Value>, SpotifyError> {
    page(state, id, params, EntryShape::LegacyTracks)
}

fn page(
    State(state): State<Arc<SpotifyState>>,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
    shape: EntryShape,
) -> Result<Json<Value>, SpotifyError> {
    let found = state
        .shared
        .catalog()
        .playlist(&id)
        .ok_or(SpotifyError::NotFound)?;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(SpotifyError::BadRequest("Invalid limit".to_owned()));
    }
    let offset = params.offset.unwrap_or(0);
    Ok(Json(entries_page(&state, found, shape, limit, offset)))
}

fn entries_page(
    state: &SpotifyState,
    playlist: &Playlist,
    shape: EntryShape,
    limit: usize,
    offset: usize,
) -> Value {
    let shared = &state.shared;
    let catalog = shared.catalog();
    let track_ids = shared.edits.track_ids(playlist);
    let items = track_ids
        .iter()
        .skip(offset)
        .take(limit)
        .filter_map(|id| catalog.track(id))
        .map(|track| {
            let object = track_object(catalog, track, &shared.urls, shared.config.spotify_dev_mode);
            let key = match shape {
                EntryShape::Items => "item",
                EntryShape::LegacyTracks => "track",
            };
            json!({
                "added_at": ADDED_AT,
                "added_by": { "id": "soulspot-sandbox", "type": "user" },
                "is_local": false,
                key: object,
            })
        })
        .collect();
    let base = format!(
        "{}/v1/playlists/{}/{}?",
        shared.urls.spotify_api,
        playlist.id,
        shape.path()
    );
    paging(&base, items, limit, offset, track_ids.len())
}
