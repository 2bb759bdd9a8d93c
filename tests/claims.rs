//! `x12pipe claims` as a user runs it: the samples (837P, 837I, 837D) through every format,
//! field values checked against the file's own segments, exit codes, skipped sets, and no
//! panic over every corpus file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use x12pipe::claim::extract;
use x12pipe::envelope::{Event, SliceReader};
use x12pipe::validate::ValidateOptions;

const TODAY: &str = "--today=2026-11-23";

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_x12pipe"))
        .arg("claims")
        .args(args)
        .output()
        .expect("run x12pipe")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_claims(file: &str) -> Vec<Value> {
    let path = sample(file);
    let output = run(&[TODAY, path.to_str().expect("UTF-8 path")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let value: Value = serde_json::from_str(&stdout(&output)).expect("one JSON document");
    value.as_array().expect("a JSON array").clone()
}

/// What the file itself says about each claim, read with the plain parser: CLM01, CLM02,
/// the subscriber (last NM1*IL before it) and payer (last NM1*PR outside a claim), the
/// patient (NM1*QC under the same subscriber) and the line charges.
#[derive(Debug, Default, Clone)]
struct Expected {
    id: String,
    total: String,
    subscriber: (String, String),
    payer_id: String,
    patient: Option<String>,
    charges: Vec<String>,
}

fn expected(file: &str) -> Vec<Expected> {
    let input = std::fs::read(sample(file)).expect("sample");
    let mut reader = SliceReader::new(&input);
    let mut claims: Vec<Expected> = Vec::new();
    let mut context = Expected::default();
    let mut in_claim = false;
    while let Ok(Some(event)) = reader.next_event() {
        let Event::Transaction(set) = event else {
            continue;
        };
        for segment in set.segments() {
            let text = |n: usize| String::from_utf8_lossy(segment.value(n)).into_owned();
            match segment.id() {
                b"HL" => {
                    in_claim = false;
                    if segment.value(3) == b"22" {
                        context.patient = None;
                    }
                }
                b"NM1" if !in_claim && segment.value(1) == b"IL" => {
                    context.subscriber = (text(3), text(9));
                }
                b"NM1" if !in_claim && segment.value(1) == b"PR" => context.payer_id = text(9),
                b"NM1" if !in_claim && segment.value(1) == b"QC" => context.patient = Some(text(3)),
                b"CLM" => {
                    in_claim = true;
                    claims.push(Expected {
                        id: text(1),
                        total: text(2),
                        charges: Vec::new(),
                        ..context.clone()
                    });
                }
                b"SV1" | b"SV3" => {
                    if let Some(claim) = claims.last_mut() {
                        claim.charges.push(text(2));
                    }
                }
                b"SV2" => {
                    if let Some(claim) = claims.last_mut() {
                        claim.charges.push(text(3));
                    }
                }
                _ => {}
            }
        }
    }
    claims
}

fn check_against_file(file: &str, claim_type: &str) -> Vec<Value> {
    let claims = json_claims(file);
    let want = expected(file);
    assert!(!want.is_empty(), "{file} has claims");
    assert_eq!(claims.len(), want.len(), "{file}: one record per CLM");
    for (claim, want) in claims.iter().zip(&want) {
        assert_eq!(claim["type"], claim_type);
        assert_eq!(claim["id"], want.id.as_str());
        assert_eq!(claim["total_charge"], want.total.as_str(), "{}", want.id);
        let member = &claim["subscriber"]["member"];
        assert_eq!(member["name"], want.subscriber.0.as_str(), "{}", want.id);
        assert_eq!(member["id"], want.subscriber.1.as_str(), "{}", want.id);
        assert_eq!(claim["payer"]["id"], want.payer_id.as_str(), "{}", want.id);
        match &want.patient {
            Some(name) => assert_eq!(claim["patient"]["person"]["name"], name.as_str()),
            None => assert!(claim.get("patient").is_none(), "{}", want.id),
        }
        let charges: Vec<&str> = claim["lines"]
            .as_array()
            .map(|lines| lines.iter().filter_map(|l| l["charge"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(charges, want.charges, "{}", want.id);
    }
    claims
}

#[test]
fn professional_claims_carry_the_file_values() {
    let claims = check_against_file("837p.x12", "professional");
    let first = &claims[0];
    // samples/837p.x12, segments 4-30.
    assert_eq!(first["transaction"]["reference"], "5665615750001");
    assert_eq!(first["transaction"]["date"], "2025-03-27");
    assert_eq!(
        first["submitter"]["contacts"][0]["numbers"][0]["value"],
        "5545550153"
    );
    assert_eq!(first["billing_provider"]["id"], "1515519894");
    assert_eq!(first["billing_provider"]["taxonomy"], "207Q00000X");
    assert_eq!(
        first["billing_provider"]["address"]["postal_code"],
        "503070815"
    );
    assert_eq!(
        first["billing_provider"]["references"][0]["value"],
        "810437482"
    );
    assert_eq!(first["subscriber"]["relationship"], "18");
    assert_eq!(first["subscriber"]["group_number"], "4LF66KEL7O");
    assert_eq!(first["subscriber"]["member"]["birth_date"], "1980-05-09");
    assert_eq!(
        first["subscriber"]["member"]["address"]["line1"],
        "7011 LAKE DR"
    );
    assert_eq!(first["diagnoses"][0]["code"], "E1165");
    assert_eq!(first["providers"][0]["entity"], "82");
    assert_eq!(first["providers"][0]["id"], "1308684368");
    assert_eq!(first["lines"][2]["procedure"]["code"], "87880");
    assert_eq!(first["lines"][2]["procedure"]["modifiers"][0], "QW");
    assert_eq!(first["lines"][0]["dates"][0]["value"], "2025-03-21");
    assert_eq!(
        first["lines"][0]["references"][0]["value"],
        "DEZY78TZNYSNR001"
    );
    let source = &first["source"];
    assert_eq!(source["interchange_control_number"], "566561575");
    assert_eq!(source["transaction_set_control_number"], "0001");
    assert_eq!(source["sender_id"], "X12PIPESYNTH");
    assert_eq!(source["segment_in_set"], 19);
}

#[test]
fn institutional_claims_carry_the_file_values() {
    let claims = check_against_file("837i.x12", "institutional");
    let first = &claims[0];
    assert_eq!(first["facility_code"], "13");
    assert_eq!(first["facility_qualifier"], "A");
    assert_eq!(first["dates"][0]["value"], "2025-03-03/2025-03-04");
    assert_eq!(first["institutional"]["admission_type"], "3");
    assert_eq!(first["institutional"]["patient_status"], "01");
    assert_eq!(first["lines"][0]["revenue_code"], "0456");
    assert_eq!(first["providers"][0]["entity"], "71");
    // The second claim: DTP in TM and DT formats kept as written, POA, ABJ a diagnosis.
    let second = &claims[1];
    let dates: Vec<(&str, &str)> = second["dates"]
        .as_array()
        .expect("dates")
        .iter()
        .map(|d| {
            (
                d["qualifier"].as_str().unwrap_or(""),
                d["value"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        dates,
        [
            ("096", "1332"),
            ("434", "2025-02-25/2025-03-04"),
            ("435", "202502250505")
        ]
    );
    let diagnoses: Vec<&str> = second["diagnoses"]
        .as_array()
        .expect("diagnoses")
        .iter()
        .filter_map(|d| d["qualifier"].as_str())
        .collect();
    assert_eq!(diagnoses, ["ABK", "ABJ", "ABF", "ABF", "ABF"]);
    assert_eq!(second["diagnoses"][0]["present_on_admission"], "Y");
    assert_eq!(second["lines"][0]["unit_basis"], "DA");
    assert_eq!(second["lines"][0]["units"], "7");
    assert!(second["lines"][0].get("procedure").is_none());
}

#[test]
fn dental_claims_carry_teeth_and_surfaces() {
    let claims = check_against_file("837d.x12", "dental");
    let teeth: Vec<(String, Value)> = claims
        .iter()
        .flat_map(|c| c["lines"].as_array().cloned().unwrap_or_default())
        .flat_map(|l| l["teeth"].as_array().cloned().unwrap_or_default())
        .map(|t| {
            (
                t["number"].as_str().unwrap_or("").to_string(),
                t["surfaces"].clone(),
            )
        })
        .collect();
    let input = std::fs::read_to_string(sample("837d.x12")).expect("sample");
    assert_eq!(teeth.len(), input.matches("TOO*").count());
    assert!(
        teeth.contains(&("22".to_string(), serde_json::json!(["I", "L"]))),
        "TOO*JP*22*I:L: {teeth:?}"
    );
    assert_eq!(claims[0]["lines"][0]["procedure"]["qualifier"], "AD");
    assert_eq!(claims[0]["lines"][0]["procedure"]["code"], "D0120");
}

#[test]
fn other_delimiters_and_one_line_files_give_the_same_fields() {
    check_against_file("837p-pipe-crlf.x12", "professional");
    check_against_file("837i-one-line.x12", "institutional");
    let multi = check_against_file("837p-multi.x12", "professional");
    let sets: Vec<&str> = multi
        .iter()
        .filter_map(|c| c["source"]["transaction_set_control_number"].as_str())
        .collect();
    assert_eq!(sets.len(), 12);
    assert_eq!(
        sets.iter().collect::<std::collections::BTreeSet<_>>().len(),
        3
    );
}

#[test]
fn ndjson_is_the_json_array_one_claim_per_line() {
    let path = sample("837p-multi.x12");
    let path = path.to_str().expect("UTF-8");
    let array: Value = serde_json::from_str(&stdout(&run(&[TODAY, path]))).expect("JSON array");
    let output = run(&[TODAY, "--format", "ndjson", path]);
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON claim per line"))
        .collect();
    assert_eq!(Value::Array(lines), array);
}

#[test]
fn csv_has_the_documented_header_and_one_row_per_line() {
    let path = sample("837i.x12");
    let path_text = path.to_str().expect("UTF-8");
    let claims = json_claims("837i.x12");
    let output = run(&[TODAY, "--format", "csv", path_text]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    for column in &header {
        assert!(
            readme.contains(&format!("`{column}`")),
            "CSV column {column} is documented in the README"
        );
    }
    assert_eq!(header[0], "file");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let lines: usize = claims
        .iter()
        .map(|c| c["lines"].as_array().map_or(1, |l| l.len().max(1)))
        .sum();
    assert_eq!(rows.len(), lines);
    let column = |name: &str| header.iter().position(|h| h == name).expect("column");
    let first = &rows[0];
    assert_eq!(&first[column("claim_id")], "DLHVZZ63QWQFR");
    assert_eq!(&first[column("revenue_code")], "0456");
    assert_eq!(&first[column("procedure_code")], "99213");
    assert_eq!(&first[column("service_date")], "2025-03-04");
    assert_eq!(&first[column("diagnoses")], "J069 E669");
    assert_eq!(&first[column("status")], "accepted");
    assert_eq!(&first[column("file")], path_text);
    // Every row of a claim repeats its id and total.
    let ids: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| &r[column("claim_id")]).collect();
    assert_eq!(ids.len(), claims.len());
}

#[test]
fn several_files_and_stdin_make_one_array_and_output_goes_to_the_file() {
    let p = sample("837p.x12");
    let d = sample("837d.x12");
    let dir = std::env::temp_dir().join(format!("x12pipe-claims-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("claims.json");
    let output = Command::new(env!("CARGO_BIN_EXE_x12pipe"))
        .args(["claims", TODAY, "-o"])
        .arg(&out)
        .arg(&p)
        .arg("-")
        .stdin(std::fs::File::open(&d).expect("sample"))
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(output.stdout.is_empty(), "claims go to the -o file only");
    let value: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("output file")).expect("JSON");
    let types: Vec<&str> = value
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|c| c["type"].as_str())
        .collect();
    assert_eq!(types.len(), 18);
    assert_eq!(types.iter().filter(|t| **t == "dental").count(), 8);
    assert!(
        stderr(&output).contains("-: 8 claims written"),
        "{}",
        stderr(&output)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn claims_with_business_errors_are_written_and_the_exit_code_says_so() {
    let path = sample("invalid-npi.x12");
    let path = path.to_str().expect("UTF-8");
    let output = run(&[TODAY, "--format", "ndjson", path]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output).lines().count(), 2);
    let err = stderr(&output);
    assert!(err.contains("has business errors: npi-invalid"), "{err}");
    let output = run(&[TODAY, "--format", "ndjson", "--only-accepted", path]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output).lines().count(), 0);
    assert!(stderr(&output).contains("left out"));
    // Switching the edit off accepts them.
    let output = run(&[TODAY, "--disable", "npi-invalid", "--only-accepted", path]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn a_set_rejected_by_syntax_errors_is_skipped_and_named_by_control_numbers() {
    let path = sample("invalid-se01-count.x12");
    let output = run(&[TODAY, path.to_str().expect("UTF-8")]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "[]\n");
    let err = stderr(&output);
    assert!(
        err.contains("transaction set ST 0001 (GS 389829761, ISA 389829761, byte 181) skipped"),
        "{err}"
    );
    assert!(err.contains("transaction-segment-count"), "{err}");
    assert!(err.contains("2 claims not written"), "{err}");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let output = run(&["/nonexistent/claims.x12"]);
    assert_eq!(output.status.code(), Some(2));
    let output = run(&[
        "--disable",
        "no-such-code",
        sample("837p.x12").to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let output = run(&[
        "--format",
        "xml",
        sample("837p.x12").to_str().expect("UTF-8"),
    ]);
    assert_eq!(output.status.code(), Some(2));
}

fn corpus_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("tests/corpus"),
        root.join("samples"),
        root.join("../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("skipped (not present): {}", dir.display());
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() && path.extension().is_some_and(|e| e != "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn extraction_never_panics_on_any_corpus_file_or_its_prefixes() {
    let files = corpus_files();
    assert!(files.len() >= 40, "corpus files found: {}", files.len());
    let options = ValidateOptions::new();
    let mut extracted = 0;
    for file in &files {
        let input = std::fs::read(file).expect("read corpus file");
        // The whole file, then cut at a few places (a truncated transfer).
        let cuts = [
            input.len(),
            input.len() * 3 / 4,
            input.len() / 2,
            input.len() / 3,
        ];
        for cut in cuts {
            let mut count = 0u64;
            let summary = extract(&input[..cut], &options, |_, _| {
                count += 1;
                Ok(())
            })
            .expect("in memory");
            assert_eq!(count, summary.claims, "{}", file.display());
            assert!(summary.claims + summary.claims_skipped <= summary.validation.claims);
            if cut == input.len() {
                extracted += count;
            }
        }
    }
    assert!(
        extracted >= 50,
        "the corpus has claims to extract: {extracted}"
    );
}

#[test]
fn the_command_never_panics_on_any_corpus_file() {
    for file in corpus_files() {
        for format in ["json", "csv"] {
            let output = run(&[TODAY, "--format", format, file.to_str().expect("UTF-8")]);
            assert!(
                matches!(output.status.code(), Some(0 | 1)),
                "{} --format {format}: {:?}\n{}",
                file.display(),
                output.status,
                stderr(&output)
            );
            if format == "json" {
                let value: Value = serde_json::from_str(&stdout(&output))
                    .unwrap_or_else(|e| panic!("{}: not JSON: {e}", file.display()));
                assert!(value.is_array());
            }
        }
    }
}

#[test]
fn the_readme_example_is_the_commands_output() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let section = &readme[readme.find("## Claims as data").expect("the section")..];
    let start = section.find("```json\n").expect("a JSON example") + "```json\n".len();
    let end = start + section[start..].find("```").expect("its end");
    let example: Value = serde_json::from_str(&section[start..end]).expect("valid JSON");
    assert_eq!(example, json_claims("837i.x12")[0]);
}
