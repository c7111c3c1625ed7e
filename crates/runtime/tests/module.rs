//! A module registered through the runtime, over a real nats-server: discovery metadata,
//! bad input, load sharing, health, announcements and the operational HTTP endpoints.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_nats::Client;
use futures::StreamExt;
use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, NatsSettings, RequestError, request_bytes, request_json};
use soulspot_contracts::{HealthReport, ModuleAnnouncement, ModuleStatus};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, ServiceError};

const DEADLINE: Duration = Duration::from_secs(5);

async fn client(server: &NatsServer) -> Client {
    let settings = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    soulspot_bus::connect(&settings, "test").await.unwrap()
}

/// A `search.track` provider that answers with one track titled after `label` and counts calls.
fn search(label: &'static str, calls: Arc<AtomicUsize>) -> Capability {
    Capability::new("search.track", 10, move |_: CallContext, request: Value| {
        let calls = calls.clone();
        async move {
            calls.fetch_add(1, Ordering::SeqCst);
            if request["query"] == "explode" {
                panic!("provider bug");
            }
            Ok::<_, ServiceError>(json!({"tracks": [{"title": label, "artist": "test"}]}))
        }
    })
}

async fn start_library(
    server: &NatsServer,
    label: &'static str,
    calls: Arc<AtomicUsize>,
) -> RunningModule {
    ModuleBuilder::new("library", "0.1.0")
        .capability(search(label, calls).requires(&["metadata"]))
        .health_check("disk", || async {
            Err("library root not writable".to_owned())
        })
        .max_request_bytes(1024)
        .start(client(server).await)
        .await
        .unwrap()
}

async fn call(client: &Client, body: &[u8]) -> Result<Value, RequestError> {
    let reply = request_bytes(
        client,
        "soulspot.library.search.track",
        body.to_vec().into(),
        &MessageContext::default(),
        DEADLINE,
    )
    .await?;
    Ok(serde_json::from_slice(&reply).unwrap())
}

