//! `x12pipe write`: claims as JSON (an array, or one claim per line) to one 837 interchange.

use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use clap::Args;
use serde::de::{DeserializeSeed, SeqAccess, Visitor};

use x12pipe::claim::write::{
    ClaimWriter, DEFAULT_CLAIMS_PER_SET, LineBreak, Usage, WriteError, WriteOptions, WriteSummary,
    kind_name, version,
};
use x12pipe::claim::{Claim, ClaimType};

use super::gen_cmd::DelimiterArgs;
use super::{Outcome, open_input, parse_day};

/// Write claims given as JSON as one valid 5010 837 interchange.
///
/// The input is a JSON array of claims or NDJSON (one claim per line), as `x12pipe claims`
/// prints them; '-' reads standard input. Claims are written as they are read (NDJSON and
/// arrays alike), so memory does not grow with their number.
///
/// The writer computes the envelopes (ISA/GS/ST with their control numbers, dates and
/// versions), the HL hierarchy and every count (SE01, GE01, IEA01). Consecutive claims with
/// the same transaction header, submitter and receiver share a transaction set (up to
/// --claims-per-set); with the same billing provider a 2000A loop; with the same subscriber
/// and payer a 2000B loop; with the same patient a 2000C loop.
///
/// A claim that cannot be written stops the run with its position in the input (from 0) and
/// the field's path, never its value: 'claim 3: lines[1].charge: is not a decimal number'.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  x12pipe write --kind 837p claims.json -o claims.x12      a JSON array of claims to a file
  x12pipe write --kind 837i claims.ndjson > claims.x12      one claim per line, to stdout
  x12pipe write --kind 837p claims.json --sender-id MYCLINIC --receiver-qualifier 30 \\
                --receiver-id 123456789 --control-number 1001 --usage P
  x12pipe write --kind 837d claims.json --element '|' --component '>' --crlf

A minimal 837P claim (one line of claims.ndjson; add every field the payer needs):
  {\"type\": \"professional\",
   \"transaction\": {\"purpose\": \"00\", \"reference\": \"B1\", \"date\": \"2025-03-27\", \"time\": \"1200\", \"claim_or_encounter\": \"CH\"},
   \"submitter\": {\"entity\": \"41\", \"entity_type\": \"2\", \"name\": \"MY CLINIC\", \"id_qualifier\": \"46\", \"id\": \"MYCLINIC\",
                 \"contacts\": [{\"function\": \"IC\", \"name\": \"BILLING\", \"numbers\": [{\"qualifier\": \"TE\", \"value\": \"5555550100\"}]}]},
   \"receiver\": {\"entity\": \"40\", \"entity_type\": \"2\", \"name\": \"CLEARINGHOUSE\", \"id_qualifier\": \"46\", \"id\": \"CLEAR\"},
   \"billing_provider\": {...}, \"subscriber\": {...}, \"payer\": {...},
   \"id\": \"PCN0001\", \"total_charge\": \"100\", \"facility_code\": \"11\", \"facility_qualifier\": \"B\", \"frequency\": \"1\",
   \"diagnoses\": [{\"qualifier\": \"ABK\", \"code\": \"J029\"}],
   \"lines\": [{\"number\": \"1\", \"procedure\": {\"qualifier\": \"HC\", \"code\": \"99213\"}, \"charge\": \"100\",
              \"unit_basis\": \"UN\", \"units\": \"1\", \"diagnosis_pointers\": [\"1\"],
              \"dates\": [{\"qualifier\": \"472\", \"format\": \"D8\", \"value\": \"2025-03-20\"}]}]}
(tests/claims/837p.json in the repository is a complete example.)

Envelope defaults: sender and receiver from the first claim's \"source\" (claims read from an
X12 file), else the submitter's and receiver's ids with qualifier ZZ; the control number
from that source, else 1; date and time now (UTC). Dates are ISO 8601 (2025-03-20, ranges
2025-03-20/2025-03-22) and written as CCYYMMDD.

