//! The real `soulspot-soulseek` binary, alone on a nats-server: it starts, reports the capabilities
//! no running module offers, answers its health endpoint, and stops cleanly on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use soulspot_bus::testing::{NatsServer, run_standalone};

#[tokio::test]
async fn the_binary_runs_alone_reports_missing_peers_answers_health_and_stops_on_sigterm() {
    let nats = NatsServer::start_with_accounts().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let folder = folder.path().display().to_string();
    let env = [
        (
            "SOULSPOT_SOULSEEK__SLSKD__URL",
            "http://127.0.0.1:9".to_owned(),
        ),
        (
            "SOULSPOT_SOULSEEK__SLSKD__API_KEY",
            "a-key-of-sixteen-chars".to_owned(),
        ),
        ("SOULSPOT_SOULSEEK__SLSKD__DOWNLOADS_DIR", folder.clone()),
    ];

    let report = run_standalone(
        env!("CARGO_BIN_EXE_soulspot-soulseek"),
        "soulseek",
        &nats,
        &env,
    )
    .await
    .unwrap();

    let missing = report
        .startup_report
        .iter()
        .find(|line| line.contains("capability not offered") && line.contains("\"import.track\""));
    assert!(missing.is_some(), "{:#?}", report.startup_report);
    assert_eq!(
        report.health.status.as_str(),
        "degraded",
        "{:?}",
        report.health
    );
    assert!(report.exit.success(), "{:?}", report.exit);
    assert!(
        report.permission_violations.is_empty(),
        "{:#?}",
        report.permission_violations
    );
}
