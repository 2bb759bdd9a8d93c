//! `x12pipe parse` on a large file gives the same output with a second thread reading the
//! second half ahead (`--threads 2`) as on one thread (`--threads 1`), problems included.
//! (The library's `envelope::split` tests compare the readers at every possible seam.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_x12pipe");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("x12pipe runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("x12pipe-parse-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

/// A generated 837P of about 35 MB (above the 32 MiB threshold) in sets of 300 claims.
fn generated(name: &str) -> Vec<u8> {
    let path = scratch(name);
    let p = path.to_str().expect("UTF-8 path");
    let out = run(&[
        "gen",
        "--kind",
        "837p",
        "--claims",
        "78000",
        "--seed",
        "5",
        "--claims-per-transaction",
        "300",
        "-o",
        p,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&path).expect("generated file");
    let _ = std::fs::remove_file(&path);
    bytes
}

fn both_ways(path: &Path) -> (Output, Output) {
    let p = path.to_str().expect("UTF-8 path");
    let one = run(&["parse", "--threads", "1", p]);
    let two = run(&["parse", "--threads", "2", p]);
    assert_eq!(
        String::from_utf8_lossy(&two.stdout),
        String::from_utf8_lossy(&one.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&two.stderr),
        String::from_utf8_lossy(&one.stderr)
    );
    assert_eq!(two.status.code(), one.status.code());
    (one, two)
}

#[test]
fn a_clean_large_file_reads_the_same_on_two_threads() {
    let bytes = generated("generated-clean.x12");
    assert!(
        bytes.len() as u64 > x12pipe::envelope::split::SPLIT_MIN_BYTES,
        "{} bytes",
        bytes.len()
    );
    let path = scratch("clean.x12");
    std::fs::write(&path, &bytes).expect("write");
    let (one, _) = both_ways(&path);
    assert_eq!(one.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&one.stdout);
    assert!(
        stdout
            .contains(": ok: 1 interchange, 1 group, 260 transaction sets (837 005010X222A1: 260)"),
        "{stdout}"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn problems_in_the_second_half_are_reported_the_same_on_two_threads() {
    let text = String::from_utf8(generated("generated-problems.x12")).expect("ASCII");
    // In the last quarter: an ST02 used before the middle, and a wrong SE01.
    let sts: Vec<usize> = text
        .match_indices("\nST*837*")
        .map(|(i, _)| i + 1)
        .collect();
    let first_st02 = &text[sts[0] + 7..sts[0] + 7 + text[sts[0] + 7..].find('*').expect("ST02")];
    let late = sts[sts.len() * 3 / 4];
    let late_st02_end = late + 7 + text[late + 7..].find('*').expect("ST02");
    let mut edited = format!(
        "{}{first_st02}{}",
        &text[..late + 7],
        &text[late_st02_end..]
    );
    let se = edited[late..].find("\nSE*").expect("its SE") + late + 1;
    edited.replace_range(se..se + 3, "SE*1");
    let path = scratch("problems.x12");
    std::fs::write(&path, &edited).expect("write");
    let (one, _) = both_ways(&path);
    assert_eq!(one.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&one.stderr);
    assert!(stderr.contains("ST02"), "{stderr}");
    assert!(stderr.contains("SE01"), "{stderr}");
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
    let _ = std::fs::remove_file(&path);
}
