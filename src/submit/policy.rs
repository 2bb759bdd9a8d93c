//! Retry policy and circuit breaker, on an injected clock (durations since an origin) so
//! tests run in virtual time.
//!
//! Backoff is "full jitter": the n-th retry waits a uniformly random time between zero and
//! `min(cap, base × 2^n)`, which spreads retries of many workers. A `Retry-After` from the
//! receiver replaces the computed delay, capped. The breaker opens after N consecutive
//! transient failures and lets one probe through after a cool-down.

use std::time::Duration;

/// When to give up and how long to wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// First backoff ceiling.
    pub base: Duration,
    /// Largest backoff ceiling.
    pub cap: Duration,
    /// Attempts in all (the first one included).
    pub max_attempts: u32,
    /// No retry starts later than this after the first attempt.
    pub max_elapsed: Duration,
    /// Largest wait a `Retry-After` may impose.
    pub retry_after_cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(30),
            max_attempts: 8,
            max_elapsed: Duration::from_secs(600),
            retry_after_cap: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (1 for the first retry), given a random value
    /// (uniform over u64) and the receiver's `Retry-After`, if any.
    pub fn delay(&self, retry: u32, random: u64, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.retry_after_cap);
        }
        let exponent = retry.saturating_sub(1).min(32);
        let ceiling = self
            .base
            .saturating_mul(1u32 << exponent.min(31))
            .min(self.cap);
        let nanos = ceiling.as_nanos().min(u128::from(u64::MAX)) as u64;
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(random % (nanos + 1))
    }

    /// Whether another attempt may start: `attempts` made so far, `elapsed` since the first,
    /// and the wait before it.
    pub fn allows(&self, attempts: u32, elapsed: Duration, wait: Duration) -> bool {
        attempts < self.max_attempts && elapsed.saturating_add(wait) <= self.max_elapsed
    }
}

/// A `Retry-After` header: delta-seconds or an HTTP-date, relative to `now` (seconds since
/// the Unix epoch, for the date form). `None` when it is neither.
pub fn parse_retry_after(value: &str, now_unix: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let format = time::format_description::well_known::Rfc2822;
    let at = time::OffsetDateTime::parse(value, &format).ok()?;
    let wait = at.unix_timestamp() - now_unix;
    Some(Duration::from_secs(wait.max(0) as u64))
}

/// Breaker states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    /// Requests flow; counts consecutive transient failures.
    Closed {
        /// Consecutive transient failures so far.
        failures: u32,
    },
    /// Requests wait until the cool-down ends.
    Open {
        /// When a probe may go (time since the clock's origin).
        until: Duration,
    },
    /// One probe is out; its outcome closes or reopens the breaker.
    HalfOpen,
}

/// A circuit breaker for one endpoint.
#[derive(Clone, Debug)]
pub struct Breaker {
    /// Consecutive transient failures that open it.
    pub threshold: u32,
    /// How long it stays open before a probe.
    pub cool_down: Duration,
    state: BreakerState,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(threshold: u32, cool_down: Duration) -> Self {
        Breaker {
            threshold: threshold.max(1),
            cool_down,
            state: BreakerState::Closed { failures: 0 },
        }
    }

    /// Its state.
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// How long the breaker still holds requests at `now`, without changing its state
    /// (`None`: a request may go, possibly as the half-open probe).
    pub fn hold(&self, now: Duration) -> Option<Duration> {
        match self.state {
            BreakerState::Closed { .. } => None,
            BreakerState::Open { until } if now >= until => None,
            BreakerState::Open { until } => Some(until - now),
            BreakerState::HalfOpen => Some(self.cool_down),
        }
    }

    /// Whether a request may go at `now`; `Err(wait)` says how long the queue must pause.
    /// When it lets a probe through it becomes half-open, and refuses others until the
    /// probe's outcome is recorded.
    pub fn admit(&mut self, now: Duration) -> Result<(), Duration> {
        match self.state {
            BreakerState::Closed { .. } => Ok(()),
            BreakerState::Open { until } if now >= until => {
                self.state = BreakerState::HalfOpen;
                Ok(())
            }
            BreakerState::Open { until } => Err(until - now),
            BreakerState::HalfOpen => Err(self.cool_down),
        }
    }

