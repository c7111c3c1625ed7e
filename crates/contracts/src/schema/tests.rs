//! Tests of `schema`.

use super::*;
use serde_json::json;

#[test]
fn every_contract_loads_and_its_examples_validate() {
    let contracts = Contracts::load().unwrap();
    for operation in crate::operations::ALL {
        assert!(
            contracts.capability(operation).is_ok(),
            "{operation} has no contract"
        );
    }
    assert!(contracts.event("download.completed").is_ok());
}

#[test]
fn a_violation_names_the_offending_field() {
    let contracts = contracts().unwrap();
    let error = contracts
        .validate_request("search.track", &json!({"query": 5}))
        .unwrap_err();
    assert!(error.to_string().contains("/query"), "{error}");
}

#[test]
fn a_newer_major_version_is_refused() {
    let contracts = contracts().unwrap();
    let example = contracts
        .event("download.started")
        .unwrap()
        .data
        .example()
        .clone();
    let v2 = "2.0.0".parse().unwrap();
    assert!(matches!(
        contracts.validate_event("download.started", &v2, &example),
        Err(SchemaViolation::IncompatibleVersion { .. })
    ));
    let v1_9 = "1.9.0".parse().unwrap();
    assert!(
        contracts
            .validate_event("download.started", &v1_9, &example)
            .is_ok()
    );
}

#[test]
fn unknown_operations_and_events_are_named() {
    let contracts = contracts().unwrap();
    let error = contracts
        .validate_request("no.such", &json!({}))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown operation `no.such`: no contract defines it"
    );
}
