//! `GET /v1/search?type=track` and `GET /v1/tracks/{id}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::SpotifyState;
use super::error::SpotifyError;
use super::json::{paging, track_object};
use super::query::TrackQuery;

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 50;
/// Development-mode apps are capped lower (reported maximum: 10).
const DEV_MODE_MAX_LIMIT: usize = 10;
const MAX_OFFSET: usize = 1000;

/// Search parameters; Spotify's own `next` links spell the query `query=`, so both work.
#[derive(Debug, Deserialize)]
pub(super) struct SearchParams {
    q: Option<String>,
    query: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

/// Searches catalog tracks.
#[tracing::instrument(skip(state), level = "debug")]
pub(super) async fn search(
    State(state): State<Arc<SpotifyState>>,
    Query(params): Query<SearchParams>,
) -> Result<Json<Value>, SpotifyError> {
    let shared = &state.shared;
    let q = params
        .q
        .or(params.query)
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| SpotifyError::BadRequest("No search query".to_owned()))?;
    let kind = params
        .kind
        .ok_or_else(|| SpotifyError::BadRequest("Missing parameter type".to_owned()))?;
    let max_limit = if shared.config.spotify_dev_mode {
        DEV_MODE_MAX_LIMIT
    } else {
        MAX_LIMIT
    };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT.min(max_limit));
    if limit == 0 || limit > max_limit {
        return Err(SpotifyError::BadRequest("Invalid limit".to_owned()));
    }
    let offset = params.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(SpotifyError::BadRequest("Invalid offset".to_owned()));
    }
    if !kind.split(',').any(|kind| kind.trim() == "track") {
        return Ok(Json(json!({})));
    }
    let query = TrackQuery::parse(&q);
    let catalog = shared.catalog();
    let mut found: Vec<_> = catalog
        .tracks
        .iter()
        .filter(|track| {
            catalog.context(track).is_some_and(|(artist, album)| {
                !query.is_empty() && query.matches(track, artist, album)
            })
        })
        .collect();
    found.sort_by(|a, b| query.relevance(b).total_cmp(&query.relevance(a)));
    let items = found
        .iter()
        .skip(offset)
        .take(limit)
        .map(|track| track_object(catalog, track, &shared.urls, shared.config.spotify_dev_mode))
        .collect();
    let base = format!(
        "{}/v1/search?query={}&type=track&",
        shared.urls.spotify_api,
        encode_component(&q)
    );
    tracing::debug!(q, total = found.len(), "spotify search answered");
    Ok(Json(
        json!({ "tracks": paging(&base, items, limit, offset, found.len()) }),
    ))
}

/// One track by id.
pub(super) async fn track(
    State(state): State<Arc<SpotifyState>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, SpotifyError> {
    let shared = &state.shared;
    let track = shared.catalog().track(&id).ok_or(SpotifyError::NotFound)?;
    Ok(Json(track_object(
        shared.catalog(),
        track,
        &shared.urls,
        shared.config.spotify_dev_mode,
    )))
}

/// Percent-encodes a query component (unreserved characters kept).
pub(super) fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}
