//! `spawn_app()`: a router on a random port over its own nats-server, and typed helpers to
//! start provider modules and call the API.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{Durability, EventBus, EventStoreSettings, NatsSettings};
use soulspot_common::RetryPolicy;
use soulspot_router::settings::RoutingSettings;
use soulspot_router::{Application, RouterSettings};
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, ServiceError};

pub const HEALTH_INTERVAL: Duration = Duration::from_millis(500);
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(400);

/// The key the test routers are configured with, unless a test clears it.
pub const TEST_API_KEY: &str = "test-api-key-0123456789abcdef";

pub struct TestApp {
    pub nats: NatsServer,
    pub address: SocketAddr,
    /// Sends the router's API key with every request.
    pub http: reqwest::Client,
    pub api_key: String,
}

/// A client that sends `api_key` in `X-Api-Key` with every request.
pub fn keyed_client(api_key: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-api-key", api_key.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// A nats-server, and helpers aimed at a router that the test starts itself at `address`
/// with `TEST_API_KEY`.
pub fn app_at(nats: NatsServer, address: SocketAddr) -> TestApp {
    TestApp {
        nats,
        address,
        http: keyed_client(TEST_API_KEY),
        api_key: TEST_API_KEY.to_owned(),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A router whose settings `configure` adjusts first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut RouterSettings)) -> TestApp {
    let nats = NatsServer::start().unwrap();
    let mut settings = test_settings();
    settings.service.nats.url = nats.url();
    configure(&mut settings);
    let (address, api_key) = start_router(settings).await;
    TestApp {
        nats,
        address,
        http: keyed_client(&api_key),
        api_key,
    }
}

/// Starts a router with `settings` until the test ends; its address and API key.
pub async fn start_router(settings: RouterSettings) -> (SocketAddr, String) {
    let application = Application::build(settings).await.unwrap();
    let address = application.address();
    let api_key = application.api_key().expose().to_owned();
    tokio::spawn(application.run_until_stopped(std::future::pending()));
    (address, api_key)
}

/// The test routers' settings: quick health polls, short deadlines and retries, a known key.
pub fn test_settings() -> RouterSettings {
    let mut settings = RouterSettings::default();
    settings.service.http.bind = "127.0.0.1:0".to_owned();
    settings.api.max_body_bytes = 8 * 1024;
    settings.api.api_key = soulspot_runtime::Secret::new(TEST_API_KEY);
    settings.pipeline.request_timeout_ms = REQUEST_TIMEOUT.as_millis() as u64;
    for policy in [
        &mut settings.pipeline.request_retry,
        &mut settings.pipeline.download_retry,
        &mut settings.pipeline.step_retry,
    ] {
        policy.base_ms = 20;
    }
    settings.pipeline.download_timeout_ms = 10_000;
    settings.router = RoutingSettings {
        health_interval_ms: HEALTH_INTERVAL.as_millis() as u64,
        discovery_window_ms: 100,
        request_timeout_ms: REQUEST_TIMEOUT.as_millis() as u64,
        retry: RetryPolicy {
            base_ms: 20,
            factor: 2,
            max_delay_ms: 100,
            max_attempts: 2,
            jitter_percent: 0,
        },
    };
    settings
}

/// How a test provider answers `search.track`.
#[derive(Clone, Copy)]
pub enum Behaviour {
    /// A track titled after the module.
    Answer,
    /// 422: the query is refused as bad input.
    Refuse,
    /// 500: the provider is broken.
    Fail,
    /// Never answers within the router's deadline.
    Hang,
    /// 429: at capacity, every time.
    Busy,
    /// 429 on the first call, a track titled after the module after that.
    BusyOnce,
    /// 429, asking to be left alone for a minute.
    BusyForAMinute,
}

pub struct Provider {
    pub module: RunningModule,
    pub calls: Arc<AtomicUsize>,
}

impl Provider {
    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// Dies without announcing it: the connection closes, nothing answers any more.
    pub async fn crash(self) {
        let client = self.module.client().clone();
        drop(self.module);
        client.drain().await.unwrap();
    }
}

impl TestApp {
    pub async fn nats_client(&self) -> async_nats::Client {
        let settings = NatsSettings {
            url: self.nats.url(),
            ..NatsSettings::default()
        };
        soulspot_bus::connect(&settings, "test").await.unwrap()
    }

    pub async fn event_bus(&self) -> EventBus {
        EventBus::new(
            self.nats_client().await,
            "soulseek",
            &EventStoreSettings::default(),
            Durability::default(),
        )
        .await
        .unwrap()
    }

    /// Starts a `search.track` provider named `module` at `priority`.
    pub async fn start_search_provider(
        &self,
        module: &'static str,
        priority: u32,
        behaviour: Behaviour,
        required: &[&str],
    ) -> Provider {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = calls.clone();
        let capability =
            Capability::new("search.track", priority, move |_: CallContext, _: Value| {
                let counted = counted.clone();
                async move {
                    let call = counted.fetch_add(1, Ordering::SeqCst);
                    match behaviour {
                        Behaviour::Answer => {
                            Ok(json!({"tracks": [{"title": module, "artist": "test"}]}))
                        }
                        Behaviour::Refuse => Err(ServiceError::with_code(422, "query too vague")),
                        Behaviour::Fail => Err(ServiceError::internal("index corrupted")),
                        Behaviour::Hang => {
                            tokio::time::sleep(REQUEST_TIMEOUT * 10).await;
                            Ok(json!({"tracks": []}))
                        }
                        Behaviour::Busy => Err(ServiceError::busy("too many searches", None)),
                        Behaviour::BusyOnce if call == 0 => {
                            Err(ServiceError::busy("too many searches", None))
                        }
                        Behaviour::BusyOnce => {
                            Ok(json!({"tracks": [{"title": module, "artist": "test"}]}))
                        }
                        Behaviour::BusyForAMinute => Err(ServiceError::busy(
                            "rate limited",
                            Some(Duration::from_secs(60)),
                        )),
                    }
                }
            })
            .requires(required);
        let module = ModuleBuilder::new(module, "0.1.0")
            .capability(capability)
            .start(self.nats_client().await)
            .await
            .unwrap();
        Provider { module, calls }
    }

    /// A module with some other capability, to satisfy `required_modules`.
    pub async fn start_plain_module(&self, module: &str) -> RunningModule {
        let capability = Capability::new("library.stats", 1, |_: CallContext, _: Value| async {
            Ok::<_, ServiceError>(json!({"tracks": 0, "artists": 0, "albums": 0, "total_bytes": 0}))
        });
        ModuleBuilder::new(module, "0.1.0")
            .capability(capability)
            .start(self.nats_client().await)
            .await
            .unwrap()
    }

    pub async fn post_operation(
        &self,
        operation: &str,
        body: impl Into<reqwest::Body>,
    ) -> (u16, Value) {
        let response = self
            .http
            .post(format!(
                "http://{}/api/operations/{operation}",
                self.address
            ))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Searches and returns the title of the first track, i.e. which provider answered.
    pub async fn search(&self) -> String {
        let (status, body) = self
            .post_operation("search.track", r#"{"query": "teardrop"}"#)
            .await;
        assert_eq!(status, 200, "{body}");
        body["tracks"][0]["title"].as_str().unwrap().to_owned()
    }

    pub async fn post(&self, path: &str, body: String) -> (u16, Value) {
        let response = self
            .http
            .post(format!("http://{}{path}", self.address))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Submits a download and returns its job id.
    pub async fn post_download(&self, body: Value) -> String {
        let (status, reply) = self.post("/api/downloads", body.to_string()).await;
        assert_eq!(status, 202, "{reply}");
        reply["job_id"].as_str().unwrap().to_owned()
    }

    /// Waits until the job is completed or failed, its final event stored, and returns it.
    pub async fn wait_for_job(&self, job_id: &str, limit: Duration) -> Value {
        let started = Instant::now();
        loop {
            let (_, job) = self.get(&format!("/api/jobs/{job_id}")).await;
            if is_finished(&job) {
                return job;
            }
            assert!(
                started.elapsed() < limit,
                "job {job_id} not finished within {limit:?}: {job}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("http://{}{path}", self.address))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn module_status(&self, module: &str) -> String {
        let (_, status) = self.get("/api/modules/status").await;
        status["modules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|entry| entry["name"] == module)
            .map_or_else(
                || "unknown".to_owned(),
                |entry| entry["status"].as_str().unwrap().to_owned(),
            )
    }

    /// Waits until `module` shows `status`; returns how long it took, or panics after `limit`.
    pub async fn wait_for_status(&self, module: &str, status: &str, limit: Duration) -> Duration {
        let started = Instant::now();
        loop {
            if self.module_status(module).await == status {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < limit,
                "{module} not {status} within {limit:?} (is {})",
                self.module_status(module).await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Events at `level` or above logged while installed (thread-local: use a current-thread
/// runtime).
#[derive(Clone)]
pub struct CapturedLogs {
    level: tracing::Level,
    events: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
}

/// Warnings and errors.
impl Default for CapturedLogs {
    fn default() -> Self {
        Self::at_least(tracing::Level::WARN)
    }
}

impl CapturedLogs {
    pub fn at_least(level: tracing::Level) -> Self {
        Self {
            level,
            events: Arc::default(),
        }
    }

    pub fn with_message(&self, message: &str) -> Vec<BTreeMap<String, String>> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|fields| fields.get("message").map(String::as_str) == Some(message))
            .cloned()
            .collect()
    }

    /// Every field of every captured event, as one text to search.
    pub fn text(&self) -> String {
        format!("{:?}", self.events.lock().unwrap())
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for CapturedLogs {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        // Levels order by verbosity: ERROR is the smallest.
        if *event.metadata().level() > self.level {
            return;
        }
        let mut fields = FieldMap::default();
        event.record(&mut fields);
        self.events.lock().unwrap().push(fields.0);
    }
}

#[derive(Default)]
struct FieldMap(BTreeMap<String, String>);

impl tracing::field::Visit for FieldMap {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

/// Whether the router's JSON of a job shows it settled (see `Job::is_finished_and_announced`).
fn is_finished(job: &Value) -> bool {
    serde_json::from_value::<soulspot_router::pipeline::Job>(job.clone())
        .is_ok_and(|job| job.is_finished_and_announced())
}
