//! A finished job taken up again after the store's deduplication window has passed — its
//! final event stored, the record not yet marking it sent, as after a crash right after the
//! publish — does not send the event a second time.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use soulspot_bus::{Durability, EventBus, EventPublisher, EventStoreSettings, MessageContext};
use soulspot_contracts::payloads::PipelineCompleted;
use soulspot_contracts::{EventEnvelope, TrackRef};
use soulspot_router::pipeline::{Job, JobRequest, JobState, JobStore};

use crate::helpers::{TestApp, spawn_app_with};

const WITHIN: Duration = Duration::from_secs(10);
const DUPLICATE_WINDOW: Duration = Duration::from_secs(1);

impl TestApp {
    /// Polls the job until `holds` is true of it, and returns it.
    async fn wait_for_job_record(&self, job_id: &str, holds: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let (_, job) = self.get(&format!("/api/jobs/{job_id}")).await;
            if holds(&job) {
                return job;
            }
            assert!(started.elapsed() < WITHIN, "job never got there: {job}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn a_job_resumed_after_the_deduplication_window_does_not_send_its_final_event_again() {
    let events_settings = EventStoreSettings {
        duplicate_window_secs: DUPLICATE_WINDOW.as_secs(),
        ..EventStoreSettings::default()
    };
    let app = spawn_app_with(|settings| settings.service.events = events_settings.clone()).await;
    let client = app.nats_client().await;
    let store = JobStore::open(
        client.clone(),
        Durability::default(),
        Duration::from_secs(3600),
    )
    .await
    .unwrap();
    let bus = EventBus::new(client, "router", &events_settings, Durability::default())
        .await
        .unwrap();
    let track: TrackRef =
        serde_json::from_value(json!({"title": "Teardrop", "artist": "Massive Attack"})).unwrap();
    let request = JobRequest {
        track: Some(track.clone()),
        query: None,
        source: "api".to_owned(),
        source_ref: None,
    };
    let mut job = Job::new(uuid::Uuid::now_v7().to_string(), request);
    let completed = PipelineCompleted {
        job_id: job.id.clone(),
        track,
        library_path: None,
        skipped_steps: Some(Vec::new()),
    };
    let event = EventEnvelope::of("router", &completed)
        .unwrap()
        .with_correlation_id(job.id.clone());
    job.state = JobState::Completed;
    job.context.final_event = Some(event.clone());
    store.save(&mut job).await.unwrap();
    bus.publish(event.clone(), &MessageContext::default())
        .await
        .unwrap();
    // The condition under test is time itself: past the window a copy would be stored.
    tokio::time::sleep(DUPLICATE_WINDOW + Duration::from_millis(500)).await;

    store.enqueue(&job).await.unwrap();

    let record = app
        .wait_for_job_record(&job.id, |job| {
            job["context"]["published"]
                .as_array()
                .is_some_and(|ids| !ids.is_empty())
        })
        .await;
    assert_eq!(record["context"]["published"], json!([event.event_id]));
    let (_, stored) = app.get("/api/events?type=pipeline.completed").await;
    let ids: Vec<&str> = stored
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["event_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![event.event_id.to_string()]);
}
