//! Choosing among MusicBrainz's answers: the recording with the best score whose length is
//! within tolerance (closest length breaks ties), then its best release — official albums
//! first, earliest date first.

use std::time::Duration;

use crate::musicbrainz::model::{Recording, Release, credited_name};

/// What MusicBrainz says about the file, once a recording and a release are chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub recording_id: String,
    pub title: String,
    pub artist: Option<String>,
    pub artist_id: Option<String>,
    pub release: Option<ReleaseMatch>,
    /// The release's date, else the recording's first release date.
    pub date: Option<String>,
}

/// The chosen release of the matched recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseMatch {
    pub id: String,
    pub title: String,
    pub album_artist: Option<String>,
    pub track_number: Option<u32>,
    pub disc_number: Option<u32>,
}

/// The best recording among `recordings` for a track of `wanted_length`, if any is close
/// enough. Look-ups carry no score and count as certain (100).
pub fn best_match(
    recordings: &[Recording],
    wanted_length: Option<Duration>,
    tolerance: Duration,
) -> Option<Match> {
    let wanted_ms =
        wanted_length.map(|length| u64::try_from(length.as_millis()).unwrap_or(u64::MAX));
    let distance = |recording: &Recording| match (recording.length, wanted_ms) {
        (Some(length), Some(wanted)) => Some(length.abs_diff(wanted)),
        _ => None,
    };
    let tolerance_ms = u64::try_from(tolerance.as_millis()).unwrap_or(u64::MAX);
    recordings
        .iter()
        .filter(|recording| distance(recording).is_none_or(|distance| distance <= tolerance_ms))
        .min_by_key(|recording| {
            let score = std::cmp::Reverse(recording.score.unwrap_or(100));
            // Unknown lengths sort after every known one.
            (score, distance(recording).unwrap_or(u64::MAX))
        })
        .map(to_match)
}

fn to_match(recording: &Recording) -> Match {
    let release = best_release(&recording.releases);
    Match {
        recording_id: recording.id.clone(),
        title: recording.title.clone(),
        artist: credited_name(&recording.artist_credit),
        artist_id: recording
            .artist_credit
            .first()
            .map(|credit| credit.artist.id.clone()),
        date: release
            .and_then(|release| release.date.clone())
            .or_else(|| recording.first_release_date.clone())
            .filter(|date| !date.is_empty()),
        release: release.map(|release| to_release_match(release, recording)),
    }
}

/// Official before anything else, albums before singles and compilations, then the
/// earliest date (undated last).
fn best_release(releases: &[Release]) -> Option<&Release> {
    releases.iter().min_by_key(|release| {
        let official = release.status.as_deref() == Some("Official");
        let album = release
            .release_group
            .as_ref()
            .and_then(|group| group.primary_type.as_deref())
            == Some("Album");
        let date = release.date.as_deref().filter(|date| !date.is_empty());
        (!official, !album, date.is_none(), date.map(str::to_owned))
    })
}

fn to_release_match(release: &Release, recording: &Recording) -> ReleaseMatch {
    let medium = release.media.iter().find(|medium| !medium.track.is_empty());
    let track_number = medium.and_then(|medium| {
        let track = medium.track.first()?;
        track
            .position
            .or_else(|| track.number.as_deref()?.parse().ok())
            .or_else(|| medium.track_offset.map(|offset| offset + 1))
    });
    ReleaseMatch {
        id: release.id.clone(),
        title: release.title.clone(),
        album_artist: credited_name(&release.artist_credit)
            .or_else(|| credited_name(&recording.artist_credit)),
        track_number,
        disc_number: medium.and_then(|medium| medium.position),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const TOLERANCE: Duration = Duration::from_secs(10);

    fn recording(id: &str, score: Option<u8>, length: Option<u64>) -> Recording {
        serde_json::from_value(json!({
            "id": id, "score": score, "title": "Teardrop", "length": length,
            "artist-credit": [{"name": "Massive Attack", "artist": {"id": "artist-1", "name": "Massive Attack"}}],
        }))
        .unwrap()
    }

    fn release(id: &str, status: &str, kind: &str, date: &str) -> Release {
        serde_json::from_value(json!({
            "id": id, "title": id, "status": status, "date": date,
            "release-group": {"primary-type": kind},
            "media": [{"position": 2, "track-offset": 4, "track": [{"number": "5"}]}],
        }))
        .unwrap()
    }

    fn seconds(value: u64) -> Option<Duration> {
        Some(Duration::from_secs(value))
    }

    #[test]
    fn a_higher_score_wins_over_a_closer_length() {
        let candidates = [
            recording("close", Some(80), Some(330_000)),
            recording("scored", Some(100), Some(335_000)),
        ];
        let found = best_match(&candidates, seconds(330), TOLERANCE).unwrap();
        assert_eq!(found.recording_id, "scored");
    }

    #[test]
    fn among_equal_scores_the_closest_length_wins() {
        let candidates = [
            recording("far", Some(100), Some(338_000)),
            recording("unknown", Some(100), None),
            recording("near", Some(100), Some(331_000)),
        ];
        let found = best_match(&candidates, seconds(330), TOLERANCE).unwrap();
        assert_eq!(found.recording_id, "near");
    }

    #[test]
    fn lengths_beyond_the_tolerance_are_rejected() {
        let candidates = [recording("extended", Some(100), Some(350_000))];
        assert_eq!(best_match(&candidates, seconds(330), TOLERANCE), None);
        let within = best_match(&candidates, seconds(330), Duration::from_secs(20));
        assert_eq!(within.unwrap().recording_id, "extended");
    }

    #[test]
    fn the_tolerance_applies_only_when_both_lengths_are_known() {
        let unknown_length = [recording("a", Some(90), None)];
        assert!(best_match(&unknown_length, seconds(330), TOLERANCE).is_some());
        let unknown_wanted = [recording("b", Some(90), Some(999_000))];
        assert!(best_match(&unknown_wanted, None, TOLERANCE).is_some());
    }

    #[test]
    fn isrc_look_ups_without_score_pick_by_length() {
        let candidates = [
            recording("radio-edit", None, Some(240_000)),
            recording("album", None, Some(331_000)),
        ];
        let found = best_match(&candidates, seconds(330), TOLERANCE).unwrap();
        assert_eq!(found.recording_id, "album");
        assert_eq!(found.artist.as_deref(), Some("Massive Attack"));
        assert_eq!(found.artist_id.as_deref(), Some("artist-1"));
    }

    #[test]
    fn official_albums_come_first_then_the_earliest_date() {
        let mut candidate = recording("r", Some(100), Some(330_000));
        candidate.releases = vec![
            release("bootleg", "Bootleg", "Album", "1990-01-01"),
            release("single", "Official", "Single", "1997-01-01"),
            release("reissue", "Official", "Album", "2006-01-01"),
            release("original", "Official", "Album", "1998-04-20"),
        ];
        let found = best_match(&[candidate], seconds(330), TOLERANCE).unwrap();
        let chosen = found.release.unwrap();
        assert_eq!(chosen.id, "original");
        assert_eq!(found.date.as_deref(), Some("1998-04-20"));
        assert_eq!(
            (chosen.track_number, chosen.disc_number),
            (Some(5), Some(2))
        );
        assert_eq!(chosen.album_artist.as_deref(), Some("Massive Attack"));
    }

    #[test]
    fn no_candidate_means_no_match() {
        assert_eq!(best_match(&[], seconds(330), TOLERANCE), None);
    }
}
