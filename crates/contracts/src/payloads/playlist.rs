//! `playlist.tracks`: the tracks of a playlist (contracts/capabilities/playlist.tracks.yaml).

use serde::{Deserialize, Serialize};

use super::CapabilityRequest;
use crate::operations::PLAYLIST_TRACKS;
use crate::track::TrackRef;

/// The request of `playlist.tracks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaylistTracksRequest {
    /// A playlist id, `spotify:playlist:` URI or share link.
    pub playlist: String,
}

/// The reply of `playlist.tracks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistTracksReply {
    pub playlist_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub tracks: Vec<TrackRef>,
}

impl CapabilityRequest for PlaylistTracksRequest {
    const OPERATION: &'static str = PLAYLIST_TRACKS;
    type Reply = PlaylistTracksReply;
}
