//! The durable ledger of submissions: one row per unit (one transaction set, keyed by
//! [`UnitKey`](crate::submit::UnitKey)) and an append-only audit of every attempt and
//! transition.
//!
//! The rules that make "never twice, never lost" hold are one pure function,
//! [`transition`], that every backend calls:
//! - an attempt is recorded (state `in_flight`, attempts + 1, a lease) and committed before
//!   the first byte is sent;
//! - the same key with another payload hash is refused;
//! - a lease that expires (a worker crashed mid-attempt) becomes `in_doubt`, or a retry when
//!   the receiver deduplicates by key, never silently `pending`;
//! - final states (accepted, rejected_*, dead) never change except by an operator.
//!
//! Backends: [`sqlite::SqliteLedger`] (embedded default, one machine) and
//! [`postgres::PostgresLedger`] (shared by many workers on many machines). [`open`] picks
//! one from a spec such as `sqlite:ledger.sqlite` or `postgres://user@host/db`. Every
//! backend passes the same conformance suite (`tests/ledger_conformance.rs`). Times are
//! milliseconds since the Unix epoch, passed in, so tests run on a virtual clock.

pub mod postgres;
pub mod sqlite;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::Serialize;

/// Where a unit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Waiting for its first attempt.
    Pending,
    /// An attempt is under way (a worker holds the lease).
    InFlight,
    /// A transient failure; the next attempt waits for `next_at`.
    RetryWait,
    /// The receiver accepted it.
    Accepted,
    /// The file is malformed (our gate or the receiver): never retried.
    RejectedSyntax,
    /// A claim edit failed: never retried.
    RejectedBusiness,
    /// Sent, outcome unknown (timeout or crash after sending, no deduplication): an operator
    /// decides.
    InDoubt,
    /// Given up (retries exhausted, conflict): an operator decides.
    Dead,
}

impl State {
    /// Every state.
    pub const ALL: [State; 8] = [
        State::Pending,
        State::InFlight,
        State::RetryWait,
        State::Accepted,
        State::RejectedSyntax,
        State::RejectedBusiness,
        State::InDoubt,
        State::Dead,
    ];

    /// The name stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::InFlight => "in_flight",
            State::RetryWait => "retry_wait",
            State::Accepted => "accepted",
            State::RejectedSyntax => "rejected_syntax",
            State::RejectedBusiness => "rejected_business",
            State::InDoubt => "in_doubt",
            State::Dead => "dead",
        }
    }

    /// True for states no worker will move the unit out of.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::Accepted | State::RejectedSyntax | State::RejectedBusiness | State::Dead
        )
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = LedgerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| LedgerError::Corrupt(format!("unknown state {s:?}")))
    }
}

/// Something that happens to a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A worker takes the unit for an attempt (committed before sending).
    Lease,
    /// The receiver accepted it.
    Accepted,
    /// Our gate or the receiver found the file malformed.
    RejectedSyntax,
    /// The receiver rejected claims in it.
    RejectedBusiness,
    /// A transient failure; retry at the time given.
    RetryAt(i64),
    /// A transient failure with no retry left, or a conflict.
    GiveUp,
    /// Sent, no answer, the receiver does not deduplicate.
    Unknown,
    /// The lease ran out (the worker died): the receiver deduplicates by key, so a retry is
    /// safe (`true`), or it does not (`false`).
    LeaseExpired {
        /// The receiver deduplicates by key within its window.
        dedup: bool,
    },
    /// An operator says the unit was sent and accepted.
    ResolvedSent,
    /// An operator asks for it to be sent again.
    ResolvedResend,
}

/// Why a transition is refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LedgerError {
    /// The move is not allowed from the unit's state.
    #[error("unit {key}: {event} is not allowed in state {state}")]
    Transition {
        /// The unit.
        key: String,
        /// Its state.
        state: State,
        /// What was asked.
        event: String,
    },
    /// No such unit.
    #[error("no unit with key {0}")]
    NotFound(String),
    /// The lease is held by another worker (or expired and was taken back).
    #[error("unit {0}: the lease is not held by this worker")]
    NotLeaseHolder(String),
    /// The ledger holds something this version cannot read.
    #[error("ledger data is not readable: {0}")]
    Corrupt(String),
    /// The database failed.
    #[error("ledger database error: {0}")]
    Database(String),
    /// The ledger spec or its settings are unusable (see [`open`]).
    #[error("ledger configuration: {0}")]
    Config(String),
}

/// The environment variable naming the PostgreSQL schema [`open`] uses (default `public`).
pub const SCHEMA_ENV: &str = "X12PIPE_LEDGER_SCHEMA";

