//! The soulseek module as an application: the slskd client, the downloader publishing on
//! the event store, the `download.track` capability and the slskd health check, assembled
//! and run by `soulspot_runtime::Application`.

use soulspot_bus::{EventBus, EventStoreError};
use soulspot_runtime::{Module, ModuleBuilder, ServiceSettings, Startup};

use crate::download::{Downloader, DownloaderParts};
use crate::settings::SoulseekSettings;
use crate::{MODULE, VERSION, handler, health, search, slskd};

/// The soulseek module: `Application::build(settings)`, then `run_until_stopped`.
pub type Application = soulspot_runtime::Application<SoulseekModule>;

/// What the soulseek module adds to the shared application.
#[derive(Debug)]
pub struct SoulseekModule;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the slskd client could not be built: {0}")]
    Slskd(#[from] slskd::SlskdError),
    #[error("the event store is unavailable: {0}")]
    Events(#[from] EventStoreError),
}

impl Module for SoulseekModule {
    const NAME: &'static str = MODULE;
    type Settings = SoulseekSettings;
    type Error = BuildError;

    fn service_settings(settings: &SoulseekSettings) -> &ServiceSettings {
        &settings.service
    }

    /// The capability and health check; downloads run in the application's background and
    /// publish on the module's event store.
    async fn assemble(
        settings: SoulseekSettings,
        startup: Startup,
    ) -> Result<ModuleBuilder, BuildError> {
        let user_agent = format!("SoulSpot-{MODULE}/{VERSION}");
        let slskd = slskd::SlskdClient::new(&settings.slskd, &user_agent)?;
        let bus = EventBus::new(
            startup.client,
            MODULE,
            &settings.service.events,
            settings.service.nats.durability(),
        )
        .await?;
        let parts = DownloaderParts {
            client: slskd.clone(),
            searcher: search::Searcher::new(
                slskd.clone(),
                settings.slskd.busy_retry,
                settings.search.clone(),
            ),
            busy_retry: settings.slskd.busy_retry,
            settings: settings.downloads.clone(),
            downloads_dir: settings.slskd.downloads_dir.clone(),
            peers: settings.peers.clone(),
            background: startup.background,
        };
        let downloader = Downloader::new(parts, bus);
        Ok(ModuleBuilder::new(MODULE, VERSION)
            .description("downloads tracks from soulseek through slskd")
            .capability(handler::download_track(downloader, settings.ranking))
            .health_check(health::SLSKD_CHECK, move || {
                let slskd = slskd.clone();
                async move { health::check_slskd(&slskd).await }
            }))
    }
}
