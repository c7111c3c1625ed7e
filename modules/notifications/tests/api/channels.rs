//! Each channel's HTTP request and the retry policy, against wiremock.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use soulspot_common::RetryPolicy;
use soulspot_notifications::channels::{ChannelSettings, GotifySettings, NtfySettings};
use soulspot_notifications::delivery::{DeliveryPolicy, DeliveryReport};
use soulspot_notifications::{DeliverySettings, http_client};
use soulspot_runtime::Secret;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::helpers::{fast_delivery, notification, webhook};

async fn deliver(channel: &ChannelSettings, delivery: &DeliverySettings) -> DeliveryReport {
    let http = http_client(delivery).unwrap();
    let policy: DeliveryPolicy = delivery.retry_policy();
    channel
        .deliver(&http, &notification(Some("job-42")), &policy)
        .await
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.unwrap()
}

fn hmac_sha256_hex(key: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[tokio::test]
async fn a_webhook_receives_the_event_with_a_valid_signature() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/soulspot"))
        .and(header("content-type", "application/json"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let channel = webhook(
        "hook",
        format!("{}/hooks/soulspot", server.uri()),
        Some("s3cret"),
    );

    let report = deliver(&channel, &fast_delivery()).await;

    assert_eq!((report.ok, report.attempts), (true, 1), "{report:?}");
    let request = &received(&server).await[0];
    let signature = request.headers.get("x-soulspot-signature").unwrap();
    let expected = format!("sha256={}", hmac_sha256_hex(b"s3cret", &request.body));
    assert_eq!(signature.to_str().unwrap(), expected);
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body["event"], "track_ready");
    assert_eq!(body["job_id"], "job-42");
    assert_eq!(body["track"]["title"], "Teardrop");
    assert_eq!(body["track"]["artist"], "Massive Attack");
    assert_eq!(
        body["path"],
        "/music/Massive Attack/Mezzanine (1998)/03 - Teardrop.flac"
    );
    let sent_at = time::OffsetDateTime::parse(
        body["sent_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let timestamp = request.headers.get("x-soulspot-timestamp").unwrap();
    assert_eq!(
        timestamp.to_str().unwrap(),
        sent_at.unix_timestamp().to_string()
    );
}

#[tokio::test]
async fn a_webhook_without_a_secret_is_not_signed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let channel = webhook("hook", server.uri(), None);

    let report = deliver(&channel, &fast_delivery()).await;

    assert!(report.ok, "{report:?}");
    let request = &received(&server).await[0];
    assert!(request.headers.get("x-soulspot-signature").is_none());
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_until_it_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let report = deliver(&webhook("hook", server.uri(), None), &fast_delivery()).await;

    assert_eq!(
        report,
        DeliveryReport {
            ok: true,
            attempts: 3,
            error: None
        }
    );
}

#[tokio::test]
async fn a_persistently_failing_endpoint_is_given_up_after_max_attempts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;

    let report = deliver(&webhook("hook", server.uri(), None), &fast_delivery()).await;

    assert_eq!((report.ok, report.attempts), (false, 3));
    assert_eq!(report.error.as_deref(), Some("HTTP 503"));
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400))
        .expect(1)
        .mount(&server)
        .await;

    let report = deliver(&webhook("hook", server.uri(), None), &fast_delivery()).await;

    assert_eq!((report.ok, report.attempts), (false, 1));
    assert_eq!(report.error.as_deref(), Some("HTTP 400"));
}

#[tokio::test]
async fn throttling_is_retried_after_the_delay_the_server_asks_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let started = Instant::now();

    let report = deliver(&webhook("hook", server.uri(), None), &fast_delivery()).await;

    assert_eq!((report.ok, report.attempts), (true, 2), "{report:?}");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1),
        "retried after {elapsed:?}, backoff is 10 ms"
    );
}

#[tokio::test]
async fn a_retry_after_longer_than_the_cap_is_cut_to_the_cap() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let delivery = DeliverySettings {
        max_retry_after_ms: 200,
        ..fast_delivery()
    };
    let started = Instant::now();

    let report = deliver(&webhook("hook", server.uri(), None), &delivery).await;

    assert_eq!((report.ok, report.attempts), (true, 2), "{report:?}");
    let elapsed = started.elapsed();
    assert!(
        (Duration::from_millis(200)..Duration::from_secs(5)).contains(&elapsed),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_counts_as_a_failed_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;

    let report = deliver(&webhook("hook", server.uri(), None), &fast_delivery()).await;

    assert_eq!((report.ok, report.attempts), (true, 2), "{report:?}");
}

