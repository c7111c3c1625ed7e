//! Black-box tests of the library module through NATS: filing, refusals, duplicate
//! policies, idempotency, search, stats, playlist files and health.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/files.rs"]
mod files;
mod helpers;
mod playlists;

use std::collections::BTreeMap;
use std::fs;
use std::time::Duration;

use helpers::{audio_bytes, body_of, error_code, import_request, spawn_app, write_file};
use serde_json::json;
use soulspot_contracts::ModuleStatus;
use soulspot_contracts::payloads::ImportStatus;
use soulspot_library::DuplicatePolicy;
use soulspot_sandbox::audio::{AudioTags, encode_mp3};

#[tokio::test]
async fn files_a_track_under_the_template() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let source = app.download("Mezzanine/03 - teardrop.flac", b"flac bytes");
    let mut request = import_request("job-1", &source, "Massive Attack", "Teardrop");
    request["metadata"] = json!({
        "album": "Mezzanine", "album_artist": "Massive Attack",
        "date": "1998-04-20", "track_number": 3, "cover_art": true
    });

    let reply = app.import(&request).await.unwrap();

    assert_eq!(reply.status, ImportStatus::Imported);
    let expected = app
        .root
        .join("Massive Attack/Mezzanine (1998)/03 - Teardrop.flac");
    assert_eq!(reply.path, expected.to_str().unwrap());
    assert_eq!(reply.file_id.as_deref(), Some("file-job-1"));
    assert_eq!(body_of(&expected), b"flac bytes");
    assert!(!source.exists(), "the download was moved, not copied");
}

#[tokio::test]
async fn a_track_without_album_year_or_number_uses_the_fallbacks() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let source = app.download("x.mp3", b"mp3");

    let reply = app
        .import(&import_request("job-1", &source, "Burial", "Archangel"))
        .await
        .unwrap();

    assert_eq!(reply.status, ImportStatus::Imported);
    assert_eq!(app.library_files(), ["Burial/Unknown Album/Archangel.mp3"]);
}

#[tokio::test]
async fn refuses_a_source_outside_the_downloads_directory() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let outside = write_file(
        &app.elsewhere.join("secret.flac"),
        &audio_bytes("flac", b"not yours"),
    );
    let climbing = app.downloads.join("../elsewhere/secret.flac");
    let link = app.downloads.join("link.flac");
    std::os::unix::fs::symlink(&outside, &link).unwrap();

    for path in [&outside, &climbing, &link] {
        let error = app
            .import(&import_request("job-x", path, "A", "B"))
            .await
            .unwrap_err();
        assert_eq!(error_code(&error), 403, "{}: {error}", path.display());
    }

    assert!(outside.exists());
    assert!(app.library_files().is_empty());
}

#[tokio::test]
async fn a_missing_source_is_the_callers_error() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let missing = app.downloads.join("gone.flac");
    let mut request = import_request("job-1", &missing, "A", "B");
    request["file"]["format"] = json!("flac");

    let error = app.import(&request).await.unwrap_err();

    assert_eq!(error_code(&error), 404, "{error}");
}

#[tokio::test]
async fn hostile_names_cannot_escape_the_root() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let source = app.download("evil.flac", b"payload");
    let mut request = import_request("job-1", &source, "..", "../../../tmp/evil");
    request["metadata"] = json!({"album": "..\\..\\x", "album_artist": "CON"});

    let reply = app.import(&request).await.unwrap();

    assert_eq!(reply.status, ImportStatus::Imported);
    assert!(
        reply.path.starts_with(app.root.to_str().unwrap()),
        "{}",
        reply.path
    );
    assert!(!reply.path.contains("/../"), "{}", reply.path);
    assert_eq!(app.library_files(), ["_CON/_.._x/_.._.._tmp_evil.flac"]);
    assert!(!app.root.parent().unwrap().join("tmp").exists());
}

