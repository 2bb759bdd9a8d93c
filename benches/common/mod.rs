//! What the benchmarks share: the generated input, the sizes to run, and reading criterion's
//! estimates back to print ratios measured in the same run.

use std::path::PathBuf;
use std::time::SystemTime;

use x12pipe::synth::{ClaimKind, GenOptions, write_interchange};

/// The seed every benchmark input is generated from.
pub const SEED: u64 = 20261123;

/// An 837P of about `megabytes` MB (decimal) and its claim count.
pub fn generate(megabytes: u64) -> (Vec<u8>, u64) {
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

/// Input sizes in MB: `X12PIPE_BENCH_SIZES` (comma separated) or 10 and 100.
pub fn sizes() -> Vec<u64> {
    std::env::var("X12PIPE_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|v: &Vec<u64>| !v.is_empty())
        .unwrap_or_else(|| vec![10, 100])
}

/// Mean time in nanoseconds of one benchmark from criterion's estimates file, if that file
/// was written by this run (`since`); older files from earlier or filtered runs are ignored.
pub fn mean_ns(group: &str, function: &str, label: &str, since: SystemTime) -> Option<f64> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    let path = target
        .join("criterion")
        .join(group)
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
