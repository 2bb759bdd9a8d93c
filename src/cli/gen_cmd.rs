//! `x12pipe gen`: write a deterministic synthetic 837 interchange.

use std::fs::File;
use std::io;
use std::path::PathBuf;

use clap::Args;

use x12pipe::syntax::Delimiters;
use x12pipe::synth::{ClaimKind, GenOptions, write_interchange};

use super::Outcome;

/// Write a deterministic synthetic 5010 837 interchange (no real person's data).
///
/// One interchange (ISA..IEA) with one functional group (GS..GE) of 837 transaction sets,
/// a new ST..SE every --claims-per-transaction claims. Claims follow the TR3 loops
/// (billing provider, subscriber, patient, claim, service lines) with balanced charges,
/// valid NPIs, real diagnosis and procedure codes and invented people. The same options
/// always give the same bytes: dates and control numbers come from the seed, never from the
/// clock. Memory use stays constant however many claims are written.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  x12pipe gen --kind 837p --claims 10 --seed 1                    10 professional claims to stdout
  x12pipe gen --kind 837i --claims 8 --seed 2 -o hospital.x12      institutional claims to a file
  x12pipe gen --kind 837p --claims 12 --seed 4 --claims-per-transaction 5
                                                                  three transaction sets (5, 5, 2)
  x12pipe gen --kind 837d --claims 5 --seed 5 --element '|' --component '>' --crlf
  x12pipe gen --kind 837p --claims 5 --seed 6 --element 0x1D --component 0x1F \\
              --repetition 0x1E --segment 0x1C --no-line-breaks  control-character delimiters
  x12pipe gen --kind 837p --claims 2000000 --seed 1 -o big.x12    about 880 MB, for benchmarks
  x12pipe gen --kind 837p --claims 3 --seed 1 | x12pipe parse -   generate and check

A delimiter is one ASCII character or a byte in hex (0x1D). The four must differ; letters,
digits, space, '.' and '-' are refused ('.' and '-' occur in the generated amounts and dates).

Exit codes: 0 written, 2 unusable options or the output could not be written.")]
pub struct GenArgs {
    /// Claim type: 837p (professional, 005010X222A1), 837i (institutional, 005010X223A2) or
    /// 837d (dental, 005010X224A2).
    #[arg(long, value_name = "KIND", value_parser = parse_kind)]
    kind: ClaimKind,

    /// Number of claims (CLM segments) to write.
    #[arg(long, value_name = "N")]
    claims: u64,

    /// Seed of every random choice, dates and control numbers included: same seed, same file.
    #[arg(long, value_name = "S")]
    seed: u64,

    /// Start a new transaction set (ST..SE) after this many claims (the TR3s recommend at
    /// most 5000 claims per transaction set).
    #[arg(long, value_name = "N", default_value_t = GenOptions::DEFAULT_CLAIMS_PER_TRANSACTION)]
    claims_per_transaction: u64,

    /// Write to FILE instead of standard output (a one-line summary then goes to stderr).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Delimiters and line breaks.
    #[command(flatten)]
    delimiters: DelimiterArgs,
}

fn parse_kind(name: &str) -> Result<ClaimKind, String> {
    ClaimKind::from_name(name).ok_or_else(|| "expected 837p, 837i or 837d".to_string())
}

/// The delimiter flags `gen` and `write` share.
#[derive(Debug, clap::Args)]
pub(super) struct DelimiterArgs {
    /// Element separator (the byte after ISA).
    #[arg(long, value_name = "C", default_value = "*", value_parser = parse_delimiter)]
    pub(super) element: u8,

    /// Component separator (ISA16), used inside composites such as CLM05 and SV101.
    #[arg(long, value_name = "C", default_value = ":", value_parser = parse_delimiter)]
    pub(super) component: u8,

    /// Repetition separator (ISA11).
    #[arg(long, value_name = "C", default_value = "^", value_parser = parse_delimiter)]
    pub(super) repetition: u8,

    /// Segment terminator.
    #[arg(long, value_name = "C", default_value = "~", value_parser = parse_delimiter)]
    pub(super) segment: u8,

    /// Write every segment on one line (no line break after the terminators).
    #[arg(long)]
    pub(super) no_line_breaks: bool,

