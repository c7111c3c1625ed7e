//! The router's job outcomes: `pipeline.completed` and `pipeline.failed`
//! (contracts/events/pipeline.*.yaml).

use serde::{Deserialize, Serialize};

use super::EventPayload;
use crate::track::TrackRef;

/// `pipeline.completed`: every step of a job succeeded or was skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineCompleted {
    pub job_id: String,
    pub track: TrackRef,
    /// Where the track is in the library, when the import said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub library_path: Option<String>,
    /// Names of the steps skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_steps: Option<Vec<String>>,
}

impl EventPayload for PipelineCompleted {
    const EVENT_TYPE: &'static str = "pipeline.completed";
}

/// `pipeline.failed`: a job stopped at a step it could not complete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipelineFailed {
    pub job_id: String,
    /// The track, once the job has resolved one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track: Option<TrackRef>,
    pub failed_step: String,
    pub reason: String,
}

impl EventPayload for PipelineFailed {
    const EVENT_TYPE: &'static str = "pipeline.failed";
}
