//! Folding text for comparison and search: case- and diacritic-insensitive words.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-case words without diacritics, separated by single spaces:
/// "Sigur Rós – Ágætis" → "sigur ros agaetis".
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        push_folded(&mut folded, c);
    }
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The distinct folded words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in fold(text).split(' ').filter(|word| !word.is_empty()) {
        if !words.iter().any(|seen| seen == word) {
            words.push(word.to_owned());
        }
    }
    words
}

/// Letters that carry no combining mark in Unicode but read as Latin ones.
fn push_folded(folded: &mut String, c: char) {
    let replacement = match c {
        'ß' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ø' | 'Ø' => "o",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'ł' | 'Ł' => "l",
        'þ' | 'Þ' => "th",
        'ı' => "i",
        _ if c.is_alphanumeric() => {
            folded.extend(c.to_lowercase());
            return;
        }
        _ => " ",
    };
    folded.push_str(replacement);
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
        assert_eq!(fold("Motörhead"), "motorhead");
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn words_are_distinct_and_ordered() {
        assert_eq!(words("Teardrop teardrop, Massive"), ["teardrop", "massive"]);
        assert!(words("?!").is_empty());
    }
}