/// Opens the ledger a spec names:
/// - `sqlite:PATH`, or a bare path ending `.sqlite` or `.db`: a SQLite file;
/// - `postgres://...` or `postgresql://...`: a PostgreSQL database (no TLS yet), in the
///   schema named by the `X12PIPE_LEDGER_SCHEMA` environment variable, `public` if unset.
///
/// With `create` false (read-only tools), a ledger that does not exist yet is a
/// [`LedgerError::Config`] rather than an empty new one.
pub fn open(spec: &str, create: bool) -> Result<Box<dyn Ledger>, LedgerError> {
    if spec.starts_with("postgres://") || spec.starts_with("postgresql://") {
        let schema = match std::env::var(SCHEMA_ENV) {
            Ok(schema) if !schema.is_empty() => schema,
            _ => postgres::DEFAULT_SCHEMA.to_string(),
        };
        let ledger = if create {
            postgres::PostgresLedger::connect_in_schema(spec, &schema)?
        } else {
            postgres::PostgresLedger::connect_existing(spec, &schema)?
        };
        return Ok(Box::new(ledger));
    }
    let path = match spec.strip_prefix("sqlite:") {
        Some(path) => path,
        None if spec.ends_with(".sqlite") || spec.ends_with(".db") => spec,
        None => {
            return Err(LedgerError::Config(format!(
                "{spec:?} is not a ledger spec: use sqlite:PATH (or a path ending .sqlite or \
                 .db) or postgres://USER@HOST:PORT/DATABASE"
            )));
        }
    };
    if path.is_empty() {
        return Err(LedgerError::Config(
            "sqlite: needs a path, as in sqlite:x12pipe-ledger.sqlite".into(),
        ));
    }
    let path = Path::new(path);
    if !create && !path.exists() {
        return Err(LedgerError::Config(format!(
            "no ledger at {}; `x12pipe submit` creates one",
            path.display()
        )));
    }
    Ok(Box::new(sqlite::SqliteLedger::open(path)?))
}

/// The state a unit moves to, or why it may not: the rules every backend applies.
pub fn transition(state: State, event: &Event) -> Option<State> {
    use State::*;
    Some(match (state, event) {
        (Pending | RetryWait, Event::Lease) => InFlight,
        (InFlight, Event::Accepted) => Accepted,
        (InFlight, Event::RejectedSyntax) => RejectedSyntax,
        (InFlight, Event::RejectedBusiness) => RejectedBusiness,
        // The gate rejects before any attempt.
        (Pending, Event::RejectedSyntax) => RejectedSyntax,
        (Pending, Event::RejectedBusiness) => RejectedBusiness,
        (InFlight, Event::RetryAt(_)) => RetryWait,
        (InFlight, Event::GiveUp) => Dead,
        (InFlight, Event::Unknown) => InDoubt,
        (InFlight, Event::LeaseExpired { dedup: true }) => RetryWait,
        (InFlight, Event::LeaseExpired { dedup: false }) => InDoubt,
        (InDoubt | Dead, Event::ResolvedSent) => Accepted,
        (InDoubt | Dead | RetryWait, Event::ResolvedResend) => Pending,
        _ => return None,
    })
}

/// A unit to add.
#[derive(Clone, Debug)]
pub struct NewUnit {
    /// The idempotency key.
    pub key: String,
    /// Hex SHA-256 of the payload that will be sent.
    pub payload_sha256: String,
    /// ISA13, GS06, ST02 (for operators; the key is what identifies).
    pub control_numbers: (String, String, String),
    /// The file it came from.
    pub source: String,
}

/// What enqueueing found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enqueued {
    /// A new unit, pending.
    New,
    /// Already known with the same payload: nothing changes (a re-run does not resend).
    Known(State),
    /// Already known with another payload: refused.
    Conflict {
        /// The hash recorded for the key.
        recorded: String,
    },
}

/// A unit as recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unit {
    /// The key.
    pub key: String,
    /// Payload hash.
    pub payload_sha256: String,
    /// State.
    pub state: State,
    /// Attempts started.
    pub attempts: u32,
    /// The worker holding the lease, while in flight.
    pub lease_owner: Option<String>,
    /// When the lease runs out (ms since the epoch).
    pub lease_until: Option<i64>,
    /// When a retry may start (ms since the epoch).
    pub next_at: Option<i64>,
    /// The receiver's reference, once accepted.
    pub remote_reference: Option<String>,
    /// The last error: codes and statuses only, never patient data.
    pub last_error: Option<String>,
    /// ISA13.
    pub interchange: String,
    /// GS06.
    pub group: String,
    /// ST02.
    pub transaction: String,
    /// Source file.
    pub source: String,
    /// Created (ms since the epoch).
    pub created_at: i64,
    /// Last change (ms since the epoch).
    pub updated_at: i64,
}

