//! The path template: `{albumartist}/{album} ({year})/{track:02} - {title}.{ext}` rendered
//! into sanitised names, one per folder level, the last one the file name.
//!
//! Fields: `albumartist`, `artist`, `album`, `title`, `year`, `track`, `disc`, `ext`; the
//! numeric ones take a zero-padded width (`{track:02}`). A number that is unknown is left out
//! together with what dresses it: the brackets around it (`({year})`), or the separator
//! before it, or — when it opens a name — the separator after it (`{track:02} - `).

use crate::sanitize::{sanitize_component, sanitize_file_name};

/// What a template may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    AlbumArtist,
    Artist,
    Album,
    Title,
    Year,
    Track,
    Disc,
    Ext,
}

impl Field {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "albumartist" => Field::AlbumArtist,
            "artist" => Field::Artist,
            "album" => Field::Album,
            "title" => Field::Title,
            "year" => Field::Year,
            "track" => Field::Track,
            "disc" => Field::Disc,
            "ext" => Field::Ext,
            _ => return None,
        })
    }

    fn is_numeric(self) -> bool {
        matches!(self, Field::Year | Field::Track | Field::Disc)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Field { field: Field, width: usize },
}

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown field `{{{0}}}`")]
    UnknownField(String),
    #[error("`{{` without a closing `}}`")]
    Unclosed,
    #[error("`}}` without an opening `{{`")]
    UnopenedBrace,
    #[error("invalid width in `{{{0}}}` (only numbers take one, like `{{track:02}}`)")]
    InvalidWidth(String),
    #[error(
        "empty, `.` or `..` folder level, or a leading `/`: the template is relative to the root"
    )]
    BadLevel,
    #[error("the file name (last level) must end with `.{{ext}}`")]
    MissingExtension,
}

/// The values a template is rendered with; the library fills in fallbacks before.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TrackFields {
    pub album_artist: String,
    pub artist: String,
    pub album: String,
    pub title: String,
    pub year: Option<i32>,
    pub track: Option<u32>,
    pub disc: Option<u32>,
    /// Lower-case extension without the dot.
    pub ext: String,
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTemplate {
    levels: Vec<Vec<Token>>,
}

impl PathTemplate {
    /// Parses and checks `source`: known fields, relative, ending in `.{ext}`.
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        let levels = source
            .split('/')
            .map(parse_level)
            .collect::<Result<Vec<_>, _>>()?;
        let ends_with_extension = levels.last().is_some_and(|name| {
            matches!(
                name.as_slice(),
                [.., Token::Literal(dot), Token::Field { field: Field::Ext, .. }] if dot.ends_with('.')
            )
        });
        if !ends_with_extension {
            return Err(TemplateError::MissingExtension);
        }
        Ok(Self { levels })
    }

    /// The sanitised folder names and file name for `fields`, each at most `max_bytes` long.
    pub fn render(&self, fields: &TrackFields, max_bytes: usize) -> Vec<String> {
        let last = self.levels.len().saturating_sub(1);
        self.levels
            .iter()
            .enumerate()
            .map(|(index, level)| {
                let raw = render_level(level, fields);
                if index == last {
                    sanitize_file_name(&raw, max_bytes)
                } else {
                    sanitize_component(&raw, max_bytes)
                }
            })
            .collect()
    }
}

fn parse_level(level: &str) -> Result<Vec<Token>, TemplateError> {
    if level.is_empty() || level == "." || level == ".." {
        return Err(TemplateError::BadLevel);
    }
    let mut tokens = Vec::new();
    let mut rest = level;
    while !rest.is_empty() {
        let next_brace = rest.find(['{', '}']).unwrap_or(rest.len());
        if next_brace > 0 {
            tokens.push(Token::Literal(rest[..next_brace].to_owned()));
            rest = &rest[next_brace..];
            continue;
        }
        if rest.starts_with('}') {
            return Err(TemplateError::UnopenedBrace);
        }
        let close = rest.find('}').ok_or(TemplateError::Unclosed)?;
        tokens.push(parse_field(&rest[1..close])?);
        rest = &rest[close + 1..];
    }
    Ok(tokens)
}

