//! Settings of the sandbox: ports, credentials, timing and behaviour switches.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Duration;

use crate::catalog::Catalog;
use crate::error::SandboxError;

/// Prefix of the environment variables read by [`SandboxConfig::from_env`].
pub const ENV_PREFIX: &str = "SOULSPOT_SANDBOX__";

/// Ports of each emulated service; 0 picks a free port.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServicePorts {
    /// `accounts.spotify.com` stand-in.
    pub spotify_accounts: u16,
    /// `api.spotify.com` stand-in.
    pub spotify_api: u16,
    /// slskd stand-in.
    pub slskd: u16,
    /// `musicbrainz.org` stand-in.
    pub musicbrainz: u16,
    /// `coverartarchive.org` stand-in (also serves the images it redirects to).
    pub coverartarchive: u16,
}

/// Artificial delays; [`Timing::fast`] zeroes them for benchmarks.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// How long a `POST /api/v0/searches` stays in flight (a second POST meanwhile gets 429).
    pub search_post_delay: Duration,
    /// How long a Soulseek search runs before completing (capped by its `searchTimeout`).
    pub search_duration: Duration,
    /// From `Requested` to the peer's answer.
    pub transfer_request_delay: Duration,
    /// Time per place in a peer's remote queue.
    pub queue_step: Duration,
    /// Duration of the byte transfer itself.
    pub transfer_duration: Duration,
    /// Number of progress updates during a transfer.
    pub progress_steps: u32,
    /// Minimum spacing of MusicBrainz requests (503 when closer); `None` disables.
    pub musicbrainz_min_interval: Option<Duration>,
}

impl Timing {
    /// Short, realistic delays: searches ~0.5 s, transfers ~1.5 s, MusicBrainz 1 req/s.
    pub fn realistic() -> Self {
        Self {
            search_post_delay: Duration::from_millis(30),
            search_duration: Duration::from_millis(500),
            transfer_request_delay: Duration::from_millis(150),
            queue_step: Duration::from_millis(40),
            transfer_duration: Duration::from_millis(1200),
            progress_steps: 8,
            musicbrainz_min_interval: Some(Duration::from_secs(1)),
        }
    }

    /// No delays and no MusicBrainz rate limit.
    pub fn fast() -> Self {
        Self {
            search_post_delay: Duration::ZERO,
            search_duration: Duration::ZERO,
            transfer_request_delay: Duration::ZERO,
            queue_step: Duration::ZERO,
            transfer_duration: Duration::ZERO,
            progress_steps: 1,
            musicbrainz_min_interval: None,
        }
    }
}

/// A rolling-window request limit for the Spotify Web API.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub max_requests: usize,
    /// Window length (Spotify uses 30 s).
    pub window: Duration,
}

/// Everything [`crate::Sandbox::start`] needs.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address every listener binds to.
    pub host: IpAddr,
    /// Port per service; 0 picks a free one.
    pub ports: ServicePorts,
    /// The catalog served by every emulator.
    pub catalog: Catalog,
    /// Where finished downloads land (`<downloads>/<remote dir>/<file>`).
    pub downloads_dir: PathBuf,
    /// Delays; see [`Timing::fast`].
    pub timing: Timing,
    /// Length of every generated audio file.
    pub audio_duration: Duration,
    /// Expected `X-API-Key`.
    pub slskd_api_key: String,
    /// Accepted Spotify client id.
    pub spotify_client_id: String,
    /// Accepted Spotify client secret.
    pub spotify_client_secret: String,
    /// Development-mode app: no `external_ids`, search `limit` capped at 10.
    pub spotify_dev_mode: bool,
    /// Optional rolling-window limit answered with 429 and `Retry-After`.
    pub spotify_rate_limit: Option<RateLimit>,
}

impl SandboxConfig {
    /// Realistic timing, embedded catalog, random ports, the given downloads directory.
    pub fn new(downloads_dir: impl Into<PathBuf>) -> Result<Self, SandboxError> {
        Ok(Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ports: ServicePorts::default(),
            catalog: Catalog::embedded()?,
            downloads_dir: downloads_dir.into(),
            timing: Timing::realistic(),
            audio_duration: Duration::from_secs(3),
            slskd_api_key: "sandbox-slskd-api-key".to_owned(),
            spotify_client_id: "sandbox-client-id".to_owned(),
            spotify_client_secret: "sandbox-client-secret".to_owned(),
            spotify_dev_mode: false,
            spotify_rate_limit: None,
        })
    }

    /// Like [`SandboxConfig::new`] with [`Timing::fast`].
    pub fn fast(downloads_dir: impl Into<PathBuf>) -> Result<Self, SandboxError> {
        Ok(Self {
            timing: Timing::fast(),
            ..Self::new(downloads_dir)?
        })
    }

    /// Reads `SOULSPOT_SANDBOX__*` keys from `env` (pass `std::env::vars().collect()`):
    /// `HOST`, `DOWNLOADS_DIR`, `CATALOG` (path), `FAST` (true/false), `DEV_MODE`,
    /// `SLSKD_API_KEY`, `SPOTIFY_CLIENT_ID`, `SPOTIFY_CLIENT_SECRET`,
    /// `AUDIO_SECONDS`, and `PORTS__SPOTIFY_ACCOUNTS|SPOTIFY_API|SLSKD|MUSICBRAINZ|COVERARTARCHIVE`.
    pub fn from_env(env: &HashMap<String, String>) -> Result<Self, SandboxError> {
        let get = |key: &str| env.get(&format!("{ENV_PREFIX}{key}")).map(String::as_str);
        let downloads_dir = get("DOWNLOADS_DIR").unwrap_or("sandbox-downloads");
        let mut config = Self::new(downloads_dir)?;
        if parse_or(get("FAST"), "FAST", false)? {
            config.timing = Timing::fast();
        }
        config.spotify_dev_mode = parse_or(get("DEV_MODE"), "DEV_MODE", false)?;
        config.host = parse_or(get("HOST"), "HOST", config.host)?;
        if let Some(path) = get("CATALOG") {
            config.catalog = Catalog::from_path(std::path::Path::new(path))?;
        }
        let seconds = parse_or(get("AUDIO_SECONDS"), "AUDIO_SECONDS", 3_u64)?;
        config.audio_duration = Duration::from_secs(seconds);
        let text = |key: &str, current: &mut String| {
            if let Some(value) = get(key) {
                value.clone_into(current);
            }
        };
        text("SLSKD_API_KEY", &mut config.slskd_api_key);
        text("SPOTIFY_CLIENT_ID", &mut config.spotify_client_id);
        text("SPOTIFY_CLIENT_SECRET", &mut config.spotify_client_secret);
        let port = |key: &str| parse_or(get(&format!("PORTS__{key}")), key, 0_u16);
        config.ports = ServicePorts {
            spotify_accounts: port("SPOTIFY_ACCOUNTS")?,
            spotify_api: port("SPOTIFY_API")?,
            slskd: port("SLSKD")?,
            musicbrainz: port("MUSICBRAINZ")?,
            coverartarchive: port("COVERARTARCHIVE")?,
        };
        Ok(config)
    }
}

fn parse_or<T: std::str::FromStr>(
    value: Option<&str>,
    key: &str,
    default: T,
) -> Result<T, SandboxError>
where
    T::Err: std::fmt::Display,
{
    match value {
        None => Ok(default),
        Some(text) => text
            .parse()
            .map_err(|error: T::Err| SandboxError::InvalidSetting {
                key: format!("{ENV_PREFIX}{key}"),
                message: error.to_string(),
            }),
    }
}
