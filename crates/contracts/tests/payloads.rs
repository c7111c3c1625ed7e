//! Every contract of `contracts/` has a payload struct, and each struct agrees with its schema:
//! the schema's example reads into the struct, and the struct writes it back unchanged and
//! valid. A new contract without a struct, or a field renamed on one side only, fails here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use soulspot_contracts::payloads::*;
use soulspot_contracts::{FileRef, TrackRef, contracts};

/// Reads `example` into `T` and writes it back: the result must equal the example (no field
/// of the example is lost or renamed) and satisfy the schema.
fn round_trip<T: Serialize + DeserializeOwned + Debug>(
    what: &str,
    example: &Value,
    validate: impl Fn(&Value) -> Result<(), soulspot_contracts::SchemaViolation>,
) {
    let typed: T = serde_json::from_value(example.clone())
        .unwrap_or_else(|error| panic!("the example of {what} does not read: {error}"));
    let written = serde_json::to_value(&typed).unwrap();
    assert_eq!(&written, example, "{what} does not write its example back");
    validate(&written).unwrap_or_else(|error| panic!("{what}: {error}"));
}

fn check_event<E: EventPayload + Debug>() -> &'static str {
    let contracts = contracts().unwrap();
    let contract = contracts.event(E::EVENT_TYPE).unwrap();
    round_trip::<E>(E::EVENT_TYPE, contract.data.example(), |data| {
        contracts.validate_event(E::EVENT_TYPE, &contract.version, data)
    });
    E::EVENT_TYPE
}

fn check_capability<R: CapabilityRequest + Debug>() -> &'static str
where
    R::Reply: Debug,
{
    let contracts = contracts().unwrap();
    let contract = contracts.capability(R::OPERATION).unwrap();
    let operation = R::OPERATION;
    round_trip::<R>(
        &format!("{operation} request"),
        contract.request.example(),
        |request| contracts.validate_request(operation, request),
    );
    round_trip::<R::Reply>(
        &format!("{operation} reply"),
        contract.reply.example(),
        |reply| contracts.validate_reply(operation, reply),
    );
    operation
}

