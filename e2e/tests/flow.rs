//! End to end with every real module: a free-text query becomes a tagged file at the
//! templated path in the library, announced by a signed webhook — every service on its own
//! NATS credentials, none refused anything by the server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use serde_json::{Value, json};
use soulspot_e2e::{ALL_MODULES, Module, Stack, StackOptions, relative};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const FINISH: Duration = Duration::from_secs(60);

fn step<'a>(job: &'a Value, name: &str) -> &'a Value {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["name"] == name)
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_query_becomes_a_tagged_file_in_the_library_and_a_signed_webhook() {
    let webhook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&webhook)
        .await;
    let options = StackOptions {
        webhook_url: Some(format!("{}/hook", webhook.uri())),
        ..StackOptions::default()
    };
    let stack = Stack::start(options).await.unwrap();

    let job_id = stack
        .submit(&json!({"query": "Aurora Lane Glass Harbour"}))
        .await
        .unwrap();
    let job = stack.wait_for_job(&job_id, FINISH).await.unwrap();

    assert_eq!(job["state"], "completed", "{job}");
    for name in ["search", "download", "enrich", "import", "notify"] {
        assert_eq!(step(&job, name)["status"], "succeeded", "{name}: {job}");
    }
    let library_path =
        std::path::PathBuf::from(step(&job, "import")["result"]["path"].as_str().unwrap());
    let filed = relative(&library_path, &stack.library_root());
    assert!(
        filed.starts_with("Aurora Lane/Northern Lights ("),
        "{filed}"
    );
    assert!(filed.ends_with("/01 - Glass Harbour.flac"), "{filed}");
    let tags = soulspot_metadata::tags::read(library_path).await.unwrap();
    assert_eq!(tags.title.as_deref(), Some("Glass Harbour"));
    assert_eq!(tags.artist.as_deref(), Some("Aurora Lane"));
    assert_eq!(tags.album.as_deref(), Some("Northern Lights"));
    assert_eq!(tags.track_number, Some(1));
    assert!(
        tags.recording_id.is_some() && tags.has_front_cover,
        "{tags:?}"
    );
    let events = stack
        .get("/api/events?type=pipeline.completed")
        .await
        .unwrap();
    let violations = stack.nats.permission_violations();
    assert!(violations.is_empty(), "{violations:#?}");
    assert_eq!(events[0]["data"]["job_id"], job_id.as_str());
    let received = webhook.received_requests().await.unwrap();
    assert!(received[0].headers.get("x-soulspot-signature").is_some());
    let body: Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(body["job_id"], job_id.as_str());
}

#[tokio::test]
async fn without_the_metadata_module_the_track_is_still_imported_unenriched() {
    let options = StackOptions {
        modules: ALL_MODULES
            .into_iter()
            .filter(|module| *module != Module::Metadata)
            .collect(),
        ..StackOptions::default()
    };
    let stack = Stack::start(options).await.unwrap();

    let track = json!({"track": {"title": "Northern Lights", "artist": "Aurora Lane", "duration_ms": 187500}});
    let job_id = stack.submit(&track).await.unwrap();
    let job = stack.wait_for_job(&job_id, FINISH).await.unwrap();

    assert_eq!(job["state"], "completed", "{job}");
    assert_eq!(step(&job, "enrich")["status"], "skipped");
    let library_path = step(&job, "import")["result"]["path"].as_str().unwrap();
    assert!(std::path::Path::new(library_path).exists());
    let violations = stack.nats.permission_violations();
    assert!(violations.is_empty(), "{violations:#?}");
}

#[tokio::test]
async fn a_failed_job_is_notified_with_the_step_that_failed_and_why() {
    let webhook = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&webhook)
        .await;
    let options = StackOptions {
        fast: true,
        webhook_url: Some(format!("{}/hook", webhook.uri())),
        ..StackOptions::default()
    };
    let stack = Stack::start(options).await.unwrap();

    let job_id = stack
        .submit(&json!({"query": "qwxzv nothing anyone shares"}))
        .await
        .unwrap();
    let job = stack.wait_for_job(&job_id, FINISH).await.unwrap();

    assert_eq!(job["state"], "failed", "{job}");
    let started = std::time::Instant::now();
    let body = loop {
        let received = webhook.received_requests().await.unwrap();
        if let Some(request) = received.first() {
            break serde_json::from_slice::<Value>(&request.body).unwrap();
        }
        assert!(started.elapsed() < FINISH, "no failure notification");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(body["event"], "job_failed", "{body}");
    assert_eq!(body["job_id"], job_id.as_str());
    assert_eq!(body["failed_step"], job["failure"]["step"], "{body} {job}");
    assert_eq!(body["reason"], job["failure"]["reason"], "{body} {job}");
    let violations = stack.nats.permission_violations();
    assert!(violations.is_empty(), "{violations:#?}");
}
