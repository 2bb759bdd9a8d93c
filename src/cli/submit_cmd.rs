//! `x12pipe submit`: send each transaction set to a clearinghouse exactly once.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use tracing::Instrument;

use x12pipe::envelope::ParseOptions;
use x12pipe::ledger::{self, Ledger, State};
use x12pipe::sim::{FaultKind, RunningSim, SimConfig};
use x12pipe::submit::engine::{
    Clock, Engine, EngineConfig, EngineEvent, Report, SharedLedger, Stop,
};
use x12pipe::submit::policy::RetryPolicy;
use x12pipe::submit::transport::HttpTransport;
use x12pipe::submit::{PreparedUnit, prepare};
use x12pipe::validate::ValidateOptions;

use super::{Outcome, open_input, parse_day};

/// Send every transaction set of 837 files to a clearinghouse, exactly once.
///
/// Each transaction set travels alone in its original ISA/GS envelope (trailers recounted),
/// keyed by ISA13 + GS06 + ST02 scoped by sender and receiver (the Idempotency-Key header).
/// The validator gates the files first: sets with syntax errors or failed business edits
/// are recorded as rejected and never sent. Every attempt is committed to the ledger before
/// its first byte is sent; re-running the same files never resends what was accepted.
///
/// Only transient failures are retried (408, 429, 409, 5xx, connection failures), with
/// jittered exponential backoff or the receiver's Retry-After, and a circuit breaker that
/// pauses the queue when the endpoint keeps failing. A request sent without an answer
/// (timeout, reset) is retried with the same key only inside the receiver's deduplication
/// window (--dedup-window); otherwise the set is left `in_doubt` for an operator
/// (see `x12pipe ledger --help`).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  x12pipe submit samples/ --simulate          try it: a local clearinghouse with some faults
  X12PIPE_AUTHORIZATION='Bearer ...' x12pipe submit claims.x12 --endpoint https://api.example.com/claims
  x12pipe submit day/*.x12 --endpoint URL --ledger postgres://ledger@db/claims   one of many workers
  x12pipe submit claims.x12 --endpoint URL --dedup-window 24h   the receiver dedups by key for 24 h

The ledger: by default a SQLite file x12pipe-ledger.sqlite next to the first input (with
--simulate, a fresh temporary file, since nothing is really sent). Inspect and fix with
`x12pipe ledger status|list|show|retry|resolve`.

Exit codes: 0 every set accepted; 1 some sets rejected (syntax or business), the rest
accepted; 2 usage, configuration (401/403/404) or ledger error; 3 some sets need an operator
(in_doubt, dead, conflict) or the run was interrupted before every set was done.")]
pub struct SubmitArgs {
    /// Files to send, or directories (their *.x12, *.edi and *.837 files).
    #[arg(required = true, value_name = "FILE|DIR")]
    inputs: Vec<PathBuf>,

    /// The clearinghouse endpoint (POST {"x12": ...} with an Idempotency-Key header).
    #[arg(
        long,
        env = "X12PIPE_ENDPOINT",
        value_name = "URL",
        required_unless_present = "simulate",
        conflicts_with = "simulate"
    )]
    endpoint: Option<String>,

    /// Start a local clearinghouse simulator in this process and send to it, with a mild
    /// transient fault rate so retries can be seen.
    #[arg(long)]
    simulate: bool,

    /// The simulator's transient fault rate (0 to 1), with --simulate.
    #[arg(
        long,
        value_name = "RATE",
        default_value_t = 0.2,
        requires = "simulate"
    )]
    sim_faults: f64,

    /// The simulator's fault seed, with --simulate.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "simulate")]
    sim_seed: u64,

    /// The environment variable holding the Authorization header value (never pass secrets
    /// as arguments; the value is never logged).
    #[arg(long, value_name = "VAR", default_value = "X12PIPE_AUTHORIZATION")]
    auth_env: String,

    /// The ledger: sqlite:PATH or postgres://... (many workers share a PostgreSQL ledger).
    #[arg(long, env = "X12PIPE_LEDGER", value_name = "SPEC")]
    ledger: Option<String>,

    /// Requests in flight at most.
    #[arg(long, value_name = "N", default_value_t = 16)]
    concurrency: usize,

    /// Units leased beyond the requests in flight at most (default: 4 x --concurrency).
    /// Leasing ahead keeps the requests flowing while the ledger syncs its commits (each
    /// lease is committed before a byte is sent); the worker leases what about three
    /// commits need. A worker killed with units leased and not yet sent leaves them
    /// in_doubt when their leases expire (unless the receiver deduplicates): lower this to
    /// bound that, at some cost in throughput on a slow disk.
    #[arg(long, value_name = "N")]
    lease_ahead: Option<usize>,

    /// Requests started per second at most (default: no limit).
    #[arg(long, value_name = "N")]
    rate: Option<f64>,

    /// Whole-request timeout (e.g. 30s, 500ms); a request sent and not answered in time is
    /// in doubt.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    timeout: Duration,

    /// Attempts per set in one run, the first included.
    #[arg(long, value_name = "N", default_value_t = 8)]
    max_attempts: u32,

    /// No retry starts later than this after a set's first attempt in the run.
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    max_elapsed: Duration,

    /// First backoff ceiling (full jitter: a retry waits a random time up to the ceiling,
    /// which doubles per retry).
    #[arg(long, value_name = "DURATION", default_value = "200ms", value_parser = parse_duration)]
    backoff_base: Duration,

    /// Largest backoff ceiling.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    backoff_cap: Duration,

    /// Largest wait a Retry-After header may impose.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    retry_after_cap: Duration,

    /// Consecutive transient failures that open the circuit breaker (pausing the queue).
    #[arg(long, value_name = "N", default_value_t = 8)]
    breaker_threshold: u32,

    /// How long the breaker stays open before one probe request.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    breaker_cool_down: Duration,

    /// The receiver deduplicates by Idempotency-Key for this long (e.g. 24h): a request
    /// sent without an answer is retried with the same key inside it. Without it such a set
    /// is left in_doubt. --simulate sets 24h (the simulator deduplicates).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    dedup_window: Option<Duration>,

    /// How long an attempt's lease lasts (default: twice the timeout plus 10s, plus the wait
    /// --rate imposes on a full queue). A worker
    /// that dies leaves its leases to expire: then its sets are in doubt, or retried when
    /// the receiver deduplicates.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    lease: Option<Duration>,

    /// This worker's id in the ledger (default: host, process id and start time).
    #[arg(long, value_name = "ID")]
    worker_id: Option<String>,

    /// Log format on stderr: text for people, json (one object per line) for machines.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    /// Log every attempt (info level); by default a terminal shows a progress bar and
    /// warnings only. X12PIPE_LOG (e.g. debug) overrides.
    #[arg(short, long)]
    verbose: bool,

    /// Summary format on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,

    /// Accept wrong SE01/GE01/IEA01 counts and ISA widths as warnings in the gate.
    #[arg(long)]
    lenient: bool,

    /// The date service dates must not be after (YYYY-MM-DD), for the gate; default today.
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// JSON lines.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SummaryFormat {
    /// Counts and the sets that need attention.
    Text,
    /// The whole report as JSON.
    Json,
}

/// `30s`, `500ms`, `10m`, `24h`, or plain seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration (use e.g. 500ms, 30s, 10m, 24h)"))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "" | "s" => value,
        "m" => value * 60.0,
        "h" => value * 3600.0,
        _ => {
            return Err(format!(
                "{text:?}: unknown unit {unit:?} (use ms, s, m or h)"
            ));
        }
    };
    Duration::try_from_secs_f64(seconds).map_err(|_| format!("{text:?} is out of range"))
}

/// The files named, directories expanded to their X12 files in name order.
fn input_files(inputs: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(input)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.is_file()
                        && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            matches!(e.to_ascii_lowercase().as_str(), "x12" | "edi" | "837")
                        })
                })
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    Ok(files)
}

/// The default ledger: next to the first input.
fn default_ledger(inputs: &[PathBuf]) -> String {
    let dir = match inputs.first() {
        Some(p) if p.is_dir() => p.clone(),
        Some(p) => p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
        None => PathBuf::from("."),
    };
    format!("sqlite:{}", dir.join("x12pipe-ledger.sqlite").display())
}

/// A worker id unique across hosts and processes.
fn worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "host".into());
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{host}-{}-{started:x}", std::process::id())
}

/// Log lines written around the progress bar, so the two never tear each other.
#[derive(Clone)]
struct BarWriter(Option<ProgressBar>);

struct BarLine {
    bar: Option<ProgressBar>,
    buffer: Vec<u8>,
}

impl Write for BarLine {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for BarLine {
    fn drop(&mut self) {
        let write = || {
            let _ = io::stderr().lock().write_all(&self.buffer);
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BarWriter {
    type Writer = BarLine;
    fn make_writer(&'a self) -> BarLine {
        BarLine {
            bar: self.0.clone(),
            buffer: Vec::with_capacity(256),
        }
    }
}

fn init_logs(format: LogFormat, verbose: bool, bar: Option<ProgressBar>) {
    use tracing_subscriber::EnvFilter;
    let default = if verbose || bar.is_none() {
        "info"
    } else {
        "warn"
    };
    let filter = EnvFilter::try_from_env("X12PIPE_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let writer = BarWriter(bar);
    let result = match format {
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(writer)
            .try_init(),
        LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(io::stderr().is_terminal())
            .with_writer(writer)
            .try_init(),
    };
    // A subscriber already installed (tests in one process) keeps logging; nothing to do.
    let _ = result;
}

/// Runs `x12pipe submit`.
pub fn run(args: &SubmitArgs) -> Outcome {
    // The ledger first, outside the async runtime: without it nothing may be sent, and a
    // blocking database client must be opened and closed where blocking is allowed.
    let mut temporary: Option<PathBuf> = None;
    let spec = match (&args.ledger, args.simulate) {
        (Some(spec), _) => spec.clone(),
        (None, true) => {
            let path = std::env::temp_dir()
                .join(format!("x12pipe-simulate-{}.sqlite", std::process::id()));
            temporary = Some(path.clone());
            format!("sqlite:{}", path.display())
        }
        (None, false) => default_ledger(&args.inputs),
    };
    let opened: Box<dyn Ledger> = match ledger::open(&spec, true) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("x12pipe submit: cannot open the ledger: {e}");
            return Outcome::Failure;
        }
    };
    let shared: SharedLedger = Arc::new(Mutex::new(opened));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("x12pipe submit: cannot start the async runtime: {e}");
            return Outcome::Failure;
        }
    };
    let outcome = runtime.block_on(submit(args, Arc::clone(&shared), &spec));
    drop(runtime);
    drop(shared);
    if let Some(path) = temporary {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    outcome
}

async fn submit(args: &SubmitArgs, shared: SharedLedger, spec: &str) -> Outcome {
    let mut options = ValidateOptions::new();
    options.parse = ParseOptions {
        lenient: args.lenient,
        ..ParseOptions::default()
    };
    if let Some(day) = &args.today {
        match parse_day(day) {
            Some(date) => options.today = date,
            None => {
                eprintln!("x12pipe submit: --today wants a real date as YYYY-MM-DD, got {day:?}");
                return Outcome::Failure;
            }
        }
    }
    let files = match input_files(&args.inputs) {
        Ok(files) if !files.is_empty() => files,
        Ok(_) => {
            eprintln!("x12pipe submit: no .x12, .edi or .837 files in the inputs given");
            return Outcome::Failure;
        }
        Err(e) => {
            eprintln!("x12pipe submit: cannot list the inputs: {e}");
            return Outcome::Failure;
        }
    };
    let authorization = std::env::var(&args.auth_env).ok().filter(|v| !v.is_empty());

    // Read and gate every file before anything is sent.
    let mut units: Vec<PreparedUnit> = Vec::new();
    let mut unreadable: Vec<String> = Vec::new();
    for file in &files {
        let name = file.display().to_string();
        let read = open_input(file).and_then(|input| prepare(input, &name, &options));
        match read {
            Ok(found) if found.is_empty() => unreadable.push(name),
            Ok(mut found) => units.append(&mut found),
            Err(e) => {
                eprintln!("x12pipe submit: {name}: {e}");
                return Outcome::Failure;
            }
        }
    }

    // The receiver.
    let mut simulator: Option<RunningSim> = None;
    let endpoint = match (&args.endpoint, args.simulate) {
        (Some(url), _) => url.clone(),
        (None, _) => {
            // Every transient kind but `slow`, which would make a demo wait out the whole
            // request timeout; `drop` still shows a request that is sent and not answered.
            let config = SimConfig {
                fault_rate: args.sim_faults.clamp(0.0, 1.0),
                fault_kinds: FaultKind::TRANSIENT
                    .iter()
                    .copied()
                    .filter(|k| *k != FaultKind::Slow)
                    .collect(),
                seed: args.sim_seed,
                ..SimConfig::default()
            };
            match RunningSim::start(config).await {
                Ok(sim) => {
                    let url = sim.url();
                    simulator = Some(sim);
                    url
                }
                Err(e) => {
                    eprintln!("x12pipe submit: cannot start the simulator: {e}");
                    return Outcome::Failure;
                }
            }
        }
    };
    let transport = match HttpTransport::new(&endpoint, args.timeout, authorization.as_deref()) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            eprintln!("x12pipe submit: {e}");
            return Outcome::Failure;
        }
    };

    let bar = (args.format == SummaryFormat::Text
        && args.log_format == LogFormat::Text
        && io::stderr().is_terminal())
    .then(|| {
        let bar = ProgressBar::new(0);
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} sets {msg}",
        ) {
            bar.set_style(style);
        }
        bar
    });
    init_logs(args.log_format, args.verbose, bar.clone());

    let worker = args.worker_id.clone().unwrap_or_else(worker_id);
    let dedup_window = args
        .dedup_window
        .or(args.simulate.then_some(Duration::from_secs(24 * 3600)));
    let config = EngineConfig {
        worker: worker.clone(),
        policy: RetryPolicy {
            base: args.backoff_base,
            cap: args.backoff_cap,
            max_attempts: args.max_attempts.max(1),
            max_elapsed: args.max_elapsed,
            retry_after_cap: args.retry_after_cap,
        },
        breaker_threshold: args.breaker_threshold,
        breaker_cool_down: args.breaker_cool_down,
        concurrency: args.concurrency.max(1),
        rate_per_second: args.rate,
        lease_ahead: args.lease_ahead,
        // Long enough for a unit leased ahead to wait its turn under --rate (the units in
        // flight and leased ahead queue) and then time out: only a dead worker's leases
        // expire.
        lease: args.lease.unwrap_or_else(|| {
            let held =
                args.concurrency.max(1) + args.lease_ahead.unwrap_or(4 * args.concurrency.max(1));
            let queued = args
                .rate
                .filter(|r| *r > 0.0)
                .map(|r| Duration::from_secs_f64((held as f64 / r).min(86_400.0)))
                .unwrap_or_default();
            args.timeout * 2 + Duration::from_secs(10) + queued
        }),
        dedup_window,
        seed: std::process::id() as u64,
    };

    // Ctrl-C: stop taking work, finish or record what is in flight. A second one exits now
    // (the leases then expire, and the sets are in doubt or retried, never lost).
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "x12pipe submit: stopping: finishing the requests in flight (Ctrl-C again to quit now)"
            );
            let _ = stop_tx.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });

    let span = tracing::info_span!("submit", run = %worker);
    let mut engine = Engine::new(Arc::clone(&shared), transport, config, Clock::system());
    let progress = bar.clone();
    let mut retries_seen = 0u64;
    let mut on_event = move |event: &EngineEvent<'_>| {
        let Some(bar) = &progress else { return };
        match event {
            EngineEvent::Queued { to_send } => bar.set_length(*to_send as u64),
            EngineEvent::Attempt { attempt, .. } => {
                if *attempt > 1 {
                    retries_seen += 1;
                    bar.set_message(format!("({retries_seen} retries)"));
                }
            }
            EngineEvent::Recorded { state, .. } => {
                if !matches!(state, State::RetryWait | State::Pending) {
                    bar.inc(1);
                }
            }
            EngineEvent::Paused { wait } => bar.set_message(format!(
                "(breaker open: pausing {:.1} s)",
                wait.as_secs_f64()
            )),
        }
    };
    let result = engine
        .run(units, stop_rx, &mut on_event)
        .instrument(span)
        .await;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Some(sim) = simulator {
        sim.shutdown().await;
    }
    let report = match result {
        Ok(report) => report,
        Err(e) => {
            eprintln!("x12pipe submit: stopped: {e}");
            return Outcome::Failure;
        }
    };
    let shown_spec = if args.simulate && args.ledger.is_none() {
        format!("{spec} (temporary, --simulate)")
    } else {
        spec.to_string()
    };
    let printed = match args.format {
        SummaryFormat::Text => {
            print_text(&report, &endpoint, args.simulate, &shown_spec, &unreadable)
        }
        SummaryFormat::Json => print_json(&report, &endpoint, spec, &unreadable),
    };
    if let Err(e) = printed {
        eprintln!("x12pipe submit: cannot write the summary: {e}");
        return Outcome::Failure;
    }
    match outcome(&report) {
        // A file without a readable transaction set is an input error too.
        Outcome::Success if !unreadable.is_empty() => Outcome::InputErrors,
        other => other,
    }
}

/// The exit code a report earns.
fn outcome(report: &Report) -> Outcome {
    if let Some(Stop::Configuration { status }) = report.stopped {
        eprintln!(
            "x12pipe submit: the receiver answered HTTP {status}: check the endpoint and the credentials (--auth-env); nothing more was sent"
        );
        return Outcome::Failure;
    }
    let needs_operator = report.units.iter().any(|u| {
        matches!(
            u.state,
            State::InDoubt | State::Dead | State::Pending | State::RetryWait | State::InFlight
        )
    });
    if needs_operator || report.stopped.is_some() || !report.conflicts.is_empty() {
        return Outcome::Incomplete;
    }
    if report
        .units
        .iter()
        .any(|u| matches!(u.state, State::RejectedSyntax | State::RejectedBusiness))
    {
        return Outcome::InputErrors;
    }
    Outcome::Success
}

fn print_text(
    report: &Report,
    endpoint: &str,
    simulate: bool,
    ledger: &str,
    unreadable: &[String],
) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let to = if simulate {
        format!("{endpoint} (local simulator)")
    } else {
        endpoint.to_string()
    };
    writeln!(
        out,
        "x12pipe submit: {} transaction sets to {to}",
        report.units.len()
    )?;
    for (state, n) in report.counts() {
        if n == 0 && matches!(state, State::Pending | State::InFlight | State::RetryWait) {
            continue;
        }
        let earlier = report
            .units
            .iter()
            .filter(|u| u.state == state && u.earlier)
            .count();
        let note = if earlier > 0 {
            format!("  ({earlier} already so before this run, not sent again)")
        } else {
            String::new()
        };
        writeln!(out, "  {:<18} {n:>6}{note}", state.as_str())?;
    }
    writeln!(
        out,
        "  {:<18} {:>6}  ({} attempts in all)",
        "retries spent", report.retries, report.attempts
    )?;
    if !report.conflicts.is_empty() {
        writeln!(
            out,
            "  {:<18} {:>6}  (control numbers already used by another payload: not sent)",
            "conflict",
            report.conflicts.len()
        )?;
    }
    if report.duplicates > 0 {
        writeln!(
            out,
            "  {:<18} {:>6}  (the same set twice in the input: sent once)",
            "duplicates", report.duplicates
        )?;
    }
    if report.stopped == Some(Stop::Interrupted) {
        writeln!(out, "  interrupted: run the same command again to continue")?;
    }
    let attention: Vec<_> = report
        .units
        .iter()
        .filter(|u| u.state != State::Accepted)
        .collect();
    if !attention.is_empty() {
        writeln!(out, "\nnot accepted (ISA13/GS06/ST02, file, why):")?;
        for u in attention {
            writeln!(
                out,
                "  {:<17} {}/{}/{}  {}  {}\n    key {}",
                u.state.as_str(),
                u.interchange,
                u.group,
                u.transaction,
                u.source,
                u.last_error.as_deref().unwrap_or("-"),
                u.key
            )?;
        }
    }
    if !report.conflicts.is_empty() {
        writeln!(
            out,
            "\nconflicts (ISA13/GS06/ST02, file, why): give these sets new control numbers"
        )?;
        for c in &report.conflicts {
            writeln!(
                out,
                "  {}/{}/{}  {}  {}\n    key {}",
                c.interchange, c.group, c.transaction, c.source, c.reason, c.key
            )?;
        }
    }
    if !unreadable.is_empty() {
        writeln!(
            out,
            "\nfiles without a readable transaction set (nothing recorded; `x12pipe validate FILE` says why):"
        )?;
        for name in unreadable {
            writeln!(out, "  {name}")?;
        }
    }
    writeln!(out, "\nledger: {ledger}")?;
    out.flush()
}

fn print_json(
    report: &Report,
    endpoint: &str,
    ledger: &str,
    unreadable: &[String],
) -> io::Result<()> {
    let counts: serde_json::Map<String, serde_json::Value> = report
        .counts()
        .into_iter()
        .map(|(s, n)| (s.as_str().to_string(), n.into()))
        .collect();
    let value = serde_json::json!({
        "endpoint": endpoint,
        "ledger": ledger,
        "counts": counts,
        "attempts": report.attempts,
        "retries": report.retries,
        "duplicates": report.duplicates,
        "conflicts": report.conflicts,
        "unreadable_files": unreadable,
        "interrupted": report.stopped == Some(Stop::Interrupted),
        "units": report.units,
    });
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &value).map_err(io::Error::other)?;
    writeln!(out)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("3d").is_err());
    }
}
