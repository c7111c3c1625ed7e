//! `enrich.metadata`: check the path, read the file's tags, find the recording on MusicBrainz
//! (by ISRC, else by title and artist), fetch the front cover, and write the tags.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use soulspot_contracts::TrackRef;
use soulspot_contracts::payloads::{EnrichMetadataReply, EnrichMetadataRequest};

use crate::coverart::CoverArtClient;
use crate::error::EnrichError;
use crate::matching::{Match, best_match};
use crate::metadata;
use crate::musicbrainz::{MusicBrainzClient, MusicBrainzError};
use crate::tags::{self, CoverImage, FileTags};

/// Everything one enrichment needs; shared by all requests of the module.
#[derive(Debug)]
pub struct Enricher {
    pub musicbrainz: Arc<MusicBrainzClient>,
    pub coverart: CoverArtClient,
    pub downloads_dir: PathBuf,
    pub duration_tolerance: Duration,
    pub embed_cover: bool,
}

impl Enricher {
    #[tracing::instrument(skip_all, fields(job_id = request.job_id.as_deref().unwrap_or(""), path = %request.file.path))]
    /// Enriches the requested file. `deadline` is when the caller stops waiting: the file is
    /// not rewritten after it, so a caller that gave up (and may import the file as it was
    /// announced) never finds it changed behind its back.
    pub async fn enrich(
        &self,
        request: EnrichMetadataRequest,
        deadline: Option<Instant>,
    ) -> Result<EnrichMetadataReply, EnrichError> {
        let path = crate::paths::resolve_inside(&self.downloads_dir, &request.file.path)?;
        let file = tags::read(path.clone()).await?;
        let found = self.find(&request.track, &file).await?;
        let cover = match &found {
            Some(found) if self.embed_cover && !already_has_cover(&file, found) => {
                self.front_cover(found).await
            }
            _ => None,
        };
        let mut metadata = metadata::requested(&request.track, &file);
        if let Some(found) = &found {
            metadata::apply_match(&mut metadata, found);
        }
        metadata.cover_art |= cover.is_some();
        let tags_written = cover.is_some() || metadata != metadata::of_file(&file);
        if tags_written {
            tags::before(deadline, &path)?;
            tags::write(path.clone(), metadata.clone(), cover, deadline).await?;
        }
        // Described afresh even when nothing was written now: an earlier enrichment of the
        // same file (a retried step) already changed what the download announced.
        let described = crate::checksum::describe(path, request.file.clone()).await?;
        metrics::counter!(
            "soulspot_enrichments_total",
            "matched" => if found.is_some() { "true" } else { "false" },
        )
        .increment(1);
        tracing::info!(
            matched = found.is_some(),
            recording_id = metadata.musicbrainz_recording_id.as_deref().unwrap_or(""),
            cover_art = metadata.cover_art,
            tags_written,
            "file enriched"
        );
        // The file as it is now: a rewrite changes the size and checksum the import checks.
        Ok(EnrichMetadataReply {
            metadata,
            file: Some(described),
            tags_written,
        })
    }

    /// The recording by ISRC when one is known and matches, else by title and artist.
    async fn find(
        &self,
        track: &TrackRef,
        file: &FileTags,
    ) -> Result<Option<Match>, MusicBrainzError> {
        let wanted_length = track
            .duration_ms
            .map(Duration::from_millis)
            .or(file.duration);
        let isrc = track
            .isrc
            .as_deref()
            .or(file.isrc.as_deref())
            .and_then(normalise_isrc);
        if let Some(isrc) = isrc {
            let recordings = self.musicbrainz.recordings_by_isrc(&isrc).await?;
            if let Some(found) = best_match(&recordings, wanted_length, self.duration_tolerance) {
                return Ok(Some(found));
            }
            tracing::debug!(%isrc, "no recording for the isrc, searching by title and artist");
        }
        let recordings = self
            .musicbrainz
            .search_recordings(&track.title, &track.artist)
            .await?;
        Ok(best_match(
            &recordings,
            wanted_length,
            self.duration_tolerance,
        ))
    }

    /// A missing or unreachable cover never fails the enrichment: the tags are still worth writing.
    async fn front_cover(&self, found: &Match) -> Option<CoverImage> {
        let release = found.release.as_ref()?;
        match self.coverart.front_cover(&release.id).await {
            Ok(cover) => cover,
            Err(error) => {
                tracing::warn!(release_id = %release.id, %error, "front cover not fetched");
                None
            }
        }
    }
}

/// Whether the file already carries the front cover of the matched release, so that
/// enriching a file twice rewrites nothing.
fn already_has_cover(file: &FileTags, found: &Match) -> bool {
    let matched_release = found.release.as_ref().map(|release| release.id.as_str());
    file.has_front_cover && file.release_id.as_deref() == matched_release
}

/// `GB-SBX-19-00001` or `gbsbx1900001` → `GBSBX1900001`; `None` unless it has the ISRC shape
/// (two letters, three alphanumerics, seven digits), which MusicBrainz would refuse with 400.
fn normalise_isrc(isrc: &str) -> Option<String> {
    let compact: String = isrc
        .chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let bytes = compact.as_bytes();
    let well_formed = bytes.len() == 12
        && bytes[..2].iter().all(u8::is_ascii_alphabetic)
        && bytes[2..5].iter().all(u8::is_ascii_alphanumeric)
        && bytes[5..].iter().all(u8::is_ascii_digit);
    well_formed.then_some(compact)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isrcs_are_normalised_or_dropped() {
        assert_eq!(
            normalise_isrc("gb-sbx-19-00001").as_deref(),
            Some("GBSBX1900001")
        );
        assert_eq!(
            normalise_isrc("GBSBX1900001").as_deref(),
            Some("GBSBX1900001")
        );
        assert_eq!(normalise_isrc("not an isrc"), None);
        assert_eq!(normalise_isrc("GBSBX19000"), None);
    }
}
