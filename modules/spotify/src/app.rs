//! The spotify module as an application: the Spotify client, the `search.track` and
//! `playlist.tracks` capabilities and the token health check, assembled and run by
//! `soulspot_runtime::Application`.

use std::sync::Arc;

use soulspot_contracts::operations::modules::SPOTIFY;
use soulspot_runtime::{Module, ModuleBuilder, ServiceSettings, Startup};

use crate::client::SpotifyClient;
use crate::error::SpotifyError;
use crate::handlers;
use crate::settings::SpotifySettings;

/// The spotify module: `Application::build(settings)`, then `run_until_stopped`.
pub type Application = soulspot_runtime::Application<SpotifyModule>;

/// What the spotify module adds to the shared application.
#[derive(Debug)]
pub struct SpotifyModule;

impl Module for SpotifyModule {
    const NAME: &'static str = SPOTIFY;
    type Settings = SpotifySettings;
    type Error = SpotifyError;

    fn service_settings(settings: &SpotifySettings) -> &ServiceSettings {
        &settings.service
    }

    async fn assemble(
        settings: SpotifySettings,
        _startup: Startup,
    ) -> Result<ModuleBuilder, SpotifyError> {
        let spotify = Arc::new(SpotifyClient::new(&settings.spotify)?);
        let health_client = spotify.clone();
        Ok(ModuleBuilder::new(SPOTIFY, env!("CARGO_PKG_VERSION"))
            .description("searches spotify and reads its playlists")
            .capability(handlers::search_capability(spotify.clone()))
            .capability(handlers::playlist_capability(spotify))
            .health_check("spotify_token", move || {
                let client = health_client.clone();
                async move { client.check_token().await }
            }))
    }
}
