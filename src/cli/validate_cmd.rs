//! `x12pipe validate`: check 837 files and report findings as text, JSON, GitHub workflow
//! annotations or JUnit XML.

use std::collections::HashMap;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use x12pipe::finding::{Finding, Severity};
use x12pipe::syntax::{Position, Segment};
use x12pipe::validate::{
    ClaimResult, ClaimStatus, EachFinding, GroupInfo, InterchangeInfo, Observer, SetResult,
    Summary, ValidateOptions, validate,
};

use super::{Outcome, check_options, create_output, open_input};

/// Check 837P/837I/837D files: envelopes, X12 syntax, implementation-guide structure and
/// business edits.
///
/// Every finding has a stable code (see docs/findings.md), a category (syntax: the file is
/// malformed, reported in TA1/999; business: a claim breaks an edit, reported per claim)
/// and a location: file, line, byte offset, segment, loop and element. Files are streamed
/// one transaction set at a time. Messages never quote patient data; the text format shows
/// the offending segment itself (use --redact to mask element values, for example in logs
/// others can read).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  x12pipe validate claims.x12                       rustc-style report with the offending segments
  x12pipe validate --format github samples/*.x12    annotations for a GitHub Actions step
  x12pipe validate --format junit -o report.xml a.x12   JUnit XML, one test case per transaction set
  x12pipe validate --format json claims.x12 | jq .  findings and per-claim status as JSON
  x12pipe validate --disable zip-invalid claims.x12 switch an edit off (companion guides differ)
  x12pipe validate --deny warnings claims.x12       fail on warnings too

Exit codes: 0 nothing at error severity, 1 errors found (or warnings with --deny warnings),
2 usage or I/O error.")]
pub struct ValidateArgs {
    /// Files to check; '-' reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Write the report to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Treat warnings as errors for the exit code.
    #[arg(long, value_enum, value_name = "LEVEL")]
    deny: Option<Deny>,

    /// Switch a finding code off (repeatable), e.g. --disable npi-invalid.
    #[arg(long, value_name = "CODE")]
    disable: Vec<String>,

    /// Accept wrong SE01/GE01/IEA01 counts and ISA widths as warnings.
    #[arg(long)]
    lenient: bool,

    /// The date service dates must not be after (YYYY-MM-DD); default today (UTC).
    #[arg(long, value_name = "DATE")]
    today: Option<String>,

    /// Mask element values in the text report's segment excerpts.
    #[arg(long)]
    redact: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Human-readable report with segment excerpts and a summary.
    Text,
    /// One JSON document with every finding and each claim's status.
    Json,
    /// GitHub Actions workflow commands (::error file=...,line=...::message).
    Github,
    /// JUnit XML, one test case per transaction set.
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Deny {
    /// Warnings fail the run.
    Warnings,
}

/// Runs `x12pipe validate`.
pub fn run(args: &ValidateArgs) -> Outcome {
    let Some(options) = check_options(
        "validate",
        args.lenient,
        &args.disable,
        args.today.as_deref(),
    ) else {
        return Outcome::Failure;
    };
    let Some(out) = create_output("validate", args.output.as_deref()) else {
        return Outcome::Failure;
    };
    let mut out = BufWriter::with_capacity(1 << 16, out);
    match run_files(args, &options, &mut out).and_then(|o| {
        out.flush()?;
        Ok(o)
    }) {
        Ok(outcome) => outcome,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Outcome::Success,
        Err(e) => {
            eprintln!("x12pipe validate: {e}");
            Outcome::Failure
        }
    }
}

fn run_files(
    args: &ValidateArgs,
    options: &ValidateOptions,
    out: &mut dyn Write,
) -> io::Result<Outcome> {
    let mut total = Summary::default();
    let mut unreadable = 0;
    let mut junit = Vec::new();
    if args.format == Format::Json {
        out.write_all(b"{\"files\":[")?;
    }
    for (i, path) in args.files.iter().enumerate() {
        let name = path.display().to_string();
        let source = match open_input(path) {
            Ok(source) => source,
            Err(e) => {
                eprintln!("{name}: error: cannot open: {e}");
                unreadable += 1;
                continue;
            }
        };
        let result = match args.format {
            Format::Text => {
                let mut printer = TextPrinter::new(&name, out, args.redact);
                validate(source, options, &mut printer)
            }
            Format::Json => {
                if i > 0 {
                    out.write_all(b",")?;
                }
                let mut printer = JsonPrinter::new(&name, out)?;
                let result = validate(source, options, &mut printer);
                if let Ok(summary) = &result {
                    printer.finish(summary)?;
                }
                result
            }
            Format::Github => {
                let mut printer = EachFinding(|f: &Finding| github_line(&mut *out, &name, f));
                validate(source, options, &mut printer)
            }
            Format::Junit => {
                let mut printer = JunitPrinter::new(&name);
                let result = validate(source, options, &mut printer);
                junit.push(printer);
                result
            }
        };
        match result {
            Ok(summary) => {
                if args.format == Format::Text {
                    writeln!(out, "{name}: {}", summary_line(&summary))?;
                }
                add(&mut total, &summary);
            }
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Err(e),
            Err(e) => {
                eprintln!("{name}: error: {e}");
                unreadable += 1;
            }
        }
    }
    match args.format {
        Format::Json => {
            out.write_all(b"],\"summary\":")?;
            serde_json::to_writer(&mut *out, &total)?;
            out.write_all(b"}\n")?;
        }
        Format::Junit => write_junit(out, &junit)?,
        Format::Text if args.files.len() > 1 => {
            writeln!(out, "total: {}", summary_line(&total))?;
        }
        _ => {}
    }
    let failed = total.errors > 0 || (args.deny.is_some() && total.warnings > 0);
    Ok(if unreadable > 0 {
        Outcome::Failure
    } else if failed {
        Outcome::InputErrors
    } else {
        Outcome::Success
    })
}

fn add(total: &mut Summary, s: &Summary) {
    total.interchanges += s.interchanges;
    total.groups += s.groups;
    total.transaction_sets += s.transaction_sets;
    total.transaction_sets_rejected += s.transaction_sets_rejected;
    total.claims += s.claims;
    total.claims_rejected += s.claims_rejected;
    total.errors += s.errors;
    total.warnings += s.warnings;
    total.notes += s.notes;
    total.segments += s.segments;
    total.bytes += s.bytes;
}

fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn summary_line(s: &Summary) -> String {
    let verdict = if s.errors > 0 { "rejected" } else { "ok" };
    format!(
        "{verdict}: {} ({} rejected), {} ({} rejected): {}, {}, {}",
        plural(s.transaction_sets, "transaction set"),
        s.transaction_sets_rejected,
        plural(s.claims, "claim"),
        s.claims_rejected,
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note"),
    )
}

/// The rustc-style report.
struct TextPrinter<'o> {
    file: &'o str,
    out: &'o mut dyn Write,
    redact: bool,
}

impl<'o> TextPrinter<'o> {
    fn new(file: &'o str, out: &'o mut dyn Write, redact: bool) -> Self {
        TextPrinter { file, out, redact }
    }

    fn finding(&mut self, finding: &Finding, segment: Option<&Segment<'_>>) -> io::Result<()> {
        let l = &finding.location;
        writeln!(
            self.out,
            "{}[{}]: {}",
            finding.severity,
            finding.code.id(),
            finding.message
        )?;
        let mut place = vec![format!("byte {}", l.position.offset)];
        if l.position.segment > 0 {
            place.push(format!("segment {}", l.position.segment));
        }
        if let Some(st) = &l.transaction {
            place.push(format!("ST {st}"));
        }
        if let Some(loop_id) = l.loop_id.filter(|id| *id != "ST") {
            place.push(format!("loop {loop_id}"));
        }
        if let Some(reference) = l.reference() {
            place.push(reference);
        }
        writeln!(
            self.out,
            "  --> {}:{} ({})",
            self.file,
            l.position.line,
            place.join(", ")
        )?;
        if let Some(segment) = segment {
            let (text, marker) = excerpt(segment, l.element, l.component, self.redact);
            let gutter = l.position.line.to_string();
            let pad = " ".repeat(gutter.len());
            writeln!(self.out, "{pad} |")?;
            writeln!(self.out, "{gutter} | {text}")?;
            if !marker.trim().is_empty() {
                writeln!(self.out, "{pad} | {marker}")?;
            }
        }
        let mut notes = Vec::new();
        if let Some(claim) = &l.claim {
            notes.push(format!("claim {claim}"));
        }
        notes.push(format!("{} {}", finding.category(), finding.x12()));
        writeln!(self.out, "   = {}\n", notes.join("; "))
    }
}

/// The segment as text (masked when redacting) and a line of `^` under the element.
fn excerpt(
    segment: &Segment<'_>,
    element: Option<u8>,
    component: Option<u8>,
    redact: bool,
) -> (String, String) {
    let raw = segment.as_bytes();
    let delimiters = segment.delimiters();
    let id_len = segment.id().len();
    let shown: String = raw
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if redact && i >= id_len && !delimiters.is_delimiter(b) {
                'x'
            } else if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '?'
            }
        })
        .collect();
    let mut marker = String::new();
    if let Some(e) = element.and_then(|e| segment.element(usize::from(e))) {
        let (start, len) = match component.and_then(|c| {
            let comp = e.component(usize::from(c))?;
            Some((comp.as_ptr() as usize - raw.as_ptr() as usize, comp.len()))
        }) {
            Some(span) => span,
            None => (e.offset_in_segment(), e.as_bytes().len()),
        };
        marker = format!("{}{}", " ".repeat(start), "^".repeat(len.max(1)));
    } else if element.is_some() {
        // The element is past the end (a missing one): point after the segment.
        marker = format!("{}^", " ".repeat(raw.len()));
    }
    (shown, marker)
}

impl Observer for TextPrinter<'_> {
    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        let all: Vec<&Finding> = result.all_findings().collect();
        if all.is_empty() {
            return Ok(());
        }
        let wanted: std::collections::HashSet<u64> = all
            .iter()
            .filter_map(|f| f.location.segment_in_set)
            .collect();
        let segments: HashMap<u64, Segment<'_>> = result
            .set
            .segments()
            .enumerate()
            .filter(|(i, _)| wanted.contains(&(*i as u64 + 1)))
            .map(|(i, s)| (i as u64 + 1, s))
            .collect();
        for finding in all {
            let segment = finding
                .location
                .segment_in_set
                .and_then(|i| segments.get(&i));
            self.finding(finding, segment)?;
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
        findings.iter().try_for_each(|f| self.finding(f, None))
    }

    fn interchange_end(&mut self, _: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
        findings.iter().try_for_each(|f| self.finding(f, None))
    }

    fn fatal(&mut self, _: Option<&InterchangeInfo>, findings: &[Finding]) -> io::Result<()> {
        findings.iter().try_for_each(|f| self.finding(f, None))
    }
}

/// Escapes a workflow command's message (`%`, CR, LF) or property (also `:` and `,`).
fn gh_escape(text: &str, property: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

/// One GitHub Actions workflow command for a finding.
fn github_line(out: &mut dyn Write, file: &str, f: &Finding) -> io::Result<()> {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    };
    let mut message = f.message.clone();
    if let Some(reference) = f.location.reference() {
        message.push_str(&format!(" ({reference}"));
        if let Some(claim) = &f.location.claim {
            message.push_str(&format!(", claim {claim}"));
        }
        message.push(')');
    }
    writeln!(
        out,
        "::{command} file={},line={},title={}::{}",
        gh_escape(file, true),
        f.location.position.line,
        gh_escape(f.code.id(), true),
        gh_escape(&message, false)
    )
}

/// The JSON report, written as envelopes close.
struct JsonPrinter<'o> {
    out: &'o mut dyn Write,
    first_interchange: bool,
    first_group: bool,
    first_set: bool,
    in_group: bool,
    in_interchange: bool,
    /// Claims' text, before it is written ([`Observer::transaction`]).
    buf: Vec<u8>,
}

impl<'o> JsonPrinter<'o> {
    fn new(file: &str, out: &'o mut dyn Write) -> io::Result<Self> {
        out.write_all(b"{\"file\":")?;
        serde_json::to_writer(&mut *out, file)?;
        out.write_all(b",\"interchanges\":[")?;
        Ok(JsonPrinter {
            out,
            first_interchange: true,
            first_group: true,
            first_set: true,
            in_group: false,
            in_interchange: false,
            buf: Vec::new(),
        })
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.close_open(&[])?;
        self.out.write_all(b"],\"summary\":")?;
        serde_json::to_writer(&mut *self.out, summary)?;
        self.out.write_all(b"}")
    }

    /// Closes a group or interchange a fatal error left open.
    fn close_open(&mut self, findings: &[Finding]) -> io::Result<()> {
        if self.in_group {
            self.out.write_all(b"],\"findings\":[]}")?;
            self.in_group = false;
        }
        if self.in_interchange {
            self.out.write_all(b"],\"findings\":")?;
            serde_json::to_writer(&mut *self.out, findings)?;
            self.out.write_all(b"}")?;
            self.in_interchange = false;
        }
        Ok(())
    }
}

impl Observer for JsonPrinter<'_> {
    fn interchange_start(&mut self, info: &InterchangeInfo) -> io::Result<()> {
        if !self.first_interchange {
            self.out.write_all(b",")?;
        }
        self.first_interchange = false;
        self.first_group = true;
        self.in_interchange = true;
        self.out.write_all(b"{\"interchange\":")?;
        serde_json::to_writer(&mut *self.out, info)?;
        self.out.write_all(b",\"groups\":[")
    }

    fn group_start(&mut self, info: &GroupInfo) -> io::Result<()> {
        if !self.first_group {
            self.out.write_all(b",")?;
        }
        self.first_group = false;
        self.first_set = true;
        self.in_group = true;
        self.out.write_all(b"{\"group\":")?;
        serde_json::to_writer(&mut *self.out, info)?;
        self.out.write_all(b",\"transaction_sets\":[")
    }

    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        if !self.in_group {
            return Ok(());
        }
        if !self.first_set {
            self.out.write_all(b",")?;
        }
        self.first_set = false;
        // Written as `serde_json::json!` wrote it (keys in order, as its maps keep them), but
        // without building a `Value` of every claim first: that cost about a third as much
        // as validating (callgrind, 10 MB 837P: 282 M instructions).
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let set = &result.set;
        let out = &mut *self.out;
        // Claims are put together in a buffer and written some 64 KiB at a time (a dozen
        // small writes a claim through `dyn Write` cost more than the claim's text).
        let buf = &mut self.buf;
        buf.clear();
        buf.extend_from_slice(b"{\"claims\":[");
        for (i, claim) in result.claims.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            write_claim(buf, claim)?;
            if buf.len() >= 1 << 16 {
                out.write_all(buf)?;
                buf.clear();
            }
        }
        out.write_all(buf)?;
        out.write_all(b"],\"control_number\":")?;
        serde_json::to_writer(&mut *out, &text(set.control_number()))?;
        out.write_all(b",\"findings\":")?;
        write_sorted(out, &result.findings)?;
        out.write_all(b",\"guide\":")?;
        serde_json::to_writer(&mut *out, &result.guide.map(|g| g.id.as_str()))?;
        out.write_all(b",\"position\":")?;
        buf.clear();
        write_position(buf, &set.position())?;
        out.write_all(buf)?;
        let status = if result.accepted() {
            "accepted"
        } else {
            "rejected"
        };
        write!(
            out,
            ",\"segment_count\":{},\"status\":\"{status}\",\"type\":",
            set.segment_count()
        )?;
        serde_json::to_writer(&mut *out, &text(set.transaction_type()))?;
        out.write_all(b",\"version\":")?;
        serde_json::to_writer(&mut *out, &text(set.version()))?;
        out.write_all(b"}")
    }

    fn group_end(
        &mut self,
        _: &GroupInfo,
        declared: Option<u64>,
        found: u64,
        findings: &[Finding],
    ) -> io::Result<()> {
        self.in_group = false;
        write!(self.out, "],\"declared_count\":")?;
        serde_json::to_writer(&mut *self.out, &declared)?;
        write!(self.out, ",\"found_count\":{found},\"findings\":")?;
        serde_json::to_writer(&mut *self.out, findings)?;
        self.out.write_all(b"}")
    }

    fn interchange_end(&mut self, _: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
        self.in_interchange = false;
        self.out.write_all(b"],\"findings\":")?;
        serde_json::to_writer(&mut *self.out, findings)?;
        self.out.write_all(b"}")
    }

    fn fatal(&mut self, info: Option<&InterchangeInfo>, findings: &[Finding]) -> io::Result<()> {
        if info.is_none() {
            // Nothing was open: report the error as an interchange-less entry.
            if !self.first_interchange {
                self.out.write_all(b",")?;
            }
            self.first_interchange = false;
            self.out
                .write_all(b"{\"interchange\":null,\"groups\":[],\"findings\":")?;
            serde_json::to_writer(&mut *self.out, findings)?;
            return self.out.write_all(b"}");
        }
        self.close_open(findings)
    }
}

/// Writes `value` as its `serde_json::Value` is written: every object's keys in order.
fn write_sorted<T: serde::Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let value = serde_json::to_value(value).map_err(io::Error::other)?;
    serde_json::to_writer(out, &value)?;
    Ok(())
}

/// Writes a position as [`write_sorted`] does (keys in order), numbers as serde_json
/// writes them (not through `fmt`, which cost a few hundred instructions a number).
fn write_position(buf: &mut Vec<u8>, position: &Position) -> io::Result<()> {
    buf.extend_from_slice(b"{\"line\":");
    serde_json::to_writer(&mut *buf, &position.line)?;
    buf.extend_from_slice(b",\"offset\":");
    serde_json::to_writer(&mut *buf, &position.offset)?;
    buf.extend_from_slice(b",\"segment\":");
    serde_json::to_writer(&mut *buf, &position.segment)?;
    buf.push(b'}');
    Ok(())
}

/// Writes a claim's result as [`write_sorted`] does; one without findings (nearly all)
/// field by field.
fn write_claim(buf: &mut Vec<u8>, claim: &ClaimResult) -> io::Result<()> {
    if !claim.findings.is_empty() {
        return write_sorted(buf, claim);
    }
    buf.extend_from_slice(b"{\"claim_id\":");
    serde_json::to_writer(&mut *buf, claim.claim_id.as_str())?;
    buf.extend_from_slice(b",\"findings\":[],\"position\":");
    write_position(buf, &claim.position)?;
    buf.extend_from_slice(b",\"segment_in_set\":");
    serde_json::to_writer(&mut *buf, &claim.segment_in_set)?;
    buf.extend_from_slice(b",\"status\":");
    serde_json::to_writer(&mut *buf, &claim.status)?;
    buf.extend_from_slice(b",\"total_charge\":");
    serde_json::to_writer(&mut *buf, claim.total_charge.as_str())?;
    buf.push(b'}');
    Ok(())
}

/// Collects one file's test cases for the JUnit report.
struct JunitPrinter {
    file: String,
    cases: Vec<(String, Vec<Finding>)>,
}

impl JunitPrinter {
    fn new(file: &str) -> Self {
        JunitPrinter {
            file: file.to_string(),
            cases: Vec::new(),
        }
    }

    fn failures(&self) -> usize {
        self.cases
            .iter()
            .filter(|(_, f)| f.iter().any(|f| f.severity == Severity::Error))
            .count()
    }
}

impl Observer for JunitPrinter {
    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        let set = &result.set;
        let name = format!(
            "ST {} ({} {})",
            String::from_utf8_lossy(set.control_number()),
            String::from_utf8_lossy(set.transaction_type()),
            String::from_utf8_lossy(set.version())
        );
        let mut findings = result.findings.clone();
        for claim in &result.claims {
            if claim.status == ClaimStatus::Rejected || !claim.findings.is_empty() {
                findings.extend(claim.findings.iter().cloned());
            }
        }
        self.cases.push((name, findings));
        Ok(())
    }

    fn interchange_end(&mut self, info: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
        self.cases.push((
            format!("interchange {}", info.control_number),
            findings.to_vec(),
        ));
        Ok(())
    }

    fn group_end(
        &mut self,
        info: &GroupInfo,
        _: Option<u64>,
        _: u64,
        findings: &[Finding],
    ) -> io::Result<()> {
        if !findings.is_empty() {
            self.cases
                .push((format!("group {}", info.control_number), findings.to_vec()));
        }
        Ok(())
    }

    fn fatal(&mut self, info: Option<&InterchangeInfo>, findings: &[Finding]) -> io::Result<()> {
        let name = match info {
            Some(info) => format!("interchange {}", info.control_number),
            None => "input".to_string(),
        };
        self.cases.push((name, findings.to_vec()));
        Ok(())
    }
}

/// Escapes text for XML attributes and content.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn write_junit(out: &mut dyn Write, files: &[JunitPrinter]) -> io::Result<()> {
    let tests: usize = files.iter().map(|f| f.cases.len()).sum();
    let failures: usize = files.iter().map(JunitPrinter::failures).sum();
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"x12pipe validate\" tests=\"{tests}\" failures=\"{failures}\">"
    )?;
    for file in files {
        writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            xml(&file.file),
            file.cases.len(),
            file.failures()
        )?;
        for (name, findings) in &file.cases {
            write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml(&file.file),
                xml(name)
            )?;
            let errors: Vec<&Finding> = findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .collect();
            if errors.is_empty() {
                writeln!(out, "/>")?;
                continue;
            }
            writeln!(out, ">")?;
            let details: Vec<String> = errors
                .iter()
                .map(|f| {
                    format!(
                        "{}:{}: {}[{}]: {}",
                        file.file,
                        f.location.position.line,
                        f.severity,
                        f.code.id(),
                        f.message
                    )
                })
                .collect();
            writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                xml(&format!(
                    "{} error(s); first: {}",
                    errors.len(),
                    errors[0].message
                )),
                xml(errors[0].code.id()),
                xml(&details.join("\n"))
            )?;
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}
