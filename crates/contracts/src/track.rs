//! `TrackRef` and `FileRef`: the two data contracts that travel between every module.

use serde::{Deserialize, Serialize};

/// A track as the modules know it: what the user wants, and every identifier found so far.
///
/// Only `title` and `artist` are required; ids are filled in as modules learn them
/// (spotify on search, metadata on enrichment).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TrackRef {
    /// SoulSpot's own id for this track, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spotify_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub musicbrainz_id: Option<String>,
    /// International Standard Recording Code; often absent (see REFERENCE.md on Spotify).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isrc: Option<String>,
    pub title: String,
    pub artist: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// A file on one of the shared volumes (slskd's downloads directory or the library root).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub file_id: String,
    pub path: String,
    pub size: u64,
    /// Lower-case container format: `flac`, `mp3`, `ogg`, ...
    pub format: String,
    /// `sha256:<hex>` of the file's bytes, when computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}
