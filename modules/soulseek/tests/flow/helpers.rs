//! `spawn_app()`: the soulseek module over its own nats-server, pointed at a sandbox slskd,
//! with typed helpers to request downloads and follow their events.

use std::time::Duration;

use futures::StreamExt;
use serde_json::{Value, json};
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, RequestError, request_json};
use soulspot_contracts::operations::DOWNLOAD_TRACK;
use soulspot_contracts::{EventEnvelope, HealthReport, subjects};
use soulspot_runtime::{Secret, Validate};
use soulspot_sandbox::{Catalog, Sandbox, SandboxConfig};
use soulspot_soulseek::{Application, DownloadTrackReply, MODULE, SoulseekSettings};
use tempfile::TempDir;

/// Every request and every wait for an event gives up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct TestApp {
    pub client: async_nats::Client,
    pub sandbox: Sandbox,
    events: async_nats::Subscriber,
    /// Kept alive (serving) for the test's duration.
    _module: Application,
    _nats: NatsServer,
    /// Kept alive for the test's duration.
    pub scratch: TempDir,
}

/// The module with test-sized timings against a sandbox with short transfers.
pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Like `spawn_app`, with the module's settings adjusted by `adjust`.
pub async fn spawn_with(adjust: impl FnOnce(&mut SoulseekSettings)) -> TestApp {
    spawn_custom(adjust, |_| {}).await
}

/// Like `spawn_with`, with the sandbox's catalog adjusted by `catalog` too.
pub async fn spawn_custom(
    adjust: impl FnOnce(&mut SoulseekSettings),
    catalog: impl FnOnce(&mut Catalog),
) -> TestApp {
    let scratch = tempfile::tempdir().unwrap();
    let mut config = sandbox_config(&scratch, 0);
    catalog(&mut config.catalog);
    let sandbox = Sandbox::start(config).await.unwrap();
    let nats = NatsServer::start().unwrap();
    let mut settings = SoulseekSettings::default();
    settings.service.nats.url = nats.url();
    settings.slskd.url = sandbox.urls().slskd.clone();
    settings.slskd.api_key = Secret::new(sandbox.slskd_api_key());
    settings.slskd.downloads_dir = sandbox.downloads_dir().to_owned();
    settings.slskd.busy_retry.base_ms = 20;
    settings.search.timeout_ms = 2_000;
    settings.search.poll_interval_ms = 20;
    settings.downloads.poll_interval_ms = 20;
    settings.downloads.stall_timeout_secs = 1;
    settings.downloads.progress_interval_ms = 2_000;
    adjust(&mut settings);
    settings.validate().unwrap();
    let client = soulspot_bus::connect(&settings.service.nats, "soulseek-test")
        .await
        .unwrap();
    let events = client
        .subscribe(subjects::event(MODULE, ">"))
        .await
        .unwrap();
    let module = Application::build(settings).await.unwrap();
    TestApp {
        client,
        sandbox,
        events,
        _module: module,
        _nats: nats,
        scratch,
    }
}

/// A sandbox with transfers of 300 ms in 6 steps (so progress is visible), writing into
/// `scratch/downloads`, its slskd on `slskd_port` (0: any free port).
pub async fn start_sandbox(scratch: &TempDir, slskd_port: u16) -> Sandbox {
    Sandbox::start(sandbox_config(scratch, slskd_port))
        .await
        .unwrap()
}

fn sandbox_config(scratch: &TempDir, slskd_port: u16) -> SandboxConfig {
    let mut config = SandboxConfig::fast(scratch.path().join("downloads")).unwrap();
    config.audio_duration = Duration::from_millis(1500);
    config.timing.transfer_duration = Duration::from_millis(300);
    config.timing.progress_steps = 6;
    config.ports.slskd = slskd_port;
    config
}

/// The usernames with a transfer in the sandbox slskd's list (cancelled ones are removed).
pub async fn users_with_transfers(app: &TestApp) -> Vec<String> {
    let url = format!("{}/api/v0/transfers/downloads", app.sandbox.urls().slskd);
    let listing: Value = reqwest::Client::new()
        .get(url)
        .header("X-API-Key", app.sandbox.slskd_api_key())
        .timeout(TIMEOUT)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    listing
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["username"].as_str().unwrap().to_owned())
        .collect()
}

