//! The spotify binary: settings → telemetry → connect → build → serve until SIGTERM/Ctrl-C.

use anyhow::Context;
use soulspot_runtime::{ModuleApp, SettingsSources, shutdown_signal};
use soulspot_spotify::{SpotifyModule, SpotifySettings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: SpotifySettings =
        soulspot_runtime::load("spotify", &SettingsSources::from_process())
            .context("failed to load settings")?;
    settings.validate().context("invalid settings")?;
    let _telemetry = soulspot_telemetry::init("spotify", &settings.service.telemetry);
    let client = soulspot_bus::connect(&settings.service.nats, "spotify")
        .await
        .context("failed to connect to nats")?;
    // The subscription records finished downloads for as long as the module runs.
    let SpotifyModule {
        builder,
        downloads_subscription: _downloads_subscription,
    } = soulspot_spotify::build(&settings, client.clone())
        .await
        .context("failed to build the spotify module")?;
    let app = ModuleApp::start(builder, client, &settings.service).await?;
    app.run_until_stopped(shutdown_signal()).await
}
