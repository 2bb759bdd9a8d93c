//! The corpus walk: real X12 files written by other projects (`tests/corpus/`, sources and
//! licences in its README) are read by every reader, whole and in chunks, and must give the
//! outcome this file expects for each of them.
//!
//! For each file: the in-memory `SliceReader` gives the reference JSON; the streaming `Reader`
//! (16-byte and default initial buffers) over the whole input and over chunks of several
//! sizes must give the same bytes; `Document::parse` must agree; no reader may panic. The
//! outcome (fatal error kind, problem kinds and severities) must match [`EXPECTED`], and no
//! message may quote element data from the file.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use serde_json::Value;
use x12pipe::envelope::ParseOptions;

use common::{Chunked, check_document, json_from_reader, json_from_slice};

/// What a corpus file must give.
struct Expected {
    /// The fatal error's kind, when reading must stop.
    fatal: Option<&'static str>,
    /// Kinds of the problems of severity `error`, sorted.
    errors: &'static [&'static str],
    /// Kinds of the problems of severity `warning`, sorted.
    warnings: &'static [&'static str],
}

const OK: Expected = Expected {
    fatal: None,
    errors: &[],
    warnings: &[],
};

/// Every file of the corpus and what reading it must give, with the reason.
const EXPECTED: &[(&str, Expected)] = &[
    // The file ends right after SE: the group and the interchange are never closed.
    (
        "node-x12--271.edi",
        Expected {
            fatal: None,
            errors: &["missing_trailer", "missing_trailer"],
            warnings: &[],
        },
    ),
    ("node-x12--850.edi", OK),
    ("node-x12--850_2.edi", OK),
    ("node-x12--850_3.edi", OK),
    // Two interchanges back to back.
    ("node-x12--850_fat.edi", OK),
    ("node-x12--855.edi", OK),
    ("node-x12--856.edi", OK),
    ("pyx12--834_deident_family.txt", OK),
    ("pyx12--834_deident_new_enroll.txt", OK),
    ("pyx12--834_deident_term.txt", OK),
    ("pyx12--834_ls_le_ls.txt", OK),
    ("pyx12--834_ls_le_ls_5010.999.txt", OK),
    // Two groups, four 999s.
    ("pyx12--834_lui_id_5010.999.txt", OK),
    ("pyx12--835_mult_loops.txt", OK),
    ("pyx12--example834_5010.txt", OK),
    // ISA11 is 'U' although ISA12 is 00501: no repetition separator, said as a warning.
    (
        "pyx12--multiple_st_loops.txt",
        Expected {
            fatal: None,
            errors: &[],
            warnings: &["no_repetition_separator"],
        },
    ),
    // A TA1-only interchange whose IEA01 says 1 group; it has none (IEA01 must be 0).
    (
        "staedi--wiki_x12_interchange_ack.txt",
        Expected {
            fatal: None,
            errors: &["count_mismatch"],
            warnings: &[],
        },
    ),
    // A 997 with no acknowledged sets: envelopes are fine.
    ("staedi--x12_empty997.edi", OK),
    // Repetitions and composites inside AK3/AK4: envelopes are fine.
    ("staedi--x12_extraDelimiter997.edi", OK),
    // Invalid 997 content (codes, numbers), but the envelopes are fine.
    ("staedi--x12_invalid997.edi", OK),
    // GE02 "<TOO_LONG_AND_NOT_NUMERIC>" does not match GS06 000005.
    (
        "staedi--x12_invalid997_min.edi",
        Expected {
            fatal: None,
            errors: &["control_number_mismatch"],
            warnings: &[],
        },
    ),
    // SE01 says 16 segments; the set has 18 (ST and SE included).
    (
        "staedi--x12_invalid999.edi",
        Expected {
            fatal: None,
            errors: &["count_mismatch"],
            warnings: &[],
        },
    ),
    // Two groups (810 and 850) in one interchange.
    ("staedi--x12_invoice810_po850_dual.edi", OK),
    // The segment terminator is the first byte (0xE2) of the UTF-8 '…': not a delimiter.
    (
        "staedi--x12_issue109_ts214_ellipses_segterm.edi",
        Expected {
            fatal: Some("invalid_delimiter"),
            errors: &[],
            warnings: &[],
        },
    ),
    // Wrapped at 80 columns: ISA10 holds a line break (wrong width, delimiters still found),
    // then "N4\n*WILKESBORO" does not start with a segment id.
    (
        "staedi--x12_issue128_ts210_80char.edi",
        Expected {
            fatal: Some("invalid_segment_id"),
            errors: &["isa_width"],
            warnings: &[],
        },
    ),
    ("staedi--x12_issue229_837-header-ref-only.edi", OK),
    ("staedi--x12_issue590_multi-tx-transaction-type.edi", OK),
    // BIN01 is "11a": the binary data cannot be delimited.
    (
        "staedi--x12_nonnumeric_BIN01.edi",
        Expected {
            fatal: Some("binary_length_invalid"),
            errors: &[],
            warnings: &[],
        },
    ),
    // ISB and ISE between ISA and GS (4010).
    ("staedi--x12_optionalInterchangeServices.edi", OK),
    // BIN01 says 1839 bytes; the terminator does not follow them.
    (
        "staedi--x12_sample275_with_HL7_invalid_BIN01.edi",
        Expected {
            fatal: Some("binary_length_mismatch"),
            errors: &[],
            warnings: &[],
        },
    ),
    // The same file with the right length (2768): an HL7 document with line breaks and '~'.
    ("staedi--x12_sample275_with_HL7_valid_BIN01.edi", OK),
    ("staedi--x12_sample837-HL-nested.edi", OK),
    ("staedi--x12_sample837-original.edi", OK),
    ("staedi--x12_sample837-small.edi", OK),
    ("staedi--x12_simple810.edi", OK),
    // Three interchanges.
    ("staedi--x12_simple997-multiple-interchanges.edi", OK),
    ("staedi--x12_simple997.edi", OK),
    ("staedi--x12_simple999.edi", OK),
    // Three BIN segments, two with line breaks in their data.
    ("staedi--x12_simple_with_binary_segment.edi", OK),
];

