//! Golden grammar tests: every `grammar-tests/NAME.x12` is read through every path and must
//! give the JSON document in `grammar-tests/NAME.json`.
//!
//! Paths: the in-memory `SliceReader`; the streaming `Reader` with a 16-byte initial
//! buffer over the input cut in two at every byte and over 1-byte reads; and
//! `Document::parse`, which must agree on the tree's counts, problems and error. Cases
//! named `lenient-*` are read with [`ParseOptions::lenient`].
//!
//! `X12PIPE_BLESS=1 cargo test --test grammar` rewrites the expected files from the
//! in-memory reader (the other paths must still agree). Read every blessed file: a blessed
//! wrong answer is a defect.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use x12pipe::envelope::ParseOptions;

use common::{
    Chunked, check_document, first_difference, json_from_reader, json_from_slice, pretty_json,
};

/// The fewest cases the suite may hold; fewer means files went missing.
const MIN_CASES: usize = 60;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar-tests")
}

/// The `.x12` inputs, sorted by name.
fn case_inputs() -> Vec<PathBuf> {
    let mut inputs: Vec<PathBuf> = fs::read_dir(cases_dir())
        .expect("grammar-tests/ exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "x12"))
        .collect();
    inputs.sort();
    inputs
}

fn options_for(name: &str) -> ParseOptions {
    if name.starts_with("lenient-") {
        ParseOptions::lenient()
    } else {
        ParseOptions::strict()
    }
}

/// Runs one case through every path; `Err` says what differs.
fn run_case(input_path: &Path, bless: bool) -> Result<(), String> {
    let name = input_path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("file name is not UTF-8")?;
    let stem = name.trim_end_matches(".x12");
    let options = options_for(stem);
    let input = fs::read(input_path).map_err(|e| format!("{name}: {e}"))?;

    // (a) In memory, zero copy: the reference for every other path.
    let reference = json_from_slice(&input, options, name);
    let actual: Value = serde_json::from_slice(&reference)
        .map_err(|e| format!("{name}: the writer produced invalid JSON: {e}"))?;

    // (b) Streaming with a tiny buffer, the input cut in two at every byte, then 1-byte reads.
    for cut in 0..=input.len() {
        let streamed = json_from_reader(Chunked::at(&input, &[cut]), options, name, 16);
        if streamed != reference {
            return Err(format!(
                "{name}: the streaming reader with the input cut at byte {cut} differs from the \
                 in-memory reader: {}",
                differs(&reference, &streamed)
            ));
        }
    }
    let streamed = json_from_reader(Chunked::every(&input, 1), options, name, 16);
    if streamed != reference {
        return Err(format!(
            "{name}: the streaming reader with 1-byte reads differs from the in-memory reader: {}",
            differs(&reference, &streamed)
        ));
    }

    // (c) The in-memory tree agrees with the events.
    check_document(&input, options, &actual).map_err(|e| format!("{name}: Document: {e}"))?;

    let expected_path = input_path.with_extension("json");
    if bless {
        let pretty = pretty_json(&reference);
        let reparsed: Value = serde_json::from_str(&pretty).map_err(|e| e.to_string())?;
        if reparsed != actual {
            return Err(format!("{name}: the pretty printer changed the document"));
        }
        fs::write(&expected_path, pretty).map_err(|e| format!("{name}: {e}"))?;
        return Ok(());
    }
    let expected_text = fs::read(&expected_path).map_err(|_| {
        format!(
            "{name}: expected file {} is missing (bless with X12PIPE_BLESS=1, then read it)",
            expected_path.display()
        )
    })?;
    let expected: Value = serde_json::from_slice(&expected_text)
        .map_err(|e| format!("{}: invalid JSON: {e}", expected_path.display()))?;
    match first_difference(&expected, &actual, "$") {
        None => Ok(()),
        Some(difference) => Err(format!(
            "{name}: output differs from the expected file at {difference}"
        )),
    }
}

/// Where two JSON outputs differ, for failure messages.
fn differs(reference: &[u8], other: &[u8]) -> String {
    match (
        serde_json::from_slice::<Value>(reference),
        serde_json::from_slice::<Value>(other),
    ) {
        (Ok(a), Ok(b)) => first_difference(&a, &b, "$")
            .unwrap_or_else(|| "same values, different bytes".to_string()),
        (_, Err(e)) => format!("invalid JSON: {e}"),
        (Err(e), _) => format!("reference is invalid JSON: {e}"),
    }
}

#[test]
fn every_golden_case_gives_its_expected_json_through_every_reader() {
    let bless = std::env::var_os("X12PIPE_BLESS").is_some_and(|v| v != "0");
    let inputs = case_inputs();
    assert!(
        inputs.len() >= MIN_CASES,
        "only {} golden cases in grammar-tests/, expected at least {MIN_CASES}",
        inputs.len()
    );
    // Each case walks every split of its input: spread the cases over the cores.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_worker = inputs.len().div_ceil(workers);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .chunks(per_worker)
            .map(|cases| {
                scope.spawn(move || {
                    cases
                        .iter()
                        .filter_map(|input| run_case(input, bless).err())
                        .collect::<Vec<String>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a golden case panicked"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} golden cases failed:\n{}",
        failures.len(),
        inputs.len(),
        failures.join("\n")
    );
}

#[test]
fn every_expected_file_has_its_input() {
    let orphans: Vec<PathBuf> = fs::read_dir(cases_dir())
        .expect("grammar-tests/ exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .filter(|path| !path.with_extension("x12").exists())
        .collect();
    assert!(
        orphans.is_empty(),
        "expected files without an input: {orphans:?}"
    );
}

#[test]
fn the_chunked_source_really_cuts_where_asked() {
    // The golden runner relies on it: a source that ignored the cuts would test nothing.
    let data = b"0123456789";
    let mut source = Chunked::at(data, &[3, 7]);
    let mut buf = [0u8; 64];
    let sizes: Vec<usize> = std::iter::from_fn(|| {
        let n = std::io::Read::read(&mut source, &mut buf).expect("in memory");
        (n > 0).then_some(n)
    })
    .collect();
    assert_eq!(sizes, [3, 4, 3]);
    let mut ones = Chunked::every(data, 1);
    let mut total = Vec::new();
    std::io::Read::read_to_end(&mut ones, &mut total).expect("in memory");
    assert_eq!(total, data);
    assert_eq!(ones.reads, data.len());
}
