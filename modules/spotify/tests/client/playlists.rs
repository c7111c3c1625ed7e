//! Reading playlists: the name, every page through `next`, both entry shapes, odd entries.

use serde_json::{Value, json};
use soulspot_spotify::SpotifyError;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{FakeSpotify, PLAYLIST_ID, track_json};

fn page(items: Vec<Value>, next: Option<String>) -> Value {
    json!({"href": "", "items": items, "limit": 100, "next": next, "offset": 0, "previous": null, "total": 5})
}

async fn names_the_playlist(spotify: &FakeSpotify) {
    Mock::given(method("GET"))
        .and(path(format!("/v1/playlists/{PLAYLIST_ID}")))
        .and(query_param("fields", "name"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "Trip hop"})))
        .mount(&spotify.server)
        .await;
}

#[tokio::test]
async fn follows_next_across_pages_in_both_entry_shapes() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    names_the_playlist(&spotify).await;
    let items_path = format!("/v1/playlists/{PLAYLIST_ID}/items");
    let second_page = spotify.url(&format!("{items_path}?offset=100&limit=100"));
    let episode = json!({"type": "episode", "id": "ep", "name": "A podcast", "artists": []});
    Mock::given(method("GET"))
        .and(path(items_path.clone()))
        .and(query_param("limit", "100"))
        .and(query_param_is_missing("offset"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![
                json!({"item": track_json("aaaaaaaaaaaaaaaaaaaaa1", "First")}),
                json!({"item": null}),
                json!({"item": episode}),
                json!({"is_local": true, "item": {"type": "track", "id": null, "name": "Home Demo", "artists": [{"name": "Me"}]}}),
            ],
            Some(second_page),
        )))
        .expect(1)
        .mount(&spotify.server)
        .await;
    Mock::given(method("GET"))
        .and(path(items_path))
        .and(query_param("offset", "100"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![
                json!({"track": track_json("aaaaaaaaaaaaaaaaaaaaa2", "Second")}),
                json!(null),
            ],
            None,
        )))
        .expect(1)
        .mount(&spotify.server)
        .await;

    let playlist = spotify.client().playlist(PLAYLIST_ID).await.unwrap();

    assert_eq!(playlist.name.as_deref(), Some("Trip hop"));
    let titles: Vec<&str> = playlist.tracks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["First", "Home Demo", "Second"]);
    assert_eq!(
        playlist.tracks[2].spotify_id.as_deref(),
        Some("aaaaaaaaaaaaaaaaaaaaa2")
    );
    assert_eq!(playlist.tracks[1].spotify_id, None);
    spotify.server.verify().await;
}

#[tokio::test]
async fn missing_playlist_is_not_found() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    spotify.has_nothing().await;

    let error = spotify.client().playlist(PLAYLIST_ID).await.unwrap_err();

    assert!(matches!(error, SpotifyError::NotFound { .. }), "{error}");
    assert_eq!(error.to_service_error().code(), 404);
}

#[tokio::test]
async fn a_paging_link_to_another_host_is_not_followed() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    names_the_playlist(&spotify).await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/playlists/{PLAYLIST_ID}/items")))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![json!({"item": track_json("aaaaaaaaaaaaaaaaaaaaa1", "First")})],
            Some("https://elsewhere.example/v1/steal-token".to_owned()),
        )))
        .mount(&spotify.server)
        .await;

    let error = spotify.client().playlist(PLAYLIST_ID).await.unwrap_err();

    assert!(matches!(error, SpotifyError::ForeignLink(_)), "{error}");
}
