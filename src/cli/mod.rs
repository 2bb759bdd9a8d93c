//! Command-line interface: `x12pipe parse`, `validate`, `claims`, `write`, `ack`, `gen`,
//! `submit`, `ledger`, `sim`.
//!
//! Output goes to stdout, diagnostics to stderr. Exit codes: 0 success, 1 the input has
//! errors, 2 usage or I/O errors (a file that cannot be opened or written).

mod ack_cmd;
mod claims_cmd;
mod gen_cmd;
mod ledger_cmd;
mod parse_cmd;
mod sim_cmd;
mod submit_cmd;
mod validate_cmd;
mod write_cmd;

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Check and submit healthcare X12 837 claim files (5010).
#[derive(Debug, Parser)]
#[command(name = "x12pipe", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 success, 1 the input has errors, 2 usage or I/O error,\n\
3 (submit) some sets need an operator or the run was interrupted.\n\
Run 'x12pipe <command> --help' for a command's options and examples."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Parse(parse_cmd::ParseArgs),
    Validate(validate_cmd::ValidateArgs),
    Claims(claims_cmd::ClaimsArgs),
    Ack(ack_cmd::AckArgs),
    Submit(submit_cmd::SubmitArgs),
    Ledger(ledger_cmd::LedgerArgs),
    Sim(sim_cmd::SimArgs),
    Gen(gen_cmd::GenArgs),
    Write(write_cmd::WriteArgs),
}

/// Opens a file, or standard input for `-`.
pub fn open_input(path: &Path) -> io::Result<Box<dyn Read>> {
    if path == Path::new("-") {
        Ok(Box::new(io::stdin().lock()))
    } else {
        Ok(Box::new(File::open(path)?))
    }
}

/// Standard output, or a new file for `-o FILE`; `None` (the error said) when the file
/// cannot be created.
pub fn create_output(command: &str, path: Option<&Path>) -> Option<Box<dyn io::Write>> {
    match path {
        Some(path) => match File::create(path) {
            Ok(file) => Some(Box::new(file)),
            Err(e) => {
                eprintln!("x12pipe {command}: cannot create {}: {e}", path.display());
                None
            }
        },
        None => Some(Box::new(io::stdout().lock())),
    }
}

/// Validation options from the flags `validate` and `claims` share (`--lenient`,
/// `--disable CODE`, `--today YYYY-MM-DD`); `None` (the error said) for a bad value.
pub fn check_options(
    command: &str,
    lenient: bool,
    disable: &[String],
    today: Option<&str>,
) -> Option<x12pipe::validate::ValidateOptions> {
    let mut options = x12pipe::validate::ValidateOptions::new();
    options.parse = x12pipe::envelope::ParseOptions {
        lenient,
        ..x12pipe::envelope::ParseOptions::default()
    };
    for id in disable {
        match x12pipe::finding::Code::from_id(id) {
            Some(code) => options.disabled.push(code),
            None => {
                eprintln!(
                    "x12pipe {command}: unknown code {id:?} for --disable (see docs/findings.md)"
                );
                return None;
            }
        }
    }
    if let Some(day) = today {
        match parse_day(day) {
            Some(date) => options.today = date,
            None => {
                eprintln!(
                    "x12pipe {command}: --today wants a real date as YYYY-MM-DD, got {day:?}"
                );
                return None;
            }
        }
    }
    Some(options)
}

/// A date given as YYYY-MM-DD on the command line.
pub fn parse_day(text: &str) -> Option<time::Date> {
    let mut parts = text.splitn(3, '-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// The outcome of a command, as the process will report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Everything succeeded.
    Success,
    /// The input has errors (exit code 1).
    InputErrors,
    /// Usage or I/O error (exit code 2).
    Failure,
    /// Work left for an operator: sets in doubt or dead, or an interrupted run (exit code 3).
    Incomplete,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::InputErrors => ExitCode::from(1),
            Outcome::Failure => ExitCode::from(2),
            Outcome::Incomplete => ExitCode::from(3),
        }
    }
}

/// Runs the command line.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Parse(args) => parse_cmd::run(&args),
        Command::Validate(args) => validate_cmd::run(&args),
        Command::Claims(args) => claims_cmd::run(&args),
        Command::Ack(args) => ack_cmd::run(&args),
        Command::Gen(args) => gen_cmd::run(&args),
        Command::Write(args) => write_cmd::run(&args),
        Command::Ledger(args) => ledger_cmd::run(&args),
        Command::Sim(args) => sim_cmd::run(&args),
        Command::Submit(args) => submit_cmd::run(&args),
    };
    outcome.into()
}
