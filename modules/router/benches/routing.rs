//! Routing overhead on a real nats-server: four paths to one no-op capability — (a) a raw NATS
//! request, (b) `Router::route`, (c) `POST /api/operations/…` with reqwest, (d) the same with a
//! minimal HTTP client. Run with `make bench`.
//!
//! The paths are timed interleaved, one request of each in turn (the order rotating), over
//! `BENCH_ROUNDS` rounds (7) of `BENCH_ROUND_REQUESTS` requests per path (2,000), so that noise
//! from other work on the machine falls on every path alike. Each round gives its own p50s and
//! ratios; the headline is the median of the per-round figures, with their spread. Each round
//! ends with one burst per path, `IN_FLIGHT` requests at once, for throughput.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::testing::bench::{Samples, Spread, Table, env_or, per_round};
use soulspot_bus::{MessageContext, NatsSettings};
use soulspot_router::{Application, Router, RouterSettings};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, ServiceError};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufStream};
use tokio::net::TcpStream;

const WARMUP: usize = 1_000;
const IN_FLIGHT: usize = 32;
const OPERATION: &str = "library.stats";
const SUBJECT: &str = "soulspot.bench.library.stats";

/// The paths compared; each one's discriminant is its index in `PATHS` and in a `Round`.
#[derive(Debug, Clone, Copy)]
enum Path {
    Raw = 0,
    Routed = 1,
    Reqwest = 2,
    Minimal = 3,
}

const PATHS: [Path; 4] = [Path::Raw, Path::Routed, Path::Reqwest, Path::Minimal];

impl Path {
    fn label(self) -> &'static str {
        match self {
            Path::Raw => "(a) raw nats request",
            Path::Routed => "(b) route()",
            Path::Reqwest => "(c) POST /api/operations",
            Path::Minimal => "(d) same, minimal client",
        }
    }
}

/// What each path did in one round, indexed by `Path`.
struct Round {
    p50_us: [f64; 4],
    p99_us: [f64; 4],
    rps: [f64; 4],
}

impl Round {
    fn p50(&self, path: Path) -> f64 {
        self.p50_us[path as usize]
    }
}

/// The key the benchmark's router is configured with.
const API_KEY: &str = "bench-api-key-0123456789abcdef";

/// A client that sends the API key with every request.
fn keyed_client() -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        "x-api-key",
        reqwest::header::HeaderValue::from_static(API_KEY),
    );
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}

/// Everything needed to send one request along each path; cheap to clone into a burst's tasks.
#[derive(Clone)]
struct Targets {
    nats: async_nats::Client,
    router: Arc<Router>,
    http: reqwest::Client,
    url: String,
    minimal: MinimalHttp,
}

