//! `notify.track_ready` through NATS: per-channel results, idempotency by job id (also across
//! a restart of the module), health, and refused requests.

use std::time::Duration;

use serde_json::json;
use soulspot_bus::RequestError;
use soulspot_contracts::ModuleStatus;
use soulspot_contracts::payloads::ChannelResult;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{spawn_app, track_ready, webhook};

fn result(channel: &str, ok: bool, attempts: u32, error: Option<&str>) -> ChannelResult {
    ChannelResult {
        channel: channel.to_owned(),
        ok,
        attempts,
        error: error.map(str::to_owned),
        deduplicated: false,
    }
}

fn deduplicated(channel: &str) -> ChannelResult {
    ChannelResult {
        channel: channel.to_owned(),
        ok: true,
        attempts: 0,
        error: None,
        deduplicated: true,
    }
}

async fn webhook_answering(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_delivered_channel_is_not_notified_again_for_the_same_job_even_after_a_restart() {
    let working = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&working)
        .await;
    let failing = webhook_answering(500).await;
    let mut app = spawn_app(vec![
        webhook("working", working.uri(), Some("s3cret")),
        webhook("failing", failing.uri(), None),
    ])
    .await;
    let request = track_ready(Some("job-42"));

    let first = app.notify(&request).await.unwrap();
    let second = app.notify(&request).await.unwrap();
    app.restart_module().await;
    let after_restart = app.notify(&request).await.unwrap();

    assert_eq!(
        first.channels,
        [
            result("working", true, 1, None),
            result("failing", false, 3, Some("HTTP 500"))
        ]
    );
    let failing_again = result("failing", false, 3, Some("HTTP 500"));
    assert_eq!(
        second.channels,
        [deduplicated("working"), failing_again.clone()]
    );
    assert_eq!(
        after_restart.channels,
        [deduplicated("working"), failing_again]
    );
    working.verify().await;
    assert_eq!(failing.received_requests().await.unwrap().len(), 9);
}

#[tokio::test]
async fn a_second_call_while_the_first_is_still_sending_does_not_send_again() {
    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(300)))
        .expect(1)
        .mount(&slow)
        .await;
    let app = spawn_app(vec![webhook("slow", slow.uri(), None)]).await;
    let _second_instance = app.another_instance().await;
    let request = track_ready(Some("job-7"));

    let first = app.notify(&request);
    let second = async {
        while slow.received_requests().await.unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        app.notify(&request).await
    };
    let (first, second) = tokio::join!(first, second);

    let mut replies = [first.unwrap().channels, second.unwrap().channels];
    replies.sort_by_key(|channels| channels[0].deduplicated);
    assert_eq!(
        replies,
        [[result("slow", true, 1, None)], [deduplicated("slow")]]
    );
    slow.verify().await;
}

#[tokio::test]
async fn another_job_for_the_same_track_is_notified() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;
    let app = spawn_app(vec![webhook("hook", server.uri(), None)]).await;

    let first = app.notify(&track_ready(Some("job-1"))).await.unwrap();
    let second = app.notify(&track_ready(Some("job-2"))).await.unwrap();

    assert_eq!(first.channels, [result("hook", true, 1, None)]);
    assert_eq!(second.channels, [result("hook", true, 1, None)]);
}

#[tokio::test]
async fn without_a_job_id_every_call_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(2)
        .mount(&server)
        .await;
    let app = spawn_app(vec![webhook("hook", server.uri(), None)]).await;

    for _ in 0..2 {
        let reply = app.notify(&track_ready(None)).await.unwrap();
        assert_eq!(reply.channels, [result("hook", true, 1, None)]);
    }
}

#[tokio::test]
async fn with_no_channel_configured_the_reply_lists_none() {
    let app = spawn_app(Vec::new()).await;

    let reply = app.notify(&track_ready(Some("job-42"))).await.unwrap();

    assert!(reply.channels.is_empty());
    assert_eq!(app.health().await.status, ModuleStatus::Active);
}

#[tokio::test]
async fn health_is_degraded_while_the_last_delivery_on_a_channel_failed() {
    let working = webhook_answering(200).await;
    let failing = webhook_answering(503).await;
    let app = spawn_app(vec![
        webhook("working", working.uri(), None),
        webhook("failing", failing.uri(), None),
    ])
    .await;
    assert_eq!(app.health().await.status, ModuleStatus::Active);

    app.notify(&track_ready(Some("job-42"))).await.unwrap();

    let report = app.health().await;
    assert_eq!(report.status, ModuleStatus::Degraded);
    let check = |name: &str| {
        report
            .checks
            .iter()
            .find(|check| check.name == name)
            .unwrap_or_else(|| panic!("no check {name} in {report:?}"))
            .clone()
    };
    assert!(check("channel.working").ok);
    assert!(check("delivery_log").ok);
    let failed = check("channel.failing");
    assert!(!failed.ok);
    assert_eq!(
        failed.detail.as_deref(),
        Some("last delivery failed: HTTP 503")
    );
}

#[tokio::test]
async fn a_request_without_a_path_is_refused_as_the_callers_fault() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let app = spawn_app(vec![webhook("hook", server.uri(), None)]).await;

    let error = app
        .notify(&json!({"job_id": "job-42", "track": {"title": "Teardrop", "artist": "Massive Attack"}}))
        .await
        .unwrap_err();

    assert!(
        matches!(error, RequestError::Service { code: 400, .. }),
        "{error}"
    );
}
