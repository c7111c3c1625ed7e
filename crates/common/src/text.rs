//! Text folding for matching: case, diacritics and punctuation, folded one way for every
//! module, so that "Sigur Rós – Ágætis" and "sigur ros agaetis" name the same thing wherever
//! they are compared (search terms, file names, library keys, query resolution).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-case words without diacritics or punctuation, separated by single spaces:
/// "Sigur Rós – Ágætis" → "sigur ros agaetis". Texts that fold alike match.
pub fn fold(text: &str) -> String {
    words(text).join(" ")
}

/// The folded words of `text`, in order and with repeats, for matching phrases by
/// position: "Déjà Vu à Paris!" → `["deja", "vu", "a", "paris"]`. Anything that is not a
/// letter or a digit separates words.
pub fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    // Canonical decomposition splits "é" into "e" and a combining accent, which is dropped.
    let letters = text.nfd().filter(|c| !is_combining_mark(*c));
    for c in letters.flat_map(char::to_lowercase) {
        if let Some(base) = base_letters(c) {
            word.push_str(base);
        } else if c.is_alphanumeric() && !is_combining_mark(c) {
            word.push(c);
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The folded words of `text` without repeats, in the order they first appear: the terms
/// of a search, where a word said twice asks for nothing more.
pub fn distinct_words(text: &str) -> Vec<String> {
    let mut distinct: Vec<String> = Vec::new();
    for word in words(text) {
        if !distinct.contains(&word) {
            distinct.push(word);
        }
    }
    distinct
}

/// Lower-case letters that Unicode does not decompose into a base letter and a mark, but
/// that read as Latin ones.
fn base_letters(c: char) -> Option<&'static str> {
    let letters = match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'đ' | 'ð' => "d",
        'ħ' => "h",
        'ı' => "i",
        'ł' | 'ŀ' => "l",
        'þ' => "th",
        'ŧ' => "t",
        _ => return None,
    };
    Some(letters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_diacritics_and_punctuation() {
        assert_eq!(
            fold("Sigur Rós – Ágætis byrjun"),
            "sigur ros agaetis byrjun"
        );
        assert_eq!(fold("  Beyoncé: DÉJÀ VU!! "), "beyonce deja vu");
        assert_eq!(fold("Zoë Mercier — Café Olé"), "zoe mercier cafe ole");
        assert_eq!(fold("Motörhead"), "motorhead");
        assert_eq!(fold("?!"), "");
    }

    #[test]
    fn folds_letters_without_a_decomposition() {
        assert_eq!(fold("Straße ẞ Œuvre Æon"), "strasse ss oeuvre aeon");
        assert_eq!(fold("Øresund Łódź Đorđe Þór"), "oresund lodz dorde thor");
        assert_eq!(fold("Ħal Ŧ ŀ ı"), "hal t l i");
    }

    #[test]
    fn folds_precomposed_and_decomposed_spellings_alike() {
        let precomposed = "Beyonc\u{e9}";
        let decomposed = "Beyonce\u{301}";
        assert_eq!(fold(precomposed), fold(decomposed));
        assert_eq!(fold("\u{130}stanbul"), "istanbul");
    }

    #[test]
    fn keeps_digits_and_letters_of_other_scripts() {
        assert_eq!(fold("Blink-182"), "blink 182");
        assert_eq!(fold("Ελληνικά ΜΟΥΣΙΚΗ"), "ελληνικα μουσικη");
        assert_eq!(fold("Кино"), "кино");
    }

    #[test]
    fn words_keep_order_and_repeats() {
        assert_eq!(words("Déjà Vu à Paris!"), ["deja", "vu", "a", "paris"]);
        assert_eq!(
            words(r"@@music\Aurora Lane\01 - Glass Harbour.flac"),
            ["music", "aurora", "lane", "01", "glass", "harbour", "flac"]
        );
        assert_eq!(words("Teardrop teardrop"), ["teardrop", "teardrop"]);
        assert!(words("").is_empty());
    }

    #[test]
    fn distinct_words_drop_repeats_in_first_seen_order() {
        assert_eq!(
            distinct_words("Teardrop teardrop, Massive TEARDROP"),
            ["teardrop", "massive"]
        );
        assert!(distinct_words("?!").is_empty());
    }
}
