//! The slskd client's edge cases against wiremock: busy searches, refused keys, server
//! errors, slow and malformed answers.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use serde_json::{Value, json};
use soulspot_common::RetryPolicy;
use soulspot_runtime::Secret;
use soulspot_soulseek::search::Searcher;
use soulspot_soulseek::settings::{SearchSettings, SlskdSettings};
use soulspot_soulseek::slskd::{EnqueueFile, SlskdClient, SlskdError};
use wiremock::matchers::{body_json, header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const API_KEY: &str = "test-api-key-0123456789";

fn settings(server: &MockServer) -> SlskdSettings {
    SlskdSettings {
        url: server.uri(),
        api_key: Secret::new(API_KEY),
        request_timeout_ms: 500,
        busy_retry: RetryPolicy {
            base_ms: 10,
            factor: 2,
            max_delay_ms: 1_000,
            max_attempts: 5,
            jitter_percent: 0,
        },
        ..SlskdSettings::default()
    }
}

fn client(server: &MockServer) -> SlskdClient {
    SlskdClient::new(&settings(server), "soulspot-test/0").unwrap()
}

fn searcher(server: &MockServer) -> Searcher {
    let slskd = settings(server);
    let search = SearchSettings {
        timeout_ms: 1_000,
        poll_interval_ms: 10,
        ..SearchSettings::default()
    };
    Searcher::new(client(server), slskd.busy_retry, search)
}

fn application(connected: bool) -> Value {
    json!({
        "version": {"current": "0.26.0"},
        "server": {"state": "Connected, LoggedIn", "isConnected": connected, "isLoggedIn": connected}
    })
}

/// Echoes the search id the client chose, as slskd does.
fn search_echo(request: &Request) -> ResponseTemplate {
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    ResponseTemplate::new(200).set_body_json(json!({
        "id": body["id"], "searchText": body["searchText"], "state": "InProgress",
        "isComplete": false, "fileCount": 0, "responseCount": 0
    }))
}

#[tokio::test]
async fn sends_the_api_key_and_reads_the_application_state() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v0/application"))
        .and(header("X-API-Key", API_KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(application(true)))
        .expect(1)
        .mount(&server)
        .await;
    let state = client(&server).application().await.unwrap();
    assert!(state.server.is_connected && state.server.is_logged_in);
}

#[tokio::test]
async fn a_refused_api_key_is_unauthorized_and_not_transient() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let error = client(&server).application().await.unwrap_err();
    assert!(
        matches!(error, SlskdError::Unauthorized { status: 401 }),
        "{error}"
    );
    assert!(!error.kind().is_transient());
}

#[tokio::test]
async fn a_server_error_keeps_status_and_body_and_is_transient() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v0/transfers/downloads/ghost%20gina"))
        .respond_with(ResponseTemplate::new(500).set_body_string("user appears to be offline"))
        .mount(&server)
        .await;
    let file = EnqueueFile {
        filename: r"@@m\A\B\01.flac",
        size: 10,
    };
    let error = client(&server)
        .enqueue("ghost gina", file)
        .await
        .unwrap_err();
    match &error {
        SlskdError::Status { status, body, .. } => {
            assert_eq!(*status, 500);
            assert!(body.contains("offline"));
        }
        other => panic!("unexpected {other}"),
    }
    assert!(error.kind().is_transient());
}

#[tokio::test]
async fn a_response_slower_than_the_deadline_times_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(application(true))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    let error = client(&server).application().await.unwrap_err();
    assert!(matches!(error, SlskdError::Timeout { .. }), "{error}");
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn malformed_json_is_reported_as_such() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"server\": [oops"))
        .mount(&server)
        .await;
    let error = client(&server).application().await.unwrap_err();
    assert!(matches!(error, SlskdError::Malformed { .. }), "{error}");
    assert!(!error.kind().is_transient());
}

