//! The ledger conformance suite: every backend must pass these. The SQLite backend runs them
//! in memory and on a file (reopened); the PostgreSQL backend runs them against the server
//! named by `X12PIPE_TEST_POSTGRES_URL`, each ledger in a fresh schema dropped at the end
//! (without the variable those tests say they are skipped, and fail when `CI=true`).
//! Both backends also run the concurrency test: four connections leasing the same units at
//! once must never lease one twice.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use x12pipe::ledger::postgres::PostgresLedger;
use x12pipe::ledger::sqlite::SqliteLedger;
use x12pipe::ledger::{
    Enqueued, Event, LeaseRequest, Ledger, LedgerError, NewUnit, Record, State, UnitStatus,
};

fn unit(key: &str, hash: &str) -> NewUnit {
    NewUnit {
        key: key.to_string(),
        payload_sha256: hash.to_string(),
        control_numbers: ("000000001".into(), "1".into(), key.to_string()),
        source: "claims.x12".into(),
    }
}

fn enqueue_is_idempotent_and_refuses_a_changed_payload(ledger: &mut impl Ledger) {
    assert_eq!(
        ledger.enqueue(&unit("k1", "aa"), 10).ok(),
        Some(Enqueued::New)
    );
    assert_eq!(
        ledger.enqueue(&unit("k1", "aa"), 20).ok(),
        Some(Enqueued::Known(State::Pending))
    );
    assert_eq!(
        ledger.enqueue(&unit("k1", "bb"), 30).ok(),
        Some(Enqueued::Conflict {
            recorded: "aa".into()
        })
    );
    let audit = ledger.audit("k1").expect("audit");
    assert_eq!(
        audit.len(),
        1,
        "a known or conflicting unit changes nothing"
    );
}

fn an_attempt_is_committed_before_sending_and_leases_are_exclusive(ledger: &mut impl Ledger) {
    for key in ["a", "b", "c"] {
        ledger.enqueue(&unit(key, "h"), 1).expect("enqueue");
    }
    let first = ledger
        .lease_due("worker-1", 100, 5_000, 2, None)
        .expect("lease");
    assert_eq!(first.len(), 2);
    for u in &first {
        assert_eq!(u.state, State::InFlight);
        assert_eq!(
            u.attempts, 1,
            "the attempt is counted before anything is sent"
        );
        assert_eq!(u.lease_owner.as_deref(), Some("worker-1"));
        assert_eq!(u.lease_until, Some(5_100));
        assert_eq!(
            ledger.get(&u.key).expect("get").as_ref(),
            Some(u),
            "the leased unit returned is the one the ledger holds"
        );
    }
    // The same through `among` (the engine's way), in the order asked.
    ledger.enqueue(&unit("d", "h"), 1).expect("enqueue");
    let among = ["d".to_string(), "a".to_string()];
    let asked = ledger
        .lease_due("worker-3", 200, 5_000, 5, Some(&among))
        .expect("lease among");
    let leased: Vec<&str> = asked.iter().map(|u| u.key.as_str()).collect();
    assert!(
        leased.contains(&"d") && !first.iter().any(|u| leased.contains(&u.key.as_str())),
        "among leases only due keys: {leased:?}"
    );
    for u in &asked {
        assert_eq!(
            ledger.get(&u.key).expect("get").as_ref(),
            Some(u),
            "the unit leased among keys is the one the ledger holds"
        );
    }
    let second = ledger
        .lease_due("worker-2", 100, 5_000, 10, None)
        .expect("lease");
    assert_eq!(second.len(), 1, "leased units are not leased again");
    assert!(first.iter().all(|u| u.key != second[0].key));
    // Only the lease holder records the outcome.
    let key = first[0].key.clone();
    assert!(matches!(
        ledger.record(
            &key,
            Some("worker-2"),
            &Event::Accepted,
            200,
            "200 SUCCESS",
            Some("r-1")
        ),
        Err(LedgerError::NotLeaseHolder(_))
    ));
    assert_eq!(
        ledger
            .record(
                &key,
                Some("worker-1"),
                &Event::Accepted,
                200,
                "200 SUCCESS",
                Some("r-1")
            )
            .ok(),
        Some(State::Accepted)
    );
    let accepted = ledger.get(&key).expect("get").expect("unit");
    assert_eq!(accepted.remote_reference.as_deref(), Some("r-1"));
    assert_eq!(accepted.lease_owner, None);
    // Accepted is final: a late duplicate outcome is refused.
    assert!(matches!(
        ledger.record(
            &key,
            Some("worker-1"),
            &Event::RetryAt(300),
            300,
            "503",
            None
        ),
        Err(LedgerError::Transition { .. })
    ));
}