impl Targets {
    async fn call(&self, path: Path) -> anyhow::Result<()> {
        match path {
            Path::Raw => {
                self.nats.request(SUBJECT, "{}".into()).await?;
            }
            Path::Routed => {
                self.router
                    .route(OPERATION, &json!({}), &MessageContext::default())
                    .await?;
            }
            Path::Reqwest => {
                let response = self
                    .http
                    .post(&self.url)
                    .header("content-type", "application/json")
                    .body("{}")
                    .send()
                    .await?;
                anyhow::ensure!(
                    response.status().is_success(),
                    "status {}",
                    response.status()
                );
                response.bytes().await?;
            }
            Path::Minimal => self.minimal.post_empty_object().await?,
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rounds: usize = env_or("BENCH_ROUNDS", 7).max(1);
    let requests: usize = env_or("BENCH_ROUND_REQUESTS", 2_000).max(1);
    let server = NatsServer::start()?;
    let (targets, _module) = start(&server).await?;

    for _ in 0..WARMUP {
        for path in PATHS {
            targets.call(path).await?;
        }
    }
    let mut results = Vec::with_capacity(rounds);
    for round in 0..rounds {
        results.push(run_round(&targets, round, requests).await?);
    }
    report(&results, requests);
    Ok(())
}

/// A no-op module and a router on `server`, and a client for each path; the module runs until
/// it is dropped.
async fn start(server: &NatsServer) -> anyhow::Result<(Targets, RunningModule)> {
    let nats = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    let noop = Capability::new(OPERATION, 1, |_: CallContext, _: Value| async {
        Ok::<_, ServiceError>(json!({"tracks": 0, "artists": 0, "albums": 0, "total_bytes": 0}))
    });
    let module = ModuleBuilder::new("bench", "0.1.0")
        .capability(noop)
        .start(soulspot_bus::connect(&nats, "bench-module").await?)
        .await?;
    let mut settings = RouterSettings::default();
    settings.service.nats = nats.clone();
    settings.router.health_interval_ms = 1_000;
    settings.api.api_key = soulspot_runtime::Secret::new(API_KEY);
    let application = Application::build(settings).await?;
    let router = application.router();
    let address = application.address();
    tokio::spawn(application.run_until_stopped(std::future::pending()));
    while router.registry().candidates(OPERATION).is_empty() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let targets = Targets {
        nats: soulspot_bus::connect(&nats, "bench-caller").await?,
        router,
        http: keyed_client()?,
        url: format!("http://{address}/api/operations/{OPERATION}"),
        minimal: MinimalHttp::new(address),
    };
    Ok((targets, module))
}

/// `requests` sequential requests per path, interleaved, then one burst per path.
async fn run_round(targets: &Targets, round: usize, requests: usize) -> anyhow::Result<Round> {
    let mut samples: [Samples; 4] = std::array::from_fn(|_| Samples::with_capacity(requests));
    for n in 0..requests {
        for path in rotated(n) {
            samples[path as usize].time(targets.call(path)).await?;
        }
    }
    let mut rps = [0.0; 4];
    for path in rotated(round) {
        rps[path as usize] = burst(targets, path, requests).await?;
    }
    Ok(Round {
        p50_us: samples.each_ref().map(|path| path.percentile_us(0.5)),
        p99_us: samples.each_ref().map(|path| path.percentile_us(0.99)),
        rps,
    })
}

/// Every path once, starting from the `n`th, so that each path takes each place in turn.
fn rotated(n: usize) -> impl Iterator<Item = Path> {
    PATHS
        .into_iter()
        .cycle()
        .skip(n % PATHS.len())
        .take(PATHS.len())
}

/// Requests per second of `requests` calls along `path`, `IN_FLIGHT` at a time.
async fn burst(targets: &Targets, path: Path, requests: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|worker| {
            let targets = targets.clone();
            let share = requests / IN_FLIGHT + usize::from(worker < requests % IN_FLIGHT);
            tokio::spawn(async move {
                for _ in 0..share {
                    targets.call(path).await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    Ok(requests as f64 / started.elapsed().as_secs_f64())
}

fn report(results: &[Round], requests: usize) {
    println!(
        "== routing: {} rounds × {requests} requests per path, one request of each path in turn",
        results.len()
    );
    let mut paths = Table::new(&[
        "path",
        "p50 µs median (min–max)",
        "p99 µs median (min–max)",
        &format!("req/s {IN_FLIGHT} in flight, median (min–max)"),
    ]);
    for path in PATHS {
        paths.row(vec![
            path.label().to_owned(),
            Spread::of(&per_round(results, |round| round.p50(path))).summary(1),
            Spread::of(&per_round(results, |round| round.p99_us[path as usize])).summary(1),
            Spread::of(&per_round(results, |round| round.rps[path as usize])).summary(0),
        ]);
    }
    println!("{paths}");
    let ratio = |of: Path| per_round(results, |round| round.p50(of) / round.p50(Path::Raw));
    let http_adds = |of: Path| per_round(results, |round| round.p50(of) - round.p50(Path::Routed));
    print!(
        "{}",
        Table::of_figures()
            .figure("b/a at p50", &ratio(Path::Routed), 2, "≤ 1.30")
            .figure("c/a at p50", &ratio(Path::Reqwest), 2, "")
            .figure(
                "HTTP adds µs, reqwest: c−b",
                &http_adds(Path::Reqwest),
                1,
                "≤ 150"
            )
            .figure(
                "HTTP adds µs, minimal: d−b",
                &http_adds(Path::Minimal),
                1,
                "≤ 150"
            )
    );
}

/// A minimal keep-alive HTTP/1.1 client, so that (d) shows what the router's HTTP path costs
/// without a general-purpose client library's own work, which (c) includes.
#[derive(Clone)]
struct MinimalHttp {
    address: std::net::SocketAddr,
    idle: Arc<tokio::sync::Mutex<Vec<BufStream<TcpStream>>>>,
}

impl MinimalHttp {
    fn new(address: std::net::SocketAddr) -> Self {
        Self {
            address,
            idle: Arc::default(),
        }
    }

    async fn post_empty_object(&self) -> anyhow::Result<()> {
        let pooled = self.idle.lock().await.pop();
        let mut stream = match pooled {
            Some(stream) => stream,
            None => BufStream::new(TcpStream::connect(self.address).await?),
        };
        let request = format!(
            "POST /api/operations/{OPERATION} HTTP/1.1\r\nHost: bench\r\nX-Api-Key: {API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
        );
        stream.write_all(request.as_bytes()).await?;
        stream.flush().await?;
        let mut length = 0;
        let mut line = String::new();
        loop {
            line.clear();
            stream.read_line(&mut line).await?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse()?;
            }
            anyhow::ensure!(
                !header.starts_with("HTTP/1.1") || header.contains(" 200 "),
                "{header}"
            );
        }
        let mut body = vec![0_u8; length];
        stream.read_exact(&mut body).await?;
        self.idle.lock().await.push(stream);
        Ok(())
    }
}
