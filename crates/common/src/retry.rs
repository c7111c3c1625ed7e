//! The one retry policy: exponential backoff with a cap, a bounded number of tries and
//! jitter, stated in settings wherever a call is retried. A [`Backoff`] walks one call's
//! tries; [`RetryPolicy::run`] drives a whole call for the common case.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// How one call is retried. Deserialises from a settings section, e.g.
/// `[routing.retry] base_ms = 100, factor = 2, max_delay_ms = 2000, max_attempts = 4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// The pause before the first retry, in milliseconds.
    pub base_ms: u64,
    /// Each further pause is the previous one times this (1 keeps it constant).
    pub factor: u32,
    /// No pause is longer than this, in milliseconds.
    pub max_delay_ms: u64,
    /// Tries in all, the first included; 0 tries for as long as the caller lets it.
    pub max_attempts: u32,
    /// Up to this percentage of each pause is taken off at random, so that callers that
    /// failed together do not come back together.
    pub jitter_percent: u8,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base_ms: 100,
            factor: 2,
            max_delay_ms: 5_000,
            max_attempts: 4,
            jitter_percent: 20,
        }
    }
}

/// What a failed try means for the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The failure will not pass by itself: return it.
    GiveUp,
    /// Worth another try after the policy's pause.
    Retry,
    /// Worth another try after this long instead of the policy's pause (a server's `Retry-After`).
    RetryAfter(Duration),
}

impl RetryPolicy {
    /// A policy that tries once and never again.
    pub const fn never() -> Self {
        Self {
            base_ms: 0,
            factor: 1,
            max_delay_ms: 0,
            max_attempts: 1,
            jitter_percent: 0,
        }
    }

    /// The same policy with another number of tries.
    pub const fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts;
        self
    }

    /// The pause before retry number `retry` (1 is the first retry), without jitter.
    pub fn delay(&self, retry: u32) -> Duration {
        let growth = u64::from(self.factor.max(1)).saturating_pow(retry.saturating_sub(1).min(63));
        Duration::from_millis(self.base_ms.saturating_mul(growth).min(self.max_delay_ms))
    }

    /// The pause before retry number `retry`, with jitter taken off.
    pub fn pause(&self, retry: u32) -> Duration {
        let delay = self.delay(retry);
        let jitter = u128::from(self.jitter_percent.min(100));
        if jitter == 0 || delay.is_zero() {
            return delay;
        }
        let span = delay.as_micros() * jitter / 100;
        let cut = u128::from(random_u64()) % (span + 1);
        Duration::from_micros(u64::try_from(delay.as_micros() - cut).unwrap_or(u64::MAX))
    }

    /// Whether another try may follow `attempts` tries made so far.
    pub fn allows(&self, attempts: u32) -> bool {
        self.max_attempts == 0 || attempts < self.max_attempts
    }

    /// The tries of one call under this policy.
    pub fn backoff(&self) -> Backoff {
        Backoff {
            policy: *self,
            attempts: 0,
            deadline: None,
        }
    }

    /// Runs `attempt` (given the try number, from 1) until it succeeds, `verdict` gives up,
    /// or the policy allows no further try; then returns the last outcome.
    pub async fn run<T, E, F, Fut>(
        &self,
        mut attempt: F,
        verdict: impl Fn(&E) -> Verdict,
    ) -> Result<T, E>
    where
        F: FnMut(u32) -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut backoff = self.backoff();
        loop {
            let error = match attempt(backoff.start()).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let hint = match verdict(&error) {
                Verdict::GiveUp => return Err(error),
                Verdict::Retry => None,
                Verdict::RetryAfter(wait) => Some(wait),
            };
            match backoff.next_pause(hint) {
                Some(pause) => tokio::time::sleep(pause).await,
                None => return Err(error),
            }
        }
    }
}

/// One call's walk through its policy: count the tries, ask for the pause before the next.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: RetryPolicy,
    attempts: u32,
    deadline: Option<Instant>,
}

