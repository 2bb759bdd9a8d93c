//! The `x12pipe` command: parses arguments, runs a command, maps the outcome to an exit code.

#![forbid(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
