//! Text matching of peers' file paths against a wanted track: word-boundary phrase matching
//! on the shared folding, and detection of variants (remix, live, edit...) the track is not.

use soulspot_common::text::words;

/// Words in a bracketed or dashed part of a file name that make it another recording.
const VARIANT_WORDS: [&str; 22] = [
    "remix",
    "remixed",
    "rmx",
    "mix",
    "live",
    "edit",
    "acoustic",
    "instrumental",
    "karaoke",
    "demo",
    "cover",
    "extended",
    "rework",
    "bootleg",
    "dub",
    "unplugged",
    "reprise",
    "mashup",
    "sped",
    "slowed",
    "nightcore",
    "acapella",
];

/// Whether `phrase`'s words appear in `text`'s words, consecutively and whole.
pub fn contains_phrase(text: &[String], phrase: &[String]) -> bool {
    !phrase.is_empty() && text.windows(phrase.len()).any(|window| window == phrase)
}

/// Whether the artist appears in the path; a leading "The" is optional, as sharers often
/// drop it ("Midnight Ferry" for "The Midnight Ferry").
pub fn path_names_artist(path_words: &[String], artist: &str) -> bool {
    let artist_words = words(artist);
    if contains_phrase(path_words, &artist_words) {
        return true;
    }
    match artist_words.split_first() {
        Some((first, rest)) if first == "the" => contains_phrase(path_words, rest),
        _ => false,
    }
}

/// The first variant marker in a bracketed (`(...)`, `[...]`, `{...}`) or dashed
/// (`... - Live at X`) part of `file_stem` that the wanted title does not have.
pub fn unwanted_variant(file_stem: &str, wanted_title: &str) -> Option<String> {
    let title_words = words(wanted_title);
    qualifier_parts(file_stem)
        .into_iter()
        .map(|part| words(&part))
        // "(Original Mix)" names the original recording, not a variant.
        .filter(|part_words| !part_words.iter().any(|word| word == "original"))
        .flatten()
        .find(|word| VARIANT_WORDS.contains(&word.as_str()) && !title_words.contains(word))
}

/// The bracketed parts of `stem`, and its dash-separated parts after the first.
fn qualifier_parts(stem: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0_usize;
    let mut outside = String::new();
    for c in stem.chars() {
        match c {
            '(' | '[' | '{' => {
                if depth > 0 {
                    current.push(' ');
                }
                depth += 1;
            }
            ')' | ']' | '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    parts.push(std::mem::take(&mut current));
                }
            }
            c if depth > 0 => current.push(c),
            c => outside.push(c),
        }
    }
    if depth > 0 {
        parts.push(current);
    }
    parts.extend(outside.split(" - ").skip(1).map(str::to_owned));
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_match_on_word_boundaries_only() {
        let path = words(r"@@music\Aurora Lane\01 - Glass Harbour.flac");
        assert!(contains_phrase(&path, &words("glass harbour")));
        assert!(!contains_phrase(&path, &words("glass harb")));
        assert!(!contains_phrase(&path, &words("harbour glass")));
        assert!(!contains_phrase(&path, &[]));
    }

    #[test]
    fn a_leading_the_is_optional_in_the_artist() {
        let path = words(r"@@files\midnight ferry\harbour songs\03 ten thousand miles.flac");
        assert!(path_names_artist(&path, "The Midnight Ferry"));
        assert!(!path_names_artist(&path, "The Midnight Train"));
    }

    #[test]
    fn finds_bracketed_and_dashed_variants() {
        let variant = |stem: &str| unwanted_variant(stem, "Glass Harbour");
        assert_eq!(
            variant("01 - Glass Harbour (Midnight Remix)").as_deref(),
            Some("remix")
        );
        assert_eq!(variant("Glass Harbour [Live]").as_deref(), Some("live"));
        assert_eq!(
            variant("Glass Harbour - Live at the Roundhouse").as_deref(),
            Some("live")
        );
        assert_eq!(
            variant("Glass Harbour (Radio Edit)").as_deref(),
            Some("edit")
        );
        assert_eq!(variant("Aurora Lane - 01 - Glass Harbour"), None);
        assert_eq!(variant("02. Afterglow (Explicit)"), None);
        assert_eq!(variant("Glass Harbour (Original Mix)"), None);
    }

    #[test]
    fn a_variant_the_title_names_is_wanted() {
        let stem = "04 - Glass Harbour (Live at the Roundhouse)";
        assert_eq!(
            unwanted_variant(stem, "Glass Harbour (Live at the Roundhouse)"),
            None
        );
    }
}
