//! What can go wrong while reading envelopes: fatal [`ParseError`]s that stop a stream and
//! non-fatal [`Problem`]s that are reported on the envelope they belong to.
//!
//! Messages carry positions, segment ids, element names and control numbers, never element
//! values from the body of a transaction set (they may be patient data).

use std::fmt;
use std::io;

use serde::Serialize;

use crate::syntax::delimiters::describe_byte;
use crate::syntax::{DelimiterFault, DelimiterRole, Position};

/// An error after which the stream cannot be read any further: what and where.
#[derive(Debug, thiserror::Error)]
#[error("{position}: {kind}")]
pub struct ParseError {
    /// Where the error is.
    pub position: Position,
    /// What is wrong.
    #[source]
    pub kind: ParseErrorKind,
}

impl ParseError {
    /// An error of `kind` at `position`.
    pub fn new(position: Position, kind: ParseErrorKind) -> Self {
        ParseError { position, kind }
    }

    /// A stable, machine-readable name for the kind of error (used in JSON output).
    pub fn name(&self) -> &'static str {
        self.kind.name()
    }
}

/// The kinds of fatal errors.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// Reading the input failed.
    #[error("read error: {0}")]
    Io(#[source] io::Error),
    /// The input does not start with an ISA header.
    #[error("not an X12 interchange: expected \"ISA\"")]
    NotX12,
    /// The input ends inside the ISA header.
    #[error("input ends inside the ISA header (a complete ISA is 106 bytes, terminator included)")]
    TruncatedIsa,
    /// Fewer than 16 ISA elements.
    #[error("ISA header has only {found} of 16 elements within its first 512 bytes")]
    MalformedIsa {
        /// Elements found.
        found: usize,
    },
    /// An ISA element of the wrong width moved the delimiters onto data bytes.
    #[error(
        "ISA is not fixed width: ISA{element:02} is {found} bytes, expected {expected}, so the delimiters cannot be found"
    )]
    IsaWidth {
        /// Element number (1-based).
        element: usize,
        /// Width in a compliant ISA.
        expected: usize,
        /// Width as written.
        found: usize,
    },
    /// A delimiter byte that cannot serve.
    #[error("invalid {role} {}: {fault}", describe_byte(*byte))]
    InvalidDelimiter {
        /// Its role.
        role: DelimiterRole,
        /// The byte.
        byte: u8,
        /// Why it cannot serve.
        fault: DelimiterFault,
    },
    /// One byte announced for two roles.
    #[error("{} is used as both {first} and {second}", describe_byte(*byte))]
    DelimiterConflict {
        /// First role.
        first: DelimiterRole,
        /// Second role.
        second: DelimiterRole,
        /// The shared byte.
        byte: u8,
    },
    /// A segment that does not start with a 2-3 character id.
    #[error(
        "invalid segment id: a segment must start with 2 or 3 upper-case letters or digits followed by the element separator {}",
        describe_byte(*element_separator)
    )]
    InvalidSegmentId {
        /// The interchange's element separator.
        element_separator: u8,
    },
    /// No segment terminator within the segment size limit.
    #[error(
        "no segment terminator {} within {limit} bytes (wrong terminator, or a segment larger than --max-segment-size)",
        describe_byte(*terminator)
    )]
    SegmentTooLong {
        /// The limit in bytes.
        limit: usize,
        /// The terminator looked for.
        terminator: u8,
    },
    /// A transaction set larger than the configured limit.
    #[error(
        "transaction set is larger than {limit} bytes without an SE (raise --max-transaction-size if it is genuine)"
    )]
    TransactionTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A binary segment whose length element is not a number.
    #[error("{id}: the length element is not a number, so the binary data cannot be delimited")]
    BinaryLengthInvalid {
        /// `BIN` or `BDS`.
        id: &'static str,
    },
    /// A binary segment whose data is not followed by the terminator.
    #[error(
        "{id}: declares {declared} bytes of binary data but the segment terminator does not follow them"
    )]
    BinaryLengthMismatch {
        /// `BIN` or `BDS`.
        id: &'static str,
        /// The declared length.
        declared: u64,
    },
    /// Bytes after the last interchange that are not another interchange.
    #[error("data after the end of the interchange (expected \"ISA\" or end of input)")]
    TrailingData,
}

impl ParseErrorKind {
    /// A stable, machine-readable name for the kind.
    pub fn name(&self) -> &'static str {
        match self {
            ParseErrorKind::Io(_) => "io",
            ParseErrorKind::NotX12 => "not_x12",
            ParseErrorKind::TruncatedIsa => "truncated_isa",
            ParseErrorKind::MalformedIsa { .. } => "malformed_isa",
            ParseErrorKind::IsaWidth { .. } => "isa_width",
            ParseErrorKind::InvalidDelimiter { .. } => "invalid_delimiter",
            ParseErrorKind::DelimiterConflict { .. } => "delimiter_conflict",
            ParseErrorKind::InvalidSegmentId { .. } => "invalid_segment_id",
            ParseErrorKind::SegmentTooLong { .. } => "segment_too_long",
            ParseErrorKind::TransactionTooLarge { .. } => "transaction_too_large",
            ParseErrorKind::BinaryLengthInvalid { .. } => "binary_length_invalid",
            ParseErrorKind::BinaryLengthMismatch { .. } => "binary_length_mismatch",
            ParseErrorKind::TrailingData => "trailing_data",
        }
    }
}

/// How much a problem matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; the envelope is still acceptable.
    Warning,
    /// The envelope is not correct X12.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// An envelope segment kind, for naming trailers and levels in problems.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum EnvelopeSegment {
    /// Interchange header.
    ISA,
    /// Interchange trailer.
    IEA,
    /// Functional group header.
    GS,
    /// Functional group trailer.
    GE,
    /// Transaction set header.
    ST,
    /// Transaction set trailer.
    SE,
}

