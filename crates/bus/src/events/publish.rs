//! Creating the event streams and publishing into them.

use async_nats::HeaderMap;
use async_nats::jetstream::stream::{Config, DiscardPolicy, RetentionPolicy, StorageType};
use soulspot_contracts::EventEnvelope;
use soulspot_contracts::subjects::{EVENTS_STREAM, EVENTS_WILDCARD};
use tracing::Instrument;

use super::dead_letter::{DEAD_LETTER_STREAM, DEAD_LETTER_WILDCARD};
use super::{
    EventBus, EventPublisher, EventStoreError, EventStoreSettings, PublishError, StreamAccess,
};
use crate::context::MessageContext;

impl EventBus {
    pub(super) async fn ensure_streams(
        &self,
        settings: &EventStoreSettings,
        access: StreamAccess,
    ) -> Result<(), EventStoreError> {
        let events = Config {
            name: EVENTS_STREAM.to_owned(),
            subjects: vec![EVENTS_WILDCARD.to_owned()],
            retention: RetentionPolicy::Limits,
            storage: StorageType::File,
            discard: DiscardPolicy::Old,
            max_age: settings.max_age(),
            duplicate_window: std::time::Duration::from_secs(settings.duplicate_window_secs),
            num_replicas: self.durability.replicas,
            ..Default::default()
        };
        let dead_letters = Config {
            name: DEAD_LETTER_STREAM.to_owned(),
            subjects: vec![DEAD_LETTER_WILDCARD.to_owned()],
            storage: StorageType::File,
            max_age: settings.max_age(),
            num_replicas: self.durability.replicas,
            ..Default::default()
        };
        for config in [events, dead_letters] {
            let name = config.name.clone();
            let ensured = match access {
                StreamAccess::Own => self
                    .jetstream
                    .create_or_update_stream(config)
                    .await
                    .map(drop),
                StreamAccess::Join => self.jetstream.get_or_create_stream(config).await.map(drop),
            };
            ensured.map_err(|error| EventStoreError::Store(format!("stream {name}: {error}")))?;
        }
        Ok(())
    }

    /// Publishes an event and waits for JetStream to store it, in a span of its own whose
    /// context the event's headers carry to its consumers.
    async fn store(
        &self,
        event: &EventEnvelope,
        context: &MessageContext,
    ) -> Result<(), PublishError> {
        let span = tracing::info_span!(
            "publish",
            otel.name = %format!("publish {}", event.event_type),
            otel.kind = "producer",
            soulspot.service = %self.source_module,
            event_type = %event.event_type,
            event_id = %event.event_id,
        );
        self.store_in_span(event, context).instrument(span).await
    }

    async fn store_in_span(
        &self,
        event: &EventEnvelope,
        context: &MessageContext,
    ) -> Result<(), PublishError> {
        let payload = serde_json::to_vec(event).map_err(|source| PublishError::Encode {
            event_id: event.event_id,
            source,
        })?;
        let mut headers = HeaderMap::new();
        let context = MessageContext {
            correlation_id: event
                .correlation_id
                .clone()
                .or_else(|| context.correlation_id.clone()),
            trace: context.trace,
            deadline: None,
        };
        context.inject(&mut headers);
        let store_error = |error: &dyn std::fmt::Display| PublishError::Store {
            event_id: event.event_id,
            message: error.to_string(),
        };
        crate::jetstream_write::publish_acked(
            &self.jetstream,
            &event.subject(),
            &event.event_id.to_string(),
            headers,
            payload.into(),
            &self.durability.write_retry,
        )
        .await
        .map_err(|error| store_error(&error))?;
        metrics::counter!("soulspot_events_published_total", "event_type" => event.event_type.clone())
            .increment(1);
        tracing::debug!(
            event_id = %event.event_id,
            event_type = %event.event_type,
            correlation_id = context.correlation_id.as_deref().unwrap_or(""),
            "event published"
        );
        Ok(())
    }
}

impl EventPublisher for EventBus {
    async fn publish(
        &self,
        event: EventEnvelope,
        context: &MessageContext,
    ) -> Result<(), PublishError> {
        self.contracts
            .validate_event(&event.event_type, &event.schema_version, &event.data)?;
        self.store(&event, context).await
    }

    async fn is_stored(&self, event: &EventEnvelope) -> Result<bool, PublishError> {
        self.holds(event)
            .await
            .map_err(|error| PublishError::Store {
                event_id: event.event_id,
                message: error.to_string(),
            })
    }
}
