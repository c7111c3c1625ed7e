//! Unit tests of the registry: which offered endpoints it trusts.

use std::collections::{BTreeMap, HashMap};

use async_nats::service::endpoint;
use soulspot_contracts::operations::metadata_keys;

use super::*;

fn info(module: &str, subject: &str, priority: u32) -> Info {
    Info {
        kind: "io.nats.micro.v1.info_response".to_owned(),
        name: module.to_owned(),
        id: format!("{module}-1"),
        description: String::new(),
        version: "0.1.0".to_owned(),
        metadata: HashMap::new(),
        endpoints: vec![endpoint::Info {
            name: "download_track".to_owned(),
            subject: subject.to_owned(),
            queue_group: "q".to_owned(),
            metadata: HashMap::from([
                (
                    metadata_keys::OPERATION.to_owned(),
                    "download.track".to_owned(),
                ),
                (metadata_keys::PRIORITY.to_owned(), priority.to_string()),
            ]),
        }],
    }
}

fn healthy(modules: &[&str]) -> BTreeMap<String, Option<HealthReport>> {
    modules
        .iter()
        .map(|module| {
            let report = HealthReport {
                status: ModuleStatus::Active,
                checks: Vec::new(),
            };
            ((*module).to_owned(), Some(report))
        })
        .collect()
}

#[test]
fn a_module_advertising_another_modules_subject_is_never_a_candidate() {
    let registry = Registry::default();
    let observation = || Observation {
        infos: vec![
            info("soulseek", "soulspot.soulseek.download.track", 10),
            info("library", "soulspot.soulseek.download.track", 1_000),
        ],
        health: healthy(&["soulseek", "library"]),
    };

    registry.apply(observation());
    registry.apply(observation());

    let candidates = registry.candidates("download.track");
    assert_eq!(
        candidates,
        vec![Candidate {
            module: "soulseek".to_owned(),
            subject: "soulspot.soulseek.download.track".to_owned(),
            priority: 10,
        }]
    );
    let providers = registry.providers("download.track");
    assert!(
        providers
            .iter()
            .all(|provider| provider.module == "soulseek"),
        "{providers:?}"
    );
    // Remembered once, so that the warning is not repeated at every poll.
    let untrusted = registry.read().untrusted.clone();
    assert_eq!(
        untrusted,
        HashSet::from([(
            "library".to_owned(),
            "soulspot.soulseek.download.track".to_owned()
        )])
    );
}
