//! One network search through slskd: wait for the rate limiter, start it (retrying while
//! slskd is busy with another), poll until complete, collect the responses, delete it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use soulspot_common::RetryPolicy;
use soulspot_runtime::rate_limit::SlidingWindowLimiter;
use uuid::Uuid;

use crate::busy::retry_while_busy;
use crate::settings::SearchSettings;
use crate::slskd::{SearchRequest, SearchResponse, SlskdClient, SlskdError};

/// slskd completes a search by itself after `searchTimeout`; past this much more, the
/// responses gathered so far are taken as they are.
const COMPLETION_GRACE: Duration = Duration::from_secs(10);

/// Runs searches, sharing one rate limiter between all downloads.
#[derive(Debug, Clone)]
pub struct Searcher {
    client: SlskdClient,
    limiter: Arc<SlidingWindowLimiter>,
    /// slskd answers 429 to a search POST while another is in flight: this module's own
    /// searches take turns to start, and only another client's can still collide.
    starting: Arc<tokio::sync::Mutex<()>>,
    busy_retry: RetryPolicy,
    settings: SearchSettings,
}

impl Searcher {
    pub fn new(client: SlskdClient, busy_retry: RetryPolicy, settings: SearchSettings) -> Self {
        let limiter =
            SlidingWindowLimiter::new(settings.rate_limit_searches, settings.rate_limit_window());
        Self {
            client,
            starting: Arc::default(),
            limiter: Arc::new(limiter),
            busy_retry,
            settings,
        }
    }

    /// Every peer's response to `text`.
    pub async fn search(&self, text: &str) -> Result<Vec<SearchResponse>, SlskdError> {
        self.limiter.acquire().await;
        let started = Instant::now();
        let request = SearchRequest {
            id: Uuid::new_v4(),
            search_text: text.to_owned(),
            search_timeout: self.settings.timeout_ms,
        };
        {
            let _turn = self.starting.lock().await;
            retry_while_busy(&self.busy_retry, "search start", || {
                self.client.start_search(&request)
            })
            .await?;
        }
        let outcome = self.collect(request.id).await;
        if let Err(error) = self.client.delete_search(request.id).await {
            tracing::warn!(search_id = %request.id, %error, "search not deleted from slskd");
        }
        let label = if outcome.is_ok() { "ok" } else { "error" };
        metrics::counter!("soulseek_searches_total", "outcome" => label).increment(1);
        metrics::histogram!("soulseek_search_duration_seconds")
            .record(started.elapsed().as_secs_f64());
        outcome
    }

    async fn collect(&self, id: Uuid) -> Result<Vec<SearchResponse>, SlskdError> {
        let deadline = tokio::time::Instant::now() + self.settings.timeout() + COMPLETION_GRACE;
        loop {
            let search = self.client.search(id).await?;
            if search.is_complete {
                tracing::debug!(search_id = %id, state = %search.state, responses = search.response_count, "search complete");
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(search_id = %id, state = %search.state, "search did not complete in time, using responses so far");
                break;
            }
            tokio::time::sleep(self.settings.poll_interval()).await;
        }
        self.client.search_responses(id).await
    }
}

/// The text to search for: the artist's and title's words, without punctuation that
/// Soulseek would read as operators (`-word` excludes a word).
pub fn search_text(artist: &str, title: &str) -> String {
    format!("{artist} {title}")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_text_drops_punctuation_and_operators() {
        assert_eq!(
            search_text("The Midnight Ferry", "Salt & Vinegar"),
            "the midnight ferry salt vinegar"
        );
        assert_eq!(
            search_text("Zoë Mercier", "Déjà Vu à Paris"),
            "zoë mercier déjà vu à paris"
        );
        assert_eq!(search_text("A-ha", "-Take On Me-"), "a ha take on me");
    }
}
