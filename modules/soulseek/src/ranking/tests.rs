//! Tests of `ranking`.

use super::*;
use crate::settings::RankingSettings;

fn criteria() -> RankingCriteria {
    RankingSettings::default().criteria(None)
}

fn glass_harbour() -> Wanted {
    Wanted {
        title: "Glass Harbour".to_owned(),
        artist: "Aurora Lane".to_owned(),
        length_secs: Some(214),
    }
}

fn file(filename: &str, length: Option<u32>) -> SharedFile {
    SharedFile {
        filename: filename.to_owned(),
        size: 1_000,
        length,
        ..SharedFile::default()
    }
}

fn response(username: &str, files: Vec<SharedFile>) -> SearchResponse {
    SearchResponse {
        username: username.to_owned(),
        files,
        has_free_upload_slot: true,
        queue_length: 0,
        upload_speed: 1_000_000,
    }
}

const GOOD: &str = r"@@music\Aurora Lane\Northern Lights\01 - Glass Harbour.flac";

#[test]
fn accepts_the_exact_track() {
    assert_eq!(
        rejection(&glass_harbour(), &criteria(), &file(GOOD, Some(214))),
        None
    );
}

#[test]
fn rejects_remixes_and_live_recordings() {
    let remix = file(
        r"@@dj\Aurora Lane\Remixes\01 - Glass Harbour (Midnight Remix).flac",
        Some(214),
    );
    let live = file(
        r"@@dj\Aurora Lane\Live\04 - Glass Harbour [Live].flac",
        Some(214),
    );
    let dashed = file(
        r"@@dj\Aurora Lane\Glass Harbour - Live at the Roundhouse.mp3",
        None,
    );
    let radio = file(r"@@dj\Aurora Lane\Glass Harbour (Radio Edit).mp3", None);
    for (variant, marker) in [
        (remix, "remix"),
        (live, "live"),
        (dashed, "live"),
        (radio, "edit"),
    ] {
        assert_eq!(
            rejection(&glass_harbour(), &criteria(), &variant),
            Some(Rejection::Variant(marker.to_owned())),
            "{}",
            variant.filename
        );
    }
}

#[test]
fn rejects_a_length_outside_the_tolerance_but_not_an_unknown_one() {
    let wanted = glass_harbour();
    let long = file(GOOD, Some(234));
    assert_eq!(
        rejection(&wanted, &criteria(), &long),
        Some(Rejection::Length {
            file_secs: 234,
            wanted_secs: 214
        })
    );
    assert_eq!(
        rejection(&wanted, &criteria(), &file(GOOD, Some(217))),
        None
    );
    assert_eq!(rejection(&wanted, &criteria(), &file(GOOD, None)), None);
    let unknown_track = Wanted {
        length_secs: None,
        ..wanted
    };
    assert_eq!(rejection(&unknown_track, &criteria(), &long), None);
}

#[test]
fn skips_locked_files() {
    let locked = SharedFile {
        is_locked: true,
        ..file(GOOD, Some(214))
    };
    assert_eq!(
        rejection(&glass_harbour(), &criteria(), &locked),
        Some(Rejection::Locked)
    );
}

#[test]
fn requires_a_known_format_from_the_extension_or_the_suffix() {
    let wma = file(r"@@m\Aurora Lane\01 - Glass Harbour.wma", None);
    assert_eq!(
        rejection(&glass_harbour(), &criteria(), &wma),
        Some(Rejection::Format("wma".to_owned()))
    );
    let reported = SharedFile {
        extension: "FLAC".to_owned(),
        ..file(r"@@m\Aurora Lane\Glass Harbour", None)
    };
    assert_eq!(format_of(&reported), "flac");
    assert_eq!(format_of(&file(r"@@m\x\.hidden", None)), "");
}

#[test]
fn matches_title_and_artist_strictly_and_without_diacritics() {
    let wanted = Wanted {
        title: "Café Olé".to_owned(),
        artist: "Zoë Mercier".to_owned(),
        length_secs: Some(198),
    };
    let folded = file(
        r"@@share\Music\Zoe Mercier - Cafe Ole\01 Cafe Ole.mp3",
        Some(198),
    );
    assert_eq!(rejection(&wanted, &criteria(), &folded), None);
    let other_artist = file(r"@@share\Music\Zoe Merciers\01 Cafe Ole.mp3", None);
    assert_eq!(
        rejection(&wanted, &criteria(), &other_artist),
        Some(Rejection::ArtistMissing)
    );
    let title_in_album_only = file(r"@@m\Zoë Mercier\Café Olé\02 - Déjà Vu à Paris.flac", None);
    assert_eq!(
        rejection(&wanted, &criteria(), &title_in_album_only),
        Some(Rejection::TitleMissing)
    );
    let partial_word = file(r"@@m\Zoë Mercier\01 - Café Olés.flac", None);
    assert_eq!(
        rejection(&wanted, &criteria(), &partial_word),
        Some(Rejection::TitleMissing)
    );
}

