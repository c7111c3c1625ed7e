//! Cover Art Archive emulator: `/release/{mbid}` listings and `/release/{mbid}/front[-size]`
//! redirects (307) to PNG images the emulator serves itself under `/images/`.

mod png;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::catalog::Album;
use crate::lenient::{PathRules, Routes};
use crate::state::Shared;

/// Size served for plain `front` (the "original").
const ORIGINAL_SIZE: u32 = 1200;

/// All Cover Art Archive routes. As the real service reads its path segment by segment,
/// a trailing slash changes nothing (`/release/{mbid}/` is the listing).
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Routes::new()
        .route("/release/{mbid}", get(listing))
        .route("/release/{mbid}/{image}", get(front_redirect))
        .route("/release-group/{mbid}/{image}", get(group_front_redirect))
        .route("/images/{mbid}/{file}", get(image))
        .with_state(shared)
        .into_router(PathRules::TRAILING_SLASH)
}

fn album_with_art<'a>(shared: &'a Shared, release_mbid: &str) -> Option<&'a Album> {
    shared
        .catalog()
        .album_by_mbid(release_mbid)
        .filter(|album| album.cover_art)
}

/// The size a redirect request names, read as the real service reads it: any name
/// starting with `front` (`front.jpg`, `front-500.jpg`); the text after its last `-`
/// picks a thumbnail when it starts with `250`, `500` or `1200`, else the original.
fn requested_front_size(image: &str) -> Option<u32> {
    if !image.starts_with("front") {
        return None;
    }
    let Some((_, size)) = image.rsplit_once('-') else {
        return Some(ORIGINAL_SIZE);
    };
    let thumbnail = [250, 500, 1200]
        .into_iter()
        .find(|pixels| size.starts_with(&pixels.to_string()));
    Some(thumbnail.unwrap_or(ORIGINAL_SIZE))
}

/// `front`, `front-250`, `front-500`, `front-1200` → the pixel size of a served image.
fn front_size(image: &str) -> Option<u32> {
    match image.strip_prefix("front")? {
        "" => Some(ORIGINAL_SIZE),
        "-250" => Some(250),
        "-500" => Some(500),
        "-1200" => Some(1200),
        _ => None,
    }
}

fn image_url(shared: &Shared, release_mbid: &str, size: u32) -> String {
    format!(
        "{}/images/{release_mbid}/front-{size}.png",
        shared.urls.coverartarchive
    )
}

async fn listing(State(shared): State<Arc<Shared>>, Path(mbid): Path<String>) -> Response {
    let Some(album) = album_with_art(&shared, &mbid) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let url = |size: u32| image_url(&shared, &album.mbid, size);
    Json(json!({
        "images": [{
            "approved": true,
            "back": false,
            "comment": "",
            "edit": 1,
            "front": true,
            "id": 1,
            "image": url(ORIGINAL_SIZE),
            "thumbnails": {
                "250": url(250), "500": url(500), "1200": url(1200),
                "small": url(250), "large": url(500),
            },
            "types": ["Front"],
        }],
        "release": format!("https://musicbrainz.org/release/{}", album.mbid),
    }))
    .into_response()
}

async fn front_redirect(
    State(shared): State<Arc<Shared>>,
    Path((mbid, image)): Path<(String, String)>,
) -> Response {
    redirect(&shared, album_with_art(&shared, &mbid), &image)
}

async fn group_front_redirect(
    State(shared): State<Arc<Shared>>,
    Path((group_mbid, image)): Path<(String, String)>,
) -> Response {
    let album = shared
        .catalog()
        .albums
        .iter()
        .find(|album| album.release_group_mbid == group_mbid && album.cover_art);
    redirect(&shared, album, &image)
}

fn redirect(shared: &Shared, album: Option<&Album>, image: &str) -> Response {
    let (Some(album), Some(size)) = (album, requested_front_size(image)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match HeaderValue::from_str(&image_url(shared, &album.mbid, size)) {
        Ok(location) => (StatusCode::TEMPORARY_REDIRECT, [(LOCATION, location)]).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn image(
    State(shared): State<Arc<Shared>>,
    Path((mbid, file)): Path<(String, String)>,
) -> Response {
    let size = file.strip_suffix(".png").and_then(front_size);
    let (Some(album), Some(size)) = (album_with_art(&shared, &mbid), size) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let bytes = png::render(size, &album.mbid);
    (
        [(CONTENT_TYPE, HeaderValue::from_static("image/png"))],
        bytes,
    )
        .into_response()
}
