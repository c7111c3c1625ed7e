//! Runs jobs from the work queue: resolve → download → the pipeline's steps → completed or
//! failed, saving the job at every transition and keeping its queue message alive meanwhile.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use async_nats::jetstream::consumer::PullConsumer;
use async_nats::jetstream::{AckKind, Message};
use futures::{FutureExt, StreamExt};
use serde_json::{Value, json};
use soulspot_bus::{EventBus, EventPublisher, MessageContext};
use soulspot_contracts::operations::{DOWNLOAD_TRACK, SEARCH_TRACK};
use soulspot_contracts::{EventEnvelope, TrackRef};
use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::job::{Job, JobFailure, JobState, StepStatus};
use super::settings::PipelineSettings;
use super::spec::{PipelineSpec, StepSpec, render};
use super::store::{DownloadOutcome, JobStore, StoreError};
use crate::route::{RouteError, Router};

/// How a stage of a job ended when it did not simply succeed.
enum Halt {
    /// The job failed for good at a step.
    Failed(JobFailure),
    /// The store or the event bus is unreachable: the job stays queued and is retried.
    Store(StoreError),
}

impl From<StoreError> for Halt {
    fn from(error: StoreError) -> Self {
        Halt::Store(error)
    }
}

fn failure(step: &str, reason: impl std::fmt::Display) -> Halt {
    Halt::Failed(JobFailure {
        step: step.to_owned(),
        reason: reason.to_string(),
    })
}

pub(super) struct Worker {
    store: JobStore,
    router: Arc<Router>,
    events: EventBus,
    spec: Arc<PipelineSpec>,
    settings: PipelineSettings,
    slots: Arc<Semaphore>,
}

