//! Rate limits, server errors, slow and malformed answers, and the search limit cap.

use std::time::{Duration, Instant};

use soulspot_contracts::ErrorKind;
use soulspot_spotify::{SpotifyApiSettings, SpotifyError};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{FakeSpotify, is_quick, search_page, track_json};

#[tokio::test]
async fn rate_limit_waits_for_retry_after_then_succeeds() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/search"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&spotify.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/search"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(search_page(vec![track_json(
                "67Hna13dNDkZvBpTXRIaOJ",
                "Teardrop",
            )])),
        )
        .with_priority(2)
        .expect(1)
        .mount(&spotify.server)
        .await;
    let started = Instant::now();

    let tracks = spotify.client().search_tracks("teardrop", 5).await.unwrap();

    assert_eq!(tracks.len(), 1);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    spotify.server.verify().await;
}

#[tokio::test]
async fn rate_limit_wait_beyond_the_budget_fails_at_once_as_busy() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/search"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "10"))
        .expect(1)
        .mount(&spotify.server)
        .await;
    let started = Instant::now();

    let error = spotify.client().search_tracks("x", 1).await.unwrap_err();

    assert!(matches!(error, SpotifyError::RateLimited { .. }), "{error}");
    let busy = error.to_service_error();
    assert_eq!((busy.kind(), busy.code()), (ErrorKind::Busy, 429));
    assert_eq!(busy.retry_after(), Some(Duration::from_secs(10)));
    assert!(is_quick(started.elapsed()), "{:?}", started.elapsed());
    spotify.server.verify().await;
}

#[tokio::test]
async fn rate_limit_retries_are_bounded() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/search"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .expect(3)
        .mount(&spotify.server)
        .await;
    let client = spotify.client_with(SpotifyApiSettings {
        rate_limit_retry: SpotifyApiSettings::default()
            .rate_limit_retry
            .with_max_attempts(3),
        ..spotify.settings()
    });

    let error = client.search_tracks("x", 1).await.unwrap_err();

    assert!(matches!(error, SpotifyError::RateLimited { .. }), "{error}");
    spotify.server.verify().await;
}

#[tokio::test]
async fn server_error_is_a_5xx_class_error() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&spotify.server)
        .await;

    let error = spotify.client().search_tracks("x", 1).await.unwrap_err();

    assert!(
        matches!(error, SpotifyError::Status { status: 500, .. }),
        "{error}"
    );
    assert!(!error.kind().is_callers_fault());
}

#[tokio::test]
async fn slow_response_past_the_deadline_times_out() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&spotify.server)
        .await;
    let client = spotify.client_with(SpotifyApiSettings {
        request_timeout_ms: 300,
        ..spotify.settings()
    });
    let started = Instant::now();

    let error = client.search_tracks("x", 1).await.unwrap_err();

    assert!(matches!(error, SpotifyError::Timeout { .. }), "{error}");
    assert_eq!(error.to_service_error().code(), 504);
    assert!(is_quick(started.elapsed()), "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_call_is_cut_off_at_its_budget() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&spotify.server)
        .await;
    let client = spotify.client_with(SpotifyApiSettings {
        request_timeout_ms: 10_000,
        call_budget_ms: 300,
        ..spotify.settings()
    });
    let started = Instant::now();

    let error = client.search_tracks("x", 1).await.unwrap_err();

    assert!(matches!(error, SpotifyError::Timeout { .. }), "{error}");
    assert!(is_quick(started.elapsed()), "{:?}", started.elapsed());
}

#[tokio::test]
async fn malformed_json_is_an_internal_failure_not_the_callers() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"tracks\": [oops"))
        .mount(&spotify.server)
        .await;

    let error = spotify.client().search_tracks("x", 1).await.unwrap_err();

    assert!(matches!(error, SpotifyError::Malformed { .. }), "{error}");
    assert_eq!(error.kind(), ErrorKind::Internal);
}

#[tokio::test]
async fn search_limit_is_clamped_to_ten_and_market_is_sent() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/search"))
        .and(query_param("q", "massive attack teardrop"))
        .and(query_param("type", "track"))
        .and(query_param("limit", "10"))
        .and(query_param("market", "DE"))
        .respond_with(ResponseTemplate::new(200).set_body_json(search_page(vec![])))
        .expect(1)
        .mount(&spotify.server)
        .await;
    let client = spotify.client_with(SpotifyApiSettings {
        market: Some("DE".to_owned()),
        ..spotify.settings()
    });

    client
        .search_tracks("massive attack teardrop", 50)
        .await
        .unwrap();

    spotify.server.verify().await;
}
