//! The versioned JSON Schemas of `contracts/`, embedded at build time and compiled once.
//!
//! Each file describes one event (`contracts/events/<event_type>.yaml`, with a `data` message)
//! or one capability (`contracts/capabilities/<operation>.yaml`, with `request` and `reply`).
//! Every message carries a JSON Schema and an example that must satisfy it.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::Validator;
use serde::Deserialize;
use serde_json::Value;

use crate::version::SchemaVersion;

/// The contract files, embedded so every binary carries the schemas it was built with.
const CONTRACT_FILES: &[(&str, &str)] = &[
    (
        "events/download.started.yaml",
        include_str!("../../../contracts/events/download.started.yaml"),
    ),
    (
        "events/download.progress.yaml",
        include_str!("../../../contracts/events/download.progress.yaml"),
    ),
    (
        "events/download.completed.yaml",
        include_str!("../../../contracts/events/download.completed.yaml"),
    ),
    (
        "events/download.failed.yaml",
        include_str!("../../../contracts/events/download.failed.yaml"),
    ),
    (
        "events/download.completed.for_source.yaml",
        include_str!("../../../contracts/events/download.completed.for_source.yaml"),
    ),
    (
        "events/pipeline.completed.yaml",
        include_str!("../../../contracts/events/pipeline.completed.yaml"),
    ),
    (
        "events/pipeline.failed.yaml",
        include_str!("../../../contracts/events/pipeline.failed.yaml"),
    ),
    (
        "events/module.announcement.yaml",
        include_str!("../../../contracts/events/module.announcement.yaml"),
    ),
    (
        "capabilities/health.yaml",
        include_str!("../../../contracts/capabilities/health.yaml"),
    ),
    (
        "capabilities/search.track.yaml",
        include_str!("../../../contracts/capabilities/search.track.yaml"),
    ),
    (
        "capabilities/playlist.tracks.yaml",
        include_str!("../../../contracts/capabilities/playlist.tracks.yaml"),
    ),
    (
        "capabilities/download.track.yaml",
        include_str!("../../../contracts/capabilities/download.track.yaml"),
    ),
    (
        "capabilities/enrich.metadata.yaml",
        include_str!("../../../contracts/capabilities/enrich.metadata.yaml"),
    ),
    (
        "capabilities/import.track.yaml",
        include_str!("../../../contracts/capabilities/import.track.yaml"),
    ),
    (
        "capabilities/library.contains.yaml",
        include_str!("../../../contracts/capabilities/library.contains.yaml"),
    ),
    (
        "capabilities/library.stats.yaml",
        include_str!("../../../contracts/capabilities/library.stats.yaml"),
    ),
    (
        "capabilities/playlist.write.yaml",
        include_str!("../../../contracts/capabilities/playlist.write.yaml"),
    ),
    (
        "capabilities/notify.track_ready.yaml",
        include_str!("../../../contracts/capabilities/notify.track_ready.yaml"),
    ),
];

/// A contract file could not be loaded: a build defect, reported with the file's name.
#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("contract {file} is not valid yaml: {source}")]
    Yaml {
        file: &'static str,
        #[source]
        source: serde_norway::Error,
    },
    #[error("contract {file} has an invalid version: {source}")]
    Version {
        file: &'static str,
        #[source]
        source: crate::version::InvalidVersion,
    },
    #[error("contract {file} has an invalid schema for `{message}`: {reason}")]
    Schema {
        file: &'static str,
        message: &'static str,
        reason: String,
    },
    #[error("contract {file}: the example of `{message}` violates its own schema: {reason}")]
    Example {
        file: &'static str,
        message: &'static str,
        reason: String,
    },
    #[error("contract {file} declares kind `{kind}`, expected `event` or `capability`")]
    Kind { file: &'static str, kind: String },
}

/// Data that does not satisfy its contract: bad input from a peer or a caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaViolation {
    #[error("unknown {kind} `{name}`: no contract defines it")]
    Unknown { kind: &'static str, name: String },
    #[error("{name} version {got} is incompatible with supported version {supported}")]
    IncompatibleVersion {
        name: String,
        got: SchemaVersion,
        supported: SchemaVersion,
    },
    #[error("{name} violates its schema: {details}")]
    Invalid { name: String, details: String },
}

#[derive(Deserialize)]
struct RawMessage {
    schema: Value,
    example: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    name: String,
    kind: String,
    version: String,
    /// Read for documentation only; required so every contract says what it is for.
    #[serde(rename = "description")]
    _description: String,
    data: Option<RawMessage>,
    request: Option<RawMessage>,
    reply: Option<RawMessage>,
}

/// A compiled message schema with its example.
pub struct Message {
    validator: Validator,
    schema: Value,
    example: Value,
}

impl Message {
    fn compile(
        file: &'static str,
        message: &'static str,
        raw: RawMessage,
    ) -> Result<Self, ContractError> {
        let validator =
            jsonschema::validator_for(&raw.schema).map_err(|error| ContractError::Schema {
                file,
                message,
                reason: error.to_string(),
            })?;
        let compiled = Self {
            validator,
            schema: raw.schema,
            example: raw.example,
        };
        compiled
            .check(&compiled.example)
            .map_err(|reason| ContractError::Example {
                file,
                message,
                reason,
            })?;
        Ok(compiled)
    }

