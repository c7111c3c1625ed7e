//! Tests of the file name sanitiser.

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
fn bidirectional_controls_and_zero_width_characters_are_removed() {
    // A right-to-left override would show "evil\u{202E}calf.exe" as "evilexe.flac".
    assert_eq!(
        sanitize_file_name("evil\u{202E}calf.exe", MAX),
        "evilcalf.exe"
    );
    let every_one: String = [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{200C}',
        '\u{200D}', '\u{2060}', '\u{FEFF}',
    ]
    .iter()
    .flat_map(|c| [*c, 'a'])
    .collect();
    assert_eq!(sanitize_component(&every_one, MAX), "a".repeat(17));
    assert_eq!(sanitize_component("\u{FEFF}Björk\u{200B}", MAX), "Björk");
    assert_eq!(sanitize_component("\u{200B}\u{2060}", MAX), "_");
}

#[test]
fn invisible_characters_cannot_hide_a_device_name_or_a_leading_dot() {
    assert_eq!(sanitize_component("CON\u{200B}", MAX), "_CON");
    assert_eq!(sanitize_component("\u{200D}.hidden", MAX), "hidden");
}
