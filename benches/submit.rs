//! Submission throughput to the local simulator (no faults), with the ledger against the
//! same requests without one, in the same run.
//!
//! - `baseline`: the same HTTP requests, 16 in flight (`X12PIPE_BENCH_CONCURRENCY` to change
//!   it for every variant), no ledger (`X12PIPE_BENCH_LEASE_AHEAD` sets the engine's
//!   `lease_ahead`, default 4 x the requests in flight);
//! - `sqlite`: the submitter with the SQLite ledger at `synchronous=FULL` (every attempt and
//!   outcome committed to disk; outcomes that arrive together share one commit);
//! - `engine_hashmap`: the submitter with a ledger that keeps units in a `HashMap`, nothing
//!   durable (`common/null_ledger.rs`, bench-only): the engine's own cost;
//! - `sqlite_memory`: the same ledger in memory (no disk syncs), to tell the syncs' share;
//! - `postgres`: the same with the PostgreSQL ledger, when `X12PIPE_TEST_POSTGRES_URL` is set.
//!
//! The simulator runs in this process and does not deduplicate (every request is a new
//! commit), so each iteration sends the same units again through a fresh ledger. Its
//! validation of each payload is part of every variant.
//!
//! After criterion's groups, **paired rounds**: each round runs every variant once, one
//! after another (the order reversed every other round), so a slow spell of the machine
//! falls on all of them alike; each round gives each variant's ratio to that round's
//! baseline, and the median of those is printed with its range. On these noisy machines
//! (the baseline alone swings 2x between criterion groups) that is the figure to compare
//! with the target. `X12PIPE_BENCH_ROUNDS` sets the rounds (default 21; 0 skips them);
//! `X12PIPE_BENCH_SHOW_ROUNDS=1` prints every round's ratio, sorted;
//! `X12PIPE_BENCH_VARIANTS=sqlite,engine_hashmap` runs only those beside the baseline;
//! `X12PIPE_BENCH_UNITS` sets the units a run submits (default 1,000). A
//! filter that matches no criterion benchmark (`cargo bench --bench submit -- paired`)
//! runs only the rounds.
//!
//! Run: `cargo bench --bench submit`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

// Only the estimate reader is used here; the generated inputs serve the other benches.
#[allow(dead_code)]
mod common;

use common::mean_ns;

#[path = "common/null_ledger.rs"]
mod null_ledger;
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput};
use tokio::task::JoinSet;
use x12pipe::ledger::Ledger;
use x12pipe::ledger::postgres::PostgresLedger;
use x12pipe::ledger::sqlite::SqliteLedger;
use x12pipe::sim::{RunningSim, SimConfig};
use x12pipe::submit::engine::{Clock, Engine, EngineConfig, SharedLedger};
use x12pipe::submit::transport::{Delivery, HttpTransport, Transport, json_body};
use x12pipe::submit::{PreparedUnit, prepare};
use x12pipe::synth::{ClaimKind, GenOptions, write_interchange};
use x12pipe::validate::ValidateOptions;

const GROUP: &str = "submit";
/// Units a run submits: 1,000, or `X12PIPE_BENCH_UNITS`. A run's fixed costs (enqueueing
/// the first units before anything is sent, reading the report back, closing the ledger)
/// weigh less in a larger run; on 2026-12-07 10,000 units gave the same ratios as 1,000.
fn units_per_run() -> u64 {
    env_number("X12PIPE_BENCH_UNITS")
        .filter(|&n| n > 0)
        .unwrap_or(1000)
}

/// A number from the environment variable `name`, if it is set and parses.
fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|n| n.parse().ok())
}

/// Requests in flight, in every variant: 16, or `X12PIPE_BENCH_CONCURRENCY`.
fn concurrency() -> usize {
    env_number("X12PIPE_BENCH_CONCURRENCY")
        .filter(|&c| c > 0)
        .unwrap_or(16)
}

fn units(n: u64) -> Vec<PreparedUnit> {
    let mut options = GenOptions::new(ClaimKind::Professional, n, 5);
    options.claims_per_transaction = 1;
    let mut file = Vec::new();
    write_interchange(&mut file, &options).expect("generate");
    let mut validate = ValidateOptions::new();
    validate.today = time::Date::from_calendar_date(2026, time::Month::November, 23).expect("date");
    prepare(&file[..], "bench.x12", &validate).expect("prepare")
}

/// The same requests as the submitter sends, [`concurrency`] at a time, without a ledger.
async fn baseline(transport: &Arc<HttpTransport>, bodies: &[(String, bytes::Bytes)]) -> usize {
    let mut tasks = JoinSet::new();
    let mut accepted = 0;
    let mut next = bodies.iter();
    let limit = concurrency();
    loop {
        while tasks.len() < limit {
            let Some((key, body)) = next.next() else {
                break;
            };
            let (t, key, body) = (Arc::clone(transport), key.clone(), body.clone());
            tasks.spawn(async move { t.send(&key, body).await });
        }
        match tasks.join_next().await {
            Some(Ok(Delivery::Response(r))) if r.status == 200 => accepted += 1,
            Some(_) => {}
            None => break,
        }
    }
    accepted
}

