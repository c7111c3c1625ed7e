//! The library module's settings: where the library and the downloads live, how files are
//! named, what to do with duplicates, and where the index is kept.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use soulspot_runtime::{ServiceSettings, SettingsError, Validate};

use crate::journal::CrashPoint;
use crate::template::PathTemplate;

/// The template of the design: `Artist/Album (1998)/03 - Title.flac`.
pub const DEFAULT_PATH_TEMPLATE: &str = "{albumartist}/{album} ({year})/{track:02} - {title}.{ext}";

/// Everything the library module reads from `config/library.toml` and
/// `SOULSPOT_LIBRARY__<SECTION>__<KEY>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct LibrarySettings {
    #[serde(flatten)]
    pub service: ServiceSettings,
    pub library: LibrarySection,
    /// Test-only fault injection; never set in a deployment.
    pub fault: FaultSettings,
}

/// The `[fault]` section: lets tests abort the process mid-import to show that a restart
/// recovers. Undocumented on purpose: it exists for tests only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct FaultSettings {
    /// The point of an import at which the process aborts (`after_move`, ...).
    pub crash_at: Option<CrashPoint>,
}

/// The `[library]` section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LibrarySection {
    /// The music library; nothing is ever written outside it.
    pub root: PathBuf,
    /// slskd's downloads directory: the only place files are imported from.
    pub downloads_dir: PathBuf,
    /// Where a track lands under `root`; see `PathTemplate` for the fields.
    pub path_template: String,
    /// What to do when the library already holds the same recording.
    pub duplicate_policy: DuplicatePolicy,
    /// The SQLite index; empty means `<root>/.soulspot/library.db`.
    pub index_path: PathBuf,
    /// Longest file or folder name written, in bytes (most filesystems allow 255).
    pub max_name_bytes: usize,
}

impl Default for LibrarySection {
    fn default() -> Self {
        Self {
            root: PathBuf::from("/music"),
            downloads_dir: PathBuf::from("/downloads"),
            path_template: DEFAULT_PATH_TEMPLATE.to_owned(),
            duplicate_policy: DuplicatePolicy::default(),
            index_path: PathBuf::new(),
            max_name_bytes: 200,
        }
    }
}

impl LibrarySection {
    /// The configured index path, or the default inside the library root.
    pub fn index_path(&self) -> PathBuf {
        if self.index_path.as_os_str().is_empty() {
            self.root.join(".soulspot").join("library.db")
        } else {
            self.index_path.clone()
        }
    }
}

/// How an import of a recording the library already holds is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DuplicatePolicy {
    /// Keep the library as it is; the new file stays in the downloads directory.
    #[default]
    Skip,
    /// Replace the held file when the new one is better (lossless, bitrate, size).
    ReplaceIfBetter,
    /// File the new one too, under a numbered name (`... (2).flac`).
    KeepBoth,
}

impl Validate for LibrarySettings {
    /// Checks what deserialisation cannot: paths present, a template that parses, sane limits.
    fn validate(&self) -> Result<(), SettingsError> {
        self.service.validate()?;
        let library = &self.library;
        let invalid = |key, reason| Err(SettingsError::invalid(key, reason));
        if is_blank(&library.root) {
            return invalid("library.root", "must name a directory");
        }
        if is_blank(&library.downloads_dir) {
            return invalid("library.downloads_dir", "must name a directory");
        }
        // Import moves files out of the downloads and into the root: were one inside the
        // other, a filed track would still be a download (and a download already filed).
        if soulspot_common::paths::overlapping(&library.root, &library.downloads_dir) {
            return invalid(
                "library.downloads_dir",
                "must not be the library root, nor lie inside it or contain it",
            );
        }
        if !(16..=255).contains(&library.max_name_bytes) {
            return invalid("library.max_name_bytes", "must be between 16 and 255");
        }
        PathTemplate::parse(&library.path_template)
            .map_err(|error| SettingsError::invalid("library.path_template", error.to_string()))?;
        Ok(())
    }
}

fn is_blank(path: &Path) -> bool {
    path.as_os_str().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_put_the_index_inside_the_root() {
        let settings = LibrarySettings::default();
        settings.validate().unwrap();
        assert_eq!(
            settings.library.index_path(),
            PathBuf::from("/music/.soulspot/library.db")
        );
    }

    #[test]
    fn a_broken_template_is_refused_by_key() {
        let mut settings = LibrarySettings::default();
        settings.library.path_template = "{artist}/{nonsense}.{ext}".to_owned();
        let error = settings.validate().unwrap_err();
        assert!(
            matches!(&error, SettingsError::Invalid { key, reason }
                if key == "library.path_template" && reason.contains("nonsense")),
            "{error}"
        );
    }

    #[test]
    fn a_downloads_folder_overlapping_the_library_root_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(base.join("music")).unwrap();
        std::os::unix::fs::symlink(base.join("music"), base.join("alias")).unwrap();
        let overlapping = [
            (base.join("music"), base.join("music/downloads")),
            (base.join("downloads/music"), base.join("downloads")),
            (base.join("music"), base.join("music")),
            (base.join("music"), base.join("alias")),
            (base.join("alias"), base.join("music/incoming")),
        ];
        for (root, downloads) in overlapping {
            let mut settings = LibrarySettings::default();
            settings.library.root = root.clone();
            settings.library.downloads_dir = downloads.clone();
            let error = settings.validate().unwrap_err();
            assert!(
                matches!(&error, SettingsError::Invalid { key, reason }
                    if key == "library.downloads_dir" && reason.contains("library root")),
                "{} and {}: {error}",
                root.display(),
                downloads.display()
            );
        }
        let mut apart = LibrarySettings::default();
        apart.library.root = base.join("music");
        apart.library.downloads_dir = base.join("downloads");
        apart.validate().unwrap();
    }

    #[test]
    fn the_duplicate_policy_reads_from_the_environment() {
        let dir = tempfile::tempdir().unwrap();
        let sources = soulspot_runtime::SettingsSources {
            config_dir: dir.path().to_owned(),
            env: [
                ("SOULSPOT_LIBRARY__LIBRARY__DUPLICATE_POLICY", "keep_both"),
                ("SOULSPOT_LIBRARY__LIBRARY__ROOT", "/srv/music"),
            ]
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect(),
        };
        let settings: LibrarySettings = soulspot_runtime::load("library", &sources).unwrap();
        assert_eq!(settings.library.duplicate_policy, DuplicatePolicy::KeepBoth);
        assert_eq!(settings.library.root, PathBuf::from("/srv/music"));
    }
}
