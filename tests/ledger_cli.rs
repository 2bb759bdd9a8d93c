//! `x12pipe ledger` as an operator uses it: the built binary over a SQLite ledger made
//! through the library, with units in several states; output and exit codes, the error
//! cases included.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use x12pipe::ledger::sqlite::SqliteLedger;
use x12pipe::ledger::{Event, Ledger, NewUnit, State};

/// A temporary directory removed at the end (a failing test included).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("x12pipe-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unit(key: &str, st02: &str) -> NewUnit {
    NewUnit {
        key: key.to_string(),
        payload_sha256: format!("{:0>64}", st02),
        control_numbers: ("000000042".into(), "7".into(), st02.to_string()),
        source: "claims.x12".into(),
    }
}

/// A ledger with one unit in each of: pending, accepted, in_doubt, dead, retry_wait,
/// rejected_business.
fn ledger_with_units(path: &Path) {
    let mut ledger = SqliteLedger::open(path).expect("ledger");
    for (key, st02) in [
        ("k-pending", "0001"),
        ("k-accepted", "0002"),
        ("k-doubt", "0003"),
        ("k-dead", "0004"),
        ("k-wait", "0005"),
        ("k-business", "0006"),
    ] {
        ledger.enqueue(&unit(key, st02), 1_000).expect("enqueue");
    }
    let among: Vec<String> = ["k-accepted", "k-doubt", "k-dead", "k-wait"]
        .map(String::from)
        .to_vec();
    let leased = ledger
        .lease_due("worker-1", 2_000, 60_000, 10, Some(&among))
        .expect("lease");
    assert_eq!(leased.len(), 4);
    let w = Some("worker-1");
    let outcomes = [
        ("k-accepted", Event::Accepted, "200 SUCCESS"),
        ("k-doubt", Event::Unknown, "timeout after send"),
        ("k-dead", Event::GiveUp, "503 retries exhausted"),
        (
            "k-wait",
            Event::RetryAt(9_000_000_000_000),
            "429 rate-limited",
        ),
    ];
    for (key, event, detail) in outcomes {
        ledger
            .record(
                key,
                w,
                &event,
                3_000,
                detail,
                Some("r-1").filter(|_| key == "k-accepted"),
            )
            .expect("record");
    }
    ledger
        .record(
            "k-business",
            None,
            &Event::RejectedBusiness,
            3_000,
            "npi-invalid",
            None,
        )
        .expect("reject");
}

