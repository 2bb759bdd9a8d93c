//! Extraction throughput on generated 837P, against validation of the same bytes in the same
//! run.
//!
//! - `validate`: envelopes, element syntax, guide structure and every business edit, with an
//!   observer that keeps nothing (what `x12pipe validate` does, without printing);
//! - `extract`: the same validation plus building every [`Claim`] from the placed segments
//!   (what `x12pipe claims` does, without serializing).
//!
//! Each closure checks its counts against values computed before timing. The report gives
//! MB/s, claims/s and the ratio of extraction to validation speed (target: 0.5 or more).
//!
//! Run: `cargo bench --bench claims` (`X12PIPE_BENCH_SIZES=10` for a quick run).

use std::hint::black_box;
use std::time::{Duration, SystemTime};

mod common;

use common::{generate, mean_ns, sizes};
use criterion::{BenchmarkId, Criterion, Throughput};
use x12pipe::claim::{Claim, extract};
use x12pipe::validate::{Observer, ValidateOptions, validate};

const GROUP: &str = "claims";

/// Keeps nothing, so validation runs as it does for nobody listening.
struct Quiet;
impl Observer for Quiet {}

fn run_validate(data: &[u8], options: &ValidateOptions) -> u64 {
    match validate(data, options, &mut Quiet) {
        Ok(summary) if summary.errors == 0 => summary.claims,
        _ => u64::MAX,
    }
}

/// Extracts every claim and sums the service lines, so no claim is optimised away.
fn run_extract(data: &[u8], options: &ValidateOptions) -> (u64, u64) {
    let mut lines = 0u64;
    let result = extract(data, options, |claim: &Claim, _| {
        lines += claim.lines.len() as u64;
        black_box(claim);
        Ok(())
    });
    match result {
        Ok(summary) => (summary.claims, lines),
        Err(_) => (u64::MAX, 0),
    }
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
        assert_eq!(
            run_validate(&data, &options),
            claims,
            "every claim validates clean"
        );
        let extracted = run_extract(&data, &options);
        assert_eq!(extracted.0, claims, "every claim is extracted");
        eprintln!(
            "{label}: {} bytes, {claims} claims, {} service lines",
            data.len(),
            extracted.1
        );
        group.throughput(Throughput::Bytes(data.len() as u64));
        group.bench_with_input(BenchmarkId::new("validate", &label), &data, |b, d| {
            b.iter(|| assert_eq!(run_validate(black_box(d), &options), claims))
        });
        group.bench_with_input(BenchmarkId::new("extract", &label), &data, |b, d| {
            b.iter(|| assert_eq!(run_extract(black_box(d), &options), extracted))
        });
        inputs.push((mb, data.len(), claims));
    }
    group.finish();
    inputs
}

fn main() {
    let since = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    let inputs = bench(&mut criterion);
    criterion.final_summary();
    println!("\nthroughput (mean), same run:");
    for (mb, bytes, claims) in inputs {
        let label = format!("{mb}MB");
        let (Some(check), Some(extract)) = (
            mean_ns(GROUP, "validate", &label, since),
            mean_ns(GROUP, "extract", &label, since),
        ) else {
            continue;
        };
        let mbps = |ns: f64| bytes as f64 / ns * 1e3;
        let per_second = |ns: f64| claims as f64 / ns * 1e9;
        println!(
            "  {label:>6} validate {:>7.1} MB/s, {:>9.0} claims/s | extract {:>7.1} MB/s, {:>9.0} claims/s | extract/validate speed {:.3}",
            mbps(check),
            per_second(check),
            mbps(extract),
            per_second(extract),
            check / extract
        );
    }
}
