//! What `cargo bench --bench claims` times, once, on a file: for counting instructions
//! (callgrind) where wall-clock is too noisy.
//!
//! - `validate FILE`: validation with an observer that keeps nothing;
//! - `extract FILE`: the same plus building every claim, handed to a closure that counts
//!   service lines (no serialization).
//!
//! Run: `valgrind --tool=callgrind target/release/examples/claims_cost extract FILE`; the
//! ratio of the two runs' instructions approximates the bench's extract/validate ratio.

use std::hint::black_box;

use x12pipe::claim::{Claim, extract};
use x12pipe::validate::{Observer, ValidateOptions, validate};

struct Quiet;
impl Observer for Quiet {}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(what), Some(path)) = (args.first(), args.get(1)) else {
        return Err("usage: claims_cost validate|extract FILE".into());
    };
    let data = std::fs::read(path)?;
    let mut options = ValidateOptions::new();
    options.today = time::Date::from_calendar_date(2026, time::Month::November, 23)?;
    match what.as_str() {
        "validate" => {
            let summary = validate(&data[..], &options, &mut Quiet)?;
            println!("{} claims, {} errors", summary.claims, summary.errors);
        }
        "extract" => {
            let mut lines = 0u64;
            let summary = extract(&data[..], &options, |claim: &Claim, _| {
                lines += claim.lines.len() as u64;
                black_box(claim);
                Ok(())
            })?;
            println!("{} claims, {lines} service lines", summary.claims);
        }
        _ => return Err("usage: claims_cost validate|extract FILE".into()),
    }
    Ok(())
}
