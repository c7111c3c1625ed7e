//! A job as the router reports it, read leniently: the fields the command line shows, and the
//! whole record kept for `--json`.

use serde::Deserialize;
use serde_json::Value;

use crate::error::CliError;

/// The operation whose reply names the file's place in the library.
const IMPORT_OPERATION: &str = "import.track";

#[derive(Debug, Clone)]
pub struct Job {
    pub view: JobView,
    /// The record as received.
    pub raw: Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JobView {
    pub id: String,
    pub state: String,
    #[serde(default)]
    pub steps: Vec<StepView>,
    #[serde(default)]
    pub failure: Option<FailureView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StepView {
    pub name: String,
    pub operation: String,
    pub status: String,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub result: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FailureView {
    pub step: String,
    pub reason: String,
}

impl Job {
    pub fn from_value(raw: Value) -> Result<Self, CliError> {
        let view = JobView::deserialize(&raw)
            .map_err(|error| CliError::Reply(format!("not a job ({error}): {raw}")))?;
        Ok(Self { view, raw })
    }

    pub fn id(&self) -> &str {
        &self.view.id
    }

    pub fn is_finished(&self) -> bool {
        is_terminal(&self.view.state)
    }

    pub fn is_completed(&self) -> bool {
        self.view.state == "completed"
    }

    /// Where the import step filed the track.
    pub fn library_path(&self) -> Option<&str> {
        self.view
            .steps
            .iter()
            .filter(|step| step.operation == IMPORT_OPERATION)
            .find_map(|step| step.result.as_ref()?.get("path")?.as_str())
    }

    /// The failed step and why, from the job's failure or else its failed step.
    pub fn failure(&self) -> (String, String) {
        if let Some(failure) = &self.view.failure {
            return (failure.step.clone(), failure.reason.clone());
        }
        self.view
            .steps
            .iter()
            .find(|step| step.status == "failed")
            .map_or_else(
                || ("unknown".to_owned(), "no reason given".to_owned()),
                |step| {
                    let reason = step.error.clone().unwrap_or_default();
                    (step.name.clone(), reason)
                },
            )
    }

    /// The job as the command's outcome: its library path, or the failure.
    pub fn outcome(&self) -> Result<String, CliError> {
        if self.is_completed() {
            return Ok(self.library_path().unwrap_or("").to_owned());
        }
        let (step, reason) = self.failure();
        Err(CliError::JobFailed {
            job_id: self.id().to_owned(),
            step,
            reason,
        })
    }

    /// What was asked for, for listings: `artist – title`, else the query.
    pub fn describe(raw: &Value) -> String {
        let track = if raw["track"].is_object() {
            &raw["track"]
        } else {
            &raw["request"]["track"]
        };
        match (track["artist"].as_str(), track["title"].as_str()) {
            (Some(artist), Some(title)) => format!("{artist} – {title}"),
            _ => raw["request"]["query"]
                .as_str()
                .map_or_else(|| "?".to_owned(), |query| format!("\"{query}\"")),
        }
    }
}

pub fn is_terminal(state: &str) -> bool {
    matches!(state, "completed" | "failed")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_completed_job_names_the_path_its_import_step_filed() {
        let job = Job::from_value(json!({
            "id": "j1", "state": "completed", "runs": 1,
            "steps": [
                {"name": "download", "operation": "download.track", "status": "succeeded",
                 "result": {"download_id": "d"}},
                {"name": "import", "operation": "import.track", "status": "succeeded",
                 "result": {"status": "imported", "path": "/music/A/B/01 - C.flac"}},
            ],
        }))
        .unwrap();

        assert_eq!(job.outcome().unwrap(), "/music/A/B/01 - C.flac");
    }

    #[test]
    fn a_failed_job_names_its_failed_step_and_reason() {
        let job = Job::from_value(json!({
            "id": "j2", "state": "failed",
            "steps": [{"name": "search", "operation": "search.track", "status": "failed",
                       "error": "nothing found"}],
            "failure": {"step": "search", "reason": "no track matches"},
        }))
        .unwrap();

        let error = job.outcome().unwrap_err();

        assert_eq!(
            error.to_string(),
            "job j2 failed at step `search`: no track matches"
        );
    }
}