Exit codes: 0 written, 2 bad input (the message names the claim and field), unusable
options, or the output could not be written.")]
pub struct WriteArgs {
    /// Claim type: 837p (professional, 005010X222A1), 837i (institutional, 005010X223A2) or
    /// 837d (dental, 005010X224A2). Every claim must be of this type.
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    kind: ClaimType,

    /// The claims: a JSON array or NDJSON; '-' for standard input.
    #[arg(value_name = "CLAIMS")]
    input: PathBuf,

    /// Write to FILE instead of standard output (a one-line summary then goes to stderr).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// ISA06, the interchange sender id (at most 15 characters).
    #[arg(long, value_name = "ID")]
    sender_id: Option<String>,

    /// ISA05, the sender id qualifier (ZZ mutually defined, 30 federal tax id, 01 DUNS...).
    #[arg(long, value_name = "QQ")]
    sender_qualifier: Option<String>,

    /// ISA08, the interchange receiver id (at most 15 characters).
    #[arg(long, value_name = "ID")]
    receiver_id: Option<String>,

    /// ISA07, the receiver id qualifier.
    #[arg(long, value_name = "QQ")]
    receiver_qualifier: Option<String>,

    /// GS02, the application sender code (default: the sender id).
    #[arg(long, value_name = "ID")]
    application_sender: Option<String>,

    /// GS03, the application receiver code (default: the receiver id).
    #[arg(long, value_name = "ID")]
    application_receiver: Option<String>,

    /// ISA13 and GS06, the interchange and group control number (1 to 999999999).
    #[arg(long, value_name = "N")]
    control_number: Option<u64>,

    /// ISA15: T (test) or P (production).
    #[arg(long, value_name = "T|P", default_value = "T", value_parser = parse_usage)]
    usage: Usage,

    /// ISA14 = 1: ask the receiver for a TA1.
    #[arg(long)]
    ack_requested: bool,

    /// ISA09/GS04 as YYYY-MM-DD instead of today (for reproducible output).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    date: Option<time::Date>,

    /// ISA10/GS05 as HHMM instead of now.
    #[arg(long, value_name = "HHMM", value_parser = parse_time)]
    time: Option<(u8, u8)>,

    /// Start a new transaction set after this many claims.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CLAIMS_PER_SET)]
    claims_per_set: u64,

    /// Delimiters and line breaks.
    #[command(flatten)]
    delimiters: DelimiterArgs,
}

fn parse_kind(name: &str) -> Result<ClaimType, String> {
    match name.to_ascii_lowercase().as_str() {
        "837p" => Ok(ClaimType::Professional),
        "837i" => Ok(ClaimType::Institutional),
        "837d" => Ok(ClaimType::Dental),
        _ => Err("expected 837p, 837i or 837d".to_string()),
    }
}

fn parse_usage(text: &str) -> Result<Usage, String> {
    match text {
        "T" | "t" => Ok(Usage::Test),
        "P" | "p" => Ok(Usage::Production),
        _ => Err("expected T (test) or P (production)".to_string()),
    }
}

fn parse_date(text: &str) -> Result<time::Date, String> {
    parse_day(text).ok_or_else(|| format!("expected a date YYYY-MM-DD, got '{text}'"))
}

fn parse_time(text: &str) -> Result<(u8, u8), String> {
    let digits = text.replace(':', "");
    let bad = || format!("expected a time HHMM (00:00 to 23:59), got '{text}'");
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let hour: u8 = digits[..2].parse().map_err(|_| bad())?;
    let minute: u8 = digits[2..].parse().map_err(|_| bad())?;
    if hour > 23 || minute > 59 {
        return Err(bad());
    }
    Ok((hour, minute))
}

