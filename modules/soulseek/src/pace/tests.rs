use super::*;

fn limits(min_speed: u64) -> PaceLimits {
    PaceLimits {
        deadline: Duration::from_secs(600),
        min_speed,
        window: Duration::from_secs(10),
    }
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[test]
fn a_peer_trickling_bytes_is_too_slow_once_the_window_has_passed() {
    let start = Instant::now();
    let mut watch = PaceWatch::new(limits(1_000), start);
    assert_eq!(watch.observe(start, 0, false), None, "queued: not sending");
    assert_eq!(watch.observe(start + secs(30), 0, false), None);
    // One byte a second: it always changes, so it never looks stalled.
    for second in 31..40 {
        assert_eq!(watch.observe(start + secs(second), second - 30, true), None);
    }
    let breach = watch.observe(start + secs(41), 11, true);
    assert_eq!(
        breach,
        Some(Breach::TooSlow {
            bytes_per_sec: 1,
            window: secs(10)
        })
    );
}

#[test]
fn the_speed_is_measured_over_the_last_window_only() {
    let start = Instant::now();
    let mut watch = PaceWatch::new(limits(1_000), start);
    // A fast start, then a trickle: the early bytes must not hide the slowdown for ever.
    assert_eq!(watch.observe(start, 0, true), None);
    assert_eq!(watch.observe(start + secs(5), 1_000_000, true), None);
    assert_eq!(watch.observe(start + secs(10), 1_000_010, true), None);
    assert_eq!(watch.observe(start + secs(14), 1_000_020, true), None);
    let breach = watch.observe(start + secs(16), 1_000_030, true);
    assert!(
        matches!(breach, Some(Breach::TooSlow { bytes_per_sec, .. }) if bytes_per_sec < 10),
        "{breach:?}"
    );
}

#[test]
fn a_fast_transfer_and_a_disabled_minimum_never_breach() {
    let start = Instant::now();
    let mut fast = PaceWatch::new(limits(1_000), start);
    let mut unlimited = PaceWatch::new(limits(0), start);
    for second in 0..60 {
        let now = start + secs(second);
        assert_eq!(fast.observe(now, second * 5_000, true), None);
        assert_eq!(unlimited.observe(now, second, true), None);
    }
}

#[test]
fn the_deadline_counts_from_enqueue_queue_time_included() {
    let start = Instant::now();
    let mut watch = PaceWatch::new(
        PaceLimits {
            deadline: secs(100),
            ..limits(0)
        },
        start,
    );
    assert_eq!(watch.observe(start + secs(99), 0, false), None);
    assert_eq!(
        watch.observe(start + secs(100), 0, false),
        Some(Breach::Deadline { after: secs(100) })
    );
    assert_eq!(
        watch.deadline_breach(start + secs(120)),
        Some(Breach::Deadline { after: secs(120) })
    );
}
