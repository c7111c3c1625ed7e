//! The metadata of a track as the reply reports it and the file ends up carrying: what the
//! file said, overridden by what was asked for, overridden by what MusicBrainz says.

use soulspot_contracts::TrackRef;

use crate::matching::Match;
use crate::tags::FileTags;

pub use soulspot_contracts::payloads::TrackMetadata;

/// What a file's own tags say, as metadata (absent title and artist read as empty).
pub fn of_file(file: &FileTags) -> TrackMetadata {
    TrackMetadata {
        title: file.title.clone().unwrap_or_default(),
        artist: file.artist.clone().unwrap_or_default(),
        album: file.album.clone(),
        album_artist: file.album_artist.clone(),
        track_number: file.track_number,
        disc_number: file.disc_number,
        date: file.date.clone(),
        musicbrainz_recording_id: file.recording_id.clone(),
        musicbrainz_release_id: file.release_id.clone(),
        musicbrainz_artist_id: file.artist_id.clone(),
        cover_art: file.has_front_cover,
    }
}

/// The file's tags with the requested track's title, artist and album on top: the
/// request names the song that was wanted, a peer's tags are often sloppy.
pub fn requested(track: &TrackRef, file: &FileTags) -> TrackMetadata {
    let from_file = of_file(file);
    TrackMetadata {
        title: track.title.clone(),
        artist: track.artist.clone(),
        album: track.album.clone().or(from_file.album.clone()),
        musicbrainz_recording_id: from_file
            .musicbrainz_recording_id
            .clone()
            .or_else(|| track.musicbrainz_id.clone()),
        ..from_file
    }
}

/// Overrides everything MusicBrainz knows.
pub fn apply_match(metadata: &mut TrackMetadata, found: &Match) {
    metadata.title.clone_from(&found.title);
    if let Some(artist) = &found.artist {
        metadata.artist.clone_from(artist);
    }
    metadata.musicbrainz_recording_id = Some(found.recording_id.clone());
    metadata.musicbrainz_artist_id = found
        .artist_id
        .clone()
        .or(metadata.musicbrainz_artist_id.take());
    metadata.date = found.date.clone().or(metadata.date.take());
    if let Some(release) = &found.release {
        metadata.album = Some(release.title.clone());
        metadata.musicbrainz_release_id = Some(release.id.clone());
        metadata.album_artist = release
            .album_artist
            .clone()
            .or(metadata.album_artist.take());
        metadata.track_number = release.track_number.or(metadata.track_number);
        metadata.disc_number = release.disc_number.or(metadata.disc_number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::ReleaseMatch;

    fn track() -> TrackRef {
        serde_json::from_value(serde_json::json!({"title": "Teardrop", "artist": "Massive Attack"}))
            .unwrap()
    }

    #[test]
    fn the_request_overrides_the_files_title_and_artist_but_keeps_the_rest() {
        let file = FileTags {
            title: Some("teardrop (320)".to_owned()),
            artist: Some("massive attack".to_owned()),
            album: Some("Mezzanine".to_owned()),
            track_number: Some(3),
            has_front_cover: true,
            ..FileTags::default()
        };
        let metadata = requested(&track(), &file);
        assert_eq!(metadata.title, "Teardrop");
        assert_eq!(metadata.artist, "Massive Attack");
        assert_eq!(metadata.album.as_deref(), Some("Mezzanine"));
        assert_eq!(metadata.track_number, Some(3));
        assert!(metadata.cover_art);
    }

    #[test]
    fn a_match_overrides_everything_it_knows() {
        let mut metadata = requested(&track(), &FileTags::default());
        apply_match(
            &mut metadata,
            &Match {
                recording_id: "rec".to_owned(),
                title: "Teardrop".to_owned(),
                artist: Some("Massive Attack".to_owned()),
                artist_id: Some("art".to_owned()),
                date: Some("1998-04-20".to_owned()),
                release: Some(ReleaseMatch {
                    id: "rel".to_owned(),
                    title: "Mezzanine".to_owned(),
                    album_artist: Some("Massive Attack".to_owned()),
                    track_number: Some(3),
                    disc_number: Some(1),
                }),
            },
        );
        assert_eq!(metadata.album.as_deref(), Some("Mezzanine"));
        assert_eq!(metadata.musicbrainz_release_id.as_deref(), Some("rel"));
        assert_eq!(metadata.musicbrainz_recording_id.as_deref(), Some("rec"));
        assert_eq!(
            (metadata.track_number, metadata.disc_number),
            (Some(3), Some(1))
        );
        assert_eq!(metadata.date.as_deref(), Some("1998-04-20"));
    }
}
