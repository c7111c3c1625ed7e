//! The soulseek module binary: settings → telemetry → connect → build → serve until a signal.

use anyhow::Context;
use soulspot_runtime::{ModuleApp, SettingsSources, shutdown_signal};
use soulspot_soulseek::{MODULE, SoulseekSettings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: SoulseekSettings =
        soulspot_runtime::load(MODULE, &SettingsSources::from_process())
            .context("failed to load settings")?;
    settings.validate().context("invalid settings")?;
    let _telemetry = soulspot_telemetry::init(MODULE, &settings.service.telemetry);
    let client = soulspot_bus::connect(&settings.service.nats, MODULE)
        .await
        .context("failed to connect to nats")?;
    let module = soulspot_soulseek::build(&settings, client.clone())
        .await
        .context("failed to build the soulseek module")?;
    let app = ModuleApp::start(module, client, &settings.service)
        .await
        .context("failed to start the soulseek module")?;
    app.run_until_stopped(shutdown_signal()).await
}
