//! `x12pipe ack`: write a TA1 or 999 acknowledgment, or the per-claim report, for a file.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use x12pipe::ack::{Ack999Writer, AckOptions, Ta1Writer};
use x12pipe::envelope::ParseOptions;
use x12pipe::validate::{Observer, SetResult, ValidateOptions, validate};

use super::{Outcome, create_output, open_input, parse_day};

/// Write the acknowledgment a receiver would send for FILE: a TA1 (interchange), a 999
/// (implementation acknowledgment: IK3/CTX/IK4 per syntax finding, IK5 per transaction set,
/// AK9 per group), or the per-claim report (JSON: each claim's status and business findings).
///
/// Envelopes mirror the input (sender and receiver swapped, the input's delimiters); the
/// acknowledged control numbers are copied and counts computed. No element data is copied.
/// An interchange the TA1 rejects (TA104 R) gets no 999: its groups were not processed.
/// The 999 is the HIPAA one (005010X231A1): groups of acknowledgments (GS01 FA) and groups
/// its guide cannot name (PO, IN, ...) are left out, a set it cannot name (an 850) gets no
/// AK2 and counts in AK9 as not accepted, and each is named on stderr.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  x12pipe ack --kind 999 claims.x12 > claims.999
  x12pipe ack --kind ta1 claims.x12
  x12pipe ack --kind claims claims.x12 | jq '.claims[] | select(.status == \"rejected\")'
  x12pipe ack --kind 999 --date 2026-01-02 --time 0930 --control-number 1 claims.x12   reproducible output

Exit codes: 0 the acknowledgment was written (whatever it says), 2 usage or I/O error.")]
pub struct AckArgs {
    /// The file to acknowledge; '-' reads standard input.
    #[arg(value_name = "FILE")]
    file: PathBuf,

    /// What to write.
    #[arg(long, value_enum)]
    kind: Kind,

    /// Write to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// ISA13/GS06 of the acknowledgment (default: the acknowledged interchange's ISA13).
    #[arg(long, value_name = "N")]
    control_number: Option<u32>,

    /// Date written in ISA09/GS04, YYYY-MM-DD (default today, UTC); also the date service
    /// dates are checked against.
    #[arg(long, value_name = "DATE")]
    date: Option<String>,

    /// Time written in ISA10/GS05, HHMM (default now, UTC).
    #[arg(long, value_name = "HHMM")]
    time: Option<String>,

    /// Accept wrong SE01/GE01/IEA01 counts as warnings (the acknowledgment says E, not R).
    #[arg(long)]
    lenient: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Kind {
    /// TA1 interchange acknowledgment.
    Ta1,
    /// 999 implementation acknowledgment (005010X231A1).
    #[value(name = "999")]
    Ack999,
    /// Per-claim report (JSON).
    Claims,
}

/// Writes the per-claim report as JSON lines inside one document.
struct ClaimReport<'o> {
    out: &'o mut dyn Write,
    first: bool,
}

impl Observer for ClaimReport<'_> {
    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        for claim in &result.claims {
            if !self.first {
                self.out.write_all(b",\n")?;
            }
            self.first = false;
            let value = serde_json::json!({
                "interchange": text(result.set.isa().control_number()),
                "group": text(result.set.gs().control_number()),
                "transaction": text(result.set.control_number()),
                "transaction_accepted": result.accepted(),
                "claim_id": claim.claim_id,
                "total_charge": claim.total_charge,
                "status": claim.status,
                "position": claim.position,
                "findings": claim.findings,
            });
            serde_json::to_writer(&mut *self.out, &value)?;
        }
        Ok(())
    }
}

fn parse_time(text: &str) -> Option<(u8, u8)> {
    if text.len() != 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hour: u8 = text[..2].parse().ok()?;
    let minute: u8 = text[2..].parse().ok()?;
    (hour < 24 && minute < 60).then_some((hour, minute))
}

/// Runs `x12pipe ack`.
pub fn run(args: &AckArgs) -> Outcome {
    let mut ack = AckOptions::now();
    ack.control_number = args.control_number;
    let mut options = ValidateOptions::new();
    options.parse = ParseOptions {
        lenient: args.lenient,
        ..ParseOptions::default()
    };
    if let Some(day) = &args.date {
        match parse_day(day) {
            Some(date) => {
                ack.date = date;
                options.today = date;
            }
            None => {
                eprintln!("x12pipe ack: --date wants a real date as YYYY-MM-DD, got {day:?}");
                return Outcome::Failure;
            }
        }
    }
    if let Some(time) = &args.time {
        match parse_time(time) {
            Some(t) => ack.time = t,
            None => {
                eprintln!("x12pipe ack: --time wants HHMM, got {time:?}");
                return Outcome::Failure;
            }
        }
    }
    let source = match open_input(&args.file) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("{}: error: cannot open: {e}", args.file.display());
            return Outcome::Failure;
        }
    };
    let Some(out) = create_output("ack", args.output.as_deref()) else {
        return Outcome::Failure;
    };
    let mut out = BufWriter::new(out);
    let result = match args.kind {
        Kind::Ta1 => validate(source, &options, &mut Ta1Writer::new(&mut out, ack)),
        Kind::Ack999 => {
            let mut writer = Ack999Writer::new(&mut out, ack);
            let summary = validate(source, &options, &mut writer);
            for left in writer.not_acknowledged() {
                match &left.transaction {
                    Some(st02) => eprintln!(
                        "x12pipe ack: group {} set {st02} has no AK2: {}",
                        left.group, left.reason
                    ),
                    None => eprintln!(
                        "x12pipe ack: group {} not acknowledged: {}",
                        left.group, left.reason
                    ),
                }
            }
            summary
        }
        Kind::Claims => {
            let written = out.write_all(b"{\"claims\":[\n").and_then(|()| {
                let mut report = ClaimReport {
                    out: &mut out,
                    first: true,
                };
                validate(source, &options, &mut report)
            });
            written.and_then(|summary| {
                out.write_all(b"\n],\"summary\":")?;
                serde_json::to_writer(&mut out, &summary)?;
                out.write_all(b"}\n")?;
                Ok(summary)
            })
        }
    };
    match result.and_then(|_| out.flush()) {
        Ok(()) => Outcome::Success,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Outcome::Success,
        Err(e) => {
            eprintln!("x12pipe ack: {e}");
            Outcome::Failure
        }
    }
}
