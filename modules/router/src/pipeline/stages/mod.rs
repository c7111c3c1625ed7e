//! One run of a job through its stages — resolve, download, the pipeline's steps, finish —
//! each in its own file. The stages reach the outside through traits ([`Route`],
//! [`Journal`], `EventPublisher`), so their decisions are tested with fakes, without NATS.

mod download;
#[cfg(test)]
mod fakes;
mod finish;
mod resolve;
mod steps;

use std::future::Future;
use std::time::Duration;

use serde_json::Value;
use soulspot_bus::{EventPublisher, MessageContext};
use soulspot_contracts::payloads::CapabilityRequest;
use tracing::Instrument;

use super::job::{Job, JobFailure};
use super::routing::Route;
use super::settings::PipelineSettings;
use super::spec::PipelineSpec;
use super::store::{DownloadOutcome, StoreError};
use crate::route::CallPolicy;

/// Where a run reads and writes its job and learns its download's outcome: the job store,
/// or a fake in tests. `save` writes over the revision the job was loaded at and fails with
/// [`StoreError::Conflict`] when another run saved it since.
pub trait Journal: Send + Sync {
    fn load(&self, job_id: &str) -> impl Future<Output = Result<Option<Job>, StoreError>> + Send;

    fn save(&self, job: &mut Job) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The outcome of download `download_id`, or `None` when none came within `limit`.
    fn wait_for_download(
        &self,
        job_id: &str,
        download_id: &str,
        limit: Duration,
    ) -> impl Future<Output = Result<Option<DownloadOutcome>, StoreError>> + Send;
}

/// How a stage ended when it did not simply succeed.
#[derive(Debug)]
pub(super) enum Halt {
    /// The job failed for good at a step.
    Failed(JobFailure),
    /// The store or the event bus failed, or another run holds the job: this run stops.
    Store(StoreError),
}

impl From<StoreError> for Halt {
    fn from(error: StoreError) -> Self {
        Halt::Store(error)
    }
}

/// The span of one stage of a job: resolve, download, announce, or a pipeline step.
fn stage_span(stage: &str) -> tracing::Span {
    tracing::info_span!(
        "stage",
        otel.name = %format!("stage {stage}"),
        soulspot.service = "router",
        stage,
    )
}

fn failure(step: &str, reason: impl std::fmt::Display) -> Halt {
    Halt::Failed(JobFailure {
        step: step.to_owned(),
        reason: reason.to_string(),
    })
}

/// What one run of a job works with.
pub(super) struct Run<'a, R, J, P> {
    pub router: &'a R,
    pub journal: &'a J,
    pub events: &'a P,
    pub spec: &'a PipelineSpec,
    pub settings: &'a PipelineSettings,
    pub context: MessageContext,
}

impl<R: Route, J: Journal, P: EventPublisher> Run<'_, R, J, P> {
    /// Loads the job and takes it up. A finished job only sends its final event again; any
    /// other is claimed — saved at once, so that an older run still holding it stops at its
    /// next save — and run to its end. `Err` leaves the job to a later run.
    pub(super) async fn take_up(&self, job_id: &str) -> Result<(), StoreError> {
        let Some(mut job) = self.journal.load(job_id).await? else {
            return Err(StoreError::Missing {
                job_id: job_id.to_owned(),
            });
        };
        if job.state.is_terminal() {
            return self.republish_final_event(&mut job).await;
        }
        job.runs += 1;
        self.journal.save(&mut job).await?;
        if job.runs > 1 {
            tracing::info!(
                runs = job.runs,
                state = job.state.as_str(),
                "job taken up again"
            );
        }
        match self.advance(&mut job).await {
            Ok(()) => self.complete(&mut job).await,
            Err(Halt::Failed(failure)) => self.fail(&mut job, failure).await,
            Err(Halt::Store(error)) => Err(error),
        }
    }

    /// From wherever the job stands to the end of its steps, each stage in a span of its own.
    async fn advance(&self, job: &mut Job) -> Result<(), Halt> {
        self.resolve(job).instrument(stage_span("resolve")).await?;
        self.download(job)
            .instrument(stage_span("download"))
            .await?;
        self.announce_download_to_source(job)
            .instrument(stage_span("announce"))
            .await?;
        for step in &self.spec.steps {
            self.run_step(job, step)
                .instrument(stage_span(&step.name))
                .await?;
        }
        Ok(())
    }

    /// One call of a typed request under the request policy: the reply as received (kept as
    /// the step's result) and as its type.
    async fn request<Q: CapabilityRequest>(
        &self,
        request: &Q,
    ) -> Result<(Value, Q::Reply), String> {
        let call = CallPolicy {
            timeout: self.settings.request_timeout(),
            retry: self.settings.request_retry,
        };
        let params = serde_json::to_value(request).map_err(|error| error.to_string())?;
        let reply = self
            .router
            .route(Q::OPERATION, &params, &self.context, &call)
            .await
            .map_err(|error| error.to_string())?;
        let typed = serde_json::from_value(reply.clone())
            .map_err(|error| format!("{} reply not understood: {error}", Q::OPERATION))?;
        Ok((reply, typed))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::fakes::{Fixture, track_job};
    use crate::pipeline::job::JobState;
    use crate::pipeline::store::StoreError;

    #[tokio::test]
    async fn a_run_that_another_took_over_stops_at_its_next_save_and_no_step_runs_twice() {
        let fixture = Fixture::new();
        let job = track_job(&fixture.journal);
        fixture
            .router
            .answer("download.track", json!({"download_id": "d1"}));
        fixture.answer_steps();
        let run = fixture.run();

        let first = run.take_up(&job);
        let second = async {
            fixture.journal.waiting_for_download(1).await;
            run.take_up(&job).await
        };
        let outcome = async {
            fixture.journal.waiting_for_download(2).await;
            fixture.journal.complete_download("d1");
        };
        let (first, second, ()) = tokio::join!(first, second, outcome);

        assert!(
            matches!(first, Err(StoreError::Conflict { .. })),
            "{first:?}"
        );
        second.unwrap();
        let stored = fixture.journal.stored(&job);
        assert_eq!(stored.state, JobState::Completed);
        assert_eq!(stored.runs, 2);
        assert_eq!(fixture.router.calls("download.track"), 1);
        assert_eq!(fixture.router.calls("import.track"), 1);
        assert_eq!(fixture.events.of_type("pipeline.completed").len(), 1);
    }

    #[tokio::test]
    async fn a_finished_job_taken_up_again_does_not_send_its_final_event_again() {
        let fixture = Fixture::new();
        let job = track_job(&fixture.journal);
        fixture
            .router
            .answer("download.track", json!({"download_id": "d1"}));
        fixture.journal.complete_download("d1");
        fixture.answer_steps();
        let run = fixture.run();
        run.take_up(&job).await.unwrap();

        run.take_up(&job).await.unwrap();

        let finals = fixture.events.of_type("pipeline.completed");
        assert_eq!(finals.len(), 1);
        let announced = fixture.events.of_type("download.completed.for_source");
        assert_eq!(announced.len(), 1);
        assert_eq!(announced[0].data["file"]["path"], "/downloads/d1.flac");
        assert_eq!(fixture.journal.stored(&job).runs, 1);
        assert_eq!(fixture.router.calls("import.track"), 1);
    }
}
