//! KV writes retried through a leader election.
//!
//! A `create` or an `update` at an expected revision is tried again when it met no leader or
//! no ack in time. When a try was stored but its ack lost, the next try finds the key moved on
//! (`AlreadyExists`, `WrongLastRevision`): the key is then read, and the write counts as done
//! when the stored value is the one this call wrote. Any other value is another writer's, and
//! the conflict is returned as it came.

use std::error::Error as StdError;
use std::future::Future;

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
    confirmed_write(
        store,
        key,
        value,
        policy,
        |value| store.create(key, value),
        |error: &CreateError| error.kind() == CreateErrorKind::AlreadyExists,
    )
    .await
}

/// [`Store::update`] over `revision`, retried under `policy`; the revision written.
pub async fn update(
    store: &Store,
    key: &str,
    value: Bytes,
    revision: u64,
    policy: &RetryPolicy,
) -> Result<u64, UpdateError> {
    confirmed_write(
        store,
        key,
        value,
        policy,
        |value| store.update(key, value, revision),
        |error: &UpdateError| error.kind() == UpdateErrorKind::WrongLastRevision,
    )
    .await
}

/// Runs `write` of `value` under `policy`. When a retried try fails as `moved_on` (the key
/// changed since the write expected it), the write counts as done if the stored value is
/// `value`; otherwise the conflict is returned as it came.
async fn confirmed_write<E, W, Fut>(
    store: &Store,
    key: &str,
    value: Bytes,
    policy: &RetryPolicy,
    write: W,
    moved_on: impl Fn(&E) -> bool,
) -> Result<u64, E>
where
    E: StdError + 'static,
    W: Fn(Bytes) -> Fut,
    Fut: Future<Output = Result<u64, E>>,
{
    let outcome = policy
        .run(
            |attempt| {
                log_retry(store, key, attempt);
                let written = write(value.clone());
                async move { written.await.map_err(|error| (attempt, error)) }
            },
            |(_, error)| verdict(error),
        )
        .await;
    match outcome {
        Ok(revision) => Ok(revision),
        Err((attempt, error)) if attempt > 1 && moved_on(&error) => {
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
