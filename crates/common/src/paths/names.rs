//! Turning any text into one safe file or folder name: characters no file system takes are
//! replaced, characters that make a name read differently from how it sorts and compares
//! (bidirectional controls, zero-width marks) are dropped, the edges are trimmed and the
//! length is bounded. Every module that names a file after untrusted text uses this one.

/// What replaces every character a file name must not hold.
const REPLACEMENT: char = '_';

/// Names Windows reserves whatever their extension (`CON.flac` is still the console).
const WINDOWS_RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Longest extension kept apart from the stem when a file name is shortened.
const MAX_EXTENSION_BYTES: usize = 12;

/// One folder name: invisible formatting characters dropped, forbidden characters replaced, edges trimmed, at most `max_bytes` long,
/// never empty, `.`, `..` or a Windows device name.
pub fn sanitize_component(raw: &str, max_bytes: usize) -> String {
    let replaced: String = raw
        .chars()
        .filter(|c| !is_invisible_format(*c))
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

fn is_forbidden(c: char) -> bool {
    matches!(c, '<' | '>' | ':' | '?' | '*' | '|' | '"' | '\\' | '/') || c.is_control()
}

/// Characters that change how a name is displayed without being visible themselves:
/// bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the
/// left-to-right, right-to-left and Arabic letter marks (U+200E, U+200F, U+061C), and the
/// zero-width space, joiners, word joiner and byte order mark (U+200B–U+200D, U+2060,
/// U+FEFF). A right-to-left override can make `evil\u{202E}calf.exe` display as
/// `evilexe.flac`, and zero-width marks make two names that look the same differ. They are
/// removed, not replaced, so a name without them is unchanged.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
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
mod tests;
