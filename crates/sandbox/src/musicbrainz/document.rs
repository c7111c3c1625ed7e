//! The documents the web service answers with, before they are rendered as JSON or XML.

use crate::catalog::Track;

use super::json::Parts;

/// One answer of the web service.
#[derive(Debug)]
pub(super) enum Document<'a> {
    /// `GET /ws/2/recording?query=`: one page of scored recordings.
    RecordingSearch {
        created: String,
        count: usize,
        offset: usize,
        hits: Vec<(u8, &'a Track)>,
    },
    /// `GET /ws/2/recording/{mbid}`.
    Recording { track: &'a Track, parts: Parts },
    /// `GET /ws/2/isrc/{isrc}`: every recording carrying the code.
    Isrc {
        isrc: String,
        tracks: Vec<&'a Track>,
        parts: Parts,
    },
}
