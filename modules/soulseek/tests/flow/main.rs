//! The soulseek module end to end: requests over NATS, the sandbox's slskd, files on disk,
//! and the `download.*` events in order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod files_and_searches;
mod helpers;
mod hostile_peers;

use sha2::{Digest, Sha256};
use soulspot_bus::RequestError;
use soulspot_contracts::ModuleStatus;
use soulspot_sandbox::TransferFault;

use helpers::{spawn_app, spawn_with, started_users, track, types, wait_for_health};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Every file below `dir`, however deep; none when `dir` does not exist.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn downloads_the_wanted_track_and_reports_started_progress_completed_in_order() {
    let mut app = spawn_app().await;

    let download_id = app
        .download(track("Northern Lights", "Aurora Lane", 187_500), "job-nl")
        .await;
    let events = app.events_until_done(&download_id).await;

    let kinds = types(&events);
    assert_eq!(kinds.first(), Some(&"download.started"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"download.completed"), "{kinds:?}");
    assert!(kinds.contains(&"download.progress"), "{kinds:?}");
    assert!(
        events
            .iter()
            .all(|event| event.correlation_id.as_deref() == Some("job-nl"))
    );
    assert_eq!(
        started_users(&events),
        ["vinyl_vault"],
        "not the locked copy, not the mp3"
    );
    let completed = events.last().unwrap();
    let file = &completed.data["file"];
    let expected_path = app
        .sandbox
        .downloads_dir()
        .join("Northern Lights")
        .join("02 - Northern Lights.flac");
    assert_eq!(file["path"], expected_path.to_string_lossy().as_ref());
    assert_eq!(file["format"], "flac");
    let bytes = std::fs::read(&expected_path).unwrap();
    assert_eq!(file["size"], bytes.len() as u64);
    assert_eq!(file["checksum"], format!("sha256:{}", sha256_hex(&bytes)));
}

#[tokio::test]
async fn passes_over_the_remix_and_the_wrong_length_and_cancels_a_stalled_peer() {
    let mut app = spawn_app().await;

    let download_id = app
        .download(track("Glass Harbour", "Aurora Lane", 214_000), "job-gh")
        .await;
    let events = app.events_until_done(&download_id).await;

    assert_eq!(
        started_users(&events),
        ["stalled_stan", "vinyl_vault"],
        "the fastest flac stalls and is cancelled; the remix, the live cut and the long cut are never tried"
    );
    let completed = events.last().unwrap();
    assert_eq!(completed.event_type, "download.completed");
    assert_eq!(completed.data["username"], "vinyl_vault");
    let path = app
        .sandbox
        .downloads_dir()
        .join("Northern Lights")
        .join("01 - Glass Harbour.flac");
    assert!(path.is_file());
}

#[tokio::test]
async fn a_rejected_transfer_moves_on_to_the_next_candidate_and_never_a_hostile_path() {
    let mut app = spawn_app().await;

    let download_id = app
        .download(
            track("Salt & Vinegar", "The Midnight Ferry", 158_000),
            "job-sv",
        )
        .await;
    let events = app.events_until_done(&download_id).await;

    assert_eq!(
        started_users(&events),
        ["rejecting_rob", "vinyl_vault"],
        "evil_eve's path escapes the downloads directory and is skipped"
    );
    let completed = events.last().unwrap();
    assert_eq!(completed.event_type, "download.completed");
    assert!(
        app.sandbox
            .downloads_dir()
            .join("Harbour Songs")
            .join("02 - Salt & Vinegar.flac")
            .is_file()
    );
}

