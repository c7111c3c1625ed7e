//! The pipeline under load, on real nats-servers. Run with `make bench`.
//!
//! 1. Orchestration overhead: jobs one at a time through modules that answer at once, against
//!    the bare cost of the same messages (request/replies and JetStream publishes) measured in
//!    the same run.
//! 2. Throughput: `BENCH_JOBS` (1,000) jobs from free-text queries through every real module
//!    and the sandbox in fast mode: jobs/s and p50/p99 job latency.
//! 3. Memory: the router binary with `BENCH_QUEUED` (10,000) jobs queued: its peak RSS.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use futures::StreamExt;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, NatsSettings, request_bytes};
use soulspot_e2e::{Stack, StackOptions, instant};
use soulspot_router::{Application, RouterSettings};

/// Messages one job costs the router, counted from the pipeline's code (`pipeline/worker.rs`):
/// routed requests: download.track, enrich.metadata, import.track, notify.track_ready;
/// JetStream publishes: 12 job-state writes, the queue entry, the download outcome, and the
/// events download.completed.for_source and pipeline.completed.
const REQUESTS_PER_JOB: f64 = 4.0;
const PUBLISHES_PER_JOB: f64 = 16.0;
const OVERHEAD_JOBS: usize = 300;
const BARE_SAMPLES: usize = 2_000;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let jobs: usize = env_or("BENCH_JOBS", 1_000);
    let queued: usize = env_or("BENCH_QUEUED", 10_000);
    orchestration_overhead().await?;
    throughput(jobs).await?;
    router_memory(queued).await
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

fn micros(histogram: &Histogram<u64>, quantile: f64) -> f64 {
    histogram.value_at_quantile(quantile) as f64 / 1_000.0
}

async fn orchestration_overhead() -> anyhow::Result<()> {
    let server = NatsServer::start()?;
    let nats = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    let client = soulspot_bus::connect(&nats, "bench").await?;
    let _modules = instant::start(client.clone(), Arc::new(AtomicBool::new(false))).await?;
    let mut settings = RouterSettings::default();
    settings.service.nats = nats.clone();
    let application = Application::build(settings).await?;
    let url = format!("http://{}/api/downloads", application.address());
    tokio::spawn(application.run_until_stopped(std::future::pending()));
    let http = reqwest::Client::new();
    let mut finished = client.subscribe("soulspot.events.*.pipeline.>").await?;

    let mut job_latency = Histogram::<u64>::new(3)?;
    for n in 0..OVERHEAD_JOBS {
        let started = Instant::now();
        let body = json!({"track": {"title": format!("Song {n}"), "artist": "Bench"}});
        let reply: Value = http.post(&url).json(&body).send().await?.json().await?;
        let job_id = reply["job_id"].as_str().unwrap_or_default().to_owned();
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), finished.next())
                .await?
                .ok_or_else(|| anyhow::anyhow!("event subscription ended"))?;
            let event: Value = serde_json::from_slice(&message.payload)?;
            if event["data"]["job_id"] == job_id.as_str() {
                anyhow::ensure!(
                    event["event_type"] == "pipeline.completed",
                    "job failed: {event}"
                );
                break;
            }
        }
        job_latency.record(started.elapsed().as_nanos() as u64)?;
    }

    let mut request_reply = Histogram::<u64>::new(3)?;
    let payload = json!({"file": {"file_id": "f", "path": "/downloads/a.flac", "size": 1, "format": "flac"}, "track": {"title": "t", "artist": "a"}});
    let payload = bytes_of(&payload);
    for _ in 0..BARE_SAMPLES {
        let started = Instant::now();
        request_bytes(
            &client,
            "soulspot.instant.import.track",
            payload.clone(),
            &MessageContext::default(),
            Duration::from_secs(5),
        )
        .await?;
        request_reply.record(started.elapsed().as_nanos() as u64)?;
    }
    let jetstream = async_nats::jetstream::new(client.clone());
    let mut publish = Histogram::<u64>::new(3)?;
    for n in 0..BARE_SAMPLES {
        let started = Instant::now();
        jetstream
            .publish(
                "soulspot.events.bench.noise",
                format!("{{\"n\":{n}}}").into(),
            )
            .await?
            .await?;
        publish.record(started.elapsed().as_nanos() as u64)?;
    }
    let bare =
        REQUESTS_PER_JOB * micros(&request_reply, 0.5) + PUBLISHES_PER_JOB * micros(&publish, 0.5);
    let overhead = micros(&job_latency, 0.5);
    println!("== orchestration overhead ({OVERHEAD_JOBS} jobs, one at a time, instant modules)");
    println!(
        "job latency           p50 {:>9.0} µs   p99 {:>9.0} µs",
        overhead,
        micros(&job_latency, 0.99)
    );
    println!(
        "request/reply         p50 {:>9.0} µs   p99 {:>9.0} µs",
        micros(&request_reply, 0.5),
        micros(&request_reply, 0.99)
    );
    println!(
        "jetstream publish     p50 {:>9.0} µs   p99 {:>9.0} µs",
        micros(&publish, 0.5),
        micros(&publish, 0.99)
    );
    println!(
        "bare message cost per job ({REQUESTS_PER_JOB} req/reply + {PUBLISHES_PER_JOB} publishes): {bare:.0} µs; overhead / bare = {:.2} (target ≤ 3)",
        overhead / bare
    );
    Ok(())
}

fn bytes_of(value: &Value) -> bytes::Bytes {
    bytes::Bytes::from(value.to_string())
}

