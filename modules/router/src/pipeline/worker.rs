//! Pulls jobs from the work queue and runs each through its stages (`stages/`), keeping its
//! queue message alive meanwhile and acknowledging it by how the run ended.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::{AckKind, Message};
use futures::{FutureExt, StreamExt};
use soulspot_bus::{EventBus, MessageContext};
use soulspot_telemetry::TraceContext;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::job::{JobFailure, JobState};
use super::playlists::PlaylistFiles;
use super::settings::PipelineSettings;
use super::spec::PipelineSpec;
use super::stages::Run;
use super::store::{JobStore, StoreError};
use crate::route::Router;

pub(super) struct Worker {
    store: JobStore,
    router: Arc<Router>,
    events: EventBus,
    spec: Arc<PipelineSpec>,
    settings: PipelineSettings,
    slots: Arc<Semaphore>,
    playlist_files: PlaylistFiles,
}

impl Worker {
    pub(super) fn new(
        store: JobStore,
        router: Arc<Router>,
        events: EventBus,
        spec: Arc<PipelineSpec>,
        settings: PipelineSettings,
        playlist_files: PlaylistFiles,
    ) -> Self {
        let slots = Arc::new(Semaphore::new(settings.max_concurrent_jobs.max(1)));
        Self {
            store,
            router,
            events,
            spec,
            settings,
            slots,
            playlist_files,
        }
    }

    /// Pulls jobs for ever, across NATS outages.
    pub(super) async fn run(self, consumer: PullConsumer) {
        let worker = Arc::new(self);
        loop {
            match consumer.messages().await {
                Ok(mut messages) => {
                    while let Some(next) = messages.next().await {
                        match next {
                            Ok(message) => {
                                let Ok(slot) = worker.slots.clone().acquire_owned().await else {
                                    return;
                                };
                                let worker = worker.clone();
                                tokio::spawn(async move {
                                    worker.process(message).await;
                                    drop(slot);
                                });
                            }
                            Err(error) => tracing::debug!(%error, "job pull interrupted"),
                        }
                    }
                }
                Err(error) => tracing::warn!(%error, "job pull failed"),
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// The stages of one run, against the real router, store and event bus, in `trace` (when
    /// `None`: the current span's when spans are recorded, else a new one).
    fn stages(
        &self,
        job_id: &str,
        trace: Option<TraceContext>,
    ) -> Run<'_, Router, JobStore, EventBus> {
        let mut context = MessageContext::new_root(Some(job_id.to_owned()));
        if trace.is_some() {
            context.trace = trace;
        }
        Run {
            router: &self.router,
            journal: &self.store,
            events: &self.events,
            spec: &self.spec,
            settings: &self.settings,
            context,
        }
    }

    /// Runs one job, telling JetStream it is alive until it ends. Acks when the run ended;
    /// asks for a later redelivery when the store failed; leaves the message alone when
    /// another run took the job over (it holds the message now).
    async fn process(&self, message: Message) {
        let job_id = String::from_utf8_lossy(&message.payload).into_owned();
        // The queue message carries the trace of the request that queued the job, and so does
        // every redelivery of it: each run, on whichever router, continues that trace.
        let queued = MessageContext::from_headers(message.headers.as_ref());
        let span = tracing::info_span!(
            "job",
            otel.name = "job",
            soulspot.service = "router",
            job_id = %job_id,
            delivery = message.info().map_or(1, |info| info.delivered),
        );
        queued.continue_in(&span);
        // The run's span when spans are recorded; else, for the logs, the queued trace.
        let trace = span
            .in_scope(soulspot_telemetry::current_trace)
            .or(queued.trace);
        let stages = self.stages(&job_id, trace);
        let run = AssertUnwindSafe(stages.take_up(&job_id))
            .catch_unwind()
            .instrument(span.clone());
        tokio::pin!(run);
        let mut heartbeat = tokio::time::interval(self.settings.ack_wait() / 3);
        heartbeat.tick().await;
        let outcome = loop {
            tokio::select! {
                outcome = &mut run => break outcome,
                _ = heartbeat.tick() => {
                    if let Err(error) = message.ack_with(AckKind::Progress).await {
                        tracing::warn!(parent: &span, %error, "job heartbeat failed");
                    }
                }
            }
        };
        let _entered = span.enter();
        let ack = match outcome {
            Ok(Ok(())) => {
                self.refresh_playlist_file(&job_id).await;
                AckKind::Ack
            }
            Ok(Err(StoreError::Conflict { .. })) => {
                tracing::info!("job taken over by a later run, this one stops");
                return;
            }
            Ok(Err(StoreError::Missing { .. })) if is_recent(&message) => {
                tracing::info!("queued job not readable yet, asked again later");
                AckKind::Nak(Some(self.settings.resume_delay()))
            }
            Ok(Err(StoreError::Missing { .. })) => {
                tracing::warn!("queued job has no stored state, dropped");
                AckKind::Ack
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "job interrupted, will resume");
                AckKind::Nak(Some(self.settings.resume_delay()))
            }
            Err(_) => {
                tracing::error!("job panicked");
                self.abandon(&job_id).await
            }
        };
        if let Err(error) = message.ack_with(ack).await {
            tracing::warn!(%error, "job acknowledgement failed");
        }
    }

    /// A completed job of a synced playlist has the playlist's file rewritten to list it.
    async fn refresh_playlist_file(&self, job_id: &str) {
        match self.store.load(job_id).await {
            Ok(Some(job)) if job.state == JobState::Completed => {
                if let Some(playlist_id) = &job.request.source_ref {
                    self.playlist_files.refresh(playlist_id);
                }
            }
            Ok(_) => {}
            Err(error) => tracing::debug!(%error, "job not readable, no playlist file updated"),
        }
    }

    /// A job whose run panicked is failed for good: running it again would panic again.
    async fn abandon(&self, job_id: &str) -> AckKind {
        let failure = JobFailure {
            step: "internal".to_owned(),
            reason: "the router failed while running this job; see its log".to_owned(),
        };
        let failed = match self.store.load(job_id).await {
            Ok(Some(mut job)) => self
                .stages(job_id, None)
                .fail(&mut job, failure)
                .await
                .is_ok(),
            Ok(None) => true,
            Err(_) => false,
        };
        if failed {
            AckKind::Ack
        } else {
            AckKind::Nak(Some(self.settings.resume_delay()))
        }
    }
}

/// How long after it was queued a job the store does not show is asked for again: a
/// replica catches up with the write that queued it well within this.
const MISSING_GRACE: Duration = Duration::from_secs(60);

/// Whether `message` was queued less than [`MISSING_GRACE`] ago.
fn is_recent(message: &Message) -> bool {
    message.info().is_ok_and(|info| {
        let age = time::OffsetDateTime::now_utc() - info.published;
        age < MISSING_GRACE
    })
}
