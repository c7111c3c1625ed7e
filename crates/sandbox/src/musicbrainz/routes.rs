//! `GET /ws/2/recording?query=`, `/ws/2/recording/{mbid}` and `/ws/2/isrc/{isrc}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::header::ACCEPT;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::MusicBrainzState;
use super::error::MusicBrainzError;
use super::json::{Parts, recording};
use super::lucene::LuceneQuery;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

#[derive(Debug, Deserialize)]
pub(super) struct SearchParams {
    query: Option<String>,
    fmt: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub(super) struct LookupParams {
    fmt: Option<String>,
    inc: Option<String>,
}

/// Search recordings, best score first.
pub(super) async fn search_recordings(
    State(state): State<Arc<MusicBrainzState>>,
    headers: HeaderMap,
    Query(params): Query<SearchParams>,
) -> Result<Json<Value>, MusicBrainzError> {
    require_json(params.fmt.as_deref(), &headers)?;
    let text = params
        .query
        .filter(|query| !query.trim().is_empty())
        .ok_or_else(|| MusicBrainzError::BadRequest("query is required".to_owned()))?;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let offset = params.offset.unwrap_or(0);
    let catalog = state.shared.catalog();
    let query = LuceneQuery::parse(&text);
    let mut scored: Vec<_> = catalog
        .tracks
        .iter()
        .filter_map(|track| {
            let (artist, album) = catalog.context(track)?;
            Some((query.score(track, artist, album)?, track))
        })
        .collect();
    scored.sort_by_key(|(score, _)| std::cmp::Reverse(*score));
    let recordings: Vec<Value> = scored
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(score, track)| recording(catalog, track, Some(*score), Parts::SEARCH))
        .collect();
    tracing::debug!(
        query = text,
        count = scored.len(),
        "musicbrainz search answered"
    );
    Ok(Json(json!({
        "created": OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default(),
        "count": scored.len(),
        "offset": offset,
        "recordings": recordings,
    })))
}

/// One recording by MBID.
pub(super) async fn lookup_recording(
    State(state): State<Arc<MusicBrainzState>>,
    headers: HeaderMap,
    Path(mbid): Path<String>,
    Query(params): Query<LookupParams>,
) -> Result<Json<Value>, MusicBrainzError> {
    require_json(params.fmt.as_deref(), &headers)?;
    let catalog = state.shared.catalog();
    let track = catalog
        .tracks
        .iter()
        .find(|track| track.mbid == mbid)
        .ok_or(MusicBrainzError::NotFound)?;
    let parts = Parts::from_inc(params.inc.as_deref());
    Ok(Json(recording(catalog, track, None, parts)))
}

/// Recordings carrying an ISRC; 404 when none does.
pub(super) async fn lookup_isrc(
    State(state): State<Arc<MusicBrainzState>>,
    headers: HeaderMap,
    Path(isrc): Path<String>,
    Query(params): Query<LookupParams>,
) -> Result<Json<Value>, MusicBrainzError> {
    require_json(params.fmt.as_deref(), &headers)?;
    if !is_valid_isrc(&isrc) {
        return Err(MusicBrainzError::BadRequest("Invalid isrc.".to_owned()));
    }
    let catalog = state.shared.catalog();
    let parts = Parts::from_inc(params.inc.as_deref());
    let recordings: Vec<Value> = catalog
        .tracks
        .iter()
        .filter(|track| {
            track
                .isrc
                .as_deref()
                .is_some_and(|own| own.eq_ignore_ascii_case(&isrc))
        })
        .map(|track| recording(catalog, track, None, parts))
        .collect();
    if recordings.is_empty() {
        return Err(MusicBrainzError::NotFound);
    }
    Ok(Json(
        json!({ "isrc": isrc.to_ascii_uppercase(), "recordings": recordings }),
    ))
}

fn require_json(fmt: Option<&str>, headers: &HeaderMap) -> Result<(), MusicBrainzError> {
    let accepts_json = headers
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    if fmt == Some("json") || accepts_json {
        Ok(())
    } else {
        Err(MusicBrainzError::JsonOnly)
    }
}

/// Two letters, three alphanumerics, seven digits.
fn is_valid_isrc(isrc: &str) -> bool {
    let bytes = isrc.as_bytes();
    bytes.len() == 12
        && bytes[..2].iter().all(u8::is_ascii_alphabetic)
        && bytes[2..5].iter().all(u8::is_ascii_alphanumeric)
        && bytes[5..].iter().all(u8::is_ascii_digit)
}
