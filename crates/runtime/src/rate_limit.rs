//! A sliding-window limiter for calls to external services with a published rate limit: the
//! Soulseek server bans clients that search faster than 34 times per 220 s, MusicBrainz
//! refuses more than one request per second. Callers wait their turn in arrival order.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// At most `capacity` permits in any window of `window`; shared by every caller of a service.
#[derive(Debug)]
pub struct SlidingWindowLimiter {
    capacity: usize,
    window: Duration,
    /// When each permit inside the current window was granted, oldest first. The async
    /// mutex is held while waiting, so waiters are served in arrival order.
    granted: Mutex<VecDeque<Instant>>,
}

impl SlidingWindowLimiter {
    pub fn new(capacity: usize, window: Duration) -> Self {
        Self {
            capacity: capacity.max(1),
            window,
            // Grows with use: a generous configured capacity must not be allocated up front.
            granted: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until a permit is free, then takes it.
    pub async fn acquire(&self) {
        let mut granted = self.granted.lock().await;
        loop {
            let now = Instant::now();
            while granted
                .front()
                .is_some_and(|oldest| now.duration_since(*oldest) >= self.window)
            {
                granted.pop_front();
            }
            match granted.front() {
                Some(oldest) if granted.len() >= self.capacity => {
                    let free_at = *oldest + self.window;
                    tracing::debug!(wait = ?free_at.duration_since(now), "rate limit reached, waiting");
                    tokio::time::sleep_until(free_at).await;
                }
                _ => {
                    granted.push_back(now);
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn grants_capacity_at_once_then_waits_for_the_oldest_to_leave_the_window() {
        let limiter = SlidingWindowLimiter::new(3, Duration::from_secs(10));
        let started = Instant::now();
        for _ in 0..3 {
            limiter.acquire().await;
        }
        assert_eq!(started.elapsed(), Duration::ZERO);
        limiter.acquire().await;
        assert_eq!(started.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn the_window_slides_with_each_grant() {
        let limiter = SlidingWindowLimiter::new(2, Duration::from_secs(10));
        let started = Instant::now();
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(4)).await;
        limiter.acquire().await;
        limiter.acquire().await;
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(10),
            "third waits for the first"
        );
        limiter.acquire().await;
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(14),
            "fourth waits for the second"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_waiters_never_exceed_the_limit_in_any_window() {
        let limiter = Arc::new(SlidingWindowLimiter::new(34, Duration::from_secs(220)));
        let started = Instant::now();
        let waiters: Vec<_> = (0..100)
            .map(|_| {
                let limiter = Arc::clone(&limiter);
                tokio::spawn(async move {
                    limiter.acquire().await;
                    started.elapsed()
                })
            })
            .collect();
        let mut granted_at = Vec::new();
        for waiter in waiters {
            granted_at.push(waiter.await.unwrap());
        }
        granted_at.sort();
        for (index, at) in granted_at.iter().enumerate().skip(34) {
            assert!(*at - granted_at[index - 34] >= Duration::from_secs(220));
        }
        assert_eq!(granted_at[99], Duration::from_secs(220 * 2));
    }

    #[tokio::test]
    async fn a_huge_capacity_is_not_allocated_up_front() {
        for capacity in [1 << 20, usize::MAX] {
            let limiter = SlidingWindowLimiter::new(capacity, Duration::from_secs(1));
            assert_eq!(limiter.granted.lock().await.capacity(), 0, "{capacity}");
            limiter.acquire().await;
            limiter.acquire().await;
            let granted = limiter.granted.lock().await;
            assert_eq!(granted.len(), 2, "both granted at once");
            assert!(
                granted.capacity() < 64,
                "{capacity}: reserved {}",
                granted.capacity()
            );
        }
    }
}
