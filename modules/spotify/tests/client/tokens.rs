//! The app token: fetched once, shared, refreshed before expiry and after a 401.

use std::time::Duration;

use futures::future::join_all;
use serde_json::json;
use soulspot_spotify::SpotifyError;
use wiremock::matchers::{bearer_token, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{FakeSpotify, search_page, token_endpoint, token_response, track_json};

#[tokio::test]
async fn token_is_fetched_once_across_several_searches() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token-1", 3600, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/search"))
        .and(bearer_token("token-1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(search_page(vec![track_json(
                "67Hna13dNDkZvBpTXRIaOJ",
                "Teardrop",
            )])),
        )
        .expect(3)
        .mount(&spotify.server)
        .await;
    let client = spotify.client();

    for _ in 0..3 {
        let tracks = client.search_tracks("teardrop", 5).await.unwrap();
        assert_eq!(tracks[0].title, "Teardrop");
    }

    spotify.server.verify().await;
}

#[tokio::test]
async fn concurrent_callers_share_one_token_refresh() {
    let spotify = FakeSpotify::start().await;
    token_endpoint()
        .respond_with(token_response("token-1", 3600).set_delay(Duration::from_millis(200)))
        .expect(1)
        .mount(&spotify.server)
        .await;
    spotify.answers_search(vec![]).await;
    let client = spotify.client();

    let searches = (0..8).map(|_| client.search_tracks("teardrop", 5));
    let outcomes = join_all(searches).await;

    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    spotify.server.verify().await;
}

#[tokio::test]
async fn token_within_the_refresh_margin_is_replaced() {
    let spotify = FakeSpotify::start().await;
    // 30 s of validity is inside the 60 s margin: every call needs a new token.
    spotify.issues_token("short-lived", 30, 2).await;
    spotify.answers_search(vec![]).await;
    let client = spotify.client();

    client.search_tracks("a", 1).await.unwrap();
    client.search_tracks("b", 1).await.unwrap();

    spotify.server.verify().await;
}

#[tokio::test]
async fn rejected_token_is_refreshed_once_and_the_request_retried() {
    let spotify = FakeSpotify::start().await;
    token_endpoint()
        .respond_with(token_response("revoked", 3600))
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&spotify.server)
        .await;
    token_endpoint()
        .respond_with(token_response("fresh", 3600))
        .expect(1)
        .with_priority(2)
        .mount(&spotify.server)
        .await;
    Mock::given(method("GET"))
        .and(bearer_token("revoked"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                json!({"error": {"status": 401, "message": "Invalid access token"}}),
            ),
        )
        .expect(1)
        .mount(&spotify.server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/search"))
        .and(bearer_token("fresh"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(search_page(vec![track_json(
                "67Hna13dNDkZvBpTXRIaOJ",
                "Teardrop",
            )])),
        )
        .expect(1)
        .mount(&spotify.server)
        .await;

    let tracks = spotify.client().search_tracks("teardrop", 5).await.unwrap();

    assert_eq!(tracks.len(), 1);
    spotify.server.verify().await;
}

#[tokio::test]
async fn a_token_refused_twice_is_an_unavailable_error() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("never-good", 3600, 2).await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .expect(2)
        .mount(&spotify.server)
        .await;

    let error = spotify.client().search_tracks("x", 1).await.unwrap_err();

    assert!(
        matches!(error, SpotifyError::Unauthorized { .. }),
        "{error}"
    );
    assert_eq!(error.to_service_error().code(), 503);
    spotify.server.verify().await;
}

#[tokio::test]
async fn invalid_client_is_a_clear_credentials_error() {
    let spotify = FakeSpotify::start().await;
    Mock::given(method("POST"))
        .and(path("/api/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "invalid_client", "error_description": "Invalid client"}),
        ))
        .mount(&spotify.server)
        .await;

    let error = spotify.client().search_tracks("x", 1).await.unwrap_err();

    assert!(matches!(error, SpotifyError::Credentials { .. }), "{error}");
    assert!(error.to_string().contains("invalid_client"), "{error}");
    assert!(!error.to_string().contains("client-secret"), "{error}");
    assert_eq!(error.to_service_error().code(), 503);
}

#[tokio::test]
async fn health_check_reuses_the_cached_token() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token-1", 3600, 1).await;
    spotify.answers_search(vec![]).await;
    let client = spotify.client();

    client.search_tracks("x", 1).await.unwrap();
    for _ in 0..3 {
        assert_eq!(client.check_token().await, Ok(()));
    }

    spotify.server.verify().await;
}

#[tokio::test]
async fn health_check_reports_refused_credentials_without_asking_again() {
    let spotify = FakeSpotify::start().await;
    Mock::given(method("POST"))
        .and(path("/api/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"error": "invalid_client", "error_description": "Invalid client"}),
        ))
        .expect(1)
        .mount(&spotify.server)
        .await;
    let client = spotify.client();

    for _ in 0..3 {
        let detail = client.check_token().await.unwrap_err();
        assert!(detail.contains("invalid_client"), "{detail}");
    }

    spotify.server.verify().await;
}

#[tokio::test]
async fn the_token_never_follows_a_redirect_to_another_host() {
    let elsewhere = wiremock::MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(search_page(Vec::new())))
        .mount(&elsewhere)
        .await;
    // `localhost` and another port: another origin than the configured `127.0.0.1` server.
    let stolen = format!("http://localhost:{}/v1/search", elsewhere.address().port());
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token-1", 3600, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/search"))
        .and(bearer_token("token-1"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", stolen.as_str()))
        .expect(1)
        .mount(&spotify.server)
        .await;

    let error = spotify.client().search_tracks("x", 1).await.unwrap_err();

    assert!(!matches!(error, SpotifyError::Timeout { .. }), "{error:?}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
    spotify.server.verify().await;
}
