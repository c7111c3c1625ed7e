//! The spotify binary: settings → telemetry → application → serve until SIGTERM/Ctrl-C.

use anyhow::Context;
use soulspot_contracts::operations::modules::SPOTIFY;
use soulspot_runtime::{SettingsSources, shutdown_signal};
use soulspot_spotify::{Application, SpotifySettings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: SpotifySettings =
        soulspot_runtime::load(SPOTIFY, &SettingsSources::from_process())
            .context("failed to load settings")?;
    let _telemetry = soulspot_telemetry::init(SPOTIFY, &settings.service.telemetry);
    let application = Application::build(settings)
        .await
        .context("failed to start the spotify module")?;
    application.run_until_stopped(shutdown_signal()).await
}
