//! The `[pipeline]` section of the router's settings.

use std::time::Duration;

use serde::{Deserialize, Serialize};

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
    /// Downloads tried per job when failures say `can_retry`.
    pub max_download_attempts: u32,
    /// Pause between tries of a failed step; doubled each try.
    pub step_backoff_ms: u64,
    /// Further tries of the search and download requests when no module answers.
    pub request_retries: u32,
    /// How long a job's record is kept after its last change.
    pub retention_days: u64,
}

impl Default for PipelineSettings {
    fn default() -> Self {
        Self {
            spec_path: String::new(),
            max_concurrent_jobs: 32,
            ack_wait_ms: 30_000,
            download_timeout_ms: 30 * 60 * 1000,
            max_download_attempts: 3,
            step_backoff_ms: 500,
            request_retries: 3,
            retention_days: 30,
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

    /// The pause after try `attempt` (1-based) of a step.
    pub fn step_backoff(&self, attempt: u32) -> Duration {
        let factor = 2u64.saturating_pow(attempt.saturating_sub(1).min(10));
        Duration::from_millis(self.step_backoff_ms.saturating_mul(factor))
    }
}
