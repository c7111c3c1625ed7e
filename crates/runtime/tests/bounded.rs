//! Bounded work over a real nats-server: a capability runs at most its concurrency limit of
//! requests at once and answers the rest busy at once, instead of queueing a task for each.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_nats::Client;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, NatsSettings, RequestError, request_bytes};
use soulspot_contracts::ErrorKind;
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, ServiceError};
use tokio::sync::Semaphore;

const LIMIT: usize = 4;
const REQUESTS: usize = 10 * LIMIT;
/// Every request gives up after this long; no reply may need it.
const DEADLINE: Duration = Duration::from_secs(10);

async fn client(server: &NatsServer) -> Client {
    let settings = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    soulspot_bus::connect(&settings, "test").await.unwrap()
}

/// Handlers in flight now and at most, a permit for each handler that started, and the
/// gate they wait at until the test opens it.
struct Gauge {
    running: AtomicUsize,
    max_running: AtomicUsize,
    entered: Semaphore,
    gate: Semaphore,
}

impl Default for Gauge {
    fn default() -> Self {
        Self {
            running: AtomicUsize::new(0),
            max_running: AtomicUsize::new(0),
            entered: Semaphore::new(0),
            gate: Semaphore::new(0),
        }
    }
}

impl Gauge {
    /// Waits until `count` handlers have started.
    async fn wait_for_entered(&self, count: usize) {
        let entered = self.entered.acquire_many(u32::try_from(count).unwrap());
        tokio::time::timeout(DEADLINE, entered)
            .await
            .expect("handlers did not start")
            .unwrap()
            .forget();
    }
}

/// A `search.track` provider limited to `LIMIT` requests at once whose handler holds its
/// slot until the gate opens.
async fn start_blocking_module(server: &NatsServer, gauge: Arc<Gauge>) -> RunningModule {
    let capability = Capability::new("search.track", 10, move |_: CallContext, _: Value| {
        let gauge = gauge.clone();
        async move {
            let now = gauge.running.fetch_add(1, Ordering::SeqCst) + 1;
            gauge.max_running.fetch_max(now, Ordering::SeqCst);
            gauge.entered.add_permits(1);
            let _pass = gauge.gate.acquire().await.unwrap();
            gauge.running.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, ServiceError>(json!({"tracks": []}))
        }
    });
    ModuleBuilder::new("library", "0.1.0")
        .capability(capability)
        .max_concurrent_requests(LIMIT)
        .start(client(server).await)
        .await
        .unwrap()
}

#[tokio::test]
async fn ten_times_the_limit_are_all_answered_and_no_more_than_the_limit_run_at_once() {
    let server = NatsServer::start().unwrap();
    let gauge = Arc::new(Gauge::default());
    let _module = start_blocking_module(&server, gauge.clone()).await;
    let caller = client(&server).await;

    let mut replies: FuturesUnordered<_> = (0..REQUESTS)
        .map(|_| {
            let caller = caller.clone();
            tokio::spawn(async move {
                request_bytes(
                    &caller,
                    "soulspot.library.search.track",
                    r#"{"query": "q"}"#.into(),
                    &MessageContext::default(),
                    DEADLINE,
                )
                .await
            })
        })
        .collect();

    // Arrange: the requests past the limit come back busy while the first ones hold the gate.
    let mut busy = 0;
    let mut unexpected = Vec::new();
    let busy_replies = async {
        while busy + unexpected.len() < REQUESTS - LIMIT {
            match replies.next().await.unwrap().unwrap() {
                Err(RequestError::Service { code, .. }) if code == ErrorKind::Busy.code() => {
                    busy += 1;
                }
                other => unexpected.push(other),
            }
        }
    };
    tokio::time::timeout(DEADLINE, busy_replies)
        .await
        .expect("the requests past the limit were not answered while the others ran");
    assert!(unexpected.is_empty(), "before release: {unexpected:?}");
    gauge.wait_for_entered(LIMIT).await;

    // Act: open the gate.
    gauge.gate.add_permits(REQUESTS);

    // Assert: the held requests succeed, none timed out, and the limit was never passed.
    let mut succeeded = 0;
    while let Some(reply) = replies.next().await {
        match reply.unwrap() {
            Ok(_) => succeeded += 1,
            other => panic!("a held request failed: {other:?}"),
        }
    }
    assert_eq!(succeeded, LIMIT);
    assert_eq!(busy, REQUESTS - LIMIT);
    assert_eq!(gauge.max_running.load(Ordering::SeqCst), LIMIT);
    assert_eq!(gauge.running.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_limit_for_an_operation_the_module_does_not_offer_is_refused_at_start() {
    let server = NatsServer::start().unwrap();
    let capability = Capability::new("search.track", 10, |_: CallContext, _: Value| async {
        Ok::<_, ServiceError>(json!({"tracks": []}))
    });
    let mut limits = soulspot_runtime::settings::LimitSettings::default();
    limits
        .operation_concurrency
        .insert("search_trakc".to_owned(), 2);

    let error = ModuleBuilder::new("library", "0.1.0")
        .capability(capability)
        .limits(&limits)
        .start(client(&server).await)
        .await
        .unwrap_err();

    assert!(error.to_string().contains("search_trakc"), "{error}");
}

#[tokio::test]
async fn an_operation_limit_overrides_the_module_wide_one() {
    let server = NatsServer::start().unwrap();
    let gauge = Arc::new(Gauge::default());
    let handler_gauge = gauge.clone();
    let capability = Capability::new("search.track", 10, move |_: CallContext, _: Value| {
        let gauge = handler_gauge.clone();
        async move {
            gauge.entered.add_permits(1);
            let _pass = gauge.gate.acquire().await.unwrap();
            Ok::<_, ServiceError>(json!({"tracks": []}))
        }
    });
    let mut limits = soulspot_runtime::settings::LimitSettings {
        max_concurrent_requests: 50,
        ..Default::default()
    };
    limits
        .operation_concurrency
        .insert("search_track".to_owned(), 1);
    let _module = ModuleBuilder::new("library", "0.1.0")
        .capability(capability)
        .limits(&limits)
        .start(client(&server).await)
        .await
        .unwrap();
    let caller = client(&server).await;
    let call = || {
        let caller = caller.clone();
        async move {
            request_bytes(
                &caller,
                "soulspot.library.search.track",
                r#"{"query": "q"}"#.into(),
                &MessageContext::default(),
                DEADLINE,
            )
            .await
        }
    };
    let held = tokio::spawn(call());
    gauge.wait_for_entered(1).await;

    let second = call().await;

    assert!(
        matches!(second, Err(RequestError::Service { code: 429, .. })),
        "{second:?}"
    );
    gauge.gate.add_permits(1);
    assert!(held.await.unwrap().is_ok());
}
