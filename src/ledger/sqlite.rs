//! The embedded ledger: one SQLite file in WAL mode with `synchronous=FULL`, so a committed
//! attempt survives a crash or a power cut before the request is sent.
//!
//! Every change runs in an immediate transaction (one writer at a time), reads the unit,
//! asks [`transition`](super::transition) whether the move is allowed, and writes the unit
//! and its audit row together.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::{
    AuditEntry, Enqueued, Event, LeaseRequest, Ledger, LedgerError, NewUnit, Record, Recorded,
    State, Unit, UnitStatus, transition,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS units (
    key TEXT PRIMARY KEY,
    payload_sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_until INTEGER,
    next_at INTEGER,
    remote_reference TEXT,
    last_error TEXT,
    interchange TEXT NOT NULL,
    grp TEXT NOT NULL,
    txn TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    audit_ids TEXT
);
-- Units under a lease, for finding expired leases. Only those: an index of every unit's
-- state changed on every lease and outcome and cost some 16,000 instructions a unit
-- (callgrind, examples/ledger_cost), for queries that only an operator's tools run.
DROP INDEX IF EXISTS units_due;
CREATE INDEX IF NOT EXISTS units_lease ON units (lease_until) WHERE lease_until IS NOT NULL;
-- The audit trail, append-only. A unit's rows are listed in units.audit_ids (ids in
-- order), written by the statement that changes the unit: an index of the audit by key
-- put each row at a random place, so every commit rewrote a page per row (a third of
-- the ledger's disk writes and 14,000 instructions a unit; callgrind and
-- examples/ledger_cost).
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at INTEGER NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    detail TEXT NOT NULL
);
";

/// Pages of write-ahead log after which a commit checkpoints it into the database.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 100;

const UNIT_COLUMNS: &str = "key, payload_sha256, state, attempts, lease_owner, lease_until, next_at, \
    remote_reference, last_error, interchange, grp, txn, source, created_at, updated_at";

fn db(e: rusqlite::Error) -> LedgerError {
    LedgerError::Database(e.to_string())
}

/// A unit row read with its rowid after [`UNIT_COLUMNS`], so that the update that follows
/// in the same transaction finds the row without descending the key index again.
fn unit_and_rowid(row: &Row<'_>) -> rusqlite::Result<((Unit, String), i64)> {
    Ok((unit_from(row)?, row.get(15)?))
}

fn unit_from(row: &Row<'_>) -> rusqlite::Result<(Unit, String)> {
    let state: String = row.get(2)?;
    Ok((
        Unit {
            key: row.get(0)?,
            payload_sha256: row.get(1)?,
            state: State::Pending,
            attempts: row.get(3)?,
            lease_owner: row.get(4)?,
            lease_until: row.get(5)?,
            next_at: row.get(6)?,
            remote_reference: row.get(7)?,
            last_error: row.get(8)?,
            interchange: row.get(9)?,
            group: row.get(10)?,
            transaction: row.get(11)?,
            source: row.get(12)?,
            created_at: row.get(13)?,
            updated_at: row.get(14)?,
        },
        state,
    ))
}

/// Parses the state column after reading a row.
fn with_state((mut unit, state): (Unit, String)) -> Result<Unit, LedgerError> {
    unit.state = state.parse()?;
    Ok(unit)
}

/// A ledger in one SQLite file.
pub struct SqliteLedger {
    connection: Connection,
}

impl SqliteLedger {
    /// Opens (creating if needed) the ledger at `path`.
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        Self::setup(Connection::open(path).map_err(db)?)
    }

    /// A ledger in memory (tests).
    pub fn in_memory() -> Result<Self, LedgerError> {
        Self::setup(Connection::open_in_memory().map_err(db)?)
    }

    fn setup(connection: Connection) -> Result<Self, LedgerError> {
        connection
            .busy_timeout(Duration::from_secs(30))
            .map_err(db)?;
        // WAL lets readers run beside the writer; FULL syncs the log at every commit.
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(db)?;
        connection
            .pragma_update(None, "synchronous", "FULL")
            .map_err(db)?;
        // Checkpoint every 100 pages of log instead of SQLite's 1,000: the log then stays
        // small and is written over from its start, in blocks the file already has, rather
        // than growing through a whole run (each commit's sync then also allocated blocks),
        // and closing has little left to copy. `examples/ledger_cost`, 1,000 units in
        // commits of 24: lease+record 31.2-31.7 -> 21.6-27.9 ms, close 4.5 -> 1.3 ms; the
        // submit bench, SQLite on disk, alternated pairs: 0.61-0.65 -> 0.65-0.70 of the
        // baseline (50 and 200 pages: 0.64-0.70). Durability is the same (every commit is
        // still synced to the log).
        connection
            .pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
            .map_err(db)?;
        connection.execute_batch(SCHEMA).map_err(db)?;
        migrate(&connection)?;
        Ok(SqliteLedger { connection })
    }
}

