//! `spawn_app()`: a real nats-server, the sandbox's Spotify, and the spotify module wired to
//! both, with typed helpers that go through NATS as the router would.

use std::future::Future;
use std::time::Duration;

use async_nats::Client;
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{EventBus, EventPublisher, MessageContext, RequestError, request_json};
use soulspot_contracts::operations::{HEALTH, PLAYLIST_TRACKS, SEARCH_TRACK};
use soulspot_contracts::payloads::{
    DownloadCompletedForSource, HealthRequest, PlaylistTracksReply, PlaylistTracksRequest,
    SearchTrackReply, SearchTrackRequest,
};
use soulspot_contracts::subjects;
use soulspot_contracts::{FileRef, HealthReport, TrackRef};
use soulspot_runtime::{RunningModule, Secret};
use soulspot_sandbox::{Sandbox, SandboxConfig};
use soulspot_spotify::{SpotifyModule, SpotifySettings};
use tempfile::TempDir;

/// Every request and every wait gives up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The sandbox's five-track playlist.
pub const DEMO_PLAYLIST: &str = "sandboxdemo00000000000";
/// Its first track, "Glass Harbour" by Aurora Lane.
pub const GLASS_HARBOUR: &str = "WDAD8c1xS4i78ePMqpycRa";
/// Its second track.
pub const SECOND_DEMO_TRACK: &str = "sUgmdLxET06pz4ohKiqMxo";

pub struct TestApp {
    pub sandbox: Sandbox,
    pub client: Client,
    /// Publishes events in the router's name.
    pub router_bus: EventBus,
    _module: RunningModule,
    _subscription: soulspot_bus::Subscription,
    _downloads: TempDir,
    _nats: NatsServer,
}

/// Options of `spawn_app_with`.
pub struct Options {
    pub dev_mode: bool,
    pub client_secret: &'static str,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            dev_mode: false,
            client_secret: "sandbox-client-secret",
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Options::default()).await
}

pub async fn spawn_app_with(options: Options) -> TestApp {
    let nats = NatsServer::start().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let mut config = SandboxConfig::fast(downloads.path()).unwrap();
    config.spotify_dev_mode = options.dev_mode;
    let sandbox = Sandbox::start(config).await.unwrap();
    let mut settings = SpotifySettings::default();
    settings.service.nats.url = nats.url();
    settings.spotify.accounts_url = sandbox.urls().spotify_accounts.clone();
    settings.spotify.api_url = sandbox.urls().spotify_api.clone();
    settings.spotify.client_id = "sandbox-client-id".to_owned();
    settings.spotify.client_secret = Secret::new(options.client_secret);
    settings.validate().unwrap();
    let client = soulspot_bus::connect(&settings.service.nats, "spotify-test")
        .await
        .unwrap();
    let SpotifyModule {
        builder,
        downloads_subscription,
    } = soulspot_spotify::build(&settings, client.clone())
        .await
        .unwrap();
    let module = builder.start(client.clone()).await.unwrap();
    let router_bus = EventBus::new(client.clone(), "router", &settings.service.events)
        .await
        .unwrap();
    TestApp {
        sandbox,
        client,
        router_bus,
        _module: module,
        _subscription: downloads_subscription,
        _downloads: downloads,
        _nats: nats,
    }
}

impl TestApp {
    pub async fn search(
        &self,
        query: &str,
        limit: Option<u32>,
    ) -> Result<SearchTrackReply, RequestError> {
        let request = SearchTrackRequest {
            query: query.to_owned(),
            limit,
        };
        self.request(SEARCH_TRACK, &request).await
    }

    pub async fn playlist(&self, reference: &str) -> Result<PlaylistTracksReply, RequestError> {
        let request = PlaylistTracksRequest {
            playlist: reference.to_owned(),
        };
        self.request(PLAYLIST_TRACKS, &request).await
    }

    pub async fn health(&self) -> HealthReport {
        self.request(HEALTH, &HealthRequest::default())
            .await
            .unwrap()
    }

    /// Publishes `download.completed.for_source` as the router does after a download.
    pub async fn publish_completed(&self, source: &str, source_ref: &str, spotify_id: &str) {
        let completed = DownloadCompletedForSource {
            job_id: format!("job-{spotify_id}"),
            source: source.to_owned(),
            source_ref: Some(source_ref.to_owned()),
            track: TrackRef {
                spotify_id: Some(spotify_id.to_owned()),
                title: "Glass Harbour".to_owned(),
                artist: "Aurora Lane".to_owned(),
                ..TrackRef::default()
            },
            file: FileRef {
                file_id: "f-1".to_owned(),
                path: "/downloads/x.flac".to_owned(),
                size: 1,
                format: "flac".to_owned(),
                checksum: None,
            },
        };
        let event = self.router_bus.event_of(&completed).unwrap();
        self.router_bus
            .publish(event, &MessageContext::default())
            .await
            .unwrap();
    }

    /// Asks for the playlist until `done` holds for the reply, failing after `TIMEOUT`.
    pub async fn wait_for_playlist(
        &self,
        reference: &str,
        done: impl Fn(&PlaylistTracksReply) -> bool,
    ) -> PlaylistTracksReply {
        wait_until(|| async {
            let reply = self.playlist(reference).await.unwrap();
            done(&reply).then_some(reply)
        })
        .await
    }

    async fn request<Req: serde::Serialize, Rep: serde::de::DeserializeOwned>(
        &self,
        operation: &str,
        request: &Req,
    ) -> Result<Rep, RequestError> {
        let subject = subjects::capability("spotify", operation);
        request_json(
            &self.client,
            &subject,
            request,
            &MessageContext::default(),
            TIMEOUT,
        )
        .await
    }
}

/// Polls `probe` until it yields a value; panics after `TIMEOUT`.
async fn wait_until<T, F, Fut>(probe: F) -> T
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let polling = async {
        loop {
            if let Some(value) = probe().await {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(TIMEOUT, polling)
        .await
        .expect("the awaited state did not arrive in time")
}