/// Chunk sizes the streaming reader is fed with, besides the whole input.
const CHUNK_SIZES: &[usize] = &[1, 2, 3, 5, 7, 16, 64, 105, 106, 107, 1000];

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("corpus")
}

/// The corpus files, sorted, README excluded.
fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(corpus_dir())
        .expect("tests/corpus exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

/// Reads `input` through every reader; `Err` says which disagreed. Panics propagate.
fn read_everywhere(name: &str, input: &[u8]) -> Result<Value, String> {
    let options = ParseOptions::strict();
    let reference = json_from_slice(input, options, name);
    let mut sources: Vec<(String, Vec<u8>)> = vec![
        (
            "whole, default buffer".to_string(),
            json_from_reader(input, options, name, 1 << 20),
        ),
        (
            "whole, 16-byte buffer".to_string(),
            json_from_reader(input, options, name, 16),
        ),
    ];
    for &size in CHUNK_SIZES {
        sources.push((
            format!("chunks of {size}, 16-byte buffer"),
            json_from_reader(Chunked::every(input, size), options, name, 16),
        ));
    }
    for (how, json) in sources {
        if json != reference {
            return Err(format!(
                "{name}: the streaming reader ({how}) differs from the in-memory reader"
            ));
        }
    }
    let value: Value = serde_json::from_slice(&reference).map_err(|e| e.to_string())?;
    check_document(input, options, &value).map_err(|e| format!("{name}: Document: {e}"))?;
    Ok(value)
}

/// The items of a JSON array; none for anything else.
fn items(value: &Value) -> &[Value] {
    value.as_array().map_or(&[], Vec::as_slice)
}

/// Every problem object in the document (open envelopes included).
fn problems(document: &Value) -> Vec<&Value> {
    let mut found = Vec::new();
    for interchange in items(&document["interchanges"]) {
        found.extend(items(&interchange["problems"]));
        for group in items(&interchange["groups"]) {
            found.extend(items(&group["problems"]));
            for set in items(&group["transactions"]) {
                found.extend(items(&set["problems"]));
            }
        }
    }
    found
}

fn kinds_of(problems: &[&Value], severity: &str) -> Vec<String> {
    let mut kinds: Vec<String> = problems
        .iter()
        .filter(|p| p["severity"] == severity)
        .map(|p| p["kind"].as_str().unwrap_or("?").to_string())
        .collect();
    kinds.sort();
    kinds
}

/// Segment ids whose elements are envelope control data that messages may quote (control
/// numbers and counts); every other element is data that must never reach a message.
const ENVELOPE_IDS: &[&str] = &["ISA", "IEA", "GS", "GE", "ST", "SE"];

/// Text values of the file's data elements worth looking for in messages: at least 4
/// characters and not only digits (short codes and numbers would match by chance).
fn data_values(document: &Value) -> BTreeSet<String> {
    fn strings(value: &Value, out: &mut BTreeSet<String>) {
        match value {
            Value::String(s) => {
                let s = s.trim();
                if s.chars().count() >= 4 && !s.chars().all(|c| c.is_ascii_digit()) {
                    out.insert(s.to_string());
                }
            }
            Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            Value::Object(map) => map.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    fn segment(seg: &Value, out: &mut BTreeSet<String>) {
        let id = seg["id"].as_str().unwrap_or("");
        if !ENVELOPE_IDS.contains(&id) {
            strings(&seg["elements"], out);
        }
    }
    let mut out = BTreeSet::new();
    for interchange in items(&document["interchanges"]) {
        for seg in items(&interchange["segments"]) {
            segment(seg, &mut out);
        }
        // Sender and receiver names are not control data either.
        for n in [5, 7] {
            strings(&interchange["isa"]["elements"][n], &mut out);
        }
        for group in items(&interchange["groups"]) {
            for n in [1, 2] {
                strings(&group["gs"]["elements"][n], &mut out);
            }
            for set in items(&group["transactions"]) {
                for seg in items(&set["segments"]) {
                    segment(seg, &mut out);
                }
            }
        }
    }
    out
}

/// Checks one file; `Err` says what is wrong.
fn check_file(path: &Path, expected: &Expected) -> Result<(), String> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("file name is not UTF-8")?;
    let input = fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    let document = catch_unwind(AssertUnwindSafe(|| read_everywhere(name, &input)))
        .map_err(|_| format!("{name}: a reader panicked"))??;

    let fatal = document["error"]["kind"].as_str();
    if fatal != expected.fatal {
        return Err(format!(
            "{name}: fatal error {fatal:?}, expected {:?} ({})",
            expected.fatal, document["error"]["message"]
        ));
    }
    let problems = problems(&document);
    let errors = kinds_of(&problems, "error");
    let warnings = kinds_of(&problems, "warning");
    if errors != expected.errors || warnings != expected.warnings {
        return Err(format!(
            "{name}: problems {errors:?} (errors) {warnings:?} (warnings), expected {:?} {:?}",
            expected.errors, expected.warnings
        ));
    }

    let values = data_values(&document);
    let messages = problems
        .iter()
        .map(|p| &p["message"])
        .chain(std::iter::once(&document["error"]["message"]))
        .filter_map(Value::as_str);
    for message in messages {
        if let Some(value) = values.iter().find(|v| message.contains(v.as_str())) {
            return Err(format!(
                "{name}: a message quotes element data {value:?}: {message}"
            ));
        }
    }
    Ok(())
}

#[test]
fn every_corpus_file_gives_its_expected_outcome_through_every_reader() {
    let files = corpus_files();
    let names: Vec<&str> = files
        .iter()
        .filter_map(|p| p.file_name().and_then(|n| n.to_str()))
        .collect();
    let listed: Vec<&str> = EXPECTED.iter().map(|(name, _)| *name).collect();
    let unlisted: Vec<&&str> = names.iter().filter(|n| !listed.contains(n)).collect();
    let missing: Vec<&&str> = listed.iter().filter(|n| !names.contains(n)).collect();
    assert!(
        unlisted.is_empty() && missing.is_empty(),
        "the table and tests/corpus disagree: files without an expected outcome {unlisted:?}, \
         expected outcomes without a file {missing:?}"
    );
    let failures: Vec<String> = EXPECTED
        .iter()
        .filter_map(|(name, expected)| check_file(&corpus_dir().join(name), expected).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} corpus files failed:\n{}",
        failures.len(),
        EXPECTED.len(),
        failures.join("\n")
    );
}

#[test]
fn the_data_value_check_would_catch_a_quoted_value() {
    // The privacy check above must be able to fail: a message quoting a name from the data
    // is found.
    let document: Value = serde_json::json!({
        "interchanges": [{
            "isa": {"elements": []}, "segments": [],
            "groups": [{"gs": {"elements": []}, "transactions": [{"segments": [
                {"id": "NM1", "elements": ["IL", "1", "DOE", ["JANE", "Q"], "W123456789"]},
                {"id": "SE", "elements": ["3", "0001"]}
            ]}]}]
        }]
    });
    let values = data_values(&document);
    assert!(values.contains("JANE"));
    assert!(values.contains("W123456789"));
    assert!(!values.contains("0001"), "control numbers may be quoted");
    assert!(
        !values.contains("DOE"),
        "shorter than 4 characters: matches by chance"
    );
}
