//! `x12pipe ledger`: look into the submission ledger and take the decisions only an operator
//! can (a unit whose outcome is unknown, a unit given up on).
//!
//! The ledger holds keys, payload hashes, control numbers, codes and file names, never
//! claim data, so nothing printed here is patient data.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde::Serialize;

use x12pipe::ledger::{self, AuditEntry, Event, Ledger, LedgerError, State, Unit};

use super::Outcome;

/// The ledger used when neither --ledger nor X12PIPE_LEDGER names one.
const DEFAULT_LEDGER: &str = "sqlite:x12pipe-ledger.sqlite";

/// Inspect the submission ledger and resolve units an operator must decide.
///
/// The ledger records every transaction set (unit) `x12pipe submit` has seen: its key
/// (v1: and a hash of the partners, ISA13, GS06 and ST02), its payload's hash, its state,
/// and an audit row for every attempt and change. A unit is in one of eight states:
///
///   pending            waiting for its first attempt (or sent back by an operator)
///   in_flight          a worker holds its lease and is sending it now
///   retry_wait         a transient failure; the submitter tries again after next_at
///   accepted           the receiver accepted it (final)
///   rejected_syntax    the file is malformed, by our check or the receiver's (final)
///   rejected_business  the receiver rejected claims in it (final)
///   in_doubt           sent, outcome unknown (timeout or crash after sending): decide
///   dead               given up (retries exhausted, conflict): decide
///
/// in_doubt and dead need you. First ask the receiver (its portal, a 999 or 277CA that
/// came back) whether it has the transaction set:
///
///   it has it          x12pipe ledger resolve KEY --sent    (marks it accepted; never resent)
///   it does not        x12pipe ledger retry KEY             (back to pending; the next
///                      `x12pipe submit` over the same file sends it, with the same key)
///
/// Resending a unit the receiver already has makes a duplicate claim: when in doubt, ask
/// before `retry`. `resolve --resend` is `retry` under the name of the decision.
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
#[command(after_help = "Examples:
  x12pipe ledger status                               units per state
  x12pipe ledger list --state in_doubt                the units waiting for a decision
  x12pipe ledger show v1:3f9a…                        one unit and its audit trail
  x12pipe ledger resolve KEY --sent                   the receiver has it: accepted
  x12pipe ledger retry KEY                            send it again on the next submit
  x12pipe ledger status --ledger postgres://x12pipe@db.internal/claims

The ledger is --ledger SPEC, or $X12PIPE_LEDGER, or sqlite:x12pipe-ledger.sqlite:
  sqlite:PATH (or a path ending .sqlite or .db)    a SQLite file
  postgres://USER@HOST:PORT/DATABASE              PostgreSQL (no TLS yet), in the schema
                                                  $X12PIPE_LEDGER_SCHEMA (default public)
No ledger is created by these commands.

Exit codes: 0 done, 1 no unit with that key or the change is not allowed in its state,
2 usage, configuration or database error.")]
pub struct LedgerArgs {
    #[command(subcommand)]
    command: LedgerCommand,
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    Status(StatusArgs),
    List(ListArgs),
    Show(ShowArgs),
    Retry(RetryArgs),
    Resolve(ResolveArgs),
}

/// Where the ledger is (shared by every subcommand).
#[derive(Debug, Args)]
struct LedgerSpec {
    /// The ledger: sqlite:PATH, a path ending .sqlite or .db, or postgres://USER@HOST/DB.
    #[arg(long, value_name = "SPEC", env = "X12PIPE_LEDGER", default_value = DEFAULT_LEDGER)]
    ledger: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Aligned text for people.
    Text,
    /// JSON for scripts.
    Json,
}

