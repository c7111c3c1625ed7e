//! `GET /ws/2/recording?query=`, `/ws/2/recording/{mbid}` and `/ws/2/isrc/{isrc}`, each
//! answered in the format the request negotiated.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::MusicBrainzState;
use super::document::{Document, SearchPage};
use super::error::MusicBrainzError;
use super::format::Format;
use super::json::Parts;
use super::lucene::LuceneQuery;
use crate::catalog::Catalog;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

#[derive(Debug, Deserialize)]
pub(super) struct SearchParams {
    query: Option<String>,
    limit: Option<usize>,
    offset: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub(super) struct LookupParams {
    inc: Option<String>,
}

/// Search recordings, best score first.
pub(super) async fn search_recordings(
    State(state): State<Arc<MusicBrainzState>>,
    format: Format,
    Query(params): Query<SearchParams>,
) -> Response {
    let catalog = state.shared.catalog();
    format.respond(catalog, search(catalog, params))
}

fn search(catalog: &Catalog, params: SearchParams) -> Result<Document<'_>, MusicBrainzError> {
    let text = params
        .query
        .filter(|query| !query.trim().is_empty())
        .ok_or_else(|| MusicBrainzError::BadRequest("query is required".to_owned()))?;
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    let offset = params.offset.unwrap_or(0);
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
    let count = scored.len();
    let hits = scored.into_iter().skip(offset).take(limit).collect();
    tracing::debug!(query = text, count, "musicbrainz search answered");
    Ok(Document::RecordingSearch(SearchPage {
        created: OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
        count,
        offset,
        hits,
    }))
}

/// One recording by MBID.
pub(super) async fn lookup_recording(
    State(state): State<Arc<MusicBrainzState>>,
    format: Format,
    Path(mbid): Path<String>,
    Query(params): Query<LookupParams>,
) -> Response {
    let catalog = state.shared.catalog();
    let result = catalog
        .tracks
        .iter()
        .find(|track| track.mbid == mbid)
        .map(|track| Document::Recording {
            track,
            parts: Parts::from_inc(params.inc.as_deref()),
        })
        .ok_or(MusicBrainzError::NotFound);
    format.respond(catalog, result)
}

/// Recordings carrying an ISRC; 404 when none does.
pub(super) async fn lookup_isrc(
    State(state): State<Arc<MusicBrainzState>>,
    format: Format,
    Path(isrc): Path<String>,
    Query(params): Query<LookupParams>,
) -> Response {
    let catalog = state.shared.catalog();
    format.respond(catalog, isrc_document(catalog, &isrc, params))
}

fn isrc_document<'a>(
    catalog: &'a Catalog,
    isrc: &str,
    params: LookupParams,
) -> Result<Document<'a>, MusicBrainzError> {
    if !is_valid_isrc(isrc) {
        return Err(MusicBrainzError::BadRequest("Invalid isrc.".to_owned()));
    }
    let tracks: Vec<_> = catalog
        .tracks
        .iter()
        .filter(|track| {
            track
                .isrc
                .as_deref()
                .is_some_and(|own| own.eq_ignore_ascii_case(isrc))
        })
        .collect();
    if tracks.is_empty() {
        return Err(MusicBrainzError::NotFound);
    }
    Ok(Document::Isrc {
        isrc: isrc.to_ascii_uppercase(),
        tracks,
        parts: Parts::from_inc(params.inc.as_deref()),
    })
}

/// Two letters, three alphanumerics, seven digits.
fn is_valid_isrc(isrc: &str) -> bool {
    let bytes = isrc.as_bytes();
    bytes.len() == 12
        && bytes[..2].iter().all(u8::is_ascii_alphabetic)
        && bytes[2..5].iter().all(u8::is_ascii_alphanumeric)
        && bytes[5..].iter().all(u8::is_ascii_digit)
}
