//! `x12pipe claims`: every claim of 837 files as data (JSON, NDJSON or CSV), streamed.
//!
//! Claims are patient data: they go to stdout or the `-o` file only. Standard error carries
//! file names, control numbers, positions, counts and finding codes, never element values.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use x12pipe::claim::{Claim, ClaimSink, ExtractSummary, ServiceLine, SkippedSet, extract_with};
use x12pipe::finding::Severity;
use x12pipe::validate::{ClaimResult, ClaimStatus, ValidateOptions};

use super::{Outcome, check_options, create_output, open_input};

/// Write every claim of 837P/837I/837D files as data: one JSON array, one JSON object per
/// line, or CSV with one row per service line.
///
/// Each file is validated as it is read (the same checks as 'x12pipe validate') and each
/// claim is built from the loops the validator placed its segments in. A transaction set
/// rejected by a syntax error (what a 999 would reject) is skipped: its claims are not
/// written and standard error names it by control numbers. A claim with business errors
/// (out of balance, bad NPI...) is written; standard error lists its finding codes, and
/// --only-accepted leaves it out.
///
/// JSON records follow the claim model (README "Claims as data"): codes and amounts as
/// written, D8 dates as 2011-05-11, RD8 ranges as 2011-05-11/2011-05-14, absent fields left
/// out. Claims hold patient data: they are written to stdout or --output only, never to
/// standard error.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  x12pipe claims samples/837p.x12                      a JSON array of the file's claims
  x12pipe claims --format ndjson a.x12 b.x12 > all.ndjson   one claim per line, both files
  x12pipe claims --format csv -o lines.csv claims.x12  one row per service line
  x12pipe claims --only-accepted claims.x12            leave out claims with business errors
  cat claims.x12 | x12pipe claims - | jq '.[].id'      from standard input
  x12pipe claims --format ndjson big.x12 | jq -c 'select(.total_charge | tonumber > 1000)'

CSV columns, in order: file, status, interchange_control_number, group_control_number,
transaction_set_control_number, segment_in_set, type, claim_id, total_charge, facility_code,
facility_qualifier, frequency, billing_provider_name, billing_provider_id,
billing_provider_tax_id, payer_name, payer_id, subscriber_last_name, subscriber_first_name,
subscriber_id, subscriber_birth_date, subscriber_gender, patient_relationship,
patient_last_name, patient_first_name, patient_birth_date, patient_gender, diagnoses,
line_number, revenue_code, procedure_qualifier, procedure_code, modifiers, line_charge,
unit_basis, units, place_of_service, diagnosis_pointers, service_date, teeth,
rendering_provider_id. A claim without service lines still gets one row (line columns empty).

Exit codes: 0 no errors, 1 errors found (a set skipped, a fatal syntax error, or a claim with
business errors; the claims that could be read are still written), 2 usage or I/O error.")]
pub struct ClaimsArgs {
    /// Files to read; '-' reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,

    /// Write the claims to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Leave out claims with business errors.
    #[arg(long)]
    only_accepted: bool,

    /// Switch a finding code off (repeatable), e.g. --disable npi-invalid.
    #[arg(long, value_name = "CODE")]
    disable: Vec<String>,

    /// Accept wrong SE01/GE01/IEA01 counts and ISA widths as warnings.
    #[arg(long)]
    lenient: bool,

    /// The date service dates must not be after (YYYY-MM-DD); default today (UTC).
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One JSON array of claims, streamed.
    Json,
    /// One JSON claim per line.
    Ndjson,
    /// One row per service line, claim fields repeated, with a header row.
    Csv,
}

/// The CSV columns, in order (also in `--help` and the README).
pub const CSV_COLUMNS: &[&str] = &[
    "file",
    "status",
    "interchange_control_number",
    "group_control_number",
    "transaction_set_control_number",
    "segment_in_set",
    "type",
    "claim_id",
    "total_charge",
    "facility_code",
    "facility_qualifier",
    "frequency",
    "billing_provider_name",
    "billing_provider_id",
    "billing_provider_tax_id",
    "payer_name",
    "payer_id",
    "subscriber_last_name",
    "subscriber_first_name",
    "subscriber_id",
    "subscriber_birth_date",
    "subscriber_gender",
    "patient_relationship",
    "patient_last_name",
    "patient_first_name",
    "patient_birth_date",
    "patient_gender",
    "diagnoses",
    "line_number",
    "revenue_code",
    "procedure_qualifier",
    "procedure_code",
    "modifiers",
    "line_charge",
    "unit_basis",
    "units",
    "place_of_service",
    "diagnosis_pointers",
    "service_date",
    "teeth",
    "rendering_provider_id",
];