fn parse_field(spec: &str) -> Result<Token, TemplateError> {
    let (name, width) = match spec.split_once(':') {
        Some((name, width)) => (name, Some(width)),
        None => (spec, None),
    };
    let field = Field::parse(name).ok_or_else(|| TemplateError::UnknownField(spec.to_owned()))?;
    let width = match width {
        None => 0,
        Some(width) if field.is_numeric() && width.starts_with('0') => width
            .parse::<usize>()
            .ok()
            .filter(|width| *width <= 9)
            .ok_or_else(|| TemplateError::InvalidWidth(spec.to_owned()))?,
        Some(_) => return Err(TemplateError::InvalidWidth(spec.to_owned())),
    };
    Ok(Token::Field { field, width })
}

/// One piece of a level being rendered.
#[derive(Debug)]
enum Piece {
    Text(String),
    Missing,
}

fn render_level(level: &[Token], fields: &TrackFields) -> String {
    let mut pieces: Vec<Piece> = level
        .iter()
        .map(|token| match token {
            Token::Literal(text) => Piece::Text(text.clone()),
            Token::Field { field, width } => {
                value_of(*field, *width, fields).map_or(Piece::Missing, Piece::Text)
            }
        })
        .collect();
    for index in 0..pieces.len() {
        if matches!(pieces[index], Piece::Missing) {
            undress_missing(&mut pieces, index);
        }
    }
    pieces
        .into_iter()
        .filter_map(|piece| match piece {
            Piece::Text(text) => Some(text),
            Piece::Missing => None,
        })
        .collect()
}

fn value_of(field: Field, width: usize, fields: &TrackFields) -> Option<String> {
    let number = |value: Option<i64>| value.map(|value| format!("{value:0width$}"));
    match field {
        Field::AlbumArtist => Some(fields.album_artist.clone()),
        Field::Artist => Some(fields.artist.clone()),
        Field::Album => Some(fields.album.clone()),
        Field::Title => Some(fields.title.clone()),
        Field::Ext => Some(fields.ext.clone()),
        Field::Year => number(fields.year.map(i64::from)),
        Field::Track => number(fields.track.map(i64::from)),
        Field::Disc => number(fields.disc.map(i64::from)),
    }
}

/// Characters that only separate fields, dropped along with a missing neighbour.
fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '_' | '.' | ',' | '–')
}

/// Removes the brackets around the missing piece at `index`, or else the separator before it,
/// or — when nothing precedes it — the separator after it.
fn undress_missing(pieces: &mut [Piece], index: usize) {
    let (before, after) = pieces.split_at_mut(index);
    let previous = match before.last_mut() {
        Some(Piece::Text(text)) => Some(text),
        _ => None,
    };
    let next = match after.get_mut(1) {
        Some(Piece::Text(text)) => Some(text),
        _ => None,
    };
    if let (Some(previous), Some(next)) = (previous.as_deref(), next.as_deref())
        && let Some(close) = closing_bracket(previous)
        && next.starts_with(close)
    {
        strip_bracket_pair(before, after, close);
        return;
    }
    let nothing_before = before.iter().all(|piece| match piece {
        Piece::Text(text) => text.is_empty(),
        Piece::Missing => true,
    });
    if nothing_before {
        if let Some(Piece::Text(next)) = after.get_mut(1) {
            *next = next.trim_start_matches(is_separator).to_owned();
        }
    } else if let Some(Piece::Text(previous)) = before.last_mut() {
        *previous = previous.trim_end_matches(is_separator).to_owned();
    }
}

fn closing_bracket(previous: &str) -> Option<char> {
    match previous.chars().last()? {
        '(' => Some(')'),
        '[' => Some(']'),
        _ => None,
    }
}

