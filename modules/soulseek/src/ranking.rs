//! Choosing what to download: which shared files are the wanted track, and in which order
//! to try them. Pure functions over search responses.

use std::cmp::Reverse;
use std::collections::HashSet;

use soulspot_common::text::words;
use soulspot_contracts::TrackRef;

use crate::matching::{contains_phrase, path_names_artist, unwanted_variant};
use crate::slskd::{SearchResponse, SharedFile};

/// What acceptable files look like and which are preferred.
#[derive(Debug, Clone, PartialEq)]
pub struct RankingCriteria {
    /// Lowercase formats; files of others are never downloaded.
    pub required_formats: Vec<String>,
    /// Most preferred first.
    pub preferred_formats: Vec<String>,
    pub length_tolerance_secs: u32,
}

/// The track as ranking sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub title: String,
    pub artist: String,
    pub length_secs: Option<u32>,
}

impl From<&TrackRef> for Wanted {
    fn from(track: &TrackRef) -> Self {
        Self {
            title: track.title.clone(),
            artist: track.artist.clone(),
            length_secs: track
                .duration_ms
                .and_then(|ms| u32::try_from((ms + 500) / 1000).ok()),
        }
    }
}

/// One file worth trying, with what ranking needs of its peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub username: String,
    pub filename: String,
    pub size: u64,
    /// Lowercase format, from `extension` or else the filename's suffix.
    pub format: String,
    pub bit_rate: Option<u32>,
    pub has_free_upload_slot: bool,
    pub upload_speed: u64,
    pub queue_length: u64,
}

/// Why a shared file is not the wanted track.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Locked,
    Format(String),
    Length { file_secs: u32, wanted_secs: u32 },
    Variant(String),
    TitleMissing,
    ArtistMissing,
}

/// The format of a shared file: its `extension`, or the suffix of its name when empty.
pub fn format_of(file: &SharedFile) -> String {
    let extension = file.extension.trim_start_matches('.');
    if !extension.is_empty() {
        return extension.to_lowercase();
    }
    let name = file_name(&file.filename);
    match name.rsplit_once('.') {
        Some((stem, suffix)) if !stem.is_empty() => suffix.to_lowercase(),
        _ => String::new(),
    }
}

/// The last component of a backslash-separated peer path.
pub fn file_name(remote: &str) -> &str {
    remote.rsplit('\\').next().unwrap_or(remote)
}

