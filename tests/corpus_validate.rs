//! Every file of tests/corpus is validated and must give its expected verdict, with the
//! error codes that explain it. Where pyx12 4.0.0 (tests/corpus/README.md) disagrees, the
//! comment says why.

use std::collections::BTreeSet;

use x12pipe::ack::{Ack999Writer, AckOptions};
use x12pipe::finding::{Finding, Severity};
use x12pipe::validate::{EachFinding, ValidateOptions, validate};

/// (file, error codes expected; empty = the file passes).
const EXPECTED: &[(&str, &[&str])] = &[
    // The file ends after SE: GE and IEA are missing (pyx12: no map for 271).
    (
        "node-x12--271.edi",
        &["group-incomplete", "interchange-incomplete"],
    ),
    // 4010 retail files: envelopes and syntax are correct; x12pipe has no guide for them
    // and applies the HIPAA ISA code lists to 5010 only (pyx12 fails them on ISA values).
    ("node-x12--850.edi", &[]),
    ("node-x12--850_2.edi", &[]),
    ("node-x12--850_3.edi", &[]),
    ("node-x12--850_fat.edi", &[]),
    ("node-x12--855.edi", &[]),
    ("node-x12--856.edi", &[]),
    // ST03 005010X230 differs from GS08 005010.
    (
        "staedi--x12_empty997.edi",
        &["implementation-reference-invalid"],
    ),
    // No 997 guide: envelopes and syntax only (the AK1/AK4 values staedi finds wrong need one).
    ("staedi--x12_extraDelimiter997.edi", &[]),
    ("staedi--x12_invalid997.edi", &[]),
    (
        "staedi--x12_invalid997_min.edi",
        &["group-control-mismatch", "group-header-invalid"],
    ),
    // Against the 999 guide: misplaced IK5, long AK101, extra AK204, IK501 Q, bad CTX.
    (
        "staedi--x12_invalid999.edi",
        &[
            "element-invalid-character",
            "element-invalid-code",
            "element-not-used",
            "element-too-long",
            "element-too-many",
            "segment-repeat-exceeded",
            "segment-unexpected",
            "transaction-segment-count",
        ],
    ),
    ("staedi--x12_invoice810_po850_dual.edi", &[]),
    // The terminator is the first byte of UTF-8 '…' (pyx12 crashes).
    (
        "staedi--x12_issue109_ts214_ellipses_segterm.edi",
        &["segment-terminator-invalid"],
    ),
    // Wrapped at 80 columns: ISA10 holds a line break, then a segment id is cut.
    (
        "staedi--x12_issue128_ts210_80char.edi",
        &["interchange-unreadable", "isa-invalid"],
    ),
    // BHT01 "DATA", a REF the 837P header does not have, no 1000A/1000B/2000A.
    (
        "staedi--x12_issue229_837-header-ref-only.edi",
        &[
            "element-invalid-code",
            "segment-missing",
            "segment-unexpected",
        ],
    ),
    ("staedi--x12_issue590_multi-tx-transaction-type.edi", &[]),
    (
        "staedi--x12_nonnumeric_BIN01.edi",
        &["interchange-unreadable"],
    ),
    ("staedi--x12_optionalInterchangeServices.edi", &[]),
    (
        "staedi--x12_sample275_with_HL7_invalid_BIN01.edi",
        &["interchange-unreadable"],
    ),
    ("staedi--x12_sample275_with_HL7_valid_BIN01.edi", &[]),
    // ISA01 01 is not a HIPAA authorization qualifier (5010 lists 00 and 03).
    ("staedi--x12_sample837-HL-nested.edi", &["isa-invalid"]),
    // 837P (X222 base version) with codes, an NPI and an ICD-9 qualifier that fail.
    (
        "staedi--x12_sample837-original.edi",
        &[
            "element-invalid-code",
            "npi-invalid",
            "principal-diagnosis-invalid",
        ],
    ),
    // Header-only sets: required loops missing, HL04 says children that never come.
    (
        "staedi--x12_sample837-small.edi",
        &[
            "element-invalid-code",
            "hierarchy-invalid",
            "segment-missing",
        ],
    ),
    ("staedi--x12_simple810.edi", &[]),
    ("staedi--x12_simple997-multiple-interchanges.edi", &[]),
    ("staedi--x12_simple997.edi", &[]),
    // CTX01-2 is not used in a situational-trigger CTX of the 999 guide (pyx12 fails it too).
    ("staedi--x12_simple999.edi", &["element-not-used"]),
    ("staedi--x12_simple_with_binary_segment.edi", &[]),
    ("pyx12--834_deident_family.txt", &[]),
    ("pyx12--834_deident_new_enroll.txt", &[]),
    ("pyx12--834_deident_term.txt", &[]),
    ("pyx12--834_ls_le_ls.txt", &[]),
    ("pyx12--834_ls_le_ls_5010.999.txt", &[]),
    ("pyx12--834_lui_id_5010.999.txt", &[]),
    ("pyx12--835_mult_loops.txt", &[]),
    // pyx12 fails this 834 on guide rules; x12pipe has no 834 guide.
    ("pyx12--example834_5010.txt", &[]),
    ("pyx12--multiple_st_loops.txt", &[]),
    // A TA1-only interchange whose IEA01 says 1 group.
    (
        "staedi--wiki_x12_interchange_ack.txt",
        &["interchange-group-count"],
    ),
];

