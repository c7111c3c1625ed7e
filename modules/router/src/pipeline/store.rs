//! Durable job state: the `soulspot_jobs` KV bucket holds every job, written at each
//! transition; the `SOULSPOT_JOBS` work-queue stream holds the jobs waiting to run; the
//! `soulspot_downloads` KV bucket holds the outcome of each job's current download; the
//! `SOULSPOT_JOB_INDEX` stream lists the jobs of each state (`index.rs`).
//!
//! A job is saved only over the revision it was loaded at (compare-and-set): when two runs
//! hold one job (a redelivery while the first run was cut off from NATS), the first save of
//! the one that fell behind fails with [`StoreError::Conflict`] and that run stops.

use std::time::Duration;

use async_nats::jetstream::consumer::pull::Config as PullConfig;
use async_nats::jetstream::consumer::{AckPolicy, PullConsumer};
use async_nats::jetstream::kv::{
    Config as KvConfig, CreateErrorKind, Operation, Store, UpdateErrorKind,
};
use async_nats::jetstream::stream::{Config as StreamConfig, RetentionPolicy, StorageType};
use async_nats::jetstream::{self, Context};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use soulspot_bus::jetstream_write::{kv, publish_acked};
use soulspot_bus::{Durability, MessageContext};
use soulspot_common::RetryPolicy;
use soulspot_contracts::FileRef;

use super::job::Job;

mod index;
mod listing;
mod playlists;
mod watches;

pub use playlists::Claim;
pub use watches::Watch;

use index::{ALL, JobIndex};

const JOBS_BUCKET: &str = "soulspot_jobs";
const DOWNLOADS_BUCKET: &str = "soulspot_downloads";
const PLAYLISTS_BUCKET: &str = "soulspot_playlists";
const QUEUE_STREAM: &str = "SOULSPOT_JOBS";
const QUEUE_SUBJECT: &str = "soulspot.jobs.run";
const QUEUE_CONSUMER: &str = "router-jobs";
/// Every saved job is also published here (plain NATS, not stored) for live views.
pub const JOB_UPDATES_WILDCARD: &str = "soulspot.jobs.updates.>";

/// Where the updates of one job are published.
pub fn job_updates_subject(job_id: &str) -> String {
    format!("soulspot.jobs.updates.{job_id}")
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another run saved the job since this one loaded it: the job is that run's now.
    #[error("job {job_id} was saved by another run")]
    Conflict { job_id: String },
    #[error("job store: {0}")]
    Unavailable(String),
    /// The queue names a job the store does not show: on a cluster, a replica may answer
    /// before it holds the write that queued the job.
    #[error("job {job_id} is not in the store")]
    Missing { job_id: String },
}

impl StoreError {
    pub fn from_display(error: impl std::fmt::Display) -> Self {
        Self::Unavailable(error.to_string())
    }
}

fn store_error(error: impl std::fmt::Display) -> StoreError {
    StoreError::from_display(error)
}

/// The outcome of one download, as reported by a download module's event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DownloadOutcome {
    Completed {
        download_id: String,
        file: FileRef,
    },
    Failed {
        download_id: String,
        error: String,
        can_retry: bool,
    },
}

impl DownloadOutcome {
    pub fn download_id(&self) -> &str {
        match self {
            DownloadOutcome::Completed { download_id, .. }
            | DownloadOutcome::Failed { download_id, .. } => download_id,
        }
    }
}

/// Jobs, their queue and their download outcomes on JetStream.
#[derive(Clone)]
pub struct JobStore {
    jetstream: Context,
    write_retry: RetryPolicy,
    jobs: Store,
    downloads: Store,
    playlists: Store,
    index: JobIndex,
}

impl std::fmt::Debug for JobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JobStore")
    }
}