fn retries_wait_for_their_time(ledger: &mut impl Ledger) {
    ledger.enqueue(&unit("r", "h"), 1).expect("enqueue");
    let leased = ledger.lease_due("w", 10, 1_000, 1, None).expect("lease");
    assert_eq!(leased.len(), 1);
    ledger
        .record(
            "r",
            Some("w"),
            &Event::RetryAt(500),
            20,
            "503 transport-server-error",
            None,
        )
        .expect("record");
    let waiting = ledger.get("r").expect("get").expect("unit");
    assert_eq!(waiting.state, State::RetryWait);
    assert_eq!(waiting.next_at, Some(500));
    assert_eq!(
        waiting.last_error.as_deref(),
        Some("503 transport-server-error")
    );
    assert!(
        ledger
            .lease_due("w", 499, 1_000, 10, None)
            .expect("lease")
            .is_empty()
    );
    let again = ledger.lease_due("w", 500, 1_000, 10, None).expect("lease");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempts, 2);
}

fn an_expired_lease_is_in_doubt_unless_the_receiver_deduplicates(ledger: &mut impl Ledger) {
    for key in ["x", "y"] {
        ledger.enqueue(&unit(key, "h"), 1).expect("enqueue");
    }
    ledger
        .lease_due("dead-worker", 10, 100, 1, None)
        .expect("lease");
    assert!(
        ledger.expire_leases(110, false).expect("expire").is_empty(),
        "not yet expired"
    );
    assert_eq!(
        ledger.expire_leases(111, false).expect("expire"),
        vec!["x".to_string()]
    );
    assert_eq!(
        ledger.get("x").expect("get").expect("unit").state,
        State::InDoubt
    );
    ledger
        .lease_due("dead-worker", 200, 100, 1, None)
        .expect("lease");
    assert_eq!(
        ledger.expire_leases(301, true).expect("expire"),
        vec!["y".to_string()]
    );
    assert_eq!(
        ledger.get("y").expect("get").expect("unit").state,
        State::RetryWait
    );
    // An operator resolves the doubt: sent, or resend.
    assert_eq!(
        ledger
            .record(
                "x",
                None,
                &Event::ResolvedResend,
                400,
                "operator: resend",
                None
            )
            .ok(),
        Some(State::Pending)
    );
}

fn the_gate_rejects_without_an_attempt_and_counts_add_up(ledger: &mut impl Ledger) {
    ledger.enqueue(&unit("s", "h"), 1).expect("enqueue");
    ledger.enqueue(&unit("b", "h"), 1).expect("enqueue");
    ledger.enqueue(&unit("p", "h"), 1).expect("enqueue");
    ledger
        .record(
            "s",
            None,
            &Event::RejectedSyntax,
            2,
            "transaction-segment-count",
            None,
        )
        .expect("reject");
    ledger
        .record("b", None, &Event::RejectedBusiness, 2, "npi-invalid", None)
        .expect("reject");
    let s = ledger.get("s").expect("get").expect("unit");
    assert_eq!((s.state, s.attempts), (State::RejectedSyntax, 0));
    let mut counts = ledger.counts().expect("counts");
    counts.sort_by_key(|(state, _)| state.as_str());
    assert_eq!(
        counts,
        vec![
            (State::Pending, 1),
            (State::RejectedBusiness, 1),
            (State::RejectedSyntax, 1)
        ]
    );
    assert_eq!(ledger.list(Some(State::Pending)).expect("list").len(), 1);
    assert!(
        ledger
            .lease_due("w", 10, 100, 10, None)
            .expect("lease")
            .iter()
            .all(|u| u.key == "p")
    );
    let audit = ledger.audit("s").expect("audit");
    assert_eq!(audit.last().map(|a| a.to), Some(State::RejectedSyntax));
}

