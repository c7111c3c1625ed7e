//! Reading the event store: the most recent events, optionally of one type, read from the
//! stream's tail so that a page costs what it holds, not what the store holds.

use std::collections::VecDeque;
use std::time::Duration;

use async_nats::jetstream::consumer::pull::OrderedConfig;
use async_nats::jetstream::consumer::{Consumer, DeliverPolicy};
use async_nats::jetstream::stream::Stream;
use futures::StreamExt;
use soulspot_contracts::EventEnvelope;
use soulspot_contracts::subjects::{EVENTS_STREAM, EVENTS_WILDCARD, events_of_type};

use super::{EventBus, EventStoreError};

/// How long the store may pause mid-read before the query gives up.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

fn failed(error: &dyn std::fmt::Display) -> EventStoreError {
    EventStoreError::Store(error.to_string())
}

impl EventBus {
    /// Up to `limit` events, most recent first, of `event_type` or of every type.
    ///
    /// Looks back from the stream's last sequence over a window that starts at `limit`
    /// messages and widens (by the density of matches seen so far) until it holds `limit`
    /// matching events or reaches the start of the stream, then reads that window only. The
    /// cost follows the page — and, for a rare type, how far back its last `limit` events lie.
    pub async fn recent_events(
        &self,
        event_type: Option<&str>,
        limit: usize,
    ) -> Result<Vec<EventEnvelope>, EventStoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let stream = self
            .jetstream
            .get_stream(EVENTS_STREAM)
            .await
            .map_err(|error| failed(&error))?;
        let state = stream.cached_info().state.clone();
        if state.messages == 0 {
            return Ok(Vec::new());
        }
        let filter = event_type.map_or_else(|| EVENTS_WILDCARD.to_owned(), events_of_type);
        let wanted = limit as u64;
        let mut window = wanted;
        loop {
            let start = state
                .last_sequence
                .saturating_sub(window - 1)
                .max(state.first_sequence);
            let consumer = ordered_from(&stream, &filter, start).await?;
            let matching = consumer.cached_info().num_pending;
            if matching >= wanted || start <= state.first_sequence {
                return read(consumer, matching, limit).await;
            }
            let name = consumer.cached_info().name.clone();
            if let Err(error) = stream.delete_consumer(&name).await {
                tracing::debug!(%error, "probing consumer left to expire");
            }
            // Widen to where `limit` matches should lie at the density seen, at least twofold.
            let estimate = window.saturating_mul(wanted) / matching.max(1);
            window = estimate
                .saturating_add(estimate / 4)
                .max(window.saturating_mul(2));
        }
    }
}

/// An ordered consumer of the events on `filter` from sequence `start` on.
async fn ordered_from(
    stream: &Stream,
    filter: &str,
    start: u64,
) -> Result<Consumer<OrderedConfig>, EventStoreError> {
    let config = OrderedConfig {
        filter_subject: filter.to_owned(),
        deliver_policy: DeliverPolicy::ByStartSequence {
            start_sequence: start,
        },
        ..Default::default()
    };
    stream
        .create_consumer(config)
        .await
        .map_err(|error| failed(&error))
}

/// The last `limit` of the `matching` events `consumer` delivers, most recent first.
async fn read(
    consumer: Consumer<OrderedConfig>,
    matching: u64,
    limit: usize,
) -> Result<Vec<EventEnvelope>, EventStoreError> {
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
