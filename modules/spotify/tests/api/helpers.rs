//! `spawn_app()`: a real nats-server, the sandbox's Spotify, and the spotify module wired to
//! both, with typed helpers that go through NATS as the router would.

use std::time::Duration;

use async_nats::Client;
use soulspot_bus::testing::NatsServer;
use soulspot_bus::{MessageContext, RequestError, request_json};
use soulspot_contracts::HealthReport;
use soulspot_contracts::operations::{HEALTH, PLAYLIST_TRACKS, SEARCH_TRACK};
use soulspot_contracts::payloads::{
    HealthRequest, PlaylistTracksReply, PlaylistTracksRequest, SearchTrackReply, SearchTrackRequest,
};
use soulspot_contracts::subjects;
use soulspot_runtime::{Secret, Validate};
use soulspot_sandbox::{Sandbox, SandboxConfig};
use soulspot_spotify::{Application, SpotifySettings};
use tempfile::TempDir;

/// Every request and every wait gives up after this long.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The first track of the sandbox's playlists, "Glass Harbour" by Aurora Lane.
pub const GLASS_HARBOUR: &str = "WDAD8c1xS4i78ePMqpycRa";

pub struct TestApp {
    pub sandbox: Sandbox,
    pub client: Client,
    _module: Application,
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
    let module = Application::build(settings).await.unwrap();
    TestApp {
        sandbox,
        client,
        _module: module,
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
