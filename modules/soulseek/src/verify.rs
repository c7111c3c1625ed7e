//! Finding and checking the file slskd left on the shared volume: the one it wrote for this
//! download (not an older file of the same name), of the expected size, and its SHA-256 for
//! the `FileRef`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::errors::AttemptError;
use crate::paths::is_slskd_name_for;

/// slskd may report success a moment before the file is moved into place.
const APPEAR_WITHIN: Duration = Duration::from_secs(5);

/// The files a download to some destination may end up as, with their size and
/// modification time, as they were at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    files: HashMap<PathBuf, (u64, Option<SystemTime>)>,
}

impl Snapshot {
    /// The files next to `destination` named as slskd names a download of it.
    pub async fn of(destination: &Path) -> Self {
        let mut files = HashMap::new();
        let (Some(directory), Some(file_name)) = (
            destination.parent(),
            destination.file_name().and_then(|name| name.to_str()),
        ) else {
            return Self { files };
        };
        let Ok(mut entries) = tokio::fs::read_dir(directory).await else {
            return Self { files };
        };
        while let Ok(Some(entry)) = entries.next_entry().await {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !is_slskd_name_for(file_name, name) {
                continue;
            }
            let Ok(metadata) = entry.metadata().await else {
                continue;
            };
            if metadata.is_file() {
                files.insert(entry.path(), (metadata.len(), metadata.modified().ok()));
            }
        }
        Self { files }
    }

    /// Files new or changed since `before`, newest first (by modification time, then name:
    /// slskd's suffix grows with time).
    fn changed_since(&self, before: &Snapshot) -> Vec<(&PathBuf, u64)> {
        let mut changed: Vec<(&PathBuf, &(u64, Option<SystemTime>))> = self
            .files
            .iter()
            .filter(|(path, state)| before.files.get(*path) != Some(*state))
            .collect();
        changed.sort_by(|(a_path, (_, a_time)), (b_path, (_, b_time))| {
            b_time.cmp(a_time).then_with(|| b_path.cmp(a_path))
        });
        changed
            .into_iter()
            .map(|(path, (size, _))| (path, *size))
            .collect()
    }
}

/// The file slskd wrote for a download meant for `destination` — new or changed since
/// `before` was taken, with `expected_size` bytes — and its size and `sha256:<hex>`
/// checksum (waiting up to a few seconds for it to appear).
pub async fn finished_file(
    destination: &Path,
    before: &Snapshot,
    expected_size: u64,
    poll_interval: Duration,
) -> Result<(PathBuf, u64, String), AttemptError> {
    let deadline = Instant::now() + APPEAR_WITHIN;
    let path = loop {
        let now = Snapshot::of(destination).await;
        let changed = now.changed_since(before);
        if let Some((path, _)) = changed.iter().find(|(_, size)| *size == expected_size) {
            break (*path).clone();
        }
        if Instant::now() < deadline {
            tokio::time::sleep(poll_interval).await;
            continue;
        }
        return Err(match changed.first() {
            Some((path, size)) => AttemptError::SizeMismatch {
                path: (*path).clone(),
                actual: *size,
                expected: expected_size,
            },
            None => AttemptError::FileMissing {
                path: destination.to_owned(),
            },
        });
    };
    let owned = path.clone();
    let checksum = tokio::task::spawn_blocking(move || soulspot_runtime::files::sha256_of(&owned))
        .await
        .map_err(|error| unreadable(&path, std::io::Error::other(error)))?
        .map_err(|error| unreadable(&path, error))?;
    Ok((path, expected_size, checksum))
}

fn unreadable(path: &Path, source: std::io::Error) -> AttemptError {
    AttemptError::Unreadable {
        path: PathBuf::from(path),
        source,
    }
}

#[cfg(test)]
mod tests;
