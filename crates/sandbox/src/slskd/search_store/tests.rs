//! Tests of `search_store`.

use super::*;

#[test]
fn terms_match_words_anywhere_in_the_path() {
    let terms = SearchTerms::parse("aurora lane glass harbour");
    assert!(terms.matches(r"@@music\Aurora Lane\Northern Lights\01 - Glass Harbour.flac"));
    assert!(!terms.matches(r"@@music\Aurora Lane\Northern Lights\02 - Northern Lights.flac"));
}

#[test]
fn wildcards_and_exclusions_apply() {
    let terms = SearchTerms::parse("*eatles morning -live");
    assert!(terms.matches(r"@@m\Beatles Tribute Orchestra\01 - Morning Tide.flac"));
    assert!(!terms.matches(r"@@m\Beatles Tribute Orchestra\01 - Morning Tide (Live).flac"));
    assert!(!terms.is_blocked(&[]));
    assert!(SearchTerms::parse("beatles tide").is_blocked(&["beatles".to_owned()]));
}
