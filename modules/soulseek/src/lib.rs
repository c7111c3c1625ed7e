//! SoulSpot's Soulseek module: the `download.track` capability over the slskd daemon.
//!
//! A request is answered at once with a download id; the download then runs in the
//! background — a rate-limited search, ranking of the peers' files, and attempts on the best
//! candidates — and reports through `download.started`, `download.progress`,
//! `download.completed` or `download.failed` events.

pub mod busy;
pub mod download;
pub mod errors;
pub mod events;
pub mod handler;
pub mod health;
pub mod matching;
pub mod paths;
pub mod progress;
pub mod ranking;
pub mod search;
pub mod settings;
pub mod slskd;
pub mod transfer;
pub mod verify;

use soulspot_bus::{EventBus, EventStoreError};
use soulspot_runtime::ModuleBuilder;

pub use download::{DownloadOrder, Downloader, DownloaderParts};
pub use handler::{DownloadTrackReply, DownloadTrackRequest};
pub use settings::SoulseekSettings;

/// The module's name: its NATS micro service name and event source.
pub const MODULE: &str = soulspot_contracts::operations::modules::SOULSEEK;

/// The module's version, reported in service discovery.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the slskd client could not be built: {0}")]
    Slskd(#[from] slskd::SlskdError),
    #[error("the event store is unavailable: {0}")]
    Events(#[from] EventStoreError),
}

/// The module with its capability and health check, publishing on `client`'s event store.
pub async fn build(
    settings: &SoulseekSettings,
    client: async_nats::Client,
) -> Result<ModuleBuilder, BuildError> {
    let user_agent = format!("SoulSpot-{MODULE}/{VERSION}");
    let slskd = slskd::SlskdClient::new(&settings.slskd, &user_agent)?;
    let bus = EventBus::new(client, MODULE, &settings.service.events).await?;
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
    };
    let downloader = Downloader::new(parts, bus);
    Ok(ModuleBuilder::new(MODULE, VERSION)
        .description("downloads tracks from soulseek through slskd")
        .capability(handler::download_track(
            downloader,
            settings.ranking.clone(),
        ))
        .health_check(health::SLSKD_CHECK, move || {
            let slskd = slskd.clone();
            async move { health::check_slskd(&slskd).await }
        }))
}