/// Count the units in each state (all eight, zeros included).
#[derive(Debug, Args)]
#[command(after_help = "JSON: {\"counts\": {\"STATE\": N, ...}, \"total\": N}")]
struct StatusArgs {
    #[command(flatten)]
    spec: LedgerSpec,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// List units, oldest first: key, state, attempts, ISA13/GS06/ST02, source file, last error.
#[derive(Debug, Args)]
#[command(
    after_help = "JSON: an array of units, each {\"key\", \"payload_sha256\", \"state\", \
\"attempts\", \"lease_owner\", \"lease_until\", \"next_at\", \"remote_reference\", \"last_error\", \
\"interchange\", \"group\", \"transaction\", \"source\", \"created_at\", \"updated_at\"} (times in \
milliseconds since the Unix epoch)."
)]
struct ListArgs {
    #[command(flatten)]
    spec: LedgerSpec,
    /// Only the units in this state.
    #[arg(long, value_name = "STATE", value_parser = state_parser())]
    state: Option<State>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Show one unit and its audit trail (every attempt and change, oldest first).
#[derive(Debug, Args)]
#[command(
    after_help = "JSON: {\"unit\": UNIT, \"audit\": [{\"at\", \"from\", \"to\", \"attempt\", \
\"detail\"}]}"
)]
struct ShowArgs {
    #[command(flatten)]
    spec: LedgerSpec,
    /// The unit's key (as `x12pipe ledger list` prints it).
    #[arg(value_name = "KEY")]
    key: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// Send a unit again: in_doubt, dead or retry_wait → pending.
///
/// The next `x12pipe submit` over the unit's file sends it, with the same key. Use it when
/// the receiver does not have the transaction set (for retry_wait: to skip the wait). If the
/// receiver may have it, ask first: resending what it has makes a duplicate claim; use
/// `resolve --sent` when it has it.
#[derive(Debug, Args)]
struct RetryArgs {
    #[command(flatten)]
    spec: LedgerSpec,
    /// The unit's key.
    #[arg(value_name = "KEY")]
    key: String,
}

/// Record your decision on an in_doubt or dead unit.
///
/// --sent: the receiver has it (you checked): the unit becomes accepted and is never sent
/// again. --resend: it does not: the unit goes back to pending and the next
/// `x12pipe submit` over its file sends it, with the same key.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("decision").required(true).args(["sent", "resend"])))]
struct ResolveArgs {
    #[command(flatten)]
    spec: LedgerSpec,
    /// The unit's key.
    #[arg(value_name = "KEY")]
    key: String,
    /// The receiver has it: mark the unit accepted.
    #[arg(long)]
    sent: bool,
    /// The receiver does not have it: send it again on the next submit.
    #[arg(long)]
    resend: bool,
}

/// What each state means, for people.
fn meaning(state: State) -> &'static str {
    match state {
        State::Pending => "waiting for its first attempt",
        State::InFlight => "a worker holds its lease and is sending it",
        State::RetryWait => "transient failure; retried after next_at",
        State::Accepted => "the receiver accepted it (final)",
        State::RejectedSyntax => "the file is malformed (final)",
        State::RejectedBusiness => "the receiver rejected claims in it (final)",
        State::InDoubt => "sent, outcome unknown: an operator decides",
        State::Dead => "given up: an operator decides",
    }
}

/// `--state`: one of the eight names, listed (with their meaning) when another is given.
fn state_parser() -> impl TypedValueParser<Value = State> {
    PossibleValuesParser::new(
        State::ALL.map(|state| PossibleValue::new(state.as_str()).help(meaning(state))),
    )
    .try_map(|name| name.parse::<State>())
}

/// Runs `x12pipe ledger`.
pub fn run(args: &LedgerArgs) -> Outcome {
    let spec = match &args.command {
        LedgerCommand::Status(a) => &a.spec,
        LedgerCommand::List(a) => &a.spec,
        LedgerCommand::Show(a) => &a.spec,
        LedgerCommand::Retry(a) => &a.spec,
        LedgerCommand::Resolve(a) => &a.spec,
    };
    // None of these commands creates a ledger: a wrong path should say so, not show an
    // empty new ledger.
    let mut ledger = match ledger::open(&spec.ledger, false) {
        Ok(ledger) => ledger,
        Err(e) => {
            eprintln!("x12pipe ledger: {e}");
            return Outcome::Failure;
        }
    };
    let mut out = io::stdout().lock();
    let result = match &args.command {
        LedgerCommand::Status(a) => status(ledger.as_ref(), a.format, &mut out),
        LedgerCommand::List(a) => list(ledger.as_ref(), a.state, a.format, &mut out),
        LedgerCommand::Show(a) => show(ledger.as_ref(), &a.key, a.format, &mut out),
        LedgerCommand::Retry(a) => decide(ledger.as_mut(), &a.key, Decision::Retry, &mut out),
        LedgerCommand::Resolve(a) => {
            let decision = if a.sent {
                Decision::Sent
            } else {
                Decision::Resend
            };
            decide(ledger.as_mut(), &a.key, decision, &mut out)
        }
    };
    match result.and_then(|outcome| out.flush().map(|()| outcome).map_err(Failed::Output)) {
        Ok(outcome) => outcome,
        Err(Failed::Refused(message)) => {
            eprintln!("x12pipe ledger: {message}");
            Outcome::InputErrors
        }
        Err(Failed::Ledger(e)) => {
            eprintln!("x12pipe ledger: {e}");
            Outcome::Failure
        }
        Err(Failed::Output(e)) => {
            eprintln!("x12pipe ledger: cannot write output: {e}");
            Outcome::Failure
        }
    }
}

