//! The library's capabilities: `import.track`, `library.contains`, `library.stats` and
//! `playlist.write` (contracts/capabilities/<operation>.yaml).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::CapabilityRequest;
use crate::operations::{IMPORT_TRACK, LIBRARY_CONTAINS, LIBRARY_STATS, PLAYLIST_WRITE};
use crate::track::{FileRef, TrackRef};

/// The request of `import.track`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportTrackRequest {
    /// Imports are idempotent by job id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    pub file: FileRef,
    pub track: TrackRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ImportMetadata>,
}

/// What enrichment learnt (the `metadata` of `enrich.metadata`'s reply); each field, when
/// present, wins over the track's. Other keys, such as the reply's `cover_art`, are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImportMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artist: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub album_artist: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub track_number: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disc_number: Option<u32>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; the year is taken from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub musicbrainz_recording_id: Option<String>,
    /// Used when the file itself does not tell its bitrate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate_kbps: Option<u32>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    Imported,
    Replaced,
    KeptBoth,
    SkippedDuplicate,
    AlreadyImported,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Imported => "imported",
            ImportStatus::Replaced => "replaced",
            ImportStatus::KeptBoth => "kept_both",
            ImportStatus::SkippedDuplicate => "skipped_duplicate",
            ImportStatus::AlreadyImported => "already_imported",
        }
    }
}

/// The reply of `import.track`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportTrackReply {
    pub status: ImportStatus,
    /// The library path of the track now held (the existing one for `skipped_duplicate` and
    /// `already_imported`).
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
}

impl CapabilityRequest for ImportTrackRequest {
    const OPERATION: &'static str = IMPORT_TRACK;
    type Reply = ImportTrackReply;
}

/// The request of `library.contains`: at most 1000 tracks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LibraryContainsRequest {
    pub tracks: Vec<TrackRef>,
}

/// The reply of `library.contains`: one flag per requested track, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryContainsReply {
    pub present: Vec<bool>,
}

impl CapabilityRequest for LibraryContainsRequest {
    const OPERATION: &'static str = LIBRARY_CONTAINS;
    type Reply = LibraryContainsReply;
}

/// The request of `library.stats`: empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct LibraryStatsRequest {}

/// The reply of `library.stats`: counts of what the library holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct LibraryStatsReply {
    pub tracks: u64,
    pub artists: u64,
    pub albums: u64,
    pub total_bytes: u64,
    /// Tracks per container format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formats: Option<BTreeMap<String, u64>>,
}

impl CapabilityRequest for LibraryStatsRequest {
    const OPERATION: &'static str = LIBRARY_STATS;
    type Reply = LibraryStatsReply;
}

/// The request of `playlist.write`: the playlist's tracks in order; those the library holds
/// are listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaylistWriteRequest {
    pub playlist_id: String,
    /// Names the file, sanitised: `Playlists/<name>.m3u8`.
    pub name: String,
    pub tracks: Vec<TrackRef>,
}

/// The reply of `playlist.write`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlaylistWriteReply {
    /// The file written, on the library volume.
    pub path: String,
    /// Tracks listed in it.
    pub entries: u64,
    /// Tracks the library does not hold (yet), left out.
    pub missing: u64,
}

impl CapabilityRequest for PlaylistWriteRequest {
    const OPERATION: &'static str = PLAYLIST_WRITE;
    type Reply = PlaylistWriteReply;
}