fn batches_record_each_outcome_and_leases_keep_to_the_units_asked_for(ledger: &mut impl Ledger) {
    let units: Vec<NewUnit> = ["x1", "x2", "x3", "x4"]
        .iter()
        .map(|k| unit(k, "h"))
        .collect();
    assert_eq!(
        ledger.enqueue_all(&units, 1).expect("enqueue"),
        vec![Enqueued::New; 4]
    );
    assert_eq!(
        ledger.enqueue_all(&units[..1], 2).expect("enqueue"),
        vec![Enqueued::Known(State::Pending)]
    );
    let mine = vec!["x2".to_string(), "x4".to_string(), "not-here".to_string()];
    let leased = ledger
        .lease_due("w", 10, 1_000, 10, Some(&mine))
        .expect("lease");
    let keys: Vec<&str> = leased.iter().map(|u| u.key.as_str()).collect();
    assert_eq!(keys, ["x2", "x4"], "only the units asked for, oldest first");
    let records = [
        Record {
            key: "x2",
            owner: Some("w"),
            event: Event::Accepted,
            detail: "200 SUCCESS",
            remote_reference: Some("r-2"),
        },
        Record {
            key: "x4",
            owner: Some("other"),
            event: Event::Accepted,
            detail: "200 SUCCESS",
            remote_reference: None,
        },
        Record {
            key: "x1",
            owner: Some("w"),
            event: Event::Accepted,
            detail: "200 SUCCESS",
            remote_reference: None,
        },
        Record {
            key: "x4",
            owner: Some("w"),
            event: Event::RetryAt(500),
            detail: "503",
            remote_reference: None,
        },
    ];
    let results = ledger.record_all(&records, 20).expect("record");
    assert_eq!(results.len(), 4);
    assert_eq!(results[0].as_ref().ok(), Some(&State::Accepted));
    assert!(matches!(results[1], Err(LedgerError::NotLeaseHolder(_))));
    assert!(
        matches!(results[2], Err(LedgerError::Transition { .. })),
        "a pending unit cannot be accepted: {:?}",
        results[2]
    );
    assert_eq!(results[3].as_ref().ok(), Some(&State::RetryWait));
    let x2 = ledger.get("x2").expect("get").expect("unit");
    assert_eq!(x2.remote_reference.as_deref(), Some("r-2"));
    let x4 = ledger.get("x4").expect("get").expect("unit");
    assert_eq!((x4.state, x4.next_at), (State::RetryWait, Some(500)));
    assert_eq!(
        ledger.get("x1").expect("get").map(|u| u.state),
        Some(State::Pending),
        "a refused record changes nothing"
    );
    // Reading many at once answers each key in the order asked, repeats and unknown keys
    // included.
    let asked: Vec<String> = ["x4", "nowhere", "x2", "x4"]
        .iter()
        .map(|k| k.to_string())
        .collect();
    let many = ledger.get_many(&asked).expect("get many");
    let seen: Vec<Option<(&str, State)>> = many
        .iter()
        .map(|u| u.as_ref().map(|u| (u.key.as_str(), u.state)))
        .collect();
    assert_eq!(
        seen,
        [
            Some(("x4", State::RetryWait)),
            None,
            Some(("x2", State::Accepted)),
            Some(("x4", State::RetryWait)),
        ]
    );
    assert_eq!(many[0], ledger.get("x4").expect("get"));
    // The report's read: the same units, three fields each.
    let statuses = ledger.statuses(&asked).expect("statuses");
    let expected: Vec<Option<UnitStatus>> = many
        .into_iter()
        .map(|u| {
            u.map(|u| UnitStatus {
                state: u.state,
                attempts: u.attempts,
                last_error: u.last_error,
            })
        })
        .collect();
    assert_eq!(statuses, expected);
    assert!(
        statuses[0]
            .as_ref()
            .is_some_and(|s| s.attempts == 1 && s.last_error.is_some()),
        "{statuses:?}"
    );
}

/// A worker's turn: the outcomes of its attempts, then its next lease, in one call. A unit
/// whose retry is due at once is leased again in the same turn, after its record, and its
/// audit keeps that order.
fn a_turn_records_first_then_leases(ledger: &mut impl Ledger) {
    let units: Vec<NewUnit> = ["t1", "t2", "t3"].iter().map(|k| unit(k, "h")).collect();
    ledger.enqueue_all(&units, 1).expect("enqueue");
    let mine: Vec<String> = vec!["t1".into(), "t2".into()];
    let leased = ledger
        .lease_due("w", 10, 1_000, 10, Some(&mine))
        .expect("lease");
    assert_eq!(leased.len(), 2);
    let records = [
        Record {
            key: "t1",
            owner: Some("w"),
            event: Event::Accepted,
            detail: "200 SUCCESS",
            remote_reference: None,
        },
        Record {
            key: "t2",
            owner: Some("w"),
            event: Event::RetryAt(20),
            detail: "503",
            remote_reference: None,
        },
    ];
    let all: Vec<String> = vec!["t1".into(), "t2".into(), "t3".into()];
    let request = LeaseRequest {
        owner: "w",
        lease_ms: 1_000,
        limit: 10,
        among: Some(&all),
    };
    let (results, leased) = ledger
        .record_then_lease(&records, 20, Some(&request))
        .expect("turn");
    assert_eq!(
        results.iter().map(|r| r.as_ref().ok()).collect::<Vec<_>>(),
        [Some(&State::Accepted), Some(&State::RetryWait)]
    );
    let mut keys: Vec<(&str, u32)> = leased
        .iter()
        .map(|u| (u.key.as_str(), u.attempts))
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [("t2", 2), ("t3", 1)],
        "the accepted unit stays accepted; the due retry and the pending unit are leased"
    );
    let trail: Vec<(Option<State>, State)> = ledger
        .audit("t2")
        .expect("audit")
        .iter()
        .map(|a| (a.from, a.to))
        .collect();
    assert_eq!(
        trail,
        [
            (None, State::Pending),
            (Some(State::Pending), State::InFlight),
            (Some(State::InFlight), State::RetryWait),
            (Some(State::RetryWait), State::InFlight),
        ]
    );
    // Nothing to record and nothing to lease is a turn that changes nothing.
    let (results, leased) = ledger.record_then_lease(&[], 30, None).expect("turn");
    assert!(results.is_empty() && leased.is_empty());
}

