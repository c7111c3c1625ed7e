//! Turning any text into one safe file or folder name, and joining names under the root so
//! that nothing a peer sends can point outside it.

use std::path::{Component, Path, PathBuf};

use soulspot_common::paths::is_inside;

/// What replaces every character a file name must not hold.
const REPLACEMENT: char = '_';

/// Names Windows reserves whatever their extension (`CON.flac` is still the console).
const WINDOWS_RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Longest extension kept apart from the stem when a file name is shortened.
const MAX_EXTENSION_BYTES: usize = 12;

/// One folder name: forbidden characters replaced, edges trimmed, at most `max_bytes` long,
/// never empty, `.`, `..` or a Windows device name.
pub fn sanitize_component(raw: &str, max_bytes: usize) -> String {
    let replaced: String = raw
        .chars()
        .map(|c| if is_forbidden(c) { REPLACEMENT } else { c })
        .collect();
    let trimmed = trim_edges(truncate_to_bytes(trim_edges(&replaced), max_bytes));
    if trimmed.is_empty() {
        return REPLACEMENT.to_string();
    }
    avoid_reserved(trimmed, max_bytes)
}

/// One file name: like `sanitize_component`, but a shortened name keeps its extension.
pub fn sanitize_file_name(raw: &str, max_bytes: usize) -> String {
    match split_extension(raw) {
        Some((stem, extension)) => {
            let extension = sanitize_component(extension, MAX_EXTENSION_BYTES);
            let stem_budget = max_bytes.saturating_sub(extension.len() + 1);
            format!("{}.{extension}", sanitize_component(stem, stem_budget))
        }
        None => sanitize_component(raw, max_bytes),
    }
}

/// `name` with ` (n)` before its extension, still within `max_bytes`: `Song (2).flac`.
pub fn numbered_file_name(name: &str, number: u32, max_bytes: usize) -> String {
    let suffix = format!(" ({number})");
    match split_extension(name) {
        Some((stem, extension)) => {
            let stem_budget = max_bytes.saturating_sub(extension.len() + 1 + suffix.len());
            let stem = trim_edges(truncate_to_bytes(stem, stem_budget));
            format!("{stem}{suffix}.{extension}")
        }
        None => {
            let stem = trim_edges(truncate_to_bytes(
                name,
                max_bytes.saturating_sub(suffix.len()),
            ));
            format!("{stem}{suffix}")
        }
    }
}

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

fn is_forbidden(c: char) -> bool {
    matches!(c, '<' | '>' | ':' | '?' | '*' | '|' | '"' | '\\' | '/') || c.is_control()
}

/// Leading and trailing dots and spaces: `..` becomes empty, and Windows drops trailing ones.
fn trim_edges(text: &str) -> &str {
    text.trim_matches(|c: char| c == '.' || c.is_whitespace())
}

/// The longest prefix of `text` of at most `max_bytes` that ends on a character boundary.
fn truncate_to_bytes(text: &str, max_bytes: usize) -> &str {
    let mut end = max_bytes.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn avoid_reserved(name: &str, max_bytes: usize) -> String {
    let device = name.split('.').next().unwrap_or(name).trim_end();
    let is_reserved = WINDOWS_RESERVED
        .iter()
        .any(|reserved| reserved.eq_ignore_ascii_case(device));
    if is_reserved {
        let shortened = truncate_to_bytes(name, max_bytes.saturating_sub(1));
        format!("{REPLACEMENT}{shortened}")
    } else {
        name.to_owned()
    }
}

/// `(stem, extension)` when `name` ends in a short alphanumeric extension.
fn split_extension(name: &str) -> Option<(&str, &str)> {
    let (stem, extension) = name.rsplit_once('.')?;
    let plausible = !stem.is_empty()
        && !extension.is_empty()
        && extension.len() <= MAX_EXTENSION_BYTES
        && extension.chars().all(|c| c.is_ascii_alphanumeric());
    plausible.then_some((stem, extension))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 200;

    #[test]
    fn traversal_becomes_a_plain_name() {
        assert_eq!(sanitize_component("../../etc", MAX), "_.._etc");
        assert_eq!(sanitize_component("..\\..\\x", MAX), "_.._x");
        assert_eq!(sanitize_component("..", MAX), "_");
        assert_eq!(sanitize_component(".", MAX), "_");
    }

    #[test]
    fn separators_and_forbidden_characters_are_replaced() {
        assert_eq!(sanitize_component("a/b", MAX), "a_b");
        assert_eq!(
            sanitize_component("What? <Live>: \"A|B*\"", MAX),
            "What_ _Live__ _A_B__"
        );
        assert_eq!(
            sanitize_component("nul\0byte\ttab\nline", MAX),
            "nul_byte_tab_line"
        );
    }

    #[test]
    fn edges_lose_dots_and_spaces() {
        assert_eq!(sanitize_component("  .hidden. ", MAX), "hidden");
        assert_eq!(sanitize_component("   ", MAX), "_");
        assert_eq!(sanitize_component("", MAX), "_");
    }

    #[test]
    fn windows_device_names_are_prefixed() {
        assert_eq!(sanitize_component("CON", MAX), "_CON");
        assert_eq!(sanitize_component("lpt1", MAX), "_lpt1");
        assert_eq!(sanitize_file_name("Con.flac", MAX), "_Con.flac");
        assert_eq!(sanitize_component("Conan", MAX), "Conan");
    }

    #[test]
    fn diacritics_are_preserved() {
        assert_eq!(
            sanitize_component("Sigur Rós – Ágætis byrjun", MAX),
            "Sigur Rós – Ágætis byrjun"
        );
        assert_eq!(sanitize_file_name("Café Olé.flac", MAX), "Café Olé.flac");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        let long = "é".repeat(300);
        let cut = sanitize_component(&long, 201);
        assert!(cut.len() <= 201);
        assert_eq!(cut, "é".repeat(100));
    }

    #[test]
    fn a_long_file_name_keeps_its_extension() {
        let long = format!("{}.flac", "x".repeat(400));
        let cut = sanitize_file_name(&long, MAX);
        assert_eq!(cut.len(), MAX);
        assert!(cut.ends_with("x.flac"), "{cut}");
    }

    #[test]
    fn numbered_names_fit_the_limit() {
        assert_eq!(numbered_file_name("Song.flac", 2, MAX), "Song (2).flac");
        let long = format!("{}.mp3", "y".repeat(MAX - 4));
        let numbered = numbered_file_name(&long, 3, MAX);
        assert!(numbered.len() <= MAX);
        assert!(numbered.ends_with("y (3).mp3"), "{numbered}");
    }

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
