//! The dead-letter subjects: where a consumer sends what it cannot accept, with the reason.
//!
//! JetStream has no native DLQ, so the bus publishes each rejected event to
//! `soulspot.dlq.<consumer>`, captured by the `SOULSPOT_DLQ` stream for later inspection.

use async_nats::HeaderMap;
use async_nats::jetstream::Context;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use soulspot_common::RetryPolicy;
use soulspot_contracts::error::header_safe;

use crate::jetstream_write::publish_acked;

pub(super) const DEAD_LETTER_STREAM: &str = "SOULSPOT_DLQ";
pub(super) const DEAD_LETTER_WILDCARD: &str = "soulspot.dlq.>";
/// Header with the reason, so tools can see it without decoding the body.
pub const DEAD_LETTER_REASON_HEADER: &str = "soulspot-dlq-reason";

/// The body of a dead letter: why, where it came from, and the original bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub consumer: String,
    pub subject: String,
    pub reason: String,
    /// The original payload, as text when it was UTF-8.
    pub payload: String,
    pub deliveries: i64,
}

/// Stores a dead letter, retried under `write_retry` with one message id; `false` when it
/// could not be stored (the event must not be dropped).
pub(super) async fn send(
    jetstream: &Context,
    letter: &DeadLetter,
    headers: Option<&HeaderMap>,
    write_retry: &RetryPolicy,
) -> bool {
    let mut out = HeaderMap::new();
    for name in [
        soulspot_contracts::subjects::CORRELATION_HEADER,
        soulspot_contracts::subjects::TRACEPARENT_HEADER,
    ] {
        if let Some(value) = headers.and_then(|headers| headers.get(name)) {
            out.insert(name, value.as_str());
        }
    }
    out.insert(
        DEAD_LETTER_REASON_HEADER,
        header_safe(&letter.reason).as_str(),
    );
    let subject = soulspot_contracts::subjects::dead_letter(&letter.consumer);
    let body = match serde_json::to_vec(letter) {
        Ok(body) => Bytes::from(body),
        Err(error) => {
            tracing::error!(consumer = %letter.consumer, %error, "dead letter could not be encoded");
            return false;
        }
    };
    let message_id = uuid::Uuid::now_v7().to_string();
    let stored = publish_acked(jetstream, &subject, &message_id, out, body, write_retry)
        .await
        .map(drop)
        .map_err(|error| error.to_string());
    match stored {
        Ok(()) => {
            metrics::counter!("soulspot_events_dead_lettered_total", "consumer" => letter.consumer.clone())
                .increment(1);
            tracing::warn!(consumer = %letter.consumer, %subject, reason = %letter.reason, "event dead-lettered");
            true
        }
        Err(error) => {
            tracing::error!(consumer = %letter.consumer, %subject, %error, "dead letter not stored");
            false
        }
    }
}
