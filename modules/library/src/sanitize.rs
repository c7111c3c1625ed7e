//! Joining safe names under the library root, so that nothing a peer sends can point
//! outside it. The names themselves come from the shared sanitiser in
//! `soulspot_common::paths`.

use std::path::{Component, Path, PathBuf};

use soulspot_common::paths::is_inside;
pub use soulspot_common::paths::{numbered_file_name, sanitize_component, sanitize_file_name};

/// `root` joined with `components`, refused unless every component is one plain name and
/// the result lies inside `root`.
pub fn join_inside(root: &Path, components: &[String]) -> Option<PathBuf> {
    let mut path = root.to_path_buf();
    for component in components {
        let mut parts = Path::new(component).components();
        let is_one_plain_name = matches!(
            (parts.next(), parts.next()),
            (Some(Component::Normal(name)), None) if name == component.as_str()
        );
        if !is_one_plain_name {
            return None;
        }
        path.push(component);
    }
    is_inside(&path, root).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joining_refuses_anything_but_plain_names() {
        let root = Path::new("/music");
        let plain = ["Artist".to_owned(), "Song.flac".to_owned()];
        assert_eq!(
            join_inside(root, &plain),
            Some(PathBuf::from("/music/Artist/Song.flac"))
        );
        for hostile in ["..", ".", "a/b", "/etc", ""] {
            assert_eq!(join_inside(root, &[hostile.to_owned()]), None, "{hostile}");
        }
    }
}
