//! The router binary: settings → telemetry → build → serve until SIGTERM/Ctrl-C.

use anyhow::Context;
use soulspot_router::{Application, RouterSettings};
use soulspot_runtime::{SettingsSources, shutdown_signal};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: RouterSettings =
        soulspot_runtime::load("router", &SettingsSources::from_process())
            .context("failed to load settings")?;
    let _telemetry = soulspot_telemetry::init("router", &settings.service.telemetry);
    let application = Application::build(settings)
        .await
        .context("failed to start the router")?;
    application.run_until_stopped(shutdown_signal()).await
}
