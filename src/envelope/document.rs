//! The whole envelope tree of an in-memory input: interchanges → functional groups →
//! transaction sets, every segment borrowed from the input.
//!
//! Convenient for small inputs and tests. For files of any size use
//! [`Reader`](super::Reader), which holds one transaction set at a time.

use super::error::{ParseError, Problem};
use super::machine::{Machine, RawEvent, Span, Step};
use super::options::ParseOptions;
use super::views::{GsHeader, IsaHeader, TransactionSet, segment_in};
use crate::syntax::{Delimiters, Position, Segment};

/// A parsed input: its interchanges in order.
#[derive(Debug)]
pub struct Document<'a> {
    /// The interchanges, in input order.
    pub interchanges: Vec<Interchange<'a>>,
    /// Segments in the input.
    pub segment_count: u64,
}

/// One interchange (ISA..IEA).
#[derive(Debug)]
pub struct Interchange<'a> {
    /// The ISA header.
    pub isa: IsaHeader<'a>,
    /// Service segments between ISA and the first GS (`TA1`, `ISB`, `ISE`).
    pub segments: Vec<Segment<'a>>,
    /// The functional groups, in order.
    pub groups: Vec<FunctionalGroup<'a>>,
    /// The IEA trailer, `None` when missing.
    pub iea: Option<Segment<'a>>,
    /// Problems of the interchange envelope.
    pub problems: Vec<Problem>,
}

/// One functional group (GS..GE).
#[derive(Debug)]
pub struct FunctionalGroup<'a> {
    /// The enclosing interchange's ISA header.
    pub isa: IsaHeader<'a>,
    /// The GS header.
    pub gs: GsHeader<'a>,
    /// The GE trailer, `None` when missing.
    pub ge: Option<Segment<'a>>,
    /// Problems of the group envelope.
    pub problems: Vec<Problem>,
    sets: Vec<StoredSet>,
    input: &'a [u8],
    delimiters: Delimiters,
}

#[derive(Debug)]
struct StoredSet {
    start: Position,
    end: u64,
    spans: Vec<Span>,
    problems: Vec<Problem>,
    closed: bool,
}

impl<'a> FunctionalGroup<'a> {
    /// The transaction sets of the group, in order.
    pub fn transactions(&self) -> impl ExactSizeIterator<Item = TransactionSet<'_>> + '_ {
        self.sets.iter().map(move |set| TransactionSet {
            isa: self.isa,
            gs: self.gs,
            data: self
                .input
                .get(set.start.offset as usize..set.end as usize)
                .unwrap_or_default(),
            start: set.start,
            spans: &set.spans,
            delimiters: self.delimiters,
            problems: &set.problems,
            closed: set.closed,
        })
    }
}

impl<'a> Document<'a> {
    /// Parses `input` whole. Non-fatal problems are kept on the envelope they belong to;
    /// a fatal error (unusable ISA, invalid segment id, ...) is returned as `Err`.
    pub fn parse(input: &'a [u8], options: ParseOptions) -> Result<Self, ParseError> {
        let mut machine = Machine::new(options);
        let mut interchanges: Vec<Interchange<'a>> = Vec::new();
        while let Step::Event(raw) = machine.step(input, 0, true)? {
            let delimiters = machine.delimiters();
            let segment = |r| segment_in(input, 0, r, delimiters);
            match raw {
                RawEvent::InterchangeStart { isa } => interchanges.push(Interchange {
                    isa: IsaHeader::new(segment(isa)),
                    segments: Vec::new(),
                    groups: Vec::new(),
                    iea: None,
                    problems: Vec::new(),
                }),
                RawEvent::InterchangeSegment { segment: r } => {
                    if let Some(interchange) = interchanges.last_mut() {
                        interchange.segments.push(segment(r));
                    }
                }
                RawEvent::GroupStart { gs } => {
                    if let Some(interchange) = interchanges.last_mut() {
                        interchange.groups.push(FunctionalGroup {
                            isa: interchange.isa,
                            gs: GsHeader::new(segment(gs)),
                            ge: None,
                            problems: Vec::new(),
                            sets: Vec::new(),
                            input,
                            delimiters,
                        });
                    }
                }
                RawEvent::Transaction { start, end, closed } => {
                    if let Some(group) = interchanges.last_mut().and_then(|i| i.groups.last_mut()) {
                        group.sets.push(StoredSet {
                            start,
                            end,
                            spans: machine.spans.clone(),
                            problems: machine.transaction_problems.clone(),
                            closed,
                        });
                    }
                }
                RawEvent::GroupEnd { ge } => {
                    if let Some(group) = interchanges.last_mut().and_then(|i| i.groups.last_mut()) {
                        group.ge = ge.map(segment);
                        group.problems = machine.group_problems.clone();
                    }
                }
                RawEvent::InterchangeEnd { iea } => {
                    if let Some(interchange) = interchanges.last_mut() {
                        interchange.iea = iea.map(segment);
                        interchange.problems = machine.interchange_problems.clone();
                    }
                }
            }
        }
        Ok(Document {
            interchanges,
            segment_count: machine.segments_read(),
        })
    }

    /// Every problem in the document, outermost envelope first.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> + '_ {
        self.interchanges.iter().flat_map(|i| {
            i.problems.iter().chain(i.groups.iter().flat_map(|g| {
                g.problems
                    .iter()
                    .chain(g.sets.iter().flat_map(|s| s.problems.iter()))
            }))
        })
    }
}