/// The names of the contract files in `contracts/<folder>/`.
fn contract_files(folder: &str) -> BTreeSet<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contracts/");
    std::fs::read_dir(format!("{dir}{folder}"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter_map(|name| name.strip_suffix(".yaml").map(str::to_owned))
        .collect()
}

#[test]
fn every_event_contract_has_a_payload_that_reads_and_writes_its_example() {
    let checked: BTreeSet<String> = [
        check_event::<DownloadStarted>(),
        check_event::<DownloadProgress>(),
        check_event::<DownloadCompleted>(),
        check_event::<DownloadFailed>(),
        check_event::<DownloadCompletedForSource>(),
        check_event::<PipelineCompleted>(),
        check_event::<PipelineFailed>(),
        check_event::<soulspot_contracts::ModuleAnnouncement>(),
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(
        checked,
        contract_files("events"),
        "every event contract needs a payload struct checked here"
    );
}

#[test]
fn every_capability_contract_has_payloads_that_read_and_write_its_examples() {
    let checked: BTreeSet<String> = [
        check_capability::<HealthRequest>(),
        check_capability::<SearchTrackRequest>(),
        check_capability::<PlaylistTracksRequest>(),
        check_capability::<DownloadTrackRequest>(),
        check_capability::<EnrichMetadataRequest>(),
        check_capability::<ImportTrackRequest>(),
        check_capability::<LibraryContainsRequest>(),
        check_capability::<LibraryStatsRequest>(),
        check_capability::<PlaylistWriteRequest>(),
        check_capability::<NotifyTrackReadyRequest>(),
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(
        checked,
        contract_files("capabilities"),
        "every capability contract needs payload structs checked here"
    );
}

fn track() -> TrackRef {
    TrackRef {
        id: Some("t-1".to_owned()),
        spotify_id: Some("67Hna13dNDkZvBpTXRIaOJ".to_owned()),
        musicbrainz_id: Some("0f4a8d4e-1d2b-4a6f-9c3e-6a2b1f0c9d11".to_owned()),
        isrc: Some("GBAAA9800001".to_owned()),
        title: "Teardrop".to_owned(),
        artist: "Massive Attack".to_owned(),
        album: Some("Mezzanine".to_owned()),
        duration_ms: Some(330_000),
    }
}

fn file() -> FileRef {
    FileRef {
        file_id: "f-1".to_owned(),
        path: "/downloads/Mezzanine/03 - Teardrop.flac".to_owned(),
        size: 34_201_933,
        format: "flac".to_owned(),
        checksum: Some("sha256:00".to_owned()),
    }
}

/// The fields the examples leave out are checked here, each struct with every field set.
#[test]
fn payloads_with_every_optional_field_set_satisfy_their_schemas() {
    let contracts = contracts().unwrap();
    let download = DownloadTrackRequest {
        track: track(),
        job_id: Some("job-42".to_owned()),
        formats: Some(vec!["flac".to_owned(), "mp3".to_owned()]),
    };
    let metadata = TrackMetadata {
        title: "Teardrop".to_owned(),
        artist: "Massive Attack".to_owned(),
        album: Some("Mezzanine".to_owned()),
        album_artist: Some("Massive Attack".to_owned()),
        track_number: Some(3),
        disc_number: Some(1),
        date: Some("1998-04-20".to_owned()),
        musicbrainz_recording_id: Some("rec".to_owned()),
        musicbrainz_release_id: Some("rel".to_owned()),
        musicbrainz_artist_id: Some("art".to_owned()),
        cover_art: true,
    };
    let enriched = EnrichMetadataReply {
        tags_written: true,
        file: Some(file()),
        metadata,
    };
    let import = ImportTrackRequest {
        job_id: Some("job-42".to_owned()),
        file: file(),
        track: track(),
        metadata: Some(ImportMetadata {
            title: Some("Teardrop".to_owned()),
            artist: Some("Massive Attack".to_owned()),
            album: Some("Mezzanine".to_owned()),
            album_artist: Some("Massive Attack".to_owned()),
            track_number: Some(3),
            disc_number: Some(1),
            date: Some("1998".to_owned()),
            musicbrainz_recording_id: Some("rec".to_owned()),
            bitrate_kbps: Some(320),
        }),
    };
    let checks = [
        (
            "download.track",
            serde_json::to_value(&download).unwrap(),
            true,
        ),
        ("import.track", serde_json::to_value(&import).unwrap(), true),
        (
            "enrich.metadata",
            serde_json::to_value(&enriched).unwrap(),
            false,
        ),
    ];
    for (operation, value, is_request) in checks {
        let valid = if is_request {
            contracts.validate_request(operation, &value)
        } else {
            contracts.validate_reply(operation, &value)
        };
        valid.unwrap_or_else(|error| panic!("{error}"));
    }
}

#[test]
fn absent_optional_fields_are_left_out_not_sent_as_null() {
    let failed = DownloadFailed {
        download_id: "d-1".to_owned(),
        job_id: None,
        track: TrackRef {
            title: "Teardrop".to_owned(),
            artist: "Massive Attack".to_owned(),
            ..TrackRef::default()
        },
        error: "no candidate".to_owned(),
        can_retry: true,
    };
    assert_eq!(
        serde_json::to_value(&failed).unwrap(),
        json!({"download_id": "d-1", "track": {"title": "Teardrop", "artist": "Massive Attack"},
               "error": "no candidate", "can_retry": true})
    );
}

#[test]
fn strict_requests_refuse_unknown_fields_and_open_ones_ignore_them() {
    let unknown = json!({"query": "teardrop", "limit": 5, "page": 2});
    assert!(serde_json::from_value::<SearchTrackRequest>(unknown).is_err());
    let stats = json!({"verbose": true});
    assert!(serde_json::from_value::<LibraryStatsRequest>(stats).is_err());
    let health = json!({"verbose": true});
    assert!(serde_json::from_value::<HealthRequest>(health).is_ok());
    let newer_event = json!({"download_id": "d-1", "bytes_transferred": 1, "size": 2,
                             "percent": 50.0, "speed": 10});
    assert!(serde_json::from_value::<DownloadProgress>(newer_event).is_ok());
}