/// Where a unit stands: what a run's report reads back of each unit (see
/// [`Ledger::statuses`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitStatus {
    /// Where it is.
    pub state: State,
    /// Attempts so far.
    pub attempts: u32,
    /// The last error: codes and statuses only, never patient data.
    pub last_error: Option<String>,
}

impl From<Unit> for UnitStatus {
    fn from(unit: Unit) -> Self {
        UnitStatus {
            state: unit.state,
            attempts: unit.attempts,
            last_error: unit.last_error,
        }
    }
}

/// One audit row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// When (ms since the epoch).
    pub at: i64,
    /// State before (`None` when the unit was created).
    pub from: Option<State>,
    /// State after.
    pub to: State,
    /// Attempt number at the time.
    pub attempt: u32,
    /// What happened: codes, statuses, worker id; never patient data.
    pub detail: String,
}

/// One outcome to record (see [`Ledger::record`]).
#[derive(Clone, Debug)]
pub struct Record<'a> {
    /// The unit.
    pub key: &'a str,
    /// The worker holding its lease, or `None` for gate rejections and operators.
    pub owner: Option<&'a str>,
    /// What happened.
    pub event: Event,
    /// Codes and statuses only, never patient data.
    pub detail: &'a str,
    /// The receiver's reference, once accepted.
    pub remote_reference: Option<&'a str>,
}

/// One result per record, in order (see [`Ledger::record_all`]).
pub type Recorded = Vec<Result<State, LedgerError>>;

/// A lease asked for together with records (see [`Ledger::record_then_lease`]).
#[derive(Clone, Copy, Debug)]
pub struct LeaseRequest<'a> {
    /// The worker.
    pub owner: &'a str,
    /// How long the lease lasts.
    pub lease_ms: i64,
    /// Units at most.
    pub limit: usize,
    /// Only these keys (see [`Ledger::lease_due`]).
    pub among: Option<&'a [String]>,
}