/// Runs `x12pipe claims`.
pub fn run(args: &ClaimsArgs) -> Outcome {
    let Some(options) = check_options("claims", args.lenient, &args.disable, args.today.as_deref())
    else {
        return Outcome::Failure;
    };
    let Some(out) = create_output("claims", args.output.as_deref()) else {
        return Outcome::Failure;
    };
    let out = BufWriter::with_capacity(1 << 16, out);
    let mut writer = match ClaimWriter::new(args.format, out) {
        Ok(writer) => writer,
        Err(e) => return io_failure(&e),
    };
    let outcome = match run_files(args, &options, &mut writer) {
        Ok(outcome) => outcome,
        Err(e) => return io_failure(&e),
    };
    match writer.finish() {
        Ok(()) => outcome,
        Err(e) => io_failure(&e),
    }
}

fn io_failure(e: &io::Error) -> Outcome {
    if e.kind() == io::ErrorKind::BrokenPipe {
        // The reader went away (`| head`): not an error of ours.
        return Outcome::Success;
    }
    eprintln!("x12pipe claims: {e}");
    Outcome::Failure
}

fn run_files(
    args: &ClaimsArgs,
    options: &ValidateOptions,
    writer: &mut ClaimWriter,
) -> io::Result<Outcome> {
    let mut unreadable = 0;
    let mut errors = false;
    for path in &args.files {
        let name = path.display().to_string();
        let source = match open_input(path) {
            Ok(source) => source,
            Err(e) => {
                eprintln!("{name}: error: cannot open: {e}");
                unreadable += 1;
                continue;
            }
        };
        let mut sink = FileSink {
            file: &name,
            writer: &mut *writer,
            only_accepted: args.only_accepted,
            written: 0,
        };
        match extract_with(source, options, &mut sink) {
            Ok(summary) => {
                eprintln!("{name}: {}", summary_line(&summary, sink.written));
                errors |= summary.validation.errors > 0;
            }
            Err(e) if sink.writer.failed => return Err(e),
            Err(e) => {
                // Reading the input failed: what was extracted before stays written.
                eprintln!("{name}: error: {e}");
                unreadable += 1;
            }
        }
    }
    Ok(if unreadable > 0 {
        Outcome::Failure
    } else if errors {
        Outcome::InputErrors
    } else {
        Outcome::Success
    })
}

fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn summary_line(s: &ExtractSummary, written: u64) -> String {
    let mut line = format!(
        "{} written of {} read, {} with business errors; {} skipped ({})",
        plural(written, "claim"),
        s.validation.claims,
        s.claims_with_errors,
        plural(s.sets_skipped, "transaction set"),
        plural(s.claims_skipped, "claim"),
    );
    if s.fatal {
        line.push_str("; reading stopped at a fatal syntax error (see 'x12pipe validate')");
    }
    line
}

/// Where claims of one file go, and what standard error hears about them.
struct FileSink<'w> {
    file: &'w str,
    writer: &'w mut ClaimWriter,
    only_accepted: bool,
    written: u64,
}

impl ClaimSink for FileSink<'_> {
    fn claim(&mut self, claim: &Claim, result: &ClaimResult) -> io::Result<()> {
        if result.status == ClaimStatus::Rejected {
            let mut codes: Vec<&str> = Vec::new();
            for finding in result
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
            {
                if !codes.contains(&finding.code.id()) {
                    codes.push(finding.code.id());
                }
            }
            let st = claim
                .source
                .as_ref()
                .map_or("", |s| s.transaction_set_control_number.as_str());
            eprintln!(
                "{}:{}: claim at segment {} of ST {st} (byte {}) has business errors: {}{}",
                self.file,
                result.position.line,
                result.segment_in_set,
                result.position.offset,
                codes.join(", "),
                if self.only_accepted { "; left out" } else { "" }
            );
            if self.only_accepted {
                return Ok(());
            }
        }
        self.written += 1;
        self.writer.claim(self.file, claim, result.status)
    }

    fn skipped_set(&mut self, set: &SkippedSet) -> io::Result<()> {
        eprintln!(
            "{}:{}: transaction set ST {} (GS {}, ISA {}, byte {}) skipped: rejected by syntax errors {}; {} not written (see 'x12pipe validate')",
            self.file,
            set.position.line,
            set.transaction_set_control_number,
            set.group_control_number.as_deref().unwrap_or("-"),
            set.interchange_control_number.as_deref().unwrap_or("-"),
            set.position.offset,
            set.codes.join(", "),
            plural(set.claims, "claim"),
        );
        Ok(())
    }
}

