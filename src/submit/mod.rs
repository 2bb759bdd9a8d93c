//! Submission to a clearinghouse, one transaction set at a time, exactly once.
//!
//! - [`prepare`]: files to units (one transaction set in its own envelope), gated by the
//!   validator;
//! - [`key`]: the idempotency key (ISA13 + GS06 + ST02, scoped by the trading partners);
//! - [`classify`]: what an attempt's result means (accepted, rejected, transient, in doubt);
//! - [`policy`]: jittered backoff and the circuit breaker, on an injected clock;
//! - [`transport`]: the raw-X12 REST contract over HTTP (behind a trait);
//! - [`engine`]: the loop that leases units from the [ledger](crate::ledger), sends them,
//!   and records every outcome before anything else happens to the unit.

pub mod classify;
pub mod engine;
pub mod key;
pub mod policy;
pub mod prepare;
pub mod transport;

pub use classify::{Outcome, Seen, classify};
pub use key::{UnitKey, UnitKeyFields, payload_sha256};
pub use policy::{Breaker, BreakerState, RetryPolicy, parse_retry_after};
pub use prepare::{Gate, PreparedUnit, prepare};