fn service_code(result: Result<Value, RequestError>) -> u16 {
    match result {
        Err(RequestError::Service { code, .. }) => code,
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[tokio::test]
async fn capabilities_are_discoverable_with_their_routing_metadata() {
    let server = NatsServer::start().unwrap();
    let _module = start_library(&server, "a", Arc::default()).await;
    let caller = client(&server).await;

    let infos = soulspot_runtime::discover(&caller, Duration::from_millis(300))
        .await
        .unwrap();

    let info = infos.iter().find(|info| info.name == "library").unwrap();
    let endpoint = info
        .endpoints
        .iter()
        .find(|endpoint| endpoint.subject == "soulspot.library.search.track")
        .unwrap();
    assert_eq!(endpoint.metadata["operation"], "search.track");
    assert_eq!(endpoint.metadata["priority"], "10");
    assert_eq!(endpoint.metadata["required_modules"], "metadata");
    assert_eq!(endpoint.metadata["schema_version"], "1.0.0");
    assert_eq!(info.metadata["health_subject"], "soulspot.library.health");
}

#[tokio::test]
async fn malformed_json_oversized_and_invalid_requests_get_4xx_and_the_service_keeps_serving() {
    let server = NatsServer::start().unwrap();
    let _module = start_library(&server, "a", Arc::default()).await;
    let caller = client(&server).await;

    assert_eq!(service_code(call(&caller, b"{\"query\": ").await), 400);
    assert_eq!(service_code(call(&caller, &vec![b' '; 4096]).await), 413);
    assert_eq!(service_code(call(&caller, br#"{"query": 7}"#).await), 400);
    assert_eq!(
        service_code(call(&caller, br#"{"query": "x", "extra": 1}"#).await),
        400
    );

    let reply = call(&caller, br#"{"query": "still here"}"#).await.unwrap();
    assert_eq!(reply["tracks"][0]["title"], "a");
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_service_keeps_serving() {
    let server = NatsServer::start().unwrap();
    let _module = start_library(&server, "a", Arc::default()).await;
    let caller = client(&server).await;

    assert_eq!(
        service_code(call(&caller, br#"{"query": "explode"}"#).await),
        500
    );
    assert!(call(&caller, br#"{"query": "fine"}"#).await.is_ok());
}

#[tokio::test]
async fn a_reply_that_breaks_the_contract_is_a_500_not_garbage() {
    let server = NatsServer::start().unwrap();
    let capability = Capability::new("library.stats", 1, |_: CallContext, _: Value| async {
        Ok::<_, ServiceError>(json!({"tracks": -1}))
    });
    let _module = ModuleBuilder::new("library", "0.1.0")
        .capability(capability)
        .start(client(&server).await)
        .await
        .unwrap();
    let caller = client(&server).await;

    let result = request_bytes(
        &caller,
        "soulspot.library.library.stats",
        "".into(),
        &MessageContext::default(),
        DEADLINE,
    )
    .await;

    assert!(
        matches!(result, Err(RequestError::Service { code: 500, .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_operation_without_a_contract_is_refused_at_start() {
    let server = NatsServer::start().unwrap();
    let capability = Capability::new("search.everything", 1, |_: CallContext, _: Value| async {
        Ok::<_, ServiceError>(json!({}))
    });
    let error = ModuleBuilder::new("library", "0.1.0")
        .capability(capability)
        .start(client(&server).await)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("search.everything"), "{error}");
}

#[tokio::test]
async fn two_instances_of_a_module_share_the_requests() {
    let server = NatsServer::start().unwrap();
    let first_calls = Arc::new(AtomicUsize::new(0));
    let second_calls = Arc::new(AtomicUsize::new(0));
    let _first = start_library(&server, "first", first_calls.clone()).await;
    let _second = start_library(&server, "second", second_calls.clone()).await;
    let caller = client(&server).await;

    for _ in 0..200 {
        call(&caller, br#"{"query": "q"}"#).await.unwrap();
    }

    let (first, second) = (
        first_calls.load(Ordering::SeqCst),
        second_calls.load(Ordering::SeqCst),
    );
    assert_eq!(first + second, 200);
    assert!(
        first > 20 && second > 20,
        "uneven split: {first} / {second}"
    );
}

#[tokio::test]
async fn health_reports_each_check_and_degrades_on_failure() {
    let server = NatsServer::start().unwrap();
    let _module = start_library(&server, "a", Arc::default()).await;
    let caller = client(&server).await;

    let report: HealthReport = request_json(
        &caller,
        "soulspot.library.health",
        &json!({}),
        &MessageContext::default(),
        DEADLINE,
    )
    .await
    .unwrap();

    assert_eq!(report.status, ModuleStatus::Degraded);
    assert_eq!(report.checks[0].name, "disk");
    assert_eq!(
        report.checks[0].detail.as_deref(),
        Some("library root not writable")
    );
}

#[tokio::test]
async fn a_module_announces_its_start_and_its_stop() {
    let server = NatsServer::start().unwrap();
    let watcher = client(&server).await;
    let mut ups = watcher.subscribe("soulspot.module.up").await.unwrap();
    let mut downs = watcher.subscribe("soulspot.module.down").await.unwrap();
    watcher.flush().await.unwrap();

    let module = start_library(&server, "a", Arc::default()).await;
    let up: ModuleAnnouncement = serde_json::from_slice(
        &tokio::time::timeout(DEADLINE, ups.next())
            .await
            .unwrap()
            .unwrap()
            .payload,
    )
    .unwrap();
    assert_eq!(up.module, "library");
    assert_eq!(up.capabilities, vec!["search.track"]);
    let instance = module.instance_id().to_owned();

    module.stop(Duration::from_secs(1)).await;
    let down: ModuleAnnouncement = serde_json::from_slice(
        &tokio::time::timeout(DEADLINE, downs.next())
            .await
            .unwrap()
            .unwrap()
            .payload,
    )
    .unwrap();
    assert_eq!(down.instance_id, instance);
    let gone = call(&watcher, br#"{"query": "q"}"#).await;
    assert!(
        matches!(gone, Err(RequestError::NoResponders { .. })),
        "{gone:?}"
    );
}

#[tokio::test]
async fn a_started_module_answers_a_caller_on_another_connection_at_once() {
    // The race is narrow: several fresh starts give it room to show.
    for round in 0..10 {
        let server = NatsServer::start().unwrap();
        let caller = client(&server).await;
        let _module = start_library(&server, "a", Arc::default()).await;

        let reply = call(&caller, br#"{"query": "q"}"#).await;

        assert!(reply.is_ok(), "round {round}: {reply:?}");
    }
}

#[tokio::test]
async fn the_startup_report_names_present_and_missing_peers() {
    let server = NatsServer::start().unwrap();
    let module = start_library(&server, "a", Arc::default()).await;

    let report = soulspot_runtime::startup_report(
        module.client(),
        "library",
        module.required_modules(),
        Duration::from_millis(300),
    )
    .await;

    assert!(report.present.contains("library"));
    assert!(report.missing.contains("metadata"));
    assert!(report.capabilities["search.track"].contains("library"));
    assert!(report.capabilities["download.track"].is_empty());
}

#[tokio::test]
async fn readyz_is_ok_when_connected_and_every_check_passes() {
    let server = NatsServer::start().unwrap();
    let module = ModuleBuilder::new("library", "0.1.0")
        .capability(search("a", Arc::default()))
        .health_check("disk", || async { Ok(()) })
        .start(client(&server).await)
        .await
        .unwrap();
    let routes =
        soulspot_runtime::http::ops_routes(module.client().clone(), module.health_checks().clone());
    let http_server = soulspot_runtime::http::HttpServer::start("127.0.0.1:0", routes)
        .await
        .unwrap();

    let readyz = reqwest::get(format!("http://{}/readyz", http_server.address()))
        .await
        .unwrap();

    assert_eq!(readyz.status(), 200);
    let readyz: Value = readyz.json().await.unwrap();
    assert_eq!(readyz["ready"], true);
    assert_eq!(readyz["health"]["status"], "active");
}

#[tokio::test]
async fn the_operational_http_endpoints_answer() {
    let server = NatsServer::start().unwrap();
    let module = start_library(&server, "a", Arc::default()).await;
    let routes =
        soulspot_runtime::http::ops_routes(module.client().clone(), module.health_checks().clone());
    let http_server = soulspot_runtime::http::HttpServer::start("127.0.0.1:0", routes)
        .await
        .unwrap();
    let address = http_server.address();
    let caller = client(&server).await;
    call(&caller, br#"{"query": "count me"}"#).await.unwrap();
    let http = reqwest::Client::new();

    let healthz = http
        .get(format!("http://{address}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(healthz.status(), 200);
    let readyz = http
        .get(format!("http://{address}/readyz"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        readyz.status(),
        503,
        "a failing check must make the module unready"
    );
    let readyz: Value = readyz.json().await.unwrap();
    assert_eq!(readyz["ready"], false);
    assert_eq!(readyz["nats"], "connected");
    assert_eq!(readyz["health"]["status"], "degraded");
    assert_eq!(readyz["health"]["checks"][0]["name"], "disk");
    assert_eq!(readyz["health"]["checks"][0]["ok"], false);
    assert!(
        !readyz.to_string().contains("library root not writable"),
        "an open endpoint shows no check detail: {readyz}"
    );
    let metrics = http
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("soulspot_requests_total"), "{metrics}");
}