#[tokio::test]
async fn every_candidate_failing_reports_download_failed_with_the_attempts() {
    let mut app = spawn_app().await;
    app.sandbox
        .faults()
        .set_every_transfer(Some(TransferFault::Rejected));

    let download_id = app
        .download(track("Glass Harbour", "Aurora Lane", 214_000), "job-fail")
        .await;
    let events = app.events_until_done(&download_id).await;

    let failed = events.last().unwrap();
    assert_eq!(failed.event_type, "download.failed");
    assert_eq!(failed.data["can_retry"], true);
    let error = failed.data["error"].as_str().unwrap();
    assert!(
        error.contains("3 attempts failed") && error.contains("Rejected"),
        "{error}"
    );
    assert_eq!(started_users(&events).len(), 3);
    assert_eq!(failed.correlation_id.as_deref(), Some("job-fail"));
}

#[tokio::test]
async fn a_track_nobody_shares_fails_without_attempts() {
    let mut app = spawn_app().await;

    let download_id = app
        .download(
            track("Song Nobody Has", "Unknown Band", 200_000),
            "job-none",
        )
        .await;
    let events = app.events_until_done(&download_id).await;

    assert_eq!(types(&events), ["download.failed"]);
    assert_eq!(events[0].data["can_retry"], true);
}

#[tokio::test]
async fn downloads_beyond_the_limit_are_accepted_at_once_and_wait_their_turn() {
    let mut app = spawn_with(|settings| {
        settings.downloads.max_concurrent = 1;
        // A held transfer makes no progress; it must not be cancelled as stalled meanwhile.
        settings.downloads.stall_timeout_secs = 60;
    })
    .await;
    app.sandbox.faults().hold_transfers(true);

    // No transfer can finish while held, so the first download keeps the only slot: the
    // second request is answered at once or not at all (`download` fails on its timeout).
    let first = app
        .download(track("Northern Lights", "Aurora Lane", 187_500), "job-1")
        .await;
    let second = app
        .download(
            track("Lighthouse Keeper", "The Midnight Ferry", 265_300),
            "job-2",
        )
        .await;
    let written = files_under(app.sandbox.downloads_dir());
    assert!(
        written.is_empty(),
        "accepted only after {written:?} was written"
    );
    app.sandbox.faults().hold_transfers(false);
    let events = app.events_until_all_done(&[&first, &second]).await;

    let position = |id: &str, event_type: &str| {
        events
            .iter()
            .position(|e| e.data["download_id"] == id && e.event_type == event_type)
            .unwrap_or_else(|| panic!("no {event_type} for {id}: {:?}", types(&events)))
    };
    assert!(
        position(&first, "download.completed") < position(&second, "download.started"),
        "the second download must wait for the first: {:?}",
        types(&events)
    );
    assert!(
        position(&second, "download.started") < position(&second, "download.completed"),
        "the second download runs once the first is done: {:?}",
        types(&events)
    );
}

#[tokio::test]
async fn health_follows_slskd_through_logout_shutdown_and_restart() {
    let mut app = spawn_app().await;
    let report = wait_for_health(&app, |report| report.status == ModuleStatus::Active).await;
    assert_eq!(report.checks[0].name, "slskd");

    app.sandbox.faults().set_slskd_disconnected(true);
    let report = wait_for_health(&app, |report| report.status == ModuleStatus::Degraded).await;
    assert!(
        report.checks[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("not connected"),
        "{report:?}"
    );
    app.sandbox.faults().set_slskd_disconnected(false);
    wait_for_health(&app, |report| report.status == ModuleStatus::Active).await;

    let spare = tempfile::tempdir().unwrap();
    let port = app.stop_sandbox(&spare).await;
    let report = wait_for_health(&app, |report| report.status == ModuleStatus::Degraded).await;
    assert!(
        report.checks[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("unreachable"),
        "{report:?}"
    );
    let refused = app
        .request_download(track("Northern Lights", "Aurora Lane", 187_500), "job-down")
        .await
        .unwrap_err();
    assert!(
        matches!(refused, RequestError::Service { code: 503, .. }),
        "a download request while slskd is down is refused so the router can fall back: {refused}"
    );

    app.restart_sandbox(port).await;
    wait_for_health(&app, |report| report.status == ModuleStatus::Active).await;
}