impl JobStore {
    /// Opens (creating when needed) the buckets and the work queue, all on file storage with
    /// `durability.replicas` copies. Jobs, outcomes and playlist records are kept for
    /// `retention` after their last write; writes are retried as `durability` says.
    pub async fn open(
        client: async_nats::Client,
        durability: Durability,
        retention: Duration,
    ) -> Result<Self, StoreError> {
        let jetstream = jetstream::new(client);
        let bucket = |name: &str| KvConfig {
            bucket: name.to_owned(),
            history: 1,
            storage: StorageType::File,
            max_age: retention,
            num_replicas: durability.replicas,
            ..Default::default()
        };
        let jobs = jetstream
            .create_or_update_key_value(bucket(JOBS_BUCKET))
            .await
            .map_err(store_error)?;
        let downloads = jetstream
            .create_or_update_key_value(bucket(DOWNLOADS_BUCKET))
            .await
            .map_err(store_error)?;
        let playlists = jetstream
            .create_or_update_key_value(bucket(PLAYLISTS_BUCKET))
            .await
            .map_err(store_error)?;
        jetstream
            .get_or_create_stream(StreamConfig {
                name: QUEUE_STREAM.to_owned(),
                subjects: vec![QUEUE_SUBJECT.to_owned()],
                retention: RetentionPolicy::WorkQueue,
                storage: StorageType::File,
                num_replicas: durability.replicas,
                ..Default::default()
            })
            .await
            .map_err(store_error)?;
        let (index, index_is_new) =
            JobIndex::open(jetstream.clone(), &durability, retention).await?;
        let store = Self {
            jetstream,
            write_retry: durability.write_retry,
            jobs,
            downloads,
            playlists,
            index,
        };
        if index_is_new {
            store.index_stored_jobs().await?;
        }
        Ok(store)
    }

    /// Writes `job` over the revision it was loaded at (creates it when new), and broadcasts it.
    /// The index lists the job under its new state before the write and forgets the old state
    /// after it.
    pub async fn save(&self, job: &mut Job) -> Result<(), StoreError> {
        if job.revision == 0 {
            self.index.add(ALL, &job.id).await?;
        }
        let left = job.stored_state.filter(|stored| *stored != job.state);
        if job.revision == 0 || left.is_some() {
            self.index.add(job.state.as_str(), &job.id).await?;
        }
        job.updated_at = time::OffsetDateTime::now_utc();
        let body = serde_json::to_vec(job).map_err(store_error)?;
        let conflict = || StoreError::Conflict {
            job_id: job.id.clone(),
        };
        let written = if job.revision == 0 {
            kv::create(&self.jobs, &job.id, body.clone().into(), &self.write_retry)
                .await
                .map_err(|error| match error.kind() {
                    CreateErrorKind::AlreadyExists => conflict(),
                    _ => store_error(error),
                })
        } else {
            kv::update(
                &self.jobs,
                &job.id,
                body.clone().into(),
                job.revision,
                &self.write_retry,
            )
            .await
            .map_err(|error| match error.kind() {
                UpdateErrorKind::WrongLastRevision => conflict(),
                _ => store_error(error),
            })
        };
        job.revision = written?;
        job.stored_state = Some(job.state);
        if let Some(left) = left
            && let Err(error) = self.index.remove(left.as_str(), &job.id).await
        {
            // Readers check each listed job's state: the stale entry only costs a lookup.
            tracing::debug!(job_id = %job.id, %error, "job left listed under its old state");
        }
        let subject = job_updates_subject(&job.id);
        if let Err(error) = self.jetstream.client().publish(subject, body.into()).await {
            tracing::debug!(job_id = %job.id, %error, "job update not broadcast");
        }
        Ok(())
    }

    /// The job, with the revision a later save expects.
    pub async fn load(&self, id: &str) -> Result<Option<Job>, StoreError> {
        let entry = self.jobs.entry(id).await.map_err(store_error)?;
        let Some(entry) = entry.filter(|entry| entry.operation == Operation::Put) else {
            return Ok(None);
        };
        let mut job: Job = serde_json::from_slice(&entry.value).map_err(store_error)?;
        job.revision = entry.revision;
        job.stored_state = Some(job.state);
        Ok(Some(job))
    }

