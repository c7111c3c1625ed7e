//! The real `soulspot-library` binary, alone on a nats-server: it starts, reports the capabilities
//! no running module offers, answers its health endpoint, and stops cleanly on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use soulspot_bus::testing::{NatsServer, run_standalone};

#[tokio::test]
async fn the_binary_runs_alone_reports_missing_peers_answers_health_and_stops_on_sigterm() {
    let nats = NatsServer::start_with_accounts().unwrap();
    let folder = tempfile::tempdir().unwrap();
    let folder = folder.path().display().to_string();
    std::fs::create_dir_all(format!("{folder}/downloads")).unwrap();
    let env = [
        ("SOULSPOT_LIBRARY__LIBRARY__ROOT", format!("{folder}/music")),
        (
            "SOULSPOT_LIBRARY__LIBRARY__DOWNLOADS_DIR",
            format!("{folder}/downloads"),
        ),
    ];

    let report = run_standalone(
        env!("CARGO_BIN_EXE_soulspot-library"),
        "library",
        &nats,
        &env,
    )
    .await
    .unwrap();

    let missing = report.startup_report.iter().find(|line| {
        line.contains("capability not offered") && line.contains("\"download.track\"")
    });
    assert!(missing.is_some(), "{:#?}", report.startup_report);
    assert_eq!(
        report.health.status.as_str(),
        "active",
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
