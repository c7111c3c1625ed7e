//! Failure notifications: a `pipeline.failed` event in the event store reaches every channel
//! with the step that failed and why; with `on_failure` off nothing follows them.

use std::time::{Duration, Instant};

use serde_json::Value;
use soulspot_bus::{Durability, EventBus, EventPublisher, EventStoreSettings, MessageContext};
use soulspot_contracts::EventEnvelope;
use soulspot_contracts::payloads::PipelineFailed;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{TestApp, spawn_app, spawn_app_with, track_ready, webhook};

const WAIT: Duration = Duration::from_secs(15);

fn failed_job(job_id: &str) -> PipelineFailed {
    PipelineFailed {
        job_id: job_id.to_owned(),
        track: Some(track_ready(None).track),
        failed_step: "download".to_owned(),
        reason: "no peer shares the track".to_owned(),
    }
}

/// Publishes `payload` as the router would.
async fn publish_as_router(app: &TestApp, payload: &PipelineFailed) {
    let events = EventBus::new(
        app.client().await,
        "router",
        &EventStoreSettings::default(),
        Durability::default(),
    )
    .await
    .unwrap();
    let event = EventEnvelope::of("router", payload).unwrap();
    events
        .publish(event, &MessageContext::default())
        .await
        .unwrap();
}

/// The JSON bodies the server received, once at least `count` arrived.
async fn bodies(server: &MockServer, count: usize) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let received = server.received_requests().await.unwrap_or_default();
        if received.len() >= count {
            return received
                .iter()
                .map(|request| serde_json::from_slice(&request.body).unwrap())
                .collect();
        }
        assert!(
            started.elapsed() < WAIT,
            "{} of {count} requests after {WAIT:?}",
            received.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn webhook_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_failed_job_is_notified_with_its_step_and_reason() {
    let server = webhook_server().await;
    let app = spawn_app(vec![webhook("hook", server.uri(), Some("s3cret"))]).await;

    publish_as_router(&app, &failed_job("job-9")).await;

    let received = bodies(&server, 1).await;
    assert_eq!(received[0]["event"], "job_failed");
    assert_eq!(received[0]["job_id"], "job-9");
    assert_eq!(received[0]["failed_step"], "download");
    assert_eq!(received[0]["reason"], "no peer shares the track");
    assert_eq!(received[0]["track"]["title"], "Teardrop");
}

#[tokio::test]
async fn with_on_failure_off_a_failed_job_is_not_notified() {
    let server = webhook_server().await;
    let app = spawn_app_with(vec![webhook("hook", server.uri(), None)], |settings| {
        settings.on_failure = false;
    })
    .await;

    publish_as_router(&app, &failed_job("job-3")).await;
    app.notify(&track_ready(Some("job-4"))).await.unwrap();

    let received = bodies(&server, 1).await;
    assert_eq!(received[0]["event"], "track_ready");
    let stream = async_nats::jetstream::new(app.client().await)
        .get_stream("SOULSPOT_EVENTS")
        .await
        .unwrap();
    assert!(
        stream
            .consumer_info("notifications-pipeline_failed")
            .await
            .is_err(),
        "nothing follows failed jobs"
    );
}
