//! The pipeline under load, on real nats-servers. Run with `make bench`.
//!
//! 1. Orchestration overhead: jobs one at a time through modules that answer at once, against
//!    the bare cost of the same messages (request/replies and JetStream publishes) sent as one
//!    sequence. A job and a bare sequence take turns, over `BENCH_ROUNDS` rounds (7) of
//!    `BENCH_ROUND_JOBS` (50) of each, so that noise from other work on the machine falls on
//!    both alike; the headline is the median of the per-round ratios, with their spread.
//! 2. Throughput: `BENCH_JOBS` (1,000) jobs from free-text queries through every real module
//!    and the sandbox in fast mode: jobs/s and p50/p99 job latency.
//! 3. Memory: the router binary with `BENCH_QUEUED` (10,000) jobs queued: its peak RSS.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::testing::bench::{Samples, Table, env_or, per_round};
use soulspot_bus::{MessageContext, NatsSettings, request_bytes};
use soulspot_e2e::{Stack, StackOptions, instant, keyed_client};
use soulspot_router::{Application, RouterSettings};
use soulspot_runtime::Secret;

/// Messages one job costs the router, counted from the pipeline's code (`pipeline/worker.rs`):
/// routed requests: download.track, enrich.metadata, import.track, notify.track_ready;
/// JetStream publishes: 12 job-state writes, the queue entry, the download outcome, and the
/// events download.completed.for_source and pipeline.completed.
const REQUESTS_PER_JOB: usize = 4;
const PUBLISHES_PER_JOB: usize = 16;
const WARMUP_JOBS: usize = 20;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = env_or("BENCH_ROUNDS", 7).max(1);
    let jobs_per_round: usize = env_or("BENCH_ROUND_JOBS", 50).max(1);
    let jobs: usize = env_or("BENCH_JOBS", 1_000);
    let queued: usize = env_or("BENCH_QUEUED", 10_000);
    orchestration_overhead(rounds, jobs_per_round).await?;
    throughput(jobs).await?;
    router_memory(queued).await
}

/// The key the benchmark's routers are configured with.
const API_KEY: &str = "bench-api-key-0123456789abcdef";

/// One job's figures, or the bare messages', in one round.
struct Round {
    job_p50_us: f64,
    job_p99_us: f64,
    bare_p50_us: f64,
}

async fn orchestration_overhead(rounds: usize, jobs_per_round: usize) -> anyhow::Result<()> {
    let server = NatsServer::start()?;
    let nats = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    let client = soulspot_bus::connect(&nats, "bench").await?;
    let _modules = instant::start(client.clone(), Arc::new(AtomicBool::new(false))).await?;
    let mut settings = RouterSettings::default();
    settings.service.nats = nats.clone();
    settings.api.api_key = Secret::new(API_KEY);
    let application = Application::build(settings).await?;
    let mut job = OneJob {
        http: keyed_client(application.api_key())?,
        url: format!("http://{}/api/downloads", application.address()),
        finished: client.subscribe("soulspot.events.*.pipeline.>").await?,
        submitted: 0,
    };
    tokio::spawn(application.run_until_stopped(std::future::pending()));
    let bare = BareMessages::new(client);

    for _ in 0..WARMUP_JOBS {
        job.run().await?;
        bare.send().await?;
    }
    let mut results = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let mut jobs = Samples::with_capacity(jobs_per_round);
        let mut messages = Samples::with_capacity(jobs_per_round);
        for n in 0..jobs_per_round {
            // Take turns at going first, so neither always runs in the other's wake.
            if n % 2 == 0 {
                jobs.time(job.run()).await?;
                messages.time(bare.send()).await?;
            } else {
                messages.time(bare.send()).await?;
                jobs.time(job.run()).await?;
            }
        }
        results.push(Round {
            job_p50_us: jobs.percentile_us(0.5),
            job_p99_us: jobs.percentile_us(0.99),
            bare_p50_us: messages.percentile_us(0.5),
        });
    }

    let ratio = per_round(&results, |round| round.job_p50_us / round.bare_p50_us);
    let job_p50 = per_round(&results, |round| round.job_p50_us);
    let job_p99 = per_round(&results, |round| round.job_p99_us);
    let bare_p50 = per_round(&results, |round| round.bare_p50_us);
    println!(
        "== orchestration overhead: {rounds} rounds × {jobs_per_round} jobs one at a time (instant modules), \
         each beside the bare messages of a job ({REQUESTS_PER_JOB} request/replies + {PUBLISHES_PER_JOB} publishes)"
    );
    print!(
        "{}",
        Table::of_figures()
            .figure("overhead/bare at p50", &ratio, 2, "≤ 3")
            .figure("job latency p50 µs", &job_p50, 0, "")
            .figure("job latency p99 µs", &job_p99, 0, "")
            .figure("bare messages p50 µs", &bare_p50, 0, "")
    );
    Ok(())
}

