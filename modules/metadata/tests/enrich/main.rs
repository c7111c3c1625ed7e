//! `enrich.metadata` called over a real nats-server, against the sandbox's MusicBrainz,
//! Cover Art Archive and slskd (which produces the downloaded files).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod helpers;

use lofty::picture::PictureType;
use lofty::prelude::{Accessor, ItemKey, TaggedFileExt};
use serde_json::json;
use soulspot_contracts::ModuleStatus;

use helpers::{spawn_app, spawn_app_with};

const VAULT_GLASS: &str = r"@@music\Aurora Lane\Northern Lights\01 - Glass Harbour.flac";
const MIKE_CAFE: &str = r"@@share\Music\Zoe Mercier - Cafe Ole\01 Cafe Ole.mp3";

#[tokio::test]
async fn enriches_a_downloaded_flac_by_isrc_and_the_tags_read_back() {
    let app = spawn_app().await;
    let file = app.download("vinyl_vault", VAULT_GLASS).await;
    // A title no search would match: only the ISRC can find this recording.
    let track = json!({"title": "Glass Harbour [FLAC rip]", "artist": "Aurora Lane", "isrc": "GBSBX1900001", "duration_ms": 214000});

    let reply = app.enrich(&file, track).await.unwrap();

    assert_eq!(reply["tags_written"], true);
    let metadata = &reply["metadata"];
    assert_eq!(metadata["title"], "Glass Harbour");
    assert_eq!(metadata["album"], "Northern Lights");
    assert_eq!(metadata["album_artist"], "Aurora Lane");
    assert_eq!(metadata["track_number"], 1);
    assert_eq!(metadata["date"], "2019-03-15");
    assert_eq!(
        metadata["musicbrainz_recording_id"],
        "a72b2d8e-d16d-5526-aade-775aa69ee37e"
    );
    assert_eq!(
        metadata["musicbrainz_release_id"],
        "e13b7fc6-9a7f-5ecf-a374-1a47e4427bb4"
    );
    assert_eq!(
        metadata["musicbrainz_artist_id"],
        "d554870a-3ce6-5c44-8d8a-e97425fad9cd"
    );
    assert_eq!(metadata["cover_art"], true);

    let tagged = lofty::read_from_path(&file.path).unwrap();
    let tag = tagged.primary_tag().unwrap();
    assert_eq!(tag.title().as_deref(), Some("Glass Harbour"));
    assert_eq!(tag.artist().as_deref(), Some("Aurora Lane"));
    assert_eq!(tag.album().as_deref(), Some("Northern Lights"));
    assert_eq!(tag.get_string(ItemKey::AlbumArtist), Some("Aurora Lane"));
    assert_eq!(tag.track(), Some(1));
    assert_eq!(tag.get_string(ItemKey::RecordingDate), Some("2019-03-15"));
    assert_eq!(
        tag.get_string(ItemKey::MusicBrainzRecordingId),
        Some("a72b2d8e-d16d-5526-aade-775aa69ee37e")
    );
    assert_eq!(
        tag.get_string(ItemKey::MusicBrainzReleaseId),
        Some("e13b7fc6-9a7f-5ecf-a374-1a47e4427bb4")
    );
    let cover = tag.get_picture_type(PictureType::CoverFront).unwrap();
    assert!(
        cover.data().starts_with(b"\x89PNG"),
        "a PNG from the cover art archive"
    );
}

#[tokio::test]
async fn enriches_an_mp3_by_title_and_artist_when_no_isrc_is_known() {
    let app = spawn_app().await;
    let file = app.download("mp3_mike", MIKE_CAFE).await;
    let track = json!({"title": "Café Olé", "artist": "Zoë Mercier", "duration_ms": 198400});

    let reply = app.enrich(&file, track).await.unwrap();

    let metadata = &reply["metadata"];
    assert_eq!(
        metadata["musicbrainz_recording_id"],
        "7435ccef-935d-58b6-bde1-adea86f7b352"
    );
    assert_eq!(metadata["album"], "Café Olé");
    assert_eq!(metadata["date"], "2016-09-02");
    let tagged = lofty::read_from_path(&file.path).unwrap();
    let tag = tagged.primary_tag().unwrap();
    assert_eq!(tag.title().as_deref(), Some("Café Olé"));
    assert_eq!(tag.artist().as_deref(), Some("Zoë Mercier"));
    assert_eq!(
        tag.get_string(ItemKey::MusicBrainzArtistId),
        Some("1c3b0edb-ea6b-59de-b176-3dde44f944c2")
    );
    assert!(tag.get_picture_type(PictureType::CoverFront).is_some());
}

#[tokio::test]
async fn enriching_the_same_file_twice_rewrites_nothing_the_second_time() {
    let app = spawn_app().await;
    let file = app.download("vinyl_vault", VAULT_GLASS).await;
    let track = json!({"title": "Glass Harbour", "artist": "Aurora Lane", "duration_ms": 214000});
    let first = app.enrich(&file, track.clone()).await.unwrap();
    let modified = std::fs::metadata(&file.path).unwrap().modified().unwrap();

    let second = app.enrich(&file, track).await.unwrap();

    assert_eq!(first["tags_written"], true);
    assert_eq!(second["tags_written"], false);
    assert_eq!(second["metadata"], first["metadata"]);
    assert_eq!(
        std::fs::metadata(&file.path).unwrap().modified().unwrap(),
        modified
    );
}

