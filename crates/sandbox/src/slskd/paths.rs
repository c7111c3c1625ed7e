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

/// A path next to `path` that does not exist yet (`name_<n>.ext`), as slskd avoids overwriting.
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
    (1..)
        .map(|number| path.with_file_name(format!("{stem}_{number}{extension}")))
        .find(|candidate| !candidate.exists())
        .unwrap_or(path)
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
}
