//! The router over a real nats-server: priority routing and fallback, health tracking,
//! required modules, error classes, the "no provider" warning and the HTTP API's errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cluster;
mod dashboard;
mod errors;
mod fakes;
mod helpers;
mod openapi;
mod pages;
mod pipeline;
mod resilience;
mod resume;
mod security;
mod streams;
mod takeover;
mod watches;

use std::time::Duration;

use helpers::{Behaviour, CapturedLogs, HEALTH_INTERVAL, spawn_app};
use serde_json::json;
use soulspot_bus::{EventPublisher, MessageContext};
use tracing_subscriber::layer::SubscriberExt;

const SETTLE: Duration = Duration::from_secs(10);

#[tokio::test]
async fn routes_to_the_highest_priority_falls_back_when_it_dies_and_returns_when_it_is_back() {
    let app = spawn_app().await;
    let alpha = app
        .start_search_provider("alpha", 10, Behaviour::Answer, &[])
        .await;
    let _beta = app
        .start_search_provider("beta", 5, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("alpha", "active", SETTLE).await;
    app.wait_for_status("beta", "active", SETTLE).await;
    assert_eq!(app.search().await, "alpha");

    alpha.crash().await;
    assert_eq!(app.search().await, "beta", "the caller sees no error");
    app.wait_for_status("alpha", "inactive", HEALTH_INTERVAL * 2)
        .await;

    let _alpha_again = app
        .start_search_provider("alpha", 10, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("alpha", "active", SETTLE).await;
    assert_eq!(app.search().await, "alpha");
}

#[tokio::test]
async fn a_module_that_stops_answering_is_inactive_within_two_health_intervals() {
    let app = spawn_app().await;
    let alpha = app
        .start_search_provider("alpha", 10, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("alpha", "active", SETTLE).await;

    alpha.crash().await;

    let took = app
        .wait_for_status("alpha", "inactive", HEALTH_INTERVAL * 2)
        .await;
    assert!(took <= HEALTH_INTERVAL * 2, "took {took:?}");
}

#[tokio::test]
async fn a_graceful_stop_is_seen_at_once_through_the_announcement() {
    // No poll falls inside the wait: the module's up announcement triggers one poll, the
    // next is a minute later, so only the stop announcement can mark the module inactive.
    let poll_interval = Duration::from_secs(60);
    let wait = HEALTH_INTERVAL;
    let app = helpers::spawn_app_with(|settings| {
        settings.router.health_interval_ms = poll_interval.as_millis() as u64;
    })
    .await;
    let alpha = app
        .start_search_provider("alpha", 10, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("alpha", "active", SETTLE).await;

    alpha.module.stop(Duration::from_secs(1)).await;

    app.wait_for_status("alpha", "inactive", wait).await;
}

#[tokio::test]
async fn a_provider_whose_required_module_is_missing_is_skipped() {
    let app = spawn_app().await;
    let _gamma = app
        .start_search_provider("gamma", 20, Behaviour::Answer, &["ghost"])
        .await;
    let _alpha = app
        .start_search_provider("alpha", 10, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("gamma", "active", SETTLE).await;
    app.wait_for_status("alpha", "active", SETTLE).await;
    assert_eq!(app.search().await, "alpha");

    let _ghost = app.start_plain_module("ghost").await;
    app.wait_for_status("ghost", "active", SETTLE).await;

    assert_eq!(app.search().await, "gamma");
}

#[tokio::test]
async fn a_4xx_reply_is_returned_at_once_without_fallback() {
    let app = spawn_app().await;
    let _strict = app
        .start_search_provider("strict", 10, Behaviour::Refuse, &[])
        .await;
    let fallback = app
        .start_search_provider("fallback", 5, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("strict", "active", SETTLE).await;
    app.wait_for_status("fallback", "active", SETTLE).await;

    let (status, body) = app
        .post_operation("search.track", r#"{"query": "x"}"#)
        .await;

    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "rejected_by_module");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("query too vague")
    );
    assert_eq!(fallback.calls(), 0);
}

#[tokio::test]
async fn a_5xx_reply_or_a_timeout_falls_back_to_the_next_provider() {
    let app = spawn_app().await;
    let broken = app
        .start_search_provider("broken", 30, Behaviour::Fail, &[])
        .await;
    let slow = app
        .start_search_provider("slow", 20, Behaviour::Hang, &[])
        .await;
    let _good = app
        .start_search_provider("good", 10, Behaviour::Answer, &[])
        .await;
    for module in ["broken", "slow", "good"] {
        app.wait_for_status(module, "active", SETTLE).await;
    }

    assert_eq!(app.search().await, "good");
    assert_eq!(broken.calls(), 1);
    assert_eq!(slow.calls(), 1);
}

#[tokio::test]
async fn when_every_provider_times_out_the_api_answers_504() {
    let app = spawn_app().await;
    let slow = app
        .start_search_provider("slow", 10, Behaviour::Hang, &[])
        .await;
    app.wait_for_status("slow", "active", SETTLE).await;

    let (status, body) = app
        .post_operation("search.track", r#"{"query": "x"}"#)
        .await;

    assert_eq!(status, 504, "{body}");
    assert_eq!(body["error"]["code"], "deadline_exceeded");
    assert_eq!(
        slow.calls(),
        2,
        "a timeout is transient: retried once more (max_attempts = 2)"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn no_provider_is_a_503_and_exactly_one_structured_warning() {
    let warnings = CapturedLogs::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(warnings.clone()));
    let app = spawn_app().await;
    let spotify = fakes::start_search(&app).await;
    spotify.stop(Duration::from_secs(1)).await;
    app.wait_for_status("spotify", "inactive", SETTLE).await;

    for _ in 0..3 {
        let (status, body) = app
            .post_operation("playlist.tracks", r#"{"playlist": "p1"}"#)
            .await;
        assert_eq!(status, 503);
        assert_eq!(body["error"]["code"], "module_not_available");
    }

    let logged = warnings.with_message("capability unavailable");
    assert_eq!(logged.len(), 1, "{logged:?}");
    let fields = &logged[0];
    assert_eq!(fields["operation"], "playlist.tracks");
    assert_eq!(fields["module"], "spotify", "the module that offered it");
    assert_eq!(fields["status"], "inactive");
    assert_eq!(fields["waiting_for"], "");
    assert!(fields["action"].contains("spotify"), "{fields:?}");
    assert!(fields.contains_key("impact"), "{fields:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn the_warning_names_the_required_module_a_provider_waits_for() {
    let warnings = CapturedLogs::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(warnings.clone()));
    let app = spawn_app().await;
    let _gamma = app
        .start_search_provider("gamma", 20, Behaviour::Answer, &["ghost"])
        .await;
    app.wait_for_status("gamma", "active", SETTLE).await;

    let (status, _) = app
        .post_operation("search.track", r#"{"query": "x"}"#)
        .await;

    assert_eq!(status, 503);
    let logged = warnings.with_message("capability unavailable");
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["module"], "gamma");
    assert_eq!(logged[0]["status"], "active");
    assert_eq!(logged[0]["waiting_for"], "ghost");
}

#[tokio::test(flavor = "current_thread")]
async fn the_warning_repeats_only_after_the_capability_came_back_and_went_again() {
    let warnings = CapturedLogs::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(warnings.clone()));
    let app = spawn_app().await;
    let (status, _) = app
        .post_operation("search.track", r#"{"query": "x"}"#)
        .await;
    assert_eq!(status, 503);

    let alpha = app
        .start_search_provider("alpha", 10, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("alpha", "active", SETTLE).await;
    assert_eq!(app.search().await, "alpha");
    alpha.module.stop(Duration::from_secs(1)).await;
    app.wait_for_status("alpha", "inactive", SETTLE).await;
    for _ in 0..2 {
        let (status, _) = app
            .post_operation("search.track", r#"{"query": "x"}"#)
            .await;
        assert_eq!(status, 503);
    }

    assert_eq!(warnings.with_message("capability unavailable").len(), 2);
}

#[tokio::test]
async fn the_status_lists_modules_capabilities_and_active_and_inactive_modules() {
    let app = spawn_app().await;
    let _alpha = app
        .start_search_provider("alpha", 10, Behaviour::Answer, &[])
        .await;
    let beta = app
        .start_search_provider("beta", 5, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("beta", "active", SETTLE).await;
    beta.crash().await;
    app.wait_for_status("beta", "inactive", SETTLE).await;

    let (status, body) = app.get("/api/modules/status").await;

    assert_eq!(status, 200);
    assert_eq!(body["active"], json!(["alpha"]));
    assert_eq!(body["inactive"], json!(["beta"]));
    let providers = &body["capabilities"]["search.track"];
    assert_eq!(providers[0]["module"], "alpha");
    assert_eq!(providers[0]["priority"], 10);
    let alpha = body["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "alpha")
        .unwrap();
    assert_eq!(alpha["instances"].as_array().unwrap().len(), 1);
    assert_eq!(
        alpha["capabilities"][0]["subject"],
        "soulspot.alpha.search.track"
    );
}

#[tokio::test]
async fn bad_requests_get_clear_json_errors_with_the_right_status() {
    let app = spawn_app().await;
    let alpha = app
        .start_search_provider("alpha", 10, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("alpha", "active", SETTLE).await;

    let cases = [
        ("search.track", "{\"query\": ".to_owned(), 400, "bad_json"),
        (
            "search.track",
            r#"{"query": 3}"#.to_owned(),
            400,
            "invalid_request",
        ),
        (
            "search.track",
            r#"{"query": "x", "limit": 9999}"#.to_owned(),
            400,
            "invalid_request",
        ),
        (
            "no.such.operation",
            "{}".to_owned(),
            404,
            "unknown_operation",
        ),
        (
            "search.track",
            format!(r#"{{"query": "{}"}}"#, "x".repeat(20_000)),
            413,
            "payload_too_large",
        ),
    ];
    for (operation, body, status, code) in cases {
        let (got, reply) = app.post_operation(operation, body).await;
        assert_eq!(got, status, "{operation}: {reply}");
        assert_eq!(reply["error"]["code"], code, "{reply}");
        assert!(
            reply["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    assert_eq!(alpha.calls(), 0, "nothing invalid reached the module");
    assert_eq!(app.search().await, "alpha");
}

#[tokio::test]
async fn recent_events_are_served_most_recent_first() {
    let app = spawn_app().await;
    let bus = app.event_bus().await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let data = json!({"download_id": format!("d{n}"), "bytes_transferred": n, "size": 10, "percent": 10.0});
        let event = bus.event("download.progress", data).unwrap();
        ids.push(event.event_id.to_string());
        bus.publish(event, &MessageContext::default())
            .await
            .unwrap();
    }

    let (status, body) = app.get("/api/events?type=download.progress&limit=2").await;

    assert_eq!(status, 200);
    let got: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(got, vec![ids[2].as_str(), ids[1].as_str()]);
    assert_eq!(app.get("/api/events?type=nope").await.0, 404);
    assert_eq!(app.get("/api/events?limit=abc").await.0, 400);
}

#[tokio::test]
async fn health_and_readiness_endpoints_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.0, 200);
    let (status, body) = app.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.get("/nowhere").await.0, 404);
}
