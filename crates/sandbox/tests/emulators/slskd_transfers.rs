//! slskd downloads: the full lifecycle, files on disk, and every injected fault.

use std::time::Duration;

use serde_json::{Value, json};
use soulspot_sandbox::TransferFault;

use crate::helpers::{json_of, spawn_fast, spawn_with, status_of};

const VAULT_GLASS: &str = r"@@music\Aurora Lane\Northern Lights\01 - Glass Harbour.flac";

fn completed(state: &str) -> bool {
    state.starts_with("Completed")
}

#[tokio::test]
async fn download_completes_and_writes_a_decodable_flac() {
    let app = spawn_with(|config| {
        config.timing.transfer_duration = Duration::from_millis(300);
        config.timing.progress_steps = 6;
    })
    .await;
    let id = app.enqueue("vinyl_vault", VAULT_GLASS).await;
    let in_progress = app
        .wait_for_transfer("vinyl_vault", &id, |s| s == "InProgress" || completed(s))
        .await;
    assert!(in_progress["state"] == "InProgress" || in_progress["state"] == "Completed, Succeeded");
    let done = app.wait_for_transfer("vinyl_vault", &id, completed).await;
    assert_eq!(done["state"], "Completed, Succeeded");
    assert_eq!(done["percentComplete"], 100.0);
    assert_eq!(done["bytesTransferred"], done["size"]);
    let path = app
        .sandbox
        .downloads_dir()
        .join("Northern Lights")
        .join("01 - Glass Harbour.flac");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len() as u64, done["size"].as_u64().unwrap());
    let mut reader = claxon::FlacReader::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(reader.get_tag("TITLE").next(), Some("Glass Harbour"));
    assert!(reader.samples().all(|sample| sample.is_ok()));
}

#[tokio::test]
async fn downloads_are_listed_grouped_by_user_and_directory() {
    let app = spawn_fast().await;
    let id = app
        .enqueue(
            "mp3_mike",
            r"@@share\Music\Zoe Mercier - Cafe Ole\01 Cafe Ole.mp3",
        )
        .await;
    app.wait_for_transfer("mp3_mike", &id, completed).await;
    let all = json_of(app.slskd_get("/transfers/downloads")).await;
    assert_eq!(all[0]["username"], "mp3_mike");
    let directory = &all[0]["directories"][0];
    assert_eq!(
        directory["directory"],
        r"@@share\Music\Zoe Mercier - Cafe Ole"
    );
    assert_eq!(directory["fileCount"], 1);
    assert_eq!(directory["files"][0]["id"], id.as_str());
    let file = app
        .sandbox
        .downloads_dir()
        .join("Zoe Mercier - Cafe Ole")
        .join("01 Cafe Ole.mp3");
    let tagged = lofty::read_from_path(file).unwrap();
    assert!(
        lofty::file::AudioFile::properties(&tagged)
            .duration()
            .as_millis()
            > 1000
    );
}

#[tokio::test]
async fn rejected_transfer_ends_rejected_without_a_file() {
    let app = spawn_fast().await;
    let filename = r"@@music\The Midnight Ferry\Harbour Songs\02 - Salt & Vinegar.flac";
    let id = app.enqueue("rejecting_rob", filename).await;
    let done = app.wait_for_transfer("rejecting_rob", &id, completed).await;
    assert_eq!(done["state"], "Completed, Rejected");
    assert!(done["exception"].is_string());
    assert!(!app.sandbox.downloads_dir().join("Harbour Songs").exists());
}

#[tokio::test]
async fn locked_and_unshared_files_are_rejected() {
    let app = spawn_fast().await;
    let locked = app
        .enqueue(
            "locked_larry",
            r"@@private\Aurora Lane\Northern Lights\02 - Northern Lights.flac",
        )
        .await;
    let unknown = app
        .enqueue("vinyl_vault", r"@@music\Nobody\Nothing.flac")
        .await;
    for (user, id) in [("locked_larry", locked), ("vinyl_vault", unknown)] {
        let done = app.wait_for_transfer(user, &id, completed).await;
        assert_eq!(done["state"], "Completed, Rejected");
    }
}

#[tokio::test]
async fn timed_out_and_errored_transfers_end_in_their_states() {
    let app = spawn_fast().await;
    let timed_out = app
        .enqueue(
            "timeout_tom",
            r"@@music\DJ Kestrel\Voltage\01 - Voltage.flac",
        )
        .await;
    let errored = app
        .enqueue(
            "broken_bob",
            r"@@music\Zoë Mercier\Café Olé\03 - Été Indien.flac",
        )
        .await;
    let done = app
        .wait_for_transfer("timeout_tom", &timed_out, completed)
        .await;
    assert_eq!(done["state"], "Completed, TimedOut");
    let done = app
        .wait_for_transfer("broken_bob", &errored, completed)
        .await;
    assert_eq!(done["state"], "Completed, Errored");
    assert!(done["bytesTransferred"].as_u64().unwrap() < done["size"].as_u64().unwrap());
}

#[tokio::test]
async fn fail_once_succeeds_on_retry() {
    let app = spawn_fast().await;
    let filename = r"@@music\The Midnight Ferry\Harbour Songs\03 - Ten Thousand Miles.flac";
    let first = app.enqueue("flaky_fred", filename).await;
    let done = app.wait_for_transfer("flaky_fred", &first, completed).await;
    assert_eq!(done["state"], "Completed, Errored");
    let retry = app.enqueue("flaky_fred", filename).await;
    let done = app.wait_for_transfer("flaky_fred", &retry, completed).await;
    assert_eq!(done["state"], "Completed, Succeeded");
    assert_eq!(done["attempts"], 2);
}

