//! `import.track`: checks the source, renders the destination, applies the duplicate policy,
//! then files it through the journal (`crate::journal`) — once per job id.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

use soulspot_common::paths::{self, ContainmentError};
use soulspot_contracts::payloads::{ImportStatus, ImportTrackReply, ImportTrackRequest};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audio::{self, FileFacts, Quality};
use crate::filing;
use crate::index::{DuplicateKey, IndexError, IndexedTrack, TrackRecord};
use crate::journal::Filing;
use crate::library::Library;
use crate::sanitize::join_inside;
use crate::settings::DuplicatePolicy;
use crate::signature::{self, NotAudio};
use crate::template::TrackFields;

/// The album of a track nobody named one for.
const UNKNOWN_ALBUM: &str = "Unknown Album";

/// The reply naming the track `record` now held.
fn reply(status: ImportStatus, record: &TrackRecord) -> ImportTrackReply {
    ImportTrackReply {
        status,
        path: record.path.clone(),
        file_id: record.file_id.clone(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("source {0} is not inside the downloads directory")]
    SourceOutsideDownloads(String),
    #[error("source {0} does not exist")]
    SourceMissing(String),
    #[error("source {0} is not a regular file")]
    SourceNotAFile(String),
    #[error("source {path} has checksum {actual}, not the announced {announced}")]
    ChecksumMismatch {
        path: String,
        announced: String,
        actual: String,
    },
    #[error("the downloads directory {path} is unavailable: {source}")]
    DownloadsUnavailable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("source {path} is refused: {reason}")]
    NotAudio { path: String, reason: NotAudio },
    #[error("destination {0} would lie outside the library root")]
    UnsafeDestination(String),
    #[error("failed to {action}: {source}")]
    Io {
        action: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Index(#[from] IndexError),
}

fn io_error(action: &'static str) -> impl FnOnce(io::Error) -> ImportError {
    move |source| ImportError::Io { action, source }
}

/// A file ready to be filed: where it is, where it should go, and its index row.
struct Candidate {
    source: PathBuf,
    planned: PathBuf,
    record: TrackRecord,
}

impl Library {
    /// Files `request.file` under the template and indexes it, following the duplicate
    /// policy. A job id already in the index replies `already_imported` and touches nothing;
    /// a skipped duplicate leaves the source in the downloads directory.
    pub fn import(&self, request: &ImportTrackRequest) -> Result<ImportTrackReply, ImportError> {
        let _one_at_a_time = self
            .import_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(job_id) = request.job_id.as_deref()
            && let Some(held) = self.index.find_by_job(job_id)?
        {
            return Ok(reply(ImportStatus::AlreadyImported, &held.record));
        }
        let candidate = self.candidate(request)?;
        let duplicate = self
            .index
            .find_duplicate(&DuplicateKey::of(&candidate.record))?;
        let Some(held) = duplicate else {
            return self.file_new(candidate, ImportStatus::Imported);
        };
        match self.section.duplicate_policy {
            DuplicatePolicy::Skip => Ok(reply(ImportStatus::SkippedDuplicate, &held.record)),
            DuplicatePolicy::KeepBoth => self.file_new(candidate, ImportStatus::KeptBoth),
            DuplicatePolicy::ReplaceIfBetter
                if quality(&candidate.record).is_better_than(&quality(&held.record)) =>
            {
                self.replace(candidate, held)
            }
            DuplicatePolicy::ReplaceIfBetter => {
                Ok(reply(ImportStatus::SkippedDuplicate, &held.record))
            }
        }
    }

    fn candidate(&self, request: &ImportTrackRequest) -> Result<Candidate, ImportError> {
        let source = self.checked_source(&request.file.path)?;
        let facts = audio::inspect(&source).map_err(io_error("read the downloaded file"))?;
        if let Some(announced) = request.file.checksum.as_deref()
            && announced.starts_with("sha256:")
            && announced != facts.checksum
        {
            return Err(ImportError::ChecksumMismatch {
                path: request.file.path.clone(),
                announced: announced.to_owned(),
                actual: facts.checksum,
            });
        }
        let fields = track_fields(request, &source);
        signature::check(&source, &fields.ext)
            .map_err(io_error("read the downloaded file"))?
            .map_err(|reason| ImportError::NotAudio {
                path: request.file.path.clone(),
                reason,
            })?;
        let names = self.template.render(&fields, self.section.max_name_bytes);
        let planned = join_inside(&self.root, &names)
            .ok_or_else(|| ImportError::UnsafeDestination(names.join("/")))?;
        let record = new_record(request, &fields, facts);
        Ok(Candidate {
            source,
            planned,
            record,
        })
    }

    /// The source, symlinks resolved, once it is known to be a file inside `downloads_dir`.
    fn checked_source(&self, raw: &str) -> Result<PathBuf, ImportError> {
        let resolved = paths::canonical_inside(Path::new(raw), &self.section.downloads_dir)
            .map_err(|error| match error {
                ContainmentError::Outside { .. } => {
                    ImportError::SourceOutsideDownloads(raw.to_owned())
                }
                ContainmentError::FolderUnavailable { folder, source } => {
                    ImportError::DownloadsUnavailable {
                        path: folder,
                        source,
                    }
                }
                ContainmentError::Missing(_) => ImportError::SourceMissing(raw.to_owned()),
                ContainmentError::Unresolvable { source, .. } => ImportError::Io {
                    action: "resolve the source",
                    source,
                },
            })?;
        if !resolved.is_file() {
            return Err(ImportError::SourceNotAFile(raw.to_owned()));
        }
        Ok(resolved)
    }

    /// Moves the candidate to a free name at its planned place and indexes it.
    fn file_new(
        &self,
        candidate: Candidate,
        status: ImportStatus,
    ) -> Result<ImportTrackReply, ImportError> {
        self.prepare_folder(&candidate.planned)?;
        let destination = filing::free_destination(&candidate.planned, self.section.max_name_bytes)
            .map_err(io_error("find a free name"))?;
        let record = self.file(Filing {
            source: candidate.source,
            destination,
            record: candidate.record,
            replaces: None,
        })?;
        Ok(reply(status, &record))
    }

    /// Files the candidate in place of `held` (at its path when the paths agree): the held
    /// file stays until the index names the new one.
    fn replace(
        &self,
        candidate: Candidate,
        held: IndexedTrack,
    ) -> Result<ImportTrackReply, ImportError> {
        self.prepare_folder(&candidate.planned)?;
        let held_path = PathBuf::from(&held.record.path);
        let destination = if candidate.planned == held_path {
            held_path.clone()
        } else {
            filing::free_destination(&candidate.planned, self.section.max_name_bytes)
                .map_err(io_error("find a free name"))?
        };
        let record = self.file(Filing {
            source: candidate.source,
            destination,
            record: candidate.record,
            replaces: Some((held.id, held_path)),
        })?;
        Ok(reply(ImportStatus::Replaced, &record))
    }

    /// Creates the destination's folders and checks that, symlinks resolved, they are
    /// still inside the root.
    fn prepare_folder(&self, planned: &Path) -> Result<(), ImportError> {
        let unsafe_destination = || ImportError::UnsafeDestination(planned.display().to_string());
        let folder = planned.parent().ok_or_else(unsafe_destination)?;
        fs::create_dir_all(folder).map_err(io_error("create the album folder"))?;
        let resolved = fs::canonicalize(folder).map_err(io_error("resolve the album folder"))?;
        if paths::is_inside(&resolved, &self.root) {
            Ok(())
        } else {
            Err(unsafe_destination())
        }
    }
}

fn quality(record: &TrackRecord) -> Quality {
    Quality::new(&record.format, record.bitrate_kbps, record.size_bytes)
}

/// Template values: the metadata's, else the track's, else the documented fallbacks.
fn track_fields(request: &ImportTrackRequest, source: &Path) -> TrackFields {
    let metadata = request.metadata.clone().unwrap_or_default();
    let title = first_present(&[&metadata.title]).unwrap_or_else(|| request.track.title.clone());
    let artist = first_present(&[&metadata.artist]).unwrap_or_else(|| request.track.artist.clone());
    TrackFields {
        album_artist: first_present(&[&metadata.album_artist]).unwrap_or_else(|| artist.clone()),
        album: first_present(&[&metadata.album, &request.track.album])
            .unwrap_or_else(|| UNKNOWN_ALBUM.to_owned()),
        year: metadata.date.as_deref().and_then(year_of),
        track: metadata.track_number,
        disc: metadata.disc_number,
        ext: extension(&request.file.format, source),
        title,
        artist,
    }
}

fn new_record(request: &ImportTrackRequest, fields: &TrackFields, facts: FileFacts) -> TrackRecord {
    let metadata = request.metadata.clone().unwrap_or_default();
    TrackRecord {
        path: String::new(),
        job_id: request.job_id.clone(),
        file_id: Some(request.file.file_id.clone()),
        spotify_id: request.track.spotify_id.clone(),
        musicbrainz_id: first_present(&[
            &metadata.musicbrainz_recording_id,
            &request.track.musicbrainz_id,
        ]),
        isrc: request.track.isrc.clone(),
        title: fields.title.clone(),
        artist: fields.artist.clone(),
        album: first_present(&[&metadata.album, &request.track.album]),
        album_artist: Some(fields.album_artist.clone()),
        year: fields.year,
        track_number: fields.track,
        duration_ms: request.track.duration_ms,
        format: fields.ext.clone(),
        bitrate_kbps: facts.bitrate_kbps.or(metadata.bitrate_kbps),
        size_bytes: facts.size_bytes,
        checksum: Some(facts.checksum),
        imported_at: OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
    }
}

/// The first value that holds more than whitespace, trimmed.
fn first_present(candidates: &[&Option<String>]) -> Option<String> {
    candidates
        .iter()
        .filter_map(|candidate| candidate.as_deref())
        .map(str::trim)
        .find(|value| !value.is_empty())
        .map(str::to_owned)
}

/// The year of a `YYYY[-MM[-DD]]` date.
fn year_of(date: &str) -> Option<i32> {
    let year = date.trim().get(..4)?;
    year.chars()
        .all(|c| c.is_ascii_digit())
        .then(|| year.parse().ok())
        .flatten()
}

/// The lower-case alphanumeric format, else the source's extension, else `bin`.
fn extension(format: &str, source: &Path) -> String {
    let clean = |text: &str| -> String {
        text.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect::<String>()
            .to_ascii_lowercase()
    };
    let from_format = clean(format);
    if !from_format.is_empty() {
        return from_format;
    }
    source
        .extension()
        .and_then(|extension| extension.to_str())
        .map(clean)
        .filter(|extension| !extension.is_empty())
        .unwrap_or_else(|| "bin".to_owned())
}

#[cfg(test)]
mod tests {
    use soulspot_contracts::payloads::ImportMetadata;

    use soulspot_contracts::{FileRef, TrackRef};

    use super::*;

    #[test]
    fn years_come_from_dates() {
        assert_eq!(year_of("1998-04-20"), Some(1998));
        assert_eq!(year_of("2001"), Some(2001));
        assert_eq!(year_of("98"), None);
        assert_eq!(year_of("unknown"), None);
    }

    #[test]
    fn extensions_are_cleaned_or_guessed() {
        assert_eq!(extension("FLAC", Path::new("/d/x.flac")), "flac");
        assert_eq!(extension("../x", Path::new("/d/x.flac")), "x");
        assert_eq!(extension("..", Path::new("/d/x.MP3")), "mp3");
        assert_eq!(extension("..", Path::new("/d/x")), "bin");
    }

    #[test]
    fn metadata_wins_over_the_track_with_fallbacks() {
        let request = ImportTrackRequest {
            job_id: None,
            file: FileRef {
                file_id: "f".into(),
                path: "/d/x.flac".into(),
                size: 1,
                format: "flac".into(),
                checksum: None,
            },
            track: TrackRef {
                title: "teardrop".into(),
                artist: "massive attack".into(),
                ..TrackRef::default()
            },
            metadata: Some(ImportMetadata {
                title: Some("Teardrop".into()),
                album_artist: Some("  ".into()),
                date: Some("1998-04-20".into()),
                ..ImportMetadata::default()
            }),
        };
        let fields = track_fields(&request, Path::new("/d/x.flac"));
        assert_eq!(fields.title, "Teardrop");
        assert_eq!(fields.artist, "massive attack");
        assert_eq!(fields.album_artist, "massive attack");
        assert_eq!(fields.album, UNKNOWN_ALBUM);
        assert_eq!(fields.year, Some(1998));
        assert_eq!(fields.track, None);
    }
}
