//! The contracts every SoulSpot service shares: data types, operation names, NATS subjects,
//! the event envelope, and the versioned JSON Schemas under `contracts/`.
//!
//! Modules never depend on one another; they depend on this crate and talk over NATS.

pub mod envelope;
pub mod error;
pub mod module;
pub mod numbers;
pub mod operations;
pub mod payloads;
pub mod schema;
pub mod subjects;
pub mod track;
pub mod version;

pub use envelope::EventEnvelope;
pub use error::ErrorKind;
pub use module::{HealthCheck, HealthReport, ModuleAnnouncement, ModuleStatus};
pub use schema::{ContractError, Contracts, SchemaViolation, contracts};
pub use track::{FileRef, TrackRef};
pub use version::SchemaVersion;
