//! `x12pipe gen`: write a deterministic synthetic 837 interchange.

use clap::Args;

use super::Outcome;

/// Write a deterministic synthetic 5010 837 interchange (no real person's data).
#[derive(Debug, Args)]
pub struct GenArgs {}

/// Runs `x12pipe gen`.
pub fn run(_args: &GenArgs) -> Outcome {
    eprintln!("x12pipe gen: not built yet");
    Outcome::Failure
}
