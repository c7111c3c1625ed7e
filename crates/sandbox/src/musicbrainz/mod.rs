//! MusicBrainz web service v2 emulator (`/ws/2/...`): recording search, recording and
//! ISRC look-ups in XML (the default) or JSON, with the User-Agent rule and the
//! 1 request/s limit (503 when exceeded).

mod document;
mod error;
mod format;
mod json;
mod lucene;
mod routes;
mod xml;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::USER_AGENT;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::get;

use crate::lenient::{PathRules, Routes};
use crate::state::Shared;
use error::MusicBrainzError;
use format::Format;

/// MusicBrainz emulator state: when the last accepted request came in.
#[derive(Debug)]
pub(crate) struct MusicBrainzState {
    shared: Arc<Shared>,
    last_accepted: Mutex<Option<Instant>>,
}

/// All `/ws/2` routes behind the etiquette checks; a trailing slash is ignored, as the
/// web service ignores it (`/ws/2/recording/?query=` searches).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let state = Arc::new(MusicBrainzState {
        shared,
        last_accepted: Mutex::new(None),
    });
    Routes::new()
        .route("/ws/2/recording", get(routes::search_recordings))
        .route("/ws/2/recording/{mbid}", get(routes::lookup_recording))
        .route("/ws/2/isrc/{isrc}", get(routes::lookup_isrc))
        .map_router(|routes| {
            routes.layer(axum::middleware::from_fn_with_state(
                Arc::clone(&state),
                etiquette,
            ))
        })
        .with_state(state)
        .into_router(PathRules::TRAILING_SLASH)
}

/// Requires a User-Agent, then enforces the request spacing. Refused requests do not
/// count, so a client that backs off is served on its next try.
async fn etiquette(
    State(state): State<Arc<MusicBrainzState>>,
    request: Request,
    next: Next,
) -> Response {
    let format = Format::negotiate(request.uri(), request.headers());
    match admit(&state, &request) {
        Ok(()) => next.run(request).await,
        Err(error) => format.error(error),
    }
}

fn admit(state: &MusicBrainzState, request: &Request) -> Result<(), MusicBrainzError> {
    let has_user_agent = request
        .headers()
        .get(USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|agent| !agent.trim().is_empty());
    if !has_user_agent {
        return Err(MusicBrainzError::MissingUserAgent);
    }
    if let Some(min_interval) = state.shared.config.timing.musicbrainz_min_interval {
        let now = Instant::now();
        let mut last = state
            .last_accepted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|at| now.duration_since(at) < min_interval) {
            return Err(MusicBrainzError::RateLimited);
        }
        *last = Some(now);
    }
    Ok(())
}
