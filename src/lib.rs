//! x12pipe: read, check and submit healthcare X12 EDI claim files (837P, 837I, 837D, 5010).
//!
//! The layers, each depending only on the ones before it:
//!
//! - [`syntax`]: zero-copy grammar: delimiters from the ISA, borrowed segments, elements,
//!   components and repetitions, positions.
//! - [`envelope`]: interchanges, functional groups and transaction sets with their control
//!   numbers and counts; a streaming reader whose memory is bounded by one transaction set.
//! - [`json`]: the envelope tree as JSON, streamed.
//! - [`npi`]: National Provider Identifier check digits.
//! - [`synth`]: deterministic synthetic 837 interchanges for samples, tests and benchmarks.
//! - [`writer`]: the X12 segment writer the generator, the acknowledgments and the claim
//!   writer share.
//! - [`claim`]: the typed 837 claim model, and [`claim::write`], claims written back as one
//!   valid interchange.
//! - [`sim`]: a local clearinghouse speaking the claim submission contract, with faults, for
//!   testing the submitter.
//!
//! ```
//! use x12pipe::envelope::{Document, ParseOptions};
//!
//! let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~\
//! GS*HC*SENDER*RECEIVER*20240101*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~SE*2*0001~GE*1*1~IEA*1*000000001~";
//! let doc = Document::parse(input, ParseOptions::default())?;
//! let group = &doc.interchanges[0].groups[0];
//! assert_eq!(group.gs.control_number(), b"1");
//! assert_eq!(group.transactions().count(), 1);
//! assert_eq!(doc.problems().count(), 0);
//! # Ok::<(), x12pipe::envelope::ParseError>(())
//! ```

#![forbid(unsafe_code)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]
#![warn(missing_docs)]

pub mod ack;
pub mod claim;
pub mod envelope;
pub mod finding;
pub mod json;
pub mod ledger;
pub mod npi;
pub mod schema;
pub mod sim;
pub mod submit;
pub mod syntax;
pub mod synth;
pub mod validate;
pub mod writer;

/// The README's Rust examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
