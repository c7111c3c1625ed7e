//! The module's settings: where slskd is, how hard to search, how to rank, how to download.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_common::RetryPolicy;
use soulspot_runtime::{Secret, ServiceSettings, SettingsError, Validate};

use crate::ranking::RankingCriteria;

/// Every setting of the soulseek module (`SOULSPOT_SOULSEEK__<SECTION>__<KEY>`).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct SoulseekSettings {
    #[serde(flatten)]
    pub service: ServiceSettings,
    pub slskd: SlskdSettings,
    pub search: SearchSettings,
    pub ranking: RankingSettings,
    pub downloads: DownloadSettings,
    pub peers: PeerSettings,
}

/// The `[slskd]` section: the daemon and the volume it writes finished files to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SlskdSettings {
    /// Root URL of slskd (the API lives under `/api/v0`).
    pub url: String,
    /// Sent as `X-API-Key`; slskd accepts keys of 16 to 255 characters.
    pub api_key: Secret,
    /// slskd's downloads directory as this module sees it (a shared volume).
    pub downloads_dir: PathBuf,
    /// Deadline of one HTTP request to slskd.
    pub request_timeout_ms: u64,
    /// `[slskd.busy_retry]`: how a search or enqueue refused with 429 (another in flight) is
    /// retried.
    pub busy_retry: RetryPolicy,
}

impl Default for SlskdSettings {
    fn default() -> Self {
        Self {
            url: "http://localhost:5030".to_owned(),
            api_key: Secret::default(),
            downloads_dir: PathBuf::from("/downloads"),
            request_timeout_ms: 10_000,
            busy_retry: RetryPolicy {
                base_ms: 250,
                factor: 2,
                max_delay_ms: 32_000,
                max_attempts: 9,
                jitter_percent: 0,
            },
        }
    }
}

impl SlskdSettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }
}

/// The `[search]` section: network searches and the limit that keeps the account unbanned.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchSettings {
    /// How long the Soulseek network search runs (sent to slskd as `searchTimeout`, in ms).
    pub timeout_ms: u64,
    /// At most this many searches start per `rate_limit_window_secs` (sliding window).
    pub rate_limit_searches: usize,
    pub rate_limit_window_secs: u64,
    /// How often a running search is polled.
    pub poll_interval_ms: u64,
    /// Words the Soulseek server drops searches for without a word: a search that finds
    /// nothing is tried once more with each of them written `*` + all but its first letter.
    pub blocked_terms: Vec<String>,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            timeout_ms: 10_000,
            rate_limit_searches: 34,
            rate_limit_window_secs: 220,
            poll_interval_ms: 500,
            blocked_terms: vec!["beatles".to_owned()],
        }
    }
}

impl SearchSettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    pub fn rate_limit_window(&self) -> Duration {
        Duration::from_secs(self.rate_limit_window_secs)
    }

    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }
}

/// The `[ranking]` section: which files are acceptable and which are preferred.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RankingSettings {
    /// Files of other formats are never downloaded.
    pub formats: Vec<String>,
    /// Most preferred first; formats not listed rank after those listed.
    pub preferred_formats: Vec<String>,
    /// A file whose length differs from the track's by more than this is another cut.
    pub length_tolerance_secs: u32,
}

impl Default for RankingSettings {
    fn default() -> Self {
        let formats = ["mp3", "flac", "ogg", "m4a", "opus", "wav", "aac", "alac"];
        let preferred = ["flac", "mp3", "m4a", "aac", "ogg", "opus", "alac", "wav"];
        Self {
            formats: formats.map(str::to_owned).to_vec(),
            preferred_formats: preferred.map(str::to_owned).to_vec(),
            length_tolerance_secs: 3,
        }
    }
}

impl RankingSettings {
    /// The criteria for one download; `requested_formats`, when given, replaces both the
    /// required set and the preference order.
    pub fn criteria(&self, requested_formats: Option<&[String]>) -> RankingCriteria {
        let lowercase = |formats: &[String]| -> Vec<String> {
            formats.iter().map(|format| format.to_lowercase()).collect()
        };
        match requested_formats.filter(|formats| !formats.is_empty()) {
            Some(formats) => RankingCriteria {
                required_formats: lowercase(formats),
                preferred_formats: lowercase(formats),
                length_tolerance_secs: self.length_tolerance_secs,
            },
            None => RankingCriteria {
                required_formats: lowercase(&self.formats),
                preferred_formats: lowercase(&self.preferred_formats),
                length_tolerance_secs: self.length_tolerance_secs,
            },
        }
    }
}

