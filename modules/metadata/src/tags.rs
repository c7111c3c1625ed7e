//! Reading and writing a file's tags with lofty. A write goes to a temporary copy next to
//! the file, which is synced and then renamed over it: a crash leaves the old file or the
//! new one, never half of each.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lofty::config::WriteOptions;
use lofty::file::{AudioFile, TaggedFile};
use lofty::picture::{MimeType, Picture, PictureType};
use lofty::prelude::{Accessor, ItemKey, TagExt, TaggedFileExt};
use lofty::probe::Probe;
use lofty::tag::Tag;

use crate::metadata::TrackMetadata;

/// What a file carries before enrichment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileTags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub album_artist: Option<String>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
    pub date: Option<String>,
    pub isrc: Option<String>,
    pub recording_id: Option<String>,
    pub release_id: Option<String>,
    pub artist_id: Option<String>,
    pub has_front_cover: bool,
    /// Length of the audio.
    pub duration: Option<Duration>,
}

/// A front cover to embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverImage {
    pub data: Vec<u8>,
    /// `image/png`, `image/jpeg`, ...
    pub mime_type: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TagError {
    #[error("{path} cannot be read as audio: {source}")]
    Unreadable {
        path: PathBuf,
        #[source]
        source: lofty::error::FileParseError,
    },
    #[error("writing tags into {path} failed: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: lofty::error::FileEncodingError,
    },
    #[error("{action} {path} failed: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The caller stopped waiting: a rewrite now would change a file it no longer expects.
    #[error("tags not written into {path}: the caller's deadline has passed")]
    DeadlinePassed { path: PathBuf },
    #[error("tagging task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Reads the tags and length of the file at `path`.
pub async fn read(path: PathBuf) -> Result<FileTags, TagError> {
    tokio::task::spawn_blocking(move || read_blocking(&path)).await?
}

/// Writes `metadata` (and `cover`, replacing any front cover) into the file at `path`, unless
/// `deadline` passes first: the file is then left as it was.
pub async fn write(
    path: PathBuf,
    metadata: TrackMetadata,
    cover: Option<CoverImage>,
    deadline: Option<Instant>,
) -> Result<(), TagError> {
    tokio::task::spawn_blocking(move || write_blocking(&path, &metadata, cover.as_ref(), deadline))
        .await?
}