impl Backoff {
    /// No pause may end after `deadline`: the caller has stopped waiting by then.
    pub fn until(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Marks the start of a try and returns its number (1 for the first).
    pub fn start(&mut self) -> u32 {
        self.attempts = self.attempts.saturating_add(1);
        self.attempts
    }

    /// Tries started so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// After a failed try: the pause before the next one, or `None` when the policy allows no
    /// more tries or the pause would outlast the deadline. `retry_after` is a server's
    /// `Retry-After`: when given, it is the pause instead of the policy's (a caller caps it
    /// first if it must).
    pub fn next_pause(&self, retry_after: Option<Duration>) -> Option<Duration> {
        if !self.policy.allows(self.attempts) {
            return None;
        }
        let pause = retry_after.unwrap_or_else(|| self.policy.pause(self.attempts.max(1)));
        match self.deadline {
            Some(deadline) if Instant::now() + pause > deadline => None,
            _ => Some(pause),
        }
    }
}

/// A random number from the standard library's per-process hashing keys: enough to spread
/// retries apart, with no dependency.
fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            base_ms: 100,
            factor: 2,
            max_delay_ms: 350,
            max_attempts: 4,
            jitter_percent: 0,
        }
    }

    #[test]
    fn delays_grow_by_the_factor_up_to_the_cap() {
        let delays: Vec<u64> = (1..=5)
            .map(|retry| policy().delay(retry).as_millis() as u64)
            .collect();
        assert_eq!(delays, [100, 200, 350, 350, 350]);
    }

    #[test]
    fn a_huge_retry_number_saturates_instead_of_overflowing() {
        assert_eq!(policy().delay(u32::MAX), Duration::from_millis(350));
    }

    #[test]
    fn jitter_only_shortens_a_pause_and_by_no_more_than_its_share() {
        let jittery = RetryPolicy {
            jitter_percent: 50,
            ..policy()
        };
        let pauses: Vec<Duration> = (0..200).map(|_| jittery.pause(2)).collect();
        assert!(
            pauses
                .iter()
                .all(|pause| *pause >= Duration::from_millis(100))
        );
        assert!(
            pauses
                .iter()
                .all(|pause| *pause <= Duration::from_millis(200))
        );
        assert!(
            pauses.iter().any(|pause| *pause != pauses[0]),
            "no jitter at all"
        );
    }

    #[test]
    fn the_backoff_stops_after_max_attempts_and_honours_retry_after() {
        let mut backoff = policy().backoff();
        backoff.start();
        assert_eq!(backoff.next_pause(None), Some(Duration::from_millis(100)));
        assert_eq!(
            backoff.next_pause(Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            backoff.next_pause(Some(Duration::ZERO)),
            Some(Duration::ZERO),
            "the server's wait replaces the policy's, also when shorter"
        );
        for _ in 0..3 {
            backoff.start();
        }
        assert_eq!(backoff.attempts(), 4);
        assert_eq!(backoff.next_pause(None), None);
    }

    #[tokio::test(start_paused = true)]
    async fn no_pause_outlasts_the_deadline() {
        let mut backoff = policy()
            .backoff()
            .until(Instant::now() + Duration::from_millis(150));
        backoff.start();
        assert_eq!(backoff.next_pause(None), Some(Duration::from_millis(100)));
        assert_eq!(backoff.next_pause(Some(Duration::from_millis(151))), None);
    }

    #[tokio::test(start_paused = true)]
    async fn run_retries_transient_failures_and_returns_the_last_one() {
        let calls = AtomicU32::new(0);
        let outcome: Result<(), &str> = policy()
            .run(
                |_| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    async { Err("busy") }
                },
                |_| Verdict::Retry,
            )
            .await;
        assert_eq!(outcome, Err("busy"));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn run_gives_up_at_once_on_a_permanent_failure_and_stops_on_success() {
        let permanent: Result<(), &str> = policy()
            .run(|_| async { Err("bad input") }, |_| Verdict::GiveUp)
            .await;
        assert_eq!(permanent, Err("bad input"));

        let succeeded = policy()
            .run(
                |attempt| async move {
                    if attempt < 3 {
                        Err("busy")
                    } else {
                        Ok(attempt)
                    }
                },
                |_| Verdict::Retry,
            )
            .await;
        assert_eq!(succeeded, Ok(3));
    }

    #[test]
    fn never_allows_a_single_try() {
        let mut backoff = RetryPolicy::never().backoff();
        backoff.start();
        assert_eq!(backoff.next_pause(None), None);
    }
}
