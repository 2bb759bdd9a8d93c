//! Claim writing throughput: N claims (from the 837P fixture, with ids, subscribers and
//! patients varied so the HL grouping changes as in a real file) written as one interchange,
//! against two baselines on the same claims in the same run:
//!
//! - `serde_json`: the same claims serialized as NDJSON (what `x12pipe claims` would print),
//!   the cost of walking and formatting the same model without any X12 rules;
//! - `memcpy`: copying the interchange's bytes, the floor for producing that much output.
//!
//! Each closure checks its count against a value computed before timing. The report gives
//! claims/s, MB/s of X12 written and the ratios to the baselines.
//!
//! Run: `cargo bench --bench write` (`X12PIPE_BENCH_CLAIMS=2000` for a quick run).

use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, SystemTime};

// Only the estimate reader is used here; the generated inputs serve the other benches.
#[allow(dead_code)]
mod common;

use common::mean_ns;
use criterion::{BenchmarkId, Criterion, Throughput};
use x12pipe::claim::Claim;
use x12pipe::claim::write::{ClaimWriter, WriteOptions};
use x12pipe::validate::{Observer, ValidateOptions, validate};

const GROUP: &str = "write";

/// Claim counts: `X12PIPE_BENCH_CLAIMS` (comma separated) or 2,000 and 20,000.
fn counts() -> Vec<usize> {
    std::env::var("X12PIPE_BENCH_CLAIMS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![2_000, 20_000])
}

/// `n` claims: the fixture's three in turn, each with its own claim id; every third claim
/// gets a new subscriber (so 2000B loops open and close) and every 50th a new billing
/// provider name (a new 2000A).
fn claims(n: usize) -> Vec<Claim> {
    let fixture: Vec<Claim> =
        serde_json::from_str(include_str!("../tests/claims/837p.json")).expect("fixture");
    (0..n)
        .map(|i| {
            let mut claim = fixture[i % fixture.len()].clone();
            claim.id = compact_str::format_compact!("PCN{i:09}");
            claim.subscriber.member.id = Some(compact_str::format_compact!("MBR{:08}", i / 3));
            claim.billing_provider.name = compact_str::format_compact!("PRACTICE {}", i / 50);
            claim
        })
        .collect()
}

fn options() -> WriteOptions {
    let mut options = WriteOptions::new(x12pipe::claim::ClaimType::Professional);
    options.control_number = Some(1);
    options.date = time::Date::from_calendar_date(2025, time::Month::March, 28).ok();
    options.time = Some((9, 30));
    options
}

/// Writes the claims into `out` (cleared first); returns the claims written.
fn write_x12(claims: &[Claim], out: &mut Vec<u8>) -> u64 {
    out.clear();
    let mut writer = ClaimWriter::new(&mut *out, options());
    for claim in claims {
        if writer.write(claim).is_err() {
            return 0;
        }
    }
    writer.finish().map_or(0, |s| s.claims)
}

/// Serializes the claims as NDJSON into `out` (cleared first); returns the lines written.
fn write_json(claims: &[Claim], out: &mut Vec<u8>) -> u64 {
    out.clear();
    let mut lines = 0;
    for claim in claims {
        if serde_json::to_writer(&mut *out, claim).is_err() || out.write_all(b"\n").is_err() {
            return 0;
        }
        lines += 1;
    }
    lines
}

struct Quiet;
impl Observer for Quiet {}

fn bench(c: &mut Criterion) -> Vec<(usize, usize)> {
    let mut inputs = Vec::new();
    let mut group = c.benchmark_group(GROUP);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    for n in counts() {
        let claims = claims(n);
        let mut x12 = Vec::new();
        assert_eq!(write_x12(&claims, &mut x12), n as u64);
        let mut validate_options = ValidateOptions::new();
        validate_options.today =
            time::Date::from_calendar_date(2026, time::Month::November, 23).expect("date");
        let summary = validate(&x12[..], &validate_options, &mut Quiet).expect("validates");
        assert_eq!(
            (summary.claims, summary.errors),
            (n as u64, 0),
            "the written claims validate clean"
        );
        let label = format!("{n}claims");
        eprintln!(
            "{label}: {} bytes of X12, {} transaction sets",
            x12.len(),
            summary.transaction_sets
        );
        group.throughput(Throughput::Elements(n as u64));
        let mut out = Vec::with_capacity(x12.len());
        group.bench_with_input(BenchmarkId::new("write", &label), &claims, |b, claims| {
            b.iter(|| assert_eq!(write_x12(black_box(claims), &mut out), n as u64))
        });
        let mut json = Vec::new();
        group.bench_with_input(
            BenchmarkId::new("serde_json", &label),
            &claims,
            |b, claims| b.iter(|| assert_eq!(write_json(black_box(claims), &mut json), n as u64)),
        );
        let mut copy = Vec::with_capacity(x12.len());
        group.bench_with_input(BenchmarkId::new("memcpy", &label), &x12, |b, x12| {
            b.iter(|| {
                copy.clear();
                copy.extend_from_slice(black_box(x12));
                assert_eq!(copy.len(), x12.len());
            })
        });
        inputs.push((n, x12.len()));
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
    for (n, bytes) in inputs {
        let label = format!("{n}claims");
        let (Some(write), Some(json), Some(copy)) = (
            mean_ns(GROUP, "write", &label, since),
            mean_ns(GROUP, "serde_json", &label, since),
            mean_ns(GROUP, "memcpy", &label, since),
        ) else {
            continue;
        };
        let mbps = |ns: f64| bytes as f64 / ns * 1e3;
        let per_second = |ns: f64| n as f64 / ns * 1e9;
        println!(
            "  {label:>13} write {:>9.0} claims/s, {:>7.1} MB/s | serde_json {:>9.0} claims/s | memcpy {:>8.1} MB/s | write/serde_json {:.2} | write/memcpy {:.4}",
            per_second(write),
            mbps(write),
            per_second(json),
            mbps(copy),
            json / write,
            copy / write
        );
    }
}
