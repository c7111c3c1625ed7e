//! Pure bookkeeping of a running transfer: when to report progress, and when it stalled.

use std::time::Duration;

use tokio::time::Instant;

use crate::slskd::Transfer;

/// Decides which progress updates are worth an event: the first, then at most one per
/// `interval` unless the transfer moved on by `step_percent` or more.
#[derive(Debug, Clone)]
pub struct ProgressThrottle {
    interval: Duration,
    step_percent: f64,
    last: Option<(Instant, f64)>,
}

impl ProgressThrottle {
    pub fn new(interval: Duration, step_percent: f64) -> Self {
        Self {
            interval,
            step_percent,
            last: None,
        }
    }

    /// Whether to publish `percent` now; remembers it when so.
    pub fn should_publish(&mut self, now: Instant, percent: f64) -> bool {
        let due = match self.last {
            None => true,
            Some((at, reported)) => {
                percent > reported
                    && (now.duration_since(at) >= self.interval
                        || percent - reported >= self.step_percent)
            }
        };
        if due {
            self.last = Some((now, percent));
        }
        due
    }
}

/// Percent of `transferred` out of `size` (0 when the size is unknown).
pub fn percent(transferred: u64, size: u64) -> f64 {
    if size == 0 {
        return 0.0;
    }
    (100.0 * transferred as f64 / size as f64).clamp(0.0, 100.0)
}

/// Notices a transfer that makes no progress: neither its bytes, its state nor its place
/// in the remote queue changed for `timeout`.
#[derive(Debug, Clone)]
pub struct StallDetector {
    timeout: Duration,
    last_change: Instant,
    seen: Option<(u64, String, Option<u64>)>,
}

impl StallDetector {
    pub fn new(timeout: Duration, now: Instant) -> Self {
        Self {
            timeout,
            last_change: now,
            seen: None,
        }
    }

    /// Records `transfer` as seen at `now`; `true` when it has stalled.
    pub fn observe(&mut self, now: Instant, transfer: &Transfer) -> bool {
        let current = (
            transfer.bytes_transferred,
            transfer.state.clone(),
            transfer.place_in_queue,
        );
        if self.seen.as_ref() != Some(&current) {
            self.seen = Some(current);
            self.last_change = now;
        }
        self.has_stalled(now)
    }

    /// `true` when nothing changed for the timeout (also when slskd stopped answering).
    pub fn has_stalled(&self, now: Instant) -> bool {
        now.duration_since(self.last_change) >= self.timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transfer(bytes: u64, state: &str) -> Transfer {
        Transfer {
            id: uuid::Uuid::nil(),
            username: "peer".to_owned(),
            filename: "f".to_owned(),
            size: 100,
            state: state.to_owned(),
            bytes_transferred: bytes,
            place_in_queue: None,
            exception: None,
        }
    }

    #[test]
    fn progress_is_throttled_by_time_or_step() {
        let start = Instant::now();
        let mut throttle = ProgressThrottle::new(Duration::from_secs(2), 10.0);
        assert!(
            throttle.should_publish(start, 1.0),
            "the first update is published"
        );
        assert!(!throttle.should_publish(start + Duration::from_millis(500), 5.0));
        assert!(
            throttle.should_publish(start + Duration::from_millis(600), 11.0),
            "a 10 % step"
        );
        assert!(!throttle.should_publish(start + Duration::from_secs(1), 12.0));
        assert!(
            throttle.should_publish(start + Duration::from_millis(2700), 13.0),
            "2 s later"
        );
        assert!(
            !throttle.should_publish(start + Duration::from_secs(9), 13.0),
            "no movement"
        );
    }

    #[test]
    fn percent_handles_unknown_sizes() {
        assert_eq!(percent(50, 200), 25.0);
        assert_eq!(percent(5, 0), 0.0);
        assert_eq!(percent(300, 200), 100.0);
    }

    #[test]
    fn a_transfer_without_change_for_the_timeout_has_stalled() {
        let start = Instant::now();
        let timeout = Duration::from_secs(30);
        let mut detector = StallDetector::new(timeout, start);
        assert!(!detector.observe(start, &transfer(0, "Queued, Remotely")));
        assert!(!detector.observe(start + Duration::from_secs(20), &transfer(0, "InProgress")));
        assert!(!detector.observe(start + Duration::from_secs(45), &transfer(0, "InProgress")));
        assert!(!detector.observe(start + Duration::from_secs(49), &transfer(10, "InProgress")));
        assert!(detector.observe(start + Duration::from_secs(79), &transfer(10, "InProgress")));
        assert!(detector.has_stalled(start + Duration::from_secs(80)));
    }
}
