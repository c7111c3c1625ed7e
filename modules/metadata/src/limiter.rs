//! An interval gate: callers pass one at a time, at least `interval` apart, in arrival order.
//! MusicBrainz allows one request per second per client, so every request of the module
//! (searches, look-ups and their retries) goes through the same gate.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// Hands out send slots spaced `interval` apart.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next_slot: Mutex<Option<Instant>>,
}

impl RateLimiter {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            next_slot: Mutex::new(None),
        }
    }

    /// Waits for the next free slot and claims it. Slots are reserved under the lock and
    /// waited for outside it, so concurrent callers queue up without holding one another.
    pub async fn acquire(&self) {
        let slot = {
            let mut next_slot = self.next_slot.lock().await;
            let now = Instant::now();
            let slot = next_slot.map_or(now, |reserved| reserved.max(now));
            *next_slot = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_first_caller_passes_at_once() {
        let limiter = RateLimiter::new(Duration::from_secs(1));
        let started = Instant::now();
        limiter.acquire().await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_are_spaced_by_the_interval() {
        let limiter = Arc::new(RateLimiter::new(Duration::from_secs(1)));
        let started = Instant::now();
        let callers: Vec<_> = (0..4)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                tokio::spawn(async move {
                    limiter.acquire().await;
                    started.elapsed()
                })
            })
            .collect();
        let mut passed = Vec::new();
        for caller in callers {
            passed.push(caller.await.unwrap());
        }
        passed.sort();
        let seconds: Vec<u64> = passed.iter().map(Duration::as_secs).collect();
        assert_eq!(seconds, [0, 1, 2, 3]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_gate_does_not_bank_slots() {
        let limiter = RateLimiter::new(Duration::from_secs(1));
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let resumed = Instant::now();
        limiter.acquire().await;
        assert_eq!(resumed.elapsed(), Duration::ZERO);
        limiter.acquire().await;
        assert_eq!(resumed.elapsed(), Duration::from_secs(1));
    }
}
