//! Where something is in the input: byte offset, segment ordinal and line.
//!
//! Bases are fixed and documented once here: byte offsets are 0-based (as a hex editor
//! shows them), segment ordinals and lines are 1-based (as an editor and the X12 standard
//! count them), element positions are 1-based like `NM103`.

use std::fmt;

use serde::Serialize;

/// A place in the input stream.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Position {
    /// 0-based byte offset from the start of the stream.
    pub offset: u64,
    /// 1-based ordinal of the segment in the stream (`ISA` of the first interchange is 1).
    /// 0 when the position is not inside any segment (for example before the first `ISA`).
    pub segment: u64,
    /// 1-based line number: every line feed before the position starts a new line, whether
    /// between segments, as a segment terminator, inside a segment (a file wrapped at a fixed
    /// width) or in a binary segment (`BIN`, `BDS`).
    pub line: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.segment == 0 {
            write!(f, "line {}, byte {}", self.line, self.offset)
        } else {
            write!(
                f,
                "line {}, byte {}, segment {}",
                self.line, self.offset, self.segment
            )
        }
    }
}