fn candidate(
    username: &str,
    format: &str,
    bit_rate: Option<u32>,
    slot: bool,
    speed: u64,
    queue: u64,
) -> Candidate {
    Candidate {
        username: username.to_owned(),
        filename: format!(r"@@m\Aurora Lane\Glass Harbour.{format}"),
        size: 1,
        format: format.to_owned(),
        bit_rate,
        has_free_upload_slot: slot,
        upload_speed: speed,
        queue_length: queue,
    }
}

/// Nothing observed of anyone.
fn unknown_peers(_: &str) -> PeerStanding {
    PeerStanding::default()
}

fn usernames(candidates: &[Candidate]) -> Vec<&str> {
    candidates.iter().map(|c| c.username.as_str()).collect()
}

#[test]
fn orders_by_format_then_bitrate_then_slot_speed_and_queue() {
    let mut list = vec![
        candidate("mp3_320", "mp3", Some(320), true, 9, 0),
        candidate("mp3_192", "mp3", Some(192), true, 9, 0),
        candidate("flac_busy", "flac", None, false, 9, 0),
        candidate("flac_slow", "flac", None, true, 1, 0),
        candidate("flac_fast", "flac", None, true, 5, 0),
        candidate("flac_fast_queued", "flac", None, true, 5, 7),
        candidate("wav", "wav", None, true, 99, 0),
    ];
    order(&mut list, &criteria(), &unknown_peers);
    assert_eq!(
        usernames(&list),
        [
            "flac_fast",
            "flac_fast_queued",
            "flac_slow",
            "flac_busy",
            "mp3_320",
            "mp3_192",
            "wav"
        ]
    );
}

#[test]
fn users_who_failed_rank_last() {
    let mut list = vec![
        candidate("failed", "flac", None, true, 9, 0),
        candidate("fine", "mp3", Some(128), false, 1, 50),
    ];
    let standing = |username: &str| PeerStanding {
        downranked: username == "failed",
        ..PeerStanding::default()
    };
    order(&mut list, &criteria(), &standing);
    assert_eq!(usernames(&list), ["fine", "failed"]);
}

#[test]
fn an_observed_speed_outranks_a_claimed_one() {
    let mut list = vec![
        candidate("claims_fast", "flac", None, true, 50_000_000, 0),
        candidate("proved_fast", "flac", None, true, 100_000, 0),
    ];
    let standing = |username: &str| PeerStanding {
        observed_speed: match username {
            "claims_fast" => Some(900),
            _ => Some(2_000_000),
        },
        ..PeerStanding::default()
    };
    order(&mut list, &criteria(), &standing);
    assert_eq!(usernames(&list), ["proved_fast", "claims_fast"]);
}

#[test]
fn a_bitrate_the_format_cannot_carry_counts_as_none() {
    let mut list = vec![
        candidate("liar", "flac", Some(900_000), true, 9, 0),
        candidate("honest", "flac", Some(1_411), true, 9, 0),
        candidate("mp3_liar", "mp3", Some(3_200), true, 9, 0),
        candidate("mp3_honest", "mp3", Some(128), true, 9, 0),
    ];
    order(&mut list, &criteria(), &unknown_peers);
    assert_eq!(
        usernames(&list),
        ["honest", "liar", "mp3_honest", "mp3_liar"]
    );
}

#[test]
fn ignored_peers_are_no_candidates() {
    let responses = vec![
        response("pete", vec![file(GOOD, Some(214))]),
        response("vinyl_vault", vec![file(GOOD, Some(214))]),
    ];
    let standing = |username: &str| PeerStanding {
        ignored: username == "pete",
        ..PeerStanding::default()
    };
    let ranked = candidates(&glass_harbour(), &criteria(), &responses, &standing);
    assert_eq!(usernames(&ranked), ["vinyl_vault"]);
}

#[test]
fn candidates_keep_only_acceptable_files_best_first() {
    let responses = vec![
        response(
            "mp3_mike",
            vec![SharedFile {
                bit_rate: Some(320),
                ..file(r"@@share\Aurora Lane - 01 - Glass Harbour.mp3", Some(214))
            }],
        ),
        response(
            "vinyl_vault",
            vec![
                file(GOOD, Some(214)),
                file(r"@@music\Aurora Lane\02 - Northern Lights.flac", Some(187)),
            ],
        ),
        response(
            "remix_rick",
            vec![file(
                r"@@dj\Aurora Lane\01 - Glass Harbour (Midnight Remix).flac",
                Some(331),
            )],
        ),
        response(
            "extended_ella",
            vec![file(
                r"@@a\Aurora Lane\Singles\Aurora Lane - Glass Harbour.mp3",
                Some(234),
            )],
        ),
    ];
    let ranked = candidates(&glass_harbour(), &criteria(), &responses, &unknown_peers);
    assert_eq!(usernames(&ranked), ["vinyl_vault", "mp3_mike"]);
    assert_eq!(ranked[0].filename, GOOD);
    assert_eq!(ranked[0].format, "flac");
}
