//! Reading the event store: the most recent events, optionally of one type.

use std::collections::VecDeque;
use std::time::Duration;

use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::consumer::pull::OrderedConfig;
use futures::StreamExt;
use soulspot_contracts::EventEnvelope;
use soulspot_contracts::subjects::{EVENTS_STREAM, EVENTS_WILDCARD, events_of_type};

use super::{EventBus, EventStoreError};

/// How long the store may pause mid-read before the query gives up.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

impl EventBus {
    /// Up to `limit` events, most recent first, of `event_type` or of every type.
    ///
    /// Reads the matching events in order through an ephemeral ordered consumer and keeps the
    /// last `limit`; the cost grows with the number of matching events in the store.
    pub async fn recent_events(
        &self,
        event_type: Option<&str>,
        limit: usize,
    ) -> Result<Vec<EventEnvelope>, EventStoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let failed = |error: &dyn std::fmt::Display| EventStoreError::Store(error.to_string());
        let stream = self
            .jetstream
            .get_stream(EVENTS_STREAM)
            .await
            .map_err(|error| failed(&error))?;
        let config = OrderedConfig {
            filter_subject: event_type.map_or_else(|| EVENTS_WILDCARD.to_owned(), events_of_type),
            deliver_policy: DeliverPolicy::All,
            ..Default::default()
        };
        let mut consumer = stream
            .create_consumer(config)
            .await
            .map_err(|error| failed(&error))?;
        let matching = consumer
            .info()
            .await
            .map_err(|error| failed(&error))?
            .num_pending;
        if matching == 0 {
            return Ok(Vec::new());
        }
        let mut messages = consumer.messages().await.map_err(|error| failed(&error))?;
        let mut recent = VecDeque::with_capacity(limit);
        loop {
            let next = tokio::time::timeout(READ_TIMEOUT, messages.next())
                .await
                .map_err(|_| EventStoreError::Store("event store read timed out".to_owned()))?;
            let Some(next) = next else { break };
            let message = next.map_err(|error| failed(&error))?;
            let remaining = message.info().map(|info| info.pending).unwrap_or(0);
            match serde_json::from_slice::<EventEnvelope>(&message.payload) {
                Ok(event) => {
                    if recent.len() == limit {
                        recent.pop_front();
                    }
                    recent.push_back(event);
                }
                Err(error) => {
                    tracing::warn!(subject = %message.subject, %error, "stored event is not an envelope")
                }
            }
            if remaining == 0 {
                break;
            }
        }
        Ok(recent.into_iter().rev().collect())
    }
}
