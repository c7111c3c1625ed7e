//! Where a download lands: `<downloads>/<last remote directory>/<file name>`, with every
//! component sanitised so a hostile remote path cannot leave the downloads directory.

use std::path::{Path, PathBuf};

/// Local destination of `remote` (backslash-separated peer path) under `downloads`.
pub(super) fn destination(downloads: &Path, remote: &str) -> PathBuf {
    let mut components = remote.rsplit('\\');
    let file_name = components.next().unwrap_or_default();
    let directory = components.next().unwrap_or_default();
    downloads
        .join(sanitise(directory, "_"))
        .join(sanitise(file_name, "download"))
}

/// Replaces separators, reserved and control characters, and refuses `.`/`..`.
fn sanitise(component: &str, fallback: &str) -> String {
    let replaced: String = component
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| c == ' ' || c == '.');
    if trimmed.is_empty() {
        return fallback.to_owned();
    }
    // Names like "..foo" are harmless once separators are gone, but keep them visible.
    trimmed.to_owned()
}

/// .NET's `DateTime.UtcNow.Ticks` at the Unix epoch: 100 ns intervals since 0001-01-01.
const TICKS_AT_UNIX_EPOCH: u128 = 621_355_968_000_000_000;

/// A path next to `path` that does not exist yet, named as slskd names it: when the
/// destination exists, slskd 0.26 appends `_<DateTime.UtcNow.Ticks>` to the file stem and
/// retries until the name is free (`src/slskd/Files/FileService.cs`, `MoveFile`).
pub(super) fn unused(path: PathBuf) -> PathBuf {
    if !path.exists() {
        return path;
    }
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    let extension = path
        .extension()
        .map(|extension| format!(".{}", extension.to_string_lossy()))
        .unwrap_or_default();
    loop {
        let candidate = path.with_file_name(format!("{stem}_{}{extension}", utc_ticks()));
        if !candidate.exists() {
            return candidate;
        }
    }
}

/// The current time in .NET ticks.
fn utc_ticks() -> u128 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    TICKS_AT_UNIX_EPOCH + since_epoch.as_nanos() / 100
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_last_directory() {
        let path = destination(Path::new("/dl"), r"@@music\Artist\Album\01 - Title.flac");
        assert_eq!(path, Path::new("/dl/Album/01 - Title.flac"));
    }

    #[test]
    fn neutralises_traversal_in_directories_and_names() {
        let dotdot = destination(Path::new("/dl"), r"@@x\a\..\..\evil.flac");
        assert_eq!(dotdot, Path::new("/dl/_/evil.flac"));
        let slashes = destination(Path::new("/dl"), r"@@x\Album\../../../tmp/evil.flac");
        assert!(slashes.starts_with("/dl/Album"));
        assert_eq!(slashes.components().count(), 4);
    }

    #[test]
    fn an_existing_destination_gets_a_ticks_suffix_as_slskd_gives_it() {
        let dir = tempfile::tempdir().unwrap();
        let taken = dir.path().join("01 - Title.flac");
        assert_eq!(unused(taken.clone()), taken, "a free name is kept");
        std::fs::write(&taken, b"old").unwrap();
        let renamed = unused(taken.clone());
        let name = renamed.file_name().unwrap().to_string_lossy().into_owned();
        let ticks = name
            .strip_prefix("01 - Title_")
            .and_then(|rest| rest.strip_suffix(".flac"))
            .unwrap();
        let ticks: u128 = ticks.parse().unwrap();
        assert!(ticks > TICKS_AT_UNIX_EPOCH, "{name}");
        assert_eq!(renamed.parent(), taken.parent());
    }
}