impl Ledger for SqliteLedger {
    /// Adds many units in one transaction (one disk sync).
    fn enqueue_all(&mut self, units: &[NewUnit], now: i64) -> Result<Vec<Enqueued>, LedgerError> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let results = {
            let mut statements = Statements::new(&tx)?;
            units
                .iter()
                .map(|unit| enqueue_in(&tx, &mut statements, unit, now))
                .collect::<Result<Vec<_>, _>>()?
        };
        tx.commit().map_err(db)?;
        Ok(results)
    }

    /// Leases up to `limit` due units to `owner` for `lease_ms`: each becomes `in_flight`
    /// with one more attempt, committed before the caller sends anything.
    fn lease_due(
        &mut self,
        owner: &str,
        now: i64,
        lease_ms: i64,
        limit: usize,
        among: Option<&[String]>,
    ) -> Result<Vec<Unit>, LedgerError> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let leased = lease_in(&tx, owner, now, lease_ms, limit, among)?;
        tx.commit().map_err(db)?;
        Ok(leased)
    }

    /// Records, then leases, in one transaction: one disk sync per turn of the worker.
    fn record_then_lease(
        &mut self,
        records: &[Record<'_>],
        now: i64,
        lease: Option<&LeaseRequest<'_>>,
    ) -> Result<(Recorded, Vec<Unit>), LedgerError> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let results = record_many_in(&tx, records, now)?;
        let leased = match lease {
            Some(l) => lease_in(&tx, l.owner, now, l.lease_ms, l.limit, l.among)?,
            None => Vec::new(),
        };
        tx.commit().map_err(db)?;
        Ok((results, leased))
    }

    /// Records many outcomes in one transaction (one disk sync: group commit).
    fn record_all(
        &mut self,
        records: &[Record<'_>],
        now: i64,
    ) -> Result<Vec<Result<State, LedgerError>>, LedgerError> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let results = record_many_in(&tx, records, now)?;
        tx.commit().map_err(db)?;
        Ok(results)
    }

    /// Units whose lease ran out by `now` (their worker died): `in_doubt`, or `retry_wait`
    /// when the receiver deduplicates by key. Returns the keys moved.
    fn expire_leases(&mut self, now: i64, dedup: bool) -> Result<Vec<String>, LedgerError> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let keys: Vec<String> = {
            // Sorted here: with ORDER BY the planner walks the key index over every unit
            // instead of the lease index over the leased ones.
            let mut statement = tx
                .prepare_cached(
                    "SELECT key FROM units WHERE state = 'in_flight' AND lease_until < ?1",
                )
                .map_err(db)?;
            let rows = statement
                .query_map(params![now], |row| row.get(0))
                .map_err(db)?;
            let mut keys: Vec<String> = rows.collect::<Result<_, _>>().map_err(db)?;
            keys.sort_unstable();
            keys
        };
        let event = Event::LeaseExpired { dedup };
        let mut statements = Statements::new(&tx)?;
        for key in &keys {
            let unit = load(&tx, key)?;
            let to = moved(&unit.key, unit.state, &event)?;
            let detail = if dedup {
                "lease expired (worker gone); the receiver deduplicates by key: retry"
            } else {
                "lease expired (worker gone) after the attempt may have been sent: in doubt"
            };
            let id = statements.take_id(&tx)?;
            tx.execute(
                "UPDATE units SET state = ?2, lease_owner = NULL, lease_until = NULL, next_at = ?3, \
                 last_error = ?4, updated_at = ?3, \
                 audit_ids = COALESCE(audit_ids || ',', '') || ?5 WHERE key = ?1",
                params![key, to.as_str(), now, detail, id],
            )
            .map_err(db)?;
            statements.audit(id, key, now, Some(unit.state), to, unit.attempts, detail)?;
        }
        drop(statements);
        tx.commit().map_err(db)?;
        Ok(keys)
    }

    /// One unit.
    fn get(&self, key: &str) -> Result<Option<Unit>, LedgerError> {
        let sql = format!("SELECT {UNIT_COLUMNS} FROM units WHERE key = ?1");
        let row = self
            .connection
            .prepare_cached(&sql)
            .map_err(db)?
            .query_row(params![key], unit_from)
            .optional()
            .map_err(db)?;
        row.map(with_state).transpose()
    }

    /// Three columns a unit instead of the whole row: reading the report back cost as much
    /// as a lease (callgrind, `examples/ledger_cost`). One read transaction for all the
    /// keys: a statement on its own takes and drops the WAL read lock, two `fcntl` calls a
    /// key on a file (`strace`, `examples/ledger_cost`: 2,006 for 1,000 keys).
    fn statuses(&self, keys: &[String]) -> Result<Vec<Option<UnitStatus>>, LedgerError> {
        let read = self.connection.unchecked_transaction().map_err(db)?;
        let mut statement = read
            .prepare_cached("SELECT state, attempts, last_error FROM units WHERE key = ?1")
            .map_err(db)?;
        let statuses = keys
            .iter()
            .map(|key| {
                let row: Option<(String, u32, Option<String>)> = statement
                    .query_row(params![key], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })
                    .optional()
                    .map_err(db)?;
                row.map(|(state, attempts, last_error)| {
                    Ok(UnitStatus {
                        state: state.parse()?,
                        attempts,
                        last_error,
                    })
                })
                .transpose()
            })
            .collect();
        drop(statement);
        // Nothing was written: ending the read transaction cannot lose anything.
        read.commit().map_err(db)?;
        statuses
    }

    /// Units, all or of one state, oldest first.
    fn list(&self, state: Option<State>) -> Result<Vec<Unit>, LedgerError> {
        let sql = format!(
            "SELECT {UNIT_COLUMNS} FROM units WHERE ?1 IS NULL OR state = ?1 ORDER BY created_at, key"
        );
        let mut statement = self.connection.prepare(&sql).map_err(db)?;
        let rows = statement
            .query_map(params![state.map(State::as_str)], unit_from)
            .map_err(db)?;
        rows.map(|row| row.map_err(db).and_then(with_state))
            .collect()
    }

    /// Units per state.
    fn counts(&self) -> Result<Vec<(State, u64)>, LedgerError> {
        let mut statement = self
            .connection
            .prepare("SELECT state, COUNT(*) FROM units GROUP BY state ORDER BY state")
            .map_err(db)?;
        let rows = statement
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .map_err(db)?;
        rows.map(|row| {
            let (state, n) = row.map_err(db)?;
            Ok((state.parse()?, n.max(0) as u64))
        })
        .collect()
    }

    /// The audit trail of a unit, oldest first.
    fn audit(&self, key: &str) -> Result<Vec<AuditEntry>, LedgerError> {
        let listed: Option<Option<String>> = self
            .connection
            .prepare_cached("SELECT audit_ids FROM units WHERE key = ?1")
            .map_err(db)?
            .query_row(params![key], |row| row.get(0))
            .optional()
            .map_err(db)?;
        let Some(Some(listed)) = listed else {
            return Ok(Vec::new());
        };
        let mut ids = listed
            .split(',')
            .map(|id| {
                id.trim().parse::<i64>().map_err(|_| {
                    LedgerError::Corrupt(format!("unit {key}: audit id {id:?} is not a number"))
                })
            })
            .collect::<Result<Vec<i64>, _>>()?;
        ids.sort_unstable();
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT at, from_state, to_state, attempt, detail FROM audit WHERE id = ?1",
            )
            .map_err(db)?;
        ids.into_iter()
            .map(|id| {
                let (at, from, to, attempt, detail) = statement
                    .query_row(params![id], |row| {
                        Ok((
                            row.get::<_, i64>(0)?,
                            row.get::<_, Option<String>>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, u32>(3)?,
                            row.get::<_, String>(4)?,
                        ))
                    })
                    .optional()
                    .map_err(db)?
                    .ok_or_else(|| {
                        LedgerError::Corrupt(format!("unit {key}: audit row {id} is missing"))
                    })?;
                Ok(AuditEntry {
                    at,
                    from: from.map(|f| f.parse()).transpose()?,
                    to: to.parse()?,
                    attempt,
                    detail,
                })
            })
            .collect()
    }
}