impl Worker {
    pub(super) fn new(
        store: JobStore,
        router: Arc<Router>,
        events: EventBus,
        spec: Arc<PipelineSpec>,
        settings: PipelineSettings,
    ) -> Self {
        let slots = Arc::new(Semaphore::new(settings.max_concurrent_jobs.max(1)));
        Self {
            store,
            router,
            events,
            spec,
            settings,
            slots,
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

    /// Runs one job, telling JetStream it is alive until it ends; acks unless the store failed.
    async fn process(&self, message: Message) {
        let job_id = String::from_utf8_lossy(&message.payload).into_owned();
        let span = tracing::info_span!("job", job_id = %job_id);
        let run = AssertUnwindSafe(self.run_job(&job_id))
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
            Ok(Ok(())) => AckKind::Ack,
            Ok(Err(error)) => {
                tracing::warn!(%error, "job interrupted, will resume");
                AckKind::Nak(Some(self.settings.step_backoff(3)))
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

    /// A job whose run panicked is failed for good: running it again would panic again.
    async fn abandon(&self, job_id: &str) -> AckKind {
        let failure = JobFailure {
            step: "internal".to_owned(),
            reason: "the router failed while running this job; see its log".to_owned(),
        };
        let context = MessageContext::new_root(Some(job_id.to_owned()));
        let failed = match self.store.load(job_id).await {
            Ok(Some(mut job)) => self.fail(&mut job, failure, &context).await.is_ok(),
            Ok(None) => true,
            Err(_) => false,
        };
        if failed {
            AckKind::Ack
        } else {
            AckKind::Nak(Some(self.settings.step_backoff(5)))
        }
    }

    async fn run_job(&self, job_id: &str) -> Result<(), StoreError> {
        let Some(mut job) = self.store.load(job_id).await? else {
            tracing::warn!("queued job has no stored state, dropped");
            return Ok(());
        };
        if job.state.is_terminal() {
            return self.republish_final_event(&job).await;
        }
        let context = MessageContext::new_root(Some(job.id.clone()));
        let result = self.advance(&mut job, &context).await;
        match result {
            Ok(()) => self.complete(&mut job, &context).await,
            Err(Halt::Failed(failure)) => self.fail(&mut job, failure, &context).await,
            Err(Halt::Store(error)) => Err(error),
        }
    }

    async fn advance(&self, job: &mut Job, context: &MessageContext) -> Result<(), Halt> {
        self.resolve(job, context).await?;
        self.download(job, context).await?;
        self.announce_download_to_source(job, context).await?;
        for step in self.spec.steps.iter() {
            self.run_step(job, step, context).await?;
        }
        Ok(())
    }

    /// Turns a free-text query into a track through the `search.track` route.
    async fn resolve(&self, job: &mut Job, context: &MessageContext) -> Result<(), Halt> {
        if job.track.is_some() {
            return Ok(());
        }
        let query = job.request.query.clone().unwrap_or_default();
        job.state = JobState::Resolving;
        start_step(job, "search", SEARCH_TRACK).attempts += 1;
        self.store.save(job).await?;
        let reply = self
            .route_patiently(SEARCH_TRACK, &json!({"query": query, "limit": 5}), context)
            .await
            .map_err(|error| failure("search", error))?;
        let found: Vec<TrackRef> =
            serde_json::from_value(reply["tracks"].clone()).unwrap_or_default();
        let track = super::resolve::best_match(&query, found);
        let Some(track) = track else {
            return Err(failure("search", format!("no track matches \"{query}\"")));
        };
        tracing::info!(title = %track.title, artist = %track.artist, "query resolved");
        finish_step(
            job,
            "search",
            SEARCH_TRACK,
            StepStatus::Succeeded,
            Some(reply),
            None,
        );
        job.track = Some(track);
        self.store.save(job).await?;
        Ok(())
    }

    /// Asks a download module for the track and waits for the outcome event, retrying
    /// retryable failures up to `max_download_attempts`.
    async fn download(&self, job: &mut Job, context: &MessageContext) -> Result<(), Halt> {
        if job
            .step("download")
            .is_some_and(|step| step.status.is_settled())
        {
            return Ok(());
        }
        job.state = JobState::Downloading;
        loop {
            let download_id = match pending_download(job) {
                Some(download_id) => download_id,
                None => self.request_download(job, context).await?,
            };
            let outcome = self
                .store
                .wait_for_download(&job.id, &download_id, self.settings.download_timeout())
                .await?;
            let attempts = job.step("download").map_or(0, |step| step.attempts);
            let (reason, retryable) = match outcome {
                Some(DownloadOutcome::Completed { file, .. }) => {
                    tracing::info!(%download_id, path = %file.path, "download completed");
                    job.context.insert(
                        "download".to_owned(),
                        json!({"download_id": download_id, "file": file}),
                    );
                    finish_step(
                        job,
                        "download",
                        DOWNLOAD_TRACK,
                        StepStatus::Succeeded,
                        Some(json!({"download_id": download_id})),
                        None,
                    );
                    self.store.save(job).await?;
                    return Ok(());
                }
                Some(DownloadOutcome::Failed {
                    error, can_retry, ..
                }) => (error, can_retry),
                None => (
                    format!("no outcome within {:?}", self.settings.download_timeout()),
                    true,
                ),
            };
            job.context.remove("download");
            if !retryable || attempts >= self.settings.max_download_attempts {
                return Err(failure("download", reason));
            }
            tracing::warn!(%download_id, attempts, reason = %reason, "download failed, trying again");
            job.step_mut("download", DOWNLOAD_TRACK).error = Some(reason);
            self.store.save(job).await?;
            tokio::time::sleep(self.settings.step_backoff(attempts)).await;
        }
    }

    async fn request_download(
        &self,
        job: &mut Job,
        context: &MessageContext,
    ) -> Result<String, Halt> {
        let track = job
            .track
            .clone()
            .ok_or_else(|| failure("download", "no track to download"))?;
        let step = start_step(job, "download", DOWNLOAD_TRACK);
        step.attempts += 1;
        let attempt = step.attempts;
        self.store.save(job).await?;
        let reply = self
            .route_patiently(
                DOWNLOAD_TRACK,
                &json!({"track": track, "job_id": job.id}),
                context,
            )
            .await
            .map_err(|error| failure("download", error))?;
        let download_id = reply["download_id"].as_str().unwrap_or_default().to_owned();
        tracing::info!(%download_id, attempt, "download requested");
        job.context
            .insert("download".to_owned(), json!({"download_id": download_id}));
        self.store.save(job).await?;
        Ok(download_id)
    }

    /// `download.completed.for_source`: the module that asked (a playlist sync) learns the
    /// track arrived. Stored before it is sent, so a resumed job re-sends the same event id.
    async fn announce_download_to_source(
        &self,
        job: &mut Job,
        context: &MessageContext,
    ) -> Result<(), Halt> {
        let data = json!({
            "job_id": job.id,
            "source": job.request.source,
            "source_ref": job.request.source_ref,
            "track": job.track,
            "file": job.context.get("download").map(|download| download["file"].clone()),
        });
        let data = strip_nulls(data);
        self.publish_once(
            job,
            "for_source_event",
            "download.completed.for_source",
            data,
            context,
        )
        .await
    }

    async fn run_step(
        &self,
        job: &mut Job,
        spec: &StepSpec,
        context: &MessageContext,
    ) -> Result<(), Halt> {
        if job
            .step(&spec.name)
            .is_some_and(|step| step.status.is_settled())
        {
            return Ok(());
        }
        job.state = JobState::Processing;
        start_step(job, &spec.name, &spec.operation);
        self.store.save(job).await?;
        let params = render(&spec.params, &job.template_context());
        let mut attempt = 0;
        loop {
            attempt += 1;
            job.step_mut(&spec.name, &spec.operation).attempts = attempt;
            tracing::info!(step = %spec.name, operation = %spec.operation, attempt, "step started");
            let outcome = self
                .router
                .route_within(&spec.operation, &params, context, spec.timeout())
                .await;
            match outcome {
                Ok(reply) => {
                    tracing::info!(step = %spec.name, "step succeeded");
                    insert_step_result(job, &spec.name, reply.clone());
                    finish_step(
                        job,
                        &spec.name,
                        &spec.operation,
                        StepStatus::Succeeded,
                        Some(reply),
                        None,
                    );
                    self.store.save(job).await?;
                    return Ok(());
                }
                Err(RouteError::ModuleNotAvailable { .. }) if !spec.required => {
                    tracing::warn!(
                        module = "none",
                        operation = %spec.operation,
                        status = "inactive",
                        impact = %format!("step {} skipped for this job", spec.name),
                        action = %format!("start a module that offers {}", spec.operation),
                        "optional step skipped"
                    );
                    finish_step(
                        job,
                        &spec.name,
                        &spec.operation,
                        StepStatus::Skipped,
                        None,
                        Some("no module offers it".to_owned()),
                    );
                    self.store.save(job).await?;
                    return Ok(());
                }
                Err(error) => {
                    let retryable = !matches!(
                        error,
                        RouteError::Rejected { .. }
                            | RouteError::InvalidRequest(_)
                            | RouteError::UnknownOperation(_)
                    );
                    if retryable && attempt <= spec.retries {
                        let pause = self.settings.step_backoff(attempt);
                        tracing::warn!(step = %spec.name, %error, ?pause, "step failed, retrying");
                        self.store.save(job).await?;
                        tokio::time::sleep(pause).await;
                        continue;
                    }
                    finish_step(
                        job,
                        &spec.name,
                        &spec.operation,
                        StepStatus::Failed,
                        None,
                        Some(error.to_string()),
                    );
                    if spec.required {
                        return Err(failure(&spec.name, error));
                    }
                    tracing::warn!(step = %spec.name, %error, "optional step failed, continuing");
                    self.store.save(job).await?;
                    return Ok(());
                }
            }
        }
    }

    /// Routes, trying again with backoff while the failure may pass (a module restarting).
    async fn route_patiently(
        &self,
        operation: &str,
        params: &Value,
        context: &MessageContext,
    ) -> Result<Value, RouteError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.router.route(operation, params, context).await {
                Err(error) if is_retryable(&error) && attempt <= self.settings.request_retries => {
                    let pause = self.settings.step_backoff(attempt);
                    tracing::warn!(%operation, %error, ?pause, "request failed, retrying");
                    tokio::time::sleep(pause).await;
                }
                outcome => return outcome,
            }
        }
    }

    async fn complete(&self, job: &mut Job, context: &MessageContext) -> Result<(), StoreError> {
        let skipped: Vec<String> = job
            .steps
            .iter()
            .filter(|step| step.status == StepStatus::Skipped)
            .map(|step| step.name.clone())
            .collect();
        let library_path = job
            .context
            .get("steps")
            .and_then(|steps| steps["import"]["path"].as_str())
            .map(str::to_owned);
        let data = strip_nulls(json!({
            "job_id": job.id,
            "track": job.track,
            "library_path": library_path,
            "skipped_steps": skipped,
        }));
        self.finish(
            job,
            JobState::Completed,
            "pipeline.completed",
            data,
            context,
        )
        .await?;
        tracing::info!(
            library_path = library_path.as_deref().unwrap_or(""),
            "pipeline completed"
        );
        Ok(())
    }

    async fn fail(
        &self,
        job: &mut Job,
        failure: JobFailure,
        context: &MessageContext,
    ) -> Result<(), StoreError> {
        tracing::warn!(step = %failure.step, reason = %failure.reason, "pipeline failed");
        let data = strip_nulls(json!({
            "job_id": job.id,
            "track": job.track,
            "failed_step": failure.step,
            "reason": failure.reason,
        }));
        job.failure = Some(failure);
        self.finish(job, JobState::Failed, "pipeline.failed", data, context)
            .await
    }

    /// Puts the job in its final state and sends the final event once.
    async fn finish(
        &self,
        job: &mut Job,
        state: JobState,
        event_type: &str,
        data: Value,
        context: &MessageContext,
    ) -> Result<(), StoreError> {
        job.state = state;
        match self
            .publish_once(job, "final_event", event_type, data, context)
            .await
        {
            Ok(()) => {}
            Err(Halt::Store(error)) => return Err(error),
            Err(Halt::Failed(failure)) => {
                tracing::error!(%event_type, reason = %failure.reason, "final event not published")
            }
        }
        metrics::counter!("soulspot_jobs_finished_total", "state" => state.as_str()).increment(1);
        Ok(())
    }

    /// Stores the event in the job under `key` (reusing one stored earlier), saves the job,
    /// then publishes: a resumed job sends the same event id, which JetStream deduplicates.
    async fn publish_once(
        &self,
        job: &mut Job,
        key: &str,
        event_type: &str,
        data: Value,
        context: &MessageContext,
    ) -> Result<(), Halt> {
        let stored = job
            .context
            .get(key)
            .and_then(|event| serde_json::from_value::<EventEnvelope>(event.clone()).ok())
            .filter(|event| event.event_type == event_type);
        let event = match stored {
            Some(event) => event,
            None => self
                .events
                .event(event_type, data)
                .map_err(|error| failure(event_type, error))?
                .with_correlation_id(job.id.clone()),
        };
        job.context.insert(
            key.to_owned(),
            serde_json::to_value(&event).unwrap_or(Value::Null),
        );
        self.store.save(job).await?;
        self.events
            .publish(event, context)
            .await
            .map_err(|error| match error {
                soulspot_bus::PublishError::Invalid(violation) => failure(event_type, violation),
                other => Halt::Store(StoreError::from_display(other)),
            })
    }

    async fn republish_final_event(&self, job: &Job) -> Result<(), StoreError> {
        let Some(event) = job
            .context
            .get("final_event")
            .and_then(|event| serde_json::from_value::<EventEnvelope>(event.clone()).ok())
        else {
            return Ok(());
        };
        let context = MessageContext::new_root(Some(job.id.clone()));
        self.events
            .publish(event, &context)
            .await
            .map_err(StoreError::from_display)
    }
}

/// Bad input stays bad; anything else may pass.
fn is_retryable(error: &RouteError) -> bool {
    !matches!(
        error,
        RouteError::Rejected { .. }
            | RouteError::InvalidRequest(_)
            | RouteError::UnknownOperation(_)
    )
}

fn pending_download(job: &Job) -> Option<String> {
    let download = job.context.get("download")?;
    if download.get("file").is_some() {
        return None;
    }
    download["download_id"].as_str().map(str::to_owned)
}

fn start_step<'a>(job: &'a mut Job, name: &str, operation: &str) -> &'a mut super::job::Step {
    let step = job.step_mut(name, operation);
    step.status = StepStatus::Running;
    step.started_at.get_or_insert_with(OffsetDateTime::now_utc);
    step
}

fn finish_step(
    job: &mut Job,
    name: &str,
    operation: &str,
    status: StepStatus,
    result: Option<Value>,
    error: Option<String>,
) {
    let step = job.step_mut(name, operation);
    step.status = status;
    step.finished_at = Some(OffsetDateTime::now_utc());
    step.result = result;
    step.error = error;
}

fn insert_step_result(job: &mut Job, name: &str, reply: Value) {
    let steps = job
        .context
        .entry("steps")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    if let Value::Object(steps) = steps {
        steps.insert(name.to_owned(), reply);
    }
}

/// Optional fields are left out rather than sent as null, which the schemas refuse.
fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(key, value)| (key, strip_nulls(value)))
                .collect(),
        ),
        other => other,
    }
}
