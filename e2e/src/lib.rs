//! The whole SoulSpot stack in one process: a real nats-server with the shipped accounts, the
//! sandbox emulators, the five modules built from their own crates, and the router, each on its
//! own NATS credentials, wired as `make demo` wires the processes. For end-to-end tests and the
//! pipeline benchmark; modules never depend on this.

pub mod instant;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_contracts::operations::modules;
use soulspot_router::RouterSettings;
use soulspot_runtime::{Application, Secret, ServiceSettings, Validate};
use soulspot_sandbox::{Sandbox, SandboxConfig};
use tokio_util::sync::{CancellationToken, DropGuard};

/// The modules a stack runs; leave one out to see the stack without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
        let service = |module: &str| ServiceSettings {
            nats: nats.settings_for(module),
            ..ServiceSettings::default()
        };
        let stop = CancellationToken::new();
        for module in &options.modules {
            match module {
                Module::Spotify => {
                    let mut settings = soulspot_spotify::SpotifySettings {
                        service: service(modules::SPOTIFY),
                        ..Default::default()
                    };
                    settings.spotify.accounts_url = sandbox.urls().spotify_accounts.clone();
                    settings.spotify.api_url = sandbox.urls().spotify_api.clone();
                    settings.spotify.client_id = "sandbox-client-id".to_owned();
                    settings.spotify.client_secret = Secret::new("sandbox-client-secret");
                    if let Some(budget) = options.spotify_call_budget_ms {
                        settings.spotify.call_budget_ms = budget;
                    }
                    serve::<soulspot_spotify::SpotifyModule>(settings, &stop, &nats).await?;
                }
                Module::Soulseek => {
                    let mut settings = soulspot_soulseek::SoulseekSettings {
                        service: service(modules::SOULSEEK),
                        ..Default::default()
                    };
                    settings.slskd.url = sandbox.urls().slskd.clone();
                    settings.slskd.api_key = Secret::new(sandbox.slskd_api_key());
                    settings.slskd.downloads_dir = downloads.clone();
                    settings.downloads.max_concurrent = options.max_concurrent_jobs;
                    // The catalog's stalled peer is the fastest source of one track: give up
                    // on it quickly and move to the next candidate.
                    settings.downloads.stall_timeout_secs = 3;
                    if options.fast {
                        settings.slskd.busy_retry.base_ms = 5;
                        settings.search.poll_interval_ms = 5;
                        settings.downloads.poll_interval_ms = 5;
                        settings.search.rate_limit_searches = 1_000_000;
                    }
                    serve::<soulspot_soulseek::SoulseekModule>(settings, &stop, &nats).await?;
                }
                Module::Metadata => {
                    let mut settings = soulspot_metadata::MetadataSettings {
                        service: service(modules::METADATA),
                        ..Default::default()
                    };
                    settings.musicbrainz.url = sandbox.urls().musicbrainz.clone();
                    settings.coverart.url = sandbox.urls().coverartarchive.clone();
                    settings.tagging.downloads_dir = downloads.clone();
                    if options.fast {
                        settings.musicbrainz.rate_limit_interval_ms = 1;
                    }
                    serve::<soulspot_metadata::MetadataModule>(settings, &stop, &nats).await?;
                }
                Module::Library => {
                    let mut settings = soulspot_library::LibrarySettings {
                        service: service(modules::LIBRARY),
                        ..Default::default()
                    };
                    settings.library.root = folders.path().join("library");
                    settings.library.downloads_dir = downloads.clone();
                    settings.library.index_path = folders.path().join("library.db");
                    if let Some(limit) = options.library_max_request_bytes {
                        settings.service.limits.max_request_bytes = limit;
                    }
                    serve::<soulspot_library::LibraryModule>(settings, &stop, &nats).await?;
                }
                Module::Notifications => {
                    let channels = match &options.webhook_url {
                        Some(url) => {
                            json!([{"kind": "webhook", "url": url, "secret": "e2e-secret"}])
                        }
                        None => json!([]),
                    };
                    let settings = soulspot_notifications::NotificationsSettings {
                        service: service(modules::NOTIFICATIONS),
                        channels: serde_json::from_value(channels)?,
                        ..Default::default()
                    };
                    serve::<soulspot_notifications::NotificationsModule>(settings, &stop, &nats)
                        .await?;
                }
            }
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
            _stop: stop.drop_guard(),
        };
        stack.wait_for_active(options.modules.len()).await?;
        Ok(stack)
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

/// Checks `settings` as the binary's loader would, builds the module through its
/// `Application` and serves it until `stop` is cancelled.
///
/// A module that fails to start is reported with what the server refused it, if anything.
async fn serve<M>(
    settings: M::Settings,
    stop: &CancellationToken,
    nats: &NatsServer,
) -> anyhow::Result<()>
where
    M: soulspot_runtime::Module,
    M::Settings: Validate,
{
    settings.validate()?;
    let application = Application::<M>::build(settings).await.with_context(|| {
        format!(
            "failed to start the {} module; refused by nats: {:#?}",
            M::NAME,
            nats.permission_violations()
        )
    })?;
    tokio::spawn(application.run_until_stopped(stop.clone().cancelled_owned()));
    Ok(())
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
