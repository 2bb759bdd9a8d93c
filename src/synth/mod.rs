//! Deterministic synthetic 837 claim files (5010) for samples, tests and benchmarks.
//!
//! [`write_interchange`] streams one interchange (ISA..IEA) holding one functional group
//! (GS..GE) of 837P, 837I or 837D transaction sets, a new ST..SE every
//! [`GenOptions::claims_per_transaction`] claims. The claims follow the TR3 loop structure
//! (submitter, receiver, billing provider, subscriber, patient, claim, service lines) with
//! balanced charges, valid NPIs and realistic codes; the people in them are invented.
//!
//! Two promises:
//!
//! - **Deterministic**: the output depends only on the [`GenOptions`]: same options, same
//!   bytes, on every platform and in every release (the crate's own PRNG, dates derived from
//!   the seed, never the clock). `tests/samples.rs` pins the bytes of the files in
//!   `samples/`, so any change to the output shows up there.
//! - **Streaming**: memory use is constant whatever the number of claims; output is written
//!   in chunks of 64 KiB.
//!
//! ```
//! use x12pipe::envelope::{Document, ParseOptions};
//! use x12pipe::synth::{ClaimKind, GenOptions, write_interchange};
//!
//! let options = GenOptions::new(ClaimKind::Professional, 3, 42);
//! let mut out = Vec::new();
//! let summary = write_interchange(&mut out, &options)?;
//! assert_eq!((summary.claims, summary.transaction_sets), (3, 1));
//! assert_eq!(summary.bytes, out.len() as u64);
//!
//! let doc = Document::parse(&out, ParseOptions::default())?;
//! assert_eq!(doc.problems().count(), 0);
//! assert_eq!(doc.segment_count, summary.segments);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod calendar;
mod data;
mod generate;
mod rng;
#[cfg(test)]
mod tests;
mod writer;

use std::fmt;
use std::io::{self, Write};

use crate::syntax::Delimiters;
use crate::syntax::delimiters::describe_byte;

/// Which 837 to generate: the implementation guide (TR3) its transaction sets follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClaimKind {
    /// 837P, professional claims (physicians, clinics, therapists): `005010X222A1`.
    Professional,
    /// 837I, institutional claims (hospitals, facilities): `005010X223A2`.
    Institutional,
    /// 837D, dental claims: `005010X224A2`.
    Dental,
}

impl ClaimKind {
    /// Every kind, in the order 837P, 837I, 837D.
    pub const ALL: [ClaimKind; 3] = [
        ClaimKind::Professional,
        ClaimKind::Institutional,
        ClaimKind::Dental,
    ];

    /// The kind named `837p`, `837i` or `837d` (any case).
    ///
    /// ```
    /// use x12pipe::synth::ClaimKind;
    ///
    /// assert_eq!(ClaimKind::from_name("837I"), Some(ClaimKind::Institutional));
    /// assert_eq!(ClaimKind::from_name("835"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        ClaimKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(name))
    }

    /// The short name: `837P`, `837I` or `837D`.
    pub fn name(&self) -> &'static str {
        match self {
            ClaimKind::Professional => "837P",
            ClaimKind::Institutional => "837I",
            ClaimKind::Dental => "837D",
        }
    }

    /// The version written in GS08 and ST03: `005010X222A1`, `005010X223A2` or
    /// `005010X224A2`.
    pub fn version(&self) -> &'static str {
        match self {
            ClaimKind::Professional => "005010X222A1",
            ClaimKind::Institutional => "005010X223A2",
            ClaimKind::Dental => "005010X224A2",
        }
    }
}

impl fmt::Display for ClaimKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What to generate. Build with [`GenOptions::new`] and adjust the public fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenOptions {
    /// 837P, 837I or 837D.
    pub kind: ClaimKind,
    /// Number of claims (CLM segments), at least 1.
    pub claims: u64,
    /// Seed of every random choice, dates and control numbers included.
    pub seed: u64,
    /// Claims per transaction set: a new ST..SE starts after this many (the TR3s recommend
    /// at most 5000 CLM per ST..SE). Default [`GenOptions::DEFAULT_CLAIMS_PER_TRANSACTION`].
    pub claims_per_transaction: u64,
    /// The delimiters. All four must be valid and distinct (see
    /// [`Delimiters::check_byte`]), a repetition separator is required (5010 ISA11), and `.`
    /// and `-` are refused because generated data uses them (decimal amounts, date ranges).
    /// Default `*`, `:`, `^`, `~`.
    pub delimiters: Delimiters,
    /// Write a line break after every segment terminator (default true). Ignored when the
    /// terminator is itself CR or LF.
    pub line_breaks: bool,
    /// Make those line breaks CR LF instead of LF (default false).
    pub crlf: bool,
}

impl GenOptions {
    /// Default [`GenOptions::claims_per_transaction`].
    pub const DEFAULT_CLAIMS_PER_TRANSACTION: u64 = 1000;