/// The submitter's run over `units` (a copy made before the clock starts, as the
/// baseline's bodies are).
async fn with_ledger(
    ledger: Box<dyn Ledger>,
    transport: &Arc<HttpTransport>,
    units: Vec<PreparedUnit>,
) -> usize {
    let shared: SharedLedger = Arc::new(Mutex::new(ledger));
    let config = EngineConfig {
        worker: "bench".into(),
        concurrency: concurrency(),
        lease_ahead: env_number("X12PIPE_BENCH_LEASE_AHEAD"),
        ..EngineConfig::default()
    };
    let mut engine = Engine::new(
        Arc::clone(&shared),
        Arc::clone(transport),
        config,
        Clock::system(),
    );
    let (_tx, rx) = tokio::sync::watch::channel(false);
    let report = engine.run(units, rx, &mut |_| {}).await.expect("run");
    drop(engine);
    // A blocking client is closed off the async threads.
    let _ = tokio::task::spawn_blocking(move || drop(shared)).await;
    report.count(x12pipe::ledger::State::Accepted)
}

/// Drops a PostgreSQL variant's schema (best effort: a leftover schema costs nothing here).
fn drop_schema(url: &str, schema: &str) {
    if let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls) {
        let _ = c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
    }
}

fn main() {
    let units_per_run = units_per_run();
    // `X12PIPE_LOG=x12pipe=debug` shows the engine's loop summary of every run (commits,
    // units per commit, slots in use), as `x12pipe submit` does.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("X12PIPE_LOG") {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let since = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let units = units(units_per_run);
    let bodies: Vec<(String, bytes::Bytes)> = units
        .iter()
        .map(|u| (u.key.clone(), json_body(&u.payload).expect("utf-8").into()))
        .collect();
    let sim = runtime
        .block_on(RunningSim::start(SimConfig {
            dedup: false,
            ..SimConfig::default()
        }))
        .expect("simulator");
    let transport =
        Arc::new(HttpTransport::new(&sim.url(), Duration::from_secs(30), None).expect("transport"));
    let dir = std::env::temp_dir().join(format!("x12pipe-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let postgres = std::env::var("X12PIPE_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let label = format!("{units_per_run}units");
    let mut fresh = 0u64;

    let mut group = criterion.benchmark_group(GROUP);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10))
        .throughput(Throughput::Elements(units_per_run));
    group.bench_function(BenchmarkId::new("baseline", &label), |b| {
        b.iter(|| {
            assert_eq!(
                runtime.block_on(baseline(&transport, &bodies)),
                units_per_run as usize
            )
        })
    });
    group.bench_function(BenchmarkId::new("sqlite", &label), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                fresh += 1;
                let path = dir.join(format!("ledger-{fresh}.sqlite"));
                let ledger: Box<dyn Ledger> = Box::new(SqliteLedger::open(&path).expect("ledger"));
                let copy = units.clone();
                let start = Instant::now();
                let accepted = runtime.block_on(with_ledger(ledger, &transport, copy));
                total += start.elapsed();
                assert_eq!(accepted, units_per_run as usize);
            }
            total
        })
    });
    // The engine with a ledger that stores nothing durable (a HashMap, bench-only): how
    // much of the cost is the engine itself rather than the ledger.
    group.bench_function(BenchmarkId::new("engine_hashmap", &label), |b| {
        b.iter_batched(
            || units.clone(),
            |copy| {
                let ledger: Box<dyn Ledger> = Box::new(null_ledger::MemoryLedger::default());
                assert_eq!(
                    runtime.block_on(with_ledger(ledger, &transport, copy)),
                    units_per_run as usize
                );
            },
            BatchSize::PerIteration,
        )
    });
    // The same ledger without disk syncs: how much of the cost is the syncs.
    group.bench_function(BenchmarkId::new("sqlite_memory", &label), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let ledger: Box<dyn Ledger> = Box::new(SqliteLedger::in_memory().expect("ledger"));
                let copy = units.clone();
                let start = Instant::now();
                let accepted = runtime.block_on(with_ledger(ledger, &transport, copy));
                total += start.elapsed();
                assert_eq!(accepted, units_per_run as usize);
            }
            total
        })
    });
    if let Some(url) = &postgres {
        group.bench_function(BenchmarkId::new("postgres", &label), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    fresh += 1;
                    let schema = format!("x12pipe_bench_{}_{fresh}", std::process::id());
                    let ledger: Box<dyn Ledger> =
                        Box::new(PostgresLedger::connect_in_schema(url, &schema).expect("ledger"));
                    let copy = units.clone();
                    let start = Instant::now();
                    let accepted = runtime.block_on(with_ledger(ledger, &transport, copy));
                    total += start.elapsed();
                    assert_eq!(accepted, units_per_run as usize);
                    drop_schema(url, &schema);
                }
                total
            })
        });
    } else {
        eprintln!("postgres: skipped (set X12PIPE_TEST_POSTGRES_URL to include it)");
    }
    group.finish();
    criterion.final_summary();

    let rounds: usize = env_number("X12PIPE_BENCH_ROUNDS").unwrap_or(21);
    let mut variants: Vec<&str> = vec!["baseline", "sqlite", "engine_hashmap", "sqlite_memory"];
    if postgres.is_some() {
        variants.push("postgres");
    }
    // `X12PIPE_BENCH_VARIANTS=baseline,sqlite` keeps only those (the baseline always runs:
    // the ratios need it), e.g. to count one variant's instructions under callgrind.
    if let Ok(only) = std::env::var("X12PIPE_BENCH_VARIANTS") {
        let only: Vec<&str> = only.split(',').map(str::trim).collect();
        variants.retain(|v| *v == "baseline" || only.contains(v));
    }
    // seconds[variant][round]
    let mut seconds: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); variants.len()];
    for round in 0..rounds {
        let mut order: Vec<usize> = (0..variants.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for v in order {
            // The variant's ledger (none for the baseline), made before the clock starts.
            let mut schema = None;
            let ledger: Option<Box<dyn Ledger>> = match variants[v] {
                "baseline" => None,
                "sqlite" => {
                    fresh += 1;
                    let path = dir.join(format!("ledger-{fresh}.sqlite"));
                    Some(Box::new(SqliteLedger::open(&path).expect("ledger")))
                }
                "sqlite_memory" => Some(Box::new(SqliteLedger::in_memory().expect("ledger"))),
                "engine_hashmap" => Some(Box::new(null_ledger::MemoryLedger::default())),
                _ => {
                    let url = postgres
                        .as_deref()
                        .expect("postgres variant only with a URL");
                    fresh += 1;
                    let name = format!("x12pipe_bench_{}_{fresh}", std::process::id());
                    let ledger = PostgresLedger::connect_in_schema(url, &name).expect("ledger");
                    schema = Some((url, name));
                    Some(Box::new(ledger))
                }
            };
            let copy = ledger.is_some().then(|| units.clone());
            let start = Instant::now();
            let accepted = match (ledger, copy) {
                (Some(ledger), Some(copy)) => {
                    runtime.block_on(with_ledger(ledger, &transport, copy))
                }
                _ => runtime.block_on(baseline(&transport, &bodies)),
            };
            let elapsed = start.elapsed();
            if let Some((url, name)) = schema {
                drop_schema(url, &name);
            }
            assert_eq!(accepted, units_per_run as usize, "{}", variants[v]);
            seconds[v].push(elapsed.as_secs_f64());
        }
    }
    runtime.block_on(sim.shutdown());
    let _ = std::fs::remove_dir_all(&dir);

    if rounds > 0 {
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        println!(
            "\npaired rounds ({rounds}, {} in flight): median of each round's ratio to its baseline",
            concurrency()
        );
        let base = &seconds[0];
        println!(
            "  baseline (no ledger) {:>8.0} units/s (median)",
            units_per_run as f64 / median(base.clone())
        );
        for (v, name) in variants.iter().enumerate().skip(1) {
            let ratios: Vec<f64> = base.iter().zip(&seconds[v]).map(|(b, t)| b / t).collect();
            let (low, high) = ratios
                .iter()
                .fold((f64::MAX, f64::MIN), |(l, h), r| (l.min(*r), h.max(*r)));
            if std::env::var_os("X12PIPE_BENCH_SHOW_ROUNDS").is_some() {
                let mut sorted = ratios.clone();
                sorted.sort_by(f64::total_cmp);
                let text: Vec<String> = sorted.iter().map(|r| format!("{r:.2}")).collect();
                println!("    {name} rounds, sorted: {}", text.join(" "));
            }
            let ratio = median(ratios);
            println!(
                "  {name:<20} {:>8.0} units/s (median) | {ratio:.2} of baseline (ledger cost {:.0}%), rounds {low:.2}..{high:.2}",
                units_per_run as f64 / median(seconds[v].clone()),
                (1.0 - ratio) * 100.0
            );
        }
    }

    println!("\nunits per second (mean), same run:");
    let Some(base) = mean_ns(GROUP, "baseline", &label, since) else {
        return;
    };
    let per_second = |ns: f64| units_per_run as f64 / ns * 1e9;
    println!("  baseline (no ledger) {:>8.0} units/s", per_second(base));
    for name in ["engine_hashmap", "sqlite", "sqlite_memory", "postgres"] {
        if let Some(ns) = mean_ns(GROUP, name, &label, since) {
            println!(
                "  {name:<20} {:>8.0} units/s | {:.2} of baseline (ledger cost {:.0}%)",
                per_second(ns),
                base / ns,
                (1.0 - base / ns) * 100.0
            );
        }
    }
}
