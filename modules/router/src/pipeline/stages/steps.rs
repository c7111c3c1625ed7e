//! Steps: each step of `deploy/pipeline.yaml` is one routed call under its own policy (the
//! step's timeout, and `retries` + 1 tries with the pipeline's step backoff). An optional
//! step that no module offers is skipped; a required one that fails fails the job.

use soulspot_bus::EventPublisher;

use super::{Halt, Journal, Run, failure};
use crate::pipeline::job::{Job, JobState, StepOutcome};
use crate::pipeline::routing::Route;
use crate::pipeline::spec::{StepSpec, render};
use crate::route::{CallPolicy, RouteError};

impl<R: Route, J: Journal, P: EventPublisher> Run<'_, R, J, P> {
    /// Runs one step unless a previous run settled it.
    pub(super) async fn run_step(&self, job: &mut Job, spec: &StepSpec) -> Result<(), Halt> {
        if job.is_settled(&spec.name) {
            return Ok(());
        }
        job.state = JobState::Processing;
        if !spec.required && !self.router.offers(&spec.operation, spec.timeout()).await {
            return self.skip(job, spec).await;
        }
        let attempt = {
            let step = job.start_step(&spec.name, &spec.operation);
            step.attempts += 1;
            step.attempts
        };
        self.journal.save(job).await?;
        let params = render(&spec.params, &job.template_context());
        tracing::info!(step = %spec.name, operation = %spec.operation, attempt, "step started");
        let call = self.step_call(spec);
        match self
            .router
            .route(&spec.operation, &params, &self.context, &call)
            .await
        {
            Ok(reply) => {
                tracing::info!(step = %spec.name, "step succeeded");
                job.finish_step(&spec.name, &spec.operation, StepOutcome::Succeeded(reply));
            }
            Err(RouteError::ModuleNotAvailable { .. }) if !spec.required => {
                return self.skip(job, spec).await;
            }
            Err(error) => {
                let outcome = StepOutcome::Failed(error.to_string());
                job.finish_step(&spec.name, &spec.operation, outcome);
                if spec.required {
                    return Err(failure(&spec.name, error));
                }
                tracing::warn!(step = %spec.name, %error, "optional step failed, continuing");
            }
        }
        self.journal.save(job).await?;
        Ok(())
    }

    async fn skip(&self, job: &mut Job, spec: &StepSpec) -> Result<(), Halt> {
        // The structured warning naming the missing module and its status is the router's
        // (`capability unavailable`), given once per outage; this line is about the job.
        tracing::warn!(
            step = %spec.name,
            operation = %spec.operation,
            impact = %format!("step {} skipped for this job", spec.name),
            "optional step skipped"
        );
        let outcome = StepOutcome::Skipped("no module offers it".to_owned());
        job.finish_step(&spec.name, &spec.operation, outcome);
        self.journal.save(job).await?;
        Ok(())
    }

    fn step_call(&self, spec: &StepSpec) -> CallPolicy {
        CallPolicy {
            timeout: spec.timeout(),
            retry: self
                .settings
                .step_retry
                .with_max_attempts(spec.retries.saturating_add(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::Halt;
    use super::super::fakes::{Fixture, track_job};
    use crate::pipeline::job::{Job, StepStatus};
    use crate::pipeline::spec::StepSpec;
    use crate::pipeline::stages::Journal;
    use crate::route::RouteError;

    fn spec(fixture: &Fixture, name: &str) -> StepSpec {
        fixture
            .spec
            .steps
            .iter()
            .find(|step| step.name == name)
            .unwrap()
            .clone()
    }

    async fn run_steps(fixture: &Fixture, job_id: &str, names: &[&str]) -> Result<Job, Halt> {
        let mut job = fixture.journal.load(job_id).await.unwrap().unwrap();
        for name in names {
            fixture
                .run()
                .run_step(&mut job, &spec(fixture, name))
                .await?;
        }
        Ok(job)
    }

    fn exhausted(operation: &str) -> RouteError {
        RouteError::Exhausted {
            operation: operation.to_owned(),
            last: soulspot_bus::RequestError::Service {
                subject: operation.to_owned(),
                code: 500,
                message: "disk full".to_owned(),
                retry_after: None,
            },
        }
    }

    #[tokio::test]
    async fn each_step_is_one_call_under_its_own_policy_and_later_steps_read_its_result() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        fixture.answer_steps();

        let job = run_steps(&fixture, &job_id, &["enrich", "import", "notify"])
            .await
            .unwrap();

        for (operation, step) in [("import.track", "import"), ("notify.track_ready", "notify")] {
            let calls = fixture.router.calls_of(operation);
            assert_eq!(calls.len(), 1, "{operation}");
            let declared = spec(&fixture, step);
            let policy = calls[0].1;
            assert_eq!(policy.timeout, declared.timeout());
            assert_eq!(policy.retry.max_attempts, declared.retries + 1);
            assert_eq!(policy.retry.base_ms, fixture.settings.step_retry.base_ms);
        }
        let (import, _) = &fixture.router.calls_of("import.track")[0];
        assert_eq!(import["metadata"], json!({"album": "Mezzanine"}));
        let (notify, _) = &fixture.router.calls_of("notify.track_ready")[0];
        assert_eq!(
            notify["path"],
            "/music/Massive Attack/Mezzanine/Teardrop.flac"
        );
        assert_eq!(job.step("import").unwrap().status, StepStatus::Succeeded);
    }

    #[tokio::test]
    async fn an_optional_step_nobody_offers_is_skipped_without_a_call() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        fixture.answer_steps();
        fixture.router.remove("enrich.metadata");

        let job = run_steps(&fixture, &job_id, &["enrich", "import"])
            .await
            .unwrap();

        assert_eq!(job.step("enrich").unwrap().status, StepStatus::Skipped);
        assert_eq!(fixture.router.calls("enrich.metadata"), 0);
        let (import, _) = &fixture.router.calls_of("import.track")[0];
        assert!(import.get("metadata").is_none(), "{import}");
    }

    #[tokio::test]
    async fn a_required_step_nobody_offers_is_still_called_and_fails_the_job() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        fixture.router.remove("import.track");

        let outcome = run_steps(&fixture, &job_id, &["import"]).await;

        let Err(Halt::Failed(failure)) = outcome else {
            panic!("the job did not fail");
        };
        assert_eq!(failure.step, "import");
        assert!(
            failure.reason.contains("import.track"),
            "{}",
            failure.reason
        );
        assert_eq!(fixture.router.calls("import.track"), 1);
    }

    #[tokio::test]
    async fn an_optional_step_that_fails_is_recorded_and_the_job_goes_on() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        let imported = json!({"status": "imported", "path": "/music/a.flac"});
        fixture.router.answer("import.track", imported);
        fixture.router.fail("notify.track_ready", exhausted);

        let job = run_steps(&fixture, &job_id, &["import", "notify"])
            .await
            .unwrap();

        let notify = job.step("notify").unwrap();
        assert_eq!(notify.status, StepStatus::Failed);
        assert!(notify.error.as_deref().unwrap().contains("disk full"));
        assert_eq!(fixture.journal.stored(&job_id).steps, job.steps);
    }

    #[tokio::test]
    async fn a_settled_step_is_not_run_again_by_a_resumed_job() {
        let fixture = Fixture::new();
        let job_id = track_job(&fixture.journal);
        fixture.answer_steps();
        run_steps(&fixture, &job_id, &["import"]).await.unwrap();

        run_steps(&fixture, &job_id, &["import"]).await.unwrap();

        assert_eq!(fixture.router.calls("import.track"), 1);
    }
}
