//! The router with test-defined modules for every capability, over its own nats-server: the
//! target `make api-fuzz` points schemathesis at. Prints `SOULSPOT_API_URL=<url>` once the
//! modules are active, then serves until SIGTERM or Ctrl-C, and stops the nats-server with it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::Value;
use soulspot_bus::NatsSettings;
use soulspot_bus::testing::NatsServer;
use soulspot_contracts::TrackRef;
use soulspot_contracts::operations;
use soulspot_contracts::payloads::{
    LibraryContainsReply, LibraryContainsRequest, LibraryStatsReply, LibraryStatsRequest,
    PlaylistTracksReply, PlaylistTracksRequest, PlaylistWriteReply, PlaylistWriteRequest,
    SearchTrackReply, SearchTrackRequest,
};
use soulspot_router::RouterSettings;
use soulspot_runtime::ServiceError;
use soulspot_runtime::{CallContext, Capability, ModuleBuilder, RunningModule, Secret};
use tokio::signal::unix::{SignalKind, signal};

/// The key the fuzzer sends; `SOULSPOT_FIXTURE_API_KEY` overrides it.
const DEFAULT_API_KEY: &str = "fixture-api-key-0123456789abcdef";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let nats = NatsServer::start().context("failed to start nats-server")?;
    let client = soulspot_bus::connect(
        &NatsSettings {
            url: nats.url(),
            ..NatsSettings::default()
        },
        "api-fixture",
    )
    .await?;
    let _instant =
        soulspot_e2e::instant::start(client.clone(), Arc::new(AtomicBool::new(false))).await?;
    let _catalog = start_catalog(client.clone()).await?;

    let mut settings = RouterSettings::default();
    settings.service.nats.url = nats.url();
    settings.service.http.bind = "127.0.0.1:0".to_owned();
    let key =
        std::env::var("SOULSPOT_FIXTURE_API_KEY").unwrap_or_else(|_| DEFAULT_API_KEY.to_owned());
    settings.api.api_key = Secret::new(key.clone());
    let router = soulspot_router::Application::build(settings).await?;
    let address = router.address();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(router.run_until_stopped(async {
        let _ = stopped.await;
    }));
    wait_until_routable(address, &key).await?;
    println!("SOULSPOT_API_URL=http://{address}");

    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    let _ = stop.send(());
    serving.await??;
    drop(nats);
    Ok(())
}

/// `search.track`, `playlist.tracks`, `library.contains`, `library.stats` and
/// `playlist.write`, answering at once with replies that fit their contracts.
async fn start_catalog(client: async_nats::Client) -> anyhow::Result<RunningModule> {
    let search = Capability::new(
        "search.track",
        10,
        |_: CallContext, request: SearchTrackRequest| async move {
            let limit = request.limit.unwrap_or(3).clamp(1, 3);
            Ok::<_, ServiceError>(SearchTrackReply {
                tracks: (0..limit).map(track).collect(),
            })
        },
    );
    let playlist = Capability::new(
        "playlist.tracks",
        10,
        |_: CallContext, _: PlaylistTracksRequest| async {
            Ok::<_, ServiceError>(PlaylistTracksReply {
                playlist_id: "fixture-playlist".to_owned(),
                name: Some("Fixture".to_owned()),
                tracks: (0..3).map(track).collect(),
            })
        },
    );
    let contains = Capability::new(
        "library.contains",
        10,
        |_: CallContext, request: LibraryContainsRequest| async move {
            Ok::<_, ServiceError>(LibraryContainsReply {
                present: vec![false; request.tracks.len()],
            })
        },
    );
    let stats = Capability::new(
        "library.stats",
        10,
        |_: CallContext, _: LibraryStatsRequest| async {
            Ok::<_, ServiceError>(LibraryStatsReply::default())
        },
    );
    let write = Capability::new(
        "playlist.write",
        10,
        |_: CallContext, request: PlaylistWriteRequest| async move {
            Ok::<_, ServiceError>(PlaylistWriteReply {
                path: "/music/Playlists/Fixture.m3u8".to_owned(),
                entries: 0,
                missing: request.tracks.len() as u64,
            })
        },
    );
    Ok(ModuleBuilder::new("catalog", "0.1.0")
        .capability(search)
        .capability(playlist)
        .capability(contains)
        .capability(stats)
        .capability(write)
        .start(client)
        .await?)
}

fn track(n: u32) -> TrackRef {
    TrackRef {
        title: format!("Track {n}"),
        artist: "Fixture Artist".to_owned(),
        spotify_id: Some(format!("fixture{n}")),
        ..TrackRef::default()
    }
}

/// Waits until the router shows an active provider of every routable operation, asking it
/// over HTTP as a client would.
async fn wait_until_routable(address: SocketAddr, key: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::new();
    let url = format!("http://{address}/api/modules/status");
    let started = Instant::now();
    loop {
        let status: Value = http
            .get(&url)
            .header("x-api-key", key)
            .send()
            .await?
            .json()
            .await?;
        let routable = operations::ALL.iter().all(|operation| {
            status["capabilities"][*operation]
                .as_array()
                .is_some_and(|providers| providers.iter().any(|p| p["status"] == "active"))
        });
        if routable {
            return Ok(());
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(20),
            "the fixture's modules are not all active after 20s: {status}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