/// A worker's turn whose records are all its own outcomes (the common case, which the
/// PostgreSQL backend writes with one statement) still refuses, one by one, records of
/// units it no longer holds, and applies the others as the general path would.
fn a_turn_applies_its_own_outcomes_and_refuses_lost_leases(ledger: &mut impl Ledger) {
    let units: Vec<NewUnit> = ["q1", "q2", "q3", "q4", "q5"]
        .iter()
        .map(|k| unit(k, "h"))
        .collect();
    ledger.enqueue_all(&units, 1).expect("enqueue");
    let first: Vec<String> = vec!["q1".into(), "q2".into()];
    assert_eq!(
        ledger
            .lease_due("w", 10, 100, 10, Some(&first))
            .expect("lease")
            .len(),
        2
    );
    let later: Vec<String> = vec!["q3".into(), "q5".into()];
    assert_eq!(
        ledger
            .lease_due("w", 150, 1_000, 10, Some(&later))
            .expect("lease")
            .len(),
        2
    );
    // q1 and q2's leases run out (the receiver deduplicates: due again at 200); another
    // worker takes q1.
    let mut expired = ledger.expire_leases(200, true).expect("expire");
    expired.sort();
    assert_eq!(expired, ["q1", "q2"]);
    let q1: Vec<String> = vec!["q1".into()];
    assert_eq!(
        ledger
            .lease_due("v", 210, 1_000, 10, Some(&q1))
            .expect("lease")
            .len(),
        1
    );

    let record = |key, event, remote_reference| Record {
        key,
        owner: Some("w"),
        event,
        detail: "outcome",
        remote_reference,
    };
    let records = [
        record("q3", Event::Accepted, Some("ref-3")),
        record("q1", Event::Accepted, None),
        record("q2", Event::Accepted, None),
        record("q4", Event::RejectedBusiness, None),
        record("q5", Event::RetryAt(5_000), Some("ref-5")),
    ];
    let among: Vec<String> = vec!["q2".into(), "q1".into()];
    let request = LeaseRequest {
        owner: "w",
        lease_ms: 1_000,
        limit: 10,
        among: Some(&among),
    };
    let (results, leased) = ledger
        .record_then_lease(&records, 220, Some(&request))
        .expect("turn");
    assert_eq!(results.len(), 5);
    assert_eq!(results[0].as_ref().ok(), Some(&State::Accepted));
    assert!(
        matches!(results[1], Err(LedgerError::NotLeaseHolder(_))),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(results[2], Err(LedgerError::Transition { .. })),
        "{:?}",
        results[2]
    );
    assert_eq!(
        results[3].as_ref().ok(),
        Some(&State::RejectedBusiness),
        "the gate's kind"
    );
    assert_eq!(results[4].as_ref().ok(), Some(&State::RetryWait));
    let leased: Vec<(&str, u32, Option<&str>)> = leased
        .iter()
        .map(|u| (u.key.as_str(), u.attempts, u.lease_owner.as_deref()))
        .collect();
    assert_eq!(
        leased,
        [("q2", 2, Some("w"))],
        "q2 was due again; q1 is v's"
    );

    let q3 = ledger.get("q3").expect("get").expect("unit");
    assert_eq!(
        (
            q3.state,
            q3.attempts,
            q3.lease_owner.as_deref(),
            q3.lease_until,
            q3.last_error.as_deref(),
            q3.remote_reference.as_deref(),
            q3.updated_at
        ),
        (State::Accepted, 1, None, None, None, Some("ref-3"), 220)
    );
    let q1 = ledger.get("q1").expect("get").expect("unit");
    assert_eq!(
        (q1.state, q1.lease_owner.as_deref()),
        (State::InFlight, Some("v"))
    );
    let q5 = ledger.get("q5").expect("get").expect("unit");
    assert_eq!(
        (
            q5.state,
            q5.next_at,
            q5.last_error.as_deref(),
            q5.remote_reference.as_deref()
        ),
        (
            State::RetryWait,
            Some(5_000),
            Some("outcome"),
            Some("ref-5")
        )
    );
    // q5's retry: accepted without a reference of its own keeps the one it had.
    let q5_keys: Vec<String> = vec!["q5".into()];
    assert_eq!(
        ledger
            .lease_due("w", 5_000, 1_000, 10, Some(&q5_keys))
            .expect("lease")
            .len(),
        1
    );
    let results = ledger
        .record_all(&[record("q5", Event::Accepted, None)], 5_100)
        .expect("record");
    assert_eq!(results[0].as_ref().ok(), Some(&State::Accepted));
    let q5 = ledger.get("q5").expect("get").expect("unit");
    assert_eq!(
        (
            q5.state,
            q5.attempts,
            q5.next_at,
            q5.last_error.as_deref(),
            q5.remote_reference.as_deref()
        ),
        (State::Accepted, 2, None, None, Some("ref-5"))
    );
    let trail: Vec<(Option<State>, State, u32, String)> = ledger
        .audit("q5")
        .expect("audit")
        .into_iter()
        .map(|a| (a.from, a.to, a.attempt, a.detail))
        .collect();
    assert_eq!(
        trail,
        [
            (None, State::Pending, 0, "enqueued".to_string()),
            (
                Some(State::Pending),
                State::InFlight,
                1,
                "leased by w".to_string()
            ),
            (
                Some(State::InFlight),
                State::RetryWait,
                1,
                "outcome".to_string()
            ),
            (
                Some(State::RetryWait),
                State::InFlight,
                2,
                "leased by w".to_string()
            ),
            (
                Some(State::InFlight),
                State::Accepted,
                2,
                "outcome".to_string()
            ),
        ]
    );
}

