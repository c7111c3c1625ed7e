//! The metadata module's settings: where MusicBrainz and the Cover Art Archive live, how
//! politely to call them, where downloaded files may be tagged, and how strictly to match.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use soulspot_common::RetryPolicy;
use soulspot_runtime::{ServiceSettings, SettingsError, Validate};

/// Everything the metadata module reads from `config/metadata.toml` and
/// `SOULSPOT_METADATA__<SECTION>__<KEY>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct MetadataSettings {
    #[serde(flatten)]
    pub service: ServiceSettings,
    pub musicbrainz: MusicBrainzSettings,
    pub coverart: CoverArtSettings,
    pub tagging: TaggingSettings,
}

/// The `[musicbrainz]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MusicBrainzSettings {
    /// Base URL of the web service (`/ws/2` is appended).
    pub url: String,
    /// Contact (URL or e-mail) sent in the User-Agent, as MusicBrainz requires.
    pub contact: String,
    /// Minimum spacing of requests; MusicBrainz allows one per second per client.
    pub rate_limit_interval_ms: u64,
    /// Deadline of one HTTP request.
    pub request_timeout_ms: u64,
    /// `[musicbrainz.retry]`: how a throttled answer (429, 502, 503, 504) is retried; a
    /// `Retry-After` longer than `max_delay_ms` is not waited for.
    pub retry: RetryPolicy,
    /// How many look-ups the in-memory cache keeps; 0 disables it.
    pub cache_size: usize,
    /// A candidate whose length differs from the wanted one by more than this is rejected
    /// (only when both lengths are known).
    pub duration_tolerance_ms: u64,
}

impl Default for MusicBrainzSettings {
    fn default() -> Self {
        Self {
            url: "https://musicbrainz.org".to_owned(),
            contact: "https://github.com/soulspot/soulspot".to_owned(),
            rate_limit_interval_ms: 1_000,
            request_timeout_ms: 10_000,
            retry: RetryPolicy {
                base_ms: 1_000,
                factor: 2,
                max_delay_ms: 30_000,
                max_attempts: 4,
                jitter_percent: 0,
            },
            cache_size: 1_024,
            duration_tolerance_ms: 10_000,
        }
    }
}

impl MusicBrainzSettings {
    pub fn rate_limit_interval(&self) -> Duration {
        Duration::from_millis(self.rate_limit_interval_ms)
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub fn duration_tolerance(&self) -> Duration {
        Duration::from_millis(self.duration_tolerance_ms)
    }
}

/// The `[coverart]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CoverArtSettings {
    /// Base URL of the Cover Art Archive.
    pub url: String,
    /// Whether the front cover is fetched and embedded into the file.
    pub embed_cover: bool,
}

impl Default for CoverArtSettings {
    fn default() -> Self {
        Self {
            url: "https://coverartarchive.org".to_owned(),
            embed_cover: true,
        }
    }
}

/// The `[tagging]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaggingSettings {
    /// The downloads volume: files outside it are never opened, let alone rewritten.
    pub downloads_dir: PathBuf,
}

impl Default for TaggingSettings {
    fn default() -> Self {
        Self {
            downloads_dir: PathBuf::from("/downloads"),
        }
    }
}

impl Validate for MetadataSettings {
    /// Checks what serde cannot: URLs, a contact for the User-Agent, non-zero deadlines.
    fn validate(&self) -> Result<(), SettingsError> {
        self.service.validate()?;
        let invalid = |key, reason| Err(SettingsError::invalid(key, reason));
        if !is_http_url(&self.musicbrainz.url) {
            return invalid("musicbrainz.url", "must be an http(s) URL");
        }
        if !is_http_url(&self.coverart.url) {
            return invalid("coverart.url", "must be an http(s) URL");
        }
        if self.musicbrainz.contact.trim().is_empty() {
            return invalid(
                "musicbrainz.contact",
                "MusicBrainz requires a contact (URL or e-mail) in the User-Agent",
            );
        }
        if self.musicbrainz.request_timeout_ms == 0 {
            return invalid("musicbrainz.request_timeout_ms", "must be above 0");
        }
        if self.tagging.downloads_dir.as_os_str().is_empty() {
            return invalid("tagging.downloads_dir", "must name a directory");
        }
        Ok(())
    }
}

fn is_http_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_the_real_services_and_validate() {
        let settings = MetadataSettings::default();
        assert_eq!(settings.musicbrainz.url, "https://musicbrainz.org");
        assert_eq!(settings.coverart.url, "https://coverartarchive.org");
        assert_eq!(
            settings.musicbrainz.rate_limit_interval(),
            Duration::from_secs(1)
        );
        assert_eq!(
            settings.musicbrainz.duration_tolerance(),
            Duration::from_secs(10)
        );
        assert!(settings.coverart.embed_cover);
        assert!(settings.validate().is_ok());
    }

    #[test]
    fn a_blank_contact_is_refused_by_key() {
        let mut settings = MetadataSettings::default();
        settings.musicbrainz.contact = "  ".to_owned();
        let error = settings.validate().unwrap_err();
        assert!(
            matches!(&error, SettingsError::Invalid { key, .. } if key == "musicbrainz.contact"),
            "{error}"
        );
    }

    #[test]
    fn environment_variables_reach_every_section() {
        let env = [
            ("SOULSPOT_METADATA__MUSICBRAINZ__URL", "http://127.0.0.1:9"),
            ("SOULSPOT_METADATA__MUSICBRAINZ__CACHE_SIZE", "7"),
            ("SOULSPOT_METADATA__COVERART__EMBED_COVER", "false"),
            (
                "SOULSPOT_METADATA__TAGGING__DOWNLOADS_DIR",
                "/srv/downloads",
            ),
        ];
        let sources = soulspot_runtime::SettingsSources {
            config_dir: PathBuf::from("/nonexistent"),
            env: env
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
        };
        let settings: MetadataSettings = soulspot_runtime::load("metadata", &sources).unwrap();
        assert_eq!(settings.musicbrainz.url, "http://127.0.0.1:9");
        assert_eq!(settings.musicbrainz.cache_size, 7);
        assert!(!settings.coverart.embed_cover);
        assert_eq!(
            settings.tagging.downloads_dir,
            PathBuf::from("/srv/downloads")
        );
    }
}
