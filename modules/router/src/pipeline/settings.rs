//! The `[pipeline]` section of the router's settings: one retry policy per kind of call.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_common::RetryPolicy;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PipelineSettings {
    /// A pipeline YAML file; empty uses the built-in `deploy/pipeline.yaml`.
    pub spec_path: String,
    /// Jobs one router instance works on at once.
    pub max_concurrent_jobs: usize,
    /// How long a job may go without a sign of life before JetStream hands it to another router.
    pub ack_wait_ms: u64,
    /// How long to wait for a download's outcome before trying again.
    pub download_timeout_ms: u64,
    /// Deadline of one try of one provider of the search and download requests.
    pub request_timeout_ms: u64,
    /// The search and download requests: rounds over their providers (a module restarting
    /// is waited for) and the pauses in between.
    pub request_retry: RetryPolicy,
    /// Downloads per job (`max_attempts`) while failures say `can_retry`, and the pauses in
    /// between.
    pub download_retry: RetryPolicy,
    /// Pauses between the tries of a step of `deploy/pipeline.yaml`; each step's `retries`
    /// sets its tries (`max_attempts` here is not used).
    pub step_retry: RetryPolicy,
    /// Pause before a job interrupted by the store or the event bus is picked up again.
    pub resume_delay_ms: u64,
    /// How long a job's record is kept after its last change.
    pub retention_days: u64,
    /// The largest `library.contains` request a playlist sync sends, in encoded bytes: at most
    /// the library's `[limits] max_request_bytes` (a batch the library still refuses as too
    /// large is halved).
    pub contains_batch_bytes: usize,
    /// Deadline of one try of fetching a playlist's tracks (`playlist.tracks`), which comes
    /// in many pages when the playlist is long.
    pub playlist_timeout_ms: u64,
    /// The shortest re-sync interval a watched playlist may ask for (`POST
    /// /api/playlists/watch` refuses shorter ones): Spotify's rate limit is shared by all.
    pub watch_min_interval_ms: u64,
    /// How often each router looks for watched playlists that are due.
    pub watch_check_ms: u64,
}

impl Default for PipelineSettings {
    fn default() -> Self {
        let backoff = RetryPolicy {
            base_ms: 500,
            factor: 2,
            max_delay_ms: 10_000,
            max_attempts: 3,
            jitter_percent: 20,
        };
        Self {
            spec_path: String::new(),
            max_concurrent_jobs: 32,
            ack_wait_ms: 30_000,
            download_timeout_ms: 30 * 60 * 1000,
            request_timeout_ms: 5_000,
            request_retry: backoff.with_max_attempts(5),
            download_retry: backoff,
            step_retry: backoff,
            resume_delay_ms: 2_000,
            retention_days: 30,
            contains_batch_bytes: 192 * 1024,
            playlist_timeout_ms: 60_000,
            watch_min_interval_ms: 5 * 60 * 1000,
            watch_check_ms: 15_000,
        }
    }
}

impl PipelineSettings {
    pub fn ack_wait(&self) -> Duration {
        Duration::from_millis(self.ack_wait_ms.max(1_000))
    }

    pub fn retention(&self) -> Duration {
        Duration::from_secs(self.retention_days.max(1) * 24 * 3600)
    }

    pub fn download_timeout(&self) -> Duration {
        Duration::from_millis(self.download_timeout_ms.max(1))
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms.max(1))
    }

    pub fn playlist_timeout(&self) -> Duration {
        Duration::from_millis(self.playlist_timeout_ms.max(1))
    }

    pub fn watch_check(&self) -> Duration {
        Duration::from_millis(self.watch_check_ms.max(1))
    }

    /// The shortest interval in whole seconds, as requests give it (rounded up).
    pub fn watch_min_interval_seconds(&self) -> u64 {
        self.watch_min_interval_ms.div_ceil(1000).max(1)
    }

    pub fn resume_delay(&self) -> Duration {
        Duration::from_millis(self.resume_delay_ms)
    }
}
