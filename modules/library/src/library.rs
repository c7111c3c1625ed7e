//! `Library`: the library root, its path template and its index, opened once and shared by
//! every capability. All of its methods block; the capabilities call them off the runtime.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use soulspot_common::text::distinct_words;
use soulspot_contracts::TrackRef;
use soulspot_contracts::payloads::LibraryStatsReply;

use crate::index::{DuplicateKey, Index, IndexError, TrackRecord};
use crate::journal::CrashPoint;
use crate::lock::{InstanceLock, LockError};
use crate::settings::LibrarySection;
use crate::template::{PathTemplate, TemplateError};

/// Why the library could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot create or resolve the library root {path}: {source}")]
    Root {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid path template: {0}")]
    Template(#[from] TemplateError),
    #[error("cannot open the index: {0}")]
    Index(#[from] IndexError),
    #[error(transparent)]
    Lock(#[from] LockError),
}

/// The music library on disk and its index.
#[derive(Debug)]
pub struct Library {
    pub(crate) section: LibrarySection,
    /// The root with symlinks resolved: every destination must lie under it.
    pub(crate) root: PathBuf,
    pub(crate) template: PathTemplate,
    pub(crate) index: Index,
    /// Imports run one at a time, so two of them never pick the same free name.
    pub(crate) import_lock: Mutex<()>,
    /// Playlist files are written one at a time, so a write that read the index later is
    /// never replaced by one that read it earlier.
    pub(crate) playlist_lock: Mutex<()>,
    /// Where an import aborts the process: a fault only tests set.
    pub(crate) crash_at: Option<CrashPoint>,
    /// This instance's claim on the root, held while the library is open.
    _instance: InstanceLock,
}

impl Library {
    /// Creates the root when missing, claims it for this instance (a second instance on the
    /// same root fails here), parses the template, opens the index and finishes or undoes the
    /// imports a crash interrupted.
    pub fn open(section: LibrarySection) -> Result<Self, OpenError> {
        Self::open_with_fault(section, None)
    }

    /// `open`, with the process aborting at `crash_at` during imports (tests only).
    pub fn open_with_fault(
        section: LibrarySection,
        crash_at: Option<CrashPoint>,
    ) -> Result<Self, OpenError> {
        let root_error = |source| OpenError::Root {
            path: section.root.clone(),
            source,
        };
        std::fs::create_dir_all(&section.root).map_err(root_error)?;
        let root = std::fs::canonicalize(&section.root).map_err(root_error)?;
        let instance = InstanceLock::acquire(&root)?;
        let template = PathTemplate::parse(&section.path_template)?;
        let index = Index::open(&section.index_path())?;
        tracing::info!(root = %root.display(), index = %section.index_path().display(), policy = ?section.duplicate_policy, "library opened");
        let library = Self {
            section,
            root,
            template,
            index,
            import_lock: Mutex::new(()),
            playlist_lock: Mutex::new(()),
            crash_at,
            _instance: instance,
        };
        library.recover_interrupted_imports()?;
        Ok(library)
    }

    /// The library root, symlinks resolved.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Tracks matching every word of `query` in artist, title or album, case- and
    /// diacritic-insensitively.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<TrackRef>, IndexError> {
        let found = self.index.search(&distinct_words(query), limit)?;
        Ok(found.into_iter().map(track_ref).collect())
    }

    /// For each track, whether the library holds the same recording (same ids, or the same
    /// artist and title folded), in order.
    pub fn contains(&self, tracks: &[TrackRef]) -> Result<Vec<bool>, IndexError> {
        tracks
            .iter()
            .map(|track| {
                let held = self.index.find_duplicate(&DuplicateKey::of_track(track))?;
                Ok(held.is_some())
            })
            .collect()
    }

    pub fn stats(&self) -> Result<LibraryStatsReply, IndexError> {
        self.index.stats()
    }

    /// Health: the root exists and a file can be created in it.
    pub fn check_root_writable(&self) -> Result<(), String> {
        tempfile::tempfile_in(&self.root)
            .map(drop)
            .map_err(|error| {
                format!(
                    "library root {} is not writable: {error}",
                    self.root.display()
                )
            })
    }

    /// Health: the index answers a query.
    pub fn check_index(&self) -> Result<(), String> {
        self.index.ping().map_err(|error| error.to_string())
    }
}

fn track_ref(record: TrackRecord) -> TrackRef {
    TrackRef {
        id: None,
        spotify_id: record.spotify_id,
        musicbrainz_id: record.musicbrainz_id,
        isrc: record.isrc,
        title: record.title,
        artist: record.artist,
        album: record.album,
        duration_ms: record.duration_ms,
    }
}
