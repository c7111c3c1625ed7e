//! The enricher's choice of look-up, against wiremock: ISRC first, search when the ISRC is unknown.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use soulspot_contracts::payloads::EnrichMetadataRequest;
use soulspot_metadata::Enricher;
use soulspot_metadata::coverart::CoverArtClient;
use soulspot_sandbox::audio::{AudioTags, Tone, encode_flac};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{http, musicbrainz, recording_list, settings};

fn enricher(server: &MockServer, downloads: &std::path::Path) -> Enricher {
    let settings = settings(&server.uri());
    Enricher {
        musicbrainz: Arc::new(musicbrainz(&settings)),
        coverart: CoverArtClient::new(http(&settings), &server.uri(), Duration::from_secs(2)),
        downloads_dir: downloads.to_owned(),
        duration_tolerance: Duration::from_secs(10),
        embed_cover: true,
    }
}

fn request(path: &std::path::Path) -> EnrichMetadataRequest {
    serde_json::from_value(json!({
        "file": {"file_id": "f1", "path": path, "size": 1, "format": "flac"},
        "track": {"title": "Glass Harbour", "artist": "Aurora Lane", "isrc": "GBSBX1900001", "duration_ms": 214000},
    }))
    .unwrap()
}

#[tokio::test]
async fn an_unknown_isrc_falls_back_to_the_title_and_artist_search() {
    let server = MockServer::start().await;
    Mock::given(path("/ws/2/isrc/GBSBX1900001"))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/ws/2/recording"))
        .respond_with(ResponseTemplate::new(200).set_body_json(recording_list()))
        .expect(1)
        .mount(&server)
        .await;
    let downloads = tempfile::tempdir().unwrap();
    let file = downloads.path().join("01.flac");
    let tags = AudioTags {
        title: "Glass Harbour".to_owned(),
        ..AudioTags::default()
    };
    std::fs::write(
        &file,
        encode_flac(&Tone::for_seed("a"), Duration::from_millis(500), &tags),
    )
    .unwrap();

    let reply = enricher(&server, downloads.path())
        .enrich(request(&file), None)
        .await
        .unwrap();

    assert_eq!(
        reply.metadata.musicbrainz_recording_id.as_deref(),
        Some("a72b2d8e-d16d-5526-aade-775aa69ee37e")
    );
    assert!(
        !reply.metadata.cover_art,
        "the match has no release, so no cover"
    );
    assert!(reply.tags_written);
}
