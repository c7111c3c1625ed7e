//! One playlist sync through the whole stack, traced: the HTTP request, the job it queues and
//! each of the job's stages, every routed call, every module's handler, the outbound HTTP
//! calls and the events published and consumed, in one trace with unbroken parent links.
//! Spans are kept in memory here; `--nocapture` prints the trace as a tree. And a job's run,
//! on whichever router takes its queue message, continues the trace that message carries.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use soulspot_bus::Durability;
use soulspot_contracts::operations::modules;
use soulspot_e2e::{Stack, StackOptions};
use soulspot_router::pipeline::{Job, JobRequest, JobStore};
use soulspot_telemetry::testing::{SpanRecorder, Trace, attribute, record_spans};
use tracing::Instrument;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A playlist of one catalog track, so the sync queues exactly one job.
const PLAYLIST: &str = "sandboxtrace0000000000";
const FINISH: Duration = Duration::from_secs(60);

fn catalog() -> soulspot_sandbox::Catalog {
    const SHIPPED: &str = include_str!("../../crates/sandbox/catalog/default.toml");
    let text = format!(
        "{SHIPPED}\n[[playlists]]\nid = \"{PLAYLIST}\"\nname = \"Trace\"\n\
         description = \"One track.\"\ntracks = [\"WDAD8c1xS4i78ePMqpycRa\"]\n"
    );
    soulspot_sandbox::Catalog::from_toml(&text).unwrap()
}

/// Waits until the trace of the span named `root` holds a span of every name in `names`
/// (spans are recorded as they end), and returns that trace.
async fn wait_for_spans(recorder: &SpanRecorder, root: &str, names: &[&str]) -> Trace {
    let started = Instant::now();
    loop {
        let spans = recorder.get_finished_spans().unwrap();
        if let Some(root) = spans.iter().find(|span| span.name == root) {
            let trace = Trace::of(&spans, root.span_context.trace_id());
            let found = self::names(&trace);
            if names.iter().all(|name| found.contains(*name)) {
                return trace;
            }
        }
        assert!(
            started.elapsed() < FINISH,
            "not all of {names:?} in the trace of {root}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn names(trace: &Trace) -> BTreeSet<String> {
    trace
        .spans
        .iter()
        .map(|span| span.name.to_string())
        .collect()
}

#[tokio::test]
async fn a_playlist_sync_is_one_trace_through_the_router_and_all_five_modules() {
    let recorder = record_spans().expect("no other subscriber in this test binary");
    let webhook = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&webhook)
        .await;
    let options = StackOptions {
        webhook_url: Some(format!("{}/hook", webhook.uri())),
        catalog: Some(catalog()),
        ..StackOptions::default()
    };
    let stack = Stack::start(options).await.unwrap();

    // The caller traces too: the request's span continues its trace.
    let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let response = stack
        .http
        .post(stack.url("/api/playlists/sync"))
        .header("traceparent", caller)
        .json(&json!({"playlist": PLAYLIST}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let report: Value = response.json().await.unwrap();
    let job_id = report["enqueued"][0].as_str().unwrap().to_owned();
    let job = stack.wait_for_job(&job_id, FINISH).await.unwrap();
    assert_eq!(job["state"], "completed", "{job}");
    // The job's span ends when its queue message is acknowledged, after its final event; a
    // handler's span a moment after its reply, soulseek's download span a moment after it
    // published the download's outcome.
    let trace = wait_for_spans(
        &recorder,
        "POST /api/playlists/sync",
        &[
            "job",
            "publish pipeline.completed",
            "download",
            "handle notify.track_ready",
        ],
    )
    .await;

    println!("{}", trace.render());
    let orphans = trace.orphans();
    assert_eq!(
        orphans.len(),
        1,
        "spans whose parent is missing: {orphans:#?}"
    );
    assert_eq!(orphans[0].name, "POST /api/playlists/sync");
    let request = &orphans[0].span_context;
    assert_eq!(
        format!("{:032x}", request.trace_id()),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(
        format!("{:016x}", orphans[0].parent_span_id),
        "00f067aa0ba902b7"
    );
    let services: BTreeSet<String> = trace
        .spans
        .iter()
        .map(|span| trace.service_of(span).unwrap_or_default())
        .collect();
    for service in [
        "router",
        "spotify",
        "soulseek",
        "metadata",
        "library",
        "notifications",
    ] {
        assert!(
            services.contains(service),
            "{service} missing: {services:?}"
        );
    }
    let names = names(&trace);
    for name in [
        "call playlist.tracks",
        "handle playlist.tracks",
        "job",
        "stage resolve",
        "stage download",
        "call download.track",
        "handle download.track",
        "publish download.completed",
        "consume download.completed",
        "stage import",
        "handle import.track",
        "publish pipeline.completed",
    ] {
        assert!(names.contains(name), "no span {name}: {names:?}");
    }
    let outbound: BTreeSet<String> = trace
        .spans
        .iter()
        .filter_map(|span| attribute(span, "peer"))
        .collect();
    for peer in ["spotify", "slskd", "musicbrainz", "webhook"] {
        assert!(outbound.contains(peer), "no call to {peer}: {outbound:?}");
    }
}

#[tokio::test]
async fn a_job_taken_from_the_queue_continues_the_trace_its_queue_message_carries() {
    let recorder = record_spans().expect("no other subscriber in this test binary");
    let stack = Stack::start(StackOptions::default()).await.unwrap();
    let client = soulspot_bus::connect(&stack.nats.settings_for(modules::ROUTER), "trace-test")
        .await
        .unwrap();
    let store = JobStore::open(client, Durability::default(), Duration::from_secs(3600))
        .await
        .unwrap();
    let request: JobRequest = serde_json::from_value(json!({
        "track": {"title": "Glass Harbour", "artist": "Aurora Lane"},
        "source": "api",
    }))
    .unwrap();
    let mut job = Job::new(uuid::Uuid::now_v7().to_string(), request);
    store.save(&mut job).await.unwrap();

    // Queued from a span of this test, as a router queues a job while answering a request;
    // the run that takes the message up continues from it.
    let queuing = tracing::info_span!("queue job from test");
    let queued_from = queuing
        .in_scope(soulspot_telemetry::current_trace)
        .expect("spans are recorded");
    store.enqueue(&job).instrument(queuing).await.unwrap();
    let finished = stack.wait_for_job(&job.id, FINISH).await.unwrap();
    assert_eq!(finished["state"], "completed", "{finished}");

    let trace = wait_for_spans(
        &recorder,
        "queue job from test",
        &[
            "job",
            "publish pipeline.completed",
            "download",
            "handle notify.track_ready",
        ],
    )
    .await;
    let run = trace.spans.iter().find(|span| span.name == "job").unwrap();
    assert_eq!(
        u64::from_be_bytes(run.parent_span_id.to_bytes()),
        queued_from.span_id,
        "the job's run is not a child of the span that queued it"
    );
    assert_eq!(
        trace.orphans().len(),
        1,
        "spans whose parent is missing: {:#?}",
        trace.orphans()
    );
}
