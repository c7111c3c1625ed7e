//! A job delivered a second time while its first run still holds it (as when NATS was out
//! longer than `ack_wait`): the later run takes the job over, the first one's next save fails
//! on the record's revision, and every step runs once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::watch;

use crate::fakes::{self, Counters, Downloads};
use crate::helpers::{TestApp, spawn_app};

const FINISH: Duration = Duration::from_secs(30);

/// The subject of the router's work queue: a second message for a job is a redelivery.
const QUEUE_SUBJECT: &str = "soulspot.jobs.run";

impl TestApp {
    async fn deliver_job_again(&self, job_id: &str) {
        let jetstream = async_nats::jetstream::new(self.nats_client().await);
        jetstream
            .publish(QUEUE_SUBJECT, job_id.to_owned().into())
            .await
            .unwrap()
            .await
            .unwrap();
    }

    /// Polls the job until `holds` is true of it, and returns it.
    async fn wait_for_record(&self, job_id: &str, holds: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let (_, job) = self.get(&format!("/api/jobs/{job_id}")).await;
            if holds(&job) {
                return job;
            }
            assert!(started.elapsed() < FINISH, "job never got there: {job}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn a_job_delivered_again_while_its_first_run_holds_it_is_advanced_once() {
    let app = spawn_app().await;
    let counters = Arc::new(Counters::default());
    let (gate, opened) = watch::channel(false);
    let _modules = [
        fakes::start_downloader(&app, Downloads::WhenOpened(opened), counters.clone()).await,
        fakes::start_metadata(&app).await,
        fakes::start_library(&app, counters.clone()).await,
        fakes::start_notifications(&app, counters.clone()).await,
    ];
    let job_id = app
        .post_download(json!({"track": {"title": "Teardrop", "artist": "Massive Attack"}}))
        .await;
    app.wait_for_record(&job_id, |job| {
        job["context"]["download"]["state"] == "pending"
    })
    .await;

    app.deliver_job_again(&job_id).await;
    app.wait_for_record(&job_id, |job| job["runs"] == 2).await;
    gate.send_replace(true);
    let job = app.wait_for_job(&job_id, FINISH).await;

    assert_eq!(job["state"], "completed", "{job}");
    assert_eq!(counters.downloads.of(&job_id), 1, "downloaded once");
    assert_eq!(counters.import_calls.total(), 1, "import called once");
    assert_eq!(counters.notifications.of(&job_id), 1, "notify called once");
    let (_, events) = app.get("/api/events?type=pipeline.completed").await;
    let completions = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["data"]["job_id"] == job_id.as_str())
        .count();
    assert_eq!(completions, 1);
}