fn strip_bracket_pair(before: &mut [Piece], after: &mut [Piece], close: char) {
    if let Some(Piece::Text(previous)) = before.last_mut() {
        previous.pop();
        *previous = previous.trim_end().to_owned();
    }
    if let Some(Piece::Text(next)) = after.get_mut(1) {
        *next = next[close.len_utf8()..].to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::DEFAULT_PATH_TEMPLATE;

    fn teardrop() -> TrackFields {
        TrackFields {
            album_artist: "Massive Attack".into(),
            artist: "Massive Attack".into(),
            album: "Mezzanine".into(),
            title: "Teardrop".into(),
            year: Some(1998),
            track: Some(3),
            disc: Some(1),
            ext: "flac".into(),
        }
    }

    fn render(template: &str, fields: &TrackFields) -> String {
        PathTemplate::parse(template)
            .unwrap()
            .render(fields, 200)
            .join("/")
    }

    #[test]
    fn renders_the_default_template() {
        assert_eq!(
            render(DEFAULT_PATH_TEMPLATE, &teardrop()),
            "Massive Attack/Mezzanine (1998)/03 - Teardrop.flac"
        );
    }

    #[test]
    fn unknown_year_and_track_leave_no_trace() {
        let fields = TrackFields {
            year: None,
            track: None,
            ..teardrop()
        };
        assert_eq!(
            render(DEFAULT_PATH_TEMPLATE, &fields),
            "Massive Attack/Mezzanine/Teardrop.flac"
        );
        assert_eq!(
            render(
                "{artist} - {year} - {album}/{title}{disc}.{ext}",
                &TrackFields {
                    disc: None,
                    ..fields
                }
            ),
            "Massive Attack - Mezzanine/Teardrop.flac"
        );
    }

    #[test]
    fn hostile_values_stay_single_names() {
        let fields = TrackFields {
            album_artist: "../../etc".into(),
            album: "..\\..\\x".into(),
            title: "a/b".into(),
            ..teardrop()
        };
        let names = PathTemplate::parse(DEFAULT_PATH_TEMPLATE)
            .unwrap()
            .render(&fields, 200);
        assert_eq!(names, ["_.._etc", "_.._x (1998)", "03 - a_b.flac"]);
    }

    #[test]
    fn device_names_nul_and_diacritics() {
        let fields = TrackFields {
            album_artist: "CON".into(),
            album: "Ágætis byrjun\0".into(),
            title: "Starálfur".into(),
            ..teardrop()
        };
        assert_eq!(
            render(DEFAULT_PATH_TEMPLATE, &fields),
            "_CON/Ágætis byrjun_ (1998)/03 - Starálfur.flac"
        );
    }

    #[test]
    fn very_long_values_are_cut_per_name() {
        let fields = TrackFields {
            album: "Ö".repeat(500),
            title: "t".repeat(500),
            ..teardrop()
        };
        let names = PathTemplate::parse(DEFAULT_PATH_TEMPLATE)
            .unwrap()
            .render(&fields, 100);
        assert!(names.iter().all(|name| name.len() <= 100), "{names:?}");
        assert!(names[2].ends_with(".flac"));
    }

    #[test]
    fn refuses_broken_templates() {
        let refused = [
            (
                "{artist}/{song}.{ext}",
                TemplateError::UnknownField("song".into()),
            ),
            ("{artist/{title}.{ext}", TemplateError::Unclosed),
            ("{artist}}/{title}.{ext}", TemplateError::UnopenedBrace),
            (
                "{artist:02}/{title}.{ext}",
                TemplateError::InvalidWidth("artist:02".into()),
            ),
            ("/{artist}/{title}.{ext}", TemplateError::BadLevel),
            ("{artist}/../{title}.{ext}", TemplateError::BadLevel),
            ("{artist}/{title}", TemplateError::MissingExtension),
        ];
        for (template, expected) in refused {
            assert_eq!(PathTemplate::parse(template), Err(expected), "{template}");
        }
    }
}