fn x12pipe(ledger: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_x12pipe"))
        .arg("ledger")
        .args(args)
        .arg("--ledger")
        .arg(format!("sqlite:{}", ledger.display()))
        .env_remove("X12PIPE_LEDGER")
        .output()
        .expect("run x12pipe")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn status_counts_every_state_aligned_and_as_json() {
    let dir = TempDir::new("ledger-cli-status");
    let path = dir.0.join("ledger.sqlite");
    ledger_with_units(&path);

    let text = x12pipe(&path, &["status"]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    let out = stdout(&text);
    for state in State::ALL {
        let expected = match state {
            State::InFlight | State::RejectedSyntax => 0,
            _ => 1,
        };
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(state.as_str()))
            .unwrap_or_else(|| panic!("no line for {state}:\n{out}"));
        assert_eq!(
            line.split_whitespace().nth(1),
            Some(expected.to_string().as_str()),
            "{line}"
        );
    }
    assert!(
        out.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["total", "6"])
    );
    // Aligned: every count ends in the same column.
    let ends: std::collections::HashSet<usize> = out
        .lines()
        .skip(1)
        .map(|l| {
            let start = l.find(|c: char| c.is_ascii_digit()).expect("a count");
            start + l[start..].find(' ').unwrap_or(l.len() - start)
        })
        .collect();
    assert_eq!(ends.len(), 1, "counts in one column:\n{out}");

    let json = x12pipe(&path, &["status", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(doc["total"], 6);
    assert_eq!(doc["counts"]["in_doubt"], 1);
    assert_eq!(doc["counts"]["in_flight"], 0);
    assert_eq!(doc["counts"].as_object().map(|o| o.len()), Some(8));
}

#[test]
fn list_shows_one_line_per_unit_and_filters_by_state() {
    let dir = TempDir::new("ledger-cli-list");
    let path = dir.0.join("ledger.sqlite");
    ledger_with_units(&path);

    let all = x12pipe(&path, &["list"]);
    assert_eq!(all.status.code(), Some(0), "{}", stderr(&all));
    let out = stdout(&all);
    assert_eq!(out.lines().count(), 7, "a header and six units:\n{out}");
    let doubt = out
        .lines()
        .find(|l| l.starts_with("k-doubt"))
        .expect("k-doubt");
    for part in [
        "in_doubt",
        "000000042/7/0003",
        "claims.x12",
        "timeout after send",
    ] {
        assert!(doubt.contains(part), "{part} in {doubt}");
    }

    let dead = x12pipe(&path, &["list", "--state", "dead", "--format", "json"]);
    assert_eq!(dead.status.code(), Some(0));
    let units: serde_json::Value = serde_json::from_slice(&dead.stdout).expect("json");
    let units = units.as_array().expect("an array");
    assert_eq!(units.len(), 1);
    assert_eq!(units[0]["key"], "k-dead");
    assert_eq!(units[0]["state"], "dead");
    assert_eq!(units[0]["attempts"], 1);
    assert_eq!(units[0]["transaction"], "0004");

    let none = x12pipe(&path, &["list", "--state", "in_flight"]);
    assert_eq!(none.status.code(), Some(0));
    assert!(stdout(&none).contains("(no unit is in_flight)"));

    let bad = x12pipe(&path, &["list", "--state", "sent"]);
    assert_eq!(bad.status.code(), Some(2));
    let message = stderr(&bad);
    for state in State::ALL {
        assert!(
            message.contains(state.as_str()),
            "{state} listed in: {message}"
        );
    }
}

#[test]
fn show_prints_the_unit_and_its_audit_trail() {
    let dir = TempDir::new("ledger-cli-show");
    let path = dir.0.join("ledger.sqlite");
    ledger_with_units(&path);

    let text = x12pipe(&path, &["show", "k-accepted"]);
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
    let out = stdout(&text);
    for part in [
        "key:              k-accepted",
        "state:            accepted",
        "ISA13 000000042, GS06 7, ST02 0002",
        "remote reference: r-1",
        "audit (3 entries",
        "leased by worker-1",
        "200 SUCCESS",
        "1970-01-01T00:00:01.000Z",
    ] {
        assert!(out.contains(part), "{part:?} in:\n{out}");
    }

    let json = x12pipe(&path, &["show", "k-doubt", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(doc["unit"]["state"], "in_doubt");
    let audit = doc["audit"].as_array().expect("audit");
    assert_eq!(audit.len(), 3);
    assert_eq!(audit[0]["from"], serde_json::Value::Null);
    assert_eq!(audit[2]["to"], "in_doubt");

    let missing = x12pipe(&path, &["show", "no-such-key"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no unit with key no-such-key"));
}

#[test]
fn retry_and_resolve_record_the_operator_decision() {
    let dir = TempDir::new("ledger-cli-decide");
    let path = dir.0.join("ledger.sqlite");
    ledger_with_units(&path);

    let retry = x12pipe(&path, &["retry", "k-dead"]);
    assert_eq!(retry.status.code(), Some(0), "{}", stderr(&retry));
    let out = stdout(&retry);
    assert!(out.contains("k-dead: dead -> pending"), "{out}");
    assert!(
        out.contains("next `x12pipe submit` over claims.x12"),
        "{out}"
    );

    let sent = x12pipe(&path, &["resolve", "k-doubt", "--sent"]);
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    assert!(stdout(&sent).contains("k-doubt: in_doubt -> accepted"));

    let resend = x12pipe(&path, &["resolve", "k-wait", "--resend"]);
    assert_eq!(resend.status.code(), Some(0), "{}", stderr(&resend));

    let ledger = SqliteLedger::open(&path).expect("ledger");
    let state = |key: &str| ledger.get(key).expect("get").map(|u| u.state);
    assert_eq!(state("k-dead"), Some(State::Pending));
    assert_eq!(state("k-doubt"), Some(State::Accepted));
    assert_eq!(state("k-wait"), Some(State::Pending));
    let trail = ledger.audit("k-doubt").expect("audit");
    let last = trail.last().expect("an entry");
    assert_eq!(
        (last.from, last.to, last.detail.as_str()),
        (
            Some(State::InDoubt),
            State::Accepted,
            "operator: resolved as sent"
        )
    );
    assert_eq!(
        ledger
            .audit("k-dead")
            .expect("audit")
            .last()
            .map(|a| a.detail.clone()),
        Some("operator: retry requested".to_string())
    );
}

#[test]
fn refused_decisions_and_unknown_keys_exit_1_and_name_the_state() {
    let dir = TempDir::new("ledger-cli-refused");
    let path = dir.0.join("ledger.sqlite");
    ledger_with_units(&path);

    let accepted = x12pipe(&path, &["retry", "k-accepted"]);
    assert_eq!(accepted.status.code(), Some(1));
    let message = stderr(&accepted);
    assert!(message.contains("unit k-accepted is accepted"), "{message}");
    assert!(
        message.contains("in_doubt, dead or retry_wait"),
        "{message}"
    );

    let pending = x12pipe(&path, &["resolve", "k-pending", "--sent"]);
    assert_eq!(pending.status.code(), Some(1));
    assert!(stderr(&pending).contains("unit k-pending is pending"));

    let unknown = x12pipe(&path, &["retry", "no-such-key"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("no unit with key no-such-key"));

    let ledger = SqliteLedger::open(&path).expect("ledger");
    assert_eq!(
        ledger.get("k-accepted").expect("get").map(|u| u.state),
        Some(State::Accepted),
        "a refused decision changes nothing"
    );
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let dir = TempDir::new("ledger-cli-usage");
    let path = dir.0.join("ledger.sqlite");
    ledger_with_units(&path);

    let both = x12pipe(&path, &["resolve", "k-doubt", "--sent", "--resend"]);
    assert_eq!(both.status.code(), Some(2));
    let neither = x12pipe(&path, &["resolve", "k-doubt"]);
    assert_eq!(neither.status.code(), Some(2));

    let missing = dir.0.join("nowhere.sqlite");
    let absent = x12pipe(&missing, &["status"]);
    assert_eq!(absent.status.code(), Some(2));
    assert!(
        stderr(&absent).contains("no ledger at"),
        "{}",
        stderr(&absent)
    );
    assert!(!missing.exists(), "reading does not create a ledger");

    let spec = Command::new(env!("CARGO_BIN_EXE_x12pipe"))
        .args(["ledger", "status", "--ledger", "mysql://db/ledger"])
        .output()
        .expect("run x12pipe");
    assert_eq!(spec.status.code(), Some(2));
    assert!(stderr(&spec).contains("sqlite:PATH"));

    // X12PIPE_LEDGER names the ledger when --ledger is not given.
    let from_env = Command::new(env!("CARGO_BIN_EXE_x12pipe"))
        .args(["ledger", "status", "--format", "json"])
        .env("X12PIPE_LEDGER", format!("sqlite:{}", path.display()))
        .output()
        .expect("run x12pipe");
    assert_eq!(from_env.status.code(), Some(0), "{}", stderr(&from_env));
}
