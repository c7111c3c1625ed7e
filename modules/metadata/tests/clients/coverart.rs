//! The Cover Art Archive client: redirects, missing covers, wrong content.

use std::time::Duration;

use soulspot_metadata::coverart::{CoverArtClient, CoverArtError};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{http, settings};

const RELEASE: &str = "e13b7fc6-9a7f-5ecf-a374-1a47e4427bb4";

fn client(server: &MockServer) -> CoverArtClient {
    CoverArtClient::new(
        http(&settings(&server.uri())),
        &server.uri(),
        Duration::from_secs(2),
    )
}

#[tokio::test]
async fn the_front_cover_redirect_is_followed_to_the_image() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/release/{RELEASE}/front-500")))
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/images/front-500.png", server.uri())),
        )
        .mount(&server)
        .await;
    Mock::given(path("/images/front-500.png"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(b"\x89PNG fake".to_vec(), "image/png"),
        )
        .mount(&server)
        .await;
    let cover = client(&server).front_cover(RELEASE).await.unwrap().unwrap();
    assert_eq!(cover.mime_type, "image/png");
    assert_eq!(cover.data, b"\x89PNG fake");
}

#[tokio::test]
async fn a_release_without_cover_is_none_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/release/{RELEASE}/front-500")))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    assert_eq!(client(&server).front_cover(RELEASE).await.unwrap(), None);
}

#[tokio::test]
async fn a_page_that_is_not_an_image_is_refused() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/release/{RELEASE}/front-500")))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>", "text/html"))
        .mount(&server)
        .await;
    let error = client(&server).front_cover(RELEASE).await.unwrap_err();
    assert!(matches!(error, CoverArtError::NotAnImage(_)), "{error}");
}

#[tokio::test]
async fn a_server_error_is_reported() {
    let server = MockServer::start().await;
    Mock::given(path(format!("/release/{RELEASE}/front-500")))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let error = client(&server).front_cover(RELEASE).await.unwrap_err();
    assert!(matches!(error, CoverArtError::Status(502)), "{error}");
}
