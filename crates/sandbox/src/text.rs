//! How well a candidate matches a wanted phrase, for the emulated search engines, on the
//! shared text folding.

use soulspot_common::text::words;

/// How well `candidate` matches the phrase `wanted`, both folded: 1.0 when equal,
/// between 0.6 and 0.9 when it contains every wanted word (more extra words, lower),
/// 0.0 otherwise.
pub(crate) fn similarity(wanted: &str, candidate: &str) -> f64 {
    let wanted_words = words(wanted);
    let candidate_words = words(candidate);
    if wanted_words.is_empty() {
        return 0.0;
    }
    if wanted_words == candidate_words {
        return 1.0;
    }
    let all_present = wanted_words
        .iter()
        .all(|word| candidate_words.contains(word));
    if !all_present {
        return 0.0;
    }
    0.6 + 0.3 * wanted_words.len() as f64 / candidate_words.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_titles_outrank_variants() {
        let exact = similarity("Glass Harbour", "Glass Harbour");
        let remix = similarity("Glass Harbour", "Glass Harbour (Midnight Remix)");
        let other = similarity("Glass Harbour", "Northern Lights");
        assert!(exact > remix && remix > other);
        assert_eq!(other, 0.0);
    }
}
