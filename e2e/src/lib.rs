//! The whole SoulSpot stack in one process: a real nats-server with the shipped accounts, the
//! sandbox emulators, the five modules built from their own crates, and the router, each on its
//! own NATS credentials, wired as `make demo` wires the processes. For end-to-end tests and the
//! pipeline benchmark; modules never depend on this.

pub mod instant;
mod launch;

use launch::{Launcher, Running};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;
use soulspot_bus::testing::NatsServer;
use soulspot_contracts::operations::modules;
use soulspot_router::RouterSettings;
use soulspot_runtime::Secret;
use soulspot_sandbox::{Sandbox, SandboxConfig};
use tokio_util::sync::{CancellationToken, DropGuard};

/// The modules a stack runs; leave one out to see the stack without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Module {
    Spotify,
    Soulseek,
    Metadata,
    Library,
    Notifications,
}

pub const ALL_MODULES: [Module; 5] = [
    Module::Spotify,
    Module::Soulseek,
    Module::Metadata,
    Module::Library,
    Module::Notifications,
];

#[derive(Debug, Clone)]
pub struct StackOptions {
    /// No artificial delays in the emulators (benchmarks).
    pub fast: bool,
    pub modules: Vec<Module>,
    /// Where notifications deliver (a webhook); none configured when `None`.
    pub webhook_url: Option<String>,
    pub max_concurrent_jobs: usize,
    /// The sandbox's catalog; the shipped one when `None`.
    pub catalog: Option<soulspot_sandbox::Catalog>,
    /// The library module's `[limits] max_request_bytes`; its default when `None`.
    pub library_max_request_bytes: Option<usize>,
    /// The spotify module's `call_budget_ms` (a long playlist is many pages); its default
    /// when `None`.
    pub spotify_call_budget_ms: Option<u64>,
    /// The router's `[pipeline] watch_min_interval_ms` and `watch_check_ms` (watched
    /// playlists); its defaults when `None`.
    pub watch_timing_ms: Option<(u64, u64)>,
}

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            fast: false,
            modules: ALL_MODULES.to_vec(),
            webhook_url: None,
            max_concurrent_jobs: 32,
            catalog: None,
            library_max_request_bytes: None,
            spotify_call_budget_ms: None,
            watch_timing_ms: None,
        }
    }
}

/// An HTTP client that sends `api_key` in `X-Api-Key` with every request, as every caller
/// of the router's API must.
pub fn keyed_client(api_key: &Secret) -> anyhow::Result<reqwest::Client> {
    let mut key = reqwest::header::HeaderValue::from_str(api_key.expose())
        .context("the api key is not a valid header value")?;
    key.set_sensitive(true);
    let headers = reqwest::header::HeaderMap::from_iter([(
        reqwest::header::HeaderName::from_static("x-api-key"),
        key,
    )]);
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .build()?)
}

/// A running stack; everything stops when it is dropped.
pub struct Stack {
    pub nats: NatsServer,
    pub sandbox: Sandbox,
    pub router_address: SocketAddr,
    /// The router's API key (generated into the stack's folder at start).
    pub api_key: Secret,
    /// Sends the API key with every request.
    pub http: reqwest::Client,
    folders: tempfile::TempDir,
    /// The modules serving now, each with its own stop.
    running: Mutex<HashMap<Module, Running>>,
    stop: CancellationToken,
    options: StackOptions,
    /// Stops the router and every module (each drains as its binary would on SIGTERM).
    _stop: DropGuard,
}

impl std::fmt::Debug for Stack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stack")
            .field("router_address", &self.router_address)
            .finish()
    }
}

