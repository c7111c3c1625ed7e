//! Generated filler music, so playlists can be long without a long catalog file.

use super::model::{Album, Artist, Peer, PeerFile, Track};
use super::raw::RawSynthetic;
use crate::audio::AudioFormat;
use crate::ids::{spotify_id_from, uuid_from};

/// Tracks per generated album.
const TRACKS_PER_ALBUM: usize = 5;

pub(super) struct Generated {
    pub artists: Vec<Artist>,
    pub albums: Vec<Album>,
    pub tracks: Vec<Track>,
    pub peer: Peer,
}

/// Generates `settings.tracks` tracks spread over `settings.artists` artists, albums of
/// five, and one peer sharing all of them as FLAC under `@@synth\Artist\Album\`.
pub(super) fn generate(settings: &RawSynthetic) -> Generated {
    let artist_count = settings.artists.max(1);
    let artists: Vec<Artist> = (1..=artist_count).map(artist).collect();
    let mut albums: Vec<Album> = Vec::new();
    let mut tracks = Vec::new();
    let mut files = Vec::new();
    for index in 0..settings.tracks {
        let artist = &artists[index % artist_count];
        let album_number = index / (artist_count * TRACKS_PER_ALBUM) + 1;
        let album_key = format!("{}-album-{album_number}", artist.key);
        if !albums.iter().any(|album| album.key == album_key) {
            albums.push(album(artist, album_number, &album_key));
        }
        let track_number = u32::try_from(
            tracks
                .iter()
                .filter(|t: &&Track| t.album_key == album_key)
                .count()
                + 1,
        )
        .unwrap_or(u32::MAX);
        let track = track(index + 1, artist, &album_key, track_number);
        let album_title = format!("Sandbox Album {album_number}");
        files.push(file(&artist.name, &album_title, &track));
        tracks.push(track);
    }
    let peer = Peer {
        username: settings.peer.clone(),
        offline: false,
        queue_length: 0,
        upload_speed: 6_000_000,
        free_upload_slot: true,
        files,
    };
    Generated {
        artists,
        albums,
        tracks,
        peer,
    }
}

fn artist(number: usize) -> Artist {
    let key = format!("synthetic-artist-{number}");
    Artist {
        name: format!("Sandbox Artist {number}"),
        sort_name: format!("Artist {number}, Sandbox"),
        spotify_id: spotify_id_from(&format!("artist/{key}")),
        mbid: uuid_from(&format!("artist/{key}")).to_string(),
        key,
    }
}

fn album(artist: &Artist, number: usize, key: &str) -> Album {
    Album {
        key: key.to_owned(),
        title: format!("Sandbox Album {number}"),
        artist_key: artist.key.clone(),
        release_date: format!("{}-01-01", 2000 + number),
        country: "XW".to_owned(),
        spotify_id: spotify_id_from(&format!("album/{key}")),
        mbid: uuid_from(&format!("release/{key}")).to_string(),
        release_group_mbid: uuid_from(&format!("release-group/{key}")).to_string(),
        cover_art: true,
        track_count: 0,
    }
}

fn track(number: usize, artist: &Artist, album_key: &str, track_number: u32) -> Track {
    let key = format!("synthetic-track-{number}");
    let seconds = 150 + u32::try_from(number * 7 % 120).unwrap_or(0);
    Track {
        spotify_id: spotify_id_from(&format!("track/{key}")),
        title: format!("Synthetic Track {number}"),
        artist_key: artist.key.clone(),
        album_key: album_key.to_owned(),
        track_number,
        disc_number: 1,
        duration_ms: seconds * 1000 + 250,
        isrc: Some(format!("QZSBX{:02}{:05}", number % 100, number)),
        mbid: uuid_from(&format!("recording/{key}")).to_string(),
        mb_track_mbid: uuid_from(&format!("track/{key}")).to_string(),
        explicit: false,
    }
}

fn file(artist_name: &str, album_title: &str, track: &Track) -> PeerFile {
    PeerFile {
        filename: format!(
            "@@synth\\{artist_name}\\{album_title}\\{:02} - {}.flac",
            track.track_number, track.title
        ),
        track_id: track.spotify_id.clone(),
        format: AudioFormat::Flac,
        bit_rate: None,
        variable_bit_rate: false,
        length_offset_secs: 0,
        locked: false,
        report_extension: false,
        report_attributes: true,
        fault: None,
    }
}
