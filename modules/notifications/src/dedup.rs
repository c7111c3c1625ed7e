//! The delivery log: which (job, channel) pairs were delivered, in a JetStream KV bucket on
//! file storage, so that idempotency survives restarts and holds across instances.

use async_nats::jetstream::{self, kv};
use bytes::Bytes;
use serde::{Deserialize, Serialize};
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

/// What is stored for a delivered pair (for people inspecting the bucket).
#[derive(Debug, Serialize, Deserialize)]
struct Delivered {
    #[serde(with = "time::serde::rfc3339")]
    delivered_at: OffsetDateTime,
    attempts: u32,
}

/// Handle on the `soulspot_notifications` bucket.
#[derive(Debug, Clone)]
pub struct DeliveryLog {
    store: kv::Store,
}

impl DeliveryLog {
    /// Creates the bucket (file storage, entries expire after `max_age_days`) or adopts it.
    pub async fn open(
        client: async_nats::Client,
        settings: &DedupSettings,
    ) -> Result<Self, DedupError> {
        let config = kv::Config {
            bucket: settings.bucket.clone(),
            description: "notifications delivered, by job and channel".to_owned(),
            history: 1,
            max_age: settings.max_age(),
            storage: jetstream::stream::StorageType::File,
            ..kv::Config::default()
        };
        let store = jetstream::new(client)
            .create_or_update_key_value(config)
            .await
            .map_err(|error| DedupError::Open {
                bucket: settings.bucket.clone(),
                reason: error.to_string(),
            })?;
        Ok(Self { store })
    }

    pub async fn was_delivered(&self, job_id: &str, channel: &str) -> Result<bool, DedupError> {
        let entry = self
            .store
            .get(key(job_id, channel))
            .await
            .map_err(|error| DedupError::Read(error.to_string()))?;
        Ok(entry.is_some())
    }

    pub async fn record(
        &self,
        job_id: &str,
        channel: &str,
        attempts: u32,
    ) -> Result<(), DedupError> {
        let value = serde_json::to_vec(&Delivered {
            delivered_at: OffsetDateTime::now_utc(),
            attempts,
        })
        .map_err(|error| DedupError::Write(error.to_string()))?;
        self.store
            .put(key(job_id, channel), Bytes::from(value))
            .await
            .map_err(|error| DedupError::Write(error.to_string()))?;
        Ok(())
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
}
