//! Test support: a real `nats-server` per test (open, or with the shipped accounts; alone or
//! three as one JetStream cluster), a
//! recording bus for unit tests, and the benches' statistics.
//!
//! Integration tests never replace NATS with a fake; `RecordingBus` exists only for asserting
//! what a unit under test published.

pub mod bench;
mod cluster;
mod server;
mod standalone;

pub use cluster::NatsCluster;
pub use server::NatsServer;
pub use standalone::{StandaloneReport, run_standalone};

use std::sync::{Arc, Mutex, PoisonError};

use soulspot_contracts::EventEnvelope;

use crate::context::MessageContext;
use crate::events::{EventPublisher, PublishError};

/// Records published events after validating them as the real bus does (the plan's
/// TestEventBus). For "what was published" assertions in unit tests only.
#[derive(Debug, Clone, Default)]
pub struct RecordingBus {
    published: Arc<Mutex<Vec<EventEnvelope>>>,
}

impl RecordingBus {
    pub fn published(&self) -> Vec<EventEnvelope> {
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn of_type(&self, event_type: &str) -> Vec<EventEnvelope> {
        self.published()
            .into_iter()
            .filter(|event| event.event_type == event_type)
            .collect()
    }
}

impl EventPublisher for RecordingBus {
    async fn publish(
        &self,
        event: EventEnvelope,
        _context: &MessageContext,
    ) -> Result<(), PublishError> {
        soulspot_contracts::contracts()?.validate_event(
            &event.event_type,
            &event.schema_version,
            &event.data,
        )?;
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
        Ok(())
    }

    async fn is_stored(&self, event: &EventEnvelope) -> Result<bool, PublishError> {
        Ok(self
            .published()
            .iter()
            .any(|published| published.event_id == event.event_id))
    }
}
