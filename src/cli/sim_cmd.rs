//! `x12pipe sim`: run the local clearinghouse simulator until Ctrl-C or SIGTERM.

use std::io::{self, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use x12pipe::sim::{FaultKind, RunningSim, SimConfig};

use super::Outcome;

/// Run a local clearinghouse that implements the raw-X12 claim submission contract, for
/// testing submitters.
///
/// POST / (or /claims) with the body {"x12": "ISA...IEA"} (one interchange holding one
/// transaction set) and the header Idempotency-Key: KEY; the answers are listed below. The
/// first stdout line is "listening on http://ADDR". Each request is logged to stderr (key,
/// status, fault; never the payload). Ctrl-C or SIGTERM stops it.
#[derive(Debug, Args)]
#[command(after_help = "Answers:
  401 {\"status\":\"UNAUTHORIZED\"}
      --token-env is set and Authorization is not \"Bearer <token>\"
  400 {\"status\":\"INVALID\",\"message\":\"...\"}
      no Idempotency-Key, or the body is not JSON with a string \"x12\"
  400 {\"status\":\"INVALID\",\"errors_count\":N}
      syntax errors (x12pipe's validator), or not one interchange with one set
  200 {\"status\":\"ERROR\",\"errors\":[{\"code\":\"claim-out-of-balance\",\"field\":\"CLM02\"}]}
      business errors: finding codes and positions only, never claim data
  200 {\"status\":\"SUCCESS\",\"id\":\"SIM-000001\",\"x12_999\":\"ISA*...\"}
      accepted and committed (journaled)
  the recorded answer again
      same key, same payload: a replay, not journaled again
  422 {\"status\":\"CONFLICT\"}
      same key, different payload, after an acceptance
  409 {\"status\":\"IN_PROGRESS\"} with Retry-After: 1
      same key while its first request is still being processed

Fault kinds (--fault-kinds, comma-separated; default all but claim-edit):
  429         429 with Retry-After: 1, before committing
  429-bare    429 without Retry-After, before committing
  500         500, before committing
  502         502, before committing
  503         503 (with Retry-After: 1 about half the time), before committing
  504         504, before committing
  slow        commit, wait --slow-ms (longer than the client's timeout), then answer: the
              client times out on a submission that was committed, and must retry with the
              same key to get the replay
  drop        commit, then close the connection without answering
  claim-edit  answer 200 {\"status\":\"ERROR\",\"errors\":[{\"code\":\"SIM-EDIT-1\",\"field\":\"CLM02\"}]}
              (a business rejection, never to be retried)

A fault is drawn per request from a hash of (--seed, the key, the n-th request with that
key), so the same seed gives the same faults whatever the interleaving of requests.

Journal (--journal FILE): one JSON line per committed submission, written and fsync'd before
the answer is sent, only on the first commit of a key:
  {\"key\":\"v1:...\",\"payload_sha256\":\"...\",\"at_ms\":1767225600000,\"reference\":\"SIM-000001\"}

Examples:
  x12pipe sim --listen 127.0.0.1:8080
  x12pipe sim --listen 127.0.0.1:0 --faults 0.3 --seed 7 --journal sim.jsonl
  SIM_TOKEN=secret x12pipe sim --token-env SIM_TOKEN --fault-kinds 429,503,drop

Exit codes: 0 stopped by Ctrl-C or SIGTERM, 2 usage error or the address or journal could
not be opened.")]
pub struct SimArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,

    /// Seed of the fault decisions.
    #[arg(long, value_name = "N", default_value_t = 0)]
    seed: u64,

    /// Probability (0.0 to 1.0) that a request gets a fault.
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    faults: f64,

    /// Fault kinds to draw from (comma-separated), see below.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    fault_kinds: Vec<FaultKind>,

    /// How long a 'slow' answer waits after committing, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    slow_ms: u64,

    /// Append one JSON line per commit to FILE.
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,

    /// Require "Authorization: Bearer <token>", the token read from this environment
    /// variable.
    #[arg(long, value_name = "VAR")]
    token_env: Option<String>,

    /// Do not replay by key: process and journal every request (a receiver without
    /// idempotency, to show what duplicates look like).
    #[arg(long)]
    no_dedup: bool,
}

fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(rate),
        _ => Err(format!("wants a number from 0.0 to 1.0, got {text:?}")),
    }
}

/// Waits for Ctrl-C or (on Unix) SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs `x12pipe sim`.
pub fn run(args: &SimArgs) -> Outcome {
    // The submit command will own the binary's subscriber; until then, log to stderr here
    // (a subscriber already set wins).
    let colour = io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let _ = tracing_subscriber::fmt()
        .with_writer(io::stderr)
        .with_ansi(colour)
        .with_target(false)
        .try_init();
    let token = match &args.token_env {
        Some(var) => match std::env::var(var) {
            Ok(token) if !token.is_empty() => Some(token),
            _ => {
                eprintln!("x12pipe sim: --token-env {var}: the variable is not set or empty");
                return Outcome::Failure;
            }
        },
        None => None,
    };
    let config = SimConfig {
        listen: args.listen,
        seed: args.seed,
        fault_rate: args.faults,
        fault_kinds: if args.fault_kinds.is_empty() {
            FaultKind::TRANSIENT.to_vec()
        } else {
            args.fault_kinds.clone()
        },
        slow: Duration::from_millis(args.slow_ms),
        journal: args.journal.clone(),
        token,
        dedup: !args.no_dedup,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("x12pipe sim: cannot start the runtime: {e}");
            return Outcome::Failure;
        }
    };
    runtime.block_on(async {
        let sim = match RunningSim::start(config).await {
            Ok(sim) => sim,
            Err(e) => {
                eprintln!(
                    "x12pipe sim: cannot listen on {} or open the journal: {e}",
                    args.listen
                );
                return Outcome::Failure;
            }
        };
        // Tests read this line to find the port: flush it at once.
        let announced = {
            let mut stdout = io::stdout().lock();
            writeln!(stdout, "listening on {}", sim.url()).and_then(|()| stdout.flush())
        };
        if announced.is_err() {
            eprintln!("x12pipe sim: cannot write to stdout");
            sim.shutdown().await;
            return Outcome::Failure;
        }
        stop_signal().await;
        let stats = sim.stats();
        sim.shutdown().await;
        eprintln!(
            "x12pipe sim: stopped: {} requests, {} commits, {} replays, {} faults",
            stats.requests,
            stats.commits,
            stats.replays,
            stats.faults.values().sum::<u64>()
        );
        Outcome::Success
    })
}
