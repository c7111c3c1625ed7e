//! The MusicBrainz client: User-Agent, queries, throttling, errors, cache.

use std::time::Duration;

use soulspot_metadata::musicbrainz::{MusicBrainzClient, MusicBrainzError};
use soulspot_sandbox::{Sandbox, SandboxConfig};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{
    INTERVAL, Scripted, expected_user_agent, gaps, musicbrainz, recording_list, settings,
};

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(recording_list())
}

#[tokio::test]
async fn a_search_sends_the_user_agent_and_an_escaped_lucene_query() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ws/2/recording"))
        .and(header("user-agent", expected_user_agent().as_str()))
        .and(query_param(
            "query",
            r#"recording:"Glass Harbour \(Live\)" AND artist:"Aurora Lane""#,
        ))
        .and(query_param("fmt", "json"))
        .and(query_param("limit", "10"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    let client = musicbrainz(&settings(&server.uri()));
    let recordings = client
        .search_recordings("Glass Harbour (Live)", "Aurora Lane")
        .await
        .unwrap();
    assert_eq!(recordings[0].title, "Glass Harbour");
    assert_eq!(recordings[0].length, Some(214_000));
    assert_eq!(client.last_error(), None);
}

#[tokio::test]
async fn an_isrc_look_up_asks_for_credits_releases_and_media() {
    let server = MockServer::start().await;
    Mock::given(path("/ws/2/isrc/GBSBX1900001"))
        .and(query_param("inc", "artist-credits+releases+media"))
        .and(query_param("fmt", "json"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    let client = musicbrainz(&settings(&server.uri()));
    let recordings = client.recordings_by_isrc("GBSBX1900001").await.unwrap();
    assert_eq!(recordings.len(), 1);
}

#[tokio::test]
async fn an_unknown_isrc_is_an_empty_answer_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/ws/2/isrc/GBSBX9999999"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(serde_json::json!({"error": "Not Found"})),
        )
        .mount(&server)
        .await;
    let client = musicbrainz(&settings(&server.uri()));
    assert!(
        client
            .recordings_by_isrc("GBSBX9999999")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(client.last_error(), None);
}

#[tokio::test]
async fn a_503_is_retried_after_the_rate_interval_and_then_succeeds() {
    let server = MockServer::start().await;
    let (responder, calls) = Scripted::new(vec![ResponseTemplate::new(503), ok()]);
    Mock::given(path("/ws/2/recording"))
        .respond_with(responder)
        .mount(&server)
        .await;
    let client = musicbrainz(&settings(&server.uri()));
    let recordings = client
        .search_recordings("Glass Harbour", "Aurora Lane")
        .await
        .unwrap();
    assert_eq!(recordings.len(), 1);
    let gaps = gaps(&calls);
    assert_eq!(gaps.len(), 1, "one retry");
    assert!(gaps[0] >= INTERVAL, "retried after {:?}", gaps[0]);
    assert_eq!(client.last_error(), None);
}

#[tokio::test]
async fn a_429_waits_for_retry_after() {
    let server = MockServer::start().await;
    let throttled = ResponseTemplate::new(429).insert_header("retry-after", "1");
    let (responder, calls) = Scripted::new(vec![throttled, ok()]);
    Mock::given(path("/ws/2/recording"))
        .respond_with(responder)
        .mount(&server)
        .await;
    let client = musicbrainz(&settings(&server.uri()));
    client
        .search_recordings("Glass Harbour", "Aurora Lane")
        .await
        .unwrap();
    let gaps = gaps(&calls);
    assert!(
        gaps[0] >= Duration::from_secs(1),
        "retried after {:?}",
        gaps[0]
    );
}

#[tokio::test]
async fn throttling_that_persists_gives_up_after_the_retries_and_is_remembered() {
    let server = MockServer::start().await;
    Mock::given(path("/ws/2/recording"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let client = musicbrainz(&settings(&server.uri()));
    let error = client
        .search_recordings("Glass Harbour", "Aurora Lane")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            MusicBrainzError::Throttled {
                status: 503,
                attempts: 3
            }
        ),
        "{error}"
    );
    assert!(client.last_error().unwrap().contains("throttling"));
}

#[tokio::test]
async fn a_500_fails_at_once_without_retrying() {
    let server = MockServer::start().await;
    Mock::given(path("/ws/2/recording"))
        .respond_with(ResponseTemplate::new(500).set_body_string("search index down"))
        .expect(1)
        .mount(&server)
        .await;
    let client = musicbrainz(&settings(&server.uri()));
    let error = client
        .search_recordings("Glass Harbour", "Aurora Lane")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, MusicBrainzError::Status { status: 500, body } if body == "search index down"),
        "{error}"
    );
}

