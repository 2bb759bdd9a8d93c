//! `x12pipe parse`: read X12 files as streams and report their envelope structure.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use x12pipe::envelope::{
    Event, Item, OpenProblems, ParseError, ParseOptions, Problem, Reader, Severity, SplitReader,
};
use x12pipe::json::JsonWriter;
use x12pipe::syntax::Position;

use super::Outcome;

/// Read X12 files and report their envelopes: interchanges, groups, transaction sets.
///
/// Each FILE is streamed (memory is bounded by the largest transaction set, not the file),
/// its delimiters are read from each ISA header, and the control numbers and counts of
/// ISA/IEA, GS/GE and ST/SE are checked. Problems are printed to stderr, one line each,
/// as FILE:LINE: error|warning: MESSAGE (byte offset, segment number).
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  x12pipe parse claims.x12                 summary of one file
  x12pipe parse samples/*.x12              several files, one summary line each
  cat claims.x12 | x12pipe parse -         read standard input
  x12pipe parse --format json claims.x12   the envelope tree with every segment, as JSON
  x12pipe parse --lenient partner.x12      wrong SE01/GE01/IEA01 counts become warnings
  x12pipe parse --threads 1 big.x12        one thread, even for a large file

Exit codes: 0 every file parsed without errors, 1 a file has errors, 2 a file could not be read.")]
pub struct ParseArgs {
    /// Files to read; '-' reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Output format: a summary per file, or the envelope tree with its segments as JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Accept wrong SE01/GE01/IEA01 counts and wrong ISA element widths as warnings.
    #[arg(long)]
    lenient: bool,

    /// Longest segment accepted, in bytes (a wrong terminator is reported past this).
    #[arg(long, value_name = "BYTES", default_value_t = ParseOptions::DEFAULT_MAX_SEGMENT_SIZE)]
    max_segment_size: usize,

    /// Largest transaction set accepted, in bytes (bounds memory use).
    #[arg(long, value_name = "BYTES", default_value_t = ParseOptions::DEFAULT_MAX_TRANSACTION_SIZE)]
    max_transaction_size: usize,

    /// Threads for one file (at most 2 are used): with 2, a second thread reads the second
    /// half of a large file (32 MiB or more, not standard input, text output) ahead, with
    /// the same results; 1 reads on one thread. Default: 2 when the machine has two cores
    /// or more.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..))]
    threads: Option<u8>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One summary line per file.
    Text,
    /// One JSON document: {"files": [{"file", "interchanges", "segment_count", "error"}]}.
    Json,
}

/// What one file held.
#[derive(Debug, Default)]
struct Summary {
    interchanges: u64,
    groups: u64,
    /// Transaction sets by (ST01, version).
    transactions: BTreeMap<(String, String), u64>,
    segments: u64,
    bytes: u64,
    errors: u64,
    warnings: u64,
}

impl Summary {
    fn transaction_total(&self) -> u64 {
        self.transactions.values().sum()
    }

    fn count_set(&mut self, transaction_type: &[u8], version: &[u8]) {
        let key = (
            String::from_utf8_lossy(transaction_type).into_owned(),
            String::from_utf8_lossy(version).into_owned(),
        );
        *self.transactions.entry(key).or_default() += 1;
    }

    fn add(&mut self, other: &Summary) {
        self.interchanges += other.interchanges;
        self.groups += other.groups;
        for (key, n) in &other.transactions {
            *self.transactions.entry(key.clone()).or_default() += n;
        }
        self.segments += other.segments;
        self.bytes += other.bytes;
        self.errors += other.errors;
        self.warnings += other.warnings;
    }

    fn line(&self) -> String {
        let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let by_type: Vec<String> = self
            .transactions
            .iter()
            .map(|((kind, version), n)| format!("{kind} {version}: {n}"))
            .collect();
        let sets = if by_type.is_empty() {
            plural(self.transaction_total(), "transaction set")
        } else {
            format!(
                "{} ({})",
                plural(self.transaction_total(), "transaction set"),
                by_type.join(", ")
            )
        };
        format!(
            "{}, {}, {}, {}, {}",
            plural(self.interchanges, "interchange"),
            plural(self.groups, "group"),
            sets,
            plural(self.segments, "segment"),
            plural(self.bytes, "byte"),
        )
    }
}

/// Prints one problem as FILE:LINE: SEVERITY: MESSAGE (byte N, segment N).
fn report_problem(file: &str, problem: &Problem) {
    report(file, problem.position, problem.severity, &problem.kind);
}

fn report_error(file: &str, error: &ParseError) {
    report(file, error.position, Severity::Error, &error.kind);
}

/// One diagnostic line: FILE:LINE: SEVERITY: MESSAGE (byte N, segment N).
fn report(file: &str, p: Position, severity: Severity, message: &dyn std::fmt::Display) {
    if p.segment == 0 {
        eprintln!(
            "{file}:{}: {severity}: {message} (byte {})",
            p.line, p.offset
        );
    } else {
        eprintln!(
            "{file}:{}: {severity}: {message} (byte {}, segment {})",
            p.line, p.offset, p.segment
        );
    }
}

/// Counts one event and reports its problems.
fn count_event(file: &str, summary: &mut Summary, event: &Event<'_>) {
    match event {
        Event::InterchangeStart(_) => summary.interchanges += 1,
        Event::GroupStart(_) => summary.groups += 1,
        Event::Transaction(set) => summary.count_set(set.transaction_type(), set.version()),
        _ => {}
    }
    report_problems(file, summary, event.problems());
}

fn report_problems<'p>(
    file: &str,
    summary: &mut Summary,
    problems: impl IntoIterator<Item = &'p Problem>,
) {
    for problem in problems {
        report_problem(file, problem);
        match problem.severity {
            Severity::Error => summary.errors += 1,
            Severity::Warning => summary.warnings += 1,
        }
    }
}

/// Reads a file in text mode, with a second thread for the second half of a large file.
fn parse_split(file: &str, path: &Path, options: ParseOptions) -> io::Result<Summary> {
    let mut summary = Summary::default();
    let mut reader = SplitReader::open(path, options)?;
    let mut fatal = None;
    loop {
        match reader.next_item() {
            Ok(Some(Item::Event(event))) => count_event(file, &mut summary, &event),
            Ok(Some(Item::Sets(sets))) => {
                for set in sets {
                    summary.count_set(&set.transaction_type, &set.version);
                    report_problems(file, &mut summary, &set.problems);
                }
            }
            Ok(None) => break,
            Err(error) => {
                fatal = Some(error);
                break;
            }
        }
    }
    let (segments, bytes) = (reader.segments_read(), reader.offset());
    end_of_file(
        file,
        &mut summary,
        segments,
        bytes,
        reader.open_problems(),
        fatal.as_ref(),
    );
    Ok(summary)
}

/// Counts what the file held and, after a fatal error, reports the problems already found
/// in the envelopes it cut short, then the error.
fn end_of_file(
    file: &str,
    summary: &mut Summary,
    segments: u64,
    bytes: u64,
    open: OpenProblems<'_>,
    fatal: Option<&ParseError>,
) {
    summary.segments = segments;
    summary.bytes = bytes;
    if let Some(error) = fatal {
        report_problems(file, summary, open.iter());
        report_error(file, error);
        summary.errors += 1;
    }
}

/// Reads one input, feeding events to the JSON writer when there is one.
fn parse_stream<W: Write>(
    file: &str,
    source: impl Read,
    options: ParseOptions,
    mut json: Option<JsonWriter<W>>,
) -> io::Result<(Summary, Option<W>)> {
    let mut summary = Summary::default();
    let mut reader = Reader::with_options(source, options);
    let mut fatal = None;
    loop {
        let event = match reader.next_event() {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(error) => {
                fatal = Some(error);
                break;
            }
        };
        count_event(file, &mut summary, &event);
        if let Some(json) = json.as_mut() {
            json.event(&event)?;
        }
    }
    let (segments, bytes) = (reader.segments_read(), reader.offset());
    end_of_file(
        file,
        &mut summary,
        segments,
        bytes,
        reader.open_problems(),
        fatal.as_ref(),
    );
    let out = match json {
        Some(json) => {
            Some(json.finish(summary.segments, reader.open_problems(), fatal.as_ref())?)
        }
        None => None,
    };
    Ok((summary, out))
}

/// Runs `x12pipe parse`.
pub fn run(args: &ParseArgs) -> Outcome {
    let options = ParseOptions {
        lenient: args.lenient,
        max_segment_size: args.max_segment_size,
        max_transaction_size: args.max_transaction_size,
    };
    let stdout = io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    match run_files(args, options, &mut out).and_then(|outcome| {
        out.flush()?;
        Ok(outcome)
    }) {
        Ok(outcome) => outcome,
        // A closed pipe (`| head`) is the reader's choice, not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Outcome::Success,
        Err(e) => {
            eprintln!("x12pipe: cannot write output: {e}");
            Outcome::Failure
        }
    }
}

/// The summary line of one file.
fn text_verdict(out: &mut impl Write, name: &str, summary: &Summary) -> io::Result<()> {
    let verdict = match (summary.errors, summary.warnings) {
        (0, 0) => "ok".to_string(),
        (0, w) => format!("ok, {w} warning{}", if w == 1 { "" } else { "s" }),
        (e, _) => format!("{e} error{}", if e == 1 { "" } else { "s" }),
    };
    writeln!(out, "{name}: {verdict}: {}", summary.line())
}

fn run_files(args: &ParseArgs, options: ParseOptions, out: &mut impl Write) -> io::Result<Outcome> {
    let mut total = Summary::default();
    let mut unreadable = 0;
    let mut with_errors = 0;
    if args.format == Format::Json {
        out.write_all(b"{\"files\":[")?;
    }
    let mut first = true;
    let threads = args.threads.map(usize::from).unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    for path in &args.files {
        let name = path.display().to_string();
        if args.format == Format::Text && threads > 1 && path != Path::new("-") {
            match parse_split(&name, path, options) {
                Ok(summary) => {
                    if summary.errors > 0 {
                        with_errors += 1;
                    }
                    text_verdict(out, &name, &summary)?;
                    total.add(&summary);
                }
                Err(e) => {
                    eprintln!("{name}: error: cannot open: {e}");
                    unreadable += 1;
                }
            }
            continue;
        }
        let source = match super::open_input(path) {
            Ok(source) => source,
            Err(e) => {
                eprintln!("{name}: error: cannot open: {e}");
                unreadable += 1;
                continue;
            }
        };
        let summary = match args.format {
            Format::Text => parse_stream::<&mut Vec<u8>>(&name, source, options, None)?.0,
            Format::Json => {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                let writer = JsonWriter::begin(&mut *out, &name)?;
                parse_stream(&name, source, options, Some(writer))?.0
            }
        };
        if summary.errors > 0 {
            with_errors += 1;
        }
        if args.format == Format::Text {
            text_verdict(out, &name, &summary)?;
        }
        total.add(&summary);
    }
    match args.format {
        Format::Json => out.write_all(b"]}\n")?,
        Format::Text if args.files.len() > 1 => {
            writeln!(
                out,
                "total: {} files, {} with errors, {} unreadable: {}",
                args.files.len(),
                with_errors,
                unreadable,
                total.line()
            )?;
        }
        Format::Text => {}
    }
    Ok(if unreadable > 0 {
        Outcome::Failure
    } else if with_errors > 0 {
        Outcome::InputErrors
    } else {
        Outcome::Success
    })
}