/// The output, in one of the three formats, written as claims arrive.
struct ClaimWriter {
    output: Output,
    /// True once writing the output failed (as opposed to reading an input).
    failed: bool,
}

enum Output {
    Json {
        out: BufWriter<Box<dyn Write>>,
        first: bool,
    },
    Ndjson(BufWriter<Box<dyn Write>>),
    Csv(Box<csv::Writer<BufWriter<Box<dyn Write>>>>),
}

fn csv_error(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("CSV: {other:?}")),
    }
}

impl ClaimWriter {
    fn new(format: Format, mut out: BufWriter<Box<dyn Write>>) -> io::Result<Self> {
        let output = match format {
            Format::Json => {
                out.write_all(b"[")?;
                Output::Json { out, first: true }
            }
            Format::Ndjson => Output::Ndjson(out),
            Format::Csv => {
                let mut csv = csv::Writer::from_writer(out);
                csv.write_record(CSV_COLUMNS).map_err(csv_error)?;
                Output::Csv(Box::new(csv))
            }
        };
        Ok(ClaimWriter {
            output,
            failed: false,
        })
    }

    fn claim(&mut self, file: &str, claim: &Claim, status: ClaimStatus) -> io::Result<()> {
        let result = self.write(file, claim, status);
        self.failed |= result.is_err();
        result
    }