#[tokio::test]
async fn skip_policy_keeps_the_library_and_leaves_the_download() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let first = app.download("a/teardrop.flac", b"first");
    let held = app
        .import(&import_request(
            "job-1",
            &first,
            "Massive Attack",
            "Teardrop",
        ))
        .await
        .unwrap();
    let second = app.download("b/teardrop.flac", b"second, bigger");

    let reply = app
        .import(&import_request(
            "job-2",
            &second,
            "MASSIVE ATTACK",
            "teardrop",
        ))
        .await
        .unwrap();

    assert_eq!(reply.status, ImportStatus::SkippedDuplicate);
    assert_eq!(reply.path, held.path);
    assert_eq!(body_of(&held.path), b"first");
    assert!(
        second.exists(),
        "a skipped download stays in the downloads directory"
    );
    assert_eq!(app.stats().await["tracks"], 1);
}

#[tokio::test]
async fn replace_if_better_upgrades_lossy_to_lossless_only() {
    let app = spawn_app(DuplicatePolicy::ReplaceIfBetter).await;
    let lossy = app.download("teardrop.mp3", b"a large mp3 file");
    let held = app
        .import(&import_request(
            "job-1",
            &lossy,
            "Massive Attack",
            "Teardrop",
        ))
        .await
        .unwrap();
    let lossless = app.download("teardrop.flac", b"flac");

    let replaced = app
        .import(&import_request(
            "job-2",
            &lossless,
            "Massive Attack",
            "Teardrop",
        ))
        .await
        .unwrap();

    assert_eq!(replaced.status, ImportStatus::Replaced);
    assert!(
        replaced.path.ends_with("Teardrop.flac"),
        "{}",
        replaced.path
    );
    assert!(
        !fs::exists(&held.path).unwrap(),
        "the worse file is removed"
    );
    assert_eq!(
        app.library_files(),
        ["Massive Attack/Unknown Album/Teardrop.flac"]
    );

    let worse = app.download("again.mp3", b"an even larger mp3 file");
    let skipped = app
        .import(&import_request(
            "job-3",
            &worse,
            "Massive Attack",
            "Teardrop",
        ))
        .await
        .unwrap();
    assert_eq!(skipped.status, ImportStatus::SkippedDuplicate);
    assert_eq!(skipped.path, replaced.path);
    assert_eq!(app.stats().await["formats"], json!({"flac": 1}));
}

#[tokio::test]
async fn replace_if_better_prefers_a_higher_bitrate_read_from_real_mp3s() {
    let app = spawn_app(DuplicatePolicy::ReplaceIfBetter).await;
    let tags = AudioTags::default();
    let long_128 = encode_mp3(Duration::from_secs(8), 128, &tags);
    let short_320 = encode_mp3(Duration::from_secs(2), 320, &tags);
    assert!(long_128.len() > short_320.len());
    let held_source = app.download_raw("128.mp3", &long_128);
    app.import(&import_request("job-1", &held_source, "A", "T"))
        .await
        .unwrap();
    let better_source = app.download_raw("320.mp3", &short_320);

    let reply = app
        .import(&import_request("job-2", &better_source, "A", "T"))
        .await
        .unwrap();

    assert_eq!(
        reply.status,
        ImportStatus::Replaced,
        "bitrate outranks size"
    );
    assert_eq!(fs::read(&reply.path).unwrap(), short_320);
    let worse_source = app.download_raw("again-128.mp3", &long_128);
    let skipped = app
        .import(&import_request("job-3", &worse_source, "A", "T"))
        .await
        .unwrap();
    assert_eq!(skipped.status, ImportStatus::SkippedDuplicate);
}

