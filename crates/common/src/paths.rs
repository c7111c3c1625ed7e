//! Path containment: whether a path stays inside a folder. Paths from requests, peers and
//! templates are untrusted, and every module decides "is this inside that folder" here:
//! [`is_inside`] on the spelling alone, [`canonical_inside`] on what the file system says;
//! [`overlapping`] tells two configured folders that share files. Safe names for files and
//! folders come from the sanitiser in [`names`].

use std::io;
use std::path::{Component, Path, PathBuf};

mod names;

pub use names::{numbered_file_name, sanitize_component, sanitize_file_name};

/// Whether `path` is `folder` or lies inside it, judged on the spelling alone: `.` steps
/// are dropped and each `..` takes back the step before it; a `..` that would climb above
/// the start of the path (or above the root) places the path outside every folder. The
/// comparison is by whole components, so `/library/x` is not inside `/lib`. A relative path
/// is never inside an absolute folder, nor the other way round.
///
/// Symlinks are not followed: after a symlinked folder, the file system takes `..` up from
/// the link's target, not back to where the link is. Where that matters, use
/// [`canonical_inside`].
pub fn is_inside(path: &Path, folder: &Path) -> bool {
    match (lexically_normal(path), lexically_normal(folder)) {
        (Some(path), Some(folder)) => path.starts_with(folder),
        _ => false,
    }
}

/// Why [`canonical_inside`] refused a path.
#[derive(Debug, thiserror::Error)]
pub enum ContainmentError {
    /// The folder itself cannot be resolved (missing, unreadable).
    #[error("folder {} is unavailable: {source}", folder.display())]
    FolderUnavailable {
        folder: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The path, as spelled or as resolved, is not inside the folder.
    #[error("{} is outside {}", path.display(), folder.display())]
    Outside { path: PathBuf, folder: PathBuf },
    /// The path is inside the folder but names nothing.
    #[error("{} does not exist", .0.display())]
    Missing(PathBuf),
    /// The path is inside the folder but cannot be resolved.
    #[error("{} cannot be resolved: {source}", path.display())]
    Unresolvable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// The real path of `path` (symlinks and `..` resolved by the file system), provided it is
/// inside the real `folder`. A path not spelled inside the folder (as given, or under the
/// folder's real path) is refused before the file system is asked about it, so the answer is
/// "outside" whether or not it exists: what exists outside the folder is no caller's business.
pub fn canonical_inside(path: &Path, folder: &Path) -> Result<PathBuf, ContainmentError> {
    let outside = || ContainmentError::Outside {
        path: path.to_owned(),
        folder: folder.to_owned(),
    };
    let real_folder =
        folder
            .canonicalize()
            .map_err(|source| ContainmentError::FolderUnavailable {
                folder: folder.to_owned(),
                source,
            })?;
    if !is_inside(path, folder) && !is_inside(path, &real_folder) {
        return Err(outside());
    }
    let resolved = path.canonicalize().map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => ContainmentError::Missing(path.to_owned()),
        _ => ContainmentError::Unresolvable {
            path: path.to_owned(),
            source,
        },
    })?;
    if !is_inside(&resolved, &real_folder) {
        return Err(outside());
    }
    Ok(resolved)
}

/// Whether `first` and `second` are the same folder or one lies inside the other, judged on
/// their real paths: symlinks resolved as far as the folders exist, the rest as spelled (a
/// folder created later is judged where it will be). Relative paths are taken from the
/// current directory.
pub fn overlapping(first: &Path, second: &Path) -> bool {
    match (real_or_planned(first), real_or_planned(second)) {
        (Some(first), Some(second)) => is_inside(&first, &second) || is_inside(&second, &first),
        _ => false,
    }
}

/// The real path of the longest existing ancestor of `path`, with the missing rest appended.
fn real_or_planned(path: &Path) -> Option<PathBuf> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(path)
    };
    let absolute = lexically_normal(&absolute)?;
    let mut missing = Vec::new();
    let mut existing = absolute.as_path();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return Some(
                missing
                    .iter()
                    .rev()
                    .fold(real, |path, name| path.join(name)),
            );
        }
        missing.push(existing.file_name()?.to_owned());
        existing = existing.parent()?;
    }
}

