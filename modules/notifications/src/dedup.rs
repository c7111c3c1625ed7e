//! The delivery log: which (job, channel) pairs are being or have been delivered, in a
//! JetStream KV bucket on file storage, so that idempotency survives restarts and holds
//! across instances.
//!
//! A sender claims a pair before sending (a KV `create`, which fails when the key exists), then
//! marks it delivered, or releases it on failure so that a later call can deliver. A claim
//! older than `claim_timeout` is taken to be a crashed sender's and may be taken over.

use std::time::Duration;

use async_nats::jetstream::kv::{CreateErrorKind, Operation, UpdateErrorKind};
use async_nats::jetstream::{self, kv};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use soulspot_bus::Durability;
use soulspot_bus::jetstream_write::kv as write;
use soulspot_common::RetryPolicy;
use time::OffsetDateTime;

use crate::settings::DedupSettings;
use crate::signature::hex;

#[derive(Debug, thiserror::Error)]
pub enum DedupError {
    #[error("delivery log bucket `{bucket}` unavailable: {reason}")]
    Open { bucket: String, reason: String },
    #[error("delivery log read failed: {0}")]
    Read(String),
    #[error("delivery log write failed: {0}")]
    Write(String),
}

/// What is stored for a pair (also for people inspecting the bucket).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Record {
    /// A sender holds the pair and is delivering.
    Sending {
        #[serde(with = "time::serde::rfc3339")]
        claimed_at: OffsetDateTime,
    },
    Delivered {
        #[serde(with = "time::serde::rfc3339")]
        delivered_at: OffsetDateTime,
        attempts: u32,
    },
}

/// What claiming a pair gave.
#[derive(Debug)]
pub enum Claim {
    /// The caller holds the pair: it sends, then calls `delivered` or `release`.
    Held(Held),
    /// The pair was delivered already.
    Delivered,
    /// Another sender holds the pair and is delivering it now.
    InFlight,
}

/// A claimed pair: its key and the revision the claim was written at.
#[derive(Debug)]
pub struct Held {
    key: String,
    revision: u64,
}

/// Handle on the `soulspot_notifications` bucket.
#[derive(Debug, Clone)]
pub struct DeliveryLog {
    store: kv::Store,
    claim_timeout: Duration,
    write_retry: RetryPolicy,
}

impl DeliveryLog {
    /// Creates the bucket (file storage, `durability.replicas` copies, entries expire after
    /// `max_age_days`) or adopts it; its writes are retried as `durability` says.
    pub async fn open(
        client: async_nats::Client,
        settings: &DedupSettings,
        durability: Durability,
    ) -> Result<Self, DedupError> {
        let config = kv::Config {
            bucket: settings.bucket.clone(),
            description: "notifications delivered, by job and channel".to_owned(),
            history: 1,
            max_age: settings.max_age(),
            storage: jetstream::stream::StorageType::File,
            num_replicas: durability.replicas,
            ..kv::Config::default()
        };
        let store = jetstream::new(client)
            .create_or_update_key_value(config)
            .await
            .map_err(|error| DedupError::Open {
                bucket: settings.bucket.clone(),
                reason: error.to_string(),
            })?;
        Ok(Self {
            store,
            claim_timeout: settings.claim_timeout(),
            write_retry: durability.write_retry,
        })
    }

    /// Claims the pair before sending: only one sender at a time ever holds it.
    pub async fn claim(&self, job_id: &str, channel: &str) -> Result<Claim, DedupError> {
        let key = key(job_id, channel);
        // A pair released between our create and our read is tried again; a few rounds
        // settle it, as every other sender either holds it or has given it back.
        for _ in 0..3 {
            let claimed = encode(&Record::Sending {
                claimed_at: OffsetDateTime::now_utc(),
            })?;
            match write::create(&self.store, &key, claimed.clone(), &self.write_retry).await {
                Ok(revision) => return Ok(Claim::Held(Held { key, revision })),
                Err(error) if error.kind() == CreateErrorKind::AlreadyExists => {}
                Err(error) => return Err(DedupError::Write(error.to_string())),
            }
            let entry = self
                .store
                .entry(&key)
                .await
                .map_err(|error| DedupError::Read(error.to_string()))?;
            let Some(entry) = entry.filter(|entry| entry.operation == Operation::Put) else {
                continue;
            };
            // A record this version cannot read was written by an earlier one: a delivery.
            let stale = match serde_json::from_slice::<Record>(&entry.value) {
                Ok(Record::Sending { claimed_at }) => {
                    OffsetDateTime::now_utc() - claimed_at >= self.claim_timeout
                }
                Ok(Record::Delivered { .. }) | Err(_) => return Ok(Claim::Delivered),
            };
            if !stale {
                return Ok(Claim::InFlight);
            }
            let taken_over = write::update(
                &self.store,
                &key,
                claimed,
                entry.revision,
                &self.write_retry,
            );
            return match taken_over.await {
                Ok(revision) => Ok(Claim::Held(Held { key, revision })),
                Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => {
                    Ok(Claim::InFlight)
                }
                Err(error) => Err(DedupError::Write(error.to_string())),
            };
        }
        Ok(Claim::InFlight)
    }

    /// Marks a held pair delivered.
    pub async fn delivered(&self, held: Held, attempts: u32) -> Result<(), DedupError> {
        let record = encode(&Record::Delivered {
            delivered_at: OffsetDateTime::now_utc(),
            attempts,
        })?;
        write::update(
            &self.store,
            &held.key,
            record,
            held.revision,
            &self.write_retry,
        )
        .await
        .map(drop)
        .map_err(|error| DedupError::Write(error.to_string()))
    }

    /// Gives a held pair back after a failed delivery, so that a later call can deliver.
    pub async fn release(&self, held: Held) -> Result<(), DedupError> {
        self.store
            .delete_expect_revision(&held.key, Some(held.revision))
            .await
            .map_err(|error| DedupError::Write(error.to_string()))
    }

    /// Whether the bucket answers (for the health endpoint).
    pub async fn check(&self) -> Result<(), DedupError> {
        self.store
            .status()
            .await
            .map(drop)
            .map_err(|error| DedupError::Read(error.to_string()))
    }
}

fn encode(record: &Record) -> Result<Bytes, DedupError> {
    serde_json::to_vec(record)
        .map(Bytes::from)
        .map_err(|error| DedupError::Write(error.to_string()))
}

/// `<hex job id>.<hex channel>`: KV keys allow only `[-/_=.a-zA-Z0-9]`, job ids and channel
/// names may hold anything, and hex keeps distinct pairs distinct.
fn key(job_id: &str, channel: &str) -> String {
    format!("{}.{}", hex(job_id.as_bytes()), hex(channel.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_valid_and_distinct_for_awkward_ids() {
        let first = key("job 1.a", "web*hook");
        let second = key("job 1", "a.web*hook");
        assert_ne!(first, second);
        assert!(
            first.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'),
            "{first}"
        );
    }

    #[test]
    fn records_say_which_state_they_are_in() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let sending = serde_json::to_value(Record::Sending { claimed_at: now }).unwrap();
        let delivered = serde_json::to_value(Record::Delivered {
            delivered_at: now,
            attempts: 2,
        })
        .unwrap();

        assert_eq!(sending["state"], "sending");
        assert_eq!(delivered["state"], "delivered");
        assert_eq!(delivered["attempts"], 2);
    }
}
