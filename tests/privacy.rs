//! Patient data never leaves through findings: a sample claim file is broken in the places
//! that carry names, member ids, birth dates, addresses and diagnosis codes, and every
//! report format (JSON, GitHub annotations, JUnit, redacted text) and every acknowledgment
//! (999, TA1, claim report) is searched for those values.

use std::process::Command;

use x12pipe::envelope::{Event, SliceReader};

/// Values of the sample that are patient data, read from the file itself.
fn patient_values(input: &[u8]) -> Vec<String> {
    let mut values = Vec::new();
    let mut reader = SliceReader::new(input);
    while let Ok(Some(event)) = reader.next_event() {
        let Event::Transaction(set) = event else {
            continue;
        };
        for segment in set.segments() {
            let text = |n: usize| String::from_utf8_lossy(segment.value(n)).into_owned();
            match segment.id() {
                b"NM1" if matches!(segment.value(1), b"IL" | b"QC") => {
                    values.extend([text(3), text(4), text(9)]);
                }
                b"DMG" => values.push(text(2)),
                b"N3" => values.push(text(1)),
                b"HI" => {
                    for element in segment.elements() {
                        if let Some(code) = element.component(2) {
                            values.push(String::from_utf8_lossy(code).into_owned());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // Short values (a 3-character diagnosis code such as I10) could match by accident in
    // unrelated text; keep the distinctive ones.
    values.retain(|v| v.len() >= 4);
    values.sort();
    values.dedup();
    values
}

/// The sample with patient-data elements broken so that findings point at them.
fn broken(input: &str) -> String {
    input
        .lines()
        .map(|line| {
            if let Some(rest) = line.strip_prefix("DMG*D8*") {
                // An impossible birth month: birth-date-invalid on the patient's own DMG02.
                format!("DMG*D8*{}13{}", &rest[..4], &rest[6..])
            } else if line.starts_with("NM1*IL*1*") {
                // A member id with a lower-case letter and a control character.
                format!("{}\u{7}x", line.trim_end_matches('~')) + "~"
            } else if line.starts_with("HI*ABK:") {
                // A diagnosis code with a decimal point.
                line.replacen("HI*ABK:", "HI*ABK:Q.", 1)
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn run(args: &[&str], file: &std::path::Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_x12pipe"))
        .args(args)
        .arg(file)
        .output()
        .expect("run x12pipe");
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn no_report_or_acknowledgment_quotes_patient_data() {
    let sample =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/837p.x12")).expect("sample");
    let values = patient_values(&sample);
    assert!(
        values.len() >= 20,
        "the sample has patient data to look for: {values:?}"
    );
    let text = broken(&String::from_utf8_lossy(&sample));
    let dir = std::env::temp_dir().join(format!("x12pipe-privacy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("broken.x12");
    std::fs::write(&file, &text).expect("write");
    let mut corrupted = patient_values(text.as_bytes());
    corrupted.retain(|v| !values.contains(v));
    let day = "--today=2026-11-23";
    let reports = [
        run(&["validate", "--format", "json", day], &file),
        run(&["validate", "--format", "github", day], &file),
        run(&["validate", "--format", "junit", day], &file),
        run(&["validate", "--redact", day], &file),
        run(&["ack", "--kind", "999", "--date", "2026-11-23"], &file),
        run(&["ack", "--kind", "ta1", "--date", "2026-11-23"], &file),
        run(&["ack", "--kind", "claims", "--date", "2026-11-23"], &file),
    ];
    // The broken file must really produce findings about those segments.
    for code in [
        "birth-date-invalid",
        "element-invalid-character",
        "principal-diagnosis-invalid",
    ] {
        assert!(
            reports[0].contains(code),
            "expected a {code} finding:\n{}",
            reports[0]
        );
    }
    for report in &reports {
        for value in values.iter().chain(&corrupted) {
            assert!(
                !report.contains(value.as_str()),
                "patient data {value:?} appears in a report:\n{report}"
            );
        }
    }
    // The search can fail: the unredacted text report quotes segments, names included.
    let unredacted = run(&["validate", day], &file);
    assert!(
        values.iter().any(|v| unredacted.contains(v.as_str())),
        "the plain text report shows the offending segments"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn run_in(args: &[&str], env: &[(&str, &str)]) -> (String, std::process::ExitStatus) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_x12pipe"));
    command.args(args).env_remove("X12PIPE_LEDGER");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("run x12pipe");
    (
        format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        output.status,
    )
}

#[test]
fn submitting_never_logs_or_records_patient_data() {
    let sample =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/837p.x12")).expect("sample");
    let values = patient_values(&sample);
    assert!(values.len() >= 20, "patient data to look for: {values:?}");
    let dir = std::env::temp_dir().join(format!("x12pipe-privacy-submit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    // One file accepted, one rejected by the gate for findings on patient segments.
    std::fs::write(dir.join("good.x12"), &sample).expect("write");
    // Its own control numbers (ISA13 = GS06 in generated files), so it is its own unit.
    let text = String::from_utf8_lossy(&sample).into_owned();
    let isa13 = text.split('*').nth(13).expect("ISA13").to_string();
    let renumbered = format!(
        "{}{}",
        &isa13[..8],
        if isa13.ends_with('9') { '0' } else { '9' }
    );
    let broken_text = broken(&text).replace(&isa13, &renumbered);
    std::fs::write(dir.join("broken.x12"), &broken_text).expect("write");
    let mut corrupted = patient_values(broken_text.as_bytes());
    corrupted.retain(|v| !values.contains(v));
    let ledger = format!("sqlite:{}", dir.join("ledger.sqlite").display());
    let dir_arg = dir.to_str().expect("utf-8");
    let debug = [("X12PIPE_LOG", "debug")];
    let mut outputs = Vec::new();
    for (format, log) in [("json", "json"), ("text", "text")] {
        let (out, status) = run_in(
            &[
                "submit",
                dir_arg,
                "--simulate",
                "--sim-faults",
                "0.5",
                "--ledger",
                &ledger,
                "--today",
                "2026-11-23",
                "--format",
                format,
                "--log-format",
                log,
                "-v",
            ],
            &debug,
        );
        assert!(status.code().is_some(), "{out}");
        outputs.push(out);
    }
    assert!(outputs[0].contains("accepted"), "{}", outputs[0]);
    assert!(
        outputs[0].contains("rejected_"),
        "the broken file is rejected: {}",
        outputs[0]
    );
    let (list, _) = run_in(
        &["ledger", "list", "--format", "json", "--ledger", &ledger],
        &[],
    );
    let units: serde_json::Value =
        serde_json::from_str(list.trim_end()).unwrap_or(serde_json::Value::Null);
    let keys: Vec<String> = units
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u["key"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert!(keys.len() >= 2, "both files are in the ledger: {list}");
    outputs.push(list);
    for key in &keys {
        outputs.push(
            run_in(
                &[
                    "ledger", "show", key, "--format", "json", "--ledger", &ledger,
                ],
                &[],
            )
            .0,
        );
    }
    outputs.push(run_in(&["ledger", "status", "--ledger", &ledger], &[]).0);
    for output in &outputs {
        for value in values.iter().chain(&corrupted) {
            assert!(
                !output.contains(value.as_str()),
                "patient value {value:?} leaked:\n{output}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn claims_write_patient_data_to_stdout_only_never_to_stderr() {
    let sample =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/samples/837p.x12")).expect("sample");
    let values = patient_values(&sample);
    assert!(values.len() >= 20, "patient data to look for: {values:?}");
    let dir = std::env::temp_dir().join(format!("x12pipe-privacy-claims-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let text = String::from_utf8_lossy(&sample).into_owned();
    // Broken on the patient segments (syntax errors: the set is skipped), and a file with
    // only business errors on them (its claims are written, with findings on stderr).
    let broken_file = dir.join("broken.x12");
    std::fs::write(&broken_file, broken(&text)).expect("write");
    let business_file = dir.join("business.x12");
    let business: String = text
        .lines()
        .map(|line| match line.strip_prefix("DMG*D8*") {
            // A birth after the services: a business edit on the patient's own DMG.
            Some(rest) => format!("DMG*D8*2026{}", &rest[4..]),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&business_file, &business).expect("write");
    let mut corrupted = patient_values(broken(&text).as_bytes());
    corrupted.extend(patient_values(business.as_bytes()));
    corrupted.retain(|v| !values.contains(v));
    for file in [&broken_file, &business_file] {
        for format in ["json", "ndjson", "csv"] {
            let output = Command::new(env!("CARGO_BIN_EXE_x12pipe"))
                .args(["claims", "--today=2026-11-23", "--format", format])
                .arg(file)
                .output()
                .expect("run x12pipe");
            assert_eq!(output.status.code(), Some(1), "{}", file.display());
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!stderr.is_empty(), "stderr says what was skipped or wrong");
            for value in values.iter().chain(&corrupted) {
                assert!(
                    !stderr.contains(value.as_str()),
                    "patient value {value:?} on stderr of claims --format {format}:\n{stderr}"
                );
            }
            // The search can fail: the claims themselves (stdout) do hold patient data.
            let stdout = String::from_utf8_lossy(&output.stdout);
            if file == &business_file {
                assert!(
                    values.iter().any(|v| stdout.contains(v.as_str())),
                    "claims --format {format} writes the claims to stdout"
                );
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
