//! A small Lucene subset for recording search: `field:"phrase"`, `field:word`,
//! `dur:[a TO b]`, bare terms, and `AND`/`OR` between clauses.

use crate::catalog::{Album, Artist, Track};
use crate::text::similarity;

/// One `field:value` clause; `required` when joined by `AND`.
#[derive(Debug, PartialEq)]
struct Clause {
    field: String,
    value: String,
    required: bool,
}

/// A parsed query.
#[derive(Debug)]
pub(super) struct LuceneQuery {
    clauses: Vec<Clause>,
}

impl LuceneQuery {
    pub fn parse(text: &str) -> Self {
        let mut clauses: Vec<Clause> = Vec::new();
        let mut next_required = false;
        for term in terms(text) {
            match term.as_str() {
                "AND" | "&&" => {
                    next_required = true;
                    if let Some(last) = clauses.last_mut() {
                        last.required = true;
                    }
                }
                "OR" | "||" => next_required = false,
                _ => {
                    let (field, value) = match term.split_once(':') {
                        Some((field, value)) => (field.to_ascii_lowercase(), value),
                        None => ("recording".to_owned(), term.as_str()),
                    };
                    let value = value.trim_matches(|c| c == '"' || c == '(' || c == ')');
                    clauses.push(Clause {
                        field,
                        value: value.to_owned(),
                        required: next_required,
                    });
                    next_required = false;
                }
            }
        }
        Self { clauses }
    }

    /// Score 0–100, or `None` when the recording does not match.
    pub fn score(&self, track: &Track, artist: &Artist, album: &Album) -> Option<u8> {
        if self.clauses.is_empty() {
            return None;
        }
        let qualities: Vec<(f64, bool)> = self
            .clauses
            .iter()
            .map(|clause| (quality(clause, track, artist, album), clause.required))
            .collect();
        let required_fail = qualities
            .iter()
            .any(|(quality, required)| *required && *quality <= 0.0);
        let any_match = qualities.iter().any(|(quality, _)| *quality > 0.0);
        if required_fail || !any_match {
            return None;
        }
        let mean =
            qualities.iter().map(|(quality, _)| quality).sum::<f64>() / qualities.len() as f64;
        Some((mean * 100.0).round().clamp(0.0, 100.0) as u8)
    }
}

fn quality(clause: &Clause, track: &Track, artist: &Artist, album: &Album) -> f64 {
    let value = clause.value.as_str();
    let exact = |candidate: &str| f64::from(u8::from(candidate.eq_ignore_ascii_case(value)));
    match clause.field.as_str() {
        "recording" | "recordingaccent" => similarity(value, &track.title),
        "artist" | "artistname" | "creditname" => similarity(value, &artist.name),
        "release" => similarity(value, &album.title),
        "isrc" => track.isrc.as_deref().map_or(0.0, exact),
        "rid" => exact(&track.mbid),
        "arid" => exact(&artist.mbid),
        "reid" => exact(&album.mbid),
        "tnum" => exact(&track.track_number.to_string()),
        "date" => f64::from(u8::from(album.release_date.starts_with(value))),
        "dur" => duration_quality(value, track.duration_ms),
        _ => 0.0,
    }
}

/// `dur:123000` matches within 5 s (closer scores higher); `dur:[a TO b]` is a range.
fn duration_quality(value: &str, duration_ms: u32) -> f64 {
    let range = value.trim_start_matches('[').trim_end_matches(']');
    if let Some((from, to)) = range.split_once(" TO ") {
        let inside = from
            .trim()
            .parse::<u32>()
            .is_ok_and(|from| from <= duration_ms)
            && to.trim().parse::<u32>().is_ok_and(|to| duration_ms <= to);
        return f64::from(u8::from(inside));
    }
    value.parse::<u32>().map_or(0.0, |wanted| {
        let distance = f64::from(wanted.abs_diff(duration_ms));
        (1.0 - distance / 5000.0).max(0.0)
    })
}

/// Splits on whitespace outside quotes and brackets.
fn terms(text: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let mut current = String::new();
    let mut in_quotes = false;
    let mut bracket_depth = 0_u32;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '[' if !in_quotes => bracket_depth += 1,
            ']' if !in_quotes => bracket_depth = bracket_depth.saturating_sub(1),
            _ => {}
        }
        if c.is_whitespace() && !in_quotes && bracket_depth == 0 {
            if !current.is_empty() {
                terms.push(std::mem::take(&mut current));
            }
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        terms.push(current);
    }
    terms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_phrases_operators_and_ranges() {
        let query = LuceneQuery::parse(
            r#"recording:"Glass Harbour" AND artist:"Aurora Lane" dur:[1 TO 2]"#,
        );
        let fields: Vec<_> = query
            .clauses
            .iter()
            .map(|c| (c.field.as_str(), c.value.as_str(), c.required))
            .collect();
        assert_eq!(
            fields,
            [
                ("recording", "Glass Harbour", true),
                ("artist", "Aurora Lane", true),
                ("dur", "[1 TO 2]", false),
            ]
        );
        assert_eq!(duration_quality("[1 TO 2]", 2), 1.0);
        assert_eq!(duration_quality("10000", 10000), 1.0);
    }
}
