//! One track read by its id: what a search for a track link resolves to.

use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::helpers::{FakeSpotify, track_json};

const TRACK_ID: &str = "67Hna13dNDkZvBpTXRIaOJ";

#[tokio::test]
async fn a_track_is_read_by_its_id() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    Mock::given(method("GET"))
        .and(path(format!("/v1/tracks/{TRACK_ID}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(track_json(TRACK_ID, "Teardrop")))
        .expect(1)
        .mount(&spotify.server)
        .await;

    let track = spotify.client().track(TRACK_ID).await.unwrap().unwrap();

    assert_eq!(track.spotify_id.as_deref(), Some(TRACK_ID));
    assert_eq!(
        (track.title.as_str(), track.artist.as_str()),
        ("Teardrop", "Massive Attack")
    );
    spotify.server.verify().await;
}

#[tokio::test]
async fn a_track_spotify_does_not_have_is_none_not_an_error() {
    let spotify = FakeSpotify::start().await;
    spotify.issues_token("token", 3600, 1).await;
    spotify.has_nothing().await;

    let track = spotify.client().track(TRACK_ID).await.unwrap();

    assert_eq!(track, None);
}