/// `Err` once `deadline` has passed.
pub fn before(deadline: Option<Instant>, path: &Path) -> Result<(), TagError> {
    match deadline {
        Some(deadline) if Instant::now() >= deadline => Err(TagError::DeadlinePassed {
            path: path.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// Reads the file, recognising its format by content first: peers misname files, and the
/// temporary copy has no meaningful extension.
fn open_tagged(path: &Path) -> Result<TaggedFile, TagError> {
    let probed = || -> Result<TaggedFile, lofty::error::FileParseError> {
        Probe::open(path)?.guess_file_type()?.read()
    };
    probed().map_err(|source| TagError::Unreadable {
        path: path.to_owned(),
        source,
    })
}

fn read_blocking(path: &Path) -> Result<FileTags, TagError> {
    let tagged = open_tagged(path)?;
    let duration = Some(tagged.properties().duration()).filter(|length| !length.is_zero());
    let Some(tag) = tagged.primary_tag().or_else(|| tagged.first_tag()) else {
        return Ok(FileTags {
            duration,
            ..FileTags::default()
        });
    };
    let text = |key: ItemKey| tag.get_string(key).map(str::to_owned);
    Ok(FileTags {
        title: tag.title().map(|title| title.into_owned()),
        artist: tag.artist().map(|artist| artist.into_owned()),
        album: tag.album().map(|album| album.into_owned()),
        album_artist: text(ItemKey::AlbumArtist),
        track_number: tag.track(),
        disc_number: tag.disk(),
        date: text(ItemKey::RecordingDate).or_else(|| text(ItemKey::Year)),
        isrc: text(ItemKey::Isrc),
        recording_id: text(ItemKey::MusicBrainzRecordingId),
        release_id: text(ItemKey::MusicBrainzReleaseId),
        artist_id: text(ItemKey::MusicBrainzArtistId),
        has_front_cover: tag.get_picture_type(PictureType::CoverFront).is_some(),
        duration,
    })
}

fn write_blocking(
    path: &Path,
    metadata: &TrackMetadata,
    cover: Option<&CoverImage>,
    deadline: Option<Instant>,
) -> Result<(), TagError> {
    let io_error = |action| {
        move |source| TagError::Io {
            action,
            path: path.to_owned(),
            source,
        }
    };
    let directory = path.parent().unwrap_or_else(|| Path::new("."));
    let mut original = File::open(path).map_err(io_error("opening"))?;
    let permissions = original
        .metadata()
        .map_err(io_error("inspecting"))?
        .permissions();
    // Same directory, so the final rename stays on one file system and is atomic.
    let mut copy = tempfile::Builder::new()
        .prefix(".soulspot-tagging-")
        .tempfile_in(directory)
        .map_err(io_error("creating a temporary copy of"))?;
    std::io::copy(&mut original, copy.as_file_mut()).map_err(io_error("copying"))?;
    copy.as_file()
        .set_permissions(permissions)
        .map_err(io_error("setting permissions on the copy of"))?;

    let tagged = open_tagged(copy.path())?;
    let mut tag = tagged
        .primary_tag()
        .cloned()
        .unwrap_or_else(|| Tag::new(tagged.primary_tag_type()));
    apply(&mut tag, metadata, cover);
    tag.save_to_path(copy.path(), WriteOptions::default())
        .map_err(|source| TagError::Write {
            path: path.to_owned(),
            source,
        })?;

    copy.as_file()
        .sync_all()
        .map_err(io_error("syncing the copy of"))?;
    // Last moment to give up: past the rename the caller would find a file it never heard of.
    before(deadline, path)?;
    copy.persist(path)
        .map_err(|error| io_error("replacing")(error.error))?;
    sync_directory(directory);
    Ok(())
}

fn apply(tag: &mut Tag, metadata: &TrackMetadata, cover: Option<&CoverImage>) {
    tag.set_title(metadata.title.clone());
    tag.set_artist(metadata.artist.clone());
    if let Some(album) = &metadata.album {
        tag.set_album(album.clone());
    }
    if let Some(track_number) = metadata.track_number {
        tag.set_track(track_number);
    }
    if let Some(disc_number) = metadata.disc_number {
        tag.set_disk(disc_number);
    }
    let texts = [
        (ItemKey::AlbumArtist, &metadata.album_artist),
        (ItemKey::RecordingDate, &metadata.date),
        (
            ItemKey::MusicBrainzRecordingId,
            &metadata.musicbrainz_recording_id,
        ),
        (
            ItemKey::MusicBrainzReleaseId,
            &metadata.musicbrainz_release_id,
        ),
        (
            ItemKey::MusicBrainzArtistId,
            &metadata.musicbrainz_artist_id,
        ),
    ];
    for (key, value) in texts {
        if let Some(value) = value {
            tag.insert_text(key, value.clone());
        }
    }
    if let Some(cover) = cover {
        tag.remove_picture_type(PictureType::CoverFront);
        tag.push_picture(
            Picture::unchecked(cover.data.clone())
                .pic_type(PictureType::CoverFront)
                .mime_type(MimeType::from_str(&cover.mime_type))
                .build(),
        );
    }
}

/// Makes the rename itself durable. Best effort: not every platform can open a directory.
fn sync_directory(directory: &Path) {
    if let Err(error) = File::open(directory).and_then(|handle| handle.sync_all()) {
        tracing::debug!(%error, directory = %directory.display(), "directory not synced");
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use soulspot_sandbox::audio::{AudioTags, Tone, encode_flac, encode_mp3};

    use super::*;

    /// A 1×1 PNG.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
        0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];

    fn peer_tags() -> AudioTags {
        AudioTags {
            title: "glass harbour".to_owned(),
            artist: "aurora lane".to_owned(),
            album: "Northern Lights".to_owned(),
            track_number: 1,
        }
    }

    fn sample_files(dir: &Path) -> [PathBuf; 2] {
        let flac = dir.join("01 - Glass Harbour.flac");
        let mp3 = dir.join("01 - Glass Harbour.mp3");
        let length = Duration::from_secs(1);
        std::fs::write(
            &flac,
            encode_flac(&Tone::for_seed("a"), length, &peer_tags()),
        )
        .unwrap();
        std::fs::write(&mp3, encode_mp3(length, 128, &peer_tags())).unwrap();
        [flac, mp3]
    }

    fn enriched() -> TrackMetadata {
        TrackMetadata {
            title: "Glass Harbour".to_owned(),
            artist: "Aurora Lane".to_owned(),
            album: Some("Northern Lights".to_owned()),
            album_artist: Some("Aurora Lane".to_owned()),
            track_number: Some(1),
            disc_number: Some(1),
            date: Some("2019-03-15".to_owned()),
            musicbrainz_recording_id: Some("a72b2d8e-d16d-5526-aade-775aa69ee37e".to_owned()),
            musicbrainz_release_id: Some("e13b7fc6-9a7f-5ecf-a374-1a47e4427bb4".to_owned()),
            musicbrainz_artist_id: Some("d554870a-3ce6-5c44-8d8a-e97425fad9cd".to_owned()),
            cover_art: true,
        }
    }

    #[tokio::test]
    async fn reads_the_tags_and_length_of_generated_files() {
        let dir = tempfile::tempdir().unwrap();
        for path in sample_files(dir.path()) {
            let tags = read(path.clone()).await.unwrap();
            assert_eq!(tags.title.as_deref(), Some("glass harbour"), "{path:?}");
            assert_eq!(tags.artist.as_deref(), Some("aurora lane"));
            assert_eq!(tags.track_number, Some(1));
            assert!(!tags.has_front_cover);
            let seconds = tags.duration.unwrap().as_secs_f64();
            assert!((0.9..1.2).contains(&seconds), "{path:?}: {seconds} s");
        }
    }

    #[tokio::test]
    async fn written_tags_read_back_from_flac_and_mp3() {
        let dir = tempfile::tempdir().unwrap();
        let cover = CoverImage {
            data: PNG.to_vec(),
            mime_type: "image/png".to_owned(),
        };
        for path in sample_files(dir.path()) {
            write(path.clone(), enriched(), Some(cover.clone()), None)
                .await
                .unwrap();

            let tagged = lofty::read_from_path(&path).unwrap();
            let tag = tagged.primary_tag().unwrap();
            assert_eq!(tag.title().as_deref(), Some("Glass Harbour"), "{path:?}");
            assert_eq!(tag.artist().as_deref(), Some("Aurora Lane"));
            assert_eq!(tag.album().as_deref(), Some("Northern Lights"));
            assert_eq!(tag.get_string(ItemKey::AlbumArtist), Some("Aurora Lane"));
            assert_eq!((tag.track(), tag.disk()), (Some(1), Some(1)));
            assert_eq!(tag.get_string(ItemKey::RecordingDate), Some("2019-03-15"));
            let expected = enriched();
            assert_eq!(
                tag.get_string(ItemKey::MusicBrainzRecordingId),
                expected.musicbrainz_recording_id.as_deref()
            );
            assert_eq!(
                tag.get_string(ItemKey::MusicBrainzReleaseId),
                expected.musicbrainz_release_id.as_deref()
            );
            assert_eq!(
                tag.get_string(ItemKey::MusicBrainzArtistId),
                expected.musicbrainz_artist_id.as_deref()
            );
            let front = tag.get_picture_type(PictureType::CoverFront).unwrap();
            assert_eq!(front.data(), PNG);
            assert_eq!(front.mime_type(), Some(&MimeType::Png));
            assert!(tagged.properties().duration() > Duration::from_millis(900));
            assert!(read(path).await.unwrap().has_front_cover);
        }
    }

    #[tokio::test]
    async fn a_rewrite_replaces_the_file_without_leaving_a_temporary_copy() {
        let dir = tempfile::tempdir().unwrap();
        let [flac, _] = sample_files(dir.path());
        std::fs::remove_file(dir.path().join("01 - Glass Harbour.mp3")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&flac, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        write(flac.clone(), enriched(), None, None).await.unwrap();
        write(flac.clone(), enriched(), None, None).await.unwrap();
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(names, ["01 - Glass Harbour.flac"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&flac).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }

    #[tokio::test]
    async fn a_file_that_is_not_audio_is_unreadable_and_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notes.flac");
        std::fs::write(&path, b"not audio at all").unwrap();
        assert!(matches!(
            read(path.clone()).await,
            Err(TagError::Unreadable { .. })
        ));
        let error = write(path.clone(), enriched(), None, None)
            .await
            .unwrap_err();
        assert!(matches!(error, TagError::Unreadable { .. }), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), b"not audio at all");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
