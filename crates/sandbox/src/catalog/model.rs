//! The resolved catalog: artists, albums, tracks, the peers sharing them and playlists.

use crate::audio::AudioFormat;
use crate::faults::TransferFault;

/// An artist known to Spotify and MusicBrainz alike.
#[derive(Debug, Clone)]
pub struct Artist {
    /// Catalog-internal key.
    pub key: String,
    /// Display name.
    pub name: String,
    /// MusicBrainz sort name.
    pub sort_name: String,
    /// Spotify artist id.
    pub spotify_id: String,
    /// MusicBrainz artist id.
    pub mbid: String,
}

/// An album (Spotify album, MusicBrainz release).
#[derive(Debug, Clone)]
pub struct Album {
    /// Catalog-internal key.
    pub key: String,
    /// Title.
    pub title: String,
    /// Key of the album artist.
    pub artist_key: String,
    /// `YYYY-MM-DD`.
    pub release_date: String,
    /// ISO country of the release.
    pub country: String,
    /// Spotify album id.
    pub spotify_id: String,
    /// MusicBrainz release id.
    pub mbid: String,
    /// MusicBrainz release-group id.
    pub release_group_mbid: String,
    /// Whether the Cover Art Archive has a front image.
    pub cover_art: bool,
    /// Number of catalog tracks on it.
    pub track_count: u32,
}

impl Album {
    /// The release year.
    pub fn year(&self) -> &str {
        self.release_date.get(..4).unwrap_or(&self.release_date)
    }
}

/// A track (Spotify track, MusicBrainz recording).
#[derive(Debug, Clone)]
pub struct Track {
    /// Spotify track id; also the catalog key.
    pub spotify_id: String,
    /// Title.
    pub title: String,
    /// Key of the artist.
    pub artist_key: String,
    /// Key of the album.
    pub album_key: String,
    /// Position on its disc.
    pub track_number: u32,
    /// Disc number.
    pub disc_number: u32,
    /// Duration in milliseconds.
    pub duration_ms: u32,
    /// ISRC, when the label registered one.
    pub isrc: Option<String>,
    /// MusicBrainz recording id.
    pub mbid: String,
    /// MusicBrainz track id (the recording's place on the release).
    pub mb_track_mbid: String,
    /// Explicit lyrics.
    pub explicit: bool,
}

/// A Soulseek user sharing files.
#[derive(Debug, Clone)]
pub struct Peer {
    /// Soulseek username.
    pub username: String,
    /// Answers searches but cannot be downloaded from (enqueueing fails with 500).
    pub offline: bool,
    /// Length of the peer's upload queue.
    pub queue_length: u32,
    /// Advertised upload speed, bytes per second.
    pub upload_speed: u64,
    /// Whether an upload slot is free.
    pub free_upload_slot: bool,
    /// Shared files.
    pub files: Vec<PeerFile>,
}

/// One shared file.
#[derive(Debug, Clone)]
pub struct PeerFile {
    /// Full remote path, backslash separated, reported verbatim.
    pub filename: String,
    /// Spotify id of the track whose audio the file holds.
    pub track_id: String,
    /// Container/codec, from the filename suffix.
    pub format: AudioFormat,
    /// Reported bitrate in kbit/s (MP3 also encodes at it).
    pub bit_rate: Option<u32>,
    /// Reported as variable bitrate.
    pub variable_bit_rate: bool,
    /// Seconds added to the track's duration in the reported length.
    pub length_offset_secs: i32,
    /// Only privileged users may download it; reported under `lockedFiles`.
    pub locked: bool,
    /// Whether `extension` is filled in (peers usually leave it empty).
    pub report_extension: bool,
    /// Whether bitrate, length, sample rate and bit depth are reported at all.
    pub report_attributes: bool,
    /// Failure the peer inflicts on downloads of this file.
    pub fault: Option<TransferFault>,
}

/// A Spotify playlist.
#[derive(Debug, Clone)]
pub struct Playlist {
    /// Spotify playlist id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Spotify ids of its entries, in order.
    pub track_ids: Vec<String>,
}
