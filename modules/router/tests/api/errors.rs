//! How routing reads a provider's failure: a busy provider is neither the caller's fault nor
//! final (fall back, then ask again), and a reply that is not JSON is a broken provider.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::StreamExt;
use soulspot_contracts::operations::metadata_keys;

use crate::SETTLE;
use crate::helpers::{Behaviour, TestApp, spawn_app};

#[tokio::test]
async fn a_busy_provider_falls_back_to_the_next_one() {
    let app = spawn_app().await;
    let busy = app
        .start_search_provider("busy", 10, Behaviour::Busy, &[])
        .await;
    let _idle = app
        .start_search_provider("idle", 5, Behaviour::Answer, &[])
        .await;
    app.wait_for_status("busy", "active", SETTLE).await;
    app.wait_for_status("idle", "active", SETTLE).await;

    assert_eq!(app.search().await, "idle", "429 is not the caller's fault");
    assert_eq!(busy.calls(), 1);
}

#[tokio::test]
async fn a_busy_provider_is_asked_again_in_the_next_round() {
    let app = spawn_app().await;
    let provider = app
        .start_search_provider("alpha", 10, Behaviour::BusyOnce, &[])
        .await;
    app.wait_for_status("alpha", "active", SETTLE).await;

    assert_eq!(app.search().await, "alpha");
    assert_eq!(provider.calls(), 2, "busy is transient: retried");
}

#[tokio::test]
async fn when_every_provider_stays_busy_the_api_answers_503_busy() {
    let app = spawn_app().await;
    let provider = app
        .start_search_provider("alpha", 10, Behaviour::Busy, &[])
        .await;
    app.wait_for_status("alpha", "active", SETTLE).await;

    let (status, body) = app
        .post_operation("search.track", r#"{"query": "x"}"#)
        .await;

    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "module_busy");
    assert_eq!(provider.calls(), 2, "one try per round (max_attempts = 2)");
}

#[tokio::test]
async fn a_provider_asking_for_a_longer_rest_than_the_policy_allows_is_not_waited_for() {
    let app = spawn_app().await;
    let provider = app
        .start_search_provider("alpha", 10, Behaviour::BusyForAMinute, &[])
        .await;
    app.wait_for_status("alpha", "active", SETTLE).await;

    let (status, body) = app
        .post_operation("search.track", r#"{"query": "x"}"#)
        .await;

    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "module_busy");
    assert_eq!(provider.calls(), 1, "no second round within the minute");
}

#[tokio::test]
async fn a_reply_that_is_not_json_is_a_bad_reply_not_an_exhausted_route() {
    let app = spawn_app().await;
    let garbled = start_garbling_provider(&app, "garbled").await;
    app.wait_for_status("garbled", "degraded", SETTLE).await;

    let (status, body) = app.get("/api/search?q=teardrop").await;

    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "bad_reply");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        !message.contains("html"),
        "the reply is not shown: {message}"
    );
    assert!(body["error"]["reference"].as_str().is_some(), "{body}");
    assert_eq!(garbled.calls.load(Ordering::SeqCst), 1, "not retried");
}

/// A `search.track` provider built on the bare NATS service API, so that it can answer
/// with something other than JSON; it has no health endpoint (the router sees it degraded).
struct Garbling {
    _service: async_nats::service::Service,
    calls: Arc<AtomicUsize>,
}

async fn start_garbling_provider(app: &TestApp, module: &str) -> Garbling {
    use async_nats::service::ServiceExt;

    let client = app.nats_client().await;
    let service = client
        .service_builder()
        .start(module, "0.1.0")
        .await
        .unwrap();
    let metadata = HashMap::from([
        (
            metadata_keys::OPERATION.to_owned(),
            "search.track".to_owned(),
        ),
        (metadata_keys::PRIORITY.to_owned(), "10".to_owned()),
    ]);
    let mut endpoint = service
        .endpoint_builder()
        .name("search_track")
        .metadata(metadata)
        .add(format!("soulspot.{module}.search.track"))
        .await
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    tokio::spawn(async move {
        while let Some(request) = endpoint.next().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let page = "<html><body>502 Bad Gateway</body></html>";
            request.respond(Ok(page.into())).await.unwrap();
        }
    });
    Garbling {
        _service: service,
        calls,
    }
}
