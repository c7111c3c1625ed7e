//! The notifications binary: settings → telemetry → application → serve until SIGTERM/Ctrl-C.

use anyhow::Context;
use soulspot_contracts::operations::modules::NOTIFICATIONS;
use soulspot_notifications::{Application, NotificationsSettings};
use soulspot_runtime::{SettingsSources, shutdown_signal};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: NotificationsSettings =
        soulspot_runtime::load(NOTIFICATIONS, &SettingsSources::from_process())
            .context("failed to load settings")?;
    let _telemetry = soulspot_telemetry::init(NOTIFICATIONS, &settings.service.telemetry);
    let application = Application::build(settings)
        .await
        .context("failed to start the notifications module")?;
    application.run_until_stopped(shutdown_signal()).await
}
