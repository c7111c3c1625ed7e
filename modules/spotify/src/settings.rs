//! The spotify module's settings: where the Spotify APIs live, the app's credentials, and
//! how long and how often one call may wait and retry.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_common::RetryPolicy;
use soulspot_runtime::{Secret, ServiceSettings, SettingsError, Validate};

/// Everything the spotify binary reads (`SOULSPOT_SPOTIFY__SPOTIFY__<KEY>` for the API part).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SpotifySettings {
    #[serde(flatten)]
    pub service: ServiceSettings,
    pub spotify: SpotifyApiSettings,
}

/// The `[spotify]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpotifyApiSettings {
    /// Base URL of the accounts service that issues tokens.
    pub accounts_url: String,
    /// Base URL of the Web API (`/v1/...`).
    pub api_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// ISO 3166-1 alpha-2 country for track relinking (`market=`); none by default.
    pub market: Option<String>,
    /// How long before its expiry a token is replaced.
    pub token_refresh_margin_secs: u64,
    /// Deadline of one HTTP request to Spotify.
    pub request_timeout_ms: u64,
    /// Everything one capability call may spend: every page, retry and `Retry-After` wait.
    /// Keep it under the router's request deadline so the caller sees our error, not a timeout.
    pub call_budget_ms: u64,
    /// The longest `Retry-After` wait honoured after a 429.
    pub max_retry_after_secs: u64,
    /// `[spotify.rate_limit_retry]`: how one request is retried while Spotify answers 429 —
    /// tries in all, and the pause when Spotify names no `Retry-After`. The call budget
    /// bounds it too.
    pub rate_limit_retry: RetryPolicy,
}

impl Default for SpotifyApiSettings {
    fn default() -> Self {
        Self {
            accounts_url: "https://accounts.spotify.com".to_owned(),
            api_url: "https://api.spotify.com".to_owned(),
            client_id: String::new(),
            client_secret: Secret::default(),
            market: None,
            token_refresh_margin_secs: 60,
            request_timeout_ms: 4_000,
            call_budget_ms: 4_500,
            max_retry_after_secs: 30,
            rate_limit_retry: RetryPolicy {
                base_ms: 1_000,
                factor: 1,
                max_delay_ms: 1_000,
                max_attempts: 3,
                jitter_percent: 0,
            },
        }
    }
}

impl Validate for SpotifySettings {
    /// Refuses settings the module cannot work with, naming the key and its variable.
    fn validate(&self) -> Result<(), SettingsError> {
        self.service.validate()?;
        let spotify = &self.spotify;
        if spotify.client_id.trim().is_empty() {
            return Err(SettingsError::invalid(
                "spotify.client_id",
                "the Spotify app's client id is required (SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_ID)",
            ));
        }
        if spotify.client_secret.expose().trim().is_empty() {
            return Err(SettingsError::invalid(
                "spotify.client_secret",
                "the Spotify app's client secret is required \
                 (SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_SECRET)",
            ));
        }
        Ok(())
    }
}

impl SpotifyApiSettings {
    pub fn token_refresh_margin(&self) -> Duration {
        Duration::from_secs(self.token_refresh_margin_secs)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms.max(1))
    }

    pub fn call_budget(&self) -> Duration {
        Duration::from_millis(self.call_budget_ms.max(1))
    }

    pub fn max_retry_after(&self) -> Duration {
        Duration::from_secs(self.max_retry_after_secs)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use soulspot_runtime::SettingsSources;

    use super::*;

    const CREDENTIALS: [(&str, &str); 2] = [
        ("SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_ID", "id"),
        ("SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_SECRET", "secret"),
    ];

    fn load(env: &[(&str, &str)]) -> Result<SpotifySettings, SettingsError> {
        let sources = SettingsSources {
            config_dir: "/nonexistent".into(),
            env: env
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect::<HashMap<_, _>>(),
        };
        soulspot_runtime::load("spotify", &sources)
    }

    #[test]
    fn defaults_point_at_the_real_spotify_hosts() {
        let settings = load(&CREDENTIALS).unwrap();
        assert_eq!(
            settings.spotify.accounts_url,
            "https://accounts.spotify.com"
        );
        assert_eq!(settings.spotify.api_url, "https://api.spotify.com");
        assert_eq!(
            settings.spotify.token_refresh_margin(),
            Duration::from_secs(60)
        );
        assert_eq!(settings.spotify.max_retry_after(), Duration::from_secs(30));
        assert_eq!(settings.spotify.market, None);
    }

    #[test]
    fn environment_sets_credentials_and_market() {
        let settings = load(&[
            ("SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_ID", "id"),
            ("SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_SECRET", "secret"),
            ("SOULSPOT_SPOTIFY__SPOTIFY__MARKET", "DE"),
        ])
        .unwrap();
        assert!(settings.validate().is_ok());
        assert_eq!(settings.spotify.client_secret.expose(), "secret");
        assert_eq!(settings.spotify.market.as_deref(), Some("DE"));
        assert!(!format!("{settings:?}").contains("\"secret\""));
    }

    #[test]
    fn validation_names_the_missing_credential() {
        let missing_id = load(&[]).unwrap_err();
        assert!(
            missing_id.to_string().contains("spotify.client_id"),
            "{missing_id}"
        );
        let missing_secret = load(&[("SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_ID", "id")]).unwrap_err();
        assert!(
            missing_secret
                .to_string()
                .contains("SOULSPOT_SPOTIFY__SPOTIFY__CLIENT_SECRET"),
            "{missing_secret}"
        );
    }
}