/// The `[downloads]` section: concurrency, retries and the watch over each transfer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct DownloadSettings {
    /// Candidates tried before a download is reported failed.
    pub max_attempts: u32,
    /// Downloads running at once; more wait their turn.
    pub max_concurrent: usize,
    /// How often a transfer is polled.
    pub poll_interval_ms: u64,
    /// A transfer with no progress for this long is cancelled and counts as failed.
    pub stall_timeout_secs: u64,
    /// A transfer not finished this long after it was enqueued (queue time included) is
    /// cancelled and counts as failed.
    pub transfer_deadline_secs: u64,
    /// A transfer averaging fewer bytes per second than this over `speed_window_secs`, once
    /// it has been sending that long, is cancelled and counts as failed (0: no minimum).
    pub min_speed_bytes_per_sec: u64,
    pub speed_window_secs: u64,
    /// `download.progress` at most this often...
    pub progress_interval_ms: u64,
    /// ...unless the transfer moved on by at least this many percent.
    pub progress_step_percent: f64,
    /// `[downloads.outcome_retry]`: how `download.completed` or `download.failed` is published
    /// again while NATS is out (the defaults keep trying about three minutes).
    pub outcome_retry: RetryPolicy,
}

impl Default for DownloadSettings {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            max_concurrent: 3,
            poll_interval_ms: 1_000,
            stall_timeout_secs: 120,
            transfer_deadline_secs: 1_800,
            min_speed_bytes_per_sec: 16_384,
            speed_window_secs: 60,
            progress_interval_ms: 2_000,
            progress_step_percent: 10.0,
            outcome_retry: RetryPolicy {
                base_ms: 400,
                factor: 2,
                max_delay_ms: 6_400,
                max_attempts: 30,
                jitter_percent: 0,
            },
        }
    }
}

impl DownloadSettings {
    pub fn poll_interval(&self) -> Duration {
        Duration::from_millis(self.poll_interval_ms)
    }

    pub fn stall_timeout(&self) -> Duration {
        Duration::from_secs(self.stall_timeout_secs)
    }

    pub fn progress_interval(&self) -> Duration {
        Duration::from_millis(self.progress_interval_ms)
    }

    pub fn transfer_deadline(&self) -> Duration {
        Duration::from_secs(self.transfer_deadline_secs)
    }

    pub fn speed_window(&self) -> Duration {
        Duration::from_secs(self.speed_window_secs)
    }
}

/// The `[peers]` section: how observed failures count against a peer, after slsk-batchdl's
/// `fails-to-downrank` and `fails-to-ignore`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct PeerSettings {
    /// Failures (since its last success) after which a peer's files are tried last.
    pub fails_to_downrank: u32,
    /// Failures (since its last success) after which a peer is not tried at all...
    pub fails_to_ignore: u32,
    /// ...for this long.
    pub ignore_secs: u64,
}

impl Default for PeerSettings {
    fn default() -> Self {
        Self {
            fails_to_downrank: 1,
            fails_to_ignore: 2,
            ignore_secs: 3_600,
        }
    }
}

impl PeerSettings {
    pub fn ignore_for(&self) -> Duration {
        Duration::from_secs(self.ignore_secs)
    }
}

impl Validate for SoulseekSettings {
    /// Refuses settings the module cannot work with, naming the key.
    fn validate(&self) -> Result<(), SettingsError> {
        self.service.validate()?;
        let invalid = |key: &str, reason: &str| SettingsError::invalid(key, reason);
        if reqwest::Url::parse(&self.slskd.url).is_err() {
            return Err(invalid("slskd.url", "not a valid url"));
        }
        let key_length = self.slskd.api_key.expose().chars().count();
        if !(16..=255).contains(&key_length) {
            return Err(invalid(
                "slskd.api_key",
                "must be set to slskd's api key (16 to 255 characters)",
            ));
        }
        let positive = [
            ("slskd.request_timeout_ms", self.slskd.request_timeout_ms),
            ("search.timeout_ms", self.search.timeout_ms),
            (
                "search.rate_limit_window_secs",
                self.search.rate_limit_window_secs,
            ),
            ("search.poll_interval_ms", self.search.poll_interval_ms),
            (
                "downloads.poll_interval_ms",
                self.downloads.poll_interval_ms,
            ),
            (
                "downloads.stall_timeout_secs",
                self.downloads.stall_timeout_secs,
            ),
            (
                "downloads.max_attempts",
                u64::from(self.downloads.max_attempts),
            ),
            (
                "downloads.transfer_deadline_secs",
                self.downloads.transfer_deadline_secs,
            ),
            (
                "downloads.speed_window_secs",
                self.downloads.speed_window_secs,
            ),
            (
                "peers.fails_to_downrank",
                u64::from(self.peers.fails_to_downrank),
            ),
            (
                "peers.fails_to_ignore",
                u64::from(self.peers.fails_to_ignore),
            ),
            ("peers.ignore_secs", self.peers.ignore_secs),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, value)| *value == 0) {
            return Err(invalid(key, "must be greater than 0"));
        }
        if self.search.rate_limit_searches == 0 {
            return Err(invalid(
                "search.rate_limit_searches",
                "must be greater than 0",
            ));
        }
        if self.downloads.max_concurrent == 0 {
            return Err(invalid(
                "downloads.max_concurrent",
                "must be greater than 0",
            ));
        }
        if self
            .search
            .blocked_terms
            .iter()
            .any(|term| term.chars().filter(|c| c.is_alphanumeric()).count() < 2)
        {
            return Err(invalid(
                "search.blocked_terms",
                "every term must have at least two letters or digits",
            ));
        }
        if self.ranking.formats.is_empty() {
            return Err(invalid("ranking.formats", "must name at least one format"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
