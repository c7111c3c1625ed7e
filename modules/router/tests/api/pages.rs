//! Pages of jobs come from the job index: jobs stored before the index existed are listed
//! once it is built, and a job still listed under a state it left (a crash between the
//! index's writes) is shown only under the state it is in.

use std::time::Duration;

use serde_json::Value;
use soulspot_bus::Durability;
use soulspot_router::pipeline::{Job, JobRequest, JobState, JobStore};

use crate::helpers::{TestApp, spawn_app};

const RETENTION: Duration = Duration::from_secs(3600);

fn request(n: usize) -> JobRequest {
    JobRequest {
        track: None,
        query: Some(format!("track {n}")),
        source: "api".to_owned(),
        source_ref: None,
    }
}

fn ids(page: &Value) -> Vec<&str> {
    page["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|job| job["id"].as_str().unwrap())
        .collect()
}

impl TestApp {
    async fn job_store(&self) -> JobStore {
        JobStore::open(self.nats_client().await, Durability::default(), RETENTION)
            .await
            .unwrap()
    }

    /// A stored job in `state`, saved through each state on the way as the pipeline does.
    async fn stored_job(&self, store: &JobStore, n: usize, state: JobState) -> String {
        let mut job = Job::new(uuid::Uuid::now_v7().to_string(), request(n));
        store.save(&mut job).await.unwrap();
        if state != JobState::Queued {
            job.state = state;
            store.save(&mut job).await.unwrap();
        }
        job.id
    }
}

#[tokio::test]
async fn jobs_stored_before_the_index_existed_are_listed_once_it_is_built() {
    let app = spawn_app().await;
    let store = app.job_store().await;
    let queued = app.stored_job(&store, 1, JobState::Queued).await;
    let completed = app.stored_job(&store, 2, JobState::Completed).await;
    let jetstream = async_nats::jetstream::new(app.nats_client().await);
    jetstream.delete_stream("SOULSPOT_JOB_INDEX").await.unwrap();

    let _reopened = app.job_store().await;

    let (_, all) = app.get("/api/jobs").await;
    assert_eq!(ids(&all), vec![queued.as_str(), completed.as_str()]);
    let (_, done) = app.get("/api/jobs?state=completed").await;
    assert_eq!(ids(&done), vec![completed.as_str()]);
}

#[tokio::test]
async fn a_job_listed_under_a_state_it_left_is_shown_under_its_own_state_only() {
    let app = spawn_app().await;
    let store = app.job_store().await;
    let first = app.stored_job(&store, 1, JobState::Completed).await;
    let second = app.stored_job(&store, 2, JobState::Failed).await;
    let third = app.stored_job(&store, 3, JobState::Completed).await;
    // As a crash between listing the new state and saving the job would leave it.
    let jetstream = async_nats::jetstream::new(app.nats_client().await);
    jetstream
        .publish(format!("soulspot.jobs.index.completed.{second}"), "".into())
        .await
        .unwrap()
        .await
        .unwrap();

    let (_, page) = app.get("/api/jobs?state=completed&limit=1").await;
    assert_eq!(ids(&page), vec![first.as_str()]);
    let next = page["next_after"].as_str().unwrap();
    let (_, rest) = app
        .get(&format!("/api/jobs?state=completed&after={next}"))
        .await;

    assert_eq!(ids(&rest), vec![third.as_str()]);
    let (_, failed) = app.get("/api/jobs?state=failed").await;
    assert_eq!(ids(&failed), vec![second.as_str()]);
}
