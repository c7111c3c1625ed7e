//! The library binary: settings → telemetry → open the library → serve until SIGTERM/Ctrl-C.

use std::sync::Arc;

use anyhow::Context;
use soulspot_library::{Library, LibrarySettings, module};
use soulspot_runtime::{ModuleApp, SettingsSources, shutdown_signal};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: LibrarySettings =
        soulspot_runtime::load("library", &SettingsSources::from_process())
            .context("failed to load settings")?;
    settings.validate().context("invalid settings")?;
    let _telemetry = soulspot_telemetry::init("library", &settings.service.telemetry);
    let library = Library::open(settings.library.clone()).context("failed to open the library")?;
    let client = soulspot_bus::connect(&settings.service.nats, "library")
        .await
        .context("failed to connect to nats")?;
    let app = ModuleApp::start(module(Arc::new(library)), client, &settings.service)
        .await
        .context("failed to start the library module")?;
    app.run_until_stopped(shutdown_signal()).await
}