/// Brings a ledger of an earlier version (audit found by an index on its key) to this
/// one (each unit lists its audit rows): once, in one transaction; a second worker that
/// opens the ledger meanwhile waits for it and finds the work done.
fn migrate(connection: &Connection) -> Result<(), LedgerError> {
    let current = |c: &Connection| -> Result<bool, LedgerError> {
        c.prepare("SELECT 1 FROM pragma_table_info('units') WHERE name = 'audit_ids'")
            .map_err(db)?
            .exists([])
            .map_err(db)
    };
    if current(connection)? {
        return Ok(());
    }
    connection.execute_batch("BEGIN IMMEDIATE").map_err(db)?;
    let done = (|| {
        if !current(connection)? {
            connection
                .execute_batch(
                    "ALTER TABLE units ADD COLUMN audit_ids TEXT;
                     UPDATE units SET audit_ids =
                         (SELECT group_concat(id, ',') FROM audit WHERE audit.key = units.key);
                     DROP INDEX IF EXISTS audit_key;",
                )
                .map_err(db)?;
        }
        connection.execute_batch("COMMIT").map_err(db)
    })();
    if done.is_err() {
        let _ = connection.execute_batch("ROLLBACK");
    }
    done
}

/// Reads a unit inside a transaction.
fn load(tx: &rusqlite::Transaction<'_>, key: &str) -> Result<Unit, LedgerError> {
    let sql = format!("SELECT {UNIT_COLUMNS} FROM units WHERE key = ?1");
    let row = tx
        .prepare_cached(&sql)
        .map_err(db)?
        .query_row(params![key], unit_from)
        .optional()
        .map_err(db)?;
    match row {
        Some(row) => with_state(row),
        None => Err(LedgerError::NotFound(key.to_string())),
    }
}

