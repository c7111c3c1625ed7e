//! `enrich.metadata`: MusicBrainz metadata and cover art written into a downloaded file
//! (contracts/capabilities/enrich.metadata.yaml).

use serde::{Deserialize, Serialize};

use super::CapabilityRequest;
use crate::operations::ENRICH_METADATA;
use crate::track::{FileRef, TrackRef};

/// The request of `enrich.metadata`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrichMetadataRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub file: FileRef,
    pub track: TrackRef,
}

/// The reply of `enrich.metadata`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrichMetadataReply {
    /// Whether the file was rewritten (false when it already carried this metadata).
    pub tags_written: bool,
    /// The file as it is now: a rewrite changes its size and checksum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileRef>,
    pub metadata: TrackMetadata,
}

impl CapabilityRequest for EnrichMetadataRequest {
    const OPERATION: &'static str = ENRICH_METADATA;
    type Reply = EnrichMetadataReply;
}

/// The `metadata` of an `enrich.metadata` reply: what the file now carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackMetadata {
    pub title: String,
    pub artist: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_artist: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_number: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disc_number: Option<u32>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub musicbrainz_recording_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub musicbrainz_release_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub musicbrainz_artist_id: Option<String>,
    /// Whether the file carries a front cover; an absent flag reads as `false`.
    #[serde(default)]
    pub cover_art: bool,
}
