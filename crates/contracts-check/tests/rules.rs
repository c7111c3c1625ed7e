//! One fixture pair per versioning rule: `tests/fixtures/<case>/old.yaml` as the contract was,
//! `new.yaml` as it is (either may be missing: a contract added or removed).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use soulspot_contracts_check::{ContractFile, Report, compare_sets};

fn compare(case: &str) -> Report {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(case);
    assert!(folder.is_dir(), "no fixture folder {}", folder.display());
    let side = |name: &str| -> Vec<ContractFile> {
        let text = std::fs::read_to_string(folder.join(name)).ok();
        text.map(|text| ContractFile {
            path: format!("contracts/{case}.yaml"),
            text,
        })
        .into_iter()
        .collect()
    };
    compare_sets(&side("old.yaml"), &side("new.yaml"))
}

fn problems(case: &str) -> Vec<String> {
    compare(case)
        .problems
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn assert_passes(case: &str) -> Report {
    let report = compare(case);
    assert!(report.passed(), "{case}: {:?}", report.problems);
    report
}

#[test]
fn a_removed_property_needs_a_major_bump() {
    assert_eq!(
        problems("removed_field"),
        [
            "contracts/removed_field.yaml: $.data.source: property removed: needs a MAJOR bump, \
          but 1.0.0 -> 1.1.0 is a MINOR bump"
        ]
    );
}

#[test]
fn a_retyped_property_needs_a_major_bump() {
    assert_eq!(
        problems("retyped_field"),
        [
            "contracts/retyped_field.yaml: $.data.source: type changed from string to integer: \
          needs a MAJOR bump, but 1.0.0 -> 1.0.1 is a PATCH bump"
        ]
    );
}

#[test]
fn a_property_made_required_needs_a_major_bump() {
    assert_eq!(
        problems("newly_required"),
        [
            "contracts/newly_required.yaml: $.data.source: property became required: \
          needs a MAJOR bump, but 1.0.0 -> 1.1.0 is a MINOR bump"
        ]
    );
}

#[test]
fn a_new_required_property_needs_a_major_bump() {
    assert_eq!(
        problems("required_property_added"),
        [
            "contracts/required_property_added.yaml: $.data.genre: required property added: \
          needs a MAJOR bump, but 1.0.0 -> 1.1.0 is a MINOR bump"
        ]
    );
}

#[test]
fn a_nested_property_removed_is_found_by_its_full_path() {
    assert_eq!(
        problems("nested_field_removed"),
        [
            "contracts/nested_field_removed.yaml: $.data.track.album: property removed: \
          needs a MAJOR bump, but 1.0.0 -> 1.1.0 is a MINOR bump"
        ]
    );
}

#[test]
fn a_retyped_field_inside_array_items_is_found() {
    assert_eq!(
        problems("array_item_retyped"),
        [
            "contracts/array_item_retyped.yaml: $.reply.tracks[*].title: type changed from string \
          to integer: needs a MAJOR bump, but 1.0.0 -> 1.1.0 is a MINOR bump"
        ]
    );
}

#[test]
fn removing_enum_values_needs_a_major_bump() {
    assert_eq!(
        problems("enum_value_removed"),
        [
            "contracts/enum_value_removed.yaml: $.data.format: enum values removed: \"mp3\": \
          needs a MAJOR bump, but 1.0.0 -> 1.1.0 is a MINOR bump"
        ]
    );
}

#[test]
fn closing_additional_properties_needs_a_major_bump() {
    assert_eq!(
        problems("additional_properties_turned_false"),
        [
            "contracts/additional_properties_turned_false.yaml: $.request: \
          `additionalProperties` turned false: needs a MAJOR bump, but 1.0.0 -> 1.1.0 is a MINOR bump"
        ]
    );
}

#[test]
fn an_optional_property_added_with_a_minor_bump_passes() {
    let report = assert_passes("optional_addition_with_minor_bump");
    assert_eq!(
        report.changed,
        ["contracts/optional_addition_with_minor_bump.yaml 1.0.0 -> 1.1.0 (needs MINOR)"]
    );
}

#[test]
fn an_optional_property_added_without_a_bump_fails() {
    assert_eq!(
        problems("optional_addition_without_bump"),
        [
            "contracts/optional_addition_without_bump.yaml: $.data.genre: optional property added: \
          needs a MINOR bump, but version stays 1.0.0"
        ]
    );
}

#[test]
fn a_removal_with_a_major_bump_passes() {
    let report = assert_passes("removal_with_major_bump");
    assert_eq!(report.changed.len(), 1);
}

#[test]
fn a_version_going_down_fails() {
    assert_eq!(
        problems("version_down"),
        ["contracts/version_down.yaml: $.version: version went down from 1.1.0 to 1.0.0"]
    );
}

#[test]
fn an_unchanged_contract_passes_and_is_not_counted_as_changed() {
    let report = assert_passes("unchanged");
    assert_eq!(
        report.summary(),
        "1 contracts compared, 0 changed, 0 added, 0 problems"
    );
}

#[test]
fn a_changed_example_needs_no_bump() {
    let report = assert_passes("example_change_needs_no_bump");
    assert!(report.changed.is_empty(), "{:?}", report.changed);
}

#[test]
fn any_schema_change_needs_at_least_a_patch_bump() {
    assert_eq!(
        problems("annotation_change_without_bump"),
        [
            "contracts/annotation_change_without_bump.yaml: $.data: `description` changed: \
          needs a PATCH bump, but version stays 1.0.0"
        ]
    );
}

#[test]
fn a_removed_contract_fails() {
    assert_eq!(
        problems("contract_removed"),
        [
            "contracts/contract_removed.yaml: $: contract removed (was 1.0.0): it breaks every \
          user, and no version bump can say so"
        ]
    );
}

#[test]
fn a_new_contract_is_reported_as_added_and_passes() {
    let report = assert_passes("contract_added");
    assert_eq!(report.added, ["contracts/contract_added.yaml (1.0.0)"]);
    assert_eq!(report.compared, 0);
}
