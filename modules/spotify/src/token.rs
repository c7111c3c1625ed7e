//! Client-credentials tokens: fetched once, shared by every request, replaced shortly
//! before they expire. Concurrent callers that find no fresh token wait for a single
//! refresh instead of each asking the accounts service (no thundering herd).

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::StatusCode;
use soulspot_runtime::Secret;
use tokio::time::Instant;

use crate::error::SpotifyError;
use crate::http::Http;
use crate::model::{AccountsError, TokenResponse};

const ENDPOINT: &str = "token";

/// How long a failed token request answers health checks before the next attempt, so a
/// module with bad credentials does not ask the accounts service on every probe.
const HEALTH_RETRY_INTERVAL: Duration = Duration::from_secs(30);

/// Where and as whom to ask for tokens.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// A token is replaced this long before it expires.
    pub refresh_margin: Duration,
}

#[derive(Debug, Clone)]
struct CachedToken {
    value: String,
    /// When callers stop using it: expiry minus the refresh margin.
    refresh_at: Instant,
}

#[derive(Debug, Default)]
struct TokenState {
    cached: Option<CachedToken>,
    last_failure: Option<(Instant, String)>,
}

/// The app's access token, cached and refreshed on demand.
#[derive(Debug)]
pub struct TokenSource {
    http: Http,
    settings: TokenSettings,
    state: Mutex<TokenState>,
    /// Held while one caller refreshes; the others wait on it, then reuse its token.
    refresh: tokio::sync::Mutex<()>,
}

impl TokenSource {
    pub(crate) fn new(http: Http, settings: TokenSettings) -> Self {
        Self {
            http,
            settings,
            state: Mutex::new(TokenState::default()),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// A token valid for at least the refresh margin, fetching one if needed.
    pub async fn token(&self) -> Result<String, SpotifyError> {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _refreshing = self.refresh.lock().await;
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        match self.fetch().await {
            Ok(token) => {
                let mut state = self.state();
                state.cached = Some(token.clone());
                state.last_failure = None;
                Ok(token.value)
            }
            Err(error) => {
                self.state().last_failure = Some((Instant::now(), error.to_string()));
                Err(error)
            }
        }
    }

    /// Forgets `rejected` after the API refused it; a newer token is kept.
    pub fn invalidate(&self, rejected: &str) {
        let mut state = self.state();
        if state
            .cached
            .as_ref()
            .is_some_and(|token| token.value == rejected)
        {
            state.cached = None;
        }
    }

    /// For health checks: ok with a fresh cached token; a recent failure is reported again
    /// without a new request; otherwise one token request decides.
    pub async fn check(&self) -> Result<(), String> {
        if self.fresh().is_some() {
            return Ok(());
        }
        let recent_failure = self
            .state()
            .last_failure
            .clone()
            .filter(|(at, _)| at.elapsed() < HEALTH_RETRY_INTERVAL);
        if let Some((_, detail)) = recent_failure {
            return Err(detail);
        }
        self.token()
            .await
            .map(drop)
            .map_err(|error| error.to_string())
    }

    fn fresh(&self) -> Option<String> {
        self.state()
            .cached
            .as_ref()
            .filter(|token| Instant::now() < token.refresh_at)
            .map(|token| token.value.clone())
    }

    fn state(&self) -> MutexGuard<'_, TokenState> {
        // Poisoning only means another thread panicked mid-update of plain data.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn fetch(&self) -> Result<CachedToken, SpotifyError> {
        let requested_at = Instant::now();
        let request = self
            .http
            .client()
            .post(&self.settings.token_url)
            .basic_auth(
                &self.settings.client_id,
                Some(self.settings.client_secret.expose()),
            )
            .form(&[("grant_type", "client_credentials")]);
        let reply = self.http.send(ENDPOINT, request).await?;
        if !reply.status.is_success() {
            return Err(refusal(reply.status, &reply.body));
        }
        let token: TokenResponse = reply.json(ENDPOINT)?;
        let lifetime = Duration::from_secs(token.expires_in);
        tracing::info!(expires_in_secs = token.expires_in, "spotify token obtained");
        Ok(CachedToken {
            value: token.access_token,
            refresh_at: requested_at + lifetime.saturating_sub(self.settings.refresh_margin),
        })
    }
}

/// The accounts service answers bad credentials with 400/401 and `{error, error_description}`.
fn refusal(status: StatusCode, body: &[u8]) -> SpotifyError {
    let refused_credentials =
        status == StatusCode::BAD_REQUEST || status == StatusCode::UNAUTHORIZED;
    match serde_json::from_slice::<AccountsError>(body) {
        Ok(error) if refused_credentials => SpotifyError::Credentials {
            code: error.error,
            description: error.error_description.unwrap_or_default(),
        },
        _ => SpotifyError::Status {
            endpoint: ENDPOINT,
            status: status.as_u16(),
        },
    }
}
