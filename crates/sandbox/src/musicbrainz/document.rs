//! The documents the web service answers with, before they are rendered as JSON or XML.

use crate::catalog::Track;

use super::json::Parts;

/// One answer of the web service.
#[derive(Debug)]
pub(super) enum Document<'a> {
    /// `GET /ws/2/recording?query=`: one page of scored recordings.
    RecordingSearch(SearchPage<'a>),
    /// `GET /ws/2/recording/{mbid}`.
    Recording { track: &'a Track, parts: Parts },
    /// `GET /ws/2/isrc/{isrc}`: every recording carrying the code.
    Isrc {
        isrc: String,
        tracks: Vec<&'a Track>,
        parts: Parts,
    },
}

/// One page of a recording search.
#[derive(Debug)]
pub(super) struct SearchPage<'a> {
    /// When the answer was made (RFC 3339).
    pub created: String,
    /// How many recordings matched in all.
    pub count: usize,
    /// How many matches come before this page.
    pub offset: usize,
    /// This page's recordings with their scores, best first.
    pub hits: Vec<(u8, &'a Track)>,
}
