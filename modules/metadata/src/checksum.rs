//! The size and `sha256:<hex>` checksum of a file after its tags were rewritten.

use std::path::PathBuf;

use soulspot_contracts::FileRef;

use crate::tags::TagError;

/// `file` with the size and checksum of what is at `path` now.
pub async fn describe(path: PathBuf, file: FileRef) -> Result<FileRef, TagError> {
    tokio::task::spawn_blocking(move || describe_blocking(&path, file)).await?
}

fn describe_blocking(path: &std::path::Path, file: FileRef) -> Result<FileRef, TagError> {
    let io = |source| TagError::Io {
        action: "checksumming",
        path: path.to_owned(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    let checksum = soulspot_runtime::files::sha256_of(path).map_err(io)?;
    Ok(FileRef {
        size,
        checksum: Some(checksum),
        ..file
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn describes_the_bytes_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.flac");
        std::fs::write(&path, b"abc").unwrap();
        let before = FileRef {
            file_id: "f".into(),
            path: path.display().to_string(),
            size: 1,
            format: "flac".into(),
            checksum: Some("sha256:stale".into()),
        };
        let after = describe(path, before).await.unwrap();
        assert_eq!(after.size, 3);
        assert_eq!(
            after.checksum.as_deref(),
            Some("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }
}