#[test]
fn every_corpus_file_gets_its_expected_verdict() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/corpus")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name != "README.md")
        .collect();
    files.sort();
    let expected: Vec<&str> = {
        let mut names: Vec<&str> = EXPECTED.iter().map(|(f, _)| *f).collect();
        names.sort();
        names
    };
    assert_eq!(files, expected, "every corpus file has an expected verdict");
    let mut options = ValidateOptions::new();
    options.today = time::Date::from_calendar_date(2026, time::Month::November, 23).expect("date");
    let mut failures = Vec::new();
    for (file, codes) in EXPECTED {
        let bytes = std::fs::read(format!("{dir}/{file}")).expect("read");
        let mut errors = BTreeSet::new();
        let mut observer = EachFinding(|f: &Finding| {
            if f.severity == Severity::Error {
                errors.insert(f.code.id());
            }
        });
        validate(bytes.as_slice(), &options, &mut observer).expect("in memory");
        let got: Vec<&str> = errors.into_iter().collect();
        if got != *codes {
            failures.push(format!("{file}: expected {codes:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The error findings of validating `ack`, a 999 we wrote, against the 999 guide.
fn errors_of_999(ack: &[u8], options: &ValidateOptions) -> Vec<String> {
    let mut errors = Vec::new();
    let mut observer = EachFinding(|f: &Finding| {
        if f.severity == Severity::Error {
            errors.push(format!("{}: {}", f.code.id(), f.message));
        }
    });
    validate(ack, options, &mut observer).expect("in memory");
    errors
}

#[test]
fn every_999_written_for_the_corpus_validates_and_groups_it_cannot_answer_are_named() {
    // The corpus holds 997s, 999s and retail (850, 856, 810) groups, which the HIPAA 999
    // cannot name: they are left out and named, and what is written validates.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let day = time::Date::from_calendar_date(2026, time::Month::November, 23).expect("date");
    let mut options = ValidateOptions::new();
    options.today = day;
    let ack_options = AckOptions {
        date: day,
        time: (12, 0),
        control_number: Some(1),
        usage: None,
    };
    let mut failures = Vec::new();
    let mut left_out = Vec::new();
    for (file, _) in EXPECTED {
        let bytes = std::fs::read(format!("{dir}/{file}")).expect("read");
        let mut out = Vec::new();
        let mut writer = Ack999Writer::new(&mut out, ack_options);
        validate(bytes.as_slice(), &options, &mut writer).expect("in memory");
        left_out.extend(
            writer
                .not_acknowledged()
                .iter()
                .map(|n| format!("{file}: {}", n.reason)),
        );
        drop(writer);
        if out.is_empty() {
            // Nothing answered (the TA1 rejects it, or nothing in it can be named).
            continue;
        }
        let errors = errors_of_999(&out, &options);
        if !errors.is_empty() {
            failures.push(format!(
                "{file}: {errors:?}\n{}",
                String::from_utf8_lossy(&out)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        left_out
            .iter()
            .any(|l| l.starts_with("staedi--x12_simple997.edi: GS01 FA:")),
        "{left_out:#?}"
    );
    assert!(
        left_out
            .iter()
            .any(|l| l.starts_with("node-x12--850.edi: GS01 PO:")),
        "{left_out:#?}"
    );
}
