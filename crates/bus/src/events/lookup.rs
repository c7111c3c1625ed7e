//! Whether one event is in the store: looked up by its id among the events of its subject
//! stored since it was created, so the answer holds long after the deduplication window.

use std::time::Duration;

use async_nats::header::NATS_MESSAGE_ID;
use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::consumer::pull::OrderedConfig;
use futures::StreamExt;
use soulspot_contracts::EventEnvelope;
use soulspot_contracts::subjects::EVENTS_STREAM;

use super::{EventBus, EventStoreError};

/// How long the store may pause mid-read before the lookup gives up.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
/// Clock differences between the producer and the server the lookup allows for.
const CLOCK_SLACK: Duration = Duration::from_secs(60);

impl EventBus {
    /// Whether the store holds `event`. Reads the headers of the events on its subject stored
    /// from shortly before it was created: the cost follows that subject's traffic since then.
    pub async fn holds(&self, event: &EventEnvelope) -> Result<bool, EventStoreError> {
        let failed = |error: &dyn std::fmt::Display| EventStoreError::Store(error.to_string());
        let stream = self
            .jetstream
            .get_stream(EVENTS_STREAM)
            .await
            .map_err(|error| failed(&error))?;
        let config = OrderedConfig {
            filter_subject: event.subject(),
            deliver_policy: DeliverPolicy::ByStartTime {
                start_time: event.occurred_at - CLOCK_SLACK,
            },
            headers_only: true,
            ..Default::default()
        };
        let consumer = stream
            .create_consumer(config)
            .await
            .map_err(|error| failed(&error))?;
        if consumer.cached_info().num_pending == 0 {
            return Ok(false);
        }
        let wanted = event.event_id.to_string();
        let mut messages = consumer.messages().await.map_err(|error| failed(&error))?;
        loop {
            let next = tokio::time::timeout(READ_TIMEOUT, messages.next())
                .await
                .map_err(|_| EventStoreError::Store("event store read timed out".to_owned()))?;
            let Some(next) = next else { return Ok(false) };
            let message = next.map_err(|error| failed(&error))?;
            let id = message
                .headers
                .as_ref()
                .and_then(|headers| headers.get(NATS_MESSAGE_ID));
            if id.is_some_and(|id| id.as_str() == wanted) {
                return Ok(true);
            }
            if message.info().map(|info| info.pending).unwrap_or(0) == 0 {
                return Ok(false);
            }
        }
    }
}
