//! Finish: the events a job sends — `download.completed.for_source` once its file arrived,
//! then `pipeline.completed` or `pipeline.failed` — each stored in the job before it is
//! sent, so that a resumed job sends the same event id again (JetStream drops the copy).

use serde_json::{Value, json};
use soulspot_bus::{EventPublisher, PublishError};
use soulspot_contracts::operations::modules;
use soulspot_contracts::{EventEnvelope, SchemaViolation};

use super::{Halt, Journal, Run, failure};
use crate::pipeline::context::JobContext;
use crate::pipeline::job::{Job, JobFailure, JobState, StepStatus};
use crate::pipeline::routing::Route;
use crate::pipeline::store::StoreError;

/// Where in the job context an event is kept.
#[derive(Clone, Copy)]
enum Slot {
    ForSource,
    Final,
}

impl Slot {
    fn of(self, context: &mut JobContext) -> &mut Option<EventEnvelope> {
        match self {
            Slot::ForSource => &mut context.for_source_event,
            Slot::Final => &mut context.final_event,
        }
    }
}

impl<R: Route, J: Journal, P: EventPublisher> Run<'_, R, J, P> {
    /// Tells the module that asked (a playlist sync) that the track arrived.
    pub(super) async fn announce_download_to_source(&self, job: &mut Job) -> Result<(), Halt> {
        let data = strip_nulls(json!({
            "job_id": job.id,
            "source": job.request.source,
            "source_ref": job.request.source_ref,
            "track": job.track,
            "file": job.context.downloaded_file(),
        }));
        let event_type = "download.completed.for_source";
        self.publish_once(job, Slot::ForSource, event_type, data)
            .await
    }

    /// Ends the job as completed, with the library path the pipeline's `result` names.
    pub(super) async fn complete(&self, job: &mut Job) -> Result<(), StoreError> {
        let skipped: Vec<&str> = job
            .steps
            .iter()
            .filter(|step| step.status == StepStatus::Skipped)
            .map(|step| step.name.as_str())
            .collect();
        let library_path = self.spec.result.library_path(&job.template_context());
        let data = strip_nulls(json!({
            "job_id": job.id,
            "track": job.track,
            "library_path": library_path,
            "skipped_steps": skipped,
        }));
        self.finish(job, JobState::Completed, "pipeline.completed", data)
            .await?;
        tracing::info!(
            library_path = library_path.as_deref().unwrap_or(""),
            "pipeline completed"
        );
        Ok(())
    }

    pub(in crate::pipeline) async fn fail(
        &self,
        job: &mut Job,
        failure: JobFailure,
    ) -> Result<(), StoreError> {
        tracing::warn!(step = %failure.step, reason = %failure.reason, "pipeline failed");
        let data = strip_nulls(json!({
            "job_id": job.id,
            "track": job.track,
            "failed_step": failure.step,
            "reason": failure.reason,
        }));
        job.failure = Some(failure);
        self.finish(job, JobState::Failed, "pipeline.failed", data)
            .await
    }

    /// Sends a finished job's final event again (a redelivery after the job ended).
    pub(super) async fn republish_final_event(&self, job: &Job) -> Result<(), StoreError> {
        let Some(event) = job.context.final_event.clone() else {
            return Ok(());
        };
        self.events
            .publish(event, &self.context)
            .await
            .map_err(StoreError::from_display)
    }

    /// Puts the job in its final state and sends the final event once.
    async fn finish(
        &self,
        job: &mut Job,
        state: JobState,
        event_type: &str,
        data: Value,
    ) -> Result<(), StoreError> {
        job.state = state;
        match self.publish_once(job, Slot::Final, event_type, data).await {
            Ok(()) => {}
            Err(Halt::Store(error)) => return Err(error),
            Err(Halt::Failed(failure)) => {
                tracing::error!(%event_type, reason = %failure.reason, "final event not published")
            }
        }
        metrics::counter!("soulspot_jobs_finished_total", "state" => state.as_str()).increment(1);
        Ok(())
    }

    /// Keeps the event in the job (reusing one kept earlier), saves the job, then publishes.
    async fn publish_once(
        &self,
        job: &mut Job,
        slot: Slot,
        event_type: &str,
        data: Value,
    ) -> Result<(), Halt> {
        let kept = slot
            .of(&mut job.context)
            .clone()
            .filter(|event| event.event_type == event_type);
        let event = match kept {
            Some(event) => event,
            None => new_event(event_type, data)
                .map_err(|error| failure(event_type, error))?
                .with_correlation_id(job.id.clone()),
        };
        *slot.of(&mut job.context) = Some(event.clone());
        self.journal.save(job).await?;
        self.events
            .publish(event, &self.context)
            .await
            .map_err(|error| match error {
                PublishError::Invalid(violation) => failure(event_type, violation),
                other => Halt::Store(StoreError::from_display(other)),
            })
    }
}

