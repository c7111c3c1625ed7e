//! Where a request's file may be: only inside the downloads volume. The path is resolved
//! (symlinks, `..`) before the check, so no spelling of a path escapes the directory.

use std::path::{Path, PathBuf};

use soulspot_common::paths::{ContainmentError, canonical_inside};

#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("{0} is outside the downloads directory")]
    OutsideDownloads(String),
    #[error("file not found: {0}")]
    Missing(String),
    #[error("{0} is not a regular file")]
    NotAFile(String),
    #[error("file {path} is unreadable: {source}")]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("downloads directory {path} is unavailable: {source}")]
    DownloadsDirUnavailable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The real path of `requested` (relative paths are taken from `downloads_dir`), provided it
/// names a regular file inside `downloads_dir`.
pub fn resolve_inside(downloads_dir: &Path, requested: &str) -> Result<PathBuf, PathError> {
    let joined = downloads_dir.join(requested);
    let resolved = canonical_inside(&joined, downloads_dir).map_err(|error| match error {
        ContainmentError::FolderUnavailable { folder, source } => {
            PathError::DownloadsDirUnavailable {
                path: folder,
                source,
            }
        }
        ContainmentError::Outside { .. } => PathError::OutsideDownloads(requested.to_owned()),
        ContainmentError::Missing(_) => PathError::Missing(requested.to_owned()),
        ContainmentError::Unresolvable { source, .. } => PathError::Unreadable {
            path: requested.to_owned(),
            source,
        },
    })?;
    if !resolved.is_file() {
        return Err(PathError::NotAFile(requested.to_owned()));
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn downloads() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let downloads = dir.path().join("downloads");
        std::fs::create_dir_all(downloads.join("Album")).unwrap();
        std::fs::write(downloads.join("Album/01.flac"), b"x").unwrap();
        std::fs::write(dir.path().join("secret.flac"), b"x").unwrap();
        (dir, downloads)
    }

    #[test]
    fn absolute_and_relative_paths_inside_resolve() {
        let (_dir, downloads) = downloads();
        let absolute = downloads.join("Album/01.flac");
        let expected = absolute.canonicalize().unwrap();
        assert_eq!(
            resolve_inside(&downloads, absolute.to_str().unwrap()).unwrap(),
            expected
        );
        assert_eq!(
            resolve_inside(&downloads, "Album/01.flac").unwrap(),
            expected
        );
    }

    #[test]
    fn escaping_by_dots_or_absolute_path_is_refused() {
        let (dir, downloads) = downloads();
        let outside = dir.path().join("secret.flac");
        for requested in [
            outside.to_str().unwrap(),
            "../secret.flac",
            "Album/../../secret.flac",
            "/etc/passwd",
        ] {
            let error = resolve_inside(&downloads, requested).unwrap_err();
            assert!(
                matches!(error, PathError::OutsideDownloads(_)),
                "{requested}: {error}"
            );
        }
        let missing_outside = resolve_inside(&downloads, "../nothing.flac").unwrap_err();
        assert!(matches!(missing_outside, PathError::OutsideDownloads(_)));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_pointing_outside_is_refused() {
        let (dir, downloads) = downloads();
        std::os::unix::fs::symlink(dir.path().join("secret.flac"), downloads.join("link.flac"))
            .unwrap();
        let error = resolve_inside(&downloads, "link.flac").unwrap_err();
        assert!(matches!(error, PathError::OutsideDownloads(_)));
    }

    #[test]
    fn missing_files_and_directories_are_named() {
        let (_dir, downloads) = downloads();
        assert!(matches!(
            resolve_inside(&downloads, "Album/02.flac"),
            Err(PathError::Missing(_))
        ));
        assert!(matches!(
            resolve_inside(&downloads, "Album"),
            Err(PathError::NotAFile(_))
        ));
    }
}