/// What every ledger backend provides. The rules are [`transition`]'s; a backend only stores.
/// The methods block; the async submitter calls them from a blocking task. Backends write
/// in batches, one transaction each, so that a worker commits many outcomes with one disk
/// sync (group commit); the one-unit methods are those batches of one.
pub trait Ledger: Send {
    /// Adds units in one transaction; for each, in order, that it is new, or what the
    /// ledger already knows of its key (a known key with another payload is refused).
    fn enqueue_all(&mut self, units: &[NewUnit], now: i64) -> Result<Vec<Enqueued>, LedgerError>;
    /// Adds a unit, or reports what the ledger already knows of its key.
    fn enqueue(&mut self, unit: &NewUnit, now: i64) -> Result<Enqueued, LedgerError> {
        self.enqueue_all(std::slice::from_ref(unit), now)?
            .pop()
            .ok_or_else(|| LedgerError::Corrupt("enqueue returned nothing".into()))
    }
    /// Leases up to `limit` due units to `owner` (attempt counted and committed first),
    /// oldest first. With `among`, only units whose key is in it (the units this worker
    /// holds payloads for and believes due), in the order given where the backend can keep
    /// it; units leased by others are skipped, never waited for.
    fn lease_due(
        &mut self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: usize,
        among: Option<&[String]>,
    ) -> Result<Vec<Unit>, LedgerError>;
    /// Records outcomes in one transaction; one result per record, in order. An in-flight
    /// unit's outcome is accepted only from the worker holding its lease (`owner`); gate
    /// rejections and operator decisions pass `None`. `detail` (codes and statuses only)
    /// goes to the last error and the audit. A refused record does not stop the others; a
    /// database failure fails them all.
    fn record_all(
        &mut self,
        records: &[Record<'_>],
        now: i64,
    ) -> Result<Vec<Result<State, LedgerError>>, LedgerError>;
    /// Records outcomes, then leases (when asked): what a worker does each time attempts
    /// end and slots free up. Backends that can do both in one transaction (one disk sync)
    /// override this; the records always apply first.
    fn record_then_lease(
        &mut self,
        records: &[Record<'_>],
        now: i64,
        lease: Option<&LeaseRequest<'_>>,
    ) -> Result<(Recorded, Vec<Unit>), LedgerError> {
        let results = if records.is_empty() {
            Vec::new()
        } else {
            self.record_all(records, now)?
        };
        let leased = match lease {
            Some(l) => self.lease_due(l.owner, now, l.lease_ms, l.limit, l.among)?,
            None => Vec::new(),
        };
        Ok((results, leased))
    }
    /// Records what happened to one unit (see [`record_all`](Ledger::record_all)).
    fn record(
        &mut self,
        key: &str,
        owner: Option<&str>,
        event: &Event,
        now: i64,
        detail: &str,
        remote_reference: Option<&str>,
    ) -> Result<State, LedgerError> {
        let record = Record {
            key,
            owner,
            event: event.clone(),
            detail,
            remote_reference,
        };
        self.record_all(std::slice::from_ref(&record), now)?
            .pop()
            .ok_or_else(|| LedgerError::Corrupt("record returned nothing".into()))?
    }
    /// Moves units whose lease ran out to `in_doubt` (or `retry_wait` when `dedup`).
    fn expire_leases(&mut self, now: i64, dedup: bool) -> Result<Vec<String>, LedgerError>;
    /// One unit.
    fn get(&self, key: &str) -> Result<Option<Unit>, LedgerError>;
    /// Many units, one per key in order (`None` for an unknown key): what a run reads back
    /// at its end. Backends where each query is a round trip answer in one.
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Unit>>, LedgerError> {
        keys.iter().map(|key| self.get(key)).collect()
    }
    /// The state, attempts and last error of many units, one per key in order (`None` for
    /// an unknown key): what a run's report needs, which a backend may read with less work
    /// than [`get_many`](Ledger::get_many).
    fn statuses(&self, keys: &[String]) -> Result<Vec<Option<UnitStatus>>, LedgerError> {
        Ok(self
            .get_many(keys)?
            .into_iter()
            .map(|unit| unit.map(UnitStatus::from))
            .collect())
    }
    /// Units, all or of one state.
    fn list(&self, state: Option<State>) -> Result<Vec<Unit>, LedgerError>;
    /// Units per state.
    fn counts(&self) -> Result<Vec<(State, u64)>, LedgerError>;
    /// A unit's audit trail.
    fn audit(&self, key: &str) -> Result<Vec<AuditEntry>, LedgerError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_leasing_starts_an_attempt_and_final_states_stay_final() {
        for state in State::ALL {
            let leased = transition(state, &Event::Lease);
            assert_eq!(
                leased.is_some(),
                matches!(state, State::Pending | State::RetryWait),
                "{state}"
            );
            if state.is_final() {
                for event in [
                    Event::Lease,
                    Event::Accepted,
                    Event::RetryAt(0),
                    Event::Unknown,
                    Event::LeaseExpired { dedup: true },
                ] {
                    assert_eq!(transition(state, &event), None, "{state} {event:?}");
                }
            }
        }
    }

    #[test]
    fn an_expired_lease_is_never_silently_pending() {
        assert_eq!(
            transition(State::InFlight, &Event::LeaseExpired { dedup: false }),
            Some(State::InDoubt)
        );
        assert_eq!(
            transition(State::InFlight, &Event::LeaseExpired { dedup: true }),
            Some(State::RetryWait)
        );
        for state in State::ALL {
            for dedup in [true, false] {
                assert_ne!(
                    transition(state, &Event::LeaseExpired { dedup }),
                    Some(State::Pending)
                );
            }
        }
    }

    #[test]
    fn open_names_the_accepted_specs_and_does_not_create_a_ledger_to_read() {
        let Err(LedgerError::Config(message)) = open("mysql://db/ledger", true) else {
            panic!("an unknown spec is a configuration error");
        };
        assert!(message.contains("sqlite:PATH") && message.contains("postgres://"));
        let dir = std::env::temp_dir().join(format!("x12pipe-open-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("ledger.sqlite");
        let spec = format!("sqlite:{}", path.display());
        let Err(LedgerError::Config(message)) = open(&spec, false) else {
            panic!("a missing ledger is not created for reading");
        };
        assert!(message.contains("no ledger at"), "{message}");
        assert!(!path.exists());
        let ledger = open(&spec, true).expect("created");
        assert!(ledger.counts().expect("counts").is_empty());
        drop(ledger);
        assert!(open(&spec, false).is_ok());
        assert!(
            open(&path.display().to_string(), false).is_ok(),
            "a bare .sqlite path"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in State::ALL {
            assert_eq!(state.as_str().parse::<State>().ok(), Some(state));
        }
        assert!("sent".parse::<State>().is_err());
    }
}
