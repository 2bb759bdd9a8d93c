//! Claims as data: the typed 837 claim ([`Claim`]), read from validated transaction sets and
//! written back as X12.
//!
//! The model is in [`model`]; its conventions (codes and amounts as written, ISO 8601 dates,
//! absent fields left out) are documented there and in the README's "Claims as data".

pub mod extract;
pub mod model;

pub use extract::{
    ClaimSink, ExtractSummary, Extractor, SkippedSet, build_claim, extract, extract_with,
};
pub use model::*;
pub mod write;
