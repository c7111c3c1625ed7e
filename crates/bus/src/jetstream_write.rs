//! Writes to JetStream that outlast a leader election: a write that meets no stream leader (no
//! responders, or no ack in time) is tried again under `nats.write_retry`, with the same
//! message id, so that a write that was stored but whose ack was lost is not stored twice.
//!
//! KV writes with an expected revision have no message id; their retry after a lost ack finds
//! the revision moved on ("wrong last sequence"), and [`kv`] then reads the key to tell our own
//! write from another writer's.

pub mod kv;

use std::error::Error as StdError;

use async_nats::HeaderMap;
use async_nats::header::NATS_MESSAGE_ID;
use async_nats::jetstream::context::{PublishError, PublishErrorKind};
use async_nats::jetstream::kv::{EntryError, EntryErrorKind, UpdateError, UpdateErrorKind};
use async_nats::jetstream::publish::PublishAck;
use async_nats::jetstream::stream::{DirectGetError, DirectGetErrorKind};
use async_nats::jetstream::{self, Context};
use async_nats::{RequestError, RequestErrorKind, StatusCode};
use bytes::Bytes;
use soulspot_common::{RetryPolicy, Verdict};

use crate::NatsSettings;

/// How SoulSpot's streams and buckets are kept: `nats.replicas` copies of each, and writes
/// retried under `nats.write_retry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Durability {
    pub replicas: usize,
    pub write_retry: RetryPolicy,
}

impl Default for Durability {
    fn default() -> Self {
        NatsSettings::default().durability()
    }
}

/// Whether a failed JetStream call may succeed if made again unchanged: the stream had no
/// leader (no responders), the answer did not come in time, the connection broke, or the
/// server said JetStream is unavailable for now (503). Everything else (a wrong expected
/// revision, a bad key, a refused permission) is final.
pub fn is_transient(error: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if transient_here(error) {
            return true;
        }
        current = error.source();
    }
    false
}

fn transient_here(error: &(dyn StdError + 'static)) -> bool {
    if let Some(error) = error.downcast_ref::<PublishError>() {
        return matches!(
            error.kind(),
            PublishErrorKind::TimedOut
                | PublishErrorKind::StreamNotFound
                | PublishErrorKind::BrokenPipe
                | PublishErrorKind::MaxAckPending
        );
    }
    if let Some(error) = error.downcast_ref::<RequestError>() {
        return matches!(
            error.kind(),
            RequestErrorKind::TimedOut | RequestErrorKind::NoResponders
        );
    }
    if let Some(error) = error.downcast_ref::<UpdateError>() {
        return error.kind() == UpdateErrorKind::TimedOut;
    }
    if let Some(error) = error.downcast_ref::<EntryError>() {
        return error.kind() == EntryErrorKind::TimedOut;
    }
    if let Some(error) = error.downcast_ref::<DirectGetError>() {
        return match error.kind() {
            DirectGetErrorKind::TimedOut | DirectGetErrorKind::Request => true,
            DirectGetErrorKind::ErrorResponse(status, _) => {
                status == StatusCode::NO_RESPONDERS || status.as_u16() >= 500
            }
            _ => false,
        };
    }
    if let Some(error) = error.downcast_ref::<jetstream::Error>() {
        return error.code() == 503;
    }
    false
}

/// The retry verdict for a JetStream error.
pub fn verdict(error: &(dyn StdError + 'static)) -> Verdict {
    if is_transient(error) {
        Verdict::Retry
    } else {
        Verdict::GiveUp
    }
}

/// Publishes `payload` to `subject` with `message_id` as `Nats-Msg-Id` and waits for the
/// stream's ack; a transient failure is retried under `policy` with the same id, so the
/// stream keeps one copy however many tries reach it (within its duplicate window).
pub async fn publish_acked(
    jetstream: &Context,
    subject: &str,
    message_id: &str,
    mut headers: HeaderMap,
    payload: Bytes,
    policy: &RetryPolicy,
) -> Result<PublishAck, PublishError> {
    headers.insert(NATS_MESSAGE_ID, message_id);
    policy
        .run(
            |attempt| {
                if attempt > 1 {
                    tracing::warn!(%subject, message_id, attempt, "jetstream write retried");
                }
                publish_once(jetstream, subject, headers.clone(), payload.clone())
            },
            |error| verdict(error),
        )
        .await
}

async fn publish_once(
    jetstream: &Context,
    subject: &str,
    headers: HeaderMap,
    payload: Bytes,
) -> Result<PublishAck, PublishError> {
    jetstream
        .publish_with_headers(subject.to_owned(), headers, payload)
        .await?
        .await
}

#[cfg(test)]
mod tests;
