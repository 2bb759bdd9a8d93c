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

const UNIT_COLUMNS: &str = "key, payload_sha256, state, attempts, lease_owner, lease_until, next_at, \
    remote_reference, last_error, interchange, grp, txn, source, created_at, updated_at";

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
    /// Writes the changeable columns of many units (arrays, one element per unit).
    write_units: Statement,
    /// Appends many audit rows (arrays, one element per row).
    write_audit: Statement,
    /// Inserts new units (arrays) unless their key exists; returns the keys inserted.
    insert_units: Statement,
    /// Key, hash and state of the units whose key is in `$1`.
    known_units: Statement,
    get: Statement,
    /// The units whose key is in `$1`, in no particular order.
    get_many: Statement,
    /// Key, state, attempts and last error of the units whose key is in `$1`.
    statuses: Statement,
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
            write_units: client.prepare(
                "UPDATE units SET state = v.state, attempts = v.attempts, \
                 lease_owner = v.lease_owner, lease_until = v.lease_until, next_at = v.next_at, \
                 last_error = v.last_error, remote_reference = v.remote_reference, \
                 updated_at = v.updated_at \
                 FROM UNNEST($1::text[], $2::text[], $3::int4[], $4::text[], $5::int8[], \
                             $6::int8[], $7::text[], $8::text[], $9::int8[]) \
                   AS v(v_key, state, attempts, lease_owner, lease_until, next_at, last_error, \
                        remote_reference, updated_at) \
                 WHERE units.key = v.v_key",
            )?,
            write_audit: client.prepare(
                "INSERT INTO audit (key, at, from_state, to_state, attempt, detail) \
                 SELECT k, a, f, t, n, d \
                 FROM UNNEST($1::text[], $2::int8[], $3::text[], $4::text[], $5::int4[], \
                             $6::text[]) WITH ORDINALITY AS v(k, a, f, t, n, d, o) \
                 ORDER BY k, o",
            )?,
            insert_units: client.prepare(
                "INSERT INTO units (key, payload_sha256, state, interchange, grp, txn, source, \
                                    created_at, updated_at) \
                 SELECT k, h, 'pending', i, g, t, s, $7, $7 \
                 FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
                             $6::text[]) AS v(k, h, i, g, t, s) \
                 ON CONFLICT (key) DO NOTHING RETURNING key",
            )?,
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
    tx.batch_execute(&format!("SET LOCAL search_path TO \"{schema}\"; {TABLES}"))
        .map_err(db)?;
    tx.commit().map_err(db)
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

/// Leases due units inside a transaction, as [`Ledger::lease_due`] asks; their audit rows
/// go to `audit`.
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
    write_units(
        tx,
        &statements.write_units,
        &units.iter().collect::<Vec<_>>(),
    )?;
    Ok(units)
}

/// Records outcomes inside a transaction (see [`Ledger::record_all`]): the units are
/// locked in key order, each record is applied in order to the units in memory, then the
/// changed units are written with one statement; their audit rows go to `audit`.
fn record_in(
    tx: &mut Transaction<'_>,
    statements: &Statements,
    audit: &mut AuditBatch,
    records: &[Record<'_>],
    now: i64,
) -> Result<Recorded, LedgerError> {
    if records.is_empty() {
        return Ok(Vec::new());
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
    let changed_units: Vec<&Unit> = changed.iter().filter_map(|k| units.get(k)).collect();
    write_units(tx, &statements.write_units, &changed_units)?;
    Ok(results)
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

    fn write(&self, tx: &mut Transaction<'_>, statement: &Statement) -> Result<(), LedgerError> {
        if self.key.is_empty() {
            return Ok(());
        }
        tx.execute(
            statement,
            &[
                &self.key,
                &self.at,
                &self.from,
                &self.to,
                &self.attempt,
                &self.detail,
            ],
        )
        .map_err(db)?;
        Ok(())
    }
}

fn attempt_column(attempt: u32) -> Result<i32, LedgerError> {
    i32::try_from(attempt).map_err(|_| corrupt("attempt count out of range"))
}

/// Writes the changeable columns of `units` with one statement.
fn write_units(
    tx: &mut Transaction<'_>,
    statement: &Statement,
    units: &[&Unit],
) -> Result<(), LedgerError> {
    if units.is_empty() {
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
        audit.write(&mut tx, &self.statements.write_audit)?;
        tx.commit().map_err(db)?;

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
        let client = self.client.get_mut();
        let mut tx = client.transaction().map_err(db)?;
        let mut audit = AuditBatch::default();
        let units = lease_in(
            &mut tx,
            &self.statements,
            &mut audit,
            &LeaseRequest {
                owner,
                lease_ms,
                limit,
                among,
            },
            now,
        )?;
        audit.write(&mut tx, &self.statements.write_audit)?;
        tx.commit().map_err(db)?;
        Ok(units)
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
        let mut tx = client.transaction().map_err(db)?;
        let mut audit = AuditBatch::default();
        let results = record_in(&mut tx, &self.statements, &mut audit, records, now)?;
        audit.write(&mut tx, &self.statements.write_audit)?;
        tx.commit().map_err(db)?;
        Ok(results)
    }

    /// Records, then leases, in one transaction: one commit (and one disk sync on the
    /// server) per turn of the worker, and one statement for all the audit rows.
    fn record_then_lease(
        &mut self,
        records: &[Record<'_>],
        now: i64,
        lease: Option<&LeaseRequest<'_>>,
    ) -> Result<(Recorded, Vec<Unit>), LedgerError> {
        let client = self.client.get_mut();
        let mut tx = client.transaction().map_err(db)?;
        let mut audit = AuditBatch::default();
        let results = record_in(&mut tx, &self.statements, &mut audit, records, now)?;
        let leased = match lease {
            Some(l) => lease_in(&mut tx, &self.statements, &mut audit, l, now)?,
            None => Vec::new(),
        };
        audit.write(&mut tx, &self.statements.write_audit)?;
        tx.commit().map_err(db)?;
        Ok((results, leased))
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
        write_units(
            &mut tx,
            &self.statements.write_units,
            &units.iter().collect::<Vec<_>>(),
        )?;
        audit.write(&mut tx, &self.statements.write_audit)?;
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