#[tokio::test]
async fn enqueue_posts_the_file_list_to_the_encoded_username() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v0/transfers/downloads/dj%20k%2Fx"))
        .and(body_json(
            json!([{"filename": r"@@m\A\B\01.flac", "size": 10}]),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "enqueued": [{"id": "0192b3c4-0000-7000-8000-000000000001", "username": "dj k/x",
                          "filename": r"@@m\A\B\01.flac", "size": 10, "state": "Requested"}],
            "failed": []
        })))
        .expect(1)
        .mount(&server)
        .await;
    let file = EnqueueFile {
        filename: r"@@m\A\B\01.flac",
        size: 10,
    };
    let result = client(&server).enqueue("dj k/x", file).await.unwrap();
    assert_eq!(result.enqueued[0].state, "Requested");
}

#[tokio::test]
async fn cancelling_a_transfer_removes_it() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path(
            "/api/v0/transfers/downloads/peer/0192b3c4-0000-7000-8000-000000000001",
        ))
        .and(query_param("remove", "true"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let id = "0192b3c4-0000-7000-8000-000000000001".parse().unwrap();
    client(&server).cancel_transfer("peer", id).await.unwrap();
}

#[tokio::test]
async fn a_search_refused_while_another_is_in_flight_is_retried_then_collected_and_deleted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v0/searches"))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v0/searches"))
        .and(body_json_has_timeout_in_ms())
        .respond_with(search_echo)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v0/searches/[0-9a-f-]+$"))
        .and(query_param("includeResponses", "false"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "0192b3c4-0000-7000-8000-000000000001", "state": "Completed, TimedOut",
            "isComplete": true, "responseCount": 1
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/api/v0/searches/[0-9a-f-]+/responses$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([{
            "username": "vinyl_vault", "hasFreeUploadSlot": true, "queueLength": 0, "uploadSpeed": 10,
            "fileCount": 1, "lockedFileCount": 0, "lockedFiles": [], "token": 1,
            "files": [{"filename": r"@@m\Aurora Lane\Northern Lights\01 - Glass Harbour.flac",
                       "size": 123, "code": 1, "extension": "", "isLocked": false}]
        }])))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path_regex(r"^/api/v0/searches/[0-9a-f-]+$"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let responses = searcher(&server)
        .search("aurora lane glass harbour")
        .await
        .unwrap();

    assert_eq!(responses.len(), 1);
    assert_eq!(responses[0].username, "vinyl_vault");
    assert_eq!(responses[0].files[0].size, 123);
    assert_eq!(
        responses[0].files[0].bit_rate, None,
        "omitted fields are optional"
    );
}

#[tokio::test]
async fn a_search_still_busy_after_every_retry_fails_as_busy() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v0/searches"))
        .respond_with(ResponseTemplate::new(429))
        .expect(5)
        .mount(&server)
        .await;
    let error = searcher(&server).search("anything").await.unwrap_err();
    assert!(matches!(error, SlskdError::Busy { .. }), "{error}");
}

/// The search POST carries `searchTimeout` in milliseconds, as slskd expects.
fn body_json_has_timeout_in_ms() -> impl wiremock::Match {
    |request: &Request| {
        serde_json::from_slice::<Value>(&request.body).is_ok_and(|body| {
            body["searchTimeout"] == 1_000 && body["searchText"] == "aurora lane glass harbour"
        })
    }
}

#[tokio::test]
async fn the_api_key_never_follows_a_redirect_to_another_host() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(application(true)))
        .mount(&elsewhere)
        .await;
    // `localhost` and another port: another origin than the configured `127.0.0.1` server.
    let stolen = format!(
        "http://localhost:{}/api/v0/application",
        elsewhere.address().port()
    );
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v0/application"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", stolen.as_str()))
        .expect(1)
        .mount(&server)
        .await;

    let error = client(&server).application().await.unwrap_err();

    assert!(
        matches!(error, SlskdError::Status { status: 302, .. }),
        "{error:?}"
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unreachable_slskd_is_named_without_the_password_of_its_url() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let settings = SlskdSettings {
        url: format!("http://admin:hunter2@127.0.0.1:{port}"),
        api_key: Secret::new(API_KEY),
        request_timeout_ms: 500,
        ..SlskdSettings::default()
    };

    let error = SlskdClient::new(&settings, "soulspot-test/0")
        .unwrap()
        .application()
        .await
        .unwrap_err();

    let text = error.to_string();
    assert!(matches!(error, SlskdError::Unreachable { .. }), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(text.contains("127.0.0.1"), "{text}");
}
