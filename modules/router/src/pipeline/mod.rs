//! The orchestrated pipeline: a job is resolved into a track, downloaded, then taken through
//! the post-download steps of `deploy/pipeline.yaml`, surviving router and NATS restarts.
//!
//! Jobs ride the `SOULSPOT_JOBS` work queue (shared by every router instance through one
//! durable consumer); their state is written to KV at every transition, each save over the
//! revision the run read (so two runs holding one job cannot both advance it); every step is
//! idempotent by job id, so a job redelivered after a crash resumes where it stopped.

mod context;
mod job;
mod outcomes;
mod playlists;
mod resolve;
mod routing;
mod settings;
mod spec;
mod stages;
mod store;
mod watches;
mod worker;

use std::sync::Arc;

use soulspot_bus::EventBus;
use tokio::task::JoinHandle;

pub use context::{DownloadState, JobContext};
pub use job::{Job, JobFailure, JobRequest, JobState, Step, StepOutcome, StepStatus};
pub use playlists::{
    PlaylistFiles, PlaylistProgress, PlaylistRecord, SyncError, SyncReport, TrackProgress,
};
pub use settings::PipelineSettings;
pub use spec::{PipelineSpec, ResultSpec, SpecError};
pub use store::{Claim, JOB_UPDATES_WILDCARD, JobStore, StoreError, Watch, job_updates_subject};
pub use watches::{MAX_INTERVAL_SECONDS, WatchError, Watched};

use crate::route::Router;

/// Submits jobs and answers questions about them; runs the workers while alive.
#[derive(Debug)]
pub struct Pipeline {
    store: JobStore,
    router: Arc<Router>,
    /// `[pipeline] contains_batch_bytes`.
    contains_batch_bytes: usize,
    /// `[pipeline] playlist_timeout_ms`.
    playlist_timeout: std::time::Duration,
    /// Rewrites synced playlists' M3U8 files.
    playlist_files: PlaylistFiles,
    /// `[pipeline] watch_min_interval_ms`, in whole seconds.
    watch_min_interval_seconds: u64,
    _worker: JoinHandle<()>,
    _outcomes: soulspot_bus::Subscription,
    _failures: soulspot_bus::Subscription,
}

/// Why a job was not run again.
#[derive(Debug, thiserror::Error)]
pub enum RetryError {
    #[error("only a failed job can be retried; this one is {}", .0.as_str())]
    NotFailed(JobState),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("download events: {0}")]
    Events(#[from] soulspot_bus::EventStoreError),
}

impl Pipeline {
    /// Opens the job store, follows download events, and starts the job workers and the
    /// scheduler of watched playlists (which ends when the pipeline is dropped).
    pub async fn start(
        router: Arc<Router>,
        events: EventBus,
        settings: PipelineSettings,
    ) -> Result<Arc<Self>, PipelineError> {
        let spec = Arc::new(PipelineSpec::load(&settings.spec_path)?);
        let store = JobStore::open(
            events.client().clone(),
            events.durability(),
            settings.retention(),
        )
        .await?;
        let (outcomes, failures) = outcomes::follow_downloads(&events, store.clone()).await?;
        let consumer = store
            .queue_consumer(settings.max_concurrent_jobs, settings.ack_wait())
            .await?;
        let contains_batch_bytes = settings.contains_batch_bytes;
        let playlist_timeout = settings.playlist_timeout();
        let playlist_files = PlaylistFiles::new(router.clone(), store.clone());
        let watch_min_interval_seconds = settings.watch_min_interval_seconds();
        let watch_check = settings.watch_check();
        let worker = worker::Worker::new(
            store.clone(),
            router.clone(),
            events,
            spec,
            settings,
            playlist_files.clone(),
        );
        let worker = tokio::spawn(worker.run(consumer));
        let pipeline = Arc::new(Self {
            store,
            router,
            contains_batch_bytes,
            playlist_timeout,
            playlist_files,
            watch_min_interval_seconds,
            _worker: worker,
            _outcomes: outcomes,
            _failures: failures,
        });
        tokio::spawn(watches::run_scheduler(
            Arc::downgrade(&pipeline),
            watch_check,
        ));
        Ok(pipeline)
    }

    /// Stores a new job and puts it on the work queue.
    pub async fn submit(&self, request: JobRequest) -> Result<Job, StoreError> {
        self.submit_as(uuid::Uuid::now_v7().to_string(), request)
            .await
    }

    /// Stores a new job under `job_id` (a UUIDv7) and puts it on the work queue.
    async fn submit_as(&self, job_id: String, request: JobRequest) -> Result<Job, StoreError> {
        let mut job = Job::new(job_id, request);
        self.store.save(&mut job).await?;
        self.store.enqueue(&job).await?;
        tracing::info!(job_id = %job.id, source = %job.request.source, "job queued");
        metrics::counter!("soulspot_jobs_submitted_total").increment(1);
        Ok(job)
    }

    /// Runs failed job `id` again from the step that failed ([`Job::reopen`]); `None` when
    /// there is no such job. Of two retries of one failure, the second finds the job no
    /// longer failed (its save expects the revision both read).
    pub async fn retry(&self, id: &str) -> Result<Option<Job>, RetryError> {
        let Some(mut job) = self.store.load(id).await? else {
            return Ok(None);
        };
        if !job.reopen() {
            return Err(RetryError::NotFailed(job.state));
        }
        self.store
            .save(&mut job)
            .await
            .map_err(|error| match error {
                StoreError::Conflict { .. } => RetryError::NotFailed(JobState::Queued),
                error => RetryError::Store(error),
            })?;
        self.store.enqueue(&job).await?;
        tracing::info!(job_id = %job.id, retries = job.retries, "failed job queued again");
        metrics::counter!("soulspot_jobs_retried_total").increment(1);
        Ok(Some(job))
    }

    pub async fn job(&self, id: &str) -> Result<Option<Job>, StoreError> {
        self.store.load(id).await
    }

    /// Jobs in `state` (all when `None`) listed after job `after`, at most `limit`
    /// ([`JobStore::page`]).
    pub async fn jobs(
        &self,
        state: Option<JobState>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Job>, StoreError> {
        self.store.page(state, after, limit).await
    }
}
