//! Filing a file so that a crash at any point leaves the index and the files agreeing, once
//! the library has started again.
//!
//! An import first journals what it is about to do (a `pending_imports` row), then — when
//! the new copy takes the path of the copy it replaces — parks the old copy beside it, moves
//! the download into place, and commits the new row (and the end of the old one) in one
//! transaction. Only then is the old copy removed. At start-up every journalled import is
//! finished when its file was moved (the move is atomic: the destination exists only whole)
//! and undone otherwise, the parked copy put back; a retried import then finds its job
//! indexed, or its download where it was.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::filing;
use crate::import::ImportError;
use crate::index::{IndexError, PendingImport, SetAside, TrackRecord};
use crate::library::Library;

/// A point of an import at which tests make the process abort, to show that a restart
/// recovers from a crash there. Never set outside tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrashPoint {
    /// The pending row is written; no file has moved.
    AfterJournal,
    /// The replaced copy is parked; the download has not moved.
    AfterSetAside,
    /// The download is in the library; the index does not know it yet.
    AfterMove,
    /// The index holds the new row; the replaced copy is not removed yet.
    AfterCommit,
}

/// What an import files: the download, its destination, and the copy it replaces.
pub(crate) struct Filing {
    pub source: PathBuf,
    pub destination: PathBuf,
    pub record: TrackRecord,
    /// The row and file of the copy this one replaces.
    pub replaces: Option<(i64, PathBuf)>,
}

impl Library {
    /// Files `filing` crash-consistently; returns the indexed record.
    pub(crate) fn file(&self, filing: Filing) -> Result<TrackRecord, ImportError> {
        let mut pending = plan(filing);
        pending.id = self.index.begin_import(&pending)?;
        self.crash_if(CrashPoint::AfterJournal);
        if let Some(aside) = &pending.set_aside {
            move_within(&aside.original, &aside.parked)
                .map_err(|error| self.undo(&pending, "park the replaced file", error))?;
            self.crash_if(CrashPoint::AfterSetAside);
        }
        filing::move_file(&pending.source, &pending.destination)
            .map_err(|error| self.undo(&pending, "move the file into the library", error))?;
        self.crash_if(CrashPoint::AfterMove);
        if let Err(error) = self.index.commit_import(&pending) {
            self.put_back(&pending.destination, &pending.source);
            self.restore_parked(&pending);
            self.forget(&pending);
            return Err(error.into());
        }
        self.crash_if(CrashPoint::AfterCommit);
        self.remove_old_file(&pending);
        self.forget(&pending);
        Ok(pending.record)
    }

    /// Finishes or undoes every import a crash interrupted; run before serving.
    pub(crate) fn recover_interrupted_imports(&self) -> Result<(), IndexError> {
        for pending in self.index.pending_imports()? {
            let moved = pending.destination.exists()
                && pending
                    .set_aside
                    .as_ref()
                    .is_none_or(|aside| aside.parked.exists());
            if pending.committed {
                tracing::info!(path = %pending.destination.display(), "finishing a committed import");
            } else if moved {
                tracing::warn!(path = %pending.destination.display(), "completing an import interrupted after its move");
                self.index.commit_import(&pending)?;
                if pending.source.exists() && pending.source != pending.destination {
                    // A move across file systems copies, then removes the source.
                    remove(&pending.source, "moved download not removed");
                }
            } else {
                tracing::warn!(source = %pending.source.display(), "undoing an import interrupted before its move");
                self.restore_parked(&pending);
                self.index.end_import(pending.id)?;
                continue;
            }
            self.remove_old_file(&pending);
            self.index.end_import(pending.id)?;
        }
        Ok(())
    }

    /// Aborts the process at `point` when the fault setting names it (tests only).
    fn crash_if(&self, point: CrashPoint) {
        if self.crash_at == Some(point) {
            eprintln!("library: aborting at {point:?} as the fault setting asks");
            std::process::abort();
        }
    }

    /// After a failed move: the parked copy goes back and the journal row is dropped.
    fn undo(
        &self,
        pending: &PendingImport,
        action: &'static str,
        source: io::Error,
    ) -> ImportError {
        self.restore_parked(pending);
        self.forget(pending);
        ImportError::Io { action, source }
    }

    fn restore_parked(&self, pending: &PendingImport) {
        if let Some(aside) = &pending.set_aside
            && aside.parked.exists()
            && let Err(error) = move_within(&aside.parked, &aside.original)
        {
            tracing::error!(parked = %aside.parked.display(), %error, "replaced file not put back");
        }
    }

    /// The replaced copy, once the index no longer names it; only ever inside the root.
    fn remove_old_file(&self, pending: &PendingImport) {
        let old = pending
            .set_aside
            .as_ref()
            .map(|aside| &aside.parked)
            .or(pending.old_file.as_ref());
        if let Some(old) = old
            && old != &pending.destination
            && soulspot_common::paths::is_inside(old, &self.root)
            && old.exists()
        {
            remove(old, "replaced file not removed");
        }
    }

    fn forget(&self, pending: &PendingImport) {
        if let Err(error) = self.index.end_import(pending.id) {
            tracing::error!(id = pending.id, %error, "pending import row not removed");
        }
    }

    /// Best effort after a failed index write: the file goes back where it came from, so a
    /// retry of the job finds it again.
    fn put_back(&self, destination: &Path, source: &Path) {
        if let Err(error) = filing::move_file(destination, source) {
            tracing::error!(from = %destination.display(), to = %source.display(), %error, "file not put back after a failed index write");
        }
    }
}

/// The journal row of `filing`: a new copy taking the replaced one's path parks the old
/// copy under a hidden name beside it first.
fn plan(filing: Filing) -> PendingImport {
    let mut record = filing.record;
    record.path = filing.destination.to_string_lossy().into_owned();
    let (replaces_id, old_file) = filing.replaces.unzip();
    let set_aside = old_file
        .as_ref()
        .filter(|old| **old == filing.destination)
        .map(|old| SetAside {
            original: old.clone(),
            parked: parked_name(old),
        });
    PendingImport {
        id: 0,
        source: filing.source,
        destination: filing.destination,
        replaces_id,
        old_file,
        set_aside,
        committed: false,
        record,
    }
}

fn parked_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".soulspot-replaced-{name}"))
}

/// A rename inside one folder, made durable.
fn move_within(from: &Path, to: &Path) -> io::Result<()> {
    filing::move_file(from, to)
}

fn remove(path: &Path, failure: &'static str) {
    if let Err(error) = fs::remove_file(path) {
        tracing::warn!(path = %path.display(), %error, "{failure}");
    }
}
