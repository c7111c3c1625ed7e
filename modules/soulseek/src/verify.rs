//! Checking the file slskd left on the shared volume: present, of the expected size, and
//! its SHA-256 for the `FileRef`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::time::Instant;

use crate::errors::AttemptError;

/// slskd may report success a moment before the file is moved into place.
const APPEAR_WITHIN: Duration = Duration::from_secs(5);

/// The size and `sha256:<hex>` checksum of the finished file at `path`, once it exists
/// with `expected_size` bytes (waiting up to a few seconds for it to appear).
pub async fn finished_file(
    path: &Path,
    expected_size: u64,
    poll_interval: Duration,
) -> Result<(u64, String), AttemptError> {
    let deadline = Instant::now() + APPEAR_WITHIN;
    loop {
        let actual = tokio::fs::metadata(path)
            .await
            .ok()
            .filter(|metadata| metadata.is_file())
            .map(|metadata| metadata.len());
        match actual {
            Some(size) if size == expected_size => break,
            _ if Instant::now() < deadline => tokio::time::sleep(poll_interval).await,
            Some(size) => {
                return Err(AttemptError::SizeMismatch {
                    path: path.to_owned(),
                    actual: size,
                    expected: expected_size,
                });
            }
            None => {
                return Err(AttemptError::FileMissing {
                    path: path.to_owned(),
                });
            }
        }
    }
    let owned = path.to_owned();
    let checksum = tokio::task::spawn_blocking(move || soulspot_runtime::files::sha256_of(&owned))
        .await
        .map_err(|error| unreadable(path, std::io::Error::other(error)))?
        .map_err(|error| unreadable(path, error))?;
    Ok((expected_size, checksum))
}

fn unreadable(path: &Path, source: std::io::Error) -> AttemptError {
    AttemptError::Unreadable {
        path: PathBuf::from(path),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn checksums_a_file_of_the_expected_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.flac");
        std::fs::write(&path, b"abc").unwrap();
        let (size, checksum) = finished_file(&path, 3, Duration::from_millis(10))
            .await
            .unwrap();
        assert_eq!(size, 3);
        assert_eq!(
            checksum,
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn refuses_a_missing_file_or_one_of_another_size() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.flac");
        let error = finished_file(&missing, 3, Duration::from_millis(100))
            .await
            .unwrap_err();
        assert!(matches!(error, AttemptError::FileMissing { .. }), "{error}");
        let short = dir.path().join("short.flac");
        std::fs::write(&short, b"ab").unwrap();
        let error = finished_file(&short, 3, Duration::from_millis(100))
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                AttemptError::SizeMismatch {
                    actual: 2,
                    expected: 3,
                    ..
                }
            ),
            "{error}"
        );
    }
}
