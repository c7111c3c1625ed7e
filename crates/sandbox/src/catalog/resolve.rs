//! Turns the raw TOML schema into the checked catalog model.

use super::model::{Album, Artist, Peer, PeerFile, Playlist, Track};
use super::raw::{RawAlbum, RawCatalog, RawPeer, RawPeerFile, RawTrack};
use super::{Catalog, synthetic};
use crate::audio::AudioFormat;
use crate::error::SandboxError;

pub(super) fn resolve(raw: RawCatalog) -> Result<Catalog, SandboxError> {
    let mut artists: Vec<Artist> = raw.artists.into_iter().map(artist).collect();
    let mut albums: Vec<Album> = raw.albums.into_iter().map(album).collect();
    let mut tracks: Vec<Track> = raw.tracks.into_iter().map(track).collect();
    let mut peers = raw
        .peers
        .into_iter()
        .map(peer)
        .collect::<Result<Vec<_>, _>>()?;
    let generated = raw.synthetic.map(|settings| synthetic::generate(&settings));
    let synthetic_ids: Vec<String> = match generated {
        Some(generated) => {
            let ids = generated
                .tracks
                .iter()
                .map(|t| t.spotify_id.clone())
                .collect();
            artists.extend(generated.artists);
            albums.extend(generated.albums);
            tracks.extend(generated.tracks);
            peers.push(generated.peer);
            ids
        }
        None => Vec::new(),
    };
    for album in &mut albums {
        let count = tracks.iter().filter(|t| t.album_key == album.key).count();
        album.track_count = u32::try_from(count).unwrap_or(u32::MAX);
    }
    let playlists = raw
        .playlists
        .into_iter()
        .map(|playlist| {
            let mut track_ids = playlist.tracks;
            if playlist.append_synthetic {
                track_ids.extend(synthetic_ids.iter().cloned());
            }
            Playlist {
                id: playlist.id,
                name: playlist.name,
                description: playlist.description,
                track_ids,
            }
        })
        .collect();
    let catalog = Catalog::new(
        raw.blocked_search_terms,
        artists,
        albums,
        tracks,
        peers,
        playlists,
    );
    validate(&catalog)?;
    Ok(catalog)
}

fn validate(catalog: &Catalog) -> Result<(), SandboxError> {
    let invalid = |message: String| Err(SandboxError::InvalidCatalog(message));
    for album in &catalog.albums {
        if catalog.artist(&album.artist_key).is_none() {
            return invalid(format!(
                "album {} names unknown artist {}",
                album.key, album.artist_key
            ));
        }
    }
    for track in &catalog.tracks {
        if catalog.context(track).is_none() {
            return invalid(format!(
                "track {} names an unknown artist or album",
                track.spotify_id
            ));
        }
    }
    let files = catalog.peers.iter().flat_map(|peer| &peer.files);
    for file in files {
        if catalog.track(&file.track_id).is_none() {
            return invalid(format!(
                "file {} names unknown track {}",
                file.filename, file.track_id
            ));
        }
    }
    for playlist in &catalog.playlists {
        if let Some(missing) = playlist
            .track_ids
            .iter()
            .find(|id| catalog.track(id).is_none())
        {
            return invalid(format!(
                "playlist {} names unknown track {missing}",
                playlist.id
            ));
        }
    }
    Ok(())
}

fn artist(raw: super::raw::RawArtist) -> Artist {
    Artist {
        sort_name: raw.sort_name.unwrap_or_else(|| raw.name.clone()),
        key: raw.key,
        name: raw.name,
        spotify_id: raw.spotify_id,
        mbid: raw.mbid,
    }
}

fn album(raw: RawAlbum) -> Album {
    Album {
        key: raw.key,
        title: raw.title,
        artist_key: raw.artist,
        release_date: raw.release_date,
        country: raw.country,
        spotify_id: raw.spotify_id,
        mbid: raw.mbid,
        release_group_mbid: raw.release_group_mbid,
        cover_art: raw.cover_art,
        track_count: 0,
    }
}

fn track(raw: RawTrack) -> Track {
    Track {
        spotify_id: raw.spotify_id,
        title: raw.title,
        artist_key: raw.artist,
        album_key: raw.album,
        track_number: raw.track_number,
        disc_number: raw.disc_number,
        duration_ms: raw.duration_ms,
        isrc: raw.isrc,
        mbid: raw.mbid,
        mb_track_mbid: raw.mb_track_mbid,
        explicit: raw.explicit,
    }
}

fn peer(raw: RawPeer) -> Result<Peer, SandboxError> {
    let files = raw
        .files
        .into_iter()
        .map(peer_file)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Peer {
        username: raw.username,
        offline: raw.offline,
        queue_length: raw.queue_length,
        upload_speed: raw.upload_speed,
        free_upload_slot: raw.free_upload_slot,
        files,
    })
}

fn peer_file(raw: RawPeerFile) -> Result<PeerFile, SandboxError> {
    let format = AudioFormat::from_filename(&raw.filename).ok_or_else(|| {
        SandboxError::InvalidCatalog(format!("file {} is neither .flac nor .mp3", raw.filename))
    })?;
    Ok(PeerFile {
        filename: raw.filename,
        track_id: raw.track,
        format,
        bit_rate: raw.bit_rate,
        variable_bit_rate: raw.variable_bit_rate,
        length_offset_secs: raw.length_offset_secs,
        locked: raw.locked,
        report_extension: raw.report_extension,
        report_attributes: raw.report_attributes,
        fault: raw.fault,
    })
}