#[tokio::test]
async fn stalled_transfer_stays_in_progress_until_cancelled() {
    let app = spawn_fast().await;
    let id = app.enqueue("stalled_stan", VAULT_GLASS).await;
    let stalled = app
        .wait_for_transfer_where("stalled_stan", &id, |transfer| {
            transfer["state"] == "InProgress" && transfer["bytesTransferred"].as_u64() > Some(0)
        })
        .await;
    let path = format!("/transfers/downloads/stalled_stan/{id}");
    let cancelled = status_of(app.slskd_delete(&format!("{path}?remove=false"))).await;
    assert_eq!(cancelled, 204);
    let after = app.transfer("stalled_stan", &id).await;
    assert_eq!(after["state"], "Completed, Cancelled");
    assert_eq!(after["bytesTransferred"], stalled["bytesTransferred"]);
    let removed = status_of(app.slskd_delete(&format!("{path}?remove=true"))).await;
    assert_eq!(removed, 204);
    let gone = status_of(app.slskd_get(&path)).await;
    assert_eq!(gone, 404);
}

#[tokio::test]
async fn offline_user_enqueue_answers_500() {
    let app = spawn_fast().await;
    let body = json!([{ "filename": r"@@music\Aurora Lane\Northern Lights\03 - Paper Satellites.flac", "size": 1 }]);
    let offline = status_of(app.slskd_post("/transfers/downloads/ghost_gina", &body)).await;
    assert_eq!(offline, 500);
    app.sandbox.faults().set_peer_offline("vinyl_vault", true);
    let forced = status_of(app.slskd_post("/transfers/downloads/vinyl_vault", &body)).await;
    assert_eq!(forced, 500);
}

#[tokio::test]
async fn global_fault_overrides_healthy_peers() {
    let app = spawn_fast().await;
    app.sandbox
        .faults()
        .set_every_transfer(Some(TransferFault::Rejected));
    let id = app.enqueue("vinyl_vault", VAULT_GLASS).await;
    let done = app.wait_for_transfer("vinyl_vault", &id, completed).await;
    assert_eq!(done["state"], "Completed, Rejected");
}

#[tokio::test]
async fn hostile_filenames_stay_inside_the_downloads_dir() {
    let app = spawn_fast().await;
    let filenames = [
        r"@@evil\The Midnight Ferry\Harbour Songs\..\..\..\..\The Midnight Ferry - Lighthouse Keeper.flac",
        r"@@evil\Harbour Songs\../../../../tmp/The Midnight Ferry - Salt & Vinegar.flac",
    ];
    for filename in filenames {
        let id = app.enqueue("evil_eve", filename).await;
        let done = app.wait_for_transfer("evil_eve", &id, completed).await;
        assert_eq!(done["state"], "Completed, Succeeded");
    }
    let downloads = app.sandbox.downloads_dir();
    let parent_entries: Vec<_> = std::fs::read_dir(downloads.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(
        parent_entries,
        ["downloads"],
        "nothing written beside the downloads dir"
    );
    let written = count_files(downloads);
    assert_eq!(written, 2);
}

fn count_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .map(|path| if path.is_dir() { count_files(&path) } else { 1 })
        .sum()
}

#[tokio::test]
async fn realistic_transfer_waits_in_queue_then_reports_growing_progress() {
    let app = spawn_with(|config| {
        config.timing = soulspot_sandbox::Timing::realistic();
        config.timing.musicbrainz_min_interval = None;
    })
    .await;
    let filename = r"@@share\Music\DJ Kestrel - Voltage [2022]\01. Voltage.mp3";
    let id = app.enqueue("mp3_mike", filename).await;
    let queued = app
        .wait_for_transfer("mp3_mike", &id, |s| s == "Queued, Remotely")
        .await;
    assert!(queued["placeInQueue"].as_u64().unwrap() <= 3);
    let partial = crate::helpers::wait_until(|| async {
        let transfer = app.transfer("mp3_mike", &id).await;
        let percent = transfer["percentComplete"].as_f64().unwrap_or(0.0);
        (transfer["state"] == "InProgress" && percent > 0.0 && percent < 100.0).then_some(percent)
    })
    .await;
    let done = app.wait_for_transfer("mp3_mike", &id, completed).await;
    assert_eq!(done["state"], "Completed, Succeeded");
    assert!(done["percentComplete"].as_f64().unwrap() > partial);
}

#[tokio::test]
async fn a_trickling_transfer_creeps_on_and_never_finishes() {
    let app = spawn_fast().await;
    app.sandbox
        .faults()
        .set_file_fault(VAULT_GLASS, Some(TransferFault::Trickle));
    let id = app.enqueue("vinyl_vault", VAULT_GLASS).await;
    let bytes_of = |transfer: &Value| transfer["bytesTransferred"].as_u64().unwrap_or(0);
    let first = app
        .wait_for_transfer_where("vinyl_vault", &id, |transfer| bytes_of(transfer) > 0)
        .await;
    let later = app
        .wait_for_transfer_where("vinyl_vault", &id, |transfer| {
            bytes_of(transfer) > bytes_of(&first)
        })
        .await;

    assert_eq!(later["state"], "InProgress");
    assert!(
        bytes_of(&later) < later["size"].as_u64().unwrap() / 2,
        "a few bytes at a time: {later}"
    );
    let cancelled = status_of(app.slskd_delete(&format!(
        "/transfers/downloads/vinyl_vault/{id}?remove=true"
    )))
    .await;
    assert_eq!(cancelled, 204);
}
