//! The router's settings: `[router]` for discovery and routing, `[api]` for HTTP.

use std::path::PathBuf;
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
    /// The limits every service has, and the API key; the router's own values are clamped
    /// where they are read.
    fn validate(&self) -> Result<(), SettingsError> {
        self.service.validate()?;
        if self.pipeline.contains_batch_bytes < MIN_CONTAINS_BATCH_BYTES {
            return Err(SettingsError::invalid(
                "pipeline.contains_batch_bytes",
                format!("must be at least {MIN_CONTAINS_BATCH_BYTES}"),
            ));
        }
        if self.pipeline.watch_check_ms < 10 {
            return Err(SettingsError::invalid(
                "pipeline.watch_check_ms",
                "must be at least 10",
            ));
        }
        if self.pipeline.watch_min_interval_ms < 1_000 {
            return Err(SettingsError::invalid(
                "pipeline.watch_min_interval_ms",
                "must be at least 1000 (intervals are whole seconds)",
            ));
        }
        self.api.validate()
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

/// The smallest `library.contains` batch accepted: room for a few tracks of any size.
pub const MIN_CONTAINS_BATCH_BYTES: usize = 4 * 1024;

/// The shortest API key accepted in settings: a shorter one can be guessed.
pub const MIN_API_KEY_CHARS: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ApiSettings {
    /// Bodies larger than this are refused with 413.
    pub max_body_bytes: usize,
    /// The key every `/api/*` request carries in `X-Api-Key` (or `?apikey=`). When empty, the
    /// key in `key_file` is used, generated there at first start.
    pub api_key: Secret,
    /// Where the generated API key is kept between starts (mode 0600); read only when
    /// `api_key` is empty.
    pub key_file: PathBuf,
    /// Sites besides the one in the request's `Host` whose pages may call the API, as
    /// `scheme://host[:port]` (e.g. `https://music.example.com` behind a reverse proxy that
    /// rewrites `Host`). Empty: only the serving site.
    pub allowed_origins: Vec<String>,
    /// Live streams (`/api/events/stream`) open at once; one more is refused with 503.
    pub max_streams: usize,
    /// Messages a live stream holds for a client that has not read them; one more ends the
    /// stream with a final `dropped` message.
    pub stream_buffer: usize,
    /// How long a stopping router waits for open HTTP requests and streams to finish.
    pub shutdown_grace_ms: u64,
}

impl Default for ApiSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            api_key: Secret::default(),
            key_file: PathBuf::from("data/router/api_key"),
            allowed_origins: Vec::new(),
            max_streams: 64,
            stream_buffer: 256,
            shutdown_grace_ms: 5_000,
        }
    }
}

impl ApiSettings {
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }
}

impl Validate for ApiSettings {
    fn validate(&self) -> Result<(), SettingsError> {
        let key_chars = self.api_key.expose().chars().count();
        if key_chars > 0 && key_chars < MIN_API_KEY_CHARS {
            return Err(SettingsError::invalid(
                "api.api_key",
                format!(
                    "must be at least {MIN_API_KEY_CHARS} characters (or empty to generate one)"
                ),
            ));
        }
        if self.api_key.is_empty() && self.key_file.as_os_str().is_empty() {
            return Err(SettingsError::invalid(
                "api.key_file",
                "must name a file when `api.api_key` is empty",
            ));
        }
        if self.max_streams == 0 {
            return Err(SettingsError::invalid(
                "api.max_streams",
                "must be at least 1",
            ));
        }
        if self.stream_buffer == 0 {
            return Err(SettingsError::invalid(
                "api.stream_buffer",
                "must be at least 1",
            ));
        }
        if let Some(origin) = self
            .allowed_origins
            .iter()
            .find(|origin| !is_bare_origin(origin))
        {
            return Err(SettingsError::invalid(
                "api.allowed_origins",
                format!("`{origin}` is not `scheme://host[:port]` (no path, no trailing slash)"),
            ));
        }
        Ok(())
    }
}

/// `http(s)://host[:port]` and nothing more, as browsers write `Origin`.
fn is_bare_origin(origin: &str) -> bool {
    origin.parse::<axum::http::Uri>().is_ok_and(|uri| {
        matches!(uri.scheme_str(), Some("http" | "https"))
            && uri.authority().is_some()
            && matches!(uri.path(), "" | "/")
            && uri.query().is_none()
            && !origin.ends_with('/')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_api_key_shorter_than_sixteen_characters_is_refused() {
        let short = ApiSettings {
            api_key: Secret::new("let-me-in"),
            ..ApiSettings::default()
        };
        let long = ApiSettings {
            api_key: Secret::new("let-me-in-0123456"),
            ..ApiSettings::default()
        };

        let refused = short.validate();

        assert!(
            matches!(&refused, Err(SettingsError::Invalid { key, .. }) if key == "api.api_key"),
            "{refused:?}"
        );
        assert!(long.validate().is_ok());
        assert!(
            ApiSettings::default().validate().is_ok(),
            "empty: generated"
        );
    }

    #[test]
    fn without_a_key_a_key_file_is_needed() {
        let nowhere = ApiSettings {
            key_file: PathBuf::new(),
            ..ApiSettings::default()
        };

        assert!(nowhere.validate().is_err());
    }

    #[test]
    fn an_allowed_origin_is_a_bare_scheme_host_and_port() {
        let with = |origin: &str| ApiSettings {
            allowed_origins: vec![origin.to_owned()],
            ..ApiSettings::default()
        };
        for good in ["https://music.example.com", "http://nas.local:8080"] {
            assert!(with(good).validate().is_ok(), "{good}");
        }
        for bad in [
            "music.example.com",
            "https://music.example.com/",
            "https://x/api",
            "ftp://x",
        ] {
            let refused = with(bad).validate();
            assert!(
                matches!(&refused, Err(SettingsError::Invalid { key, .. }) if key == "api.allowed_origins"),
                "{bad}: {refused:?}"
            );
        }
    }
}
