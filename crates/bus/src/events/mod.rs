//! Events on JetStream: validated publishing into `SOULSPOT_EVENTS`, durable subscriptions
//! with isolated handlers and a dead-letter subject, and queries of the store.

mod dead_letter;
mod lookup;
mod publish;
mod query;
mod subscribe;

use std::future::Future;
use std::time::Duration;

use async_nats::Client;
use async_nats::jetstream::{self, Context};
use serde::{Deserialize, Serialize};
use soulspot_common::RetryPolicy;
use soulspot_contracts::payloads::EventPayload;
use soulspot_contracts::{Contracts, EventEnvelope, SchemaViolation};

use crate::context::MessageContext;
use crate::jetstream_write::Durability;

pub use subscribe::{DeliverFrom, HandlerError, ReceivedEvent, SubscribeOptions, Subscription};

/// The `[events]` section: how long the store keeps events, and how hard consumers retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventStoreSettings {
    pub max_age_days: u64,
    /// JetStream drops a second publish of the same event id within this window.
    pub duplicate_window_secs: u64,
    /// `[events.redelivery]`: how an event whose handler failed is delivered again — the
    /// pause before each redelivery, and deliveries in all (`max_attempts`) before it is
    /// dead-lettered (0: never dead-lettered for a failing handler).
    pub redelivery: RetryPolicy,
}

impl Default for EventStoreSettings {
    fn default() -> Self {
        Self {
            max_age_days: 30,
            duplicate_window_secs: 120,
            redelivery: RetryPolicy {
                base_ms: 250,
                factor: 2,
                max_delay_ms: 16_000,
                max_attempts: 5,
                jitter_percent: 0,
            },
        }
    }
}

impl EventStoreSettings {
    fn max_age(&self) -> Duration {
        Duration::from_secs(self.max_age_days * 24 * 3600)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A producer bug: the event is not sent.
    #[error("event not published: {0}")]
    Invalid(#[from] SchemaViolation),
    #[error("event {event_id} could not be encoded: {source}")]
    Encode {
        event_id: uuid::Uuid,
        #[source]
        source: serde_json::Error,
    },
    #[error("event {event_id} was not stored by jetstream: {message}")]
    Store {
        event_id: uuid::Uuid,
        message: String,
    },
}

/// The event store (its JetStream streams and consumers) could not be reached or set up.
#[derive(Debug, thiserror::Error)]
pub enum EventStoreError {
    #[error("consumer `{consumer}` could not be created: {message}")]
    Consumer { consumer: String, message: String },
    #[error("event store unavailable: {0}")]
    Store(String),
}

/// Anything events can be published to: the JetStream bus, or a recording bus in unit tests.
pub trait EventPublisher: Send + Sync {
    /// Validates `event.data` against its contract and publishes it.
    fn publish(
        &self,
        event: EventEnvelope,
        context: &MessageContext,
    ) -> impl Future<Output = Result<(), PublishError>> + Send;

    /// Whether `event` (by its id) is in the store already, however long ago it was sent:
    /// a producer that may have sent it before a crash asks instead of relying on the
    /// store's deduplication window.
    fn is_stored(
        &self,
        event: &EventEnvelope,
    ) -> impl Future<Output = Result<bool, PublishError>> + Send;
}

/// Whether a bus may change the streams it finds, or only create missing ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StreamAccess {
    Join,
    Own,
}

/// Events on NATS JetStream, published in the name of one module.
#[derive(Clone)]
pub struct EventBus {
    client: Client,
    jetstream: Context,
    contracts: &'static Contracts,
    source_module: String,
    redelivery: RetryPolicy,
    durability: Durability,
}

impl std::fmt::Debug for EventBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBus")
            .field("source_module", &self.source_module)
            .finish()
    }
}

impl EventBus {
    /// Joins the event store: creates its streams with `settings` and `durability` when they
    /// are missing, and never changes existing ones, which are the owner's
    /// ([`EventBus::owning`]). A module needs no right to reconfigure the store it publishes
    /// into. Publishes are retried as `durability` says.
    pub async fn new(
        client: Client,
        source_module: &str,
        settings: &EventStoreSettings,
        durability: Durability,
    ) -> Result<Self, EventStoreError> {
        Self::connect(
            client,
            source_module,
            settings,
            durability,
            StreamAccess::Join,
        )
        .await
    }

    /// Joins the event store as its owner (the router): creates its streams or brings them to
    /// `settings` and `durability` (retention, deduplication window, replicas).
    pub async fn owning(
        client: Client,
        source_module: &str,
        settings: &EventStoreSettings,
        durability: Durability,
    ) -> Result<Self, EventStoreError> {
        Self::connect(
            client,
            source_module,
            settings,
            durability,
            StreamAccess::Own,
        )
        .await
    }

    async fn connect(
        client: Client,
        source_module: &str,
        settings: &EventStoreSettings,
        durability: Durability,
        access: StreamAccess,
    ) -> Result<Self, EventStoreError> {
        let contracts = soulspot_contracts::contracts()
            .map_err(|error| EventStoreError::Store(error.to_string()))?;
        let bus = Self {
            jetstream: jetstream::new(client.clone()),
            client,
            contracts,
            source_module: source_module.to_owned(),
            redelivery: settings.redelivery,
            durability,
        };
        bus.ensure_streams(settings, access).await?;
        Ok(bus)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn source_module(&self) -> &str {
        &self.source_module
    }

    /// The replicas and write retry this bus was opened with, for the module's own stores.
    pub fn durability(&self) -> Durability {
        self.durability
    }

    /// A new event of `event_type` from this module, stamped with its current schema version.
    pub fn event(
        &self,
        event_type: &str,
        data: serde_json::Value,
    ) -> Result<EventEnvelope, PublishError> {
        let version = self.contracts.event_version(event_type)?;
        Ok(EventEnvelope::new(
            event_type,
            version,
            &self.source_module,
            data,
        ))
    }

    /// A new event from this module carrying `payload`: its type and version come from the
    /// payload's contract.
    pub fn event_of<E: EventPayload>(&self, payload: &E) -> Result<EventEnvelope, PublishError> {
        Ok(EventEnvelope::of(&self.source_module, payload)?)
    }
}
