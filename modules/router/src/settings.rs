//! The router's settings: `[router]` for discovery and routing, `[api]` for HTTP.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_common::RetryPolicy;
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
    /// `[router.retry]`: the rounds of a routed call over its providers — a round tries each
    /// provider once, and another follows after a pause while some failure may pass by
    /// itself (`max_attempts` rounds in all, 1 = no retry).
    pub retry: RetryPolicy,
}

impl Default for RoutingSettings {
    fn default() -> Self {
        Self {
            health_interval_ms: 5_000,
            discovery_window_ms: 250,
            request_timeout_ms: 5_000,
            retry: RetryPolicy {
                base_ms: 100,
                factor: 2,
                max_delay_ms: 2_000,
                max_attempts: 3,
                jitter_percent: 0,
            },
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
