//! The caller's deadline crosses the bus: a request made with a timeout carries it, the
//! handler sees when its caller stops waiting, and a request already past it is not run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_nats::Client;
use async_nats::service::NATS_SERVICE_ERROR_CODE;
use serde_json::{Value, json};
use soulspot_bus::context::TIMEOUT_HEADER;
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, NatsSettings, request_json};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, ServiceError};
use tokio::sync::mpsc;

async fn client(server: &NatsServer) -> Client {
    let settings = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    soulspot_bus::connect(&settings, "test").await.unwrap()
}

/// A `search.track` provider that reports how long its caller still waits, and counts calls.
async fn start(
    server: &NatsServer,
    calls: Arc<AtomicUsize>,
    remaining: mpsc::UnboundedSender<Option<Duration>>,
) -> RunningModule {
    let capability = Capability::new("search.track", 10, move |call: CallContext, _: Value| {
        calls.fetch_add(1, Ordering::SeqCst);
        remaining.send(call.message.remaining()).unwrap();
        async { Ok::<_, ServiceError>(json!({"tracks": []})) }
    });
    ModuleBuilder::new("library", "0.1.0")
        .capability(capability)
        .start(client(server).await)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_handler_sees_the_callers_deadline() {
    let server = NatsServer::start().unwrap();
    let (sender, mut seen) = mpsc::unbounded_channel();
    let _module = start(&server, Arc::default(), sender).await;
    let caller = client(&server).await;

    let _: Value = request_json(
        &caller,
        "soulspot.library.search.track",
        &json!({"query": "x"}),
        &MessageContext::default(),
        Duration::from_secs(3),
    )
    .await
    .unwrap();

    let remaining = seen.recv().await.unwrap().expect("a deadline");
    assert!(
        remaining > Duration::from_secs(2) && remaining <= Duration::from_secs(3),
        "{remaining:?}"
    );
}

#[tokio::test]
async fn a_request_past_its_deadline_on_arrival_is_answered_timeout_without_running() {
    let server = NatsServer::start().unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let (sender, _seen) = mpsc::unbounded_channel();
    let _module = start(&server, calls.clone(), sender).await;
    let caller = client(&server).await;
    let mut headers = MessageContext::default().headers();
    headers.insert(TIMEOUT_HEADER, "0");

    let reply = tokio::time::timeout(
        Duration::from_secs(5),
        caller.request_with_headers(
            "soulspot.library.search.track",
            headers,
            br#"{"query": "x"}"#.to_vec().into(),
        ),
    )
    .await
    .unwrap()
    .unwrap();

    let code = reply
        .headers
        .as_ref()
        .and_then(|h| h.get(NATS_SERVICE_ERROR_CODE));
    assert_eq!(code.map(|code| code.as_str()), Some("504"));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
