//! A job: one track asked for, and the record of every step taken to get it into the library.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use soulspot_contracts::TrackRef;

use super::context::JobContext;
use time::OffsetDateTime;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Resolving,
    Downloading,
    Processing,
    Completed,
    Failed,
}

impl JobState {
    pub fn is_terminal(self) -> bool {
        matches!(self, JobState::Completed | JobState::Failed)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Resolving => "resolving",
            JobState::Downloading => "downloading",
            JobState::Processing => "processing",
            JobState::Completed => "completed",
            JobState::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Pending,
    Running,
    Succeeded,
    Failed,
    Skipped,
}

impl StepStatus {
    /// Done for good: a redelivered job does not run it again.
    pub fn is_settled(self) -> bool {
        matches!(self, StepStatus::Succeeded | StepStatus::Skipped)
    }
}

/// One step of a job, with its timings, attempts, error and result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Step {
    pub name: String,
    pub operation: String,
    pub status: StepStatus,
    /// Times the job started this step: one routed call each (whose own retries follow the
    /// step's policy); more than one after a resumed job or a retried download.
    pub attempts: u32,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<OffsetDateTime>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub finished_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The reply of the step's operation; later steps read it as `steps.<name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
}

impl Step {
    pub fn new(name: &str, operation: &str) -> Self {
        Self {
            name: name.to_owned(),
            operation: operation.to_owned(),
            status: StepStatus::Pending,
            attempts: 0,
            started_at: None,
            finished_at: None,
            error: None,
            result: None,
        }
    }
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    /// With the operation's reply.
    Succeeded(Value),
    /// Not run, for this reason (no module offers an optional step's operation).
    Skipped(String),
    /// With the error of its last try.
    Failed(String),
}

/// What was asked for: a track, or free text to resolve into one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<TrackRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Who asked: `api` for HTTP, `spotify` for a playlist sync.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
}

/// Why a job failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct JobFailure {
    pub step: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Job {
    pub id: String,
    pub state: JobState,
    pub request: JobRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<TrackRef>,
    pub steps: Vec<Step>,
    pub context: JobContext,
    /// Workers that took the job up: more than one when it was resumed or redelivered.
    #[serde(default)]
    pub runs: u32,
    /// Times a failed job was asked to run again (`POST /api/jobs/{id}/retry`).
    #[serde(default)]
    pub retries: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<JobFailure>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The store's revision of this record when it was loaded or last saved (0: never
    /// saved); a save expects it unchanged.
    #[serde(skip)]
    pub(super) revision: u64,
    /// The state this record holds in the store (`None`: never saved), which the job index
    /// lists it under.
    #[serde(skip)]
    pub(super) stored_state: Option<JobState>,
}

impl Job {
    /// Whether the job ended and the store confirmed its final event. A job is saved in its
    /// final state first and its final event stored right after, so a reader that also wants
    /// the event waits for this rather than for the state.
    pub fn is_finished_and_announced(&self) -> bool {
        let confirmed = self
            .context
            .final_event
            .as_ref()
            .is_none_or(|event| self.context.published.contains(&event.event_id));
        self.state.is_terminal() && confirmed
    }