impl Stack {
    pub async fn start(options: StackOptions) -> anyhow::Result<Self> {
        let nats = NatsServer::start_with_accounts().context("failed to start nats-server")?;
        let folders = tempfile::tempdir()?;
        let downloads = folders.path().join("downloads");
        let mut config = if options.fast {
            SandboxConfig::fast(&downloads)?
        } else {
            SandboxConfig::new(&downloads)?
        };
        if let Some(catalog) = &options.catalog {
            config.catalog = catalog.clone();
        }
        let sandbox = Sandbox::start(config).await?;
        let stop = CancellationToken::new();
        let launcher = Launcher {
            nats: &nats,
            sandbox: &sandbox,
            folders: folders.path(),
            options: &options,
            stop: &stop,
        };
        let mut running = HashMap::new();
        for module in &options.modules {
            running.insert(*module, launcher.start(*module).await?);
        }
        let mut settings = RouterSettings::default();
        settings.service.nats = nats.settings_for(modules::ROUTER);
        settings.router.health_interval_ms = 1_000;
        settings.pipeline.max_concurrent_jobs = options.max_concurrent_jobs;
        if let Some((min_interval_ms, check_ms)) = options.watch_timing_ms {
            settings.pipeline.watch_min_interval_ms = min_interval_ms;
            settings.pipeline.watch_check_ms = check_ms;
        }
        // No key configured: the router generates one at first start, as it does for a user.
        settings.api.key_file = folders.path().join("router").join("api_key");
        let router = soulspot_router::Application::build(settings)
            .await
            .with_context(|| {
                format!(
                    "failed to start the router; refused by nats: {:#?}",
                    nats.permission_violations()
                )
            })?;
        let router_address = router.address();
        let api_key = router.api_key().clone();
        tokio::spawn(router.run_until_stopped(stop.clone().cancelled_owned()));
        let stack = Self {
            nats,
            sandbox,
            router_address,
            http: keyed_client(&api_key)?,
            api_key,
            folders,
            running: Mutex::new(running),
            stop: stop.clone(),
            options,
            _stop: stop.drop_guard(),
        };
        stack.wait_for_active(stack.options.modules.len()).await?;
        Ok(stack)
    }

    /// Stops one module as its binary stops on SIGTERM (it announces its stop and drains);
    /// returns once it has stopped. Stopping a module that is not running does nothing.
    pub async fn stop_module(&self, module: Module) -> anyhow::Result<()> {
        let running = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&module);
        match running {
            Some(running) => running.stop().await,
            None => Ok(()),
        }
    }

    /// Starts a module stopped by [`Stack::stop_module`] again, with the same settings.
    pub async fn start_module(&self, module: Module) -> anyhow::Result<()> {
        let launcher = Launcher {
            nats: &self.nats,
            sandbox: &self.sandbox,
            folders: self.folders.path(),
            options: &self.options,
            stop: &self.stop,
        };
        let started = launcher.start(module).await?;
        let previous = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(module, started);
        match previous {
            Some(previous) => previous.stop().await,
            None => Ok(()),
        }
    }

    pub fn library_root(&self) -> PathBuf {
        self.folders.path().join("library")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.router_address)
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<Value> {
        Ok(self.http.get(self.url(path)).send().await?.json().await?)
    }

    /// Submits a download (`{"query": …}` or `{"track": …}`) and returns the job id.
    pub async fn submit(&self, body: &Value) -> anyhow::Result<String> {
        let reply: Value = self
            .http
            .post(self.url("/api/downloads"))
            .json(body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        reply["job_id"]
            .as_str()
            .map(str::to_owned)
            .context("no job id in the reply")
    }

    /// Waits until the job is completed or failed, its final event stored, and returns it.
    pub async fn wait_for_job(&self, job_id: &str, limit: Duration) -> anyhow::Result<Value> {
        let started = Instant::now();
        loop {
            let job = self.get(&format!("/api/jobs/{job_id}")).await?;
            if is_finished(&job) {
                return Ok(job);
            }
            anyhow::ensure!(
                started.elapsed() < limit,
                "job {job_id} unfinished after {limit:?}: {job}; refused by nats: {:#?}",
                self.nats.permission_violations()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn wait_for_active(&self, modules: usize) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            let status = self.get("/api/modules/status").await?;
            let active = status["active"].as_array().map_or(0, Vec::len);
            if active >= modules {
                return Ok(());
            }
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(20),
                "modules not active: {status}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// The path relative to `root`, for readable assertions.
pub fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Whether the router's JSON of a job shows it settled (see `Job::is_finished_and_announced`).
fn is_finished(job: &Value) -> bool {
    serde_json::from_value::<soulspot_router::pipeline::Job>(job.clone())
        .is_ok_and(|job| job.is_finished_and_announced())
}
