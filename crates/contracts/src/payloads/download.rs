//! `download.track` and the `download.*` events that report its progress and outcome
//! (contracts/capabilities/download.track.yaml, contracts/events/download.*.yaml).

use serde::{Deserialize, Serialize};

use super::{CapabilityRequest, EventPayload};
use crate::operations::DOWNLOAD_TRACK;
use crate::track::{FileRef, TrackRef};

/// The request of `download.track`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownloadTrackRequest {
    pub track: TrackRef,
    /// The job the download serves; its events carry it and are correlated by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// Acceptable formats for this download, most preferred first; `None` for the module's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formats: Option<Vec<String>>,
}

/// The reply of `download.track`, sent at once: the outcome arrives as an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadTrackReply {
    pub download_id: String,
}

impl CapabilityRequest for DownloadTrackRequest {
    const OPERATION: &'static str = DOWNLOAD_TRACK;
    type Reply = DownloadTrackReply;
}

/// `download.started`: a candidate was picked and its transfer enqueued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadStarted {
    pub download_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub track: TrackRef,
    /// The peer the file comes from.
    pub username: String,
    /// The file's name as the peer shares it.
    pub filename: String,
}

impl EventPayload for DownloadStarted {
    const EVENT_TYPE: &'static str = "download.started";
}

/// `download.progress`: a running transfer moved on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DownloadProgress {
    pub download_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub bytes_transferred: u64,
    pub size: u64,
    /// 0 to 100.
    pub percent: f64,
}

impl EventPayload for DownloadProgress {
    const EVENT_TYPE: &'static str = "download.progress";
}

/// `download.completed`: the file is on the downloads volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadCompleted {
    pub download_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub track: TrackRef,
    pub file: FileRef,
    /// The peer the file came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
}

impl EventPayload for DownloadCompleted {
    const EVENT_TYPE: &'static str = "download.completed";
}

/// `download.failed`: the download gave up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadFailed {
    pub download_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub track: TrackRef,
    pub error: String,
    /// Whether trying again later may succeed.
    pub can_retry: bool,
}

impl EventPayload for DownloadFailed {
    const EVENT_TYPE: &'static str = "download.failed";
}

/// `download.completed.for_source`: the router tells the module that asked for a download
/// (e.g. a playlist sync) that it finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadCompletedForSource {
    pub job_id: String,
    /// The module (or `api`) that submitted the job.
    pub source: String,
    /// What the source submitted it for, e.g. a playlist id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    pub track: TrackRef,
    pub file: FileRef,
}

impl EventPayload for DownloadCompletedForSource {
    const EVENT_TYPE: &'static str = "download.completed.for_source";
}
