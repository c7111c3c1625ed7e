//! `notify.track_ready`: tell the user a track is in the library
//! (contracts/capabilities/notify.track_ready.yaml).

use serde::{Deserialize, Serialize};

use super::CapabilityRequest;
use crate::operations::NOTIFY_TRACK_READY;
use crate::track::TrackRef;

/// The request of `notify.track_ready`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyTrackReadyRequest {
    /// The pipeline job; when present, each channel is notified at most once per job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub track: TrackRef,
    /// Where the track now is in the library.
    pub path: String,
}

/// The reply: one result per configured channel, in configuration order.
///
/// A failed channel is a result with `ok: false`, not an error of the call: the pipeline
/// decides what a missed notification means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyTrackReadyReply {
    pub channels: Vec<ChannelResult>,
}

impl CapabilityRequest for NotifyTrackReadyRequest {
    const OPERATION: &'static str = NOTIFY_TRACK_READY;
    type Reply = NotifyTrackReadyReply;
}

/// How one channel fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelResult {
    pub channel: String,
    pub ok: bool,
    /// HTTP attempts made by this call; 0 when nothing was sent.
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The channel had already received this job's notification: nothing was sent again.
    /// Left out when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deduplicated: bool,
}
