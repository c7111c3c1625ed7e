//! The cost of one page of `GET /api/events` and `GET /api/jobs` over a full store: a real
//! nats-server holding `BENCH_EVENTS` events (100,000; 1 in 100 a `pipeline.completed`, the
//! rest `download.progress`) and `BENCH_JOBS` jobs (10,000; 1 in 100 `queued`, the rest
//! `completed`), and a router over it. Run with `make bench`.
//!
//! Each page is fetched `BENCH_PAGE_ROUNDS` times (20), the pages interleaved, after one
//! warm-up each; the table shows the median and the 90th percentile of each page's time.

use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use soulspot_bus::testing::NatsServer;
use soulspot_bus::testing::bench::{Samples, env_or};
use soulspot_bus::{Durability, EventBus, EventStoreSettings, NatsSettings};
use soulspot_contracts::EventEnvelope;
use soulspot_router::pipeline::{Job, JobRequest, JobState, JobStore};
use soulspot_router::{Application, RouterSettings};

const API_KEY: &str = "bench-api-key-0123456789abcdef";
/// Publishes awaiting their acknowledgement at once while the store is filled.
const PUBLISH_WINDOW: usize = 1_000;
/// Jobs saved at once while the store is filled.
const SAVES_IN_FLIGHT: usize = 32;

const PAGES: [&str; 5] = [
    "/api/events?limit=50",
    "/api/events?type=pipeline.completed&limit=50",
    "/api/jobs?limit=50",
    "/api/jobs?state=queued&limit=50",
    "/api/jobs?state=completed&limit=50",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let events: usize = env_or("BENCH_EVENTS", 100_000);
    let jobs: usize = env_or("BENCH_JOBS", 10_000);
    let rounds: usize = env_or("BENCH_PAGE_ROUNDS", 20).max(1);
    let server = NatsServer::start()?;
    let nats = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    let client = soulspot_bus::connect(&nats, "bench-filler").await?;

    let started = std::time::Instant::now();
    fill_events(&client, events).await?;
    fill_jobs(&client, jobs).await?;
    println!(
        "store filled: {events} events, {jobs} jobs in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let mut settings = RouterSettings::default();
    settings.service.nats = nats;
    settings.service.http.bind = "127.0.0.1:0".to_owned();
    settings.api.api_key = soulspot_runtime::Secret::new(API_KEY);
    let application = Application::build(settings).await?;
    let base = format!("http://{}", application.address());
    tokio::spawn(application.run_until_stopped(std::future::pending()));
    let http = reqwest::Client::new();
    let fetch = |page: &str| {
        let request = http
            .get(format!("{base}{page}"))
            .header("x-api-key", API_KEY)
            .send();
        async move {
            let response = request.await?;
            anyhow::ensure!(response.status().is_success(), "{}", response.status());
            let body: serde_json::Value = response.json().await?;
            Ok::<_, anyhow::Error>(body)
        }
    };

    for page in PAGES {
        let body = fetch(page).await?;
        let shown = body
            .as_array()
            .or_else(|| body["jobs"].as_array())
            .map_or(0, Vec::len);
        println!("{page}: {shown} items");
    }
    let mut samples: Vec<Samples> = PAGES.iter().map(|_| Samples::default()).collect();
    for round in 0..rounds {
        for offset in 0..PAGES.len() {
            let index = (round + offset) % PAGES.len();
            samples[index].time(fetch(PAGES[index])).await?;
        }
    }
    println!("\n{:<48} {:>10} {:>10}", "page", "p50 ms", "p90 ms");
    for (page, samples) in PAGES.iter().zip(&samples) {
        println!(
            "{page:<48} {:>10.2} {:>10.2}",
            samples.percentile_us(0.5) / 1_000.0,
            samples.percentile_us(0.9) / 1_000.0
        );
    }
    Ok(())
}

/// `count` events straight into the store (the producers' validation is not what is measured).
async fn fill_events(client: &async_nats::Client, count: usize) -> anyhow::Result<()> {
    EventBus::owning(
        client.clone(),
        "router",
        &EventStoreSettings::default(),
        Durability::default(),
    )
    .await?;
    let jetstream = async_nats::jetstream::new(client.clone());
    let version = "1.0.0".parse()?;
    let mut pending = Vec::with_capacity(PUBLISH_WINDOW);
    for n in 0..count {
        let (event_type, source) = if n % 100 == 99 {
            ("pipeline.completed", "router")
        } else {
            ("download.progress", "soulseek")
        };
        let data = json!({"job_id": format!("job-{}", n / 100), "n": n});
        let event = EventEnvelope::new(event_type, version, source, data);
        let payload = serde_json::to_vec(&event)?;
        pending.push(jetstream.publish(event.subject(), payload.into()).await?);
        if pending.len() == PUBLISH_WINDOW {
            for ack in pending.drain(..) {
                ack.await?;
            }
        }
    }
    for ack in pending {
        ack.await?;
    }
    Ok(())
}

/// `count` jobs in the job store, saved as the pipeline saves them.
async fn fill_jobs(client: &async_nats::Client, count: usize) -> anyhow::Result<()> {
    let store = JobStore::open(
        client.clone(),
        Durability::default(),
        Duration::from_secs(30 * 24 * 3600),
    )
    .await?;
    let saves = futures::stream::iter(0..count).map(|n| {
        let store = store.clone();
        async move {
            let request = JobRequest {
                track: None,
                query: Some(format!("track {n}")),
                source: "api".to_owned(),
                source_ref: None,
            };
            let mut job = Job::new(uuid::Uuid::now_v7().to_string(), request);
            store.save(&mut job).await?;
            if n % 100 != 0 {
                job.state = JobState::Completed;
                store.save(&mut job).await?;
            }
            Ok::<_, anyhow::Error>(())
        }
    });
    let mut saves = saves.buffer_unordered(SAVES_IN_FLIGHT);
    while let Some(saved) = saves.next().await {
        saved?;
    }
    Ok(())
}