    /// `Err` lists every violation, each with the JSON pointer of the offending value.
    fn check(&self, value: &Value) -> Result<(), String> {
        let details: Vec<String> = self
            .validator
            .iter_errors(value)
            .map(|error| {
                let path = error.instance_path().to_string();
                let at = if path.is_empty() {
                    "/".to_owned()
                } else {
                    path
                };
                format!("at {at}: {error}")
            })
            .collect();
        if details.is_empty() {
            Ok(())
        } else {
            Err(details.join("; "))
        }
    }

    fn validate(&self, name: &str, value: &Value) -> Result<(), SchemaViolation> {
        self.check(value)
            .map_err(|details| SchemaViolation::Invalid {
                name: name.to_owned(),
                details,
            })
    }

    /// The example the contract ships, valid by construction.
    pub fn example(&self) -> &Value {
        &self.example
    }

    /// The JSON Schema as the contract writes it, for documents that show it (the router's
    /// OpenAPI document).
    pub fn schema(&self) -> &Value {
        &self.schema
    }
}

/// One event type's contract.
pub struct EventContract {
    pub version: SchemaVersion,
    pub data: Message,
}

/// One capability's contract.
pub struct CapabilityContract {
    pub version: SchemaVersion,
    pub request: Message,
    pub reply: Message,
}

/// Every contract of `contracts/`, compiled.
pub struct Contracts {
    events: HashMap<String, EventContract>,
    capabilities: HashMap<String, CapabilityContract>,
}

impl std::fmt::Debug for Contracts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contracts")
            .field("events", &self.events.keys().collect::<Vec<_>>())
            .field(
                "capabilities",
                &self.capabilities.keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

static CONTRACTS: OnceLock<Result<Contracts, String>> = OnceLock::new();

/// The embedded contracts, compiled on first use and shared afterwards.
///
/// Fails only if a contract file shipped broken, which the crate's tests rule out.
pub fn contracts() -> Result<&'static Contracts, SchemaViolation> {
    CONTRACTS
        .get_or_init(|| Contracts::load().map_err(|error| error.to_string()))
        .as_ref()
        .map_err(|reason| SchemaViolation::Invalid {
            name: "contracts".to_owned(),
            details: reason.clone(),
        })
}

impl Contracts {
    /// Parses and compiles every embedded contract, checking each example.
    pub fn load() -> Result<Self, ContractError> {
        let mut events = HashMap::new();
        let mut capabilities = HashMap::new();
        for (file, text) in CONTRACT_FILES {
            let raw: RawContract = serde_norway::from_str(text)
                .map_err(|source| ContractError::Yaml { file, source })?;
            let version = raw
                .version
                .parse()
                .map_err(|source| ContractError::Version { file, source })?;
            match (raw.kind.as_str(), raw.data, raw.request, raw.reply) {
                ("event", Some(data), None, None) => {
                    let data = Message::compile(file, "data", data)?;
                    events.insert(raw.name, EventContract { version, data });
                }
                ("capability", None, Some(request), Some(reply)) => {
                    let request = Message::compile(file, "request", request)?;
                    let reply = Message::compile(file, "reply", reply)?;
                    capabilities.insert(
                        raw.name,
                        CapabilityContract {
                            version,
                            request,
                            reply,
                        },
                    );
                }
                _ => {
                    return Err(ContractError::Kind {
                        file,
                        kind: raw.kind,
                    });
                }
            }
        }
        Ok(Self {
            events,
            capabilities,
        })
    }

    pub fn event(&self, event_type: &str) -> Result<&EventContract, SchemaViolation> {
        self.events
            .get(event_type)
            .ok_or_else(|| SchemaViolation::Unknown {
                kind: "event",
                name: event_type.to_owned(),
            })
    }

    /// Every event type a contract defines, sorted.
    pub fn event_types(&self) -> Vec<&str> {
        let mut types: Vec<&str> = self.events.keys().map(String::as_str).collect();
        types.sort_unstable();
        types
    }

    pub fn capability(&self, operation: &str) -> Result<&CapabilityContract, SchemaViolation> {
        self.capabilities
            .get(operation)
            .ok_or_else(|| SchemaViolation::Unknown {
                kind: "operation",
                name: operation.to_owned(),
            })
    }

    /// The version a producer stamps on a new event of this type.
    pub fn event_version(&self, event_type: &str) -> Result<SchemaVersion, SchemaViolation> {
        Ok(self.event(event_type)?.version)
    }

    /// Checks an event's `data` as a consumer does: same MAJOR version, then the schema.
    pub fn validate_event(
        &self,
        event_type: &str,
        version: &SchemaVersion,
        data: &Value,
    ) -> Result<(), SchemaViolation> {
        let contract = self.event(event_type)?;
        if !contract.version.accepts(version) {
            return Err(SchemaViolation::IncompatibleVersion {
                name: event_type.to_owned(),
                got: *version,
                supported: contract.version,
            });
        }
        contract.data.validate(event_type, data)
    }

    pub fn validate_request(
        &self,
        operation: &str,
        request: &Value,
    ) -> Result<(), SchemaViolation> {
        self.capability(operation)?
            .request
            .validate(&format!("{operation} request"), request)
    }

    pub fn validate_reply(&self, operation: &str, reply: &Value) -> Result<(), SchemaViolation> {
        self.capability(operation)?
            .reply
            .validate(&format!("{operation} reply"), reply)
    }
}

#[cfg(test)]
mod tests;
