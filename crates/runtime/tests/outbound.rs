//! The shared outbound client follows redirects within the origin that answered and, for
//! clients carrying credentials, never to another host.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use soulspot_runtime::outbound::{Redirects, client_builder};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server on `localhost` (another origin than `127.0.0.1`) that answers anything with 200.
async fn elsewhere() -> (MockServer, String) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("elsewhere"))
        .mount(&server)
        .await;
    let url = format!("http://localhost:{}/stolen", server.address().port());
    (server, url)
}

async fn redirecting_to(location: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/start"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", location))
        .mount(&server)
        .await;
    Mock::given(path("/here"))
        .respond_with(ResponseTemplate::new(200).set_body_string("here"))
        .mount(&server)
        .await;
    server
}

/// `GET <origin>/start` with a key header, through a client with the given redirect rule.
async fn start(origin: &MockServer, redirects: Redirects) -> reqwest::Response {
    client_builder("soulspot-test", redirects)
        .build()
        .unwrap()
        .get(format!("{}/start", origin.uri()))
        .header("X-API-Key", "secret")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_client_with_credentials_follows_a_redirect_within_its_origin() {
    let origin = redirecting_to("/here").await;

    let response = start(&origin, Redirects::SameOrigin).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "here");
}

#[tokio::test]
async fn a_client_with_credentials_never_sends_them_to_another_host() {
    let (elsewhere, stolen) = elsewhere().await;
    let origin = redirecting_to(&stolen).await;

    let response = start(&origin, Redirects::SameOrigin).await;

    assert_eq!(
        response.status(),
        307,
        "the redirect is the caller's answer"
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_client_without_credentials_follows_redirects_anywhere() {
    let (elsewhere, target) = elsewhere().await;
    let origin = redirecting_to(&target).await;

    let response = start(&origin, Redirects::AnyOrigin).await;

    assert_eq!(response.status(), 200);
    assert_eq!(elsewhere.received_requests().await.unwrap().len(), 1);
}
