//! The MusicBrainz client: every request waits for the shared 1 request/s gate, throttled
//! answers (429, 502, 503, 504) are retried as the retry policy says (honouring
//! `Retry-After`), and answers are cached.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::RETRY_AFTER;
use reqwest::{Response, StatusCode};
use soulspot_common::{RetryPolicy, parse_retry_after};
use soulspot_contracts::ErrorKind;

use crate::cache::LruCache;
use crate::musicbrainz::model::{Recording, RecordingList};
use crate::musicbrainz::query::recording_query;
use crate::settings::MusicBrainzSettings;
use soulspot_runtime::outbound;
use soulspot_runtime::rate_limit::SlidingWindowLimiter;

/// How many recordings a search asks for: enough to pick by length among versions.
const SEARCH_LIMIT: &str = "10";

#[derive(Debug, thiserror::Error)]
pub enum MusicBrainzError {
    #[error("musicbrainz gave no answer within {0:?}")]
    Timeout(Duration),
    #[error("musicbrainz unreachable: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("musicbrainz answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("musicbrainz still throttling (status {status}) after {attempts} attempts")]
    Throttled { status: u16, attempts: u32 },
    #[error("musicbrainz sent malformed json: {0}")]
    MalformedJson(#[source] serde_json::Error),
}

impl MusicBrainzError {
    /// What kind of failure this is for the module's caller.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Timeout(_) => ErrorKind::Timeout,
            Self::Transport(_) => ErrorKind::Unavailable,
            Self::Throttled { .. } => ErrorKind::Busy,
            // MusicBrainz refused a request this module built, or answered nonsense.
            Self::Status { .. } | Self::MalformedJson(_) => ErrorKind::Internal,
        }
    }

    fn from_reqwest(error: reqwest::Error, timeout: Duration) -> Self {
        if error.is_timeout() {
            Self::Timeout(timeout)
        } else {
            Self::Transport(error)
        }
    }
}

/// `SoulSpot/<version> ( <contact> )`, the form MusicBrainz asks of every client.
pub fn user_agent(version: &str, contact: &str) -> String {
    format!("SoulSpot/{version} ( {contact} )")
}

/// One client per module: its rate gate and cache are shared by every request.
#[derive(Debug)]
pub struct MusicBrainzClient {
    http: reqwest::Client,
    base_url: String,
    timeout: Duration,
    retry: RetryPolicy,
    limiter: SlidingWindowLimiter,
    cache: Mutex<LruCache<Arc<Vec<Recording>>>>,
    last_error: Mutex<Option<String>>,
}

impl MusicBrainzClient {
    /// `http` must carry the User-Agent (see [`user_agent`]) and the request timeout.
    pub fn new(http: reqwest::Client, settings: &MusicBrainzSettings) -> Self {
        Self {
            http,
            base_url: settings.url.trim_end_matches('/').to_owned(),
            timeout: settings.request_timeout(),
            retry: settings.retry,
            limiter: SlidingWindowLimiter::new(1, settings.rate_limit_interval()),
            cache: Mutex::new(LruCache::new(settings.cache_size)),
            last_error: Mutex::new(None),
        }
    }

    /// Recordings carrying `isrc`; empty when MusicBrainz does not know it (404).
    pub async fn recordings_by_isrc(
        &self,
        isrc: &str,
    ) -> Result<Arc<Vec<Recording>>, MusicBrainzError> {
        let path = format!("/ws/2/isrc/{isrc}");
        // `media` adds the track and disc position of the recording on each release.
        let query = [("fmt", "json"), ("inc", "artist-credits+releases+media")];
        self.cached(format!("isrc:{isrc}"), &path, &query).await
    }

    /// Recordings titled `title` by `artist`, best score first.
    pub async fn search_recordings(
        &self,
        title: &str,
        artist: &str,
    ) -> Result<Arc<Vec<Recording>>, MusicBrainzError> {
        let lucene = recording_query(title, artist);
        let query = [
            ("query", lucene.as_str()),
            ("fmt", "json"),
            ("limit", SEARCH_LIMIT),
        ];
        self.cached(format!("search:{lucene}"), "/ws/2/recording", &query)
            .await
    }

    /// The error of the last request, if it failed: health reports it.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn cached(
        &self,
        key: String,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Arc<Vec<Recording>>, MusicBrainzError> {
        if let Some(hit) = self.lock_cache().get(&key) {
            metrics::counter!("soulspot_musicbrainz_cache_hits_total").increment(1);
            return Ok(hit);
        }
        let outcome = self.fetch(path, query).await;
        *self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            outcome.as_ref().err().map(ToString::to_string);
        let recordings = Arc::new(outcome?.recordings);
        self.lock_cache().insert(key, Arc::clone(&recordings));
        Ok(recordings)
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, LruCache<Arc<Vec<Recording>>>> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// GETs `path`, retrying throttled answers; 404 reads as an empty list.
    async fn fetch(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<RecordingList, MusicBrainzError> {
        let url = format!("{}{path}", self.base_url);
        let mut backoff = self.retry.backoff();
        loop {
            let attempt = backoff.start();
            self.limiter.acquire().await;
            let started = Instant::now();
            let sent = outbound::send("musicbrainz", self.http.get(&url).query(query)).await;
            let outcome = match &sent {
                Ok(response) => response.status().as_u16().to_string(),
                Err(_) => "error".to_owned(),
            };
            metrics::counter!("soulspot_musicbrainz_requests_total", "status" => outcome)
                .increment(1);
            metrics::histogram!("soulspot_musicbrainz_request_duration_seconds")
                .record(started.elapsed().as_secs_f64());
            let response =
                sent.map_err(|error| MusicBrainzError::from_reqwest(error, self.timeout))?;
            let status = response.status();
            if !is_throttled(status) {
                return self.decode(response).await;
            }
            // A wait longer than the policy's longest pause would outlast the caller.
            let longest = Duration::from_millis(self.retry.max_delay_ms);
            let delay = match retry_after(&response) {
                Some(wait) if wait > longest => None,
                hint => backoff.next_pause(hint),
            };
            let Some(delay) = delay else {
                return Err(MusicBrainzError::Throttled {
                    status: status.as_u16(),
                    attempts: attempt,
                });
            };
            tracing::warn!(
                status = status.as_u16(),
                attempt,
                ?delay,
                "musicbrainz throttled, retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn decode(&self, response: Response) -> Result<RecordingList, MusicBrainzError> {
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|error| MusicBrainzError::from_reqwest(error, self.timeout))?;
        if status == StatusCode::NOT_FOUND {
            return Ok(RecordingList::default());
        }
        if !status.is_success() {
            return Err(MusicBrainzError::Status {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&body).chars().take(200).collect(),
            });
        }
        serde_json::from_slice(&body).map_err(MusicBrainzError::MalformedJson)
    }
}

/// Answers that mean "too fast or too busy, try again later".
fn is_throttled(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, SystemTime::now())
}
