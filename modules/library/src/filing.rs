//! Moving a file into the library atomically: a readable file appears at the destination
//! whole or not at all, even across filesystems, and the source goes only once it is there.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::sanitize::numbered_file_name;

/// How many numbered names (`(2)` … ) are tried before giving up.
const MAX_NUMBERED_NAMES: u32 = 999;

/// Moves `source` to `destination` (replacing a file already there), then syncs the
/// destination folder. A move across filesystems copies into a temporary file next to the
/// destination, syncs it, renames it into place and removes the source.
pub fn move_file(source: &Path, destination: &Path) -> io::Result<()> {
    move_file_with(source, destination, |from, to| fs::rename(from, to))
}

/// `move_file` with the rename supplied, so tests can make it fail as across filesystems.
pub(crate) fn move_file_with(
    source: &Path,
    destination: &Path,
    rename: impl Fn(&Path, &Path) -> io::Result<()>,
) -> io::Result<()> {
    let folder = parent_of(destination)?;
    match rename(source, destination) {
        Ok(()) => sync_folder(folder),
        Err(error) if error.kind() == io::ErrorKind::CrossesDevices => {
            copy_into_place(source, destination, folder)?;
            fs::remove_file(source)
        }
        Err(error) => Err(error),
    }
}

/// `wanted` if nothing is there yet, else the first free `name (n).ext` beside it.
pub fn free_destination(wanted: &Path, max_name_bytes: usize) -> io::Result<PathBuf> {
    if !wanted.try_exists()? {
        return Ok(wanted.to_path_buf());
    }
    let folder = parent_of(wanted)?;
    let name = wanted
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "destination has no file name")
        })?;
    for number in 2..=MAX_NUMBERED_NAMES {
        let candidate = folder.join(numbered_file_name(name, number, max_name_bytes));
        if !candidate.try_exists()? {
            return Ok(candidate);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!(
            "no free name for {} after {MAX_NUMBERED_NAMES} tries",
            wanted.display()
        ),
    ))
}

fn copy_into_place(source: &Path, destination: &Path, folder: &Path) -> io::Result<()> {
    let mut input = File::open(source)?;
    let mut staged = tempfile::Builder::new()
        .prefix(".soulspot-import-")
        .tempfile_in(folder)?;
    io::copy(&mut input, staged.as_file_mut())?;
    // The temporary file is private (0600); the library file keeps the source's mode.
    staged
        .as_file()
        .set_permissions(input.metadata()?.permissions())?;
    staged.as_file().sync_all()?;
    staged.persist(destination).map_err(|error| error.error)?;
    sync_folder(folder)
}

/// Makes a rename in `folder` durable.
fn sync_folder(folder: &Path) -> io::Result<()> {
    File::open(folder)?.sync_all()
}

fn parent_of(path: &Path) -> io::Result<&Path> {
    path.parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "destination has no folder"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cross_device(_: &Path, _: &Path) -> io::Result<()> {
        Err(io::Error::from(io::ErrorKind::CrossesDevices))
    }

    #[test]
    fn moves_within_one_filesystem() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("in.flac");
        let destination = dir.path().join("out.flac");
        fs::write(&source, b"audio").unwrap();
        move_file(&source, &destination).unwrap();
        assert!(!source.exists());
        assert_eq!(fs::read(&destination).unwrap(), b"audio");
    }

    #[test]
    fn copies_then_renames_when_rename_crosses_devices() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("library");
        fs::create_dir(&library).unwrap();
        let source = dir.path().join("in.flac");
        let destination = library.join("out.flac");
        fs::write(&source, b"audio bytes").unwrap();
        move_file_with(&source, &destination, cross_device).unwrap();
        assert!(!source.exists());
        assert_eq!(fs::read(&destination).unwrap(), b"audio bytes");
        let leftovers: Vec<_> = fs::read_dir(&library).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn the_copy_keeps_the_source_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("in.mp3");
        fs::write(&source, b"x").unwrap();
        fs::set_permissions(&source, fs::Permissions::from_mode(0o644)).unwrap();
        let destination = dir.path().join("out.mp3");
        move_file_with(&source, &destination, cross_device).unwrap();
        let mode = fs::metadata(&destination).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }

    #[test]
    fn a_failed_copy_keeps_the_source_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("in.flac");
        fs::write(&source, b"audio").unwrap();
        let destination = dir.path().join("missing-folder").join("out.flac");
        assert!(move_file_with(&source, &destination, cross_device).is_err());
        assert!(source.exists());
        assert!(!destination.exists());
    }

    #[test]
    fn other_rename_errors_are_returned() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("in.flac");
        fs::write(&source, b"audio").unwrap();
        let denied = |_: &Path, _: &Path| Err(io::Error::from(io::ErrorKind::PermissionDenied));
        let error = move_file_with(&source, &dir.path().join("out.flac"), denied).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
        assert!(source.exists());
    }

    #[test]
    fn finds_a_free_numbered_name() {
        let dir = tempfile::tempdir().unwrap();
        let wanted = dir.path().join("Song.flac");
        assert_eq!(free_destination(&wanted, 200).unwrap(), wanted);
        fs::write(&wanted, b"1").unwrap();
        fs::write(dir.path().join("Song (2).flac"), b"2").unwrap();
        assert_eq!(
            free_destination(&wanted, 200).unwrap(),
            dir.path().join("Song (3).flac")
        );
    }
}
