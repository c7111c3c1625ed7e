//! Spotify's JSON objects: track, album, artist and paging wrappers.

use serde_json::{Value, json};

use crate::catalog::{Album, Artist, Catalog, Track};
use crate::server::SandboxUrls;

/// A full track object; `external_ids` is left out for development-mode apps.
pub(super) fn track_object(
    catalog: &Catalog,
    track: &Track,
    urls: &SandboxUrls,
    dev_mode: bool,
) -> Value {
    let Some((artist, album)) = catalog.context(track) else {
        return Value::Null;
    };
    let mut object = json!({
        "album": album_object(album, artist, urls),
        "artists": [artist_object(artist, urls)],
        "available_markets": ["DE", "FR", "GB", "IE", "US"],
        "disc_number": track.disc_number,
        "duration_ms": track.duration_ms,
        "explicit": track.explicit,
        "external_urls": { "spotify": format!("https://open.spotify.com/track/{}", track.spotify_id) },
        "href": format!("{}/v1/tracks/{}", urls.spotify_api, track.spotify_id),
        "id": track.spotify_id,
        "is_local": false,
        "name": track.title,
        "popularity": 42,
        "preview_url": null,
        "track_number": track.track_number,
        "type": "track",
        "uri": format!("spotify:track:{}", track.spotify_id),
    });
    if !dev_mode {
        let isrc = track
            .isrc
            .as_ref()
            .map_or_else(|| json!({}), |isrc| json!({ "isrc": isrc }));
        object["external_ids"] = isrc;
    }
    object
}

fn album_object(album: &Album, artist: &Artist, urls: &SandboxUrls) -> Value {
    let image = |size: u32| {
        json!({
            "url": format!("{}/images/{}/front-{size}.png", urls.coverartarchive, album.mbid),
            "height": size,
            "width": size,
        })
    };
    let album_type = if album.track_count <= 1 {
        "single"
    } else {
        "album"
    };
    json!({
        "album_type": album_type,
        "artists": [artist_object(artist, urls)],
        "external_urls": { "spotify": format!("https://open.spotify.com/album/{}", album.spotify_id) },
        "href": format!("{}/v1/albums/{}", urls.spotify_api, album.spotify_id),
        "id": album.spotify_id,
        "images": [image(640), image(300), image(64)],
        "name": album.title,
        "release_date": album.release_date,
        "release_date_precision": "day",
        "total_tracks": album.track_count,
        "type": "album",
        "uri": format!("spotify:album:{}", album.spotify_id),
    })
}

fn artist_object(artist: &Artist, urls: &SandboxUrls) -> Value {
    json!({
        "external_urls": { "spotify": format!("https://open.spotify.com/artist/{}", artist.spotify_id) },
        "href": format!("{}/v1/artists/{}", urls.spotify_api, artist.spotify_id),
        "id": artist.spotify_id,
        "name": artist.name,
        "type": "artist",
        "uri": format!("spotify:artist:{}", artist.spotify_id),
    })
}

/// A paging object over `items` (already sliced), with `next`/`previous` built from `base`
/// (a URL that already carries its other query parameters).
pub(super) fn paging(
    base: &str,
    items: Vec<Value>,
    limit: usize,
    offset: usize,
    total: usize,
) -> Value {
    let page_url = |page_offset: usize| format!("{base}offset={page_offset}&limit={limit}");
    let next = (offset + limit < total).then(|| page_url(offset + limit));
    let previous = (offset > 0).then(|| page_url(offset.saturating_sub(limit)));
    json!({
        "href": page_url(offset),
        "items": items,
        "limit": limit,
        "next": next,
        "offset": offset,
        "previous": previous,
        "total": total,
    })
}
