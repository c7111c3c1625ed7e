//! Finish: the events a job sends — `download.completed.for_source` once its file arrived,
//! then `pipeline.completed` or `pipeline.failed` — each kept in the job before it is sent
//! and marked sent in the job after the store acknowledged it. A resumed job sends a kept
//! event only when it is unmarked and the store does not hold its id, however long ago it
//! was created (JetStream's deduplication window would cover two minutes only).

use soulspot_bus::{EventPublisher, PublishError};
use soulspot_contracts::EventEnvelope;
use soulspot_contracts::operations::modules;
use soulspot_contracts::payloads::{
    DownloadCompletedForSource, EventPayload, PipelineCompleted, PipelineFailed,
};

use super::{Halt, Journal, Run, failure};
use crate::pipeline::context::JobContext;
use crate::pipeline::job::{Job, JobFailure, JobState, StepOutcome, StepStatus};
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
        let (Some(track), Some(file)) = (job.track.clone(), job.context.downloaded_file()) else {
            return Err(failure("download", "no downloaded track to announce"));
        };
        let announcement = DownloadCompletedForSource {
            job_id: job.id.clone(),
            source: job.request.source.clone(),
            source_ref: job.request.source_ref.clone(),
            track,
            file: file.clone(),
        };
        self.publish_once(job, Slot::ForSource, &announcement).await
    }

    /// Ends the job as completed, with the library path the pipeline's `result` names.
    pub(super) async fn complete(&self, job: &mut Job) -> Result<(), StoreError> {
        let Some(track) = job.track.clone() else {
            let reason = "the job reached its end without a track";
            return self.fail(job, internal(reason)).await;
        };
        let skipped = job
            .steps
            .iter()
            .filter(|step| step.status == StepStatus::Skipped)
            .map(|step| step.name.clone())
            .collect();
        let library_path = self.spec.result.library_path(&job.template_context());
        let completed = PipelineCompleted {
            job_id: job.id.clone(),
            track,
            library_path: library_path.clone(),
            skipped_steps: Some(skipped),
        };
        self.finish(job, JobState::Completed, &completed).await?;
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
        // The step the failure interrupted ends failed too, so the record never shows it
        // still running.
        let interrupted = job
            .step(&failure.step)
            .filter(|step| step.status == StepStatus::Running)
            .map(|step| step.operation.clone());
        if let Some(operation) = interrupted {
            let outcome = StepOutcome::Failed(failure.reason.clone());
            job.finish_step(&failure.step, &operation, outcome);
        }
        let failed = PipelineFailed {
            job_id: job.id.clone(),
            track: job.track.clone(),
            failed_step: failure.step.clone(),
            reason: failure.reason.clone(),
        };
        job.failure = Some(failure);
        self.finish(job, JobState::Failed, &failed).await
    }

    /// Sends a finished job's final event if it never reached the store (a redelivery after
    /// the job ended).
    pub(super) async fn republish_final_event(&self, job: &mut Job) -> Result<(), StoreError> {
        let Some(event) = job.context.final_event.clone() else {
            return Ok(());
        };
        self.send_unless_stored(job, event)
            .await
            .map_err(|halt| match halt {
                Halt::Store(error) => error,
                Halt::Failed(failure) => StoreError::from_display(failure.reason),
            })
    }

    /// Puts the job in its final state and sends the final event once.
    async fn finish<E: EventPayload>(
        &self,
        job: &mut Job,
        state: JobState,
        payload: &E,
    ) -> Result<(), StoreError> {
        job.state = state;
        match self.publish_once(job, Slot::Final, payload).await {
            Ok(()) => {}
            Err(Halt::Store(error)) => return Err(error),
            Err(Halt::Failed(failure)) => tracing::error!(
                event_type = E::EVENT_TYPE,
                reason = %failure.reason,
                "final event not published"
            ),
        }
        metrics::counter!("soulspot_jobs_finished_total", "state" => state.as_str()).increment(1);
        Ok(())
    }

    /// Keeps the event in the job (reusing one kept earlier), saves the job, then sends it
    /// unless it was sent before.
    async fn publish_once<E: EventPayload>(
        &self,
        job: &mut Job,
        slot: Slot,
        payload: &E,
    ) -> Result<(), Halt> {
        let kept = slot
            .of(&mut job.context)
            .clone()
            .filter(|event| event.event_type == E::EVENT_TYPE);
        let Some(event) = kept else {
            let event = EventEnvelope::of(modules::ROUTER, payload)
                .map_err(|error| failure(E::EVENT_TYPE, error))?
                .with_correlation_id(job.id.clone());
            *slot.of(&mut job.context) = Some(event.clone());
            self.journal.save(job).await?;
            return self.send(job, event).await;
        };
        self.journal.save(job).await?;
        self.send_unless_stored(job, event).await
    }

    /// Sends a kept event unless the job marks it sent or the store holds it already.
    async fn send_unless_stored(&self, job: &mut Job, event: EventEnvelope) -> Result<(), Halt> {
        if job.context.published.contains(&event.event_id) {
            return Ok(());
        }
        let stored = self
            .events
            .is_stored(&event)
            .await
            .map_err(|error| Halt::Store(StoreError::from_display(error)))?;
        if stored {
            tracing::info!(event_id = %event.event_id, "event already stored, not sent again");
            return self.mark_sent(job, &event).await;
        }
        self.send(job, event).await
    }

    /// Publishes, then marks the event sent in the job.
    async fn send(&self, job: &mut Job, event: EventEnvelope) -> Result<(), Halt> {
        let event_type = event.event_type.clone();
        self.events
            .publish(event.clone(), &self.context)
            .await
            .map_err(|error| match error {
                PublishError::Invalid(violation) => failure(&event_type, violation),
                other => Halt::Store(StoreError::from_display(other)),
            })?;
        self.mark_sent(job, &event).await
    }

    async fn mark_sent(&self, job: &mut Job, event: &EventEnvelope) -> Result<(), Halt> {
        job.context.published.push(event.event_id);
        self.journal.save(job).await?;
        Ok(())
    }
}

fn internal(reason: &str) -> JobFailure {
    JobFailure {
        step: "internal".to_owned(),
        reason: reason.to_owned(),
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
    async fn a_completion_is_sent_once_however_often_the_job_resumes() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        let mut job = fixture.journal.load(&job_id).await.unwrap().unwrap();

        fixture.run().complete(&mut job).await.unwrap();
        let mut resumed = fixture.journal.load(&job_id).await.unwrap().unwrap();
        fixture.run().complete(&mut resumed).await.unwrap();

        let completed = fixture.events.of_type("pipeline.completed");
        assert_eq!(completed.len(), 1);
        assert!(completed[0].data.get("library_path").is_none());
        let stored = fixture.journal.stored(&job_id);
        assert_eq!(stored.context.published, vec![completed[0].event_id]);
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