/// The state `event` moves unit `key`, now in `state`, to; or the refusal.
fn moved(key: &str, state: State, event: &Event) -> Result<State, LedgerError> {
    transition(state, event).ok_or_else(|| LedgerError::Transition {
        key: key.to_string(),
        state,
        event: format!("{event:?}"),
    })
}

const AUDIT_INSERT: &str = "INSERT INTO audit (id, key, at, from_state, to_state, attempt, detail) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// What a transaction repeats for every unit: the audit insert, prepared once (looking a
/// statement up in the cache for each use cost about a tenth of the ledger's
/// instructions; callgrind, `examples/ledger_cost`), and the ids of new audit rows, so
/// that the update of a unit can list the row it is about to write. Ids follow the
/// largest there, read once: one writer at a time (immediate transactions).
struct Statements<'t> {
    insert: rusqlite::CachedStatement<'t>,
    next_id: Option<i64>,
}

impl<'t> Statements<'t> {
    fn new(tx: &'t rusqlite::Transaction<'_>) -> Result<Self, LedgerError> {
        Ok(Statements {
            insert: tx.prepare_cached(AUDIT_INSERT).map_err(db)?,
            next_id: None,
        })
    }

    /// The id the next audit row will have.
    fn peek_id(&mut self, tx: &rusqlite::Transaction<'_>) -> Result<i64, LedgerError> {
        match self.next_id {
            Some(id) => Ok(id),
            None => {
                let id: i64 = tx
                    .prepare_cached("SELECT COALESCE(MAX(id), 0) + 1 FROM audit")
                    .map_err(db)?
                    .query_row([], |row| row.get(0))
                    .map_err(db)?;
                self.next_id = Some(id);
                Ok(id)
            }
        }
    }

    /// Takes the next audit row's id.
    fn take_id(&mut self, tx: &rusqlite::Transaction<'_>) -> Result<i64, LedgerError> {
        let id = self.peek_id(tx)?;
        self.next_id = Some(id + 1);
        Ok(id)
    }