    /// A request succeeded (or failed for a reason that says nothing of the endpoint's
    /// health, such as a claim edit).
    pub fn success(&mut self) {
        self.state = BreakerState::Closed { failures: 0 };
    }

    /// A request failed transiently at `now`.
    pub fn failure(&mut self, now: Duration) {
        self.state = match self.state {
            BreakerState::Closed { failures } if failures + 1 < self.threshold => {
                BreakerState::Closed {
                    failures: failures + 1,
                }
            }
            _ => BreakerState::Open {
                until: now + self.cool_down,
            },
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_stays_under_the_growing_capped_ceiling() {
        let policy = RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        assert_eq!(
            policy.delay(1, u64::MAX, None),
            Duration::from_nanos(u64::MAX % 100_000_001)
        );
        for retry in 1..40 {
            let ceiling =
                Duration::from_millis(100 * (1 << (retry - 1).min(20))).min(Duration::from_secs(1));
            for random in [0, 1, 12345, u64::MAX / 3, u64::MAX] {
                assert!(
                    policy.delay(retry, random, None) <= ceiling,
                    "retry {retry}"
                );
            }
        }
        assert_eq!(policy.delay(3, 0, None), Duration::ZERO);
    }

    #[test]
    fn retry_after_replaces_the_delay_but_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(1, 7, Some(Duration::from_secs(5))),
            Duration::from_secs(5)
        );
        assert_eq!(
            policy.delay(1, 7, Some(Duration::from_secs(86_400))),
            policy.retry_after_cap
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("120", 0), Some(Duration::from_secs(120)));
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777 seconds after the epoch.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_767),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_800),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", 0), None);
    }

    #[test]
    fn attempts_and_elapsed_time_are_bounded() {
        let policy = RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        assert!(policy.allows(2, Duration::from_secs(1), Duration::from_secs(1)));
        assert!(!policy.allows(3, Duration::from_secs(1), Duration::ZERO));
        assert!(!policy.allows(1, Duration::from_secs(9), Duration::from_secs(2)));
    }

    #[test]
    fn the_breaker_opens_waits_probes_and_closes() {
        let mut breaker = Breaker::new(3, Duration::from_secs(30));
        let t = Duration::from_secs;
        assert_eq!(breaker.admit(t(0)), Ok(()));
        breaker.failure(t(1));
        breaker.failure(t(2));
        assert_eq!(breaker.admit(t(2)), Ok(()));
        breaker.failure(t(3));
        assert_eq!(breaker.state(), BreakerState::Open { until: t(33) });
        assert_eq!(breaker.admit(t(10)), Err(t(23)));
        assert_eq!(
            breaker.admit(t(33)),
            Ok(()),
            "one probe after the cool-down"
        );
        assert!(breaker.admit(t(33)).is_err(), "only one probe at a time");
        breaker.failure(t(34));
        assert_eq!(breaker.state(), BreakerState::Open { until: t(64) });
        assert_eq!(breaker.admit(t(64)), Ok(()));
        breaker.success();
        assert_eq!(breaker.state(), BreakerState::Closed { failures: 0 });
    }

    #[test]
    fn hold_tells_the_wait_without_taking_the_probe() {
        let mut breaker = Breaker::new(1, Duration::from_secs(10));
        assert_eq!(breaker.hold(Duration::ZERO), None);
        breaker.failure(Duration::from_secs(1));
        assert_eq!(
            breaker.hold(Duration::from_secs(4)),
            Some(Duration::from_secs(7))
        );
        assert_eq!(breaker.hold(Duration::from_secs(11)), None);
        assert!(
            matches!(breaker.state(), BreakerState::Open { .. }),
            "hold changes nothing"
        );
        assert_eq!(breaker.admit(Duration::from_secs(11)), Ok(()));
        assert_eq!(
            breaker.hold(Duration::from_secs(11)),
            Some(Duration::from_secs(10))
        );
    }
}
