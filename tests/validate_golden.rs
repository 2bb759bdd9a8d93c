//! Golden validation cases: every `grammar-tests/validate/NAME.x12` is validated (with the
//! date fixed at 2026-11-23) and must give the findings in `NAME.json`. When `NAME.999` or
//! `NAME.ta1` exists, the acknowledgment written for the input must equal it byte for byte,
//! and every 999 written must itself parse and validate against the 999 guide without an
//! error. Names starting `lenient-` or `ack-lenient-` are read in lenient mode.
//! `X12PIPE_BLESS=1 cargo test --test validate_golden` rewrites the expected files (and writes
//! `.999` and `.ta1` for names starting `ack-`); review the diff before committing. The cases
//! and the format are described in `grammar-tests/validate/README.md`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use x12pipe::ack::{Ack999Writer, AckOptions, Ta1Writer};
use x12pipe::finding::Finding;
use x12pipe::validate::{
    GroupInfo, InterchangeInfo, Observer, SetResult, ValidateOptions, validate,
};

fn day() -> time::Date {
    time::Date::from_calendar_date(2026, time::Month::November, 23).expect("a real date")
}

fn options(name: &str) -> ValidateOptions {
    let mut options = ValidateOptions::new();
    options.today = day();
    options.parse.lenient = name.starts_with("lenient-") || name.starts_with("ack-lenient-");
    options
}

fn ack_options() -> AckOptions {
    AckOptions {
        date: day(),
        time: (12, 0),
        control_number: Some(1),
        usage: None,
    }
}

/// One finding, compactly: what a reviewer needs to check it.
fn compact(f: &Finding) -> Value {
    let l = &f.location;
    json!({
        "code": f.code.id(),
        "severity": f.severity,
        "x12": f.x12().to_string(),
        "line": l.position.line,
        "segment": l.segment_in_set,
        "at": l.reference(),
        "loop": l.loop_id,
        "claim": l.claim,
        "message": f.message,
    })
}

/// Collects every finding and claim status in order.
#[derive(Default)]
struct Collect {
    findings: Vec<Value>,
    claims: Vec<Value>,
}

impl Observer for Collect {
    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        self.findings.extend(result.findings.iter().map(compact));
        for claim in &result.claims {
            self.findings.extend(claim.findings.iter().map(compact));
            self.claims
                .push(json!({"claim": claim.claim_id, "status": claim.status}));
        }
        Ok(())
    }
    fn group_end(
        &mut self,
        _: &GroupInfo,
        _: Option<u64>,
        _: u64,
        findings: &[Finding],
    ) -> io::Result<()> {
        self.findings.extend(findings.iter().map(compact));
        Ok(())
    }
    fn interchange_end(&mut self, _: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
        self.findings.extend(findings.iter().map(compact));
        Ok(())
    }
    fn fatal(&mut self, _: Option<&InterchangeInfo>, findings: &[Finding]) -> io::Result<()> {
        self.findings.extend(findings.iter().map(compact));
        Ok(())
    }
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("grammar-tests/validate");
    let mut inputs: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("grammar-tests/validate exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "x12"))
        .collect();
    inputs.sort();
    inputs
}

fn bless() -> bool {
    std::env::var_os("X12PIPE_BLESS").is_some()
}

/// Compares `actual` with the file at `path` (or writes it when blessing).
fn check_file(path: &Path, actual: &[u8], failures: &mut Vec<String>) {
    if bless() {
        fs::write(path, actual).expect("write expected file");
        return;
    }
    match fs::read(path) {
        Ok(expected) if expected == actual => {}
        Ok(_) => failures.push(format!(
            "{} differs:\n{}",
            path.display(),
            String::from_utf8_lossy(actual)
        )),
        Err(_) => failures.push(format!("{} is missing", path.display())),
    }
}

/// Validates a 999 we wrote: it must parse and have no error finding against the 999 guide.
fn check_999_round_trip(name: &str, ack: &[u8], failures: &mut Vec<String>) {
    let mut collect = Collect::default();
    let mut options = ValidateOptions::new();
    options.today = day();
    if let Err(e) = validate(ack, &options, &mut collect) {
        failures.push(format!("{name}: the 999 cannot be read again: {e}"));
        return;
    }
    let errors: Vec<&Value> = collect
        .findings
        .iter()
        .filter(|f| f["severity"] == "error" || f["code"] == "guide-not-supported")
        .collect();
    if !errors.is_empty() {
        failures.push(format!(
            "{name}: the 999 we wrote does not validate: {errors:#?}"
        ));
    }
}

#[test]
fn validation_golden_cases() {
    let cases = cases();
    assert!(
        cases.len() >= 80,
        "at least 80 validation cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for input_path in &cases {
        let name = input_path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("?")
            .to_string();
        let input = fs::read(input_path).expect("read case");
        let mut collect = Collect::default();
        let summary = validate(input.as_slice(), &options(&name), &mut collect).expect("in memory");
        let document = json!({
            "summary": {
                "transaction_sets": summary.transaction_sets,
                "transaction_sets_rejected": summary.transaction_sets_rejected,
                "claims": summary.claims,
                "claims_rejected": summary.claims_rejected,
                "errors": summary.errors,
                "warnings": summary.warnings,
            },
            "claims": collect.claims,
            "findings": collect.findings,
        });
        let mut text = serde_json::to_vec_pretty(&document).expect("json");
        text.push(b'\n');
        check_file(&input_path.with_extension("json"), &text, &mut failures);

        for (extension, kind) in [("999", "999"), ("ta1", "ta1")] {
            let path = input_path.with_extension(extension);
            let wanted = path.exists() || (bless() && name.starts_with("ack-"));
            if !wanted {
                continue;
            }
            let mut out = Vec::new();
            let written = match kind {
                "999" => validate(
                    input.as_slice(),
                    &options(&name),
                    &mut Ack999Writer::new(&mut out, ack_options()),
                ),
                _ => validate(
                    input.as_slice(),
                    &options(&name),
                    &mut Ta1Writer::new(&mut out, ack_options()),
                ),
            };
            written.expect("in memory");
            if kind == "999" && !out.is_empty() {
                check_999_round_trip(&name, &out, &mut failures);
            }
            check_file(&path, &out, &mut failures);
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
