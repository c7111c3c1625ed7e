//! The module's health: slskd reachable, connected to and logged in on the Soulseek server.

use crate::slskd::SlskdClient;

/// Name of the check in the health report.
pub const SLSKD_CHECK: &str = "slskd";

/// `Ok` when slskd answers and is logged in; otherwise a detail saying what is wrong.
pub async fn check_slskd(client: &SlskdClient) -> Result<(), String> {
    let application = client
        .application()
        .await
        .map_err(|error| format!("slskd unreachable: {error}"))?;
    let server = application.server;
    match (server.is_connected, server.is_logged_in) {
        (true, true) => Ok(()),
        (false, _) => Err(format!(
            "slskd is not connected to the soulseek server (state: {})",
            server.state
        )),
        (true, false) => Err(format!(
            "slskd is connected but not logged in to the soulseek server (state: {})",
            server.state
        )),
    }
}
