//! The job index: the `SOULSPOT_JOB_INDEX` stream holds one message per job under
//! `soulspot.jobs.index.all.<id>` (written when the job is created) and one under
//! `soulspot.jobs.index.<state>.<id>` for the state it is in, so that a page of jobs (of one
//! state or of all) reads that page's entries and jobs, not the whole store.
//!
//! An entry for the new state is written before the job is saved in it, and the old state's
//! entry is removed after: a crash in between leaves a job listed under two states, never
//! under none. Readers load each listed job and keep it only when it is in the state listed.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::consumer::DeliverPolicy;
use async_nats::jetstream::consumer::pull::{Ordered, OrderedConfig};
use async_nats::jetstream::context::Context;
use async_nats::jetstream::stream::{
    Config as StreamConfig, DirectGetErrorKind, DiscardPolicy, RetentionPolicy, StorageType, Stream,
};
use futures::StreamExt;
use soulspot_bus::Durability;
use soulspot_bus::jetstream_write::publish_acked;
use soulspot_common::RetryPolicy;

use super::{StoreError, store_error};

const INDEX_STREAM: &str = "SOULSPOT_JOB_INDEX";
const INDEX_PREFIX: &str = "soulspot.jobs.index";
/// The set every job is listed in, from its creation on.
pub(super) const ALL: &str = "all";
/// How long the index may pause mid-read before a page gives up.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

fn subject(set: &str, job_id: &str) -> String {
    format!("{INDEX_PREFIX}.{set}.{job_id}")
}

#[derive(Clone)]
pub(super) struct JobIndex {
    jetstream: Context,
    stream: Stream,
    write_retry: RetryPolicy,
}

impl JobIndex {
    /// Opens the index, creating it when missing; `true` when it was created (and so holds
    /// none of the jobs already stored).
    pub(super) async fn open(
        jetstream: Context,
        durability: &Durability,
        retention: Duration,
    ) -> Result<(Self, bool), StoreError> {
        let existing = jetstream.get_stream(INDEX_STREAM).await.ok();
        let created = existing.is_none();
        let stream = match existing {
            Some(stream) => stream,
            None => jetstream
                .get_or_create_stream(StreamConfig {
                    name: INDEX_STREAM.to_owned(),
                    subjects: vec![format!("{INDEX_PREFIX}.>")],
                    retention: RetentionPolicy::Limits,
                    storage: StorageType::File,
                    discard: DiscardPolicy::Old,
                    max_messages_per_subject: 1,
                    max_age: retention,
                    allow_direct: true,
                    num_replicas: durability.replicas,
                    ..Default::default()
                })
                .await
                .map_err(store_error)?,
        };
        let index = Self {
            jetstream,
            stream,
            write_retry: durability.write_retry,
        };
        Ok((index, created))
    }

    /// Lists the job in `set` (moving it to the end of the set when already there).
    pub(super) async fn add(&self, set: &str, job_id: &str) -> Result<(), StoreError> {
        // One id for every try of this call: a retried entry is stored once.
        let message_id = uuid::Uuid::now_v7().to_string();
        publish_acked(
            &self.jetstream,
            &subject(set, job_id),
            &message_id,
            HeaderMap::new(),
            bytes::Bytes::new(),
            &self.write_retry,
        )
        .await
        .map_err(store_error)?;
        Ok(())
    }

    /// Takes the job out of `set`.
    pub(super) async fn remove(&self, set: &str, job_id: &str) -> Result<(), StoreError> {
        self.stream
            .purge()
            .filter(subject(set, job_id))
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Where the job's entry in `set` stands, if it has one.
    pub(super) async fn position(
        &self,
        set: &str,
        job_id: &str,
    ) -> Result<Option<u64>, StoreError> {
        match self
            .stream
            .direct_get_last_for_subject(subject(set, job_id))
            .await
        {
            Ok(message) => Ok(Some(message.sequence)),
            Err(error) if error.kind() == DirectGetErrorKind::NotFound => Ok(None),
            Err(error) => Err(store_error(error)),
        }
    }

    /// The entries of `set` after position `after`, in the order they were listed.
    pub(super) async fn entries(&self, set: &str, after: u64) -> Result<Entries, StoreError> {
        let config = OrderedConfig {
            filter_subject: format!("{INDEX_PREFIX}.{set}.>"),
            deliver_policy: DeliverPolicy::ByStartSequence {
                start_sequence: after + 1,
            },
            ..Default::default()
        };
        let consumer = self
            .stream
            .create_consumer(config)
            .await
            .map_err(store_error)?;
        let remaining = consumer.cached_info().num_pending;
        let messages = if remaining > 0 {
            Some(consumer.messages().await.map_err(store_error)?)
        } else {
            None
        };
        Ok(Entries {
            prefix: format!("{INDEX_PREFIX}.{set}."),
            messages,
            remaining,
        })
    }
}

/// Reads the entries of one set, a batch at a time.
pub(super) struct Entries {
    prefix: String,
    messages: Option<Ordered>,
    remaining: u64,
}

impl Entries {
    /// Up to `count` more job ids; empty when the set is read to its end.
    pub(super) async fn next_batch(&mut self, count: usize) -> Result<Vec<String>, StoreError> {
        let mut batch = Vec::new();
        while batch.len() < count && self.remaining > 0 {
            let Some(messages) = &mut self.messages else {
                break;
            };
            let next = tokio::time::timeout(READ_TIMEOUT, messages.next())
                .await
                .map_err(|_| StoreError::Unavailable("job index read timed out".to_owned()))?;
            let Some(next) = next else { break };
            let message = next.map_err(store_error)?;
            self.remaining = message.info().map(|info| info.pending).unwrap_or(0);
            if let Some(job_id) = message.subject.strip_prefix(self.prefix.as_str()) {
                batch.push(job_id.to_owned());
            }
        }
        Ok(batch)
    }
}
