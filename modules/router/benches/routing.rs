//! Routing overhead on a real nats-server: latency percentiles and throughput of
//! (a) a raw NATS request to a no-op capability, (b) `Router::route` to it, and
//! (c) `POST /api/operations/…` over HTTP to it. Run with `make bench`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, NatsSettings};
use soulspot_router::{Application, RouterSettings};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, ServiceError};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufStream};
use tokio::net::TcpStream;

const WARMUP: usize = 1_000;
const SEQUENTIAL: usize = 10_000;
const CONCURRENT: usize = 20_000;
const IN_FLIGHT: usize = 32;
const OPERATION: &str = "library.stats";
const SUBJECT: &str = "soulspot.bench.library.stats";

struct Figures {
    p50_us: f64,
    p99_us: f64,
    sequential_rps: f64,
    concurrent_rps: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let server = NatsServer::start()?;
    let nats = NatsSettings {
        url: server.url(),
        ..NatsSettings::default()
    };
    let noop = Capability::new(OPERATION, 1, |_: CallContext, _: Value| async {
        Ok::<_, ServiceError>(json!({"tracks": 0, "artists": 0, "albums": 0, "total_bytes": 0}))
    });
    let _module = ModuleBuilder::new("bench", "0.1.0")
        .capability(noop)
        .start(soulspot_bus::connect(&nats, "bench-module").await?)
        .await?;
    let mut settings = RouterSettings::default();
    settings.service.nats = nats.clone();
    settings.router.health_interval_ms = 1_000;
    let application = Application::build(settings).await?;
    let router = application.router();
    let application_address = application.address();
    let url = format!("http://{application_address}/api/operations/{OPERATION}");
    tokio::spawn(application.run_until_stopped(std::future::pending()));
    while router.registry().candidates(OPERATION).is_empty() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let client = soulspot_bus::connect(&nats, "bench-caller").await?;
    let http = reqwest::Client::new();

    let raw = measure(move || {
        let client = client.clone();
        async move {
            client
                .request(SUBJECT, "{}".into())
                .await
                .map(drop)
                .map_err(anyhow::Error::from)
        }
    })
    .await?;
    let routed = measure(move || {
        let router = router.clone();
        async move {
            router
                .route(OPERATION, &json!({}), &MessageContext::default())
                .await
                .map(drop)
                .map_err(anyhow::Error::from)
        }
    })
    .await?;
    let raw_http = RawHttp::new(application_address);
    let minimal_client = measure(move || {
        let client = raw_http.clone();
        async move { client.post_empty_object().await }
    })
    .await?;
    let over_http = measure(move || {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let response = http.post(&url).body("{}").send().await?;
            anyhow::ensure!(
                response.status().is_success(),
                "status {}",
                response.status()
            );
            response.bytes().await?;
            Ok(())
        }
    })
    .await?;

    println!(
        "{:<28} {:>9} {:>9} {:>12} {:>12}",
        "path", "p50 µs", "p99 µs", "seq req/s", "conc req/s"
    );
    for (name, figures) in [
        ("(a) raw nats request", &raw),
        ("(b) route()", &routed),
        ("(c) POST /api/operations", &over_http),
        ("(d) same, minimal client", &minimal_client),
    ] {
        println!(
            "{name:<28} {:>9.1} {:>9.1} {:>12.0} {:>12.0}",
            figures.p50_us, figures.p99_us, figures.sequential_rps, figures.concurrent_rps
        );
    }
    println!(
        "b/a at p50: {:.2} (target ≤ 1.30)",
        routed.p50_us / raw.p50_us
    );
    println!("c/a at p50: {:.2}", over_http.p50_us / raw.p50_us);
    println!(
        "HTTP adds {:.1} µs at p50 over route() with reqwest as the client, {:.1} µs with the minimal client (target ≤ 150)",
        over_http.p50_us - routed.p50_us,
        minimal_client.p50_us - routed.p50_us
    );
    Ok(())
}

/// Latency of `SEQUENTIAL` calls one after another, then throughput with `IN_FLIGHT` at once.
async fn measure<F, Fut>(call: F) -> anyhow::Result<Figures>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
{
    for _ in 0..WARMUP {
        call().await?;
    }
    let mut histogram = Histogram::<u64>::new(3)?;
    let started = Instant::now();
    for _ in 0..SEQUENTIAL {
        let one = Instant::now();
        call().await?;
        histogram.record(one.elapsed().as_nanos() as u64)?;
    }
    let sequential_rps = SEQUENTIAL as f64 / started.elapsed().as_secs_f64();

    let call = Arc::new(call);
    let started = Instant::now();
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let call = call.clone();
            tokio::spawn(async move {
                for _ in 0..CONCURRENT / IN_FLIGHT {
                    call().await?;
                }
                anyhow::Ok(())
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    let concurrent_rps = CONCURRENT as f64 / started.elapsed().as_secs_f64();
    Ok(Figures {
        p50_us: histogram.value_at_quantile(0.5) as f64 / 1_000.0,
        p99_us: histogram.value_at_quantile(0.99) as f64 / 1_000.0,
        sequential_rps,
        concurrent_rps,
    })
}

/// A minimal keep-alive HTTP/1.1 client, so that (d) shows what the router's HTTP path costs
/// without a general-purpose client library's own work, which (c) includes.
#[derive(Clone)]
struct RawHttp {
    address: std::net::SocketAddr,
    idle: Arc<tokio::sync::Mutex<Vec<BufStream<TcpStream>>>>,
}

impl RawHttp {
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
            "POST /api/operations/{OPERATION} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
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
