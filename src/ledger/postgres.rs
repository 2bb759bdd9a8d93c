//! The shared ledger: PostgreSQL, for many workers on many machines submitting the same
//! files. The tables and their meaning are the SQLite backend's (`units`, `audit`, times in
//! milliseconds since the epoch); the rules are [`transition`](super::transition)'s.
//!
//! How it stays exact with many workers:
//! - leasing selects due units `FOR UPDATE SKIP LOCKED` and commits the attempt before
//!   returning, so two workers never lease the same unit, and none waits for another;
//! - every other change locks the rows it reads (`FOR UPDATE`, in key order, so batches
//!   never deadlock), asks `transition`, then writes the units with one statement and their
//!   audit rows with another (three round trips per batch, whatever its size);
//! - enqueueing is `INSERT ... ON CONFLICT (key) DO NOTHING`, then a read: of two workers
//!   enqueueing the same file at once, one gets `New` and the other `Known` (or `Conflict`).
//!
//! The connection is a plain TCP one: **TLS to PostgreSQL is not supported yet** (keep the
//! server on the same host or a private network). The methods block (the `postgres` crate
//! runs its own small runtime): call them from a blocking thread, as the `Ledger` trait says.
//! Error messages carry PostgreSQL's SQLSTATE and message, never the connection URL (it may
//! hold a password) nor a row's values.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use postgres::{Client, NoTls, Row, Statement, Transaction};

use super::{
    AuditEntry, Enqueued, Event, LeaseRequest, Ledger, LedgerError, NewUnit, Record, Recorded,
    State, Unit, UnitStatus, transition,
};

/// The schema used when none is named.
pub const DEFAULT_SCHEMA: &str = "public";

/// Serialises schema creation across processes starting at once (`CREATE ... IF NOT
/// EXISTS` alone races: two creators can both miss the row and one fails on the catalog's
/// unique index). Any constant works; this one spells "x12pipe" in ASCII.
const SCHEMA_LOCK: i64 = 0x78_31_32_70_69_70_65;

