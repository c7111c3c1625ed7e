//! The notifications binary: settings → telemetry → nats → module → serve until SIGTERM/Ctrl-C.

use anyhow::Context;
use soulspot_contracts::operations::modules::NOTIFICATIONS;
use soulspot_notifications::NotificationsSettings;
use soulspot_runtime::{ModuleApp, SettingsSources, shutdown_signal};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings: NotificationsSettings =
        soulspot_runtime::load(NOTIFICATIONS, &SettingsSources::from_process())
            .context("failed to load settings")?;
    let _telemetry = soulspot_telemetry::init(NOTIFICATIONS, &settings.service.telemetry);
    let client = soulspot_bus::connect(&settings.service.nats, NOTIFICATIONS)
        .await
        .context("failed to connect to nats")?;
    let module = soulspot_notifications::build(&settings, client.clone())
        .await
        .context("failed to build the notifications module")?;
    let app = ModuleApp::start(module, client, &settings.service)
        .await
        .context("failed to start the notifications module")?;
    app.run_until_stopped(shutdown_signal()).await
}