impl fmt::Display for EnvelopeSegment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Where a stray segment was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Between ISA and GS/IEA.
    Interchange,
    /// Between GS and ST, or SE and ST/GE.
    Group,
}

/// A non-fatal problem found while reading envelopes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What is wrong.
    #[serde(flatten)]
    pub kind: ProblemKind,
    /// Error, or warning (lenient mode turns some errors into warnings).
    pub severity: Severity,
    /// Where: the segment at fault, or the segment found where a trailer was expected.
    pub position: Position,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.position, self.severity, self.kind)
    }
}

/// The kinds of non-fatal envelope problems.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProblemKind {
    /// An ISA element that is not its fixed width.
    IsaWidth {
        /// Element number (1-based).
        element: u8,
        /// Width in a compliant ISA.
        expected: u8,
        /// Width as written.
        found: usize,
        /// The element holds a line break (the file looks wrapped at a fixed width).
        line_break: bool,
    },
    /// ISA11 holds a letter in a version where it should be the repetition separator.
    NoRepetitionSeparator {
        /// ISA12.
        version: String,
    },
    /// A header's control number differs from its trailer's.
    ControlNumberMismatch {
        /// Header element (`ISA13`, `GS06`, `ST02`).
        header: &'static str,
        /// Trailer element (`IEA02`, `GE02`, `SE02`).
        trailer: &'static str,
        /// The header's value.
        header_value: String,
        /// The trailer's value.
        trailer_value: String,
    },
    /// A trailer's count differs from what was found.
    CountMismatch {
        /// `IEA01`, `GE01` or `SE01`.
        element: &'static str,
        /// The count in the trailer.
        declared: u64,
        /// The count found.
        actual: u64,
    },
    /// A trailer's count is not a number.
    InvalidCount {
        /// `IEA01`, `GE01` or `SE01`.
        element: &'static str,
    },
    /// An envelope without its trailer.
    MissingTrailer {
        /// The missing trailer.
        trailer: EnvelopeSegment,
        /// Control number of the envelope left open.
        control_number: String,
    },
    /// A header without its control number (or transaction set id).
    MissingElement {
        /// `GS06`, `ST01`, `ST02`.
        element: &'static str,
    },
    /// A control number used twice where it must be unique.
    DuplicateControlNumber {
        /// `GS06` (unique per interchange) or `ST02` (unique per group).
        element: &'static str,
        /// The repeated control number.
        value: String,
    },
    /// A segment that does not belong where it was found.
    UnexpectedSegment {
        /// Its id.
        id: String,
        /// Where it was found.
        level: Level,
    },
    /// A transaction set directly inside an interchange, without GS..GE; it was skipped.
    TransactionOutsideGroup {
        /// Its control number (ST02).
        control_number: String,
        /// Segments skipped, ST and SE included.
        skipped_segments: u64,
    },
    /// The input ends inside a segment (no terminator).
    UnexpectedEof,
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::IsaWidth {
                element,
                expected,
                found,
                line_break,
            } => {
                write!(
                    f,
                    "ISA{element:02} is {found} bytes, expected {expected} (the ISA is fixed width)"
                )?;
                if *line_break {
                    f.write_str(
                        "; it holds a line break: the file looks wrapped at a fixed line width",
                    )?;
                }
                Ok(())
            }
            ProblemKind::NoRepetitionSeparator { version } => write!(
                f,
                "ISA11 is a letter in version {version}: the interchange has no repetition separator"
            ),
            ProblemKind::ControlNumberMismatch {
                header,
                trailer,
                header_value,
                trailer_value,
            } => write!(
                f,
                "{trailer} \"{trailer_value}\" does not match {header} \"{header_value}\""
            ),
            ProblemKind::CountMismatch {
                element,
                declared,
                actual,
            } => {
                let what = match *element {
                    "SE01" => "segments (ST and SE included)",
                    "GE01" => "transaction sets",
                    _ => "functional groups",
                };
                write!(f, "{element} says {declared} {what}, found {actual}")
            }
            ProblemKind::InvalidCount { element } => {
                write!(f, "{element} is not a count (digits expected)")
            }
            ProblemKind::MissingTrailer {
                trailer,
                control_number,
            } => {
                let header = match trailer {
                    EnvelopeSegment::SE => "ST",
                    EnvelopeSegment::GE => "GS",
                    _ => "ISA",
                };
                write!(
                    f,
                    "{trailer} missing: {header} \"{control_number}\" is not closed"
                )
            }
            ProblemKind::MissingElement { element } => write!(f, "{element} is missing"),
            ProblemKind::DuplicateControlNumber { element, value } => {
                let scope = if *element == "GS06" {
                    "interchange"
                } else {
                    "functional group"
                };
                write!(f, "{element} \"{value}\" is used twice in the same {scope}")
            }
            ProblemKind::UnexpectedSegment { id, level } => match level {
                Level::Interchange => write!(
                    f,
                    "segment {id} outside a functional group (only GS, IEA, ISB, ISE or TA1 may follow ISA)"
                ),
                Level::Group => write!(
                    f,
                    "segment {id} outside a transaction set (only ST or GE may follow GS or SE)"
                ),
            },
            ProblemKind::TransactionOutsideGroup {
                control_number,
                skipped_segments,
            } => write!(
                f,
                "transaction set \"{control_number}\" is not inside a functional group (GS..GE); its {skipped_segments} segments were skipped"
            ),
            ProblemKind::UnexpectedEof => {
                f.write_str("input ends inside a segment (no segment terminator)")
            }
        }
    }
}
