//! Peers that trickle bytes or lie about what they offer cannot hold a download: the
//! transfer is cancelled at its deadline or minimum speed, the peer loses its rank, then is
//! ignored, and the file comes from an honest peer.

use soulspot_sandbox::TransferFault;
use soulspot_sandbox::audio::AudioFormat;
use soulspot_sandbox::catalog::{Catalog, Peer, PeerFile};
use soulspot_soulseek::SoulseekSettings;

use crate::helpers::{TestApp, spawn_custom, started_users, track, users_with_transfers};

const LIAR: &str = "perfect_pete";
const PAPER_SATELLITES: &str = "6tcijsRUnmk6EQychxpTeB";
const NORTHERN_LIGHTS: &str = "cOz1bL1OiO0smfIAKWKpvq";
/// vinyl_vault's copy (ghost_gina, who is offline, shares the same path).
const HONEST_PAPER_SATELLITES: &str =
    r"@@music\Aurora Lane\Northern Lights\03 - Paper Satellites.flac";

/// A peer that claims everything a ranking likes — lossless files with a high bitrate, a
/// huge upload speed, a free slot, no queue — and then trickles a few bytes at a time.
fn add_liar(catalog: &mut Catalog) {
    let file = |name: &str, track_id: &str| PeerFile {
        filename: format!(r"@@lossless\Aurora Lane\Northern Lights\{name}"),
        track_id: track_id.to_owned(),
        format: AudioFormat::Flac,
        bit_rate: Some(1_411),
        variable_bit_rate: false,
        length_offset_secs: 0,
        locked: false,
        report_extension: true,
        report_attributes: true,
        fault: Some(TransferFault::Trickle),
    };
    catalog.peers.push(Peer {
        username: LIAR.to_owned(),
        offline: false,
        queue_length: 0,
        upload_speed: 50_000_000,
        free_upload_slot: true,
        files: vec![
            file("03 - Paper Satellites.flac", PAPER_SATELLITES),
            file("02 - Northern Lights.flac", NORTHERN_LIGHTS),
        ],
    });
}

/// Short limits: the liar sends about 160 B/s; the stall detector alone would never fire.
fn short_limits(settings: &mut SoulseekSettings) {
    settings.downloads.stall_timeout_secs = 60;
    settings.downloads.min_speed_bytes_per_sec = 4_000;
    settings.downloads.speed_window_secs = 1;
    settings.downloads.transfer_deadline_secs = 30;
}

fn paper_satellites() -> serde_json::Value {
    track("Paper Satellites", "Aurora Lane", 243_200)
}

async fn spawn(adjust: impl FnOnce(&mut SoulseekSettings)) -> TestApp {
    spawn_custom(
        |settings| {
            short_limits(settings);
            adjust(settings);
        },
        add_liar,
    )
    .await
}

#[tokio::test]
async fn a_trickling_peer_is_cancelled_for_its_speed_and_an_honest_peer_completes() {
    let mut app = spawn(|_| {}).await;

    let download_id = app.download(paper_satellites(), "job-trickle").await;
    let events = app.events_until_done(&download_id).await;

    assert_eq!(started_users(&events), [LIAR, "vinyl_vault"]);
    let completed = events.last().unwrap();
    assert_eq!(completed.event_type, "download.completed");
    assert_eq!(completed.data["username"], "vinyl_vault");
    assert!(
        !users_with_transfers(&app).await.contains(&LIAR.to_owned()),
        "the trickling transfer was cancelled and removed in slskd"
    );
}

#[tokio::test]
async fn a_transfer_past_its_deadline_fails_as_a_timeout_and_the_retry_picks_another_peer() {
    let mut app = spawn_custom(
        |settings| {
            short_limits(settings);
            settings.downloads.min_speed_bytes_per_sec = 0;
            settings.downloads.transfer_deadline_secs = 2;
            settings.downloads.max_attempts = 1;
        },
        |catalog| {
            add_liar(catalog);
            // One honest candidate left besides the liar: the offline one would be next.
            catalog.peers.retain(|peer| peer.username != "ghost_gina");
        },
    )
    .await;

    let first = app.download(paper_satellites(), "job-late").await;
    let events = app.events_until_done(&first).await;

    assert_eq!(started_users(&events), [LIAR]);
    let failed = events.last().unwrap();
    assert_eq!(failed.event_type, "download.failed");
    assert_eq!(failed.data["can_retry"], true);
    let error = failed.data["error"].as_str().unwrap();
    assert!(error.contains("not finished 2"), "{error}");

    // The router asks again for the same job: a new download, from another peer.
    let again = app.download(paper_satellites(), "job-late").await;
    assert_ne!(
        again, first,
        "the retry must not join the abandoned download"
    );
    let events = app.events_until_done(&again).await;
    assert_eq!(started_users(&events), ["vinyl_vault"]);
    assert_eq!(events.last().unwrap().event_type, "download.completed");
}

#[tokio::test]
async fn a_peer_that_failed_twice_is_ignored() {
    let mut app = spawn(|_| {}).await;

    let first = app.download(paper_satellites(), "job-1").await;
    let events = app.events_until_done(&first).await;
    assert_eq!(started_users(&events), [LIAR, "vinyl_vault"]);

    // Everyone refuses: the liar, tried last now, fails a second time.
    app.sandbox
        .faults()
        .set_every_transfer(Some(TransferFault::Rejected));
    let second = app
        .download(track("Northern Lights", "Aurora Lane", 187_500), "job-2")
        .await;
    let events = app.events_until_done(&second).await;
    assert_eq!(started_users(&events), ["vinyl_vault", "mp3_mike", LIAR]);
    app.sandbox.faults().set_every_transfer(None);

    // The honest copy is refused now; a liar merely ranked last would be tried again.
    app.sandbox
        .faults()
        .set_file_fault(HONEST_PAPER_SATELLITES, Some(TransferFault::Rejected));
    let third = app.download(paper_satellites(), "job-3").await;
    let events = app.events_until_done(&third).await;
    assert_eq!(started_users(&events), ["vinyl_vault"]);
    assert_eq!(events.last().unwrap().event_type, "download.failed");
}
