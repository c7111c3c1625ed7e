//! `search.track`: free text in, tracks out (contracts/capabilities/search.track.yaml).

use serde::{Deserialize, Serialize};

use super::CapabilityRequest;
use crate::operations::SEARCH_TRACK;
use crate::track::TrackRef;

/// The request of `search.track`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchTrackRequest {
    /// Free text, 1 to 500 characters.
    pub query: String,
    /// Results wanted, 1 to 50; each provider applies its own default and cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// The reply of `search.track`: the tracks found, best match first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchTrackReply {
    pub tracks: Vec<TrackRef>,
}

impl CapabilityRequest for SearchTrackRequest {
    const OPERATION: &'static str = SEARCH_TRACK;
    type Reply = SearchTrackReply;
}