#[tokio::test]
async fn replace_if_better_overwrites_a_smaller_copy_at_the_same_path() {
    let app = spawn_app(DuplicatePolicy::ReplaceIfBetter).await;
    let small = app.download("1.flac", b"small");
    app.import(&import_request("job-1", &small, "A", "T"))
        .await
        .unwrap();
    let large = app.download("2.flac", b"larger flac");

    let reply = app
        .import(&import_request("job-2", &large, "A", "T"))
        .await
        .unwrap();

    assert_eq!(reply.status, ImportStatus::Replaced);
    assert_eq!(app.library_files(), ["A/Unknown Album/T.flac"]);
    assert_eq!(body_of(&reply.path), b"larger flac");
    assert_eq!(app.stats().await["tracks"], 1);
}

#[tokio::test]
async fn keep_both_files_a_numbered_copy() {
    let app = spawn_app(DuplicatePolicy::KeepBoth).await;
    let first = app.download("1.flac", b"one");
    let second = app.download("2.flac", b"two");
    app.import(&import_request("job-1", &first, "A", "T"))
        .await
        .unwrap();

    let reply = app
        .import(&import_request("job-2", &second, "A", "T"))
        .await
        .unwrap();

    assert_eq!(reply.status, ImportStatus::KeptBoth);
    assert_eq!(
        app.library_files(),
        ["A/Unknown Album/T (2).flac", "A/Unknown Album/T.flac"]
    );
    assert_eq!(body_of(&reply.path), b"two");
    assert_eq!(app.stats().await["tracks"], 2);
}

#[tokio::test]
async fn a_redelivered_job_is_imported_once() {
    let app = spawn_app(DuplicatePolicy::KeepBoth).await;
    let source = app.download("song.flac", b"once");
    let request = import_request("job-1", &source, "A", "T");
    let first = app.import(&request).await.unwrap();
    write_file(
        &source,
        &audio_bytes("flac", b"a second copy at the same download path"),
    );

    let again = app.import(&request).await.unwrap();

    assert_eq!(again.status, ImportStatus::AlreadyImported);
    assert_eq!(again.path, first.path);
    assert!(source.exists(), "nothing was moved the second time");
    assert_eq!(app.library_files(), ["A/Unknown Album/T.flac"]);
    assert_eq!(body_of(&first.path), b"once");
}

#[tokio::test]
async fn search_finds_imported_tracks_without_diacritics() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let source = app.download("s.flac", b"x");
    let mut request = import_request("job-1", &source, "Sigur Rós", "Starálfur");
    request["track"]["album"] = json!("Ágætis byrjun");
    request["track"]["spotify_id"] = json!("spotify-1");
    app.import(&request).await.unwrap();

    let found = app.search("sigur ros STARALFUR").await;
    let by_album = app.search("agaetis").await;
    let nothing = app.search("sigur ros halo").await;

    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["title"], "Starálfur");
    assert_eq!(found[0]["artist"], "Sigur Rós");
    assert_eq!(found[0]["spotify_id"], "spotify-1");
    assert_eq!(by_album.len(), 1);
    assert!(nothing.is_empty());
}

#[tokio::test]
async fn contains_tells_which_tracks_are_held_in_order() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let source = app.download("t.flac", b"x");
    let mut request = import_request("job-1", &source, "Massive Attack", "Teardrop");
    request["track"]["spotify_id"] = json!("67Hna13dNDkZvBpTXRIaOJ");
    app.import(&request).await.unwrap();

    let present = app
        .contains(json!([
            {"title": "Angel", "artist": "Massive Attack"},
            {"title": "TEARDROP", "artist": "massive attack"},
            {"title": "Renamed", "artist": "Someone", "spotify_id": "67Hna13dNDkZvBpTXRIaOJ"},
        ]))
        .await;

    assert_eq!(present, [false, true, true]);
}

