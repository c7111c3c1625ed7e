//! `spawn_app()`: a nats-server, the sandbox, and the metadata module wired to both;
//! typed helpers to download a catalog file and to call the module over NATS.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, NatsSettings, RequestError};
use soulspot_contracts::{FileRef, HealthReport, subjects};
use soulspot_metadata::{Application, MetadataSettings};
use soulspot_runtime::Validate;
use soulspot_sandbox::{Sandbox, SandboxConfig};
use tempfile::TempDir;

/// Every request and every wait gives up after this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The module's MusicBrainz gate, and the sandbox's limit (503 when closer).
const RATE_INTERVAL: Duration = Duration::from_millis(200);

pub struct TestApp {
    /// Serving for the test's duration.
    _module: Application,
    /// Kept for the test's duration: dropping it kills the server.
    _nats: NatsServer,
    pub sandbox: Sandbox,
    pub client: async_nats::Client,
    http: reqwest::Client,
    scratch: TempDir,
}

/// A service error as the caller sees it.
#[derive(Debug)]
pub struct CallError {
    pub code: u16,
    pub message: String,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`]; `adjust` may change the module's settings before it starts.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut MetadataSettings)) -> TestApp {
    let nats = NatsServer::start().unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let mut sandbox_config = SandboxConfig::fast(scratch.path().join("downloads")).unwrap();
    sandbox_config.timing.musicbrainz_min_interval = Some(RATE_INTERVAL);
    let sandbox = Sandbox::start(sandbox_config).await.unwrap();

    let mut settings = MetadataSettings::default();
    settings.service.nats.url = nats.url();
    settings.service.http.bind = "127.0.0.1:0".to_owned();
    settings.musicbrainz.url = sandbox.urls().musicbrainz.clone();
    settings.musicbrainz.contact = "tests@soulspot.invalid".to_owned();
    settings.musicbrainz.rate_limit_interval_ms = RATE_INTERVAL.as_millis() as u64;
    settings.musicbrainz.request_timeout_ms = 2_000;
    settings.coverart.url = sandbox.urls().coverartarchive.clone();
    settings.tagging.downloads_dir = sandbox.downloads_dir().to_owned();
    adjust(&mut settings);

    settings.validate().unwrap();
    let module = Application::build(settings).await.unwrap();
    let nats_settings = NatsSettings {
        url: nats.url(),
        ..NatsSettings::default()
    };
    let client = soulspot_bus::connect(&nats_settings, "test").await.unwrap();
    TestApp {
        _module: module,
        _nats: nats,
        sandbox,
        client,
        http: reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap(),
        scratch,
    }
}

impl TestApp {
    pub fn downloads_dir(&self) -> &Path {
        self.sandbox.downloads_dir()
    }

    pub fn file_ref(&self, path: PathBuf) -> FileRef {
        let size = std::fs::metadata(&path).map_or(0, |metadata| metadata.len());
        let format = path
            .extension()
            .map_or_else(String::new, |ext| ext.to_string_lossy().into_owned());
        FileRef {
            file_id: "0192b3c4-0000-7000-8000-00000000f001".to_owned(),
            path: path.to_string_lossy().into_owned(),
            size,
            format,
            checksum: None,
        }
    }

    /// A real file next to, but outside, the downloads directory.
    pub fn outside_file(&self) -> FileRef {
        let path = self.scratch.path().join("secret.flac");
        std::fs::write(&path, b"not yours").unwrap();
        self.file_ref(path)
    }

    /// Downloads `filename` from `username` through the slskd emulator and waits for the file.
    pub async fn download(&self, username: &str, filename: &str) -> FileRef {
        let slskd = &self.sandbox.urls().slskd;
        let enqueued: Value = self
            .http
            .post(format!("{slskd}/api/v0/transfers/downloads/{username}"))
            .header("X-API-Key", self.sandbox.slskd_api_key())
            .json(&json!([{ "filename": filename, "size": 1 }]))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = enqueued["enqueued"][0]["id"].as_str().unwrap().to_owned();
        let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
        loop {
            let transfer: Value = self
                .http
                .get(format!(
                    "{slskd}/api/v0/transfers/downloads/{username}/{id}"
                ))
                .header("X-API-Key", self.sandbox.slskd_api_key())
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let state = transfer["state"].as_str().unwrap_or_default();
            if state.starts_with("Completed") {
                assert_eq!(state, "Completed, Succeeded");
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "download not completed in time"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut components = filename.rsplit('\\');
        let name = components.next().unwrap();
        let directory = components.next().unwrap();
        self.file_ref(self.downloads_dir().join(directory).join(name))
    }

    /// Calls `soulspot.metadata.enrich.metadata`.
    pub async fn enrich(&self, file: &FileRef, track: Value) -> Result<Value, CallError> {
        self.enrich_within(file, track, REQUEST_TIMEOUT)
            .await
            .map_err(|error| match error {
                RequestError::Service { code, message, .. } => CallError { code, message },
                other => panic!("transport failure: {other}"),
            })
    }

    /// Calls `enrich.metadata` with a caller that waits only `timeout`.
    pub async fn enrich_within(
        &self,
        file: &FileRef,
        track: Value,
        timeout: Duration,
    ) -> Result<Value, RequestError> {
        let request = json!({"job_id": "job-1", "file": file, "track": track});
        let subject = subjects::capability("metadata", "enrich.metadata");
        soulspot_bus::request_json(
            &self.client,
            &subject,
            &request,
            &MessageContext::default(),
            timeout,
        )
        .await
    }

    /// Waits until the module has answered an `enrich.metadata` request with `outcome`
    /// (`ok`, `timeout`, ...), as its metrics report.
    pub async fn wait_for_enrich_outcome(&self, outcome: &str) {
        let url = format!("http://{}/metrics", self._module.address());
        let wanted = format!("outcome=\"{outcome}\"");
        let deadline = tokio::time::Instant::now() + REQUEST_TIMEOUT;
        loop {
            let metrics = self
                .http
                .get(&url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let answered = metrics.lines().any(|line| {
                line.starts_with("soulspot_requests_total{")
                    && line.contains("operation=\"enrich.metadata\"")
                    && line.contains(&wanted)
            });
            if answered {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no enrich.metadata answer with outcome {outcome}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn health(&self) -> HealthReport {
        soulspot_bus::request_json(
            &self.client,
            &subjects::health("metadata"),
            &json!({}),
            &MessageContext::default(),
            REQUEST_TIMEOUT,
        )
        .await
        .unwrap()
    }
}