    fn write(&mut self, file: &str, claim: &Claim, status: ClaimStatus) -> io::Result<()> {
        match &mut self.output {
            Output::Json { out, first } => {
                out.write_all(if *first { b"\n" } else { b",\n" })?;
                *first = false;
                serde_json::to_writer(&mut *out, claim)?;
            }
            Output::Ndjson(out) => {
                serde_json::to_writer(&mut *out, claim)?;
                out.write_all(b"\n")?;
            }
            Output::Csv(csv) => {
                if claim.lines.is_empty() {
                    csv.write_record(
                        csv_row(file, claim, status, None)
                            .iter()
                            .map(|v| v.as_bytes()),
                    )
                    .map_err(csv_error)?;
                }
                for line in &claim.lines {
                    csv.write_record(
                        csv_row(file, claim, status, Some(line))
                            .iter()
                            .map(|v| v.as_bytes()),
                    )
                    .map_err(csv_error)?;
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> io::Result<()> {
        match self.output {
            Output::Json { mut out, first } => {
                out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
                out.flush()
            }
            Output::Ndjson(mut out) => out.flush(),
            Output::Csv(mut csv) => csv.flush(),
        }
    }
}

fn or_empty(value: &Option<x12pipe::claim::Text>) -> &str {
    value.as_deref().unwrap_or_default()
}

/// One CSV row: the claim's columns, then the line's (empty without a line).
fn csv_row<'c>(
    file: &'c str,
    claim: &'c Claim,
    status: ClaimStatus,
    line: Option<&'c ServiceLine>,
) -> Vec<std::borrow::Cow<'c, str>> {
    use std::borrow::Cow::{Borrowed, Owned};
    let source = claim.source.as_ref();
    let s = |f: fn(&x12pipe::claim::Source) -> &str| source.map_or("", f);
    let billing = &claim.billing_provider;
    let tax_id = billing
        .references
        .iter()
        .find(|r| r.qualifier == "EI" || r.qualifier == "SY")
        .map_or("", |r| r.value.as_str());
    let member = &claim.subscriber.member;
    let patient = claim.patient.as_ref();
    let person = patient.map(|p| &p.person);
    let relationship = match patient {
        Some(p) => p.relationship.as_str(),
        None => or_empty(&claim.subscriber.relationship),
    };
    let diagnoses: Vec<&str> = claim.diagnoses.iter().map(|d| d.code.as_str()).collect();
    let rendering = |providers: &'c [x12pipe::claim::Party]| {
        providers
            .iter()
            .find(|p| p.entity == "82")
            .and_then(|p| p.id.as_deref())
    };
    let rendering_id = line
        .and_then(|l| rendering(&l.providers))
        .or_else(|| rendering(&claim.providers))
        .unwrap_or_default();
    let service_date = line
        .and_then(|l| l.dates.iter().find(|d| d.qualifier == "472"))
        .or_else(|| {
            claim
                .dates
                .iter()
                .find(|d| d.qualifier == "472" || d.qualifier == "434")
        })
        .map_or("", |d| d.value.as_str());
    let status = match status {
        ClaimStatus::Accepted => "accepted",
        ClaimStatus::Rejected => "rejected",
    };
    let claim_type = match claim.claim_type {
        x12pipe::claim::ClaimType::Professional => "professional",
        x12pipe::claim::ClaimType::Institutional => "institutional",
        x12pipe::claim::ClaimType::Dental => "dental",
    };
    let procedure = line.and_then(|l| l.procedure.as_ref());
    let mut row: Vec<std::borrow::Cow<'c, str>> = vec![
        Borrowed(file),
        Borrowed(status),
        Borrowed(s(|s| &s.interchange_control_number)),
        Borrowed(s(|s| &s.group_control_number)),
        Borrowed(s(|s| &s.transaction_set_control_number)),
        Owned(source.map_or(String::new(), |s| s.segment_in_set.to_string())),
        Borrowed(claim_type),
        Borrowed(&claim.id),
        Borrowed(&claim.total_charge),
        Borrowed(&claim.facility_code),
        Borrowed(&claim.facility_qualifier),
        Borrowed(&claim.frequency),
        Borrowed(&billing.name),
        Borrowed(or_empty(&billing.id)),
        Borrowed(tax_id),
        Borrowed(&claim.payer.name),
        Borrowed(or_empty(&claim.payer.id)),
        Borrowed(&member.name),
        Borrowed(or_empty(&member.first_name)),
        Borrowed(or_empty(&member.id)),
        Borrowed(or_empty(&member.birth_date)),
        Borrowed(or_empty(&member.gender)),
        Borrowed(relationship),
        Borrowed(person.map_or("", |p| p.name.as_str())),
        Borrowed(person.map_or("", |p| or_empty(&p.first_name))),
        Borrowed(person.map_or("", |p| or_empty(&p.birth_date))),
        Borrowed(person.map_or("", |p| or_empty(&p.gender))),
        Owned(diagnoses.join(" ")),
    ];
    row.extend([
        Borrowed(line.map_or("", |l| l.number.as_str())),
        Borrowed(line.map_or("", |l| or_empty(&l.revenue_code))),
        Borrowed(procedure.map_or("", |p| p.qualifier.as_str())),
        Borrowed(procedure.map_or("", |p| p.code.as_str())),
        Owned(procedure.map_or(String::new(), |p| p.modifiers.join(":"))),
        Borrowed(line.map_or("", |l| l.charge.as_str())),
        Borrowed(line.map_or("", |l| or_empty(&l.unit_basis))),
        Borrowed(line.map_or("", |l| or_empty(&l.units))),
        Borrowed(line.map_or("", |l| or_empty(&l.place_of_service))),
        Owned(line.map_or(String::new(), |l| l.diagnosis_pointers.join(":"))),
        Borrowed(service_date),
        Owned(line.map_or(String::new(), |l| {
            l.teeth
                .iter()
                .map(|t| t.number.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })),
        Borrowed(rendering_id),
    ]);
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_has_one_value_per_column_with_or_without_a_line() {
        let claim = Claim {
            id: "C1".into(),
            lines: vec![ServiceLine {
                number: "1".into(),
                charge: "10".into(),
                ..ServiceLine::default()
            }],
            ..Claim::default()
        };
        let with = csv_row("f", &claim, ClaimStatus::Accepted, claim.lines.first());
        let without = csv_row("f", &claim, ClaimStatus::Rejected, None);
        assert_eq!(with.len(), CSV_COLUMNS.len());
        assert_eq!(without.len(), CSV_COLUMNS.len());
        let column = |name: &str| {
            CSV_COLUMNS
                .iter()
                .position(|c| *c == name)
                .unwrap_or(usize::MAX)
        };
        assert_eq!(with[column("line_charge")], "10");
        assert_eq!(without[column("line_charge")], "");
        assert_eq!(without[column("status")], "rejected");
        assert_eq!(with[column("claim_id")], "C1");
    }
}
