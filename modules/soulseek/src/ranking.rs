//! Choosing what to download: which shared files are the wanted track, and in which order
//! to try them. Pure functions over search responses.

use std::cmp::Reverse;

use soulspot_common::text::words;
use soulspot_contracts::TrackRef;

use crate::matching::{contains_phrase, path_names_artist, unwanted_variant};
use crate::peers::PeerStanding;
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

/// Every acceptable file of every response not from an ignored peer, best first;
/// `standing` says what was observed of a peer.
pub fn candidates(
    wanted: &Wanted,
    criteria: &RankingCriteria,
    responses: &[SearchResponse],
    standing: &impl Fn(&str) -> PeerStanding,
) -> Vec<Candidate> {
    let mut accepted: Vec<Candidate> = responses
        .iter()
        .filter(|response| !standing(&response.username).ignored)
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
    order(&mut accepted, criteria, standing);
    accepted
}

/// Sorts best first: peers that failed before go last; then format preference, bitrate
/// (a claim beyond what the format can carry counts as none), a free upload slot, speed
/// (the one observed when known, else the one claimed) and a short queue.
pub fn order(
    candidates: &mut [Candidate],
    criteria: &RankingCriteria,
    standing: &impl Fn(&str) -> PeerStanding,
) {
    candidates.sort_by_cached_key(|candidate| {
        let peer = standing(&candidate.username);
        let format_rank = criteria
            .preferred_formats
            .iter()
            .position(|format| *format == candidate.format)
            .unwrap_or(criteria.preferred_formats.len());
        (
            peer.downranked,
            format_rank,
            Reverse(plausible_bit_rate(candidate)),
            !candidate.has_free_upload_slot,
            Reverse(peer.observed_speed.unwrap_or(candidate.upload_speed)),
            candidate.queue_length,
        )
    });
}

/// The claimed bitrate in kbit/s, or 0 when it is beyond what the format carries: lossy
/// codecs top out near 512 kbit/s, and 32-bit 384 kHz stereo PCM is 24,576 kbit/s.
fn plausible_bit_rate(candidate: &Candidate) -> u32 {
    let ceiling = match candidate.format.as_str() {
        "mp3" | "ogg" | "m4a" | "opus" | "aac" => 512,
        _ => 24_576,
    };
    candidate
        .bit_rate
        .filter(|rate| *rate <= ceiling)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
