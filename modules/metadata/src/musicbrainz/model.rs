//! The parts of MusicBrainz's JSON the module reads: recordings with their artist credits
//! and releases (media and tracks). Unknown fields are ignored; optional ones default.

use serde::Deserialize;

/// A recording search (`{created, count, offset, recordings}`) or an ISRC look-up
/// (`{isrc, recordings}`): both carry `recordings`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct RecordingList {
    #[serde(default)]
    pub recordings: Vec<Recording>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Recording {
    pub id: String,
    /// Search relevance 0–100; absent in look-ups.
    #[serde(default)]
    pub score: Option<u8>,
    pub title: String,
    /// Milliseconds, when known.
    #[serde(default)]
    pub length: Option<u64>,
    #[serde(default, rename = "first-release-date")]
    pub first_release_date: Option<String>,
    #[serde(default, rename = "artist-credit")]
    pub artist_credit: Vec<ArtistCredit>,
    #[serde(default)]
    pub releases: Vec<Release>,
}

/// One credited artist; the credit as displayed is every `name` followed by its `joinphrase`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ArtistCredit {
    pub name: String,
    #[serde(default)]
    pub joinphrase: String,
    pub artist: Artist,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Artist {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Release {
    pub id: String,
    pub title: String,
    /// `Official`, `Promotion`, `Bootleg`, `Pseudo-Release`.
    #[serde(default)]
    pub status: Option<String>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default, rename = "release-group")]
    pub release_group: Option<ReleaseGroup>,
    /// Present in search results; look-ups leave it out.
    #[serde(default, rename = "artist-credit")]
    pub artist_credit: Vec<ArtistCredit>,
    #[serde(default)]
    pub media: Vec<Medium>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReleaseGroup {
    /// `Album`, `Single`, `EP`, ...
    #[serde(default, rename = "primary-type")]
    pub primary_type: Option<String>,
}

/// A disc of a release; in recording results it lists only the recording's own track.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Medium {
    /// Disc number.
    #[serde(default)]
    pub position: Option<u32>,
    /// Tracks before the listed one on this disc.
    #[serde(default, rename = "track-offset")]
    pub track_offset: Option<u32>,
    /// Searches name the list `track`, look-ups `tracks`.
    #[serde(default, alias = "tracks")]
    pub track: Vec<MediumTrack>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MediumTrack {
    /// As printed on the release: `3`, or `A3` on vinyl.
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub position: Option<u32>,
}

/// The credit as displayed: `Artist A feat. Artist B`.
pub fn credited_name(credits: &[ArtistCredit]) -> Option<String> {
    if credits.is_empty() {
        return None;
    }
    let name = credits
        .iter()
        .map(|credit| format!("{}{}", credit.name, credit.joinphrase))
        .collect::<String>();
    Some(name.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_result_decodes_with_media_and_credits() {
        let json = r#"{"created":"2024-01-01T00:00:00Z","count":1,"offset":0,"recordings":[{
            "id":"r1","score":100,"title":"Teardrop","length":330000,"video":false,
            "artist-credit":[{"name":"Massive Attack","joinphrase":" feat. ","artist":{"id":"a1","name":"Massive Attack","sort-name":"Massive Attack"}},
                             {"name":"Elizabeth Fraser","artist":{"id":"a2","name":"Elizabeth Fraser"}}],
            "releases":[{"id":"rel1","title":"Mezzanine","status":"Official","date":"1998-04-20",
                "release-group":{"id":"rg1","primary-type":"Album"},
                "media":[{"position":1,"format":"CD","track-count":11,"track-offset":2,
                          "track":[{"id":"t1","number":"3","title":"Teardrop","length":330000}]}]}]}]}"#;
        let list: RecordingList = serde_json::from_str(json).unwrap();
        let recording = &list.recordings[0];
        assert_eq!(recording.score, Some(100));
        assert_eq!(
            credited_name(&recording.artist_credit).as_deref(),
            Some("Massive Attack feat. Elizabeth Fraser")
        );
        let medium = &recording.releases[0].media[0];
        assert_eq!(medium.track[0].number.as_deref(), Some("3"));
        assert_eq!(medium.track_offset, Some(2));
    }

    #[test]
    fn a_lookup_names_its_track_list_tracks() {
        let json = r#"{"position":2,"tracks":[{"number":"5","position":5}]}"#;
        let medium: Medium = serde_json::from_str(json).unwrap();
        assert_eq!(medium.track[0].position, Some(5));
    }
}
