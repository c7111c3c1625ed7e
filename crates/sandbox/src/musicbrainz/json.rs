//! MusicBrainz JSON: recordings with artist credits and releases (media and tracks).

use serde_json::{Map, Value, json};

use super::document::Document;
use super::error::HELP;
use crate::catalog::{Album, Artist, Catalog, Track};

/// A whole JSON answer.
pub(super) fn document(catalog: &Catalog, document: &Document<'_>) -> Value {
    match document {
        Document::RecordingSearch(page) => {
            let recordings: Vec<Value> = page
                .hits
                .iter()
                .map(|(score, track)| recording(catalog, track, Some(*score), Parts::SEARCH))
                .collect();
            json!({
                "created": page.created,
                "count": page.count,
                "offset": page.offset,
                "recordings": recordings,
            })
        }
        Document::Recording { track, parts } => recording(catalog, track, None, *parts),
        Document::Isrc {
            isrc,
            tracks,
            parts,
        } => {
            let recordings: Vec<Value> = tracks
                .iter()
                .map(|track| recording(catalog, track, None, *parts))
                .collect();
            json!({ "isrc": isrc, "recordings": recordings })
        }
    }
}

/// The JSON error body.
pub(super) fn error(message: &str) -> Value {
    json!({ "error": message, "help": HELP })
}

/// Which optional parts a recording object carries.
#[derive(Debug, Clone, Copy)]
pub(super) struct Parts {
    pub artist_credits: bool,
    pub releases: bool,
    pub media: bool,
    pub isrcs: bool,
    /// Look-ups spell out empty join phrases; search results omit them.
    pub lookup_style: bool,
}

impl Parts {
    /// What a search result always carries.
    pub const SEARCH: Self = Self {
        artist_credits: true,
        releases: true,
        media: true,
        isrcs: true,
        lookup_style: false,
    };

    /// Parts named by an `inc=` parameter (`+` or space separated).
    pub fn from_inc(inc: Option<&str>) -> Self {
        let names: Vec<&str> = inc
            .unwrap_or_default()
            .split(['+', ' '])
            .filter(|name| !name.is_empty())
            .collect();
        Self {
            artist_credits: names.contains(&"artist-credits") || names.contains(&"artists"),
            releases: names.contains(&"releases"),
            media: names.contains(&"media"),
            isrcs: names.contains(&"isrcs"),
            lookup_style: true,
        }
    }
}

/// A recording object; `score` only in search results.
fn recording(catalog: &Catalog, track: &Track, score: Option<u8>, parts: Parts) -> Value {
    let Some((artist, album)) = catalog.context(track) else {
        return Value::Null;
    };
    let mut object = Map::new();
    object.insert("id".into(), json!(track.mbid));
    if let Some(score) = score {
        object.insert("score".into(), json!(score));
    }
    object.insert("title".into(), json!(track.title));
    object.insert("length".into(), json!(track.duration_ms));
    object.insert("video".into(), json!(false));
    object.insert("first-release-date".into(), json!(album.release_date));
    if parts.lookup_style {
        object.insert("disambiguation".into(), json!(""));
    }
    if parts.artist_credits {
        object.insert(
            "artist-credit".into(),
            artist_credit(artist, parts.lookup_style),
        );
    }
    if parts.isrcs {
        if let Some(isrc) = &track.isrc {
            object.insert("isrcs".into(), json!([isrc]));
        }
    }
    if parts.releases {
        object.insert(
            "releases".into(),
            json!([release(track, artist, album, parts)]),
        );
    }
    Value::Object(object)
}

fn artist_credit(artist: &Artist, lookup_style: bool) -> Value {
    let mut credit = json!({
        "name": artist.name,
        "artist": {
            "id": artist.mbid,
            "name": artist.name,
            "sort-name": artist.sort_name,
        },
    });
    if lookup_style {
        credit["joinphrase"] = json!("");
    }
    json!([credit])
}

fn release(track: &Track, artist: &Artist, album: &Album, parts: Parts) -> Value {
    let primary_type = if album.track_count <= 1 {
        "Single"
    } else {
        "Album"
    };
    let mut release = json!({
        "id": album.mbid,
        "title": album.title,
        "status": "Official",
        "date": album.release_date,
        "country": album.country,
        "release-group": {
            "id": album.release_group_mbid,
            "title": album.title,
            "primary-type": primary_type,
        },
        "track-count": album.track_count,
    });
    if parts.artist_credits && !parts.lookup_style {
        release["artist-credit"] = artist_credit(artist, false);
    }
    if parts.media {
        release["media"] = json!([{
            "position": track.disc_number,
            "format": "Digital Media",
            "track-count": album.track_count,
            "track-offset": track.track_number.saturating_sub(1),
            "track": [{
                "id": track.mb_track_mbid,
                "number": track.track_number.to_string(),
                "title": track.title,
                "length": track.duration_ms,
            }],
        }]);
    }
    release
}