    /// GE01 is at most 6 digits, so one functional group holds at most this many
    /// transaction sets.
    pub const MAX_TRANSACTION_SETS: u64 = 999_999;

    /// `claims` claims of `kind` from `seed`, with the defaults: 1000 claims per transaction
    /// set, delimiters `*` `:` `^` `~`, LF after every segment.
    pub fn new(kind: ClaimKind, claims: u64, seed: u64) -> Self {
        GenOptions {
            kind,
            claims,
            seed,
            claims_per_transaction: Self::DEFAULT_CLAIMS_PER_TRANSACTION,
            delimiters: Delimiters::default(),
            line_breaks: true,
            crlf: false,
        }
    }

    /// Number of transaction sets these options produce.
    pub fn transaction_sets(&self) -> u64 {
        match self.claims_per_transaction {
            0 => 0,
            per => self.claims.div_ceil(per),
        }
    }

    /// Checks the options; the error (kind [`io::ErrorKind::InvalidInput`]) says what is
    /// wrong. [`write_interchange`] calls this before writing anything; call it yourself to
    /// fail before opening an output file.
    ///
    /// ```
    /// use x12pipe::synth::{ClaimKind, GenOptions};
    ///
    /// let mut options = GenOptions::new(ClaimKind::Dental, 10, 1);
    /// assert!(options.check().is_ok());
    /// options.delimiters.component = b'A';
    /// let error = options.check().unwrap_err();
    /// assert_eq!(error.to_string(), "invalid component separator (ISA16) 'A': a letter or digit cannot be a delimiter");
    /// ```
    pub fn check(&self) -> io::Result<()> {
        let invalid = |message: String| Err(io::Error::new(io::ErrorKind::InvalidInput, message));
        if self.claims == 0 {
            return invalid("the number of claims must be at least 1".to_string());
        }
        if self.claims_per_transaction == 0 {
            return invalid(
                "the number of claims per transaction set must be at least 1".to_string(),
            );
        }
        let sets = self.transaction_sets();
        if sets > Self::MAX_TRANSACTION_SETS {
            return invalid(format!(
                "{} claims at {} per transaction set make {sets} transaction sets, but GE01 \
                 allows at most {} in a functional group: raise the claims per transaction set",
                self.claims,
                self.claims_per_transaction,
                Self::MAX_TRANSACTION_SETS
            ));
        }
        let d = self.delimiters;
        if d.repetition.is_none() {
            return invalid("a 5010 interchange needs a repetition separator (ISA11)".to_string());
        }
        for (role, byte) in d.roles() {
            if let Err(fault) = Delimiters::check_byte(role, byte) {
                return invalid(format!("invalid {role} {}: {fault}", describe_byte(byte)));
            }
        }
        if let Some((first, second, byte)) = d.conflict() {
            return invalid(format!(
                "{} is used as both {first} and {second}",
                describe_byte(byte)
            ));
        }
        if let Some((role, byte)) = d.roles().find(|&(_, b)| b == b'.' || b == b'-') {
            return invalid(format!(
                "{} cannot be the {role}: generated data holds '.' (decimal amounts) and '-' \
                 (RD8 date ranges)",
                describe_byte(byte)
            ));
        }
        Ok(())
    }

    /// What is written after each segment terminator.
    fn line_break(&self) -> &'static [u8] {
        let terminator = self.delimiters.segment;
        if !self.line_breaks || terminator == b'\r' || terminator == b'\n' {
            b""
        } else if self.crlf {
            b"\r\n"
        } else {
            b"\n"
        }
    }
}

/// What [`write_interchange`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenSummary {
    /// Claims (CLM segments).
    pub claims: u64,
    /// Transaction sets (ST..SE).
    pub transaction_sets: u64,
    /// Segments, ISA to IEA.
    pub segments: u64,
    /// Bytes, line breaks included.
    pub bytes: u64,
}

impl GenSummary {
    /// The summary as one line, e.g. `10 claims in 1 transaction set, 312 segments, 10234 bytes`.
    pub fn line(&self) -> String {
        let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        format!(
            "{} in {}, {}, {}",
            plural(self.claims, "claim"),
            plural(self.transaction_sets, "transaction set"),
            plural(self.segments, "segment"),
            plural(self.bytes, "byte"),
        )
    }
}

/// Writes one synthetic interchange to `out`, streaming: memory stays constant whatever
/// `options.claims` is. Output goes out in 64 KiB chunks (no need for a `BufWriter`) and is
/// flushed at the end.
///
/// Fails with [`io::ErrorKind::InvalidInput`] before writing anything when the options are
/// not usable (see [`GenOptions::check`]), or with the output's error.
pub fn write_interchange<W: Write>(out: W, options: &GenOptions) -> io::Result<GenSummary> {
    options.check()?;
    generate::Generator::new(out, options).run()
}