/// Why a subcommand stopped.
enum Failed {
    /// No such key, or the change is not allowed in the unit's state (exit code 1).
    Refused(String),
    /// The ledger failed (exit code 2).
    Ledger(LedgerError),
    /// Standard output failed (exit code 2).
    Output(io::Error),
}

impl From<LedgerError> for Failed {
    fn from(e: LedgerError) -> Self {
        Failed::Ledger(e)
    }
}

impl From<io::Error> for Failed {
    fn from(e: io::Error) -> Self {
        Failed::Output(e)
    }
}

impl From<serde_json::Error> for Failed {
    fn from(e: serde_json::Error) -> Self {
        Failed::Output(io::Error::other(e))
    }
}

fn not_found(key: &str) -> Failed {
    Failed::Refused(format!(
        "no unit with key {key} in this ledger (`x12pipe ledger list` shows the keys)"
    ))
}

fn status(ledger: &dyn Ledger, format: Format, out: &mut impl Write) -> Result<Outcome, Failed> {
    let recorded = ledger.counts()?;
    let counts: Vec<(State, u64)> = State::ALL
        .into_iter()
        .map(|state| {
            let n = recorded
                .iter()
                .filter(|(s, _)| *s == state)
                .map(|(_, n)| n)
                .sum();
            (state, n)
        })
        .collect();
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    match format {
        Format::Json => {
            let by_state: serde_json::Map<String, serde_json::Value> = counts
                .iter()
                .map(|(state, n)| (state.as_str().to_string(), (*n).into()))
                .collect();
            let document = serde_json::json!({ "counts": by_state, "total": total });
            serde_json::to_writer_pretty(&mut *out, &document)?;
            writeln!(out)?;
        }
        Format::Text => {
            let width = total.to_string().len().max("units".len());
            writeln!(out, "{:<17}  {:>width$}  meaning", "state", "units")?;
            for (state, n) in &counts {
                writeln!(
                    out,
                    "{:<17}  {n:>width$}  {}",
                    state.as_str(),
                    meaning(*state)
                )?;
            }
            writeln!(out, "{:<17}  {total:>width$}", "total")?;
        }
    }
    Ok(Outcome::Success)
}

