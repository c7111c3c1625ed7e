//! The metadata binary: settings → telemetry → nats → module → serve until SIGTERM/Ctrl-C.

use anyhow::Context;
use soulspot_metadata::MetadataSettings;
use soulspot_runtime::{ModuleApp, SettingsSources, shutdown_signal};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: MetadataSettings =
        soulspot_runtime::load("metadata", &SettingsSources::from_process())
            .context("failed to load settings")?;
    let _telemetry = soulspot_telemetry::init("metadata", &settings.service.telemetry);
    let module = soulspot_metadata::build(&settings).context("failed to build the module")?;
    let client = soulspot_bus::connect(&settings.service.nats, "metadata")
        .await
        .context("failed to connect to nats")?;
    let app = ModuleApp::start(module, client, &settings.service)
        .await
        .context("failed to start the metadata module")?;
    app.run_until_stopped(shutdown_signal()).await
}
