//! The soulseek binary: settings → telemetry → application → serve until SIGTERM/Ctrl-C.

use anyhow::Context;
use soulspot_runtime::{SettingsSources, shutdown_signal};
use soulspot_soulseek::{Application, MODULE, SoulseekSettings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: SoulseekSettings =
        soulspot_runtime::load(MODULE, &SettingsSources::from_process())
            .context("failed to load settings")?;
    let _telemetry = soulspot_telemetry::init(MODULE, &settings.service.telemetry);
    let application = Application::build(settings)
        .await
        .context("failed to start the soulseek module")?;
    application.run_until_stopped(shutdown_signal()).await
}
