//! A job: one track asked for, and the record of every step taken to get it into the library.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use soulspot_contracts::TrackRef;
use time::OffsetDateTime;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub operation: String,
    pub status: StepStatus,
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

/// What was asked for: a track, or free text to resolve into one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    pub step: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub state: JobState,
    pub request: JobRequest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<TrackRef>,
    pub steps: Vec<Step>,
    /// What steps produced, for the parameters of later steps: `download`, `steps.<name>`.
    pub context: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<JobFailure>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Job {
    pub fn new(id: String, request: JobRequest) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            id,
            state: JobState::Queued,
            track: request.track.clone(),
            request,
            steps: Vec::new(),
            context: Map::new(),
            failure: None,
            created_at: now,
            updated_at: now,
        }
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

    /// The context as one JSON value for parameter templates: `job`, `track`, `download`, `steps`.
    pub fn template_context(&self) -> Value {
        let mut context = self.context.clone();
        context.insert(
            "job".to_owned(),
            serde_json::json!({"id": self.id, "source": self.request.source}),
        );
        if let Some(track) = &self.track {
            context.insert(
                "track".to_owned(),
                serde_json::to_value(track).unwrap_or(Value::Null),
            );
        }
        Value::Object(context)
    }
}
