//! Pure bookkeeping of a transfer's pace: the overall deadline since it was enqueued, and
//! the minimum average speed over a sliding window once bytes flow. A peer that sends a
//! byte now and then is never "stalled", but it is too slow.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use crate::settings::DownloadSettings;

/// The limits one transfer must keep to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceLimits {
    /// From enqueue to completion, queue time included.
    pub deadline: Duration,
    /// Bytes per second, averaged over `window`; 0 means no minimum.
    pub min_speed: u64,
    pub window: Duration,
}

impl From<&DownloadSettings> for PaceLimits {
    fn from(settings: &DownloadSettings) -> Self {
        Self {
            deadline: settings.transfer_deadline(),
            min_speed: settings.min_speed_bytes_per_sec,
            window: settings.speed_window(),
        }
    }
}

/// Which limit a transfer broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breach {
    Deadline {
        after: Duration,
    },
    TooSlow {
        bytes_per_sec: u64,
        window: Duration,
    },
}

/// Follows one transfer's bytes over time.
#[derive(Debug, Clone)]
pub struct PaceWatch {
    limits: PaceLimits,
    enqueued_at: Instant,
    /// When bytes were first seen flowing (or the transfer first reported in progress).
    sending_since: Option<Instant>,
    /// (when, bytes transferred), oldest first; the oldest is at or before the window start.
    samples: VecDeque<(Instant, u64)>,
}

impl PaceWatch {
    pub fn new(limits: PaceLimits, enqueued_at: Instant) -> Self {
        Self {
            limits,
            enqueued_at,
            sending_since: None,
            samples: VecDeque::new(),
        }
    }

    /// Records the transfer as seen at `now`; the limit it broke, if any.
    pub fn observe(&mut self, now: Instant, bytes: u64, sending: bool) -> Option<Breach> {
        if let Some(breach) = self.deadline_breach(now) {
            return Some(breach);
        }
        if !sending && bytes == 0 {
            return None;
        }
        let since = *self.sending_since.get_or_insert(now);
        self.samples.push_back((now, bytes));
        if let Some(window_start) = now.checked_sub(self.limits.window) {
            while self
                .samples
                .get(1)
                .is_some_and(|(at, _)| *at <= window_start)
            {
                self.samples.pop_front();
            }
        }
        if self.limits.min_speed == 0 || now.duration_since(since) < self.limits.window {
            return None;
        }
        let (first_at, first_bytes) = *self.samples.front()?;
        let elapsed = now.duration_since(first_at).as_secs_f64();
        if elapsed <= 0.0 {
            return None;
        }
        let bytes_per_sec = (bytes.saturating_sub(first_bytes) as f64 / elapsed) as u64;
        (bytes_per_sec < self.limits.min_speed).then_some(Breach::TooSlow {
            bytes_per_sec,
            window: self.limits.window,
        })
    }

    /// The deadline breach at `now`, if it passed (also while slskd does not answer).
    pub fn deadline_breach(&self, now: Instant) -> Option<Breach> {
        let after = now.duration_since(self.enqueued_at);
        (after >= self.limits.deadline).then_some(Breach::Deadline { after })
    }
}

#[cfg(test)]
mod tests;
