//! MusicBrainz XML (the mmd-2.0 schema): the same documents as the JSON, shaped as the
//! web service shapes them — lists wrapped in `*-list` elements with `count` (and
//! `offset`), ids and types as attributes, search scores as `ext:score` in the extension
//! namespace, empty join phrases and disambiguations left out. Search results follow the
//! search server's sample output (nested lists without `count`, `<track-count>` under
//! `<medium-list>`); look-ups follow the web service's serializer (every list counted).

use super::document::Document;
use super::error::HELP;
use super::json::Parts;
use crate::catalog::{Album, Artist, Catalog, Track};

const MMD_NAMESPACE: &str = "http://musicbrainz.org/ns/mmd-2.0#";
const EXTENSION_NAMESPACE: &str = "http://musicbrainz.org/ns/ext#-2.0";
/// The MBID of the release status "Official".
const OFFICIAL_STATUS_ID: &str = "4e304316-386d-3409-af2e-78857eec5cfe";
const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// A whole XML answer.
pub(super) fn document(catalog: &Catalog, document: &Document<'_>) -> String {
    let mut xml = Writer::default();
    match document {
        Document::RecordingSearch(page) => {
            xml.open(
                "metadata",
                &[
                    ("created", page.created.as_str()),
                    ("xmlns", MMD_NAMESPACE),
                    ("xmlns:ext", EXTENSION_NAMESPACE),
                ],
            );
            let (count, offset) = (page.count.to_string(), page.offset.to_string());
            xml.open("recording-list", &[("count", &count), ("offset", &offset)]);
            for (score, track) in &page.hits {
                recording(&mut xml, catalog, track, Some(*score), Parts::SEARCH);
            }
            xml.close("recording-list");
        }
        Document::Recording { track, parts } => {
            xml.open("metadata", &[("xmlns", MMD_NAMESPACE)]);
            recording(&mut xml, catalog, track, None, *parts);
        }
        Document::Isrc {
            isrc,
            tracks,
            parts,
        } => {
            xml.open("metadata", &[("xmlns", MMD_NAMESPACE)]);
            xml.open("isrc", &[("id", isrc)]);
            xml.open("recording-list", &[("count", &tracks.len().to_string())]);
            for track in tracks {
                recording(&mut xml, catalog, track, None, *parts);
            }
            xml.close("recording-list");
            xml.close("isrc");
        }
    }
    xml.close("metadata");
    xml.finish()
}

/// The XML error body: the message and the help line, each in a `<text>`.
pub(super) fn error(message: &str) -> String {
    let mut xml = Writer::default();
    xml.open("error", &[]);
    xml.leaf("text", message);
    xml.leaf("text", HELP);
    xml.close("error");
    xml.finish()
}

fn recording(xml: &mut Writer, catalog: &Catalog, track: &Track, score: Option<u8>, parts: Parts) {
    let Some((artist, album)) = catalog.context(track) else {
        return;
    };
    let score = score.map(|score| score.to_string());
    let mut attributes = vec![("id", track.mbid.as_str())];
    if let Some(score) = &score {
        attributes.push(("ext:score", score));
    }
    xml.open("recording", &attributes);
    xml.leaf("title", &track.title);
    xml.leaf("length", &track.duration_ms.to_string());
    if parts.artist_credits {
        artist_credit(xml, artist);
    }
    xml.leaf("first-release-date", &album.release_date);
    if parts.releases {
        xml.open("release-list", single_list(parts));
        release(xml, track, artist, album, parts);
        xml.close("release-list");
    }
    if parts.isrcs {
        if let Some(isrc) = &track.isrc {
            xml.open("isrc-list", single_list(parts));
            xml.empty("isrc", &[("id", isrc)]);
            xml.close("isrc-list");
        }
    }
    xml.close("recording");
}

/// Attributes of a list holding one entry: counted in look-ups, bare in search results.
fn single_list(parts: Parts) -> &'static [(&'static str, &'static str)] {
    if parts.lookup_style {
        &[("count", "1")]
    } else {
        &[]
    }
}

/// A credit whose name is the artist's own carries no `<name>` of its own in XML.
fn artist_credit(xml: &mut Writer, artist: &Artist) {
    xml.open("artist-credit", &[]);
    xml.open("name-credit", &[]);
    xml.open("artist", &[("id", &artist.mbid)]);
    xml.leaf("name", &artist.name);
    xml.leaf("sort-name", &artist.sort_name);
    xml.close("artist");
    xml.close("name-credit");
    xml.close("artist-credit");
}

fn release(xml: &mut Writer, track: &Track, artist: &Artist, album: &Album, parts: Parts) {
    let primary_type = if album.track_count <= 1 {
        "Single"
    } else {
        "Album"
    };
    let track_count = album.track_count.to_string();
    xml.open("release", &[("id", &album.mbid)]);
    xml.leaf("title", &album.title);
    xml.open("status", &[("id", OFFICIAL_STATUS_ID)]);
    escape_into(&mut xml.out, "Official");
    xml.close("status");
    if parts.artist_credits && !parts.lookup_style {
        artist_credit(xml, artist);
    }
    xml.open(
        "release-group",
        &[("id", &album.release_group_mbid), ("type", primary_type)],
    );
    xml.leaf("primary-type", primary_type);
    xml.close("release-group");
    xml.leaf("date", &album.release_date);
    xml.leaf("country", &album.country);
    if parts.media {
        let offset = track.track_number.saturating_sub(1).to_string();
        xml.open("medium-list", single_list(parts));
        if !parts.lookup_style {
            xml.leaf("track-count", &track_count);
        }
        xml.open("medium", &[]);
        xml.leaf("position", &track.disc_number.to_string());
        xml.leaf("format", "Digital Media");
        xml.open(
            "track-list",
            &[("count", &track_count), ("offset", &offset)],
        );
        xml.open("track", &[("id", &track.mb_track_mbid)]);
        xml.leaf("number", &track.track_number.to_string());
        xml.leaf("title", &track.title);
        xml.leaf("length", &track.duration_ms.to_string());
        xml.close("track");
        xml.close("track-list");
        xml.close("medium");
        xml.close("medium-list");
    }
    xml.close("release");
}

/// Appends elements to a document that starts with the XML declaration.
struct Writer {
    out: String,
}

impl Default for Writer {
    fn default() -> Self {
        Self {
            out: DECLARATION.to_owned(),
        }
    }
}

impl Writer {
    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start_tag(name, attributes);
        self.out.push('>');
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start_tag(name, attributes);
        self.out.push_str("/>");
    }

    fn leaf(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        escape_into(&mut self.out, text);
        self.close(name);
    }

    fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn start_tag(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (attribute, value) in attributes {
            self.out.push(' ');
            self.out.push_str(attribute);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
    }

    fn finish(self) -> String {
        self.out
    }
}

/// Escapes the five characters XML reserves, in text and attribute values alike.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_characters_are_escaped() {
        let mut out = String::new();
        escape_into(&mut out, r#"Tom & "Jerry" <live>"#);
        assert_eq!(out, "Tom &amp; &quot;Jerry&quot; &lt;live&gt;");
    }
}
