//! The parts of Spotify's JSON the module reads, and their mapping to `TrackRef`.
//!
//! Every field is optional or defaulted: Spotify omits fields for development-mode apps
//! (`external_ids`), returns `null` for removed playlist entries, and local files carry no id.

use serde::Deserialize;
use soulspot_contracts::TrackRef;

/// `POST /api/token`.
#[derive(Debug, Deserialize)]
pub(crate) struct TokenResponse {
    pub access_token: String,
    pub expires_in: u64,
}

/// The accounts service's error body: `{error, error_description}`.
#[derive(Debug, Deserialize)]
pub(crate) struct AccountsError {
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
}

/// `GET /v1/search?type=track`.
#[derive(Debug, Deserialize)]
pub(crate) struct SearchResponse {
    #[serde(default)]
    pub tracks: Option<Page<Option<TrackObject>>>,
}

/// A paging object; `next` is the absolute URL of the following page.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<T> {
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
    #[serde(default)]
    pub next: Option<String>,
}

/// `GET /v1/playlists/{id}?fields=name`.
#[derive(Debug, Deserialize)]
pub(crate) struct PlaylistName {
    #[serde(default)]
    pub name: Option<String>,
}

/// One playlist entry: the object sits under `item` (since 2026) or `track` (before).
#[derive(Debug, Deserialize)]
pub(crate) struct PlaylistEntry {
    #[serde(default)]
    item: Option<TrackObject>,
    #[serde(default)]
    track: Option<TrackObject>,
}

impl PlaylistEntry {
    pub fn object(self) -> Option<TrackObject> {
        self.item.or(self.track)
    }
}

/// A track (or, in playlists, possibly an episode) object.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct TrackObject {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub artists: Vec<NamedObject>,
    #[serde(default)]
    pub album: Option<NamedObject>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
    #[serde(default)]
    pub external_ids: Option<ExternalIds>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NamedObject {
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ExternalIds {
    #[serde(default)]
    pub isrc: Option<String>,
}

impl TrackObject {
    /// The track as SoulSpot knows it, or `None` for what cannot be downloaded by name:
    /// episodes and other non-track objects, and entries without a title or an artist.
    ///
    /// `artist` joins every credited artist with ", " (Soulseek file names usually carry
    /// the full credit, and metadata matching splits it again). Local files (`is_local`, no
    /// id) are kept by title and artist, without a `spotify_id`: they are still worth finding.
    pub fn into_track_ref(self) -> Option<TrackRef> {
        if self.kind.as_deref().is_some_and(|kind| kind != "track") {
            return None;
        }
        let title = non_empty(self.name)?;
        let artist = join_artists(self.artists)?;
        Some(TrackRef {
            spotify_id: non_empty(self.id),
            isrc: self
                .external_ids
                .and_then(|external_ids| non_empty(external_ids.isrc)),
            title,
            artist,
            album: self.album.and_then(|album| non_empty(album.name)),
            duration_ms: self.duration_ms,
            ..TrackRef::default()
        })
    }
}

fn join_artists(artists: Vec<NamedObject>) -> Option<String> {
    let names: Vec<String> = artists
        .into_iter()
        .filter_map(|artist| non_empty(artist.name))
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn track_json() -> Value {
        json!({
            "type": "track",
            "id": "67Hna13dNDkZvBpTXRIaOJ",
            "name": "Teardrop",
            "artists": [{"id": "a1", "name": "Massive Attack"}, {"id": "a2", "name": "Elizabeth Fraser"}],
            "album": {"id": "b1", "name": "Mezzanine", "release_date": "1998-04-20"},
            "duration_ms": 330_773,
            "track_number": 3,
            "external_ids": {"isrc": "GBAAA9800003"}
        })
    }

    fn map(value: Value) -> Option<TrackRef> {
        serde_json::from_value::<TrackObject>(value)
            .unwrap()
            .into_track_ref()
    }

    #[test]
    fn maps_a_full_track_with_its_isrc() {
        let track = map(track_json()).unwrap();
        assert_eq!(
            track,
            TrackRef {
                spotify_id: Some("67Hna13dNDkZvBpTXRIaOJ".into()),
                isrc: Some("GBAAA9800003".into()),
                title: "Teardrop".into(),
                artist: "Massive Attack, Elizabeth Fraser".into(),
                album: Some("Mezzanine".into()),
                duration_ms: Some(330_773),
                ..TrackRef::default()
            }
        );
    }

    #[test]
    fn leaves_the_isrc_out_when_spotify_withholds_it() {
        let mut without_external_ids = track_json();
        without_external_ids
            .as_object_mut()
            .unwrap()
            .remove("external_ids");
        assert_eq!(map(without_external_ids).unwrap().isrc, None);
        let mut empty_external_ids = track_json();
        empty_external_ids["external_ids"] = json!({});
        assert_eq!(map(empty_external_ids).unwrap().isrc, None);
    }

    #[test]
    fn skips_episodes_and_nameless_objects() {
        let mut episode = track_json();
        episode["type"] = json!("episode");
        assert_eq!(map(episode), None);
        let mut nameless = track_json();
        nameless["name"] = json!("  ");
        assert_eq!(map(nameless), None);
        let mut artistless = track_json();
        artistless["artists"] = json!([]);
        assert_eq!(map(artistless), None);
    }

    #[test]
    fn keeps_local_files_by_title_and_artist() {
        let local = json!({
            "type": "track", "id": null, "is_local": true, "name": "Demo Take",
            "artists": [{"id": null, "name": "Someone"}], "album": {"name": ""}, "duration_ms": 0
        });
        let track = map(local).unwrap();
        assert_eq!(track.spotify_id, None);
        assert_eq!(track.title, "Demo Take");
        assert_eq!(track.album, None);
    }

    #[test]
    fn reads_playlist_entries_in_both_shapes_and_null_ones() {
        let new_shape: PlaylistEntry =
            serde_json::from_value(json!({"item": track_json()})).unwrap();
        let old_shape: PlaylistEntry =
            serde_json::from_value(json!({"track": track_json()})).unwrap();
        let removed: PlaylistEntry = serde_json::from_value(json!({"item": null})).unwrap();
        assert!(new_shape.object().is_some());
        assert!(old_shape.object().is_some());
        assert!(removed.object().is_none());
    }
}
