//! A capability endpoint as a module's `$SRV.INFO` reply describes it, and whether the router
//! may trust it: a module offers only subjects under its own `soulspot.<module>.` prefix.

use serde::Serialize;
use soulspot_contracts::operations::metadata_keys;
use soulspot_contracts::subjects;

/// One capability endpoint of one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Endpoint {
    pub operation: String,
    pub subject: String,
    pub priority: u32,
    pub required_modules: Vec<String>,
}

/// What one endpoint of a `$SRV.INFO` reply turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Offered {
    Capability(Endpoint),
    /// A capability on a subject outside the module's own prefix: NATS permissions let each
    /// module serve only its own subjects, so another's subject would route the request to
    /// whoever serves that one (or to a forger on an open server).
    Untrusted {
        operation: String,
    },
    /// An endpoint without routing metadata (not a capability).
    NotACapability,
}

impl Endpoint {
    /// Reads the routing metadata of an endpoint offered by `module`.
    pub(super) fn from_info(module: &str, info: &async_nats::service::endpoint::Info) -> Offered {
        let Some(operation) = info.metadata.get(metadata_keys::OPERATION).cloned() else {
            return Offered::NotACapability;
        };
        if !is_own_subject(module, &info.subject) {
            return Offered::Untrusted { operation };
        }
        let priority = info
            .metadata
            .get(metadata_keys::PRIORITY)
            .and_then(|priority| priority.parse().ok())
            .unwrap_or(0);
        let required_modules = info
            .metadata
            .get(metadata_keys::REQUIRED_MODULES)
            .map(|list| {
                list.split(',')
                    .map(str::trim)
                    .filter(|module| !module.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Offered::Capability(Self {
            operation,
            subject: info.subject.clone(),
            priority,
            required_modules,
        })
    }
}

/// `subject` is under `soulspot.<module>.`, and `module` is one subject token (a name with a
/// dot would reach into another module's prefix).
fn is_own_subject(module: &str, subject: &str) -> bool {
    let single_token = !module.is_empty()
        && !module.contains(['.', '*', '>'])
        && !module.contains(char::is_whitespace);
    let prefix = subjects::capability(module, "");
    single_token && subject.len() > prefix.len() && subject.starts_with(&prefix)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use async_nats::service::endpoint::Info;

    use super::*;

    fn offered(subject: &str) -> Info {
        Info {
            name: "download_track".to_owned(),
            subject: subject.to_owned(),
            queue_group: "q".to_owned(),
            metadata: HashMap::from([
                (
                    metadata_keys::OPERATION.to_owned(),
                    "download.track".to_owned(),
                ),
                (metadata_keys::PRIORITY.to_owned(), "10".to_owned()),
            ]),
        }
    }

    #[test]
    fn an_endpoint_under_the_modules_own_prefix_is_a_capability() {
        let Offered::Capability(endpoint) =
            Endpoint::from_info("soulseek", &offered("soulspot.soulseek.download.track"))
        else {
            panic!("refused its own subject");
        };
        assert_eq!(endpoint.operation, "download.track");
        assert_eq!(endpoint.priority, 10);
    }

    #[test]
    fn an_endpoint_on_another_modules_subject_is_untrusted() {
        for (module, subject) in [
            ("library", "soulspot.soulseek.download.track"),
            ("library", "soulspot.libraryx.download.track"),
            ("library", "soulspot.library"),
            ("library", "soulspot.library."),
            ("soulseek.download", "soulspot.soulseek.download.track"),
            ("", "soulspot..download.track"),
        ] {
            assert_eq!(
                Endpoint::from_info(module, &offered(subject)),
                Offered::Untrusted {
                    operation: "download.track".to_owned()
                },
                "{module} offering {subject}"
            );
        }
    }

    #[test]
    fn an_endpoint_without_an_operation_is_not_a_capability() {
        let mut info = offered("soulspot.soulseek.other");
        info.metadata.clear();
        assert_eq!(
            Endpoint::from_info("soulseek", &info),
            Offered::NotACapability
        );
    }
}
