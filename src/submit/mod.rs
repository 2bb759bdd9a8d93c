//! Submission to a clearinghouse, one transaction set at a time, exactly once.
//!
//! This layer is being built (issue: submitter). What is here so far is the pure policy the
//! submitter will run on: the idempotency key ([`key`]), the classification of an attempt's
//! result ([`classify`]), and the retry policy and circuit breaker on an injected clock
//! ([`policy`]). The ledger's rules and its SQLite backend are in [`crate::ledger`]. The
//! transport, the simulator, the PostgreSQL ledger and the command come next.

pub mod classify;
pub mod key;
pub mod policy;

pub use classify::{Outcome, Seen, classify};
pub use key::{UnitKey, UnitKeyFields, payload_sha256};
pub use policy::{Breaker, BreakerState, RetryPolicy, parse_retry_after};
