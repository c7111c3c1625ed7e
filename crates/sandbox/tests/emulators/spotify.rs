//! Spotify: tokens, Bearer checks, search filters, playlist paging in both shapes,
//! dev-mode and throttling.

use serde_json::Value;

use crate::helpers::{json_of, spawn_fast, spawn_with, status_of};

const FIFTY: &str = "sandboxfifty0000000000";

#[tokio::test]
async fn token_needs_the_right_client_credentials() {
    let app = spawn_fast().await;
    let url = format!("{}/api/token", app.sandbox.urls().spotify_accounts);
    let refused = app
        .client
        .post(&url)
        .basic_auth("sandbox-client-id", Some("wrong"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let token = app.spotify_token().await;
    assert!(!token.is_empty());
}

#[tokio::test]
async fn api_requires_a_valid_bearer_token() {
    let app = spawn_fast().await;
    let url = format!(
        "{}/v1/search?q=glass&type=track",
        app.sandbox.urls().spotify_api
    );
    assert_eq!(status_of(app.client.get(&url)).await, 401);
    let forged = status_of(app.client.get(&url).bearer_auth("forged")).await;
    assert_eq!(forged, 401);
}

#[tokio::test]
async fn search_supports_field_filters_isrc_and_plain_text() {
    let app = spawn_fast().await;
    let token = app.spotify_token().await;
    let search = |q: &str| {
        json_of(app.spotify_get(&token, "/v1/search").query(&[
            ("q", q),
            ("type", "track"),
            ("limit", "5"),
        ]))
    };
    let filtered = search(r#"track:"Glass Harbour" artist:"Aurora Lane""#).await;
    let items = filtered["tracks"]["items"].as_array().unwrap();
    assert_eq!(items[0]["name"], "Glass Harbour");
    assert_eq!(items[0]["external_ids"]["isrc"], "GBSBX1900001");
    assert_eq!(items[0]["album"]["name"], "Northern Lights");
    assert_eq!(filtered["tracks"]["total"], 3);
    let by_isrc = search("isrc:FRSBX1600001").await;
    assert_eq!(by_isrc["tracks"]["items"][0]["name"], "Café Olé");
    let plain = search("cafe ole zoe").await;
    assert_eq!(plain["tracks"]["items"][0]["name"], "Café Olé");
}

#[tokio::test]
async fn search_pages_follow_next_links() {
    let app = spawn_fast().await;
    let token = app.spotify_token().await;
    let mut url = format!(
        "{}/v1/search?q=synthetic&type=track&limit=10",
        app.sandbox.urls().spotify_api
    );
    let mut seen = 0;
    loop {
        let page = json_of(app.spotify_get(&token, &url)).await;
        seen += page["tracks"]["items"].as_array().unwrap().len();
        match page["tracks"]["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, 38);
}

async fn collect_playlist(
    app: &crate::helpers::TestSandbox,
    token: &str,
    path: &str,
    key: &str,
) -> Vec<String> {
    let mut url = format!(
        "{}/v1/playlists/{FIFTY}/{path}?limit=20",
        app.sandbox.urls().spotify_api
    );
    let mut ids = Vec::new();
    loop {
        let page = json_of(app.spotify_get(token, &url)).await;
        for entry in page["items"].as_array().unwrap() {
            ids.push(entry[key]["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => url = next.to_owned(),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn playlist_pages_in_new_and_legacy_shapes() {
    let app = spawn_fast().await;
    let token = app.spotify_token().await;
    let new_shape = collect_playlist(&app, &token, "items", "item").await;
    let legacy_shape = collect_playlist(&app, &token, "tracks", "track").await;
    assert_eq!(new_shape.len(), 50);
    assert_eq!(new_shape, legacy_shape);
    let distinct: std::collections::HashSet<_> = new_shape.iter().collect();
    assert_eq!(distinct.len(), 50);
}

#[tokio::test]
async fn dev_mode_hides_isrc_and_caps_limit() {
    let app = spawn_with(|config| config.spotify_dev_mode = true).await;
    let token = app.spotify_token().await;
    let base = "/v1/search?q=glass&type=track";
    let too_many = status_of(app.spotify_get(&token, &format!("{base}&limit=20"))).await;
    assert_eq!(too_many, 400);
    let page = json_of(app.spotify_get(&token, &format!("{base}&limit=10"))).await;
    assert!(page["tracks"]["items"][0].get("external_ids").is_none());
}

#[tokio::test]
async fn throttled_requests_get_429_with_retry_after() {
    let app = spawn_fast().await;
    let token = app.spotify_token().await;
    app.sandbox.faults().throttle_spotify(1, 7);
    let throttled = app
        .spotify_get(&token, "/v1/search?q=glass&type=track")
        .send()
        .await
        .unwrap();
    assert_eq!(throttled.status(), 429);
    assert_eq!(throttled.headers()["retry-after"], "7");
    let next = status_of(app.spotify_get(&token, "/v1/search?q=glass&type=track")).await;
    assert_eq!(next, 200);
}