/// A new event from the router, stamped with its contract's current version.
fn new_event(event_type: &str, data: Value) -> Result<EventEnvelope, SchemaViolation> {
    let version = soulspot_contracts::contracts()?.event_version(event_type)?;
    Ok(EventEnvelope::new(
        event_type,
        version,
        modules::ROUTER,
        data,
    ))
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::fakes::{Fixture, teardrop, track_job};
    use crate::pipeline::job::{JobFailure, JobState, StepOutcome};
    use crate::pipeline::spec::PipelineSpec;
    use crate::pipeline::stages::Journal;

    #[tokio::test]
    async fn the_library_path_comes_from_the_step_the_pipeline_result_names() {
        let spec = PipelineSpec::parse(
            "steps:\n  - {name: file_away, operation: import.track, required: true, timeout_ms: 1000, retries: 0, params: {}}\nresult: {library_path: \"{{steps.file_away.path}}\"}\n",
        )
        .unwrap();
        let fixture = Fixture::with_spec(spec);
        let job_id = track_job(&fixture.journal);
        let mut job = fixture.journal.load(&job_id).await.unwrap().unwrap();
        let reply = json!({"status": "imported", "path": "/music/elsewhere.flac"});
        job.finish_step("file_away", "import.track", StepOutcome::Succeeded(reply));
        job.finish_step(
            "enrich",
            "enrich.metadata",
            StepOutcome::Skipped("none".into()),
        );

        fixture.run().complete(&mut job).await.unwrap();

        let completed = fixture.events.of_type("pipeline.completed");
        assert_eq!(completed.len(), 1);
        assert_eq!(completed[0].data["library_path"], "/music/elsewhere.flac");
        assert_eq!(completed[0].data["skipped_steps"], json!(["enrich"]));
        assert_eq!(
            completed[0].correlation_id.as_deref(),
            Some(job_id.as_str())
        );
        let stored = fixture.journal.stored(&job_id);
        assert_eq!(stored.state, JobState::Completed);
        assert_eq!(
            stored.context.final_event.unwrap().event_id,
            completed[0].event_id
        );
    }

    #[tokio::test]
    async fn a_completion_sent_again_after_a_resume_keeps_its_event_id() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        let mut job = fixture.journal.load(&job_id).await.unwrap().unwrap();

        fixture.run().complete(&mut job).await.unwrap();
        let mut resumed = fixture.journal.load(&job_id).await.unwrap().unwrap();
        fixture.run().complete(&mut resumed).await.unwrap();

        let completed = fixture.events.of_type("pipeline.completed");
        assert_eq!(completed.len(), 2);
        assert_eq!(completed[0].event_id, completed[1].event_id);
        assert!(completed[0].data.get("library_path").is_none());
    }

    #[tokio::test]
    async fn a_failure_is_saved_and_announced_with_its_step_and_reason() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        let mut job = fixture.journal.load(&job_id).await.unwrap().unwrap();
        let failure = JobFailure {
            step: "import".to_owned(),
            reason: "disk full".to_owned(),
        };

        fixture.run().fail(&mut job, failure.clone()).await.unwrap();

        let failed = fixture.events.of_type("pipeline.failed");
        assert_eq!(failed[0].data["failed_step"], "import");
        assert_eq!(failed[0].data["reason"], "disk full");
        assert_eq!(failed[0].data["track"]["title"], teardrop().title);
        let stored = fixture.journal.stored(&job_id);
        assert_eq!(stored.state, JobState::Failed);
        assert_eq!(stored.failure, Some(failure));
    }
}