    /// End lines with CR LF instead of LF.
    #[arg(long, conflicts_with = "no_line_breaks")]
    pub(super) crlf: bool,
}

impl DelimiterArgs {
    /// The four delimiters.
    pub(super) fn delimiters(&self) -> Delimiters {
        Delimiters {
            element: self.element,
            component: self.component,
            repetition: Some(self.repetition),
            segment: self.segment,
        }
    }
}

/// One ASCII character, a byte in hex (`0x1D`, `\x1D`), or `\n` / `\r` / `\t`. Whether the
/// byte may serve as a delimiter is checked later, with the others (see
/// [`GenOptions::check`]).
pub(super) fn parse_delimiter(text: &str) -> Result<u8, String> {
    let hex = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .or_else(|| text.strip_prefix("\\x"));
    match (text.as_bytes(), hex) {
        ([byte], _) if byte.is_ascii() => Ok(*byte),
        (b"\\n", _) => Ok(b'\n'),
        (b"\\r", _) => Ok(b'\r'),
        (b"\\t", _) => Ok(b'\t'),
        (_, Some(digits)) if !digits.is_empty() && digits.len() <= 2 => {
            u8::from_str_radix(digits, 16).map_err(|_| format!("'{text}' is not a hex byte"))
        }
        _ => Err(format!(
            "expected one ASCII character or a byte in hex such as 0x1D, got '{text}'"
        )),
    }
}

/// Runs `x12pipe gen`.
pub fn run(args: &GenArgs) -> Outcome {
    let options = GenOptions {
        claims_per_transaction: args.claims_per_transaction,
        delimiters: args.delimiters.delimiters(),
        line_breaks: !args.delimiters.no_line_breaks,
        crlf: args.delimiters.crlf,
        ..GenOptions::new(args.kind, args.claims, args.seed)
    };
    // Refuse bad options before creating (and truncating) an output file.
    if let Err(e) = options.check() {
        eprintln!("x12pipe gen: {e}");
        return Outcome::Failure;
    }
    match &args.output {
        Some(path) => {
            let file = match File::create(path) {
                Ok(file) => file,
                Err(e) => {
                    eprintln!("x12pipe gen: cannot create {}: {e}", path.display());
                    return Outcome::Failure;
                }
            };
            match write_interchange(file, &options) {
                Ok(summary) => {
                    eprintln!(
                        "{}: {} {}: {}",
                        path.display(),
                        options.kind,
                        options.kind.version(),
                        summary.line()
                    );
                    Outcome::Success
                }
                Err(e) => {
                    eprintln!("x12pipe gen: cannot write {}: {e}", path.display());
                    Outcome::Failure
                }
            }
        }
        None => match write_interchange(io::stdout().lock(), &options) {
            Ok(_) => Outcome::Success,
            // A closed pipe (`| head`) is the reader's choice, not a failure.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Outcome::Success,
            Err(e) => {
                eprintln!("x12pipe gen: cannot write output: {e}");
                Outcome::Failure
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_characters_hex_bytes_or_escapes() {
        assert_eq!(parse_delimiter("|"), Ok(b'|'));
        assert_eq!(parse_delimiter("0x1D"), Ok(0x1D));
        assert_eq!(parse_delimiter("0x1c"), Ok(0x1C));
        assert_eq!(parse_delimiter("\\x1F"), Ok(0x1F));
        assert_eq!(parse_delimiter("\\n"), Ok(b'\n'));
        // Letters parse here and are refused with the other checks, with the syntax
        // layer's reason.
        assert_eq!(parse_delimiter("A"), Ok(b'A'));
        assert!(parse_delimiter("").is_err());
        assert!(parse_delimiter("**").is_err());
        assert!(parse_delimiter("…").is_err());
        assert!(parse_delimiter("0x").is_err());
        assert!(parse_delimiter("0xZZ").is_err());
        assert!(parse_delimiter("0x100").is_err());
    }

    #[test]
    fn kinds_parse_in_any_case() {
        assert_eq!(parse_kind("837P"), Ok(ClaimKind::Professional));
        assert!(parse_kind("837x").is_err());
    }
}
