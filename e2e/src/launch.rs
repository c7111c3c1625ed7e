//! Starting one module of the stack on its own NATS credentials and settings, and stopping it
//! again, as `make demo` starts and stops each module's process.

use std::path::Path;

use anyhow::Context;
use serde_json::json;
use soulspot_bus::testing::NatsServer;
use soulspot_contracts::operations::modules;
use soulspot_runtime::{Application, Secret, ServiceSettings, Validate};
use soulspot_sandbox::Sandbox;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::{Module, StackOptions};

/// What a module needs from the stack to start.
pub(crate) struct Launcher<'a> {
    pub nats: &'a NatsServer,
    pub sandbox: &'a Sandbox,
    pub folders: &'a Path,
    pub options: &'a StackOptions,
    /// The whole stack's stop; each module stops with it or on its own.
    pub stop: &'a CancellationToken,
}

/// A module serving until its own stop or the stack's.
pub(crate) struct Running {
    stop: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Stops the module as SIGTERM would and waits until it has drained.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.stop.cancel();
        self.task.await.context("the module's task failed")?
    }
}

impl Launcher<'_> {
    pub async fn start(&self, module: Module) -> anyhow::Result<Running> {
        let stop = &self.stop.child_token();
        let nats = self.nats;
        let sandbox = self.sandbox;
        let options = self.options;
        let downloads = self.folders.join("downloads");
        let folders = self.folders;
        let service = |module: &str| ServiceSettings {
            nats: nats.settings_for(module),
            ..ServiceSettings::default()
        };
        match module {
            Module::Spotify => {
                let mut settings = soulspot_spotify::SpotifySettings {
                    service: service(modules::SPOTIFY),
                    ..Default::default()
                };
                settings.spotify.accounts_url = sandbox.urls().spotify_accounts.clone();
                settings.spotify.api_url = sandbox.urls().spotify_api.clone();
                settings.spotify.client_id = "sandbox-client-id".to_owned();
                settings.spotify.client_secret = Secret::new("sandbox-client-secret");
                if let Some(budget) = options.spotify_call_budget_ms {
                    settings.spotify.call_budget_ms = budget;
                }
                serve::<soulspot_spotify::SpotifyModule>(settings, stop, nats).await
            }
            Module::Soulseek => {
                let mut settings = soulspot_soulseek::SoulseekSettings {
                    service: service(modules::SOULSEEK),
                    ..Default::default()
                };
                settings.slskd.url = sandbox.urls().slskd.clone();
                settings.slskd.api_key = Secret::new(sandbox.slskd_api_key());
                settings.slskd.downloads_dir = downloads.clone();
                settings.downloads.max_concurrent = options.max_concurrent_jobs;
                // The catalog's stalled peer is the fastest source of one track: give up
                // on it quickly and move to the next candidate.
                settings.downloads.stall_timeout_secs = 3;
                if options.fast {
                    settings.slskd.busy_retry.base_ms = 5;
                    settings.search.poll_interval_ms = 5;
                    settings.downloads.poll_interval_ms = 5;
                    settings.search.rate_limit_searches = 1_000_000;
                }
                serve::<soulspot_soulseek::SoulseekModule>(settings, stop, nats).await
            }
            Module::Metadata => {
                let mut settings = soulspot_metadata::MetadataSettings {
                    service: service(modules::METADATA),
                    ..Default::default()
                };
                settings.musicbrainz.url = sandbox.urls().musicbrainz.clone();
                settings.coverart.url = sandbox.urls().coverartarchive.clone();
                settings.tagging.downloads_dir = downloads.clone();
                if options.fast {
                    settings.musicbrainz.rate_limit_interval_ms = 1;
                }
                serve::<soulspot_metadata::MetadataModule>(settings, stop, nats).await
            }
            Module::Library => {
                let mut settings = soulspot_library::LibrarySettings {
                    service: service(modules::LIBRARY),
                    ..Default::default()
                };
                settings.library.root = folders.join("library");
                settings.library.downloads_dir = downloads.clone();
                settings.library.index_path = folders.join("library.db");
                if let Some(limit) = options.library_max_request_bytes {
                    settings.service.limits.max_request_bytes = limit;
                }
                serve::<soulspot_library::LibraryModule>(settings, stop, nats).await
            }
            Module::Notifications => {
                let channels = match &options.webhook_url {
                    Some(url) => {
                        json!([{"kind": "webhook", "url": url, "secret": "e2e-secret"}])
                    }
                    None => json!([]),
                };
                let settings = soulspot_notifications::NotificationsSettings {
                    service: service(modules::NOTIFICATIONS),
                    channels: serde_json::from_value(channels)?,
                    ..Default::default()
                };
                serve::<soulspot_notifications::NotificationsModule>(settings, stop, nats).await
            }
        }
    }
}

/// Checks `settings` as the binary's loader would, builds the module through its
/// `Application` and serves it until `stop` is cancelled.
///
/// A module that fails to start is reported with what the server refused it, if anything.
async fn serve<M>(
    settings: M::Settings,
    stop: &CancellationToken,
    nats: &NatsServer,
) -> anyhow::Result<Running>
where
    M: soulspot_runtime::Module,
    M::Settings: Validate,
{
    settings.validate()?;
    let application = Application::<M>::build(settings).await.with_context(|| {
        format!(
            "failed to start the {} module; refused by nats: {:#?}",
            M::NAME,
            nats.permission_violations()
        )
    })?;
    let task = tokio::spawn(application.run_until_stopped(stop.clone().cancelled_owned()));
    Ok(Running {
        stop: stop.clone(),
        task,
    })
}
