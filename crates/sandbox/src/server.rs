//! Binding the emulators' listeners, serving them, and stopping them.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::audio::AudioLibrary;
use crate::config::SandboxConfig;
use crate::edits::PlaylistEdits;
use crate::error::SandboxError;
use crate::faults::Faults;
use crate::observed::Observed;
use crate::state::Shared;
use crate::{coverart, http_log, musicbrainz, slskd, spotify};

/// How long [`Sandbox::shutdown`] waits for open connections to drain.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Base URLs of the emulated services (no trailing slash).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SandboxUrls {
    /// Stands in for `https://accounts.spotify.com` (`POST /api/token`).
    pub spotify_accounts: String,
    /// Stands in for `https://api.spotify.com` (`/v1/...`).
    pub spotify_api: String,
    /// slskd root (`/health`, `/api/v0/...`).
    pub slskd: String,
    /// Stands in for `https://musicbrainz.org` (`/ws/2/...`).
    pub musicbrainz: String,
    /// Stands in for `https://coverartarchive.org` (`/release/...`).
    pub coverartarchive: String,
}

/// The running emulators. Dropping it stops them too.
#[derive(Debug)]
pub struct Sandbox {
    urls: SandboxUrls,
    faults: Arc<Faults>,
    observed: Arc<Observed>,
    edits: Arc<PlaylistEdits>,
    downloads_dir: PathBuf,
    slskd_api_key: String,
    stop: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
}

struct Listeners {
    spotify_accounts: TcpListener,
    spotify_api: TcpListener,
    slskd: TcpListener,
    musicbrainz: TcpListener,
    coverartarchive: TcpListener,
}

impl Sandbox {
    /// Binds every emulator (port 0 picks a free port) and starts serving.
    pub async fn start(config: SandboxConfig) -> Result<Self, SandboxError> {
        std::fs::create_dir_all(&config.downloads_dir).map_err(|source| {
            SandboxError::DownloadsDir {
                path: config.downloads_dir.clone(),
                source,
            }
        })?;
        let listeners = bind_all(&config).await?;
        let urls = SandboxUrls {
            spotify_accounts: url_of(&listeners.spotify_accounts),
            spotify_api: url_of(&listeners.spotify_api),
            slskd: url_of(&listeners.slskd),
            musicbrainz: url_of(&listeners.musicbrainz),
            coverartarchive: url_of(&listeners.coverartarchive),
        };
        let (stop, stopped) = watch::channel(false);
        let faults = Arc::new(Faults::default());
        let observed = Arc::new(Observed::default());
        let edits = Arc::new(PlaylistEdits::default());
        let downloads_dir = config.downloads_dir.clone();
        let slskd_api_key = config.slskd_api_key.clone();
        let shared = Arc::new(Shared {
            audio: AudioLibrary::new(config.audio_duration),
            config,
            urls: urls.clone(),
            faults: Arc::clone(&faults),
            observed: Arc::clone(&observed),
            edits: Arc::clone(&edits),
            shutdown: stopped.clone(),
        });
        let spotify = spotify::SpotifyState::new(Arc::clone(&shared));
        let services = [
            (
                "spotify-accounts",
                listeners.spotify_accounts,
                spotify::accounts_router(Arc::clone(&spotify)),
            ),
            (
                "spotify-api",
                listeners.spotify_api,
                spotify::api_router(spotify),
            ),
            ("slskd", listeners.slskd, slskd::router(Arc::clone(&shared))),
            (
                "musicbrainz",
                listeners.musicbrainz,
                musicbrainz::router(Arc::clone(&shared)),
            ),
            (
                "coverartarchive",
                listeners.coverartarchive,
                coverart::router(Arc::clone(&shared)),
            ),
        ];
        let servers = services
            .into_iter()
            .map(|(name, listener, router)| serve(name, listener, router, stopped.clone()))
            .collect();
        tracing::info!(urls = ?urls, "sandbox started");
        Ok(Self {
            urls,
            faults,
            observed,
            edits,
            downloads_dir,
            slskd_api_key,
            stop,
            servers,
        })
    }

    /// Playlist changes made while running (a track appended, as a user would on Spotify).
    pub fn playlists(&self) -> &PlaylistEdits {
        &self.edits
    }

    /// Base URLs of the emulated services.
    pub fn urls(&self) -> &SandboxUrls {
        &self.urls
    }

    /// Runtime fault switches.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// What the emulators saw clients do.
    pub fn observed(&self) -> &Observed {
        &self.observed
    }

    /// Where finished downloads land.
    pub fn downloads_dir(&self) -> &Path {
        &self.downloads_dir
    }

    /// The `X-API-Key` the slskd emulator expects.
    pub fn slskd_api_key(&self) -> &str {
        &self.slskd_api_key
    }

    /// Serves until `signal` resolves, then stops gracefully.
    pub async fn run_until_stopped(self, signal: impl Future<Output = ()>) {
        signal.await;
        self.shutdown().await;
    }

    /// Stops every emulator and waits for open connections to drain.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for server in std::mem::take(&mut self.servers) {
            match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::warn!(%error, "emulator task ended abnormally"),
                Err(_) => tracing::warn!("emulator did not drain within the grace period"),
            }
        }
        tracing::info!("sandbox stopped");
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn bind_all(config: &SandboxConfig) -> Result<Listeners, SandboxError> {
    let ports = config.ports;
    Ok(Listeners {
        spotify_accounts: bind("spotify-accounts", config, ports.spotify_accounts).await?,
        spotify_api: bind("spotify-api", config, ports.spotify_api).await?,
        slskd: bind("slskd", config, ports.slskd).await?,
        musicbrainz: bind("musicbrainz", config, ports.musicbrainz).await?,
        coverartarchive: bind("coverartarchive", config, ports.coverartarchive).await?,
    })
}

async fn bind(
    service: &'static str,
    config: &SandboxConfig,
    port: u16,
) -> Result<TcpListener, SandboxError> {
    let address = SocketAddr::new(config.host, port);
    TcpListener::bind(address)
        .await
        .map_err(|source| SandboxError::Bind {
            service,
            address,
            source,
        })
}

fn url_of(listener: &TcpListener) -> String {
    listener
        .local_addr()
        .map(|address| format!("http://{address}"))
        // A bound TCP socket always has a local address; this branch is unreachable.
        .unwrap_or_default()
}

fn serve(
    service: &'static str,
    listener: TcpListener,
    router: Router,
    mut stopped: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let router = router.layer(axum::middleware::from_fn_with_state(
        service,
        http_log::log_request,
    ));
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        if let Err(error) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(service, %error, "emulator stopped with an error");
        }
    })
}
