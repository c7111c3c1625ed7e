//! Parsing Spotify's search query syntax: `track:"Title" artist:Name isrc:XYZ free text`.

use soulspot_common::text::words;

use crate::catalog::{Album, Artist, Track};
use crate::text::similarity;

/// A field filter of the `q` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Track,
    Artist,
    Album,
    Year,
    Isrc,
}

/// A parsed search query.
#[derive(Debug, Default)]
pub(super) struct TrackQuery {
    filters: Vec<(Field, String)>,
    free_text: Vec<String>,
}

impl TrackQuery {
    /// Parses `q`; unknown `field:` prefixes are kept as free text.
    pub fn parse(q: &str) -> Self {
        let mut query = Self::default();
        let mut rest = q.trim_start();
        while !rest.is_empty() {
            let (term, remaining) = next_term(rest);
            rest = remaining.trim_start();
            match term
                .split_once(':')
                .and_then(|(name, value)| Some((field(name)?, value)))
            {
                Some((field, value)) => query.filters.push((field, unquote(value))),
                None => query.free_text.push(unquote(&term)),
            }
        }
        query
    }

    /// Whether the query says anything at all.
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty() && self.free_text.iter().all(String::is_empty)
    }

    /// Whether `track` satisfies every filter and contains every free-text word.
    pub fn matches(&self, track: &Track, artist: &Artist, album: &Album) -> bool {
        let filters_hold = self.filters.iter().all(|(field, value)| match field {
            Field::Track => similarity(value, &track.title) > 0.0,
            Field::Artist => similarity(value, &artist.name) > 0.0,
            Field::Album => similarity(value, &album.title) > 0.0,
            Field::Year => year_matches(value, album.year()),
            Field::Isrc => track
                .isrc
                .as_deref()
                .is_some_and(|isrc| isrc.eq_ignore_ascii_case(value)),
        });
        let haystack = words(&format!("{} {} {}", track.title, artist.name, album.title));
        let free_words_present = self
            .free_text
            .iter()
            .flat_map(|text| words(text))
            .all(|word| haystack.contains(&word));
        filters_hold && free_words_present
    }

    /// Relevance for ordering: the closer the title, the earlier.
    pub fn relevance(&self, track: &Track) -> f64 {
        let title_filter = self
            .filters
            .iter()
            .find(|(field, _)| *field == Field::Track);
        match title_filter {
            Some((_, title)) => similarity(title, &track.title),
            None => similarity(&self.free_text.join(" "), &track.title),
        }
    }
}

fn field(name: &str) -> Option<Field> {
    match name.to_ascii_lowercase().as_str() {
        "track" => Some(Field::Track),
        "artist" => Some(Field::Artist),
        "album" => Some(Field::Album),
        "year" => Some(Field::Year),
        "isrc" => Some(Field::Isrc),
        _ => None,
    }
}

/// Splits off one term; a double quote keeps spaces together until it closes.
fn next_term(text: &str) -> (String, &str) {
    let mut in_quotes = false;
    for (index, c) in text.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c.is_whitespace() && !in_quotes {
            return (text[..index].to_owned(), &text[index..]);
        }
    }
    (text.to_owned(), "")
}

fn unquote(value: &str) -> String {
    value.trim_matches('"').to_owned()
}

fn year_matches(wanted: &str, year: &str) -> bool {
    match wanted.split_once('-') {
        Some((from, to)) => from <= year && year <= to,
        None => wanted == year,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_quotes_and_free_text() {
        let query = TrackQuery::parse(r#"track:"Glass Harbour" artist:Aurora lane isrc:GB1"#);
        assert_eq!(
            query.filters,
            [
                (Field::Track, "Glass Harbour".to_owned()),
                (Field::Artist, "Aurora".to_owned()),
                (Field::Isrc, "GB1".to_owned()),
            ]
        );
        assert_eq!(query.free_text, ["lane"]);
    }

    #[test]
    fn years_match_exactly_or_by_range() {
        assert!(year_matches("2019", "2019"));
        assert!(year_matches("2010-2020", "2019"));
        assert!(!year_matches("2020", "2019"));
    }
}
