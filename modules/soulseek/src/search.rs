//! One network search through slskd: wait for the rate limiter, start it (retrying while
//! slskd is busy with another), poll until complete, collect the responses, delete it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use soulspot_common::RetryPolicy;
use soulspot_common::text::fold;
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

    /// Every peer's response to `text`; when there is none at all and `text` holds words the
    /// server is known to drop searches for, once more with those words rewritten.
    pub async fn search_track(&self, text: &str) -> Result<Vec<SearchResponse>, SlskdError> {
        let responses = self.search(text).await?;
        if !responses.is_empty() {
            return Ok(responses);
        }
        let Some(rewritten) = rewrite_blocked(text, &self.settings.blocked_terms) else {
            return Ok(responses);
        };
        tracing::info!(text, rewritten = %rewritten, "no responses, searching again without blocked terms");
        metrics::counter!("soulseek_blocked_term_rewrites_total").increment(1);
        self.search(&rewritten).await
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

/// `text` with every word the server is known to drop written `*` + all but its first
/// letter (`beatles` → `*eatles`), as clients that work around the block do; `None` when no
/// word is blocked.
pub fn rewrite_blocked(text: &str, blocked_terms: &[String]) -> Option<String> {
    let blocked: Vec<String> = blocked_terms.iter().map(|term| fold(term)).collect();
    let mut rewritten_any = false;
    let words: Vec<String> = text
        .split_whitespace()
        .map(|word| {
            if !blocked.contains(&fold(word)) {
                return word.to_owned();
            }
            rewritten_any = true;
            let mut letters = word.chars();
            letters.next();
            format!("*{}", letters.as_str())
        })
        .collect();
    rewritten_any.then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_words_lose_their_first_letter_to_a_wildcard() {
        let blocked = ["beatles".to_owned(), "Abba".to_owned()];
        assert_eq!(
            rewrite_blocked("beatles tribute orchestra morning tide", &blocked).as_deref(),
            Some("*eatles tribute orchestra morning tide")
        );
        assert_eq!(
            rewrite_blocked("abba beatles", &blocked).as_deref(),
            Some("*bba *eatles")
        );
        assert_eq!(rewrite_blocked("beatlesque songs", &blocked), None);
        assert_eq!(rewrite_blocked("aurora lane", &blocked), None);
    }

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