#[tokio::test]
async fn an_answer_slower_than_the_deadline_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(path("/ws/2/recording"))
        .respond_with(ok().set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let mut settings = settings(&server.uri());
    settings.request_timeout_ms = 300;
    let client = musicbrainz(&settings);
    let started = std::time::Instant::now();
    let error = client
        .search_recordings("Glass Harbour", "Aurora Lane")
        .await
        .unwrap_err();
    assert!(matches!(error, MusicBrainzError::Timeout(_)), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn malformed_json_is_an_error_naming_it() {
    let server = MockServer::start().await;
    Mock::given(path("/ws/2/recording"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"recordings\": [ {"))
        .mount(&server)
        .await;
    let client = musicbrainz(&settings(&server.uri()));
    let error = client
        .search_recordings("Glass Harbour", "Aurora Lane")
        .await
        .unwrap_err();
    assert!(
        matches!(error, MusicBrainzError::MalformedJson(_)),
        "{error}"
    );
    assert!(client.last_error().unwrap().contains("malformed json"));
}

#[tokio::test]
async fn a_repeated_look_up_is_answered_from_the_cache() {
    let server = MockServer::start().await;
    Mock::given(path("/ws/2/recording"))
        .respond_with(ok())
        .expect(1)
        .mount(&server)
        .await;
    let client = musicbrainz(&settings(&server.uri()));
    let first = client
        .search_recordings("Glass Harbour", "Aurora Lane")
        .await
        .unwrap();
    let second = client
        .search_recordings("Glass Harbour", "Aurora Lane")
        .await
        .unwrap();
    assert_eq!(first, second);
}

#[tokio::test]
async fn consecutive_requests_are_spaced_by_the_rate_interval() {
    let server = MockServer::start().await;
    let (responder, calls) = Scripted::new(vec![ok()]);
    Mock::given(path("/ws/2/recording"))
        .respond_with(responder)
        .mount(&server)
        .await;
    let client = std::sync::Arc::new(musicbrainz(&settings(&server.uri())));
    let searches = ["One", "Two", "Three"].map(|title| {
        let client = std::sync::Arc::clone(&client);
        tokio::spawn(async move { client.search_recordings(title, "Aurora Lane").await })
    });
    for search in searches {
        search.await.unwrap().unwrap();
    }
    // The limiter spaces the sends; the server sees arrivals, which a busy machine can
    // bring closer by a connection set-up or a scheduling delay. Without the limiter the
    // three arrive within a few milliseconds of each other.
    let arrival_jitter = INTERVAL / 4;
    let gaps = gaps(&calls);
    assert_eq!(gaps.len(), 2);
    assert!(
        gaps.iter().all(|gap| *gap >= INTERVAL - arrival_jitter),
        "{gaps:?}"
    );
}

#[tokio::test]
async fn the_sandbox_rejects_a_missing_user_agent_and_accepts_ours() {
    let downloads = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::start(SandboxConfig::fast(downloads.path()).unwrap())
        .await
        .unwrap();
    let settings = settings(&sandbox.urls().musicbrainz);
    let anonymous = MusicBrainzClient::new(reqwest::Client::new(), &settings);
    let error = anonymous
        .search_recordings("Glass Harbour", "Aurora Lane")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, MusicBrainzError::Status { status: 400, body } if body.contains("User-Agent")),
        "{error}"
    );
    let recordings = musicbrainz(&settings)
        .search_recordings("Glass Harbour", "Aurora Lane")
        .await
        .unwrap();
    assert_eq!(recordings[0].id, "a72b2d8e-d16d-5526-aade-775aa69ee37e");
    assert_eq!(recordings[0].score, Some(100));
}