impl WriteArgs {
    fn options(&self) -> WriteOptions {
        WriteOptions {
            sender_qualifier: self.sender_qualifier.clone(),
            sender_id: self.sender_id.clone(),
            receiver_qualifier: self.receiver_qualifier.clone(),
            receiver_id: self.receiver_id.clone(),
            application_sender: self.application_sender.clone(),
            application_receiver: self.application_receiver.clone(),
            control_number: self.control_number,
            date: self.date,
            time: self.time,
            usage: self.usage,
            acknowledgment_requested: self.ack_requested,
            delimiters: self.delimiters.delimiters(),
            line_break: if self.delimiters.no_line_breaks {
                LineBreak::None
            } else if self.delimiters.crlf {
                LineBreak::CrLf
            } else {
                LineBreak::Lf
            },
            claims_per_set: self.claims_per_set,
            ..WriteOptions::new(self.kind)
        }
    }
}

/// Why a run failed.
enum Failure {
    /// The input is not claims JSON: where, and what serde says (values stripped).
    Json { claim: Option<u64>, message: String },
    /// The writer refused a claim or the options, or the output failed.
    Write(WriteError),
    /// The input could not be read.
    Read(io::Error),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Json {
                claim: Some(index),
                message,
            } => write!(f, "claim {index}: {message}"),
            Failure::Json {
                claim: None,
                message,
            } => f.write_str(message),
            Failure::Write(e) => e.fmt(f),
            Failure::Read(e) => write!(f, "cannot read the input: {e}"),
        }
    }
}

/// A serde_json error without the input's values: messages such as `invalid type: string
/// "WILSON", expected ...` quote data, which may be a patient's.
fn json_failure(error: &serde_json::Error, claim: Option<u64>) -> Failure {
    if error.is_io() {
        return Failure::Read(io::Error::other(error.to_string()));
    }
    let at = format!("line {} column {}", error.line(), error.column());
    let text = error.to_string();
    let text = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(head, _)| head);
    let message = if error.is_syntax() || error.is_eof() {
        // serde_json's syntax messages ("expected value", "EOF while parsing a list")
        // quote no input.
        format!("not valid JSON at {at}: {text}")
    } else if let Some(expected) = text.split_once(", expected ").map(|(_, e)| e)
        && (text.starts_with("invalid type") || text.starts_with("invalid value"))
    {
        format!("invalid value at {at}: expected {expected}")
    } else if text.starts_with("unknown variant") {
        let expected = text.split_once(", expected ").map_or("", |(_, e)| e);
        format!("unknown claim type at {at}: expected {expected}")
    } else if text.starts_with("unknown field") || text.starts_with("missing field") {
        // Field names are the model's (or the input's keys), not values.
        format!("{text} at {at}")
    } else {
        format!("not a claim at {at}")
    };
    Failure::Json { claim, message }
}

/// Runs `x12pipe write`.
pub fn run(args: &WriteArgs) -> Outcome {
    let options = args.options();
    if let Err(e) = options.check() {
        eprintln!("x12pipe write: {e}");
        return Outcome::Failure;
    }
    let input = match open_input(&args.input) {
        Ok(input) => input,
        Err(e) => {
            eprintln!("x12pipe write: cannot open {}: {e}", args.input.display());
            return Outcome::Failure;
        }
    };
    let result = match &args.output {
        Some(path) => {
            let file = match File::create(path) {
                Ok(file) => file,
                Err(e) => {
                    eprintln!("x12pipe write: cannot create {}: {e}", path.display());
                    return Outcome::Failure;
                }
            };
            let result = write_all(input, ClaimWriter::new(file, options));
            if result.is_err() {
                // Half an interchange is of no use to anyone.
                let _ = fs::remove_file(path);
            }
            result
        }
        None => write_all(input, ClaimWriter::new(io::stdout().lock(), options)),
    };
    match result {
        Ok(summary) => {
            if let Some(path) = &args.output {
                eprintln!(
                    "{}: {} {}: {}",
                    path.display(),
                    kind_name(args.kind),
                    version(args.kind),
                    summary_line(&summary)
                );
            }
            Outcome::Success
        }
        Err(Failure::Write(WriteError::Io(e))) if e.kind() == io::ErrorKind::BrokenPipe => {
            Outcome::Success
        }
        Err(failure) => {
            eprintln!("x12pipe write: {}: {failure}", display_input(&args.input));
            Outcome::Failure
        }
    }
}

