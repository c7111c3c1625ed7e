//! Choosing the track a free-text query means among a search's results.
//!
//! Providers rank by their own measures (an album named like the query can come first); the
//! track whose title and artist words all appear in the query is the one asked for. Ties keep
//! the provider's order.

use soulspot_common::text::words;
use soulspot_contracts::TrackRef;

/// The best of `tracks` for `query`, or `None` when there are none.
pub fn best_match(query: &str, tracks: Vec<TrackRef>) -> Option<TrackRef> {
    let query_words = words(query);
    let score = |track: &TrackRef| {
        let covered = |text: &str| words(text).iter().all(|word| query_words.contains(word));
        u8::from(covered(&track.title)) * 2 + u8::from(covered(&track.artist))
    };
    let mut best: Option<(u8, TrackRef)> = None;
    for track in tracks {
        let points = score(&track);
        if best.as_ref().is_none_or(|(top, _)| points > *top) {
            best = Some((points, track));
        }
    }
    best.map(|(_, track)| track)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(title: &str, artist: &str) -> TrackRef {
        TrackRef {
            title: title.into(),
            artist: artist.into(),
            ..TrackRef::default()
        }
    }

    #[test]
    fn the_title_named_in_the_query_wins_over_the_providers_first_result() {
        let results = vec![
            track("Glass Harbour", "Aurora Lane"),
            track("Northern Lights", "Aurora Lane"),
        ];
        let chosen = best_match("aurora lane northern lights", results).unwrap();
        assert_eq!(chosen.title, "Northern Lights");
    }

    #[test]
    fn a_variant_title_with_extra_words_loses_to_the_plain_one() {
        let results = vec![
            track("Glass Harbour (Midnight Remix)", "Aurora Lane"),
            track("Glass Harbour", "Aurora Lane"),
        ];
        let chosen = best_match("Aurora Lane – Glass Harbour", results).unwrap();
        assert_eq!(chosen.title, "Glass Harbour");
    }

    #[test]
    fn a_query_without_diacritics_names_the_title_and_artist_that_have_them() {
        let results = vec![
            track("Deja Vu", "Various Artists"),
            track("Déjà Vu", "Beyoncé"),
        ];
        let chosen = best_match("Beyonce deja vu", results).unwrap();
        assert_eq!(chosen.artist, "Beyoncé");
    }

    #[test]
    fn without_a_better_match_the_providers_order_stands() {
        let results = vec![
            track("Teardrop", "Massive Attack"),
            track("Angel", "Massive Attack"),
        ];
        assert_eq!(
            best_match("something else", results).unwrap().title,
            "Teardrop"
        );
        assert!(best_match("anything", Vec::new()).is_none());
    }
}