/// `path` with `.` dropped and `..` applied; `None` when a `..` climbs above its start.
fn lexically_normal(path: &Path) -> Option<PathBuf> {
    let mut normal = PathBuf::new();
    let mut depth = 0_usize;
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => normal.push(component),
            Component::CurDir => {}
            Component::ParentDir => {
                depth = depth.checked_sub(1)?;
                normal.pop();
            }
            Component::Normal(name) => {
                depth += 1;
                normal.push(name);
            }
        }
    }
    Some(normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(path: &str, folder: &str) -> bool {
        is_inside(Path::new(path), Path::new(folder))
    }

    #[test]
    fn paths_under_the_folder_are_inside() {
        assert!(inside("/library/Artist/Song.flac", "/library"));
        assert!(inside("/library", "/library"));
        assert!(inside("/library/", "/library"));
        assert!(inside("/library/./Artist/../Song.flac", "/library"));
        assert!(inside("/library/a/b", "/library/./a/"));
        assert!(inside("music/a.flac", "music"));
    }

    #[test]
    fn a_sibling_sharing_a_prefix_is_not_inside() {
        assert!(!inside("/library/x.flac", "/lib"));
        assert!(!inside("/lib", "/library"));
        assert!(!inside("/library-old/x.flac", "/library"));
    }

    #[test]
    fn dot_dot_steps_that_leave_the_folder_are_outside() {
        assert!(!inside("/library/../etc/passwd", "/library"));
        assert!(!inside("/library/Artist/../../etc", "/library"));
        assert!(!inside("/library/..", "/library"));
        assert!(!inside("/../library/x", "/library"));
        assert!(!inside("../library/x", "library"));
        assert!(!inside("library/../../library/x", "library"));
    }

    #[test]
    fn absolute_and_relative_spellings_never_mix() {
        assert!(!inside("/etc/passwd", "/library"));
        assert!(!inside("/library/x", "library"));
        assert!(!inside("library/x", "/library"));
    }

    struct Tree {
        _dir: tempfile::TempDir,
        base: PathBuf,
        folder: PathBuf,
    }

    /// `base/folder/Album/01.flac`, and `base/secret.flac` beside the folder.
    fn tree() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let folder = base.join("folder");
        std::fs::create_dir_all(folder.join("Album")).unwrap();
        std::fs::write(folder.join("Album/01.flac"), b"x").unwrap();
        std::fs::write(base.join("secret.flac"), b"x").unwrap();
        Tree {
            _dir: dir,
            base,
            folder,
        }
    }

    #[test]
    fn a_file_inside_resolves_to_its_real_path() {
        let tree = tree();
        let expected = tree.folder.join("Album/01.flac");
        let spelled = tree.folder.join("Album/./../Album/01.flac");
        assert_eq!(canonical_inside(&spelled, &tree.folder).unwrap(), expected);
    }

    #[test]
    fn paths_leaving_the_folder_are_outside_whether_or_not_they_exist() {
        let tree = tree();
        for hostile in [
            tree.base.join("secret.flac"),
            tree.folder.join("../secret.flac"),
            tree.folder.join("Album/../../nothing.flac"),
            PathBuf::from("/etc/passwd"),
            PathBuf::from("folder/Album/01.flac"),
            tree.base.join("folder-old/x.flac"),
        ] {
            let error = canonical_inside(&hostile, &tree.folder).unwrap_err();
            assert!(
                matches!(error, ContainmentError::Outside { .. }),
                "{}: {error}",
                hostile.display()
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_out_of_the_folder_is_outside() {
        let tree = tree();
        let link = tree.folder.join("link.flac");
        std::os::unix::fs::symlink(tree.base.join("secret.flac"), &link).unwrap();
        let error = canonical_inside(&link, &tree.folder).unwrap_err();
        assert!(matches!(error, ContainmentError::Outside { .. }), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn a_path_spelled_through_a_symlinked_folder_is_inside() {
        let tree = tree();
        let alias = tree.base.join("alias");
        std::os::unix::fs::symlink(&tree.folder, &alias).unwrap();
        let resolved = canonical_inside(&tree.folder.join("Album/01.flac"), &alias).unwrap();
        assert_eq!(resolved, tree.folder.join("Album/01.flac"));
    }

    #[test]
    fn folders_overlap_when_equal_or_nested_even_through_symlinks() {
        let tree = tree();
        let downloads = tree.base.join("downloads");
        assert!(overlapping(&tree.folder, &tree.folder.join("./")));
        assert!(overlapping(&tree.folder, &tree.folder.join("Album")));
        assert!(overlapping(&tree.folder.join("not/yet"), &tree.folder));
        assert!(overlapping(&tree.base, &downloads));
        assert!(!overlapping(&tree.folder, &downloads));
        assert!(!overlapping(&tree.folder, &tree.base.join("folder-old")));
        #[cfg(unix)]
        {
            let alias = tree.base.join("alias");
            std::os::unix::fs::symlink(&tree.folder, &alias).unwrap();
            assert!(overlapping(&alias, &tree.folder));
            assert!(overlapping(&alias.join("new"), &tree.folder));
            assert!(overlapping(&tree.folder, &alias.join("Album/..")));
        }
    }

    #[test]
    fn a_missing_file_inside_and_a_missing_folder_are_named() {
        let tree = tree();
        let missing = tree.folder.join("Album/02.flac");
        assert!(matches!(
            canonical_inside(&missing, &tree.folder),
            Err(ContainmentError::Missing(_))
        ));
        let no_folder = tree.base.join("gone");
        assert!(matches!(
            canonical_inside(&no_folder.join("x"), &no_folder),
            Err(ContainmentError::FolderUnavailable { .. })
        ));
    }
}
