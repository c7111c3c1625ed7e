//! How single schema differences are classified: bounds, types, enums, keywords the checker
//! does not analyse, and the JSON path of an odd property name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use soulspot_contracts_check::{Bump, diff_schemas};

fn needs(old: Value, new: Value) -> Vec<(String, Bump)> {
    diff_schemas("$.data", &old, &new)
        .into_iter()
        .map(|change| (change.rule, change.needs))
        .collect()
}

#[test]
fn tightening_a_bound_is_breaking_and_relaxing_it_is_minor() {
    let old = json!({"type": "string", "maxLength": 50});
    let tighter = json!({"type": "string", "maxLength": 10});
    let looser = json!({"type": "string", "maxLength": 500});
    assert_eq!(
        needs(old.clone(), tighter),
        [(
            "`maxLength` tightened from 50 to 10".to_owned(),
            Bump::Major
        )]
    );
    assert_eq!(
        needs(old, looser),
        [("`maxLength` relaxed from 50 to 500".to_owned(), Bump::Minor)]
    );
}

#[test]
fn widening_a_type_is_minor_and_narrowing_it_is_breaking() {
    let one = json!({"type": "string"});
    let two = json!({"type": ["string", "null"]});
    assert_eq!(needs(one.clone(), two.clone())[0].1, Bump::Minor);
    assert_eq!(needs(two, one)[0].1, Bump::Major);
}

#[test]
fn enum_values_added_are_minor() {
    let old = json!({"enum": ["flac"]});
    let new = json!({"enum": ["flac", "mp3"]});
    assert_eq!(
        needs(old, new),
        [("enum values added".to_owned(), Bump::Minor)]
    );
}

#[test]
fn a_keyword_not_analysed_counts_as_breaking() {
    let old = json!({"type": "string", "pattern": "^a"});
    let new = json!({"type": "string", "pattern": "^b"});
    assert_eq!(needs(old, new)[0].1, Bump::Major);
}

#[test]
fn an_odd_property_name_is_quoted_in_the_path() {
    let old = json!({"properties": {"a b": {"type": "string"}}});
    let changes = diff_schemas("$.data", &old, &json!({"properties": {}}));
    assert_eq!(changes[0].path, "$.data[\"a b\"]");
}
