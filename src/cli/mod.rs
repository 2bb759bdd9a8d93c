//! Command-line interface: `x12pipe parse`, `x12pipe gen`.
//!
//! Output goes to stdout, diagnostics to stderr. Exit codes: 0 success, 1 the input has
//! errors, 2 usage or I/O errors (a file that cannot be opened or written).

mod gen_cmd;
mod parse_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Check and submit healthcare X12 837 claim files (5010).
#[derive(Debug, Parser)]
#[command(name = "x12pipe", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 success, 1 the input has errors, 2 usage or I/O error.\n\
Run 'x12pipe <command> --help' for a command's options and examples."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Parse(parse_cmd::ParseArgs),
    Gen(gen_cmd::GenArgs),
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
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        match outcome {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::InputErrors => ExitCode::from(1),
            Outcome::Failure => ExitCode::from(2),
        }
    }
}

/// Runs the command line.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Parse(args) => parse_cmd::run(&args),
        Command::Gen(args) => gen_cmd::run(&args),
    };
    outcome.into()
}
