//! The file slskd really wrote when the name was taken, and searches the server drops.

use sha2::{Digest, Sha256};

use crate::helpers::{spawn_app, spawn_with, started_users, track, types};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[tokio::test]
async fn a_download_whose_file_name_is_taken_reports_the_new_file_slskd_wrote() {
    let mut app = spawn_app().await;
    let album = app.sandbox.downloads_dir().join("Northern Lights");
    std::fs::create_dir_all(&album).unwrap();
    let older = album.join("02 - Northern Lights.flac");
    std::fs::write(&older, b"an older file of the same name").unwrap();

    let download_id = app
        .download(
            track("Northern Lights", "Aurora Lane", 187_500),
            "job-taken",
        )
        .await;
    let events = app.events_until_done(&download_id).await;

    let completed = events.last().unwrap();
    assert_eq!(
        completed.event_type,
        "download.completed",
        "{:?}",
        types(&events)
    );
    assert_eq!(started_users(&events), ["vinyl_vault"]);
    let path = std::path::PathBuf::from(completed.data["file"]["path"].as_str().unwrap());
    assert_ne!(path, older);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("02 - Northern Lights_") && name.ends_with(".flac"),
        "{name}"
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(completed.data["file"]["size"], bytes.len() as u64);
    assert_eq!(
        completed.data["file"]["checksum"],
        format!("sha256:{}", sha256_hex(&bytes))
    );
    assert_eq!(
        std::fs::read(&older).unwrap(),
        b"an older file of the same name"
    );
}

#[tokio::test]
async fn a_track_by_an_artist_the_server_blocks_downloads_after_a_rewritten_search() {
    let mut app = spawn_app().await;

    let download_id = app
        .download(
            track("Morning Tide", "Beatles Tribute Orchestra", 201_000),
            "job-blocked",
        )
        .await;
    let events = app.events_until_done(&download_id).await;

    assert_eq!(events.last().unwrap().event_type, "download.completed");
    assert_eq!(
        app.sandbox.observed().search_texts(),
        [
            "beatles tribute orchestra morning tide",
            "*eatles tribute orchestra morning tide"
        ]
    );
}

#[tokio::test]
async fn the_search_is_rewritten_only_when_the_first_found_nothing() {
    let mut app = spawn_with(|settings| {
        // The sandbox's server blocks neither word: only the module's list names them.
        settings.search.blocked_terms = vec!["aurora".to_owned(), "nobody".to_owned()];
    })
    .await;

    let found = app
        .download(
            track("Northern Lights", "Aurora Lane", 187_500),
            "job-found",
        )
        .await;
    let events = app.events_until_done(&found).await;
    assert_eq!(events.last().unwrap().event_type, "download.completed");
    assert_eq!(
        app.sandbox.observed().search_texts(),
        ["aurora lane northern lights"],
        "responses came back: no second search"
    );

    let missing = app
        .download(
            track("Song Nobody Has", "Unknown Band", 200_000),
            "job-none",
        )
        .await;
    let events = app.events_until_done(&missing).await;
    assert_eq!(types(&events), ["download.failed"]);
    assert_eq!(
        app.sandbox.observed().search_texts()[1..],
        [
            "unknown band song nobody has",
            "unknown band song *obody has"
        ]
    );
}