/// Submits one download over HTTP and waits for its pipeline to complete.
struct OneJob {
    http: reqwest::Client,
    url: String,
    finished: async_nats::Subscriber,
    submitted: usize,
}

impl OneJob {
    async fn run(&mut self) -> anyhow::Result<()> {
        self.submitted += 1;
        let body =
            json!({"track": {"title": format!("Song {}", self.submitted), "artist": "Bench"}});
        let reply: Value = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await?
            .json()
            .await?;
        let job_id = reply["job_id"].as_str().unwrap_or_default().to_owned();
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), self.finished.next())
                .await?
                .ok_or_else(|| anyhow::anyhow!("event subscription ended"))?;
            let event: Value = serde_json::from_slice(&message.payload)?;
            if event["data"]["job_id"] == job_id.as_str() {
                anyhow::ensure!(
                    event["event_type"] == "pipeline.completed",
                    "job failed: {event}"
                );
                return Ok(());
            }
        }
    }
}

/// The messages a job costs, without the pipeline: request/replies to the instant import and
/// acknowledged JetStream publishes, one after another.
struct BareMessages {
    client: async_nats::Client,
    jetstream: async_nats::jetstream::Context,
    payload: bytes::Bytes,
}

impl BareMessages {
    fn new(client: async_nats::Client) -> Self {
        let payload = json!({"file": {"file_id": "f", "path": "/downloads/a.flac", "size": 1, "format": "flac"}, "track": {"title": "t", "artist": "a"}});
        Self {
            jetstream: async_nats::jetstream::new(client.clone()),
            client,
            payload: bytes::Bytes::from(payload.to_string()),
        }
    }

    async fn send(&self) -> anyhow::Result<()> {
        for _ in 0..REQUESTS_PER_JOB {
            request_bytes(
                &self.client,
                "soulspot.instant.import.track",
                self.payload.clone(),
                &MessageContext::default(),
                Duration::from_secs(5),
            )
            .await?;
        }
        for n in 0..PUBLISHES_PER_JOB {
            self.jetstream
                .publish(
                    "soulspot.events.bench.noise",
                    format!("{{\"n\":{n}}}").into(),
                )
                .await?
                .await?;
        }
        Ok(())
    }
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
    let mut latency = Samples::with_capacity(jobs);
    let mut failed = 0;
    let mut reasons: HashMap<String, usize> = HashMap::new();
    while latency.len() + failed < jobs {
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
            latency.record(sent.elapsed());
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
        latency.percentile_us(0.5) / 1_000.0,
        latency.percentile_us(0.99) / 1_000.0
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
    let Some(binary) = release_binary("soulspot-router") else {
        println!(
            "== router memory: skipped, build it first (cargo build --release -p soulspot-router)"
        );
        return Ok(());
    };
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
        .env("SOULSPOT_ROUTER__API__API_KEY", API_KEY)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let http = keyed_client(&Secret::new(API_KEY))?;
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

/// A binary of the release build this bench belongs to (the bench runs from `<target>/release/deps`,
/// wherever `CARGO_TARGET_DIR` puts it), if it has been built.
fn release_binary(name: &str) -> Option<std::path::PathBuf> {
    let bench = std::env::current_exe().ok()?;
    let binary = bench.parent()?.parent()?.join(name);
    binary.exists().then_some(binary)
}
