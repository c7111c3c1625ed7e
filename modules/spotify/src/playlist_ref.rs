//! Reading a playlist reference as users paste it: a bare id, a `spotify:playlist:` URI or an
//! `open.spotify.com` link; and a track reference given as a search query.

/// Spotify ids are 22 characters of base 62.
const ID_LENGTH: usize = 22;

/// The reference is none of the accepted forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a spotify playlist: expected a 22-character id, spotify:playlist:<id> or https://open.spotify.com/playlist/<id>"
)]
pub struct NotAPlaylist(pub String);

/// Whether `text` has the shape of a Spotify id (also a safe NATS subject token).
pub fn is_spotify_id(text: &str) -> bool {
    text.len() == ID_LENGTH && text.bytes().all(|byte| byte.is_ascii_alphanumeric())
}

/// The playlist id inside `reference`: `<id>`, `spotify:playlist:<id>`, or
/// `https://open.spotify.com[/intl-xx]/playlist/<id>[?si=...]`.
pub fn parse_playlist_id(reference: &str) -> Result<String, NotAPlaylist> {
    let trimmed = reference.trim();
    let candidate = match trimmed.strip_prefix("spotify:playlist:") {
        Some(id) => Some(id),
        None if trimmed.contains("://") => id_in_url(trimmed, "playlist"),
        None => Some(trimmed),
    };
    candidate
        .filter(|id| is_spotify_id(id))
        .map(str::to_owned)
        .ok_or_else(|| NotAPlaylist(reference.to_owned()))
}

/// The track a search query names by reference: `spotify:track:<id>` or
/// `https://open.spotify.com[/intl-xx]/track/<id>[?si=...]` (a bare id stays free text).
pub fn parse_track_reference(query: &str) -> Option<String> {
    let trimmed = query.trim();
    let candidate = match trimmed.strip_prefix("spotify:track:") {
        Some(id) => Some(id),
        None => id_in_url(trimmed, "track"),
    };
    candidate.filter(|id| is_spotify_id(id)).map(str::to_owned)
}

/// The id in an `open.spotify.com` link to a `kind` (`playlist`, `track`), ignoring its
/// query and fragment.
fn id_in_url<'a>(url: &'a str, wanted: &str) -> Option<&'a str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let path = rest.strip_prefix("open.spotify.com/")?;
    let path = path.split(['?', '#']).next()?;
    let mut segments = path.split('/').filter(|segment| !segment.is_empty());
    let mut kind = segments.next()?;
    // Localised links read `/intl-de/playlist/<id>`.
    if kind.starts_with("intl-") {
        kind = segments.next()?;
    }
    let id = segments.next()?;
    (kind == wanted && segments.next().is_none()).then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "37i9dQZF1DXcBWIGoYBM5M";

    #[test]
    fn accepts_a_bare_id() {
        assert_eq!(parse_playlist_id(ID).unwrap(), ID);
        assert_eq!(parse_playlist_id(&format!("  {ID}\n")).unwrap(), ID);
    }

    #[test]
    fn accepts_a_spotify_uri() {
        assert_eq!(
            parse_playlist_id(&format!("spotify:playlist:{ID}")).unwrap(),
            ID
        );
    }

    #[test]
    fn accepts_share_links_with_tracking_parameters() {
        for link in [
            format!("https://open.spotify.com/playlist/{ID}"),
            format!("https://open.spotify.com/playlist/{ID}?si=a1b2c3d4e5f64789"),
            format!("https://open.spotify.com/playlist/{ID}/"),
            format!("https://open.spotify.com/intl-de/playlist/{ID}?si=x#top"),
            format!("http://open.spotify.com/playlist/{ID}"),
        ] {
            assert_eq!(parse_playlist_id(&link).unwrap(), ID, "{link}");
        }
    }

    #[test]
    fn a_query_naming_a_track_by_uri_or_link_is_a_track_reference() {
        for query in [
            format!("spotify:track:{ID}"),
            format!("https://open.spotify.com/track/{ID}"),
            format!(" https://open.spotify.com/intl-fr/track/{ID}?si=x "),
        ] {
            assert_eq!(
                parse_track_reference(&query).as_deref(),
                Some(ID),
                "{query}"
            );
        }
        for query in [
            ID.to_owned(),
            "massive attack teardrop".to_owned(),
            format!("spotify:playlist:{ID}"),
            format!("https://open.spotify.com/playlist/{ID}"),
            format!("spotify:track:{ID}x"),
        ] {
            assert_eq!(parse_track_reference(&query), None, "{query}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for reference in [
            String::new(),
            "teardrop".to_owned(),
            format!("{ID}x"),
            "37i9dQZF1DXcBWIGoYBM5.".to_owned(),
            format!("spotify:track:{ID}"),
            format!("spotify:playlist:{ID}:extra"),
            format!("https://open.spotify.com/track/{ID}"),
            format!("https://open.spotify.com/playlist/{ID}/tracks"),
            format!("https://evil.example/playlist/{ID}"),
            format!("https://open.spotify.com.evil.example/playlist/{ID}"),
            format!("ftp://open.spotify.com/playlist/{ID}"),
        ] {
            let error = parse_playlist_id(&reference).unwrap_err();
            assert_eq!(error, NotAPlaylist(reference.clone()));
        }
    }
}