#[tokio::test]
async fn stats_count_what_was_imported() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let tracks = [
        ("1.flac", "Björk", "Jóga", "Homogenic", &b"12345"[..]),
        ("2.mp3", "Björk", "Bachelorette", "Homogenic", &b"123"[..]),
        ("3.flac", "Burial", "Archangel", "Untrue", &b"1"[..]),
    ];
    for (index, (file, artist, title, album, bytes)) in tracks.into_iter().enumerate() {
        let source = app.download(file, bytes);
        let mut request = import_request(&format!("job-{index}"), &source, artist, title);
        request["track"]["album"] = json!(album);
        app.import(&request).await.unwrap();
    }

    let stats = app.stats().await;

    assert_eq!(stats["tracks"], 3);
    assert_eq!(stats["artists"], 2);
    assert_eq!(stats["albums"], 2);
    // The bodies' 9 bytes, two FLAC headers and one MP3 frame header.
    assert_eq!(stats["total_bytes"], 9 + 2 * 42 + 4);
    let formats: BTreeMap<String, u64> = serde_json::from_value(stats["formats"].clone()).unwrap();
    assert_eq!(
        formats,
        BTreeMap::from([("flac".into(), 2), ("mp3".into(), 1)])
    );
}

#[tokio::test]
async fn health_reports_the_root_and_the_index() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let healthy = app.health().await;
    assert_eq!(healthy.status, ModuleStatus::Active);
    let names: Vec<&str> = healthy
        .checks
        .iter()
        .map(|check| check.name.as_str())
        .collect();
    assert_eq!(names, ["library_root", "index"]);

    fs::remove_dir_all(&app.root).unwrap();
    let degraded = app.health().await;

    assert_eq!(degraded.status, ModuleStatus::Degraded);
    let root_check = degraded
        .checks
        .iter()
        .find(|check| check.name == "library_root")
        .unwrap();
    assert!(!root_check.ok);
}

#[tokio::test]
async fn a_path_with_a_line_break_is_refused_at_once_not_timed_out() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let mut request = import_request("job-1", &app.downloads.join("x.flac"), "A", "B");
    request["file"]["path"] = json!("/x\ny");

    let error = app.import(&request).await.unwrap_err();

    let code = error_code(&error);
    assert!((400..500).contains(&code), "{error}");
    let source = app.download("after.flac", b"still serving");
    app.import(&import_request("job-2", &source, "A", "B"))
        .await
        .unwrap();
}

#[tokio::test]
async fn bytes_that_are_not_the_claimed_audio_are_refused_and_nothing_is_filed() {
    let app = spawn_app(DuplicatePolicy::Skip).await;
    let random: Vec<u8> = (0..4096_u32)
        .map(|index| (index.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let cases = [
        app.download_raw("random.flac", &random),
        app.download_raw("page.mp3", b"<html><body>502 Bad Gateway</body></html>"),
        app.download_raw("actually-mp3.flac", &audio_bytes("mp3", b"frames")),
        app.download_raw("empty.flac", b""),
    ];

    for (index, source) in cases.iter().enumerate() {
        let request = import_request(&format!("job-{index}"), source, "A", "B");
        let error = app.import(&request).await.unwrap_err();
        assert_eq!(error_code(&error), 422, "{}: {error}", source.display());
        assert!(source.exists(), "a refused download stays where it was");
    }

    assert!(app.library_files().is_empty());
    assert_eq!(app.stats().await["tracks"], 0);
}

#[tokio::test]
async fn a_second_instance_on_the_same_root_refuses_to_start_naming_root_and_lock_file() {
    let app = spawn_app(DuplicatePolicy::Skip).await;

    let error = soulspot_library::Application::build(app.settings.clone())
        .await
        .unwrap_err();

    let message = std::iter::successors(
        Some(&error as &(dyn std::error::Error + 'static)),
        |error| error.source(),
    )
    .map(ToString::to_string)
    .collect::<Vec<_>>()
    .join(": ");
    let lock_file = app.root.join(".soulspot").join("library.lock");
    assert!(message.contains("another library instance"), "{message}");
    assert!(message.contains(app.root.to_str().unwrap()), "{message}");
    assert!(message.contains(lock_file.to_str().unwrap()), "{message}");
    let stats = app.stats().await;
    assert_eq!(stats["tracks"], 0, "the first instance still serves");
}
