//! The metadata module as an application: HTTP clients, the enricher, the `enrich.metadata`
//! capability and the health checks, assembled and run by `soulspot_runtime::Application`.

use soulspot_runtime::outbound::Redirects;
use std::path::PathBuf;
use std::sync::Arc;

use soulspot_contracts::operations::{ENRICH_METADATA, modules};
use soulspot_runtime::{
    CallContext, Capability, Module, ModuleBuilder, ServiceError, ServiceSettings, Startup,
};

use crate::coverart::CoverArtClient;
use crate::enrich::Enricher;
use crate::musicbrainz::{MusicBrainzClient, user_agent};
use crate::settings::MetadataSettings;
use soulspot_contracts::payloads::EnrichMetadataRequest;

/// Priority of `enrich.metadata`: the only provider so far, at the usual level.
pub const ENRICH_PRIORITY: u32 = 10;

/// The metadata module: `Application::build(settings)`, then `run_until_stopped`.
pub type Application = soulspot_runtime::Application<MetadataModule>;

/// What the metadata module adds to the shared application.
#[derive(Debug)]
pub struct MetadataModule;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("http client could not be built: {0}")]
    HttpClient(#[from] reqwest::Error),
}

impl Module for MetadataModule {
    const NAME: &'static str = modules::METADATA;
    type Settings = MetadataSettings;
    type Error = BuildError;

    fn service_settings(settings: &MetadataSettings) -> &ServiceSettings {
        &settings.service
    }

    async fn assemble(
        settings: MetadataSettings,
        _startup: Startup,
    ) -> Result<ModuleBuilder, BuildError> {
        describe(&settings)
    }
}

fn describe(settings: &MetadataSettings) -> Result<ModuleBuilder, BuildError> {
    let musicbrainz_settings = &settings.musicbrainz;
    let version = env!("CARGO_PKG_VERSION");
    // MusicBrainz and the Cover Art Archive take no credentials, and every cover is a
    // redirect to archive.org.
    let http = soulspot_runtime::outbound::client_builder(
        &user_agent(version, &musicbrainz_settings.contact),
        Redirects::AnyOrigin,
    )
    .timeout(musicbrainz_settings.request_timeout())
    .build()?;
    let musicbrainz = Arc::new(MusicBrainzClient::new(http.clone(), musicbrainz_settings));
    let enricher = Arc::new(Enricher {
        musicbrainz: Arc::clone(&musicbrainz),
        coverart: CoverArtClient::new(
            http,
            &settings.coverart.url,
            musicbrainz_settings.request_timeout(),
        ),
        downloads_dir: settings.tagging.downloads_dir.clone(),
        duration_tolerance: musicbrainz_settings.duration_tolerance(),
        embed_cover: settings.coverart.embed_cover,
    });
    let capability = Capability::new(
        ENRICH_METADATA,
        ENRICH_PRIORITY,
        move |call: CallContext, request: EnrichMetadataRequest| {
            let enricher = Arc::clone(&enricher);
            let deadline = call.message.deadline;
            async move {
                enricher
                    .enrich(request, deadline)
                    .await
                    .map_err(ServiceError::from)
            }
        },
    );
    let downloads_dir = settings.tagging.downloads_dir.clone();
    Ok(ModuleBuilder::new(modules::METADATA, version)
        .description(
            "finds MusicBrainz metadata and cover art for downloaded files and writes them as tags",
        )
        .capability(capability)
        .health_check("downloads_dir", move || {
            downloads_dir_readable(downloads_dir.clone())
        })
        .health_check("musicbrainz", move || {
            let last_error = musicbrainz.last_error();
            // MusicBrainz is remote and not probed: only a failed last call degrades the module.
            async move {
                last_error.map_or(Ok(()), |error| Err(format!("last request failed: {error}")))
            }
        }))
}

async fn downloads_dir_readable(path: PathBuf) -> Result<(), String> {
    tokio::fs::read_dir(&path)
        .await
        .map(drop)
        .map_err(|error| format!("{} is not readable: {error}", path.display()))
}