#[tokio::test]
async fn a_recording_outside_the_length_tolerance_is_no_match_and_not_an_error() {
    let app = spawn_app().await;
    let file = app.download("vinyl_vault", VAULT_GLASS).await;
    // 46 s longer than every "Glass Harbour" MusicBrainz knows.
    let track = json!({"title": "Glass Harbour", "artist": "Aurora Lane", "album": "Singles", "duration_ms": 260000});

    let reply = app.enrich(&file, track).await.unwrap();

    let metadata = &reply["metadata"];
    assert_eq!(metadata["title"], "Glass Harbour");
    assert_eq!(metadata["album"], "Singles");
    assert!(
        metadata.get("musicbrainz_recording_id").is_none(),
        "{metadata}"
    );
    assert_eq!(metadata["cover_art"], false);
    assert_eq!(
        reply["tags_written"], true,
        "the requested album differs from the file's"
    );
    let tagged = lofty::read_from_path(&file.path).unwrap();
    assert_eq!(
        tagged.primary_tag().unwrap().album().as_deref(),
        Some("Singles")
    );
}

#[tokio::test]
async fn a_path_outside_the_downloads_directory_is_refused() {
    let app = spawn_app().await;
    let outside = app.outside_file();

    let error = app
        .enrich(&outside, json!({"title": "x", "artist": "y"}))
        .await
        .unwrap_err();

    assert_eq!(error.code, 403, "{}", error.message);
    assert!(
        error.message.contains("outside the downloads directory"),
        "{}",
        error.message
    );
    assert_eq!(std::fs::read(&outside.path).unwrap(), b"not yours");
}

#[tokio::test]
async fn a_missing_file_is_a_client_error_that_names_it() {
    let app = spawn_app().await;
    let missing = app.file_ref(app.downloads_dir().join("Nothing").join("gone.flac"));

    let error = app
        .enrich(&missing, json!({"title": "x", "artist": "y"}))
        .await
        .unwrap_err();

    assert_eq!(error.code, 404);
    assert!(
        error.message.contains("file not found") && error.message.contains("gone.flac"),
        "{}",
        error.message
    );
}

#[tokio::test]
async fn health_is_active_and_degrades_with_the_last_musicbrainz_error() {
    let app =
        spawn_app_with(|settings| settings.musicbrainz.url = "http://127.0.0.1:9".to_owned()).await;
    let file = app.download("vinyl_vault", VAULT_GLASS).await;
    assert_eq!(app.health().await.status, ModuleStatus::Active);

    let error = app
        .enrich(
            &file,
            json!({"title": "Glass Harbour", "artist": "Aurora Lane"}),
        )
        .await
        .unwrap_err();

    assert_eq!(error.code, 503, "{}", error.message);
    let health = app.health().await;
    assert_eq!(health.status, ModuleStatus::Degraded);
    let check = health
        .checks
        .iter()
        .find(|check| check.name == "musicbrainz")
        .unwrap();
    assert!(
        check
            .detail
            .as_deref()
            .unwrap()
            .contains("musicbrainz unreachable"),
        "{check:?}"
    );
    let downloads = health
        .checks
        .iter()
        .find(|check| check.name == "downloads_dir")
        .unwrap();
    assert!(downloads.ok);
}

/// A MusicBrainz that finds nothing, and takes `delay` to say so.
async fn slow_musicbrainz(delay: std::time::Duration) -> wiremock::MockServer {
    use wiremock::matchers::{method, path};
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("GET"))
        .and(path("/ws/2/recording"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(json!({"created": "2024-01-01T00:00:00Z", "count": 0, "offset": 0, "recordings": []}))
                .set_delay(delay),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_caller_that_gave_up_never_finds_its_file_rewritten_later() {
    let musicbrainz = slow_musicbrainz(std::time::Duration::from_millis(1_500)).await;
    let app = spawn_app_with(|settings| {
        settings.musicbrainz.url = musicbrainz.uri();
        settings.coverart.embed_cover = false;
    })
    .await;
    let file = app.download("vinyl_vault", VAULT_GLASS).await;
    let before = std::fs::read(&file.path).unwrap();
    // A title the file does not carry: enrichment rewrites its tags whenever it may.
    let track = json!({"title": "Glass Harbour (Late Edit)", "artist": "Aurora Lane"});

    let error = app
        .enrich_within(&file, track.clone(), std::time::Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(
        error.kind(),
        soulspot_contracts::ErrorKind::Timeout,
        "{error}"
    );
    app.wait_for_enrich_outcome("timeout").await;

    assert_eq!(
        std::fs::read(&file.path).unwrap(),
        before,
        "the file was rewritten after its caller gave up"
    );
    let folder = std::path::Path::new(&file.path).parent().unwrap();
    assert_eq!(
        std::fs::read_dir(folder).unwrap().count(),
        1,
        "no temporary copy is left"
    );

    // The same request, waited for, does rewrite it: the refusal above was the deadline's.
    let reply = app
        .enrich_within(&file, track, std::time::Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(reply["tags_written"], true);
    assert_ne!(std::fs::read(&file.path).unwrap(), before);
}
