//! The catalog every emulator serves from: loading, validation and look-ups.

mod model;
mod raw;
mod resolve;
mod synthetic;

use std::collections::HashMap;
use std::path::Path;

pub use model::{Album, Artist, Peer, PeerFile, Playlist, Track};

use crate::error::SandboxError;

/// The catalog shipped with the crate.
pub const DEFAULT_CATALOG_TOML: &str = include_str!("../../catalog/default.toml");

/// The music the emulated services agree on.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Terms the emulated Soulseek server silently drops.
    pub blocked_search_terms: Vec<String>,
    /// All artists.
    pub artists: Vec<Artist>,
    /// All albums.
    pub albums: Vec<Album>,
    /// All tracks, including variants (remixes, live recordings).
    pub tracks: Vec<Track>,
    /// All Soulseek peers.
    pub peers: Vec<Peer>,
    /// All playlists.
    pub playlists: Vec<Playlist>,
    track_index: HashMap<String, usize>,
}

impl Catalog {
    /// The catalog embedded in the crate (`catalog/default.toml`).
    pub fn embedded() -> Result<Self, SandboxError> {
        Self::from_toml(DEFAULT_CATALOG_TOML)
    }

    /// Parses a catalog from TOML text.
    pub fn from_toml(text: &str) -> Result<Self, SandboxError> {
        let raw: raw::RawCatalog = toml::from_str(text).map_err(SandboxError::ParseCatalog)?;
        resolve::resolve(raw)
    }

    /// Reads and parses a catalog file.
    pub fn from_path(path: &Path) -> Result<Self, SandboxError> {
        let text = std::fs::read_to_string(path).map_err(|source| SandboxError::ReadCatalog {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text)
    }

    pub(crate) fn new(
        blocked_search_terms: Vec<String>,
        artists: Vec<Artist>,
        albums: Vec<Album>,
        tracks: Vec<Track>,
        peers: Vec<Peer>,
        playlists: Vec<Playlist>,
    ) -> Self {
        let track_index = tracks
            .iter()
            .enumerate()
            .map(|(index, track)| (track.spotify_id.clone(), index))
            .collect();
        Self {
            blocked_search_terms,
            artists,
            albums,
            tracks,
            peers,
            playlists,
            track_index,
        }
    }

    /// The track with this Spotify id.
    pub fn track(&self, spotify_id: &str) -> Option<&Track> {
        self.track_index
            .get(spotify_id)
            .and_then(|index| self.tracks.get(*index))
    }

    /// The artist with this key.
    pub fn artist(&self, key: &str) -> Option<&Artist> {
        self.artists.iter().find(|artist| artist.key == key)
    }

    /// The album with this key.
    pub fn album(&self, key: &str) -> Option<&Album> {
        self.albums.iter().find(|album| album.key == key)
    }

    /// The album with this MusicBrainz release id.
    pub fn album_by_mbid(&self, mbid: &str) -> Option<&Album> {
        self.albums.iter().find(|album| album.mbid == mbid)
    }

    /// The peer with this username.
    pub fn peer(&self, username: &str) -> Option<&Peer> {
        self.peers.iter().find(|peer| peer.username == username)
    }

    /// The playlist with this id.
    pub fn playlist(&self, id: &str) -> Option<&Playlist> {
        self.playlists.iter().find(|playlist| playlist.id == id)
    }

    /// Artist and album of a track; both exist once the catalog is resolved.
    pub fn context(&self, track: &Track) -> Option<(&Artist, &Album)> {
        Some((
            self.artist(&track.artist_key)?,
            self.album(&track.album_key)?,
        ))
    }
}
