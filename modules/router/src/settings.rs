//! The router's settings: `[router]` for discovery and routing, `[api]` for HTTP.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_runtime::{Secret, ServiceSettings, SettingsError, Validate};

use crate::pipeline::PipelineSettings;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct RouterSettings {
    #[serde(flatten)]
    pub service: ServiceSettings,
    pub router: RoutingSettings,
    pub api: ApiSettings,
    pub pipeline: PipelineSettings,
}

impl Validate for RouterSettings {
    /// The limits every service has; the router's own values are clamped where they are read.
    fn validate(&self) -> Result<(), SettingsError> {
        self.service.validate()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoutingSettings {
    /// How often the monitor polls `$SRV.INFO` and every module's health.
    pub health_interval_ms: u64,
    /// How long the monitor gathers `$SRV.INFO` replies each poll.
    pub discovery_window_ms: u64,
    /// Deadline of one try of one provider.
    pub request_timeout_ms: u64,
    /// Rounds over the candidates when every failure was transient (1 = no retry).
    pub max_attempts: u32,
    /// Pause before the second round; doubled for each further round.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
}

impl Default for RoutingSettings {
    fn default() -> Self {
        Self {
            health_interval_ms: 5_000,
            discovery_window_ms: 250,
            request_timeout_ms: 5_000,
            max_attempts: 3,
            backoff_base_ms: 100,
            backoff_max_ms: 2_000,
        }
    }
}

impl RoutingSettings {
    pub fn health_interval(&self) -> Duration {
        Duration::from_millis(self.health_interval_ms.max(1))
    }

    pub fn discovery_window(&self) -> Duration {
        Duration::from_millis(self.discovery_window_ms.max(1)).min(self.health_interval() / 2)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms.max(1))
    }

    /// The pause after round `round` (1-based): base × 2^(round−1), capped.
    pub fn backoff(&self, round: u32) -> Duration {
        let factor = 2u64.saturating_pow(round.saturating_sub(1));
        Duration::from_millis(
            self.backoff_base_ms
                .saturating_mul(factor)
                .min(self.backoff_max_ms),
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiSettings {
    /// Bodies larger than this are refused with 413.
    pub max_body_bytes: usize,
    /// When set, requests that change anything (POST) must carry it in `X-Api-Key`.
    pub api_key: Secret,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            api_key: Secret::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap() {
        let settings = RoutingSettings {
            backoff_base_ms: 100,
            backoff_max_ms: 350,
            ..RoutingSettings::default()
        };
        assert_eq!(settings.backoff(1), Duration::from_millis(100));
        assert_eq!(settings.backoff(2), Duration::from_millis(200));
        assert_eq!(settings.backoff(3), Duration::from_millis(350));
        assert_eq!(settings.backoff(40), Duration::from_millis(350));
    }
}
