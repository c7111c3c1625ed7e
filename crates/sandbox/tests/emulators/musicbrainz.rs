//! MusicBrainz: search scoring, ISRC look-up, User-Agent rule and the 1 request/s limit.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{json_of, spawn_fast, spawn_with, status_of};

#[tokio::test]
async fn recording_search_ranks_the_original_above_remix_and_live() {
    let app = spawn_fast().await;
    let query = r#"recording:"Glass Harbour" AND artist:"Aurora Lane""#;
    let body = json_of(
        app.musicbrainz_get("/ws/2/recording")
            .query(&[("query", query), ("fmt", "json")]),
    )
    .await;
    let recordings = body["recordings"].as_array().unwrap();
    assert_eq!(body["count"], 3);
    let best = &recordings[0];
    assert_eq!(best["title"], "Glass Harbour");
    assert_eq!(best["score"], 100);
    assert_eq!(best["length"], 214_000);
    assert_eq!(best["artist-credit"][0]["artist"]["name"], "Aurora Lane");
    let release = &best["releases"][0];
    assert_eq!(release["title"], "Northern Lights");
    assert_eq!(release["media"][0]["track"][0]["number"], "1");
    assert!(recordings[1]["score"].as_u64().unwrap() < 100);
}

#[tokio::test]
async fn isrc_lookup_finds_the_recording_or_answers_404() {
    let app = spawn_fast().await;
    let found = app
        .musicbrainz_get("/ws/2/isrc/GBSBX1900001?fmt=json&inc=artist-credits+releases")
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 200);
    let body: Value = found.json().await.unwrap();
    assert_eq!(body["isrc"], "GBSBX1900001");
    assert_eq!(body["recordings"][0]["title"], "Glass Harbour");
    assert_eq!(
        body["recordings"][0]["artist-credit"][0]["name"],
        "Aurora Lane"
    );
    assert_eq!(
        body["recordings"][0]["releases"][0]["title"],
        "Northern Lights"
    );
    let unknown = status_of(app.musicbrainz_get("/ws/2/isrc/USXXX0000001?fmt=json")).await;
    assert_eq!(unknown, 404);
}

#[tokio::test]
async fn requests_without_user_agent_are_refused() {
    let app = spawn_fast().await;
    let url = format!(
        "{}/ws/2/isrc/GBSBX1900001?fmt=json",
        app.sandbox.urls().musicbrainz
    );
    let response = app.client.get(url).send().await.unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn second_request_within_a_second_gets_503() {
    let app = spawn_with(|config| {
        config.timing.musicbrainz_min_interval = Some(Duration::from_secs(1));
    })
    .await;
    let path = "/ws/2/isrc/GBSBX1900001?fmt=json";
    let first = status_of(app.musicbrainz_get(path)).await;
    let second = status_of(app.musicbrainz_get(path)).await;
    assert_eq!(first, 200);
    assert_eq!(second, 503);
}
