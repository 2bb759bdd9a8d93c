//! Validation throughput on generated 837P, against parsing the same bytes in the same run.
//!
//! - `parse_stream`: the streaming reader walking every event (what `x12pipe parse` does);
//! - `validate`: envelopes, element syntax, guide structure and every business edit
//!   (what `x12pipe validate` does, without printing).
//!
//! Each closure checks its counts against values computed before timing. The report gives
//! MB/s, claims/s and the ratio of validation to parsing.
//!
//! Run: `cargo bench --bench validate` (`X12PIPE_BENCH_SIZES=10` for a quick run).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use criterion::{BenchmarkId, Criterion, Throughput};
use x12pipe::envelope::{Event, Reader};
use x12pipe::synth::{ClaimKind, GenOptions, write_interchange};
use x12pipe::validate::{Observer, ValidateOptions, validate};

const SEED: u64 = 20261123;
const GROUP: &str = "validate";

fn generate(megabytes: u64) -> (Vec<u8>, u64) {
    let target = megabytes * 1_000_000;
    let mut probe = Vec::new();
    let sample = 2_000;
    write_interchange(
        &mut probe,
        &GenOptions::new(ClaimKind::Professional, sample, SEED),
    )
    .expect("generate probe");
    let claims = (target * sample / probe.len() as u64).max(1);
    let mut out = Vec::with_capacity(target as usize + target as usize / 10);
    write_interchange(
        &mut out,
        &GenOptions::new(ClaimKind::Professional, claims, SEED),
    )
    .expect("generate input");
    (out, claims)
}

fn parse_stream(data: &[u8]) -> u64 {
    let mut reader = Reader::new(data);
    let mut sets = 0;
    while let Ok(Some(event)) = reader.next_event() {
        if let Event::Transaction(set) = event {
            sets += u64::from(set.problems().is_empty());
        }
    }
    sets
}

/// Counts what validation reports, so nothing is optimised away.
struct Quiet;
impl Observer for Quiet {}

fn run_validate(data: &[u8], options: &ValidateOptions) -> (u64, u64) {
    match validate(data, options, &mut Quiet) {
        Ok(summary) => (summary.claims, summary.errors),
        Err(_) => (0, u64::MAX),
    }
}

fn sizes() -> Vec<u64> {
    std::env::var("X12PIPE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<u64>| !v.is_empty())
        .unwrap_or_else(|| vec![10, 100])
}

fn options() -> ValidateOptions {
    let mut options = ValidateOptions::new();
    options.today = time::Date::from_calendar_date(2026, time::Month::November, 23).expect("date");
    options
}

fn bench(c: &mut Criterion) -> Vec<(u64, usize, u64)> {
    let mut inputs = Vec::new();
    let mut group = c.benchmark_group(GROUP);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    let options = options();
    for mb in sizes() {
        let (data, claims) = generate(mb);
        let label = format!("{mb}MB");
        let sets = parse_stream(&data);
        let validated = run_validate(&data, &options);
        assert_eq!(
            validated,
            (claims, 0),
            "every generated claim validates clean"
        );
        eprintln!(
            "{label}: {} bytes, {claims} claims, {sets} transaction sets",
            data.len()
        );
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_with_input(BenchmarkId::new("parse_stream", &label), &data, |b, d| {
            b.iter(|| assert_eq!(parse_stream(black_box(d)), sets))
        });
        group.bench_with_input(BenchmarkId::new("validate", &label), &data, |b, d| {
            b.iter(|| assert_eq!(run_validate(black_box(d), &options), validated))
        });
        inputs.push((mb, data.len(), claims));
    }
    group.finish();
    inputs
}

fn mean_ns(function: &str, label: &str, since: SystemTime) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    let path = target
        .join("criterion")
        .join(GROUP)
        .join(function)
        .join(label)
        .join("new")
        .join("estimates.json");
    if std::fs::metadata(&path).and_then(|m| m.modified()).ok()? < since {
        return None;
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn main() {
    let since = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    let inputs = bench(&mut criterion);
    criterion.final_summary();
    println!("\nthroughput (mean), same run:");
    for (mb, bytes, claims) in inputs {
        let label = format!("{mb}MB");
        let (Some(parse), Some(check)) = (
            mean_ns("parse_stream", &label, since),
            mean_ns("validate", &label, since),
        ) else {
            continue;
        };
        let mbps = |ns: f64| bytes as f64 / ns * 1e3;
        println!(
            "  {label:>6} parse_stream {:>8.1} MB/s | validate {:>7.1} MB/s, {:>9.0} claims/s | validate/parse {:.3}",
            mbps(parse),
            mbps(check),
            claims as f64 / check * 1e9,
            parse / check
        );
    }
}