#[tokio::test]
async fn an_endpoint_that_stays_slow_fails_with_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let fast = fast_delivery();
    let delivery = DeliverySettings {
        retry: fast.retry.with_max_attempts(2),
        ..fast
    };

    let report = deliver(&webhook("hook", server.uri(), None), &delivery).await;

    assert_eq!((report.ok, report.attempts), (false, 2));
    assert_eq!(report.error.as_deref(), Some("timed out"));
}

#[tokio::test]
async fn no_attempt_starts_after_the_delivery_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let delivery = DeliverySettings {
        retry: RetryPolicy {
            base_ms: 100,
            factor: 2,
            max_delay_ms: 100,
            max_attempts: 50,
            jitter_percent: 0,
        },
        timeout_ms: 500,
        deadline_ms: 1_000,
        ..fast_delivery()
    };
    let started = Instant::now();

    let report = deliver(&webhook("hook", server.uri(), None), &delivery).await;

    assert!(!report.ok);
    assert!((2..10).contains(&report.attempts), "{report:?}");
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(1_000), "{elapsed:?}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_retried_as_a_network_error() {
    let closed_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let channel = webhook("hook", format!("http://127.0.0.1:{closed_port}/hook"), None);

    let report = deliver(&channel, &fast_delivery()).await;

    assert_eq!((report.ok, report.attempts), (false, 3));
    let error = report.error.unwrap();
    assert!(error.starts_with("network error"), "{error}");
    assert!(
        !error.contains("/hook"),
        "the url stays out of errors: {error}"
    );
}

#[tokio::test]
async fn ntfy_gets_the_message_on_its_topic_with_title_tags_priority_and_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/music"))
        .and(header("Title", "Track ready: Teardrop"))
        .and(header("Priority", "4"))
        .and(header("Authorization", "Bearer tk_secret"))
        .and(body_string(
            "Massive Attack – Teardrop (Mezzanine)\n/music/Massive Attack/Mezzanine (1998)/03 - Teardrop.flac",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "abc", "event": "message"})))
        .expect(1)
        .mount(&server)
        .await;
    let channel = ChannelSettings::Ntfy(NtfySettings {
        name: None,
        server: format!("{}/", server.uri()),
        topic: "music".to_owned(),
        token: Some(Secret::new("tk_secret")),
        priority: 4,
        tags: vec!["musical_note".to_owned(), "soulspot".to_owned()],
    });

    let report = deliver(&channel, &fast_delivery()).await;

    assert_eq!((report.ok, report.attempts), (true, 1), "{report:?}");
    // wiremock's `header` matcher splits on commas, so the list is checked verbatim here.
    let tags = received(&server).await[0]
        .headers
        .get("Tags")
        .cloned()
        .unwrap();
    assert_eq!(tags.to_str().unwrap(), "musical_note,soulspot");
}

#[tokio::test]
async fn gotify_gets_a_json_message_with_the_application_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/gotify/message"))
        .and(header("X-Gotify-Key", "AppToken123"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let channel = ChannelSettings::Gotify(GotifySettings {
        name: None,
        server: format!("{}/gotify", server.uri()),
        token: Secret::new("AppToken123"),
        priority: 7,
    });

    let report = deliver(&channel, &fast_delivery()).await;

    assert_eq!((report.ok, report.attempts), (true, 1), "{report:?}");
    let body: Value = serde_json::from_slice(&received(&server).await[0].body).unwrap();
    assert_eq!(
        body,
        json!({
            "title": "Track ready: Teardrop",
            "message": "Massive Attack – Teardrop (Mezzanine)\n/music/Massive Attack/Mezzanine (1998)/03 - Teardrop.flac",
            "priority": 7
        })
    );
}

#[tokio::test]
async fn no_channel_follows_a_redirect_to_another_host_with_its_token_or_message() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&elsewhere)
        .await;
    // `localhost` and another port: another origin than the configured `127.0.0.1` server.
    let stolen = format!("http://localhost:{}/stolen", elsewhere.address().port());
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", stolen.as_str()))
        .mount(&server)
        .await;
    let channels = [
        webhook("hook", format!("{}/hook", server.uri()), Some("s3cret")),
        ChannelSettings::Ntfy(NtfySettings {
            name: None,
            server: server.uri(),
            topic: "music".to_owned(),
            token: Some(Secret::new("tk_secret")),
            priority: 3,
            tags: Vec::new(),
        }),
        ChannelSettings::Gotify(GotifySettings {
            name: None,
            server: server.uri(),
            token: Secret::new("AppToken123"),
            priority: 5,
        }),
    ];

    for channel in &channels {
        let report = deliver(channel, &fast_delivery()).await;
        assert!(
            !report.ok,
            "a redirect elsewhere is not a delivery: {report:?}"
        );
    }

    assert_eq!(received(&server).await.len(), channels.len());
    assert!(
        received(&elsewhere).await.is_empty(),
        "nothing reached the other host"
    );
}
