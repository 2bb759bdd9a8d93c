//! Zero-copy X12 syntax: delimiters, segments, elements, components, repetitions, positions.
//!
//! This layer knows bytes and delimiters and nothing about what ISA, GS or ST mean (that is
//! [`crate::envelope`]). Every type here borrows from the caller's buffer.

pub mod delimiters;
pub mod grammar;
pub mod position;
pub(crate) mod scan;
pub mod segment;

pub use delimiters::{DelimiterFault, DelimiterRole, Delimiters};
pub use position::Position;
pub use segment::{Element, Elements, Repetitions, Segment, Split};