    pub fn new(id: String, request: JobRequest) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            id,
            state: JobState::Queued,
            track: request.track.clone(),
            request,
            steps: Vec::new(),
            context: JobContext::default(),
            runs: 0,
            retries: 0,
            failure: None,
            created_at: now,
            updated_at: now,
            revision: 0,
            stored_state: None,
        }
    }

    /// Puts a failed job back in the queue's hands: its failed steps pending again, a download
    /// that brought no file asked for again, its failure and final event gone. What succeeded
    /// stays done, so the run picks up at the step that failed. `false` (and nothing changed)
    /// when the job has not failed.
    pub fn reopen(&mut self) -> bool {
        if self.state != JobState::Failed {
            return false;
        }
        for step in &mut self.steps {
            if step.status == StepStatus::Failed {
                step.status = StepStatus::Pending;
                step.finished_at = None;
                step.error = None;
            }
        }
        if self.context.downloaded_file().is_none() {
            self.context.download = None;
        }
        self.context.final_event = None;
        self.failure = None;
        self.state = JobState::Queued;
        self.retries += 1;
        self.updated_at = OffsetDateTime::now_utc();
        true
    }

    /// The step named `name`, created (pending) on first use.
    pub fn step_mut(&mut self, name: &str, operation: &str) -> &mut Step {
        let position = match self.steps.iter().position(|step| step.name == name) {
            Some(position) => position,
            None => {
                self.steps.push(Step::new(name, operation));
                self.steps.len() - 1
            }
        };
        &mut self.steps[position]
    }

    pub fn step(&self, name: &str) -> Option<&Step> {
        self.steps.iter().find(|step| step.name == name)
    }

    /// Whether step `name` is done for good (a resumed job does not run it again).
    pub fn is_settled(&self, name: &str) -> bool {
        self.step(name).is_some_and(|step| step.status.is_settled())
    }

    /// Marks step `name` running (its first start time kept) and returns it.
    pub fn start_step(&mut self, name: &str, operation: &str) -> &mut Step {
        let step = self.step_mut(name, operation);
        step.status = StepStatus::Running;
        step.started_at.get_or_insert_with(OffsetDateTime::now_utc);
        step
    }

    /// Records how step `name` ended.
    pub fn finish_step(&mut self, name: &str, operation: &str, outcome: StepOutcome) {
        let step = self.step_mut(name, operation);
        let (status, result, error) = match outcome {
            StepOutcome::Succeeded(reply) => (StepStatus::Succeeded, Some(reply), None),
            StepOutcome::Skipped(reason) => (StepStatus::Skipped, None, Some(reason)),
            StepOutcome::Failed(error) => (StepStatus::Failed, None, Some(error)),
        };
        step.status = status;
        step.finished_at = Some(OffsetDateTime::now_utc());
        step.result = result;
        step.error = error;
    }

    /// The values parameter templates read: `job`, `track`, `download` and `steps.<name>`
    /// (the result of each step that succeeded).
    pub fn template_context(&self) -> Value {
        let steps: Map<String, Value> = self
            .steps
            .iter()
            .filter(|step| step.status == StepStatus::Succeeded)
            .filter_map(|step| Some((step.name.clone(), step.result.clone()?)))
            .collect();
        json!({
            "job": {"id": self.id, "source": self.request.source},
            "track": self.track,
            "download": self.context.download,
            "steps": steps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::context::DownloadState;

    #[test]
    fn templates_see_the_results_of_succeeded_steps_only() {
        let mut job = Job::new("j1".to_owned(), request());
        let import = job.step_mut("import", "import.track");
        import.status = StepStatus::Succeeded;
        import.result = Some(json!({"path": "/music/a.flac"}));
        let enrich = job.step_mut("enrich", "enrich.metadata");
        enrich.status = StepStatus::Failed;
        enrich.result = Some(json!({"metadata": {}}));
        job.context.download = Some(DownloadState::Pending {
            download_id: "d1".to_owned(),
        });

        let context = job.template_context();

        assert_eq!(
            context["steps"],
            json!({"import": {"path": "/music/a.flac"}})
        );
        assert_eq!(context["job"]["id"], "j1");
        assert_eq!(context["download"]["download_id"], "d1");
    }

    #[test]
    fn a_reopened_job_keeps_what_succeeded_and_asks_again_for_what_failed() {
        let mut job = Job::new("j1".to_owned(), request());
        assert!(!job.reopen(), "a queued job is not reopened");
        job.finish_step(
            "resolve",
            "search.tracks",
            StepOutcome::Succeeded(json!({})),
        );
        job.finish_step(
            "download",
            "download.track",
            StepOutcome::Failed("stalled".into()),
        );
        job.context.download = Some(DownloadState::Pending {
            download_id: "d1".to_owned(),
        });
        job.state = JobState::Failed;
        job.failure = Some(JobFailure {
            step: "download".to_owned(),
            reason: "stalled".to_owned(),
        });

        assert!(job.reopen());

        assert_eq!(job.state, JobState::Queued);
        assert_eq!(job.retries, 1);
        assert_eq!(job.failure, None);
        assert_eq!(job.context.download, None);
        assert_eq!(job.step("resolve").unwrap().status, StepStatus::Succeeded);
        let download = job.step("download").unwrap();
        assert_eq!(
            (download.status, download.error.as_deref()),
            (StepStatus::Pending, None)
        );
    }

    fn request() -> JobRequest {
        JobRequest {
            track: None,
            query: Some("teardrop".to_owned()),
            source: "api".to_owned(),
            source_ref: None,
        }
    }
}
