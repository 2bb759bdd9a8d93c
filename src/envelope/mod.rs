//! Envelopes: interchanges (ISA..IEA), functional groups (GS..GE) and transaction sets
//! (ST..SE), with their control numbers and counts checked.
//!
//! Two readers walk the envelope tree and yield [`Event`]s: [`Reader`] streams from any
//! `std::io::Read` with memory bounded by one transaction set, [`SliceReader`] reads a slice
//! in place. [`Document`] builds the whole tree in memory for small inputs.

pub mod document;
pub mod error;
mod framer;
mod machine;
pub mod options;
pub mod reader;
pub mod split;
pub mod views;

pub use document::{Document, FunctionalGroup, Interchange};
pub use error::{
    EnvelopeSegment, Level, ParseError, ParseErrorKind, Problem, ProblemKind, Severity,
};
pub use machine::OpenProblems;
pub use options::ParseOptions;
pub use reader::{Reader, SliceReader};
pub use split::{Item, SetSummary, SplitReader};
pub use views::{
    Event, GroupEnd, GsHeader, InterchangeEnd, IsaHeader, TransactionSegments, TransactionSet,
};
