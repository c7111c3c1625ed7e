//! Following a job when the live stream lets the command down: a stream that ends with
//! `dropped`, or a router that allows no more streams. A fake router answers, so that the
//! stream's failures are certain; the job's record decides when the command ends.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Output;
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const COMMAND_LIMIT: Duration = Duration::from_secs(60);
const KEY: &str = "fake-router-key-0123";

fn job(state: &str) -> Value {
    let mut steps = vec![json!({"name": "download", "operation": "download.track",
                                "status": "running", "attempts": 1})];
    if state == "completed" {
        steps = vec![
            json!({"name": "import", "operation": "import.track", "status": "succeeded",
                            "attempts": 1, "result": {"status": "imported",
                                                      "path": "/music/A/B/01 - C.flac"}}),
        ];
    }
    json!({"id": "job-1", "state": state, "steps": steps, "runs": 1})
}

/// A router whose job is running for the first `running_reads` reads, completed after.
async fn fake_router(stream: ResponseTemplate, running_reads: u64) -> MockServer {
    let router = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/downloads"))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({
            "job_id": "job-1", "state": "queued", "links": {"job": "/api/jobs/job-1"}})))
        .mount(&router)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/events/stream"))
        .respond_with(stream)
        .mount(&router)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/jobs/job-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(job("downloading")))
        .up_to_n_times(running_reads)
        .with_priority(1)
        .mount(&router)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/jobs/job-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(job("completed")))
        .with_priority(2)
        .mount(&router)
        .await;
    router
}

async fn get(router: &MockServer) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_soulspot"));
    command
        .args(["--url", &router.uri(), "--api-key", KEY, "get", "a b"])
        .env_clear()
        .env("HOME", home.path())
        .kill_on_drop(true);
    tokio::time::timeout(COMMAND_LIMIT, command.output())
        .await
        .expect("soulspot get did not end")
        .unwrap()
}

fn stream_requests(requests: &[wiremock::Request]) -> usize {
    requests
        .iter()
        .filter(|request| request.url.path() == "/api/events/stream")
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_stream_is_reopened_and_the_job_read_again_until_it_ends() {
    let dropped = ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string("event: dropped\ndata: {\"reason\":\"slow\"}\n\n");
    let router = fake_router(dropped, 1).await;

    let output = get(&router).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "/music/A/B/01 - C.flac"
    );
    let requests = router.received_requests().await.unwrap();
    assert_eq!(
        stream_requests(&requests),
        2,
        "opened, dropped, opened again"
    );
    assert!(
        requests
            .iter()
            .all(|request| request.headers.get("x-api-key").unwrap() == KEY)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_stream_the_job_is_polled_until_it_ends() {
    let busy = ResponseTemplate::new(503).set_body_json(json!({"error": {
        "code": "too_many_streams", "message": "64 streams are open"}}));
    let router = fake_router(busy, 3).await;

    let output = get(&router).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("download: running"), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        "/music/A/B/01 - C.flac"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn download_progress_events_of_the_job_show_its_bytes() {
    let progress = |job_id: &str, bytes: u64| {
        json!({"event_id": "e", "event_type": "download.progress", "schema_version": "1.0.0",
               "source_module": "soulseek", "correlation_id": job_id,
               "data": {"download_id": "d", "job_id": job_id, "bytes_transferred": bytes,
                        "size": 4_194_304, "percent": 25.0}})
    };
    let body = format!(
        "event: event\ndata: {}\n\nevent: event\ndata: {}\n\n",
        progress("another-job", 3_145_728),
        progress("job-1", 1_048_576)
    );
    let stream = ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_body_string(body);
    let router = fake_router(stream, 1).await;

    let output = get(&router).await;

    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("download: 1.00 MiB of 4.00 MiB"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("3.00 MiB"),
        "another job's bytes: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_while_following_exits_130_and_says_the_job_goes_on() {
    let silent = ResponseTemplate::new(200)
        .insert_header("content-type", "text/event-stream")
        .set_delay(COMMAND_LIMIT);
    let router = fake_router(silent, u64::MAX).await;
    let home = tempfile::tempdir().unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_soulspot"))
        .args(["--url", &router.uri(), "--api-key", KEY, "get", "a b"])
        .env_clear()
        .env("HOME", home.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // The stream is asked for once the command follows the job (and listens for Ctrl-C).
    tokio::time::timeout(COMMAND_LIMIT, async {
        while stream_requests(&router.received_requests().await.unwrap()) == 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the command never opened the stream");

    let pid = child.id().unwrap().to_string();
    let sent = tokio::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .unwrap();
    let output = tokio::time::timeout(COMMAND_LIMIT, child.wait_with_output())
        .await
        .expect("soulspot get did not end after Ctrl-C")
        .unwrap();

    assert!(sent.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted; job job-1 will go on in the router"),
        "{stderr}"
    );
}
