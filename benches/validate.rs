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
use std::time::{Duration, SystemTime};

mod common;

use common::{generate, mean_ns, sizes};
use criterion::{BenchmarkId, Criterion, Throughput};
use x12pipe::envelope::{Event, Reader};
use x12pipe::validate::{Observer, ValidateOptions, validate};

const GROUP: &str = "validate";

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

fn main() {
    let since = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    let inputs = bench(&mut criterion);
    criterion.final_summary();
    println!("\nthroughput (mean), same run:");
    for (mb, bytes, claims) in inputs {
        let label = format!("{mb}MB");
        let (Some(parse), Some(check)) = (
            mean_ns(GROUP, "parse_stream", &label, since),
            mean_ns(GROUP, "validate", &label, since),
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