    /// Appends audit row `id` (taken with [`take_id`](Self::take_id)).
    #[allow(clippy::too_many_arguments)]
    fn audit(
        &mut self,
        id: i64,
        key: &str,
        at: i64,
        from: Option<State>,
        to: State,
        attempt: u32,
        detail: &str,
    ) -> Result<(), LedgerError> {
        self.insert
            .execute(params![
                id,
                key,
                at,
                from.map(State::as_str),
                to.as_str(),
                attempt,
                detail
            ])
            .map_err(db)?;
        Ok(())
    }
}

/// Adds one unit inside a transaction: the insert is tried first (new units are the
/// common case), and only a key already there is read back.
fn enqueue_in(
    tx: &rusqlite::Transaction<'_>,
    statements: &mut Statements<'_>,
    unit: &NewUnit,
    now: i64,
) -> Result<Enqueued, LedgerError> {
    let (interchange, group, transaction) = &unit.control_numbers;
    // The id its first audit row will have, used only if the unit is new (bound as an
    // integer: the column's text affinity stores it as text, as the updates append).
    let id = statements.peek_id(tx)?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO units (key, payload_sha256, state, interchange, grp, txn, source, created_at, updated_at, audit_ids) \
             VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, ?7, ?7, ?8) ON CONFLICT (key) DO NOTHING",
        )
        .map_err(db)?
        .execute(params![unit.key, unit.payload_sha256, interchange, group, transaction, unit.source, now, id])
        .map_err(db)?;
    if inserted == 1 {
        let id = statements.take_id(tx)?;
        statements.audit(id, &unit.key, now, None, State::Pending, 0, "enqueued")?;
        return Ok(Enqueued::New);
    }
    let (recorded, state): (String, String) = tx
        .prepare_cached("SELECT payload_sha256, state FROM units WHERE key = ?1")
        .map_err(db)?
        .query_row(params![unit.key], |row| Ok((row.get(0)?, row.get(1)?)))
        .map_err(db)?;
    Ok(if recorded != unit.payload_sha256 {
        Enqueued::Conflict { recorded }
    } else {
        Enqueued::Known(state.parse()?)
    })
}