/// `3 claims in 1 transaction set, 84 segments, 2130 bytes`.
fn summary_line(summary: &WriteSummary) -> String {
    let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{} in {}, {}, {}",
        plural(summary.claims, "claim"),
        plural(summary.transaction_sets, "transaction set"),
        plural(summary.segments, "segment"),
        plural(summary.bytes, "byte"),
    )
}

fn display_input(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Reads claims (array or NDJSON, told apart by the first non-blank byte) and writes them.
fn write_all<W: io::Write>(
    input: Box<dyn Read>,
    mut writer: ClaimWriter<W>,
) -> Result<WriteSummary, Failure> {
    let mut input = BufReader::with_capacity(64 << 10, input);
    let first = loop {
        let buf = input.fill_buf().map_err(Failure::Read)?;
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => break Some(buf[i]),
            None if buf.is_empty() => break None,
            None => {
                let n = buf.len();
                input.consume(n);
            }
        }
    };
    match first {
        None => {
            return Err(Failure::Json {
                claim: None,
                message: "the input is empty: expected a JSON array of claims or one claim per \
                          line"
                    .to_string(),
            });
        }
        Some(b'[') => {
            let mut de = serde_json::Deserializer::from_reader(input);
            let mut failure = None;
            let seed = ArraySeed {
                writer: &mut writer,
                failure: &mut failure,
            };
            if let Err(e) = seed.deserialize(&mut de).and_then(|()| de.end()) {
                return Err(match failure {
                    Some(Failure::Json { claim, .. }) => json_failure(&e, claim),
                    Some(failure) => failure,
                    None => json_failure(&e, None),
                });
            }
        }
        Some(_) => {
            let stream = serde_json::Deserializer::from_reader(input).into_iter::<Claim>();
            for (index, claim) in stream.enumerate() {
                let claim = claim.map_err(|e| json_failure(&e, Some(index as u64)))?;
                writer.write(&claim).map_err(Failure::Write)?;
            }
        }
    }
    writer.finish().map_err(Failure::Write)
}

/// Deserializes a JSON array element by element, writing each claim as soon as it is read.
struct ArraySeed<'a, W: io::Write> {
    writer: &'a mut ClaimWriter<W>,
    failure: &'a mut Option<Failure>,
}

impl<'de, W: io::Write> DeserializeSeed<'de> for ArraySeed<'_, W> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, W: io::Write> Visitor<'de> for ArraySeed<'_, W> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of claims")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0u64;
        loop {
            let claim = match seq.next_element::<Claim>() {
                Ok(Some(claim)) => claim,
                Ok(None) => return Ok(()),
                Err(e) => {
                    // The error is located (line, column) by the deserializer on its way
                    // out; remember which claim it was in.
                    *self.failure = Some(Failure::Json {
                        claim: Some(index),
                        message: String::new(),
                    });
                    return Err(e);
                }
            };
            if let Err(e) = self.writer.write(&claim) {
                *self.failure = Some(Failure::Write(e));
                return Err(serde::de::Error::custom("claim refused"));
            }
            index += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_usages_parse() {
        assert_eq!(parse_time("0905"), Ok((9, 5)));
        assert_eq!(parse_time("23:59"), Ok((23, 59)));
        assert!(parse_time("2400").is_err());
        assert!(parse_time("9:5").is_err());
        assert_eq!(parse_usage("P"), Ok(Usage::Production));
        assert!(parse_usage("X").is_err());
        assert_eq!(parse_kind("837I"), Ok(ClaimType::Institutional));
    }
}
