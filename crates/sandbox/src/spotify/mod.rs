//! Spotify emulator: the accounts service (client-credentials tokens) and the Web API
//! (track search, playlists), with Bearer checks, dev-mode quirks and 429 throttling.

mod error;
mod json;
mod playlists;
mod query;
mod search;
mod token;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{get, post};

use crate::lenient;
use crate::state::Shared;
use error::SpotifyError;

/// Lifetime of issued access tokens, as Spotify's.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Spotify emulator state: issued tokens and the rolling request window.
#[derive(Debug)]
pub(crate) struct SpotifyState {
    shared: Arc<Shared>,
    tokens: Mutex<HashMap<String, Instant>>,
    recent_requests: Mutex<VecDeque<Instant>>,
}

impl SpotifyState {
    pub fn new(shared: Arc<Shared>) -> Arc<Self> {
        Arc::new(Self {
            shared,
            tokens: Mutex::new(HashMap::new()),
            recent_requests: Mutex::new(VecDeque::new()),
        })
    }

    fn tokens(&self) -> MutexGuard<'_, HashMap<String, Instant>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check_token(&self, headers: &HeaderMap) -> Result<(), SpotifyError> {
        let token = lenient::credentials(headers, "Bearer")
            .ok_or(SpotifyError::Unauthorized("No token provided"))?;
        let expires_at = self
            .tokens()
            .get(token)
            .copied()
            .ok_or(SpotifyError::Unauthorized("Invalid access token"))?;
        if Instant::now() >= expires_at {
            return Err(SpotifyError::Unauthorized("The access token expired"));
        }
        Ok(())
    }

    fn check_rate(&self) -> Result<(), SpotifyError> {
        if let Some(retry_after_secs) = self.shared.faults.take_spotify_throttle() {
            return Err(SpotifyError::RateLimited { retry_after_secs });
        }
        let Some(limit) = self.shared.config.spotify_rate_limit else {
            return Ok(());
        };
        let now = Instant::now();
        let mut recent = self
            .recent_requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        while recent
            .front()
            .is_some_and(|at| now.duration_since(*at) >= limit.window)
        {
            recent.pop_front();
        }
        if recent.len() >= limit.max_requests {
            let oldest = recent.front().copied().unwrap_or(now);
            let wait = limit.window.saturating_sub(now.duration_since(oldest));
            return Err(SpotifyError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        recent.push_back(now);
        Ok(())
    }
}

/// `accounts.spotify.com`: `POST /api/token`.
pub(crate) fn accounts_router(state: Arc<SpotifyState>) -> Router {
    Router::new()
        .route("/api/token", post(token::issue))
        .with_state(state)
}

/// `api.spotify.com`: search and playlists behind Bearer auth and rate limiting.
pub(crate) fn api_router(state: Arc<SpotifyState>) -> Router {
    Router::new()
        .route("/v1/search", get(search::search))
        .route("/v1/tracks/{id}", get(search::track))
        .route("/v1/playlists/{id}", get(playlists::playlist))
        .route("/v1/playlists/{id}/items", get(playlists::items))
        .route("/v1/playlists/{id}/tracks", get(playlists::legacy_tracks))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            guard,
        ))
        .with_state(state)
}

/// Bearer check, then the rate limit: Spotify answers 401 before it counts a request.
async fn guard(
    State(state): State<Arc<SpotifyState>>,
    request: Request,
    next: Next,
) -> Result<Response, SpotifyError> {
    state.check_token(request.headers())?;
    state.check_rate()?;
    Ok(next.run(request).await)
}