async fn throughput(jobs: usize) -> anyhow::Result<()> {
    let (catalog, tracks) = synthetic_catalog(jobs)?;
    let jobs = tracks.len();
    let options = StackOptions {
        fast: true,
        catalog: Some(catalog),
        ..StackOptions::default()
    };
    let stack = Stack::start(options).await?;
    let watcher = soulspot_bus::connect(
        &NatsSettings {
            url: stack.nats.url(),
            ..NatsSettings::default()
        },
        "bench",
    )
    .await?;
    let mut finished = watcher.subscribe("soulspot.events.*.pipeline.>").await?;

    let started = Instant::now();
    let mut submitted: HashMap<String, Instant> = HashMap::with_capacity(jobs);
    for track in &tracks {
        let job_id = stack.submit(&json!({ "track": track })).await?;
        submitted.insert(job_id, Instant::now());
    }
    let mut latency = Histogram::<u64>::new(3)?;
    let mut failed = 0;
    let mut reasons: HashMap<String, usize> = HashMap::new();
    while latency.len() + failed < jobs as u64 {
        let message = tokio::time::timeout(Duration::from_secs(120), finished.next())
            .await?
            .ok_or_else(|| anyhow::anyhow!("event subscription ended"))?;
        let event: Value = serde_json::from_slice(&message.payload)?;
        let Some(sent) = event["data"]["job_id"]
            .as_str()
            .and_then(|id| submitted.get(id))
        else {
            continue;
        };
        if event["event_type"] == "pipeline.completed" {
            latency.record(sent.elapsed().as_nanos() as u64)?;
        } else {
            failed += 1;
            let reason = event["data"]["reason"].as_str().unwrap_or_default();
            *reasons
                .entry(reason.chars().take(160).collect())
                .or_insert(0) += 1;
        }
    }
    let elapsed = started.elapsed();
    println!(
        "== throughput ({jobs} jobs of distinct tracks, every real module, sandbox in fast mode)"
    );
    println!(
        "completed {} failed {failed} in {:.1} s: {:.1} jobs/s",
        latency.len(),
        elapsed.as_secs_f64(),
        jobs as f64 / elapsed.as_secs_f64()
    );
    println!(
        "job latency           p50 {:>9.1} ms   p99 {:>9.1} ms",
        micros(&latency, 0.5) / 1_000.0,
        micros(&latency, 0.99) / 1_000.0
    );
    for (reason, count) in &reasons {
        println!("  failed ×{count}: {reason}");
    }
    Ok(())
}

/// The shipped catalog with one synthetic track per job: distinct files, as a real queue of
/// wanted tracks would be (one peer refuses a second transfer of a file it is sending).
fn synthetic_catalog(jobs: usize) -> anyhow::Result<(soulspot_sandbox::Catalog, Vec<Value>)> {
    const SHIPPED: &str = include_str!("../../crates/sandbox/catalog/default.toml");
    anyhow::ensure!(
        SHIPPED.contains("tracks = 38"),
        "the shipped catalog changed its synthetic section"
    );
    let catalog = soulspot_sandbox::Catalog::from_toml(&SHIPPED.replacen(
        "tracks = 38",
        &format!("tracks = {jobs}"),
        1,
    ))?;
    let seeder = catalog
        .peers
        .iter()
        .find(|peer| peer.username == "synth_seeder")
        .ok_or_else(|| anyhow::anyhow!("no synthetic peer"))?;
    let tracks = seeder
        .files
        .iter()
        .filter_map(|file| catalog.tracks.iter().find(|track| track.spotify_id == file.track_id))
        .filter_map(|track| {
            let artist = catalog.artists.iter().find(|artist| artist.key == track.artist_key)?;
            Some(json!({"title": track.title, "artist": artist.name, "duration_ms": track.duration_ms}))
        })
        .collect();
    Ok((catalog, tracks))
}

async fn router_memory(queued: usize) -> anyhow::Result<()> {
    let binary = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/release/soulspot-router"
    );
    if !std::path::Path::new(binary).exists() {
        println!(
            "== router memory: skipped, build it first (cargo build --release -p soulspot-router)"
        );
        return Ok(());
    }
    let server = NatsServer::start()?;
    let nats = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    let client = soulspot_bus::connect(&nats, "bench").await?;
    let _modules = instant::start(client, Arc::new(AtomicBool::new(true))).await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut router = Command::new(binary)
        .env("SOULSPOT__NATS__URL", server.url())
        .env("SOULSPOT_ROUTER__HTTP__BIND", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..200 {
        if http
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::ensure!(ready, "router process did not become ready");
    let started = Instant::now();
    let submissions = futures::stream::iter(0..queued)
        .map(|n| {
            let (http, url) = (http.clone(), format!("{base}/api/downloads"));
            async move {
                http.post(url)
                    .json(&json!({"track": {"title": format!("Queued {n}"), "artist": "Bench"}}))
                    .send()
                    .await
                    .is_ok_and(|response| response.status() == reqwest::StatusCode::ACCEPTED)
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    let refused = submissions.iter().filter(|accepted| !**accepted).count();
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", router.id())).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|line| line.starts_with(name))
            .map(|line| {
                line.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
                    / 1024.0
            })
            .unwrap_or(0.0)
    };
    println!(
        "== router memory ({queued} jobs submitted in {:.1} s, {refused} refused; 32 in flight, the rest queued)",
        started.elapsed().as_secs_f64()
    );
    println!(
        "router process RSS now {:.1} MB, peak {:.1} MB (target ≤ 150 MB)",
        field("VmRSS:"),
        field("VmHWM:")
    );
    router.kill()?;
    router.wait()?;
    Ok(())
}
