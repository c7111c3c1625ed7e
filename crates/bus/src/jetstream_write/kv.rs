//! KV writes retried through a leader election.
//!
//! A `create` or an `update` at an expected revision is tried again when it met no leader or
//! no ack in time. When a try was stored but its ack lost, the next try finds the key moved on
//! (`AlreadyExists`, `WrongLastRevision`): the key is then read, and the write counts as done
//! when the stored value is the one this call wrote. Any other value is another writer's, and
//! the conflict is returned as it came.

use async_nats::jetstream::kv::{
    CreateError, CreateErrorKind, Operation, PutError, Store, UpdateError, UpdateErrorKind,
};
use bytes::Bytes;
use soulspot_common::RetryPolicy;

use super::verdict;

/// [`Store::create`], retried under `policy`; the revision written.
pub async fn create(
    store: &Store,
    key: &str,
    value: Bytes,
    policy: &RetryPolicy,
) -> Result<u64, CreateError> {
    let outcome = policy
        .run(
            |attempt| {
                let value = value.clone();
                async move {
                    log_retry(store, key, attempt);
                    store
                        .create(key, value)
                        .await
                        .map_err(|error| (attempt, error))
                }
            },
            |(_, error)| verdict(error),
        )
        .await;
    match outcome {
        Ok(revision) => Ok(revision),
        Err((attempt, error)) if attempt > 1 && error.kind() == CreateErrorKind::AlreadyExists => {
            own_write(store, key, &value, policy).await.ok_or(error)
        }
        Err((_, error)) => Err(error),
    }
}

/// [`Store::update`] over `revision`, retried under `policy`; the revision written.
pub async fn update(
    store: &Store,
    key: &str,
    value: Bytes,
    revision: u64,
    policy: &RetryPolicy,
) -> Result<u64, UpdateError> {
    let outcome = policy
        .run(
            |attempt| {
                let value = value.clone();
                async move {
                    log_retry(store, key, attempt);
                    store
                        .update(key, value, revision)
                        .await
                        .map_err(|error| (attempt, error))
                }
            },
            |(_, error)| verdict(error),
        )
        .await;
    match outcome {
        Ok(revision) => Ok(revision),
        Err((attempt, error))
            if attempt > 1 && error.kind() == UpdateErrorKind::WrongLastRevision =>
        {
            own_write(store, key, &value, policy).await.ok_or(error)
        }
        Err((_, error)) => Err(error),
    }
}

/// [`Store::put`] retried under `policy`: a put expects no revision, so a second copy of the
/// same value is harmless.
pub async fn put(
    store: &Store,
    key: &str,
    value: Bytes,
    policy: &RetryPolicy,
) -> Result<u64, PutError> {
    policy
        .run(
            |attempt| {
                log_retry(store, key, attempt);
                store.put(key, value.clone())
            },
            |error| verdict(error),
        )
        .await
}

/// The revision of `key` when its current value is `value` (the write this call made), read
/// under `policy`; `None` when it holds something else or cannot be read.
async fn own_write(store: &Store, key: &str, value: &Bytes, policy: &RetryPolicy) -> Option<u64> {
    let entry = policy
        .run(|_| store.entry(key), |error| verdict(error))
        .await
        .ok()
        .flatten()?;
    let ours = entry.operation == Operation::Put && entry.value == *value;
    if ours {
        tracing::info!(bucket = %store.name, key, revision = entry.revision, "kv write found stored after a lost ack");
    }
    ours.then_some(entry.revision)
}

fn log_retry(store: &Store, key: &str, attempt: u32) {
    if attempt > 1 {
        tracing::warn!(bucket = %store.name, key, attempt, "kv write retried");
    }
}
