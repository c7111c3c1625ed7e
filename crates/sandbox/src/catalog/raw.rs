//! The catalog file's TOML schema, before references are resolved.

use serde::Deserialize;

use crate::faults::TransferFault;

/// Root of a catalog file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCatalog {
    #[serde(default)]
    pub blocked_search_terms: Vec<String>,
    #[serde(default)]
    pub synthetic: Option<RawSynthetic>,
    #[serde(default)]
    pub artists: Vec<RawArtist>,
    #[serde(default)]
    pub albums: Vec<RawAlbum>,
    #[serde(default)]
    pub tracks: Vec<RawTrack>,
    #[serde(default)]
    pub peers: Vec<RawPeer>,
    #[serde(default)]
    pub playlists: Vec<RawPlaylist>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSynthetic {
    pub tracks: usize,
    pub artists: usize,
    pub peer: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArtist {
    pub key: String,
    pub name: String,
    pub sort_name: Option<String>,
    pub spotify_id: String,
    pub mbid: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAlbum {
    pub key: String,
    pub title: String,
    pub artist: String,
    pub release_date: String,
    #[serde(default = "default_country")]
    pub country: String,
    pub spotify_id: String,
    pub mbid: String,
    pub release_group_mbid: String,
    #[serde(default = "yes")]
    pub cover_art: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTrack {
    pub spotify_id: String,
    pub title: String,
    pub artist: String,
    pub album: String,
    pub track_number: u32,
    #[serde(default = "one")]
    pub disc_number: u32,
    pub duration_ms: u32,
    pub isrc: Option<String>,
    pub mbid: String,
    pub mb_track_mbid: String,
    #[serde(default)]
    pub explicit: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPeer {
    pub username: String,
    #[serde(default)]
    pub offline: bool,
    #[serde(default)]
    pub queue_length: u32,
    #[serde(default = "default_upload_speed")]
    pub upload_speed: u64,
    #[serde(default = "yes")]
    pub free_upload_slot: bool,
    #[serde(default)]
    pub files: Vec<RawPeerFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPeerFile {
    pub filename: String,
    pub track: String,
    pub bit_rate: Option<u32>,
    #[serde(default)]
    pub variable_bit_rate: bool,
    #[serde(default)]
    pub length_offset_secs: i32,
    #[serde(default)]
    pub locked: bool,
    #[serde(default)]
    pub report_extension: bool,
    #[serde(default = "yes")]
    pub report_attributes: bool,
    pub fault: Option<TransferFault>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPlaylist {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub tracks: Vec<String>,
    #[serde(default)]
    pub append_synthetic: bool,
}

fn default_country() -> String {
    "XW".to_owned()
}

fn default_upload_speed() -> u64 {
    1_000_000
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}