fn file_stem(remote: &str) -> &str {
    let name = file_name(remote);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// Why `file` is not acceptable as `wanted`, or `None` when it is.
pub fn rejection(
    wanted: &Wanted,
    criteria: &RankingCriteria,
    file: &SharedFile,
) -> Option<Rejection> {
    if file.is_locked {
        return Some(Rejection::Locked);
    }
    let format = format_of(file);
    if !criteria.required_formats.contains(&format) {
        return Some(Rejection::Format(format));
    }
    if let (Some(file_secs), Some(wanted_secs)) = (file.length, wanted.length_secs)
        && file_secs.abs_diff(wanted_secs) > criteria.length_tolerance_secs
    {
        return Some(Rejection::Length {
            file_secs,
            wanted_secs,
        });
    }
    let stem = file_stem(&file.filename);
    if let Some(marker) = unwanted_variant(stem, &wanted.title) {
        return Some(Rejection::Variant(marker));
    }
    if !contains_phrase(&words(stem), &words(&wanted.title)) {
        return Some(Rejection::TitleMissing);
    }
    if !path_names_artist(&words(&file.filename), &wanted.artist) {
        return Some(Rejection::ArtistMissing);
    }
    None
}

/// Every acceptable file of every response, best first.
pub fn candidates(
    wanted: &Wanted,
    criteria: &RankingCriteria,
    responses: &[SearchResponse],
    failed_users: &HashSet<String>,
) -> Vec<Candidate> {
    let mut accepted: Vec<Candidate> = responses
        .iter()
        .flat_map(|response| {
            response
                .files
                .iter()
                .filter(|file| rejection(wanted, criteria, file).is_none())
                .map(move |file| Candidate {
                    username: response.username.clone(),
                    filename: file.filename.clone(),
                    size: file.size,
                    format: format_of(file),
                    bit_rate: file.bit_rate,
                    has_free_upload_slot: response.has_free_upload_slot,
                    upload_speed: response.upload_speed,
                    queue_length: response.queue_length,
                })
        })
        .collect();
    order(&mut accepted, criteria, failed_users);
    accepted
}

/// Sorts best first: users who failed before go last; then format preference, bitrate,
/// a free upload slot, upload speed and a short queue.
pub fn order(
    candidates: &mut [Candidate],
    criteria: &RankingCriteria,
    failed_users: &HashSet<String>,
) {
    candidates.sort_by_key(|candidate| {
        let format_rank = criteria
            .preferred_formats
            .iter()
            .position(|format| *format == candidate.format)
            .unwrap_or(criteria.preferred_formats.len());
        (
            failed_users.contains(&candidate.username),
            format_rank,
            Reverse(candidate.bit_rate.unwrap_or(0)),
            !candidate.has_free_upload_slot,
            Reverse(candidate.upload_speed),
            candidate.queue_length,
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::RankingSettings;

    fn criteria() -> RankingCriteria {
        RankingSettings::default().criteria(None)
    }

    fn glass_harbour() -> Wanted {
        Wanted {
            title: "Glass Harbour".to_owned(),
            artist: "Aurora Lane".to_owned(),
            length_secs: Some(214),
        }
    }

    fn file(filename: &str, length: Option<u32>) -> SharedFile {
        SharedFile {
            filename: filename.to_owned(),
            size: 1_000,
            length,
            ..SharedFile::default()
        }
    }

    fn response(username: &str, files: Vec<SharedFile>) -> SearchResponse {
        SearchResponse {
            username: username.to_owned(),
            files,
            has_free_upload_slot: true,
            queue_length: 0,
            upload_speed: 1_000_000,
        }
    }

    const GOOD: &str = r"@@music\Aurora Lane\Northern Lights\01 - Glass Harbour.flac";

    #[test]
    fn accepts_the_exact_track() {
        assert_eq!(
            rejection(&glass_harbour(), &criteria(), &file(GOOD, Some(214))),
            None
        );
    }

    #[test]
    fn rejects_remixes_and_live_recordings() {
        let remix = file(
            r"@@dj\Aurora Lane\Remixes\01 - Glass Harbour (Midnight Remix).flac",
            Some(214),
        );
        let live = file(
            r"@@dj\Aurora Lane\Live\04 - Glass Harbour [Live].flac",
            Some(214),
        );
        let dashed = file(
            r"@@dj\Aurora Lane\Glass Harbour - Live at the Roundhouse.mp3",
            None,
        );
        let radio = file(r"@@dj\Aurora Lane\Glass Harbour (Radio Edit).mp3", None);
        for (variant, marker) in [
            (remix, "remix"),
            (live, "live"),
            (dashed, "live"),
            (radio, "edit"),
        ] {
            assert_eq!(
                rejection(&glass_harbour(), &criteria(), &variant),
                Some(Rejection::Variant(marker.to_owned())),
                "{}",
                variant.filename
            );
        }
    }

    #[test]
    fn rejects_a_length_outside_the_tolerance_but_not_an_unknown_one() {
        let wanted = glass_harbour();
        let long = file(GOOD, Some(234));
        assert_eq!(
            rejection(&wanted, &criteria(), &long),
            Some(Rejection::Length {
                file_secs: 234,
                wanted_secs: 214
            })
        );
        assert_eq!(
            rejection(&wanted, &criteria(), &file(GOOD, Some(217))),
            None
        );
        assert_eq!(rejection(&wanted, &criteria(), &file(GOOD, None)), None);
        let unknown_track = Wanted {
            length_secs: None,
            ..wanted
        };
        assert_eq!(rejection(&unknown_track, &criteria(), &long), None);
    }

    #[test]
    fn skips_locked_files() {
        let locked = SharedFile {
            is_locked: true,
            ..file(GOOD, Some(214))
        };
        assert_eq!(
            rejection(&glass_harbour(), &criteria(), &locked),
            Some(Rejection::Locked)
        );
    }

    #[test]
    fn requires_a_known_format_from_the_extension_or_the_suffix() {
        let wma = file(r"@@m\Aurora Lane\01 - Glass Harbour.wma", None);
        assert_eq!(
            rejection(&glass_harbour(), &criteria(), &wma),
            Some(Rejection::Format("wma".to_owned()))
        );
        let reported = SharedFile {
            extension: "FLAC".to_owned(),
            ..file(r"@@m\Aurora Lane\Glass Harbour", None)
        };
        assert_eq!(format_of(&reported), "flac");
        assert_eq!(format_of(&file(r"@@m\x\.hidden", None)), "");
    }

    #[test]
    fn matches_title_and_artist_strictly_and_without_diacritics() {
        let wanted = Wanted {
            title: "Café Olé".to_owned(),
            artist: "Zoë Mercier".to_owned(),
            length_secs: Some(198),
        };
        let folded = file(
            r"@@share\Music\Zoe Mercier - Cafe Ole\01 Cafe Ole.mp3",
            Some(198),
        );
        assert_eq!(rejection(&wanted, &criteria(), &folded), None);
        let other_artist = file(r"@@share\Music\Zoe Merciers\01 Cafe Ole.mp3", None);
        assert_eq!(
            rejection(&wanted, &criteria(), &other_artist),
            Some(Rejection::ArtistMissing)
        );
        let title_in_album_only = file(r"@@m\Zoë Mercier\Café Olé\02 - Déjà Vu à Paris.flac", None);
        assert_eq!(
            rejection(&wanted, &criteria(), &title_in_album_only),
            Some(Rejection::TitleMissing)
        );
        let partial_word = file(r"@@m\Zoë Mercier\01 - Café Olés.flac", None);
        assert_eq!(
            rejection(&wanted, &criteria(), &partial_word),
            Some(Rejection::TitleMissing)
        );
    }

    fn candidate(
        username: &str,
        format: &str,
        bit_rate: Option<u32>,
        slot: bool,
        speed: u64,
        queue: u64,
    ) -> Candidate {
        Candidate {
            username: username.to_owned(),
            filename: format!(r"@@m\Aurora Lane\Glass Harbour.{format}"),
            size: 1,
            format: format.to_owned(),
            bit_rate,
            has_free_upload_slot: slot,
            upload_speed: speed,
            queue_length: queue,
        }
    }

    fn usernames(candidates: &[Candidate]) -> Vec<&str> {
        candidates.iter().map(|c| c.username.as_str()).collect()
    }

    #[test]
    fn orders_by_format_then_bitrate_then_slot_speed_and_queue() {
        let mut list = vec![
            candidate("mp3_320", "mp3", Some(320), true, 9, 0),
            candidate("mp3_192", "mp3", Some(192), true, 9, 0),
            candidate("flac_busy", "flac", None, false, 9, 0),
            candidate("flac_slow", "flac", None, true, 1, 0),
            candidate("flac_fast", "flac", None, true, 5, 0),
            candidate("flac_fast_queued", "flac", None, true, 5, 7),
            candidate("wav", "wav", None, true, 99, 0),
        ];
        order(&mut list, &criteria(), &HashSet::new());
        assert_eq!(
            usernames(&list),
            [
                "flac_fast",
                "flac_fast_queued",
                "flac_slow",
                "flac_busy",
                "mp3_320",
                "mp3_192",
                "wav"
            ]
        );
    }

    #[test]
    fn users_who_failed_rank_last() {
        let mut list = vec![
            candidate("failed", "flac", None, true, 9, 0),
            candidate("fine", "mp3", Some(128), false, 1, 50),
        ];
        let failed = HashSet::from(["failed".to_owned()]);
        order(&mut list, &criteria(), &failed);
        assert_eq!(usernames(&list), ["fine", "failed"]);
    }

    #[test]
    fn candidates_keep_only_acceptable_files_best_first() {
        let responses = vec![
            response(
                "mp3_mike",
                vec![SharedFile {
                    bit_rate: Some(320),
                    ..file(r"@@share\Aurora Lane - 01 - Glass Harbour.mp3", Some(214))
                }],
            ),
            response(
                "vinyl_vault",
                vec![
                    file(GOOD, Some(214)),
                    file(r"@@music\Aurora Lane\02 - Northern Lights.flac", Some(187)),
                ],
            ),
            response(
                "remix_rick",
                vec![file(
                    r"@@dj\Aurora Lane\01 - Glass Harbour (Midnight Remix).flac",
                    Some(331),
                )],
            ),
            response(
                "extended_ella",
                vec![file(
                    r"@@a\Aurora Lane\Singles\Aurora Lane - Glass Harbour.mp3",
                    Some(234),
                )],
            ),
        ];
        let ranked = candidates(&glass_harbour(), &criteria(), &responses, &HashSet::new());
        assert_eq!(usernames(&ranked), ["vinyl_vault", "mp3_mike"]);
        assert_eq!(ranked[0].filename, GOOD);
        assert_eq!(ranked[0].format, "flac");
    }
}
