//! One library instance per root. The index is SQLite and imports pick free file names under
//! a process-local lock, so two instances on one root would race each other: the second one
//! to start refuses to, naming the root and the lock file.
//!
//! The lock is an exclusive advisory lock (`flock`) on `<root>/.soulspot/library.lock`, held
//! as long as the library is open; the kernel drops it when the process ends, however it
//! ends, so a crashed instance never leaves a stale lock behind.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The library root could not be claimed for this instance.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "the library root {root} is in use by another library instance (lock file {lock_file} is held); run one library module per root"
    )]
    Held { root: PathBuf, lock_file: PathBuf },
    #[error("cannot lock the library root {root} with {lock_file}: {source}")]
    Io {
        root: PathBuf,
        lock_file: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The held lock; dropping it lets another instance start.
#[derive(Debug)]
pub struct InstanceLock {
    path: PathBuf,
    _file: File,
}

impl InstanceLock {
    /// Takes the lock of `root`, or fails at once when another instance holds it.
    pub fn acquire(root: &Path) -> Result<Self, LockError> {
        let lock_file = lock_path(root);
        let io_error = |source| LockError::Io {
            root: root.to_owned(),
            lock_file: lock_file.clone(),
            source,
        };
        if let Some(folder) = lock_file.parent() {
            std::fs::create_dir_all(folder).map_err(io_error)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_file)
            .map_err(io_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    root: root.to_owned(),
                    lock_file,
                });
            }
            Err(TryLockError::Error(source)) => return Err(io_error(source)),
        }
        // For whoever finds the file: which process holds it.
        file.set_len(0).map_err(io_error)?;
        writeln!(file, "{}", std::process::id()).map_err(io_error)?;
        Ok(Self {
            path: lock_file,
            _file: file,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// `<root>/.soulspot/library.lock`, beside the index's default place.
pub fn lock_path(root: &Path) -> PathBuf {
    root.join(".soulspot").join("library.lock")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_root_is_refused_until_the_first_is_dropped() {
        let root = tempfile::tempdir().unwrap();
        let first = InstanceLock::acquire(root.path()).unwrap();

        let error = InstanceLock::acquire(root.path()).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, LockError::Held { .. }), "{message}");
        assert!(
            message.contains(&root.path().display().to_string()),
            "{message}"
        );
        assert!(
            message.contains(&first.path().display().to_string()),
            "{message}"
        );

        drop(first);
        InstanceLock::acquire(root.path()).unwrap();
    }
}
