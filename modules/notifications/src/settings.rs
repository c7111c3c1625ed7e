//! The notifications module's settings: channels, retry policy and the delivery log bucket.
//!
//! Channels are a list (`[[channels]]` in `config/notifications.toml`); the other sections
//! also come from `SOULSPOT_NOTIFICATIONS__<SECTION>__<KEY>` environment variables.

use std::collections::HashSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_common::RetryPolicy;
use soulspot_runtime::{ServiceSettings, SettingsError, Validate};

use crate::channels::ChannelSettings;
use crate::delivery::DeliveryPolicy;

/// Everything `soulspot-notifications` reads at start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct NotificationsSettings {
    #[serde(flatten)]
    pub service: ServiceSettings,
    /// Where notifications go; none is allowed (every call then replies with no channels).
    pub channels: Vec<ChannelSettings>,
    pub delivery: DeliverySettings,
    pub dedup: DedupSettings,
    /// Whether a failed job (a `pipeline.failed` event) is notified too, naming the step
    /// that failed and why.
    pub on_failure: bool,
}

impl Default for NotificationsSettings {
    fn default() -> Self {
        Self {
            service: ServiceSettings::default(),
            channels: Vec::new(),
            delivery: DeliverySettings::default(),
            dedup: DedupSettings::default(),
            on_failure: true,
        }
    }
}

/// How one channel delivery is attempted and retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliverySettings {
    /// `[delivery.retry]`: attempts per channel and notification (the first included) and
    /// the waits between them.
    pub retry: RetryPolicy,
    /// Longest wait a `429 Retry-After` may impose; longer requests are cut to this.
    pub max_retry_after_ms: u64,
    /// Deadline of one HTTP attempt, connection included.
    pub timeout_ms: u64,
    /// Deadline of a whole delivery on one channel, retries included: no attempt starts
    /// after `deadline_ms - timeout_ms`. Keep it below the pipeline's step timeout (30 s).
    pub deadline_ms: u64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            retry: RetryPolicy {
                base_ms: 500,
                factor: 2,
                max_delay_ms: 10_000,
                max_attempts: 3,
                jitter_percent: 0,
            },
            max_retry_after_ms: 10_000,
            timeout_ms: 5_000,
            deadline_ms: 25_000,
        }
    }
}

impl DeliverySettings {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    pub fn retry_policy(&self) -> DeliveryPolicy {
        DeliveryPolicy {
            retry: self.retry,
            max_retry_after: Duration::from_millis(self.max_retry_after_ms),
            retry_window: Duration::from_millis(self.deadline_ms.saturating_sub(self.timeout_ms)),
        }
    }
}

/// The JetStream KV bucket remembering which (job, channel) pairs were delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DedupSettings {
    pub bucket: String,
    /// How long a delivery is remembered; a job retried later than this notifies again.
    pub max_age_days: u64,
    /// A claim this old is taken to be a sender's that died mid-delivery, and another call
    /// may deliver. Keep it above `delivery.deadline_ms`.
    pub claim_timeout_ms: u64,
}

impl Default for DedupSettings {
    fn default() -> Self {
        Self {
            bucket: "soulspot_notifications".to_owned(),
            max_age_days: 30,
            claim_timeout_ms: 120_000,
        }
    }
}

impl DedupSettings {
    pub fn max_age(&self) -> Duration {
        Duration::from_secs(self.max_age_days * 24 * 60 * 60)
    }

    pub fn claim_timeout(&self) -> Duration {
        Duration::from_millis(self.claim_timeout_ms)
    }
}

impl Validate for NotificationsSettings {
    /// Checks what serde cannot: ranges, URLs, and that channel names are unique.
    fn validate(&self) -> Result<(), SettingsError> {
        self.service.validate()?;
        let delivery = &self.delivery;
        if delivery.timeout_ms == 0 {
            return Err(SettingsError::invalid(
                "delivery.timeout_ms",
                "must be above 0",
            ));
        }
        if delivery.deadline_ms < delivery.timeout_ms {
            return Err(SettingsError::invalid(
                "delivery.deadline_ms",
                "must not be below delivery.timeout_ms",
            ));
        }
        if delivery.retry.max_delay_ms < delivery.retry.base_ms {
            return Err(SettingsError::invalid(
                "delivery.retry.max_delay_ms",
                "must not be below delivery.retry.base_ms",
            ));
        }
        if self.dedup.bucket.is_empty() {
            return Err(SettingsError::invalid("dedup.bucket", "must not be empty"));
        }
        if self.dedup.max_age_days == 0 {
            return Err(SettingsError::invalid(
                "dedup.max_age_days",
                "must be at least 1",
            ));
        }
        let mut names = HashSet::new();
        for (index, channel) in self.channels.iter().enumerate() {
            channel.validate().map_err(|problem| {
                SettingsError::invalid(format!("channels[{index}].{}", problem.key), problem.reason)
            })?;
            if !names.insert(channel.name()) {
                return Err(SettingsError::invalid(
                    format!("channels[{index}].name"),
                    format!(
                        "`{}` is used by another channel; give each channel a distinct name",
                        channel.name()
                    ),
                ));
            }
        }
        Ok(())
    }
}
