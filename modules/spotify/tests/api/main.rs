//! The spotify module through NATS, against the sandbox's Spotify emulator.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

use std::time::{Duration, Instant};

use soulspot_bus::RequestError;
use soulspot_contracts::ModuleStatus;

use helpers::{GLASS_HARBOUR, Options, spawn_app, spawn_app_with};

fn service_error_code(error: &RequestError) -> u16 {
    match error {
        RequestError::Service { code, .. } => *code,
        other => panic!("expected a service error, got {other}"),
    }
}

#[tokio::test]
async fn search_track_returns_spotify_tracks_with_their_isrc() {
    let app = spawn_app().await;

    let reply = app
        .search(r#"track:"Glass Harbour" artist:"Aurora Lane""#, Some(5))
        .await
        .unwrap();

    let first = &reply.tracks[0];
    assert_eq!(first.title, "Glass Harbour");
    assert_eq!(first.artist, "Aurora Lane");
    assert_eq!(first.spotify_id.as_deref(), Some(GLASS_HARBOUR));
    assert_eq!(first.isrc.as_deref(), Some("GBSBX1900001"));
    assert_eq!(first.album.as_deref(), Some("Northern Lights"));
}

#[tokio::test]
async fn search_track_works_for_a_development_mode_app() {
    let app = spawn_app_with(Options {
        dev_mode: true,
        ..Options::default()
    })
    .await;

    // 50 is valid for the capability but over the dev-mode cap: the module clamps it.
    let reply = app.search("glass", Some(50)).await.unwrap();

    assert!(!reply.tracks.is_empty());
    assert!(reply.tracks.len() <= 10);
    assert!(reply.tracks.iter().all(|track| track.isrc.is_none()));
}

#[tokio::test]
async fn search_track_waits_out_a_short_rate_limit() {
    let app = spawn_app().await;
    app.sandbox.faults().throttle_spotify(1, 1);
    let started = Instant::now();

    let reply = app.search("glass harbour", None).await.unwrap();

    assert!(!reply.tracks.is_empty());
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn playlist_tracks_lists_a_playlist_given_as_a_share_link() {
    let app = spawn_app().await;
    let link = "https://open.spotify.com/playlist/sandboxfifty0000000000?si=0123456789abcdef";

    let reply = app.playlist(link).await.unwrap();

    assert_eq!(reply.playlist_id, "sandboxfifty0000000000");
    assert_eq!(reply.name.as_deref(), Some("Sandbox Fifty"));
    assert_eq!(reply.tracks.len(), 50);
    assert_eq!(reply.tracks[0].spotify_id.as_deref(), Some(GLASS_HARBOUR));
}

#[tokio::test]
async fn playlist_tracks_refuses_what_is_not_a_playlist() {
    let app = spawn_app().await;

    let error = app
        .playlist("spotify:track:WDAD8c1xS4i78ePMqpycRa")
        .await
        .unwrap_err();

    assert_eq!(service_error_code(&error), 400);
}

#[tokio::test]
async fn playlist_tracks_reports_an_unknown_playlist_as_not_found() {
    let app = spawn_app().await;

    let error = app
        .playlist("spotify:playlist:0000000000000000000000")
        .await
        .unwrap_err();

    assert_eq!(service_error_code(&error), 404);
}

#[tokio::test]
async fn health_is_active_with_valid_credentials() {
    let app = spawn_app().await;

    let report = app.health().await;

    assert_eq!(report.status, ModuleStatus::Active, "{report:?}");
}

#[tokio::test]
async fn health_names_refused_credentials_and_search_fails_over() {
    let app = spawn_app_with(Options {
        client_secret: "wrong-secret",
        ..Options::default()
    })
    .await;

    let report = app.health().await;
    let error = app.search("glass", None).await.unwrap_err();

    assert_eq!(report.status, ModuleStatus::Degraded);
    let detail = report.checks[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("invalid_client"), "{detail}");
    assert!(!detail.contains("wrong-secret"), "{detail}");
    assert_eq!(service_error_code(&error), 503);
}
