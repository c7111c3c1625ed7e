use std::time::Duration;

use super::*;

fn records() -> PeerRecords {
    PeerRecords::new(PeerSettings {
        fails_to_downrank: 1,
        fails_to_ignore: 2,
        ignore_secs: 60,
    })
}

#[test]
fn one_failure_downranks_two_ignore_for_the_configured_time() {
    let records = records();
    let now = Instant::now();
    assert_eq!(records.standing("pete", now), PeerStanding::default());

    records.record("pete", Outcome::Stalled, now);
    let standing = records.standing("pete", now);
    assert!(standing.downranked && !standing.ignored);

    records.record("pete", Outcome::Failed, now);
    assert!(
        records
            .standing("pete", now + Duration::from_secs(59))
            .ignored
    );
    let later = records.standing("pete", now + Duration::from_secs(60));
    assert!(!later.ignored);
    assert!(later.downranked, "still tried last once the ignore ends");
    let record = records.get("pete").unwrap();
    assert_eq!((record.failures, record.stalls), (2, 1));
}

#[test]
fn a_success_clears_the_failures_and_keeps_the_observed_speed() {
    let records = records();
    let now = Instant::now();
    records.record("sam", Outcome::Failed, now);
    records.record(
        "sam",
        Outcome::Succeeded {
            bytes_per_sec: 42_000,
        },
        now,
    );
    assert_eq!(
        records.standing("sam", now),
        PeerStanding {
            ignored: false,
            downranked: false,
            observed_speed: Some(42_000)
        }
    );
    assert_eq!(records.get("sam").unwrap().successes, 1);
}

#[test]
fn the_least_recently_seen_peer_is_forgotten_when_full() {
    let records = records();
    let start = Instant::now();
    for n in 0..MAX_REMEMBERED_PEERS as u64 {
        records.record(
            &format!("peer{n}"),
            Outcome::Failed,
            start + Duration::from_millis(n),
        );
    }
    records.record(
        "newcomer",
        Outcome::Failed,
        start + Duration::from_secs(3600),
    );
    assert!(records.get("peer0").is_none());
    assert!(records.get("peer1").is_some());
    assert!(records.get("newcomer").is_some());
}