/// Records one outcome inside a transaction.
fn record_in(
    tx: &rusqlite::Transaction<'_>,
    statements: &mut Statements<'_>,
    record: &Record<'_>,
    now: i64,
) -> Result<State, LedgerError> {
    let key = record.key;
    // Only what the decision needs: the state, the lease holder and the attempt count.
    // Its rowid too: the update below finds the row without the key index.
    let row: Option<(String, Option<String>, u32, i64)> = tx
        .prepare_cached("SELECT state, lease_owner, attempts, rowid FROM units WHERE key = ?1")
        .map_err(db)?
        .query_row(params![key], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .optional()
        .map_err(db)?;
    let Some((state, lease_owner, attempts, rowid)) = row else {
        return Err(LedgerError::NotFound(key.to_string()));
    };
    let state: State = state.parse()?;
    if let Some(owner) = record.owner
        && state == State::InFlight
        && lease_owner.as_deref() != Some(owner)
    {
        return Err(LedgerError::NotLeaseHolder(key.to_string()));
    }
    let to = moved(key, state, &record.event)?;
    let next_at = match record.event {
        Event::RetryAt(at) => Some(at),
        _ => None,
    };
    let last_error = match to {
        State::Accepted | State::Pending => None,
        _ => Some(record.detail),
    };
    let id = statements.take_id(tx)?;
    tx.prepare_cached(
        "UPDATE units SET state = ?2, lease_owner = NULL, lease_until = NULL, next_at = ?3, \
         last_error = ?4, remote_reference = COALESCE(?5, remote_reference), updated_at = ?6, \
         audit_ids = COALESCE(audit_ids || ',', '') || ?7 WHERE rowid = ?1",
    )
    .map_err(db)?
    .execute(params![
        rowid,
        to.as_str(),
        next_at,
        last_error,
        record.remote_reference,
        now,
        id
    ])
    .map_err(db)?;
    statements.audit(id, key, now, Some(state), to, attempts, record.detail)?;
    Ok(to)
}

/// Leases due units inside a transaction (see [`Ledger::lease_due`]).
fn lease_in(
    tx: &rusqlite::Transaction<'_>,
    owner: &str,
    now: i64,
    lease_ms: i64,
    limit: usize,
    among: Option<&[String]>,
) -> Result<Vec<Unit>, LedgerError> {
    // One writer at a time (immediate transaction): nothing else can lease these rows
    // between the select and the update. The select reads the whole unit, so the update
    // needs no RETURNING (callgrind: an UPDATE … RETURNING cost about four ordinary
    // statements here) and the leased unit is the row read with the update's changes.
    let due: Vec<(Unit, i64)> = match among {
        // The keys asked for, each looked up by primary key, in the order given: the
        // cost follows the request, not the size of the ledger.
        Some(among) => {
            let mut statement = tx
                .prepare_cached(&format!(
                    "SELECT {UNIT_COLUMNS}, rowid FROM units WHERE key = ?1 AND state IN ('pending', 'retry_wait') \
                     AND (next_at IS NULL OR next_at <= ?2)"
                ))
                .map_err(db)?;
            let mut due = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for key in among {
                if due.len() >= limit {
                    break;
                }
                if !seen.insert(key.as_str()) {
                    continue;
                }
                let row = statement
                    .query_row(params![key, now], unit_and_rowid)
                    .optional()
                    .map_err(db)?;
                if let Some((row, rowid)) = row {
                    due.push((with_state(row)?, rowid));
                }
            }
            due
        }
        None => {
            let mut statement = tx
                .prepare_cached(&format!(
                    "SELECT {UNIT_COLUMNS}, rowid FROM units WHERE state IN ('pending', 'retry_wait') \
                     AND (next_at IS NULL OR next_at <= ?1) ORDER BY created_at, key LIMIT ?2"
                ))
                .map_err(db)?;
            let rows = statement
                .query_map(params![now, limit as i64], unit_and_rowid)
                .map_err(db)?;
            let rows: Vec<((Unit, String), i64)> = rows.collect::<Result<_, _>>().map_err(db)?;
            rows.into_iter()
                .map(|(row, rowid)| Ok((with_state(row)?, rowid)))
                .collect::<Result<_, LedgerError>>()?
        }
    };
    // Each lease is one update and its audit row.
    let detail = format!("leased by {owner}");
    let mut leased = Vec::with_capacity(due.len());
    if due.is_empty() {
        return Ok(leased);
    }
    let mut update = tx
        .prepare_cached(
            "UPDATE units SET state = 'in_flight', attempts = attempts + 1, lease_owner = ?2, \
             lease_until = ?3, next_at = NULL, updated_at = ?4, \
             audit_ids = COALESCE(audit_ids || ',', '') || ?5 WHERE rowid = ?1",
        )
        .map_err(db)?;
    let mut statements = Statements::new(tx)?;
    for (mut unit, rowid) in due {
        let from = unit.state;
        if transition(from, &Event::Lease) != Some(State::InFlight) {
            return Err(LedgerError::Transition {
                key: unit.key,
                state: from,
                event: format!("{:?}", Event::Lease),
            });
        }
        let id = statements.take_id(tx)?;
        let changed = update
            .execute(params![rowid, owner, now + lease_ms, now, id])
            .map_err(db)?;
        if changed != 1 {
            return Err(LedgerError::NotFound(unit.key));
        }
        unit.state = State::InFlight;
        unit.attempts += 1;
        unit.lease_owner = Some(owner.to_string());
        unit.lease_until = Some(now + lease_ms);
        unit.next_at = None;
        unit.updated_at = now;
        statements.audit(
            id,
            &unit.key,
            now,
            Some(from),
            unit.state,
            unit.attempts,
            &detail,
        )?;
        leased.push(unit);
    }
    Ok(leased)
}

/// Records outcomes inside a transaction: one result per record; a database failure fails
/// them all.
fn record_many_in(
    tx: &rusqlite::Transaction<'_>,
    records: &[Record<'_>],
    now: i64,
) -> Result<Recorded, LedgerError> {
    let mut results = Vec::with_capacity(records.len());
    let mut statements = Statements::new(tx)?;
    for record in records {
        match record_in(tx, &mut statements, record, now) {
            Err(LedgerError::Database(e)) => return Err(LedgerError::Database(e)),
            other => results.push(other),
        }
    }
    Ok(results)
}
