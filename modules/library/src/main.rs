//! The library binary: settings → telemetry → application → serve until SIGTERM/Ctrl-C.

use anyhow::Context;
use soulspot_contracts::operations::modules::LIBRARY;
use soulspot_library::{Application, LibrarySettings};
use soulspot_runtime::{SettingsSources, shutdown_signal};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: LibrarySettings =
        soulspot_runtime::load(LIBRARY, &SettingsSources::from_process())
            .context("failed to load settings")?;
    let _telemetry = soulspot_telemetry::init(LIBRARY, &settings.service.telemetry);
    let application = Application::build(settings)
        .await
        .context("failed to start the library module")?;
    application.run_until_stopped(shutdown_signal()).await
}