/// A catalog track as a `download.track` request would carry it.
pub fn track(title: &str, artist: &str, duration_ms: u64) -> Value {
    json!({"title": title, "artist": artist, "duration_ms": duration_ms})
}

impl TestApp {
    /// Requests a download; returns the download id from the immediate reply.
    pub async fn download(&self, track: Value, job_id: &str) -> String {
        let reply: DownloadTrackReply = self.request_download(track, job_id).await.unwrap();
        reply.download_id
    }

    pub async fn request_download(
        &self,
        track: Value,
        job_id: &str,
    ) -> Result<DownloadTrackReply, RequestError> {
        request_json(
            &self.client,
            &subjects::capability(MODULE, DOWNLOAD_TRACK),
            &json!({"track": track, "job_id": job_id}),
            &MessageContext::new_root(None),
            TIMEOUT,
        )
        .await
    }

    pub async fn health(&self) -> HealthReport {
        request_json(
            &self.client,
            &subjects::health(MODULE),
            &json!({}),
            &MessageContext::new_root(None),
            TIMEOUT,
        )
        .await
        .unwrap()
    }

    /// Every event of `download_id`, in publish order, up to its `completed` or `failed`.
    pub async fn events_until_done(&mut self, download_id: &str) -> Vec<EventEnvelope> {
        self.events_until_all_done(&[download_id]).await
    }

    /// Every event of these downloads, in publish order, until each has finished (within
    /// `TIMEOUT` in all: progress events of a download that never ends do not extend it).
    pub async fn events_until_all_done(&mut self, download_ids: &[&str]) -> Vec<EventEnvelope> {
        let mut seen: Vec<EventEnvelope> = Vec::new();
        let mut unfinished = download_ids.len();
        let deadline = tokio::time::Instant::now() + TIMEOUT;
        while unfinished > 0 {
            let message = tokio::time::timeout_at(deadline, self.events.next())
                .await
                .expect("no terminal event in time")
                .expect("event subscription closed");
            let event: EventEnvelope = serde_json::from_slice(&message.payload).unwrap();
            if !download_ids
                .iter()
                .any(|id| event.data["download_id"] == *id)
            {
                continue;
            }
            if is_terminal(&event) {
                unfinished -= 1;
            }
            seen.push(event);
        }
        seen
    }

    /// Stops the sandbox's emulators (slskd among them); returns slskd's port for a restart.
    /// The sandbox field holds a fresh, unused sandbox meanwhile.
    pub async fn stop_sandbox(&mut self, spare: &TempDir) -> u16 {
        let port = self.slskd_port();
        let stopped = std::mem::replace(&mut self.sandbox, start_sandbox(spare, 0).await);
        tokio::time::timeout(TIMEOUT, stopped.shutdown())
            .await
            .expect("sandbox did not stop in time");
        port
    }

    /// Starts the sandbox again with slskd on `port`, where the module expects it.
    pub async fn restart_sandbox(&mut self, port: u16) {
        self.sandbox = start_sandbox(&self.scratch, port).await;
    }

    fn slskd_port(&self) -> u16 {
        let url = &self.sandbox.urls().slskd;
        url.rsplit(':').next().unwrap().parse().unwrap()
    }
}

pub fn is_terminal(event: &EventEnvelope) -> bool {
    matches!(
        event.event_type.as_str(),
        "download.completed" | "download.failed"
    )
}

pub fn types(events: &[EventEnvelope]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event.event_type.as_str())
        .collect()
}

/// The peers the download was started with, in order.
pub fn started_users(events: &[EventEnvelope]) -> Vec<String> {
    events
        .iter()
        .filter(|event| event.event_type == "download.started")
        .map(|event| {
            event.data["username"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// Waits until the module's health report satisfies `wanted`.
pub async fn wait_for_health(
    app: &TestApp,
    wanted: impl Fn(&HealthReport) -> bool,
) -> HealthReport {
    let deadline = tokio::time::Instant::now() + TIMEOUT;
    loop {
        let report = app.health().await;
        if wanted(&report) {
            return report;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "health never reached the wanted state; last: {report:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