    /// Every stored job id, oldest first (ids are UUIDv7, ordered by creation).
    pub async fn job_ids(&self) -> Result<Vec<String>, StoreError> {
        let mut keys: Vec<String> = match self.jobs.keys().await {
            Ok(keys) => keys.try_collect().await.map_err(store_error)?,
            Err(error) => return Err(store_error(error)),
        };
        keys.sort();
        Ok(keys)
    }

    /// Puts a job on the work queue; a second enqueue of the same run of a job (its id and
    /// its number of retries) is dropped. The message carries the current trace context,
    /// which the job's runs continue.
    pub async fn enqueue(&self, job: &Job) -> Result<(), StoreError> {
        let message_id = match job.retries {
            0 => job.id.clone(),
            retries => format!("{}.retry.{retries}", job.id),
        };
        publish_acked(
            &self.jetstream,
            QUEUE_SUBJECT,
            &message_id,
            MessageContext::default().headers(),
            job.id.clone().into(),
            &self.write_retry,
        )
        .await
        .map_err(store_error)?;
        Ok(())
    }

    /// The durable pull consumer every router instance shares.
    pub async fn queue_consumer(
        &self,
        max_in_flight: usize,
        ack_wait: Duration,
    ) -> Result<PullConsumer, StoreError> {
        let stream = self
            .jetstream
            .get_stream(QUEUE_STREAM)
            .await
            .map_err(store_error)?;
        stream
            .get_or_create_consumer(
                QUEUE_CONSUMER,
                PullConfig {
                    durable_name: Some(QUEUE_CONSUMER.to_owned()),
                    ack_policy: AckPolicy::Explicit,
                    ack_wait,
                    max_ack_pending: max_in_flight as i64,
                    ..Default::default()
                },
            )
            .await
            .map_err(store_error)
    }

    pub async fn record_download(
        &self,
        job_id: &str,
        outcome: &DownloadOutcome,
    ) -> Result<(), StoreError> {
        let body = serde_json::to_vec(outcome).map_err(store_error)?;
        kv::put(&self.downloads, job_id, body.into(), &self.write_retry)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// Waits for the outcome of download `download_id` of job `job_id`, however it arrives:
    /// already stored, or written later by whichever router instance received the event.
    /// A watch cut short (NATS restarting) is opened again until `limit` runs out.
    pub async fn wait_for_download(
        &self,
        job_id: &str,
        download_id: &str,
        limit: Duration,
    ) -> Result<Option<DownloadOutcome>, StoreError> {
        let deadline = tokio::time::Instant::now() + limit;
        let waiting = async {
            loop {
                if let Some(outcome) = self.watch_download(job_id, download_id).await {
                    return outcome;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        };
        Ok(tokio::time::timeout_at(deadline, waiting).await.ok())
    }

    /// One watch of the job's download key; `None` when the watch ended without the outcome.
    async fn watch_download(&self, job_id: &str, download_id: &str) -> Option<DownloadOutcome> {
        let mut updates = match self.downloads.watch_with_history(job_id).await {
            Ok(updates) => updates,
            Err(error) => {
                tracing::debug!(%job_id, %error, "download watch not opened");
                return None;
            }
        };
        while let Some(Ok(entry)) = updates.next().await {
            let Ok(outcome) = serde_json::from_slice::<DownloadOutcome>(&entry.value) else {
                continue;
            };
            if outcome.download_id() == download_id {
                return Some(outcome);
            }
        }
        None
    }
}

impl super::stages::Journal for JobStore {
    async fn load(&self, job_id: &str) -> Result<Option<Job>, StoreError> {
        JobStore::load(self, job_id).await
    }

    async fn save(&self, job: &mut Job) -> Result<(), StoreError> {
        JobStore::save(self, job).await
    }

    async fn wait_for_download(
        &self,
        job_id: &str,
        download_id: &str,
        limit: Duration,
    ) -> Result<Option<DownloadOutcome>, StoreError> {
        JobStore::wait_for_download(self, job_id, download_id, limit).await
    }
}
