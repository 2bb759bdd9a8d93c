//! Fault injection: which fault, if any, the simulator plays for a request.
//!
//! The decision is a pure function of (seed, idempotency key, the n-th request seen for that
//! key), hashed with SHA-256, so it does not depend on how concurrent requests interleave: a
//! test that replays the same keys in the same per-key order sees the same faults.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// A fault the simulator can inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// `429` with `Retry-After: 1`, before anything is committed.
    Throttled,
    /// `429` without `Retry-After`, before anything is committed.
    ThrottledBare,
    /// `500`, before anything is committed.
    InternalError,
    /// `502`, before anything is committed.
    BadGateway,
    /// `503`, with `Retry-After: 1` on about half of them, before anything is committed.
    Unavailable,
    /// `504`, before anything is committed.
    GatewayTimeout,
    /// Commit, then wait [`super::SimConfig::slow`] (longer than the client's timeout), then
    /// answer: the client gives up on a submission that was in fact committed.
    Slow,
    /// Commit, then close the connection without an answer.
    Drop,
    /// Answer a business rejection (`SIM-EDIT-1` on `CLM02`) instead of validating: a claim
    /// edit the client must never retry. Not in the default set.
    ClaimEdit,
}

impl FaultKind {
    /// Every kind.
    pub const ALL: [FaultKind; 9] = [
        FaultKind::Throttled,
        FaultKind::ThrottledBare,
        FaultKind::InternalError,
        FaultKind::BadGateway,
        FaultKind::Unavailable,
        FaultKind::GatewayTimeout,
        FaultKind::Slow,
        FaultKind::Drop,
        FaultKind::ClaimEdit,
    ];

    /// The default set: every transient kind (all but [`FaultKind::ClaimEdit`]), so a client
    /// that retries well ends with every submission accepted.
    pub const TRANSIENT: [FaultKind; 8] = [
        FaultKind::Throttled,
        FaultKind::ThrottledBare,
        FaultKind::InternalError,
        FaultKind::BadGateway,
        FaultKind::Unavailable,
        FaultKind::GatewayTimeout,
        FaultKind::Slow,
        FaultKind::Drop,
    ];

    /// The name used on the command line and in logs: `429`, `429-bare`, `500`, `502`,
    /// `503`, `504`, `slow`, `drop`, `claim-edit`.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Throttled => "429",
            FaultKind::ThrottledBare => "429-bare",
            FaultKind::InternalError => "500",
            FaultKind::BadGateway => "502",
            FaultKind::Unavailable => "503",
            FaultKind::GatewayTimeout => "504",
            FaultKind::Slow => "slow",
            FaultKind::Drop => "drop",
            FaultKind::ClaimEdit => "claim-edit",
        }
    }

    /// The HTTP status answered before committing, for the kinds that answer at once.
    pub fn early_status(self) -> Option<u16> {
        match self {
            FaultKind::Throttled | FaultKind::ThrottledBare => Some(429),
            FaultKind::InternalError => Some(500),
            FaultKind::BadGateway => Some(502),
            FaultKind::Unavailable => Some(503),
            FaultKind::GatewayTimeout => Some(504),
            FaultKind::Slow | FaultKind::Drop | FaultKind::ClaimEdit => None,
        }
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a fault kind.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown fault kind {0:?} (known: 429, 429-bare, 500, 502, 503, 504, slow, drop, claim-edit)"
)]
pub struct UnknownFaultKind(pub String);

impl FromStr for FaultKind {
    type Err = UnknownFaultKind;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        FaultKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| UnknownFaultKind(name.to_string()))
    }
}

/// The fault played on a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// Which fault.
    pub kind: FaultKind,
    /// For [`FaultKind::Unavailable`]: whether the 503 carries `Retry-After: 1`.
    pub retry_after: bool,
}

/// 64 bits of SHA-256 over (seed, key, attempt), one stream per `purpose`.
fn draw(seed: u64, key: &str, attempt: u64, purpose: u8) -> u64 {
    let mut hasher = Sha256::new();
    hasher.update(seed.to_le_bytes());
    hasher.update((key.len() as u64).to_le_bytes());
    hasher.update(key.as_bytes());
    hasher.update(attempt.to_le_bytes());
    hasher.update([purpose]);
    let digest = hasher.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(bytes)
}

/// The fault for the `attempt`-th request (0-based) carrying `key`, if any: a fault with
/// probability `rate` (clamped to 0..=1), its kind drawn uniformly from `kinds`.
pub fn decide(seed: u64, key: &str, attempt: u64, rate: f64, kinds: &[FaultKind]) -> Option<Fault> {
    if kinds.is_empty() || rate.is_nan() || rate <= 0.0 {
        return None;
    }
    // 53 bits give a uniform f64 in [0, 1).
    let unit = (draw(seed, key, attempt, 0) >> 11) as f64 / (1u64 << 53) as f64;
    if unit >= rate.min(1.0) {
        return None;
    }
    let index = draw(seed, key, attempt, 1) % kinds.len() as u64;
    let kind = *kinds.get(index as usize)?;
    Some(Fault {
        kind,
        retry_after: draw(seed, key, attempt, 2) & 1 == 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in FaultKind::ALL {
            assert_eq!(kind.name().parse::<FaultKind>(), Ok(kind));
        }
        assert!("418".parse::<FaultKind>().is_err());
        assert!(!FaultKind::TRANSIENT.contains(&FaultKind::ClaimEdit));
    }

    #[test]
    fn the_decision_depends_only_on_seed_key_and_attempt() {
        let kinds = FaultKind::TRANSIENT;
        for attempt in 0..50 {
            assert_eq!(
                decide(7, "k", attempt, 0.5, &kinds),
                decide(7, "k", attempt, 0.5, &kinds)
            );
        }
        let sequence = |seed| {
            (0..64)
                .map(|a| decide(seed, "k", a, 0.5, &kinds))
                .collect::<Vec<_>>()
        };
        assert_ne!(sequence(1), sequence(2));
    }

    #[test]
    fn the_rate_is_kept_and_every_kind_is_drawn() {
        let kinds = FaultKind::TRANSIENT;
        let faults: Vec<Fault> = (0..10_000)
            .filter_map(|i| decide(3, &format!("key-{i}"), 0, 0.3, &kinds))
            .collect();
        assert!((2_800..3_200).contains(&faults.len()), "{}", faults.len());
        for kind in kinds {
            assert!(faults.iter().any(|f| f.kind == kind), "{kind} never drawn");
        }
        assert_eq!(decide(3, "k", 0, 0.0, &kinds), None);
        assert!(decide(3, "k", 0, 1.0, &kinds).is_some());
        assert_eq!(decide(3, "k", 0, 1.0, &[]), None);
    }
}