/// Runs the whole suite against fresh ledgers from `make`.
fn suite<L: Ledger>(make: impl Fn() -> L) {
    a_turn_records_first_then_leases(&mut make());
    enqueue_is_idempotent_and_refuses_a_changed_payload(&mut make());
    an_attempt_is_committed_before_sending_and_leases_are_exclusive(&mut make());
    retries_wait_for_their_time(&mut make());
    an_expired_lease_is_in_doubt_unless_the_receiver_deduplicates(&mut make());
    the_gate_rejects_without_an_attempt_and_counts_add_up(&mut make());
    batches_record_each_outcome_and_leases_keep_to_the_units_asked_for(&mut make());
    a_turn_applies_its_own_outcomes_and_refuses_lost_leases(&mut make());
}

#[test]
fn sqlite_in_memory_passes_the_suite() {
    suite(|| SqliteLedger::in_memory().expect("ledger"));
}

#[test]
fn sqlite_file_passes_the_suite_and_keeps_state_across_reopening() {
    let dir = std::env::temp_dir().join(format!("x12pipe-ledger-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let counter = std::cell::Cell::new(0);
    suite(|| {
        counter.set(counter.get() + 1);
        SqliteLedger::open(&dir.join(format!("suite-{}.db", counter.get()))).expect("ledger")
    });
    let path = dir.join("reopen.db");
    {
        let mut ledger = SqliteLedger::open(&path).expect("ledger");
        ledger.enqueue(&unit("kept", "h"), 1).expect("enqueue");
        ledger.lease_due("w", 2, 100, 1, None).expect("lease");
    }
    // The process "crashed" with the attempt in flight; a new one finds it committed.
    let mut ledger = SqliteLedger::open(&path).expect("reopen");
    let kept = ledger.get("kept").expect("get").expect("unit");
    assert_eq!((kept.state, kept.attempts), (State::InFlight, 1));
    assert_eq!(
        ledger.expire_leases(1_000, false).expect("expire"),
        vec!["kept".to_string()]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A ledger written by an earlier version (an index of every unit's state, the audit
/// found through an index on its key) opens as this version's: both indexes give way to
/// the lease index and each unit's list of its audit rows, its trails are kept, and new
/// rows join them. Expired leases come back in key order.
#[test]
fn sqlite_ledger_of_an_earlier_version_is_migrated() {
    let dir = std::env::temp_dir().join(format!("x12pipe-ledger-old-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("old.db");
    let _ = std::fs::remove_file(&path);
    {
        // The schema and rows as the earlier version wrote them.
        let c = rusqlite::Connection::open(&path).expect("open");
        c.execute_batch(
            "CREATE TABLE units (key TEXT PRIMARY KEY, payload_sha256 TEXT NOT NULL,
                 state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT,
                 lease_until INTEGER, next_at INTEGER, remote_reference TEXT, last_error TEXT,
                 interchange TEXT NOT NULL, grp TEXT NOT NULL, txn TEXT NOT NULL,
                 source TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
             CREATE INDEX units_due ON units (state, next_at);
             CREATE TABLE audit (id INTEGER PRIMARY KEY, key TEXT NOT NULL, at INTEGER NOT NULL,
                 from_state TEXT, to_state TEXT NOT NULL, attempt INTEGER NOT NULL,
                 detail TEXT NOT NULL);
             CREATE INDEX audit_key ON audit (key, id);",
        )
        .expect("the earlier schema");
        for key in ["b", "a", "c"] {
            c.execute(
                "INSERT INTO units (key, payload_sha256, state, attempts, lease_owner, lease_until,
                     interchange, grp, txn, source, created_at, updated_at)
                 VALUES (?1, 'h', 'in_flight', 1, 'w', 102, '1', '1', '1', 'old.x12', 1, 2)",
                [key],
            )
            .expect("unit");
            c.execute(
                "INSERT INTO audit (key, at, from_state, to_state, attempt, detail)
                 VALUES (?1, 1, NULL, 'pending', 0, 'enqueued'),
                        (?1, 2, 'pending', 'in_flight', 1, 'leased by w')",
                [key],
            )
            .expect("audit");
        }
    }
    let indexes = |path: &std::path::Path| -> Vec<String> {
        let c = rusqlite::Connection::open(path).expect("open");
        let mut s = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .expect("prepare");
        s.query_map([], |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let mut ledger = SqliteLedger::open(&path).expect("reopen");
    assert_eq!(indexes(&path), ["units_lease"]);
    let trail = |ledger: &SqliteLedger, key: &str| -> Vec<(Option<State>, State, String)> {
        ledger
            .audit(key)
            .expect("audit")
            .into_iter()
            .map(|e| (e.from, e.to, e.detail))
            .collect()
    };
    let kept = vec![
        (None, State::Pending, "enqueued".to_string()),
        (
            Some(State::Pending),
            State::InFlight,
            "leased by w".to_string(),
        ),
    ];
    assert_eq!(trail(&ledger, "a"), kept);
    assert_eq!(
        ledger.expire_leases(1_000, false).expect("expire"),
        ["a", "b", "c"].map(String::from)
    );
    let after = trail(&ledger, "b");
    assert_eq!(after.len(), 3, "{after:?}");
    assert_eq!(after[..2], kept[..]);
    assert_eq!(
        (after[2].0, after[2].1),
        (Some(State::InFlight), State::InDoubt)
    );
    // Opening again finds nothing left to migrate.
    drop(ledger);
    let ledger = SqliteLedger::open(&path).expect("reopen");
    assert_eq!(trail(&ledger, "c").len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Enqueues 500 units, then four workers, each with its own connection from `connect`,
/// lease batches of 16 at once until nothing is due, recording each unit accepted. Every
/// unit must be leased exactly once.
fn concurrent_workers_never_lease_a_unit_twice<L: Ledger>(connect: impl Fn() -> L + Sync) {
    const UNITS: usize = 500;
    let all: Vec<NewUnit> = (0..UNITS).map(|i| unit(&format!("u{i:04}"), "h")).collect();
    {
        let mut ledger = connect();
        let enqueued = ledger.enqueue_all(&all, 1).expect("enqueue");
        assert!(enqueued.iter().all(|e| *e == Enqueued::New));
    }
    let leased: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for worker in 0..4 {
            let (connect, leased) = (&connect, &leased);
            scope.spawn(move || {
                let owner = format!("worker-{worker}");
                let mut ledger = connect();
                loop {
                    let batch = ledger
                        .lease_due(&owner, 100, 60_000, 16, None)
                        .expect("lease");
                    if batch.is_empty() {
                        break;
                    }
                    let records: Vec<Record<'_>> = batch
                        .iter()
                        .map(|u| Record {
                            key: &u.key,
                            owner: Some(&owner),
                            event: Event::Accepted,
                            detail: "200 SUCCESS",
                            remote_reference: None,
                        })
                        .collect();
                    for result in ledger.record_all(&records, 200).expect("record") {
                        assert_eq!(result.ok(), Some(State::Accepted));
                    }
                    leased
                        .lock()
                        .expect("lock")
                        .extend(batch.iter().map(|u| (u.key.clone(), owner.clone())));
                }
            });
        }
    });
    let leased = leased.into_inner().expect("lock");
    let distinct: HashSet<&str> = leased.iter().map(|(key, _)| key.as_str()).collect();
    assert_eq!(leased.len(), UNITS, "every unit leased once, none twice");
    assert_eq!(distinct.len(), UNITS);
    let ledger = connect();
    let units = ledger.list(None).expect("list");
    assert_eq!(units.len(), UNITS);
    for u in &units {
        assert_eq!((u.state, u.attempts), (State::Accepted, 1), "{}", u.key);
    }
    let workers: HashSet<&str> = leased.iter().map(|(_, owner)| owner.as_str()).collect();
    eprintln!("{} workers took part", workers.len());
}

#[test]
fn sqlite_file_connections_never_lease_a_unit_twice() {
    let dir = std::env::temp_dir().join(format!("x12pipe-ledger-conc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("shared.sqlite");
    concurrent_workers_never_lease_a_unit_twice(|| SqliteLedger::open(&path).expect("ledger"));
    let _ = std::fs::remove_dir_all(&dir);
}

const POSTGRES_URL_ENV: &str = "X12PIPE_TEST_POSTGRES_URL";

/// The test server's URL, or `None` (said on stderr) when it is not configured. Under CI
/// (`CI=true`) a missing URL fails the test, so CI cannot skip PostgreSQL silently.
fn postgres_url() -> Option<String> {
    match std::env::var(POSTGRES_URL_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "CI=true but {POSTGRES_URL_ENV} is not set: the PostgreSQL ledger tests must run in CI"
            );
            // Written to the process's stderr, not through `eprintln!`, which the test harness
            // captures and shows only for failures: a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "skipped: set {POSTGRES_URL_ENV}=postgres://postgres@127.0.0.1:5432/test to run \
                 the PostgreSQL ledger tests"
            );
            None
        }
    }
}

/// Fresh schemas on the test server, each its own ledger, all dropped when this goes out of
/// scope (a failing test included).
struct Schemas {
    url: String,
    names: Mutex<Vec<String>>,
}

impl Schemas {
    fn new(url: String) -> Self {
        Schemas {
            url,
            names: Mutex::new(Vec::new()),
        }
    }

    /// A name no other test or run uses.
    fn fresh(&self) -> String {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "x12pipe_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        self.names.lock().expect("lock").push(name.clone());
        name
    }

    fn ledger_in(&self, schema: &str) -> PostgresLedger {
        PostgresLedger::connect_in_schema(&self.url, schema).expect("PostgreSQL ledger")
    }
}

impl Drop for Schemas {
    fn drop(&mut self) {
        let names = std::mem::take(&mut *self.names.lock().unwrap_or_else(|e| e.into_inner()));
        if names.is_empty() {
            return;
        }
        match postgres::Client::connect(&self.url, postgres::NoTls) {
            Ok(mut client) => {
                for name in names {
                    if let Err(e) =
                        client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                    {
                        eprintln!("could not drop test schema {name}: {e}");
                    }
                }
            }
            Err(e) => eprintln!("could not drop the test schemas: {e}"),
        }
    }
}

#[test]
fn postgres_passes_the_suite() {
    let Some(url) = postgres_url() else { return };
    let schemas = Schemas::new(url);
    suite(|| schemas.ledger_in(&schemas.fresh()));
    // Reconnecting to a schema finds what was committed there.
    let schema = schemas.fresh();
    {
        let mut ledger = schemas.ledger_in(&schema);
        ledger.enqueue(&unit("kept", "h"), 1).expect("enqueue");
        ledger.lease_due("w", 2, 100, 1, None).expect("lease");
        assert_eq!(ledger.schema(), schema);
    }
    let mut ledger = PostgresLedger::connect_existing(&schemas.url, &schema).expect("reconnect");
    let kept = ledger.get("kept").expect("get").expect("unit");
    assert_eq!((kept.state, kept.attempts), (State::InFlight, 1));
    assert_eq!(
        ledger.expire_leases(1_000, false).expect("expire"),
        vec!["kept".to_string()]
    );
    let missing = schemas.fresh();
    assert!(
        matches!(
            PostgresLedger::connect_existing(&schemas.url, &missing),
            Err(LedgerError::Config(_))
        ),
        "a read-only connection does not create a ledger"
    );
}

#[test]
fn postgres_workers_never_lease_a_unit_twice() {
    let Some(url) = postgres_url() else { return };
    let schemas = Schemas::new(url);
    let schema = schemas.fresh();
    concurrent_workers_never_lease_a_unit_twice(|| schemas.ledger_in(&schema));
}

#[test]
fn postgres_workers_starting_and_enqueueing_at_once_agree() {
    let Some(url) = postgres_url() else { return };
    let schemas = Schemas::new(url);
    let schema = schemas.fresh();
    let units: Vec<NewUnit> = (0..200).map(|i| unit(&format!("e{i:03}"), "h")).collect();
    let changed = [unit("e007", "other")];
    // Four processes start on a new schema at once (creating it is serialised) and enqueue
    // the same file; one of them has a changed payload for one key.
    let results: Vec<Vec<Enqueued>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut ledger = schemas.ledger_in(&schema);
                    ledger.enqueue_all(&units, 5).expect("enqueue")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    for (i, u) in units.iter().enumerate() {
        let new = results.iter().filter(|r| r[i] == Enqueued::New).count();
        let known = results
            .iter()
            .filter(|r| r[i] == Enqueued::Known(State::Pending))
            .count();
        assert_eq!((new, known), (1, 3), "{}", u.key);
    }
    let mut ledger = schemas.ledger_in(&schema);
    assert_eq!(
        ledger.enqueue_all(&changed, 6).expect("enqueue"),
        vec![Enqueued::Conflict {
            recorded: "h".into()
        }]
    );
    assert_eq!(ledger.audit("e007").expect("audit").len(), 1);
    assert_eq!(
        ledger.counts().expect("counts"),
        vec![(State::Pending, 200)]
    );
}

/// A PostgreSQL ledger made by an earlier version (indexes of every unit's state and
/// creation time) gets the partial indexes on connect; its units are kept and found.
#[test]
fn postgres_ledger_of_an_earlier_version_gets_the_new_indexes() {
    let Some(url) = postgres_url() else { return };
    let schemas = Schemas::new(url);
    let schema = schemas.fresh();
    {
        let mut ledger = schemas.ledger_in(&schema);
        ledger
            .enqueue_all(&[unit("old-1", "h"), unit("old-2", "h")], 1)
            .expect("enqueue");
        ledger.lease_due("w", 2, 100, 1, None).expect("lease");
    }
    let mut client = postgres::Client::connect(&schemas.url, postgres::NoTls).expect("connect");
    let indexes = |client: &mut postgres::Client| -> Vec<String> {
        client
            .query(
                "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'units' \
                 ORDER BY indexname",
                &[&schema],
            )
            .expect("indexes")
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    // Back to the earlier version's indexes.
    client
        .batch_execute(&format!(
            "SET search_path TO \"{schema}\";
             DROP INDEX units_waiting; DROP INDEX units_leased;
             CREATE INDEX units_due ON units (state, next_at);
             CREATE INDEX units_order ON units (created_at, key);"
        ))
        .expect("the earlier indexes");
    assert_eq!(
        indexes(&mut client),
        ["units_due", "units_order", "units_pkey"]
    );
    let mut ledger = schemas.ledger_in(&schema);
    assert_eq!(
        indexes(&mut client),
        ["units_leased", "units_pkey", "units_waiting"]
    );
    assert_eq!(
        ledger.expire_leases(1_000, false).expect("expire"),
        vec!["old-1".to_string()]
    );
    let leased = ledger.lease_due("w", 3, 100, 5, None).expect("lease");
    assert_eq!(
        leased.iter().map(|u| u.key.as_str()).collect::<Vec<_>>(),
        ["old-2"]
    );
}

/// A large enqueue brings the planner's statistics of the units up to date at once (the
/// planner without them scanned the whole table for each batch of keys), and a re-run
/// that adds nothing leaves them alone.
#[test]
fn postgres_enqueue_keeps_the_planner_statistics_current() {
    let Some(url) = postgres_url() else { return };
    let schemas = Schemas::new(url);
    let schema = schemas.fresh();
    let mut ledger = schemas.ledger_in(&schema);
    let mut client = postgres::Client::connect(&schemas.url, postgres::NoTls).expect("connect");
    // What the planner believes the table holds (-1: never analysed).
    let mut believed = || -> f32 {
        client
            .query_one(
                "SELECT c.reltuples FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = $1 AND c.relname = 'units'",
                &[&schema],
            )
            .expect("statistics")
            .get(0)
    };
    assert!(believed() < 0.0, "a new table has no statistics");
    let first: Vec<NewUnit> = (0..40).map(|i| unit(&format!("s{i:04}"), "h")).collect();
    ledger.enqueue_all(&first, 1).expect("enqueue");
    assert_eq!(believed(), 40.0);
    let all: Vec<NewUnit> = (0..1_000).map(|i| unit(&format!("s{i:04}"), "h")).collect();
    ledger.enqueue_all(&all, 2).expect("enqueue");
    assert_eq!(
        believed(),
        1_000.0,
        "grown by more than a fifth: analysed again"
    );
    // Half the rows go behind the ledger's back; an enqueue that adds nothing does not
    // analyse (it would find 500).
    let mut other = postgres::Client::connect(&schemas.url, postgres::NoTls).expect("connect");
    other
        .batch_execute(&format!(
            "DELETE FROM \"{schema}\".units WHERE key >= 's0500'"
        ))
        .expect("delete");
    ledger.enqueue_all(&first, 3).expect("enqueue again");
    assert_eq!(believed(), 1_000.0, "nothing added: not analysed");
}

/// A worker connecting to a ledger that is up to date runs no DDL, so it neither waits for
/// the other workers' open transactions nor holds up their commits (`CREATE INDEX IF NOT
/// EXISTS` takes a SHARE lock on the table even when the index exists).
#[test]
fn postgres_connecting_to_a_current_ledger_does_not_wait_for_writers() {
    let Some(url) = postgres_url() else { return };
    let schemas = Schemas::new(url);
    let schema = schemas.fresh();
    drop(schemas.ledger_in(&schema));
    // Another worker in the middle of a write, holding the lock every writer takes.
    let mut writer = postgres::Client::connect(&schemas.url, postgres::NoTls).expect("connect");
    let mut tx = writer.transaction().expect("begin");
    tx.batch_execute(&format!(
        "LOCK TABLE \"{schema}\".units, \"{schema}\".audit IN ROW EXCLUSIVE MODE"
    ))
    .expect("lock");
    // With a lock timeout, waiting is an error instead of a hang.
    let separator = if schemas.url.contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}options=-c%20lock_timeout%3D2000", schemas.url);
    let connected = PostgresLedger::connect_in_schema(&url, &schema);
    assert!(connected.is_ok(), "{:?}", connected.err());
    tx.rollback().expect("rollback");
}

/// A SQLite ledger's write-ahead log is checkpointed often (every 100 pages), so it stays
/// small through a run instead of growing with every commit: 1,000 units enqueued, leased
/// and recorded in commits of 24, as the submitter does, leave a log under 1 MB (SQLite's
/// default of 1,000 pages let it grow to 2.2 MB here), and nothing is lost by it.
#[test]
fn sqlite_log_stays_small_through_a_run() {
    let dir = std::env::temp_dir().join(format!("x12pipe-ledger-wal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("run.db");
    let wal = dir.join("run.db-wal");
    let mut ledger = SqliteLedger::open(&path).expect("ledger");
    let units: Vec<NewUnit> = (0..1000)
        .map(|i| {
            unit(
                &format!("v1:{:064x}", i as u128 * 0x9e37_79b9_7f4a_7c15),
                "h",
            )
        })
        .collect();
    ledger.enqueue_all(&units, 1).expect("enqueue");
    let mut largest = 0;
    let mut leased: Vec<String> = Vec::new();
    loop {
        let records: Vec<Record<'_>> = leased
            .iter()
            .map(|key| Record {
                key,
                owner: Some("w"),
                event: Event::Accepted,
                detail: "accepted: 200 SUCCESS",
                remote_reference: Some("ref"),
            })
            .collect();
        let request = LeaseRequest {
            owner: "w",
            lease_ms: 60_000,
            limit: 24,
            among: None,
        };
        let (results, next) = ledger
            .record_then_lease(&records, 2, Some(&request))
            .expect("commit");
        assert!(results.iter().all(|r| matches!(r, Ok(State::Accepted))));
        largest = largest.max(std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0));
        if next.is_empty() {
            break;
        }
        leased = next.into_iter().map(|u| u.key).collect();
    }
    assert_eq!(
        ledger.counts().expect("counts"),
        vec![(State::Accepted, 1000)]
    );
    assert!(largest > 0, "the ledger runs in WAL mode");
    assert!(largest < 1 << 20, "the log grew to {largest} bytes");
    drop(ledger);
    let ledger = SqliteLedger::open(&path).expect("reopen");
    assert_eq!(
        ledger.counts().expect("counts"),
        vec![(State::Accepted, 1000)]
    );
    let _ = std::fs::remove_dir_all(&dir);
}
