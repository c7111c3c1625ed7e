//! The metadata binary: settings → telemetry → application → serve until SIGTERM/Ctrl-C.

use anyhow::Context;
use soulspot_contracts::operations::modules::METADATA;
use soulspot_metadata::{Application, MetadataSettings};
use soulspot_runtime::{SettingsSources, shutdown_signal};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: MetadataSettings =
        soulspot_runtime::load(METADATA, &SettingsSources::from_process())
            .context("failed to load settings")?;
    let _telemetry = soulspot_telemetry::init(METADATA, &settings.service.telemetry);
    let application = Application::build(settings)
        .await
        .context("failed to start the metadata module")?;
    application.run_until_stopped(shutdown_signal()).await
}