fn list(
    ledger: &dyn Ledger,
    state: Option<State>,
    format: Format,
    out: &mut impl Write,
) -> Result<Outcome, Failed> {
    let units = ledger.list(state)?;
    if format == Format::Json {
        serde_json::to_writer_pretty(&mut *out, &units)?;
        writeln!(out)?;
        return Ok(Outcome::Success);
    }
    let rows: Vec<[String; 6]> = units
        .iter()
        .map(|u| {
            [
                u.key.clone(),
                u.state.to_string(),
                u.attempts.to_string(),
                control_numbers(u),
                u.source.clone(),
                u.last_error.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = [
        "key",
        "state",
        "attempts",
        "isa13/gs06/st02",
        "source",
        "last error",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else if i == 2 {
                line.push_str(&format!("{cell:>width$}  "));
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    if rows.is_empty() {
        match state {
            Some(state) => writeln!(out, "(no unit is {state})")?,
            None => writeln!(out, "(the ledger is empty)")?,
        }
    }
    Ok(Outcome::Success)
}

fn control_numbers(unit: &Unit) -> String {
    format!("{}/{}/{}", unit.interchange, unit.group, unit.transaction)
}

/// Milliseconds since the epoch as an RFC 3339 UTC time, with the raw number when it is out
/// of range.
fn timestamp(ms: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        Err(_) => format!("{ms} ms"),
    }
}

#[derive(Serialize)]
struct Shown<'a> {
    unit: &'a Unit,
    audit: &'a [AuditEntry],
}

fn show(
    ledger: &dyn Ledger,
    key: &str,
    format: Format,
    out: &mut impl Write,
) -> Result<Outcome, Failed> {
    let unit = ledger.get(key)?.ok_or_else(|| not_found(key))?;
    let audit = ledger.audit(key)?;
    if format == Format::Json {
        serde_json::to_writer_pretty(
            &mut *out,
            &Shown {
                unit: &unit,
                audit: &audit,
            },
        )?;
        writeln!(out)?;
        return Ok(Outcome::Success);
    }
    let or_dash = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".into());
    let lines = [
        ("key", unit.key.clone()),
        ("state", format!("{} ({})", unit.state, meaning(unit.state))),
        ("attempts", unit.attempts.to_string()),
        ("payload sha256", unit.payload_sha256.clone()),
        (
            "control numbers",
            format!(
                "ISA13 {}, GS06 {}, ST02 {}",
                unit.interchange, unit.group, unit.transaction
            ),
        ),
        ("source", unit.source.clone()),
        (
            "lease",
            match (&unit.lease_owner, unit.lease_until) {
                (Some(owner), Some(until)) => format!("{owner} until {}", timestamp(until)),
                (Some(owner), None) => owner.clone(),
                _ => "-".into(),
            },
        ),
        (
            "next attempt",
            unit.next_at.map(timestamp).unwrap_or_else(|| "-".into()),
        ),
        ("remote reference", or_dash(&unit.remote_reference)),
        ("last error", or_dash(&unit.last_error)),
        ("created", timestamp(unit.created_at)),
        ("updated", timestamp(unit.updated_at)),
    ];
    for (label, value) in lines {
        writeln!(out, "{:<17} {value}", format!("{label}:"))?;
    }
    writeln!(out, "\naudit ({} entries, oldest first):", audit.len())?;
    for entry in &audit {
        let from = entry.from.map(State::as_str).unwrap_or("(new)");
        writeln!(
            out,
            "  {}  {from:>17} -> {:<17}  attempt {}  {}",
            timestamp(entry.at),
            entry.to.as_str(),
            entry.attempt,
            entry.detail
        )?;
    }
    Ok(Outcome::Success)
}

/// An operator's decision on a unit.
#[derive(Clone, Copy, Debug)]
enum Decision {
    /// `retry`: send again.
    Retry,
    /// `resolve --sent`: the receiver has it.
    Sent,
    /// `resolve --resend`: the receiver does not have it.
    Resend,
}

impl Decision {
    fn event(self) -> Event {
        match self {
            Decision::Retry | Decision::Resend => Event::ResolvedResend,
            Decision::Sent => Event::ResolvedSent,
        }
    }

    fn detail(self) -> &'static str {
        match self {
            Decision::Retry => "operator: retry requested",
            Decision::Sent => "operator: resolved as sent",
            Decision::Resend => "operator: resolved as resend",
        }
    }

    fn command(self) -> &'static str {
        match self {
            Decision::Retry => "retry",
            Decision::Sent => "resolve --sent",
            Decision::Resend => "resolve --resend",
        }
    }

    /// The states the decision applies to, for the refusal message.
    fn applies_to(self) -> &'static str {
        match self {
            Decision::Retry | Decision::Resend => "in_doubt, dead or retry_wait",
            Decision::Sent => "in_doubt or dead",
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn decide(
    ledger: &mut dyn Ledger,
    key: &str,
    decision: Decision,
    out: &mut impl Write,
) -> Result<Outcome, Failed> {
    let unit = ledger.get(key)?.ok_or_else(|| not_found(key))?;
    // The rules are the ledger's (`transition`); this only words the refusal.
    let refused = |state: State| {
        Failed::Refused(format!(
            "unit {key} is {state} ({}): `x12pipe ledger {}` applies only to {} units",
            meaning(state),
            decision.command(),
            decision.applies_to()
        ))
    };
    let to = match ledger.record(
        key,
        None,
        &decision.event(),
        now_ms(),
        decision.detail(),
        None,
    ) {
        Ok(to) => to,
        Err(LedgerError::Transition { state, .. }) => return Err(refused(state)),
        Err(LedgerError::NotFound(_)) => return Err(not_found(key)),
        Err(e) => return Err(e.into()),
    };
    writeln!(out, "{key}: {} -> {to} ({})", unit.state, decision.detail())?;
    match to {
        State::Pending => writeln!(
            out,
            "The next `x12pipe submit` over {} sends it again, with the same key.",
            unit.source
        )?,
        _ => writeln!(
            out,
            "It counts as accepted and will not be sent again; the audit trail keeps your \
             decision."
        )?,
    }
    Ok(Outcome::Success)
}
