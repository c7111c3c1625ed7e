//! SoulSpot's Spotify module: `search.track` (priority 10) and `playlist.tracks` over the
//! Spotify Web API with an app token (client credentials), and a record of which playlist
//! tracks the pipeline has downloaded (from `download.completed.for_source` events).

pub mod client;
pub mod completed;
pub mod downloads;
pub mod error;
pub mod handlers;
mod http;
mod model;
pub mod playlist_ref;
pub mod settings;
mod token;

use std::sync::Arc;

use async_nats::Client;
use soulspot_bus::{EventBus, EventStoreError, Subscription};
use soulspot_contracts::operations::modules::SPOTIFY;
use soulspot_runtime::ModuleBuilder;

pub use client::{Playlist, SpotifyClient};
pub use downloads::{DownloadedTracks, DownloadsError};
pub use error::SpotifyError;
pub use settings::{SpotifyApiSettings, SpotifySettings};

/// Why the module could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Spotify(#[from] SpotifyError),
    #[error(transparent)]
    Downloads(#[from] DownloadsError),
    #[error("event subscription failed: {0}")]
    Events(#[from] EventStoreError),
}

/// The module ready to start, and the event subscription that must live as long as it.
#[derive(Debug)]
pub struct SpotifyModule {
    pub builder: ModuleBuilder,
    /// Records finished playlist downloads; dropping it stops the recording.
    pub downloads_subscription: Subscription,
}

/// Builds the module's capabilities and health check, opens the downloads bucket and
/// subscribes to finished downloads.
pub async fn build(
    settings: &SpotifySettings,
    client: Client,
) -> Result<SpotifyModule, BuildError> {
    let spotify = Arc::new(SpotifyClient::new(&settings.spotify)?);
    let downloads = DownloadedTracks::open(client.clone()).await?;
    let bus = EventBus::new(client, SPOTIFY, &settings.service.events).await?;
    let downloads_subscription = completed::subscribe(&bus, downloads.clone()).await?;
    let health_client = spotify.clone();
    let builder = ModuleBuilder::new(SPOTIFY, env!("CARGO_PKG_VERSION"))
        .description("searches spotify and reads its playlists")
        .capability(handlers::search_capability(spotify.clone()))
        .capability(handlers::playlist_capability(spotify, downloads))
        .health_check("spotify_token", move || {
            let client = health_client.clone();
            async move { client.check_token().await }
        });
    Ok(SpotifyModule {
        builder,
        downloads_subscription,
    })
}
