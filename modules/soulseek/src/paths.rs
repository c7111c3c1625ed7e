//! Where slskd puts a finished download, derived by slskd's rule:
//! `<downloads_dir>/<last remote directory>/<file name>`. Peers' paths are untrusted, so a
//! path that would leave `downloads_dir` is refused rather than repaired.

use std::path::{Path, PathBuf};

use soulspot_common::paths::is_inside;

/// A remote filename that cannot be mapped safely into the downloads directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("remote path {remote:?} is unsafe: {reason}")]
pub struct UnsafePath {
    pub remote: String,
    pub reason: &'static str,
}

/// The local path of the finished download of `remote` (a backslash-separated peer path).
pub fn local_path(downloads_dir: &Path, remote: &str) -> Result<PathBuf, UnsafePath> {
    let refuse = |reason| UnsafePath {
        remote: remote.to_owned(),
        reason,
    };
    let mut components = remote.rsplit('\\');
    let file_name = components.next().unwrap_or_default();
    let directory = components
        .next()
        .ok_or_else(|| refuse("it has no directory"))?;
    let directory = safe_component(directory).map_err(refuse)?;
    let file_name = safe_component(file_name).map_err(refuse)?;
    let path = downloads_dir.join(directory).join(file_name);
    if !is_inside(&path, downloads_dir) {
        return Err(refuse("it would leave the downloads directory"));
    }
    Ok(path)
}

/// Whether `name` is a name slskd gives a download meant to be called `file_name`: that
/// name, or — when a file of that name already exists — `<stem>_<ticks><extension>`, where
/// ticks is .NET's `DateTime.UtcNow.Ticks` (slskd 0.26, `src/slskd/Files/FileService.cs`,
/// `MoveFile`, with the default `Rename` strategy for existing destinations).
pub fn is_slskd_name_for(file_name: &str, name: &str) -> bool {
    if name == file_name {
        return true;
    }
    let wanted = Path::new(file_name);
    let stem = wanted
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or(file_name);
    let extension = wanted
        .extension()
        .and_then(|extension| extension.to_str())
        .map(|extension| format!(".{extension}"))
        .unwrap_or_default();
    name.strip_prefix(stem)
        .and_then(|rest| rest.strip_prefix('_'))
        .and_then(|rest| rest.strip_suffix(extension.as_str()))
        .is_some_and(|ticks| !ticks.is_empty() && ticks.bytes().all(|b| b.is_ascii_digit()))
}

/// One path component as slskd writes it: characters reserved on some file systems become
/// `_` and surrounding spaces and dots are trimmed; separators, drive colons, control
/// characters and names that are empty or all dots are refused.
fn safe_component(component: &str) -> Result<String, &'static str> {
    if component.contains('/') {
        return Err("a component contains '/'");
    }
    if component.contains(':') {
        return Err("a component contains ':'");
    }
    if component.chars().any(char::is_control) {
        return Err("a component contains a control character");
    }
    let replaced: String = component
        .chars()
        .map(|c| match c {
            '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c => c,
        })
        .collect();
    let trimmed = replaced.trim_matches(|c: char| c == ' ' || c == '.');
    if trimmed.is_empty() {
        return Err("a component is empty, '.' or '..'");
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(remote: &str) -> Result<PathBuf, UnsafePath> {
        local_path(Path::new("/downloads"), remote)
    }

    #[test]
    fn keeps_the_last_directory_and_the_file_name() {
        assert_eq!(
            local(r"@@music\Aurora Lane\Northern Lights\01 - Glass Harbour.flac").unwrap(),
            Path::new("/downloads/Northern Lights/01 - Glass Harbour.flac")
        );
        assert_eq!(
            local(r"@@x\Zoë Mercier\Café Olé\01 - Café Olé?.flac").unwrap(),
            Path::new("/downloads/Café Olé/01 - Café Olé_.flac")
        );
    }

    #[test]
    fn refuses_traversal_through_dot_dot_components() {
        let error = local(r"@@evil\Album\..\..\..\..\Artist - Song.flac").unwrap_err();
        assert_eq!(error.reason, "a component is empty, '.' or '..'");
        assert!(local(r"@@evil\..\passwd").is_err());
        assert!(
            local(r"..\..\etc\passwd").is_ok_and(|path| path == Path::new("/downloads/etc/passwd"))
        );
    }

    #[test]
    fn refuses_forward_slashes_absolute_paths_and_drive_letters() {
        assert!(local(r"@@evil\Harbour Songs\../../../../tmp/evil.flac").is_err());
        assert!(local(r"@@evil\Album\/etc/passwd").is_err());
        assert!(
            local(r"C:\Music\evil.flac")
                .is_ok_and(|path| path == Path::new("/downloads/Music/evil.flac"))
        );
        assert!(local(r"@@evil\C:\evil.flac").is_err());
    }

    #[test]
    fn refuses_nul_and_other_control_characters() {
        let error = local("@@evil\\Album\\song\0.flac").unwrap_err();
        assert_eq!(error.reason, "a component contains a control character");
        assert!(local("@@evil\\Al\nbum\\song.flac").is_err());
    }

    #[test]
    fn knows_the_names_slskd_gives_a_download_whose_name_was_taken() {
        let name = "01 - Glass Harbour.flac";
        assert!(is_slskd_name_for(name, name));
        assert!(is_slskd_name_for(
            name,
            "01 - Glass Harbour_638712345678901234.flac"
        ));
        assert!(!is_slskd_name_for(name, "01 - Glass Harbour_1x.flac"));
        assert!(!is_slskd_name_for(name, "01 - Glass Harbour_.flac"));
        assert!(!is_slskd_name_for(name, "01 - Glass Harbour_123.mp3"));
        assert!(!is_slskd_name_for(name, "02 - Glass Harbour_123.flac"));
        assert!(is_slskd_name_for("README", "README_123"));
    }

    #[test]
    fn refuses_paths_without_a_directory_or_a_name() {
        assert!(local("song.flac").is_err());
        assert!(local(r"@@music\Album\").is_err());
    }
}