const TABLES: &str = "
CREATE TABLE IF NOT EXISTS units (
    key TEXT PRIMARY KEY,
    payload_sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until BIGINT,
    next_at BIGINT,
    remote_reference TEXT,
    last_error TEXT,
    interchange TEXT NOT NULL,
    grp TEXT NOT NULL,
    txn TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Units waiting to be sent, in the order they are leased, and units under a lease, for
-- finding expired leases: partial indexes, so that a unit's index entries change only
-- when it enters one of these states. Indexes of every unit's state and creation time
-- took an entry in each on every lease and outcome (PostgreSQL writes a new row
-- version, and an entry in every index, for an update that changes an indexed column).
DROP INDEX IF EXISTS units_due;
DROP INDEX IF EXISTS units_order;
CREATE INDEX IF NOT EXISTS units_waiting ON units (created_at, key)
    WHERE state IN ('pending', 'retry_wait');
CREATE INDEX IF NOT EXISTS units_leased ON units (lease_until) WHERE state = 'in_flight';
CREATE TABLE IF NOT EXISTS audit (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    at BIGINT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_key ON audit (key, id);
";

/// The indexes [`TABLES`] makes, and those it drops: a schema with the first and without
/// the second is up to date, and connecting runs no DDL on it. Keep in step with `TABLES`.
const INDEXES_MADE: [&str; 3] = ["units_waiting", "units_leased", "audit_key"];
const INDEXES_DROPPED: [&str; 2] = ["units_due", "units_order"];

const UNIT_COLUMNS: &str = "key, payload_sha256, state, attempts, lease_owner, lease_until, next_at, \
    remote_reference, last_error, interchange, grp, txn, source, created_at, updated_at";

/// A turn of a worker in one statement, so in one round trip and its own transaction:
/// records outcomes of attempts this worker holds the lease of, and leases due units
/// among some keys, with the audit rows of both.
///
/// - `$1` the records' lease owner, `$2` now; per record (arrays, in order): `$3` key,
///   `$4` the state [`transition`] gives from `in_flight`, `$5` next time, `$6` last
///   error, `$7` remote reference (`NULL` keeps the one recorded), `$8` audit detail;
/// - `$9` units to lease at most (0: none), `$10` among these keys, `$11` lease owner,
///   `$12` lease end, `$13` audit detail.
///
/// A record applies only where the unit is still `in_flight` under `$1` (checked on the
/// row's latest version, locked in key order first, as every other writer locks); the
/// others are not returned, and then nothing is leased: the caller takes the missed
/// records, then the lease, through the general path, so that records still apply first
/// (a missed record's unit may be due, and must not be leased before its record is
/// refused). Leasing is [`transition`]'s `pending`/`retry_wait` -> `in_flight`, as in
/// `lease_in`. Returns the changed units' rows, then `'r'` (recorded) or `'l'` (leased).
const TURN: &str = "
WITH rec AS (
    SELECT * FROM UNNEST($3::text[], $4::text[], $5::int8[], $6::text[], $7::text[],
                         $8::text[]) WITH ORDINALITY AS r(k, st, nx, le, rr, d, o)
), mine AS (
    SELECT key FROM units
    WHERE key = ANY($3::text[]) AND state = 'in_flight' AND lease_owner = $1
    ORDER BY key FOR UPDATE
), recorded AS (
    UPDATE units SET state = rec.st, lease_owner = NULL, lease_until = NULL,
        next_at = rec.nx, last_error = rec.le,
        remote_reference = COALESCE(rec.rr, units.remote_reference), updated_at = $2
    FROM rec, mine
    WHERE units.key = mine.key AND units.key = rec.k
        AND units.state = 'in_flight' AND units.lease_owner = $1
    RETURNING units.*, rec.d AS audit_detail, rec.o AS audit_order
), picked AS (
    SELECT key, state FROM units
    WHERE state IN ('pending', 'retry_wait') AND (next_at IS NULL OR next_at <= $2)
        AND key = ANY($10::text[])
        AND (SELECT count(*) FROM mine) = cardinality($3::text[])
    ORDER BY created_at, key LIMIT $9 FOR UPDATE SKIP LOCKED
), leased AS (
    UPDATE units SET state = 'in_flight', attempts = units.attempts + 1, lease_owner = $11,
        lease_until = $12, next_at = NULL, updated_at = $2
    FROM picked
    WHERE units.key = picked.key
    RETURNING units.*, picked.state AS was
), logged AS (
    INSERT INTO audit (key, at, from_state, to_state, attempt, detail)
    SELECT key, $2, f, t, n, d FROM (
        SELECT key, 'in_flight' AS f, state AS t, attempts AS n, audit_detail AS d,
               audit_order AS o
        FROM recorded
        UNION ALL
        SELECT key, was, 'in_flight', attempts, $13, 0 FROM leased
    ) AS a
    ORDER BY key, o
)
SELECT {UNIT_COLUMNS}, 'r' FROM recorded
UNION ALL
SELECT {UNIT_COLUMNS}, 'l' FROM leased
";

/// The statements every call uses, prepared once per connection.
struct Statements {
    /// Due units, oldest first, skipping those another worker is leasing: `$1` now, `$2`
    /// the limit.
    lease_candidates: Statement,
    /// The same, among the keys in `$3`.
    lease_candidates_among: Statement,
    /// In-flight units whose lease ran out before `$1`, skipping locked ones.
    expired: Statement,
    /// Units whose key is in `$1`, locked, in key order.
    lock_units: Statement,
    /// Writes the changeable columns of many units (arrays `$1`..`$9`, one element per
    /// unit) and appends their audit rows (arrays `$10`..`$15`, one element per row): one
    /// statement, one round trip, for everything a transaction changed.
    write: Statement,
    /// Inserts new units (arrays) unless their key exists; returns the keys inserted.
    insert_units: Statement,
    /// Key, hash and state of the units whose key is in `$1`.
    known_units: Statement,
    get: Statement,
    /// The units whose key is in `$1`, in no particular order.
    get_many: Statement,
    /// Key, state, attempts and last error of the units whose key is in `$1`.
    statuses: Statement,
    /// A whole turn in one statement (see [`turn_in_one_statement`]).
    turn: Statement,
    list: Statement,
    counts: Statement,
    audit: Statement,
}

impl Statements {
    fn prepare(client: &mut Client) -> Result<Self, postgres::Error> {
        let due = "state IN ('pending', 'retry_wait') AND (next_at IS NULL OR next_at <= $1)";
        Ok(Statements {
            lease_candidates: client.prepare(&format!(
                "SELECT {UNIT_COLUMNS} FROM units WHERE {due} \
                 ORDER BY created_at, key LIMIT $2 FOR UPDATE SKIP LOCKED"
            ))?,
            lease_candidates_among: client.prepare(&format!(
                "SELECT {UNIT_COLUMNS} FROM units WHERE {due} AND key = ANY($3::text[]) \
                 ORDER BY created_at, key LIMIT $2 FOR UPDATE SKIP LOCKED"
            ))?,
            expired: client.prepare(&format!(
                "SELECT {UNIT_COLUMNS} FROM units WHERE state = 'in_flight' AND lease_until < $1 \
                 ORDER BY key FOR UPDATE SKIP LOCKED"
            ))?,
            lock_units: client.prepare(&format!(
                "SELECT {UNIT_COLUMNS} FROM units WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE"
            ))?,
            // `units.key = ANY($1)` lets the planner find the rows through the primary
            // key even without statistics (a new ledger, or one autovacuum has not reached
            // yet): joined with the arrays alone, it scanned the whole table every time.
            // A data-modifying `WITH` runs to completion whether or not it is read. The
            // update of `units` is the main statement so that `units` is locked before
            // `audit`, in the order schema creation locks them (the other way round, a
            // worker connecting while others wrote could deadlock with them).
            write: client.prepare(
                "WITH logged AS ( \
                   INSERT INTO audit (key, at, from_state, to_state, attempt, detail) \
                   SELECT k, a, f, t, n, d \
                   FROM UNNEST($10::text[], $11::int8[], $12::text[], $13::text[], \
                               $14::int4[], $15::text[]) WITH ORDINALITY AS w(k, a, f, t, n, d, o) \
                   ORDER BY k, o) \
                 UPDATE units SET state = v.state, attempts = v.attempts, \
                   lease_owner = v.lease_owner, lease_until = v.lease_until, \
                   next_at = v.next_at, last_error = v.last_error, \
                   remote_reference = v.remote_reference, updated_at = v.updated_at \
                 FROM UNNEST($1::text[], $2::text[], $3::int4[], $4::text[], $5::int8[], \
                             $6::int8[], $7::text[], $8::text[], $9::int8[]) \
                   AS v(v_key, state, attempts, lease_owner, lease_until, next_at, \
                        last_error, remote_reference, updated_at) \
                 WHERE units.key = ANY($1::text[]) AND units.key = v.v_key",
            )?,
            insert_units: client.prepare(
                "INSERT INTO units (key, payload_sha256, state, interchange, grp, txn, source, \
                                    created_at, updated_at) \
                 SELECT k, h, 'pending', i, g, t, s, $7, $7 \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
                             $6::text[]) AS v(k, h, i, g, t, s) \
                 ON CONFLICT (key) DO NOTHING RETURNING key",
            )?,
            turn: client.prepare(&TURN.replace("{UNIT_COLUMNS}", UNIT_COLUMNS))?,
            known_units: client
                .prepare("SELECT key, payload_sha256, state FROM units WHERE key = ANY($1::text[])")?,
            get: client.prepare(&format!("SELECT {UNIT_COLUMNS} FROM units WHERE key = $1"))?,
            get_many: client.prepare(&format!(
                "SELECT {UNIT_COLUMNS} FROM units WHERE key = ANY($1::text[])"
            ))?,
            statuses: client.prepare(
                "SELECT key, state, attempts, last_error FROM units WHERE key = ANY($1::text[])",
            )?,
            list: client.prepare(&format!(
                "SELECT {UNIT_COLUMNS} FROM units WHERE $1::text IS NULL OR state = $1 \
                 ORDER BY created_at, key"
            ))?,
            counts: client
                .prepare("SELECT state, COUNT(*) FROM units GROUP BY state ORDER BY state")?,
            audit: client.prepare(
                "SELECT at, from_state, to_state, attempt, detail FROM audit WHERE key = $1 \
                 ORDER BY id",
            )?,
        })
    }
}

/// A ledger in a PostgreSQL database, in one schema.
pub struct PostgresLedger {
    /// Behind a `RefCell` because the trait's readers take `&self` and the `postgres`
    /// client needs `&mut` for every query; the ledger is `Send`, not `Sync`, so one
    /// thread uses it at a time.
    client: RefCell<Client>,
    statements: Statements,
    schema: String,
}

impl std::fmt::Debug for PostgresLedger {
    // Not derived: the client's configuration holds the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresLedger")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

/// A database error as a ledger error: SQLSTATE and message, without the DETAIL (it may
/// quote a row) and without the connection parameters.
fn db(e: postgres::Error) -> LedgerError {
    LedgerError::Database(match e.as_db_error() {
        Some(d) => format!("{} {}: {}", d.severity(), d.code().code(), d.message()),
        None => {
            // The client's own errors name their cause (connection refused, which option is
            // invalid) only in their source chain; none of them quotes the connection string.
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            message
        }
    })
}

fn corrupt(what: &str) -> LedgerError {
    LedgerError::Corrupt(what.to_string())
}

/// A schema name is used as a quoted identifier; keep it to plain names so it never needs
/// escaping and reads the same in `psql`.
fn check_schema(schema: &str) -> Result<(), LedgerError> {
    let plain = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !schema.as_bytes()[0].is_ascii_digit();
    if plain {
        Ok(())
    } else {
        Err(LedgerError::Config(format!(
            "PostgreSQL schema {schema:?}: use letters, digits and '_' (at most 63, not \
             starting with a digit)"
        )))
    }
}

impl PostgresLedger {
    /// Connects to the database at `url` (`postgres://user@host:5432/db`) and uses the
    /// `public` schema, creating the tables if they are missing.
    pub fn connect(url: &str) -> Result<Self, LedgerError> {
        Self::connect_in_schema(url, DEFAULT_SCHEMA)
    }

    /// Connects and uses `schema` (created with the tables if missing). Creation is safe
    /// when several processes start at once. Separate schemas are separate ledgers (tests
    /// use one each).
    pub fn connect_in_schema(url: &str, schema: &str) -> Result<Self, LedgerError> {
        Self::connect_with(url, schema, true)
    }

    /// Connects to a ledger that must already exist in `schema` (for read-only tools):
    /// nothing is created, and a missing ledger is a [`LedgerError::Config`].
    pub fn connect_existing(url: &str, schema: &str) -> Result<Self, LedgerError> {
        Self::connect_with(url, schema, false)
    }

    fn connect_with(url: &str, schema: &str, create: bool) -> Result<Self, LedgerError> {
        check_schema(schema)?;
        let mut client = Client::connect(url, NoTls).map_err(db)?;
        if create {
            create_schema(&mut client, schema)?;
        } else {
            let found = client
                .query_opt(
                    "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'units'",
                    &[&schema],
                )
                .map_err(db)?;
            if found.is_none() {
                return Err(LedgerError::Config(format!(
                    "no ledger in PostgreSQL schema {schema}; `x12pipe submit` creates one"
                )));
            }
        }
        client
            .batch_execute(&format!("SET search_path TO \"{schema}\""))
            .map_err(db)?;
        let statements = Statements::prepare(&mut client).map_err(db)?;
        Ok(PostgresLedger {
            client: RefCell::new(client),
            statements,
            schema: schema.to_string(),
        })
    }

    /// The schema this ledger lives in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The client for a reader (`&self`) method.
    fn reader(&self) -> Result<std::cell::RefMut<'_, Client>, LedgerError> {
        self.client
            .try_borrow_mut()
            .map_err(|_| LedgerError::Database("the ledger connection is already in use".into()))
    }
}

/// Creates the schema and tables if missing, under a transaction-scoped advisory lock.
fn create_schema(client: &mut Client, schema: &str) -> Result<(), LedgerError> {
    let mut tx = client.transaction().map_err(db)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .map_err(db)?;
    // Checked rather than `CREATE SCHEMA IF NOT EXISTS`, which needs the CREATE privilege on
    // the database even when the schema exists (`public` usually does).
    let exists = tx
        .query_opt("SELECT 1 FROM pg_namespace WHERE nspname = $1", &[&schema])
        .map_err(db)?
        .is_some();
    if !exists {
        tx.batch_execute(&format!("CREATE SCHEMA \"{schema}\""))
            .map_err(db)?;
    }
    // An up-to-date ledger gets no DDL: `CREATE INDEX IF NOT EXISTS` takes a SHARE lock on
    // the table even when the index exists, which would hold up every other worker's
    // commits until this transaction ends.
    let row = tx
        .query_one(
            "SELECT count(*) FILTER (WHERE indexname = ANY($2)), \
                    count(*) FILTER (WHERE indexname = ANY($3)) \
             FROM pg_indexes WHERE schemaname = $1",
            &[&schema, &&INDEXES_MADE[..], &&INDEXES_DROPPED[..]],
        )
        .map_err(db)?;
    let (made, dropped): (i64, i64) = (row.try_get(0).map_err(db)?, row.try_get(1).map_err(db)?);
    let current = usize::try_from(made).is_ok_and(|n| n == INDEXES_MADE.len()) && dropped == 0;
    if !current {
        tx.batch_execute(&format!("SET LOCAL search_path TO \"{schema}\"; {TABLES}"))
            .map_err(db)?;
    }
    tx.commit().map_err(db)
}

/// After an enqueue added `inserted` units, brings the planner's statistics of `units` up
/// to date when the table grew by more than a fifth (or was never analysed). Without them
/// (a new ledger; autovacuum analyses only on its next round, a minute by default, and not
/// at all where it is off) the planner scanned the whole table for each batch of keys:
/// 1,000 units took 4-7 ms a commit instead of 2-3. A failure here is logged, not
/// returned: the units are enqueued and committed already.
fn refresh_statistics(client: &mut Client, inserted: usize) {
    let analyse = |client: &mut Client| -> Result<(), postgres::Error> {
        let known: f32 = client
            .query_one(
                "SELECT reltuples FROM pg_class WHERE oid = 'units'::regclass",
                &[],
            )?
            .try_get(0)?;
        // -1 before the first ANALYZE or VACUUM.
        if known < 0.0 || inserted as f64 > f64::from(known) / 5.0 {
            client.batch_execute("ANALYZE units")?;
        }
        Ok(())
    };
    if let Err(e) = analyse(client) {
        tracing::warn!(error = %db(e), "could not refresh the ledger's planner statistics");
    }
}

fn unit_from(row: &Row) -> Result<Unit, LedgerError> {
    let attempts: i32 = row.try_get(3).map_err(db)?;
    let state: String = row.try_get(2).map_err(db)?;
    Ok(Unit {
        key: row.try_get(0).map_err(db)?,
        payload_sha256: row.try_get(1).map_err(db)?,
        state: state.parse()?,
        attempts: u32::try_from(attempts).map_err(|_| corrupt("negative attempt count"))?,
        lease_owner: row.try_get(4).map_err(db)?,
        lease_until: row.try_get(5).map_err(db)?,
        next_at: row.try_get(6).map_err(db)?,
        remote_reference: row.try_get(7).map_err(db)?,
        last_error: row.try_get(8).map_err(db)?,
        interchange: row.try_get(9).map_err(db)?,
        group: row.try_get(10).map_err(db)?,
        transaction: row.try_get(11).map_err(db)?,
        source: row.try_get(12).map_err(db)?,
        created_at: row.try_get(13).map_err(db)?,
        updated_at: row.try_get(14).map_err(db)?,
    })
}

/// Leases due units inside a transaction, as [`Ledger::lease_due`] asks, and returns them
/// as they are to be written ([`write`]); their audit rows go to `audit`.
fn lease_in(
    tx: &mut Transaction<'_>,
    statements: &Statements,
    audit: &mut AuditBatch,
    request: &LeaseRequest<'_>,
    now: i64,
) -> Result<Vec<Unit>, LedgerError> {
    let LeaseRequest {
        owner,
        lease_ms,
        limit,
        among,
    } = *request;
    if limit == 0 || among.is_some_and(|keys| keys.is_empty()) {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = match among {
        None => tx.query(&statements.lease_candidates, &[&now, &limit]),
        Some(keys) => tx.query(&statements.lease_candidates_among, &[&now, &limit, &keys]),
    }
    .map_err(db)?;
    let mut units = units_from(&rows)?;
    let detail = format!("leased by {owner}");
    for unit in &mut units {
        let to = moved(unit, &Event::Lease)?;
        let attempt = unit.attempts + 1;
        audit.push(&unit.key, now, Some(unit.state), to, attempt, &detail)?;
        unit.state = to;
        unit.attempts = attempt;
        unit.lease_owner = Some(owner.to_string());
        unit.lease_until = Some(now + lease_ms);
        unit.next_at = None;
        unit.updated_at = now;
    }
    Ok(units)
}

/// Records outcomes inside a transaction (see [`Ledger::record_all`]): the units are
/// locked in key order and each record is applied in order to the units in memory.
/// Returns the results and the changed units, once each, to be written ([`write`]); their
/// audit rows go to `audit`.
fn record_in(
    tx: &mut Transaction<'_>,
    statements: &Statements,
    audit: &mut AuditBatch,
    records: &[Record<'_>],
    now: i64,
) -> Result<(Recorded, Vec<Unit>), LedgerError> {
    if records.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let keys: Vec<&str> = records.iter().map(|r| r.key).collect();
    let rows = tx.query(&statements.lock_units, &[&keys]).map_err(db)?;
    let mut units: HashMap<String, Unit> = units_from(&rows)?
        .into_iter()
        .map(|u| (u.key.clone(), u))
        .collect();
    // The changed units, once each, in the order first changed.
    let mut changed: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let results: Recorded = records
        .iter()
        .map(|record| {
            let unit = units
                .get_mut(record.key)
                .ok_or_else(|| LedgerError::NotFound(record.key.to_string()))?;
            let to = apply_record(unit, record, now, audit)?;
            if seen.insert(record.key.to_string()) {
                changed.push(record.key.to_string());
            }
            Ok(to)
        })
        .collect();
    let changed_units: Vec<Unit> = changed.iter().filter_map(|k| units.remove(k)).collect();
    Ok((results, changed_units))
}

/// Whether a unit, as changed, could be leased at `now`: then it must be written before a
/// lease in the same transaction looks for due units.
fn leasable(unit: &Unit, now: i64) -> bool {
    matches!(unit.state, State::Pending | State::RetryWait)
        && unit.next_at.is_none_or(|at| at <= now)
}

/// The state a record moves a unit this worker holds in flight to, when [`TURN`] can
/// apply it: not when the unit would be due again at once (it must be written before the
/// same turn's lease looks for due units, which the general path does).
fn in_flight_target(record: &Record<'_>, now: i64) -> Option<State> {
    let to = transition(State::InFlight, &record.event)?;
    let due_again = match (to, &record.event) {
        (State::RetryWait, Event::RetryAt(at)) => *at <= now,
        (State::Pending | State::RetryWait, _) => true,
        _ => false,
    };
    (!due_again).then_some(to)
}

/// A turn as one statement ([`TURN`]): one round trip, one commit. `None` when the turn
/// does not fit it (a record without a lease owner, or of another owner than the first,
/// a key twice, an outcome due again at once, a lease not limited to given keys): the
/// caller takes the general path. When a record's unit is no longer in flight under the
/// owner, the statement applies the others and leases nothing; the missed records and
/// the lease then go through the general path (in a transaction of their own), which
/// says what becomes of those records (most often a refusal).
fn turn_in_one_statement(
    client: &mut Client,
    statements: &Statements,
    records: &[Record<'_>],
    now: i64,
    lease: Option<&LeaseRequest<'_>>,
) -> Result<Option<(Recorded, Vec<Unit>)>, LedgerError> {
    let owner = match records.first() {
        Some(record) => match record.owner {
            Some(owner) => owner,
            None => return Ok(None),
        },
        None => lease.map_or("", |l| l.owner),
    };
    let mut targets = Vec::with_capacity(records.len());
    let mut seen = HashSet::with_capacity(records.len());
    for record in records {
        if record.owner != Some(owner) || !seen.insert(record.key) {
            return Ok(None);
        }
        match in_flight_target(record, now) {
            Some(to) => targets.push(to),
            None => return Ok(None),
        }
    }
    let no_keys: &[String] = &[];
    let (limit, among, lease_owner, lease_until) = match lease {
        None => (0, no_keys, "", now),
        Some(LeaseRequest {
            owner,
            lease_ms,
            limit,
            among: Some(among),
        }) => (
            i64::try_from(*limit).unwrap_or(i64::MAX),
            *among,
            *owner,
            now.saturating_add(*lease_ms),
        ),
        Some(_) => return Ok(None),
    };
    if records.is_empty() && (limit == 0 || among.is_empty()) {
        return Ok(Some((Vec::new(), Vec::new())));
    }
    let key: Vec<&str> = records.iter().map(|r| r.key).collect();
    let state: Vec<&str> = targets.iter().map(|t| t.as_str()).collect();
    let next_at: Vec<Option<i64>> = records
        .iter()
        .map(|r| match r.event {
            Event::RetryAt(at) => Some(at),
            _ => None,
        })
        .collect();
    // As `apply_record`: an accepted unit keeps no error; the others keep the detail.
    let last_error: Vec<Option<&str>> = records
        .iter()
        .zip(&targets)
        .map(|(r, to)| match to {
            State::Accepted | State::Pending => None,
            _ => Some(r.detail),
        })
        .collect();
    let reference: Vec<Option<&str>> = records.iter().map(|r| r.remote_reference).collect();
    let detail: Vec<&str> = records.iter().map(|r| r.detail).collect();
    let lease_detail = format!("leased by {lease_owner}");
    let rows = client
        .query(
            &statements.turn,
            &[
                &owner,
                &now,
                &key,
                &state,
                &next_at,
                &last_error,
                &reference,
                &detail,
                &limit,
                &among,
                &lease_owner,
                &lease_until,
                &lease_detail,
            ],
        )
        .map_err(db)?;
    let mut recorded: HashSet<String> = HashSet::with_capacity(records.len());
    let mut leased = Vec::new();
    for row in &rows {
        let kind: &str = row.try_get(15).map_err(db)?;
        if kind == "r" {
            recorded.insert(row.try_get(0).map_err(db)?);
        } else {
            leased.push(unit_from(row)?);
        }
    }
    leased.sort_by(|a, b| (a.created_at, &a.key).cmp(&(b.created_at, &b.key)));
    let missed: Vec<Record<'_>> = records
        .iter()
        .filter(|r| !recorded.contains(r.key))
        .cloned()
        .collect();
    let mut others = Vec::new().into_iter();
    if !missed.is_empty() {
        // The statement leased nothing then; should it have, no second lease.
        let again = if leased.is_empty() { lease } else { None };
        let (results, general) = turn_general(client, statements, &missed, now, again)?;
        others = results.into_iter();
        leased.extend(general);
    }
    let results = records
        .iter()
        .zip(targets)
        .map(|(record, to)| {
            if recorded.contains(record.key) {
                Ok(to)
            } else {
                others
                    .next()
                    .unwrap_or_else(|| Err(corrupt("a record went missing")))
            }
        })
        .collect();
    Ok(Some((results, leased)))
}

/// Records, then leases, in a transaction of their own, the general way: the units of
/// the records are locked and read, [`transition`] applied to each in memory; units the
/// records made due again (a retry due now) are written before the lease looks, so that it
/// can take them; then one statement writes every other change and every audit row.
fn turn_general(
    client: &mut Client,
    statements: &Statements,
    records: &[Record<'_>],
    now: i64,
    lease: Option<&LeaseRequest<'_>>,
) -> Result<(Recorded, Vec<Unit>), LedgerError> {
    let mut tx = client.transaction().map_err(db)?;
    let mut audit = AuditBatch::default();
    let (results, mut changed) = record_in(&mut tx, statements, &mut audit, records, now)?;
    if lease.is_some() && changed.iter().any(|u| leasable(u, now)) {
        let due_again: Vec<&Unit> = changed.iter().collect();
        write(
            &mut tx,
            &statements.write,
            &due_again,
            &AuditBatch::default(),
        )?;
        changed.clear();
    }
    let leased = match lease {
        Some(l) => lease_in(&mut tx, statements, &mut audit, l, now)?,
        None => Vec::new(),
    };
    let all: Vec<&Unit> = changed.iter().chain(&leased).collect();
    write(&mut tx, &statements.write, &all, &audit)?;
    tx.commit().map_err(db)?;
    Ok((results, leased))
}

fn units_from(rows: &[Row]) -> Result<Vec<Unit>, LedgerError> {
    rows.iter().map(unit_from).collect()
}

/// The state `event` moves `unit` to, or the refusal.
fn moved(unit: &Unit, event: &Event) -> Result<State, LedgerError> {
    transition(unit.state, event).ok_or_else(|| LedgerError::Transition {
        key: unit.key.clone(),
        state: unit.state,
        event: format!("{event:?}"),
    })
}

/// Audit rows gathered during a transaction and written with one statement.
#[derive(Default)]
struct AuditBatch {
    key: Vec<String>,
    at: Vec<i64>,
    from: Vec<Option<&'static str>>,
    to: Vec<&'static str>,
    attempt: Vec<i32>,
    detail: Vec<String>,
}

impl AuditBatch {
    fn push(
        &mut self,
        key: &str,
        at: i64,
        from: Option<State>,
        to: State,
        attempt: u32,
        detail: &str,
    ) -> Result<(), LedgerError> {
        self.key.push(key.to_string());
        self.at.push(at);
        self.from.push(from.map(State::as_str));
        self.to.push(to.as_str());
        self.attempt.push(attempt_column(attempt)?);
        self.detail.push(detail.to_string());
        Ok(())
    }
}

fn attempt_column(attempt: u32) -> Result<i32, LedgerError> {
    i32::try_from(attempt).map_err(|_| corrupt("attempt count out of range"))
}

/// Writes the changeable columns of `units` and appends the rows of `audit`, with one
/// statement (nothing when both are empty).
fn write(
    tx: &mut Transaction<'_>,
    statement: &Statement,
    units: &[&Unit],
    audit: &AuditBatch,
) -> Result<(), LedgerError> {
    if units.is_empty() && audit.key.is_empty() {
        return Ok(());
    }
    let key: Vec<&str> = units.iter().map(|u| u.key.as_str()).collect();
    let state: Vec<&str> = units.iter().map(|u| u.state.as_str()).collect();
    let attempts = units
        .iter()
        .map(|u| attempt_column(u.attempts))
        .collect::<Result<Vec<i32>, _>>()?;
    let lease_owner: Vec<Option<&str>> = units.iter().map(|u| u.lease_owner.as_deref()).collect();
    let lease_until: Vec<Option<i64>> = units.iter().map(|u| u.lease_until).collect();
    let next_at: Vec<Option<i64>> = units.iter().map(|u| u.next_at).collect();
    let last_error: Vec<Option<&str>> = units.iter().map(|u| u.last_error.as_deref()).collect();
    let remote_reference: Vec<Option<&str>> = units
        .iter()
        .map(|u| u.remote_reference.as_deref())
        .collect();
    let updated_at: Vec<i64> = units.iter().map(|u| u.updated_at).collect();
    tx.execute(
        statement,
        &[
            &key,
            &state,
            &attempts,
            &lease_owner,
            &lease_until,
            &next_at,
            &last_error,
            &remote_reference,
            &updated_at,
            &audit.key,
            &audit.at,
            &audit.from,
            &audit.to,
            &audit.attempt,
            &audit.detail,
        ],
    )
    .map_err(db)?;
    Ok(())
}

/// Applies one outcome to a locked unit held in memory (the SQLite backend's `record_in`).
fn apply_record(
    unit: &mut Unit,
    record: &Record<'_>,
    now: i64,
    audit: &mut AuditBatch,
) -> Result<State, LedgerError> {
    if let Some(owner) = record.owner
        && unit.state == State::InFlight
        && unit.lease_owner.as_deref() != Some(owner)
    {
        return Err(LedgerError::NotLeaseHolder(unit.key.clone()));
    }
    let to = moved(unit, &record.event)?;
    audit.push(
        &unit.key,
        now,
        Some(unit.state),
        to,
        unit.attempts,
        record.detail,
    )?;
    unit.state = to;
    unit.lease_owner = None;
    unit.lease_until = None;
    unit.next_at = match record.event {
        Event::RetryAt(at) => Some(at),
        _ => None,
    };
    unit.last_error = match to {
        State::Accepted | State::Pending => None,
        _ => Some(record.detail.to_string()),
    };
    if let Some(reference) = record.remote_reference {
        unit.remote_reference = Some(reference.to_string());
    }
    unit.updated_at = now;
    Ok(to)
}

impl Ledger for PostgresLedger {
    /// Adds many units in one transaction: new keys are inserted (in key order, so two
    /// workers enqueueing overlapping batches wait for each other instead of deadlocking),
    /// then every key is read back to say what the ledger holds.
    fn enqueue_all(&mut self, units: &[NewUnit], now: i64) -> Result<Vec<Enqueued>, LedgerError> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        // The first occurrence of a key in the batch is the one inserted (as SQLite does).
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, unit) in units.iter().enumerate() {
            first.entry(unit.key.as_str()).or_insert(i);
        }
        let mut inserting: Vec<&NewUnit> = first.values().map(|&i| &units[i]).collect();
        inserting.sort_by(|a, b| a.key.cmp(&b.key));
        let column =
            |f: fn(&NewUnit) -> &str| -> Vec<&str> { inserting.iter().map(|u| f(u)).collect() };
        let keys = column(|u| &u.key);

        let client = self.client.get_mut();
        let mut tx = client.transaction().map_err(db)?;
        let inserted: HashSet<String> = tx
            .query(
                &self.statements.insert_units,
                &[
                    &keys,
                    &column(|u| &u.payload_sha256),
                    &column(|u| &u.control_numbers.0),
                    &column(|u| &u.control_numbers.1),
                    &column(|u| &u.control_numbers.2),
                    &column(|u| &u.source),
                    &now,
                ],
            )
            .map_err(db)?
            .iter()
            .map(|row| row.try_get(0).map_err(db))
            .collect::<Result<_, _>>()?;
        let mut known: HashMap<String, (String, State)> = HashMap::new();
        for row in tx
            .query(&self.statements.known_units, &[&keys])
            .map_err(db)?
        {
            let state: String = row.try_get(2).map_err(db)?;
            known.insert(
                row.try_get(0).map_err(db)?,
                (row.try_get(1).map_err(db)?, state.parse()?),
            );
        }
        let mut audit = AuditBatch::default();
        for key in &keys {
            if inserted.contains(*key) {
                audit.push(key, now, None, State::Pending, 0, "enqueued")?;
            }
        }
        write(&mut tx, &self.statements.write, &[], &audit)?;
        tx.commit().map_err(db)?;
        if !inserted.is_empty() {
            refresh_statistics(client, inserted.len());
        }

        units
            .iter()
            .enumerate()
            .map(|(i, unit)| {
                let (recorded, state) = known
                    .get(&unit.key)
                    .ok_or_else(|| corrupt("an enqueued unit is missing"))?;
                Ok(if *recorded != unit.payload_sha256 {
                    Enqueued::Conflict {
                        recorded: recorded.clone(),
                    }
                } else if inserted.contains(&unit.key) && first.get(unit.key.as_str()) == Some(&i) {
                    Enqueued::New
                } else {
                    Enqueued::Known(*state)
                })
            })
            .collect()
    }

    /// Leases up to `limit` due units to `owner` for `lease_ms`, skipping (never waiting
    /// for) units other workers are leasing; committed before returning.
    fn lease_due(
        &mut self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: usize,
        among: Option<&[String]>,
    ) -> Result<Vec<Unit>, LedgerError> {
        if limit == 0 || among.is_some_and(|keys| keys.is_empty()) {
            return Ok(Vec::new());
        }
        let request = LeaseRequest {
            owner,
            lease_ms,
            limit,
            among,
        };
        let client = self.client.get_mut();
        if let Some((_, units)) =
            turn_in_one_statement(client, &self.statements, &[], now, Some(&request))?
        {
            return Ok(units);
        }
        turn_general(client, &self.statements, &[], now, Some(&request)).map(|(_, units)| units)
    }

    /// Records many outcomes in one transaction: the units are locked in key order, each
    /// record is applied in order to the units in memory, then the changed units and the
    /// audit rows are written with one statement each.
    fn record_all(
        &mut self,
        records: &[Record<'_>],
        now: i64,
    ) -> Result<Vec<Result<State, LedgerError>>, LedgerError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.client.get_mut();
        if let Some((results, _)) =
            turn_in_one_statement(client, &self.statements, records, now, None)?
        {
            return Ok(results);
        }
        turn_general(client, &self.statements, records, now, None).map(|(results, _)| results)
    }

    /// Records, then leases, in one transaction: one commit (and one disk sync on the
    /// server) per turn of the worker. A turn of the worker's own outcomes is one
    /// statement ([`TURN`]); any other goes the general way (`turn_general`).
    fn record_then_lease(
        &mut self,
        records: &[Record<'_>],
        now: i64,
        lease: Option<&LeaseRequest<'_>>,
    ) -> Result<(Recorded, Vec<Unit>), LedgerError> {
        let client = self.client.get_mut();
        match turn_in_one_statement(client, &self.statements, records, now, lease)? {
            Some(done) => Ok(done),
            None => turn_general(client, &self.statements, records, now, lease),
        }
    }

    /// Units whose lease ran out by `now` (their worker died): `in_doubt`, or `retry_wait`
    /// when the receiver deduplicates by key. Units another process is expiring are
    /// skipped. Returns the keys moved.
    fn expire_leases(&mut self, now: i64, dedup: bool) -> Result<Vec<String>, LedgerError> {
        let client = self.client.get_mut();
        let mut tx = client.transaction().map_err(db)?;
        let rows = tx.query(&self.statements.expired, &[&now]).map_err(db)?;
        let mut units = units_from(&rows)?;
        let event = Event::LeaseExpired { dedup };
        let detail = if dedup {
            "lease expired (worker gone); the receiver deduplicates by key: retry"
        } else {
            "lease expired (worker gone) after the attempt may have been sent: in doubt"
        };
        let mut audit = AuditBatch::default();
        for unit in &mut units {
            let to = moved(unit, &event)?;
            audit.push(&unit.key, now, Some(unit.state), to, unit.attempts, detail)?;
            unit.state = to;
            unit.lease_owner = None;
            unit.lease_until = None;
            unit.next_at = Some(now);
            unit.last_error = Some(detail.to_string());
            unit.updated_at = now;
        }
        write(
            &mut tx,
            &self.statements.write,
            &units.iter().collect::<Vec<_>>(),
            &audit,
        )?;
        tx.commit().map_err(db)?;
        Ok(units.into_iter().map(|u| u.key).collect())
    }

    /// One unit.
    fn get(&self, key: &str) -> Result<Option<Unit>, LedgerError> {
        let row = self
            .reader()?
            .query_opt(&self.statements.get, &[&key])
            .map_err(db)?;
        row.as_ref().map(unit_from).transpose()
    }

    /// Many units in one query (one round trip instead of one per key).
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Unit>>, LedgerError> {
        let rows = self
            .reader()?
            .query(&self.statements.get_many, &[&keys])
            .map_err(db)?;
        let found: std::collections::HashMap<String, Unit> = units_from(&rows)?
            .into_iter()
            .map(|unit| (unit.key.clone(), unit))
            .collect();
        Ok(keys.iter().map(|key| found.get(key).cloned()).collect())
    }

    /// Four columns a unit instead of the whole row, in one query.
    fn statuses(&self, keys: &[String]) -> Result<Vec<Option<UnitStatus>>, LedgerError> {
        let rows = self
            .reader()?
            .query(&self.statements.statuses, &[&keys])
            .map_err(db)?;
        let mut found: std::collections::HashMap<String, UnitStatus> =
            std::collections::HashMap::with_capacity(rows.len());
        for row in &rows {
            let attempts: i32 = row.try_get(2).map_err(db)?;
            found.insert(
                row.try_get(0).map_err(db)?,
                UnitStatus {
                    state: row.try_get::<_, &str>(1).map_err(db)?.parse()?,
                    attempts: u32::try_from(attempts).map_err(|_| {
                        LedgerError::Corrupt(format!("attempts {attempts} is negative"))
                    })?,
                    last_error: row.try_get(3).map_err(db)?,
                },
            );
        }
        Ok(keys.iter().map(|key| found.get(key).cloned()).collect())
    }

    /// Units, all or of one state, oldest first.
    fn list(&self, state: Option<State>) -> Result<Vec<Unit>, LedgerError> {
        let rows = self
            .reader()?
            .query(&self.statements.list, &[&state.map(State::as_str)])
            .map_err(db)?;
        units_from(&rows)
    }

    /// Units per state.
    fn counts(&self) -> Result<Vec<(State, u64)>, LedgerError> {
        let rows = self
            .reader()?
            .query(&self.statements.counts, &[])
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let state: String = row.try_get(0).map_err(db)?;
                let n: i64 = row.try_get(1).map_err(db)?;
                Ok((state.parse()?, n.max(0).unsigned_abs()))
            })
            .collect()
    }

    /// The audit trail of a unit, oldest first.
    fn audit(&self, key: &str) -> Result<Vec<AuditEntry>, LedgerError> {
        let rows = self
            .reader()?
            .query(&self.statements.audit, &[&key])
            .map_err(db)?;
        rows.iter()
            .map(|row| {
                let from: Option<String> = row.try_get(1).map_err(db)?;
                let to: String = row.try_get(2).map_err(db)?;
                let attempt: i32 = row.try_get(3).map_err(db)?;
                Ok(AuditEntry {
                    at: row.try_get(0).map_err(db)?,
                    from: from.map(|f| f.parse()).transpose()?,
                    to: to.parse()?,
                    attempt: u32::try_from(attempt)
                        .map_err(|_| corrupt("negative attempt count"))?,
                    detail: row.try_get(4).map_err(db)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        for good in ["public", "x12pipe_test_1_2", "Ledger"] {
            assert!(check_schema(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1st",
            "a-b",
            "a\"b",
            "x; DROP TABLE units",
            &"a".repeat(64),
        ] {
            assert!(
                matches!(check_schema(bad), Err(LedgerError::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_connection_error_does_not_show_the_password() {
        // Port 1 on the loopback refuses at once; no server is needed.
        let url = "postgres://clerk:s3cret-pw@127.0.0.1:1/ledger?connect_timeout=2";
        let error = PostgresLedger::connect(url).expect_err("nothing listens on port 1");
        let message = error.to_string();
        assert!(
            message.contains("error connecting to server: "),
            "{message}"
        );
        assert!(!message.contains("s3cret-pw"), "{message}");
        assert!(!message.contains("clerk"), "{message}");
    }
}
