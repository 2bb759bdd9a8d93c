//! The envelope state machine shared by every reader.
//!
//! It consumes a window of input (a slice of the stream starting at a known absolute offset)
//! and produces one [`RawEvent`] per call, expressed as absolute offsets, so that the same
//! logic serves the zero-copy slice reader and the buffered streaming reader. It checks the
//! control numbers and counts of ISA/IEA, GS/GE and ST/SE as it goes and files each problem
//! under the envelope it belongs to.

use std::collections::HashSet;

use super::error::{
    EnvelopeSegment, Level, ParseError, ParseErrorKind, Problem, ProblemKind, Severity,
};
use super::framer::{Frame, FrameFault, Framed, frame, is_filler, skip_filler};
use super::options::ParseOptions;
use crate::syntax::grammar::{ISA_WIDTHS, IsaFault, IsaLayout, IsaScan, isa_header, segment_id};
use crate::syntax::scan::{BLOCK, Needle, TerminatorScan, block_at, mask};
use crate::syntax::{Delimiters, Position};

/// A segment located in the stream by absolute offsets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SegmentRef {
    pub position: Position,
    pub len: u32,
    pub id_len: u8,
    pub binary_at: u32,
}

impl SegmentRef {
    /// A placeholder for a header that has not been read.
    pub(crate) fn empty() -> Self {
        SegmentRef {
            position: Position::default(),
            len: 0,
            id_len: 0,
            binary_at: 0,
        }
    }
}

/// Problems of envelopes that are still open, by level.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenProblems<'a> {
    /// Of the open interchange.
    pub interchange: &'a [Problem],
    /// Of the open functional group.
    pub group: &'a [Problem],
    /// Of the open transaction set.
    pub transaction: &'a [Problem],
}

impl<'a> OpenProblems<'a> {
    /// All of them, outermost first.
    pub fn iter(&self) -> impl Iterator<Item = &'a Problem> + 'a {
        self.interchange
            .iter()
            .chain(self.group)
            .chain(self.transaction)
    }
}

/// What one step produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RawEvent {
    InterchangeStart {
        isa: SegmentRef,
    },
    InterchangeSegment {
        segment: SegmentRef,
    },
    GroupStart {
        gs: SegmentRef,
    },
    /// A transaction set whose bytes are `[start, end)`.
    /// `se` is `None` when the SE was missing.
    Transaction {
        start: Position,
        end: u64,
        segment_count: u64,
        se: Option<SegmentRef>,
    },
    GroupEnd {
        ge: Option<SegmentRef>,
    },
    InterchangeEnd {
        iea: Option<SegmentRef>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    Event(RawEvent),
    NeedMore,
    End,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Between interchanges: expecting ISA or the end of input.
    Outside,
    /// After ISA: expecting GS, IEA or interchange-level service segments.
    Interchange,
    /// After GS or SE: expecting ST or GE.
    Group,
    /// After ST: collecting segments until SE.
    Transaction,
    /// After an ST that is not inside a group: skipping to its SE.
    Orphan,
    /// After a fatal error or the end of input.
    Done,
}

#[derive(Default)]
struct InterchangeCtx {
    isa: Option<SegmentRef>,
    control_number: Vec<u8>,
    groups: u64,
    group_control_numbers: HashSet<Vec<u8>>,
}

#[derive(Default)]
struct GroupCtx {
    gs: Option<SegmentRef>,
    control_number: Vec<u8>,
    transactions: u64,
    transaction_control_numbers: HashSet<Vec<u8>>,
}

#[derive(Default)]
struct TransactionCtx {
    start: Position,
    control_number: Vec<u8>,
    /// Segments so far, ST included.
    segments: u64,
}

#[derive(Default)]
struct OrphanCtx {
    position: Position,
    control_number: String,
    skipped: u64,
}

/// The envelope state machine. See the module documentation.
pub(crate) struct Machine {
    options: ParseOptions,
    state: State,
    delimiters: Delimiters,
    /// Absolute offset of the next byte to look at.
    pos: u64,
    /// Segments consumed so far.
    ordinal: u64,
    /// Lines are counted lazily, in bulk, only where a position is needed: the line of
    /// `line_cursor` is `line_at_cursor`. The cursor never falls behind the caller's window
    /// (it is moved to `keep_from` before more input is asked for).
    line_cursor: u64,
    line_at_cursor: u64,
    interchanges_seen: u64,
    /// The state when a fatal error stopped the machine, to tell which envelopes were open.
    failed_in: Option<State>,
    interchange: InterchangeCtx,
    group: GroupCtx,
    transaction: TransactionCtx,
    orphan: OrphanCtx,
    pub(crate) interchange_problems: Vec<Problem>,
    pub(crate) group_problems: Vec<Problem>,
    pub(crate) transaction_problems: Vec<Problem>,
    /// Whether set bodies may be walked a block at a time (tests compare both walks).
    bulk_walk: bool,
}

/// What kind of envelope segment a framed segment is, from its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Isa,
    Iea,
    Gs,
    Ge,
    St,
    Se,
    InterchangeService,
    Other,
}

#[inline]
fn kind_of(id: &[u8]) -> Kind {
    match id {
        b"ISA" => Kind::Isa,
        b"IEA" => Kind::Iea,
        b"GS" => Kind::Gs,
        b"GE" => Kind::Ge,
        b"ST" => Kind::St,
        b"SE" => Kind::Se,
        b"ISB" | b"ISE" | b"TA1" => Kind::InterchangeService,
        _ => Kind::Other,
    }
}

/// The length of an ordinary segment id at the start of `head` (4 bytes): 2 or 3 upper-case
/// letters or digits, the first a letter, followed by the element separator, and not an
/// envelope, service or binary segment. `None` sends the segment to the general path, which
/// applies the full `segment_id` production; this accepts a subset of what that accepts.
#[inline(always)]
fn ordinary_id(head: &[u8], separator: u8) -> Option<usize> {
    let id_byte = |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit();
    if !head[0].is_ascii_uppercase() || !id_byte(head[1]) {
        return None;
    }
    let id_len = if head[2] == separator {
        2
    } else if id_byte(head[2]) && head[3] == separator {
        3
    } else {
        return None;
    };
    // Only ids starting with these letters can be special; most segments are decided here.
    if !matches!(head[0], b'S' | b'G' | b'I' | b'T' | b'B') {
        return Some(id_len);
    }
    match &head[..id_len] {
        b"SE" | b"ST" | b"GE" | b"GS" | b"IEA" | b"ISA" | b"ISB" | b"ISE" | b"TA1" | b"BIN"
        | b"BDS" => None,
        _ => Some(id_len),
    }
}

/// Takes the segments of the 64-byte block at `window[at..]` in one step when every one of
/// them is an ordinary segment the per-segment walk of [`Machine::transaction_body`] would
/// take: returns how many (those whose terminator lies in the block) and the offset after
/// the last one's terminator. `None` when the block holds anything else (an envelope or
/// binary segment, an id [`ordinary_id`] refuses, no terminator, the transaction size
/// limit): the per-segment walk then decides, exactly as before.
///
/// `at` must follow a terminator (or the ST's). One mask gives the block's terminators;
/// each segment starts after the previous terminator (or at `at`) and the line breaks and
/// spaces there, which are skipped one byte at a time: between segments there are seldom
/// more than one or two, so this costs less than masks of every filler byte. Requires a
/// terminator that is not a filler and a segment size limit of at least a block (a segment
/// found here is shorter).
#[inline(always)]
fn bulk_segments(
    window: &[u8],
    at: usize,
    separator: u8,
    terminator: Needle,
    base: u64,
    max_end: u64,
) -> Option<(u64, usize)> {
    let block = block_at(window, at)?;
    let mut ends = mask(block, terminator);
    if ends == 0 {
        return None;
    }
    let last = (63 - ends.leading_zeros()) as usize;
    if base + (at + last) as u64 > max_end {
        return None;
    }
    let mut start = 0;
    let mut segments = 0;
    loop {
        // A terminator ends every run of fillers before `last`, so this stays in the block.
        while block.get(start).is_some_and(|&b| is_filler(b)) {
            start += 1;
        }
        let head = block.get(start..start + 4)?;
        ordinary_id(head, separator)?;
        segments += 1;
        let end = ends.trailing_zeros() as usize;
        ends &= ends - 1;
        if ends == 0 {
            return Some((segments, at + end + 1));
        }
        start = end + 1;
    }
}

/// An `ISA` (followed by a possible element separator) at the next segment start: a new
/// interchange, framed apart since its delimiters may differ from the current ones.
fn peek_isa(window: &[u8], from: usize) -> Option<Framed> {
    let (start, lines_before) = skip_filler(window, from);
    let rest = window.get(start..start + 4)?;
    if &rest[..3] != b"ISA" || rest[3].is_ascii_alphanumeric() {
        return None;
    }
    Some(Framed {
        start,
        end: start + 3,
        next: start + 3,
        id_len: 3,
        binary_at: 0,
        lines_before,
        lines_within: 0,
    })
}

/// A control number or count as printable text for messages: at most 35 printable ASCII
/// characters (control numbers are at most 9; anything longer is shown truncated).
pub(crate) fn control_text(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(35)
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '?'
            }
        })
        .collect()
}

/// Element `n` (1-based) of a segment's raw bytes.
fn element(raw: &[u8], separator: u8, n: usize) -> &[u8] {
    raw.split(|&b| b == separator).nth(n).unwrap_or_default()
}

/// The rule every trailer follows: element 1 counts what the envelope holds, element 2
/// repeats the header's control number.
struct Trailer {
    /// The count element (`SE01`).
    count: &'static str,
    /// The header's control number element (`ST02`).
    header: &'static str,
    /// The trailer's control number element (`SE02`).
    trailer: &'static str,
    /// Control numbers of type N0 compare as numbers (GS06/GE02, ISA13/IEA02).
    numeric: bool,
}

impl Trailer {
    /// Checks the trailer segment `raw` against what was counted and the header's control
    /// number, filing problems in `out`. A wrong count is `tolerable` (a warning in lenient
    /// mode); the other problems are errors.
    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        raw: &[u8],
        separator: u8,
        tolerable: Severity,
        actual: u64,
        control_number: &[u8],
        position: Position,
        out: &mut Vec<Problem>,
    ) {
        let count = element(raw, separator, 1);
        let trailer_control = element(raw, separator, 2);
        match count_value(count) {
            Some(declared) if declared == actual => {}
            Some(declared) => out.push(Problem {
                kind: ProblemKind::CountMismatch {
                    element: self.count,
                    declared,
                    actual,
                },
                severity: tolerable,
                position,
            }),
            None => out.push(Problem {
                kind: ProblemKind::InvalidCount {
                    element: self.count,
                },
                severity: Severity::Error,
                position,
            }),
        }
        let same = if self.numeric {
            same_control_number(control_number, trailer_control)
        } else {
            control_number == trailer_control
        };
        if !same {
            out.push(Problem {
                kind: ProblemKind::ControlNumberMismatch {
                    header: self.header,
                    trailer: self.trailer,
                    header_value: control_text(control_number),
                    trailer_value: control_text(trailer_control),
                },
                severity: Severity::Error,
                position,
            });
        }
    }
}

const SE_TRAILER: Trailer = Trailer {
    count: "SE01",
    header: "ST02",
    trailer: "SE02",
    numeric: false,
};
const GE_TRAILER: Trailer = Trailer {
    count: "GE01",
    header: "GS06",
    trailer: "GE02",
    numeric: true,
};
const IEA_TRAILER: Trailer = Trailer {
    count: "IEA01",
    header: "ISA13",
    trailer: "IEA02",
    numeric: true,
};

/// Numeric value of a count element, if it is all digits.
fn count_value(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() || bytes.len() > 18 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(bytes.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// Control numbers match when equal as bytes, or, both being digits, equal as numbers
/// (`N0` elements such as GS06 and GE02 may differ in leading zeros).
fn same_control_number(header: &[u8], trailer: &[u8]) -> bool {
    header == trailer
        || matches!((count_value(header), count_value(trailer)), (Some(a), Some(b)) if a == b)
}

impl Machine {
    pub(crate) fn new(options: ParseOptions) -> Self {
        Machine {
            options,
            state: State::Outside,
            delimiters: Delimiters::default(),
            pos: 0,
            ordinal: 0,
            line_cursor: 0,
            line_at_cursor: 1,
            interchanges_seen: 0,
            failed_in: None,
            interchange: InterchangeCtx::default(),
            group: GroupCtx::default(),
            transaction: TransactionCtx::default(),
            orphan: OrphanCtx::default(),
            interchange_problems: Vec::new(),
            group_problems: Vec::new(),
            transaction_problems: Vec::new(),
            bulk_walk: true,
        }
    }

    /// A machine that starts between transaction sets of a functional group at absolute
    /// offset `at`, with `delimiters`: what a second thread uses to read the sets of a later
    /// part of a file ahead (see [`super::split`]). Segment numbers and lines count from
    /// `at` (the first segment there is 1, `at` is on line 1); the group's control number,
    /// ST02s and set count are unknown, so it must stop before anything but an ST.
    pub(crate) fn resume_in_group(options: ParseOptions, delimiters: Delimiters, at: u64) -> Self {
        let mut machine = Machine::new(options);
        machine.state = State::Group;
        machine.delimiters = delimiters;
        machine.pos = at;
        machine.line_cursor = at;
        machine.interchanges_seen = 1;
        machine
    }

    /// True when the machine is between transaction sets of a group, about to read at `at`
    /// with `delimiters`: the state a [`Machine::resume_in_group`] machine starts in.
    pub(crate) fn is_between_sets_at(&self, at: u64, delimiters: Delimiters) -> bool {
        self.state == State::Group && self.pos == at && self.delimiters == delimiters
    }

    /// True when the group's sets so far hold `control_number` as an ST02 (it is added).
    pub(crate) fn insert_transaction_control_number(&mut self, control_number: &[u8]) -> bool {
        !self
            .group
            .transaction_control_numbers
            .insert(control_number.to_vec())
    }

    /// Takes over what a [`Machine::resume_in_group`] machine read from `at` (where this
    /// machine is, between sets) up to `end`: `segments` segments, `sets` sets, ending on
    /// line `end_line` counted from `at`. Returns the segment number and line of `at`, to
    /// place the other machine's positions in this stream.
    pub(crate) fn skip_sets(
        &mut self,
        window: &[u8],
        base: u64,
        end: u64,
        segments: u64,
        sets: u64,
        end_line: u64,
    ) -> (u64, u64) {
        let at = self.pos;
        let line_at = self.line_at(window, base, at);
        let ordinal_at = self.ordinal;
        self.ordinal += segments;
        self.group.transactions += sets;
        self.pos = end;
        self.line_cursor = end;
        self.line_at_cursor = line_at + end_line - 1;
        (ordinal_at, line_at)
    }

    /// The line of the machine's current offset (moves the line cursor there).
    pub(crate) fn current_line(&mut self, window: &[u8], base: u64) -> u64 {
        let pos = self.pos;
        self.line_at(window, base, pos)
    }

    pub(crate) fn has_read_an_interchange(&self) -> bool {
        self.interchanges_seen > 0
    }

    pub(crate) fn group_problems_found(&self) -> bool {
        !self.group_problems.is_empty()
    }

    /// The earliest absolute offset the caller must keep in its window.
    pub(crate) fn keep_from(&self) -> u64 {
        match self.state {
            State::Transaction => self.transaction.start.offset,
            _ => self.pos,
        }
    }

    /// Problems of the envelopes still open (after a fatal error, those open when it struck):
    /// no event has reported them yet.
    pub(crate) fn open_problems(&self) -> OpenProblems<'_> {
        let state = self.failed_in.unwrap_or(self.state);
        let (interchange, group, transaction) = match state {
            State::Transaction => (true, true, true),
            State::Group => (true, true, false),
            State::Interchange | State::Orphan => (true, false, false),
            State::Outside | State::Done => (false, false, false),
        };
        fn pick(open: bool, problems: &[Problem]) -> &[Problem] {
            if open { problems } else { &[] }
        }
        OpenProblems {
            interchange: pick(interchange, &self.interchange_problems),
            group: pick(group, &self.group_problems),
            transaction: pick(transaction, &self.transaction_problems),
        }
    }

    /// Segments read so far.
    pub(crate) fn segments_read(&self) -> u64 {
        self.ordinal
    }

    /// Absolute offset of the next byte to read.
    pub(crate) fn offset(&self) -> u64 {
        self.pos
    }

    /// The current interchange's delimiters.
    pub(crate) fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    pub(crate) fn isa(&self) -> Option<SegmentRef> {
        self.interchange.isa
    }

    pub(crate) fn gs(&self) -> Option<SegmentRef> {
        self.group.gs
    }

    pub(crate) fn group_count(&self) -> u64 {
        self.interchange.groups
    }

    pub(crate) fn transaction_count(&self) -> u64 {
        self.group.transactions
    }

    /// The line (1-based) of absolute `offset`, which must lie in the window: line feeds are
    /// counted from the cursor, forwards or backwards, and the cursor moves there.
    fn line_at(&mut self, window: &[u8], base: u64, offset: u64) -> u64 {
        let index = |o: u64| (o.saturating_sub(base) as usize).min(window.len());
        let (from, to) = (index(self.line_cursor), index(offset));
        if offset >= self.line_cursor {
            self.line_at_cursor += memchr::memchr_iter(b'\n', &window[from..to]).count() as u64;
        } else {
            self.line_at_cursor -= memchr::memchr_iter(b'\n', &window[to..from]).count() as u64;
        }
        self.line_cursor = offset;
        self.line_at_cursor
    }

    /// The line of absolute `offset` in the caller's window (for errors the reader raises).
    pub(crate) fn line_of(&mut self, window: &[u8], base: u64, offset: u64) -> u64 {
        self.line_at(window, base, offset)
    }

    /// Where the next byte is, outside any segment (end of input, for example).
    fn here(&mut self, window: &[u8], base: u64) -> Position {
        Position {
            offset: self.pos,
            segment: 0,
            line: self.line_at(window, base, self.pos),
        }
    }

    /// The position of the segment that starts at absolute `offset` (the next one counted).
    fn position_at(&mut self, window: &[u8], base: u64, offset: u64) -> Position {
        Position {
            offset,
            segment: self.ordinal + 1,
            line: self.line_at(window, base, offset),
        }
    }

    /// Severity of a problem that lenient mode tolerates.
    fn tolerable(&self) -> Severity {
        if self.options.lenient {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// Advances one event. `window` holds the stream from absolute offset `base`; `eof` says
    /// whether the stream ends at the end of the window.
    pub(crate) fn step(&mut self, window: &[u8], base: u64, eof: bool) -> Result<Step, ParseError> {
        let result = self.step_inner(window, base, eof);
        if result.is_err() {
            self.stop();
        }
        result
    }

    /// Stops after a fatal error: nothing more is read, and [`Machine::open_problems`]
    /// still tells which envelopes were open.
    pub(crate) fn stop(&mut self) {
        self.failed_in = Some(self.state);
        self.state = State::Done;
    }

    fn step_inner(&mut self, window: &[u8], base: u64, eof: bool) -> Result<Step, ParseError> {
        loop {
            if self.state == State::Done {
                return Ok(Step::End);
            }
            if self.state == State::Outside {
                return self.outside(window, base, eof);
            }
            if self.state == State::Transaction {
                self.transaction_body(window, base);
            }
            let from = (self.pos - base) as usize;
            let (window, eof, capped) = self.transaction_view(window, base, eof);
            if let Some(isa) = peek_isa(window, from) {
                // A new interchange while envelopes are open: close them. The ISA is framed
                // apart because its delimiters may differ from the current ones.
                if let Some(event) = self.on_segment(window, base, isa)? {
                    return Ok(Step::Event(event));
                }
                continue;
            }
            let framed = match frame(
                window,
                from,
                &self.delimiters,
                eof,
                self.options.max_segment_size,
            ) {
                Ok(framed) => framed,
                Err(fault) => return Err(self.frame_error(fault, window, base)),
            };
            let seg = match framed {
                Frame::NeedMore if capped => return self.transaction_cut_short(window, from, base),
                Frame::NeedMore => {
                    // Consume the line breaks and spaces before the unfinished segment now:
                    // the caller may drop consumed bytes, so an endless run of them is never
                    // buffered.
                    let (at, _) = skip_filler(window, from);
                    self.pos = base + at as u64;
                    return Ok(self.need_more(window, base));
                }
                Frame::End { at, .. } => {
                    self.pos = base + at as u64;
                    match self.close_at_end(window, base) {
                        Some(event) => return Ok(Step::Event(event)),
                        None => continue,
                    }
                }
                Frame::Truncated { start, .. } => {
                    let position = self.position_at(window, base, base + start as u64);
                    self.problem_innermost(ProblemKind::UnexpectedEof, Severity::Error, position);
                    // Drop the unfinished bytes; the open envelopes are closed next.
                    self.pos = base + window.len() as u64;
                    continue;
                }
                Frame::Segment(seg) => seg,
            };
            if let Some(event) = self.on_segment(window, base, seg)? {
                return Ok(Step::Event(event));
            }
        }
    }

    /// Asks for more input, first moving the line cursor up to what the caller keeps.
    fn need_more(&mut self, window: &[u8], base: u64) -> Step {
        let keep = self.keep_from();
        if keep > self.line_cursor {
            self.line_at(window, base, keep);
        }
        Step::NeedMore
    }

    /// The fast path for the body of a transaction set, where nearly every segment is: takes
    /// ordinary segments (valid id, not an envelope or binary segment, terminator in the
    /// window, within the limits) in a tight loop. It stops, without consuming, at anything
    /// else, which the general path then handles (and reports) exactly as before.
    ///
    /// Terminators are found through 64-byte block masks ([`TerminatorScan`]): a segment in a
    /// block already scanned costs a bit operation instead of a `memchr` call.
    #[inline]
    fn transaction_body(&mut self, window: &[u8], base: u64) {
        let terminator = self.delimiters.segment;
        let separator = self.delimiters.element;
        let limit = self.options.max_segment_size;
        let max_end = self.transaction.start.offset + self.options.max_transaction_size as u64;
        let mut scan = TerminatorScan::new(terminator);
        let mut at = (self.pos - base) as usize;
        let mut taken = 0u64;
        // Whole blocks at a time where they allow it (see `bulk_segments`); otherwise, and
        // for what a block cannot decide, one segment at a time.
        let bulk = self.bulk_walk && limit >= BLOCK && !is_filler(terminator);
        let terminator_needle = Needle::new(terminator);
        loop {
            if bulk
                && let Some((segments, next)) =
                    bulk_segments(window, at, separator, terminator_needle, base, max_end)
            {
                taken += segments;
                at = next;
                continue;
            }
            let (s, _) = skip_filler(window, at);
            let Some(head) = window.get(s..s + 4) else {
                break;
            };
            let Some(id_len) = ordinary_id(head, separator) else {
                break;
            };
            // The terminator within `limit` bytes of the segment start.
            let Some(terminator_at) = scan.find(
                window,
                s + id_len,
                s.saturating_add(limit.saturating_add(1)),
            ) else {
                break;
            };
            let mut end = terminator_at;
            if terminator == b'\n' && window[end - 1] == b'\r' {
                end -= 1;
            }
            if base + end as u64 > max_end {
                break;
            }
            at = terminator_at + 1;
            taken += 1;
        }
        self.transaction.segments += taken;
        self.ordinal += taken;
        self.pos = base + at as u64;
    }

    fn frame_error(&mut self, fault: FrameFault, window: &[u8], base: u64) -> ParseError {
        let (start, kind) = match fault {
            FrameFault::InvalidId { start } => (
                start,
                ParseErrorKind::InvalidSegmentId {
                    element_separator: self.delimiters.element,
                },
            ),
            FrameFault::TooLong { start } => (
                start,
                ParseErrorKind::SegmentTooLong {
                    limit: self.options.max_segment_size,
                    terminator: self.delimiters.segment,
                },
            ),
            FrameFault::BinaryLengthInvalid { start, id } => {
                (start, ParseErrorKind::BinaryLengthInvalid { id })
            }
            FrameFault::BinaryLengthMismatch {
                start,
                id,
                declared,
            } => (start, ParseErrorKind::BinaryLengthMismatch { id, declared }),
        };
        // What was read ends where the bad segment starts, past the line breaks before it,
        // however the input arrived: a reader that had asked for more input already stood
        // there (`need_more` consumes them), one given it all at once did not.
        self.pos = self.pos.max(base + start as u64);
        let position = self.position_at(window, base, base + start as u64);
        ParseError::new(position, kind)
    }

    /// Inside a transaction set, every reader looks at most `max_transaction_size + 2` bytes
    /// past its ST (room for a last segment ending at the limit and a CR LF terminator): what
    /// the streaming reader buffers stays bounded, and since the slice reader sees the same
    /// bytes, the verdict does not depend on how the input was split. Returns the window
    /// to frame in, its `eof`, and whether it was cut at that limit.
    fn transaction_view<'w>(
        &self,
        window: &'w [u8],
        base: u64,
        eof: bool,
    ) -> (&'w [u8], bool, bool) {
        if self.state != State::Transaction {
            return (window, eof, false);
        }
        let cap = self
            .transaction
            .start
            .offset
            .saturating_add(self.options.max_transaction_size as u64)
            .saturating_add(2)
            .saturating_sub(base);
        match usize::try_from(cap) {
            Ok(cap) if cap < window.len() => (&window[..cap], false, true),
            _ => (window, eof, false),
        }
    }

    /// The window, cut at the size limit, ends inside a segment of an open transaction set.
    /// A segment that closes the set anyway (ST, GE, GS, IEA, ISA: the SE is missing) closes
    /// it as a complete one would, once its id is in view; anything else makes the set too
    /// large.
    fn transaction_cut_short(
        &mut self,
        window: &[u8],
        from: usize,
        base: u64,
    ) -> Result<Step, ParseError> {
        let (start, _) = skip_filler(window, from);
        let rest = window.get(start..).unwrap_or_default();
        let closes = segment_id(rest, self.delimiters.element)
            .filter(|&len| len < rest.len())
            .map(|len| kind_of(&rest[..len]))
            .is_some_and(|kind| {
                matches!(kind, Kind::St | Kind::Ge | Kind::Gs | Kind::Iea | Kind::Isa)
            });
        if !closes {
            return Err(ParseError::new(
                self.transaction.start,
                ParseErrorKind::TransactionTooLarge {
                    limit: self.options.max_transaction_size,
                },
            ));
        }
        let position = self.position_at(window, base, base + start as u64);
        self.pos = base + start as u64;
        Ok(Step::Event(self.end_transaction_without_se(position)))
    }

    fn check_transaction_size(&self, end: u64) -> Result<(), ParseError> {
        if end - self.transaction.start.offset > self.options.max_transaction_size as u64 {
            return Err(ParseError::new(
                self.transaction.start,
                ParseErrorKind::TransactionTooLarge {
                    limit: self.options.max_transaction_size,
                },
            ));
        }
        Ok(())
    }

    /// Between interchanges: skip a BOM and fillers, then read an ISA header.
    fn outside(&mut self, window: &[u8], base: u64, eof: bool) -> Result<Step, ParseError> {
        let mut from = (self.pos - base) as usize;
        loop {
            let (at, _) = skip_filler(window, from);
            self.pos = base + at as u64;
            from = at;
            let rest = &window[at..];
            if rest.starts_with(b"\xEF\xBB\xBF") {
                from += 3;
                continue;
            }
            if rest.is_empty() || (!eof && b"\xEF\xBB\xBF".starts_with(rest)) {
                if eof {
                    self.state = State::Done;
                    // An input with no interchange at all is not X12, however clean it looks.
                    if self.interchanges_seen == 0 {
                        let position = self.here(window, base);
                        return Err(ParseError::new(position, ParseErrorKind::EmptyInput));
                    }
                    return Ok(Step::End);
                }
                return Ok(self.need_more(window, base));
            }
            break;
        }
        let isa_window = &window[from..];
        let position = self.position_at(window, base, base + from as u64);
        let layout = match isa_header(isa_window, eof) {
            Ok(IsaScan::NeedMore) => return Ok(self.need_more(window, base)),
            Ok(IsaScan::Found(layout)) => layout,
            Err(fault) => return Err(self.isa_error(fault, position)),
        };
        let raw = &isa_window[..layout.len - 1];
        self.start_interchange(raw, &layout, position);
        let isa = SegmentRef {
            position,
            len: raw.len() as u32,
            id_len: 3,
            binary_at: 0,
        };
        self.interchange.isa = Some(isa);
        self.ordinal += 1;
        self.pos += layout.len as u64;
        self.state = State::Interchange;
        self.interchanges_seen += 1;
        Ok(Step::Event(RawEvent::InterchangeStart { isa }))
    }

    fn isa_error(&self, fault: IsaFault, position: Position) -> ParseError {
        let outside_segment = Position {
            segment: 0,
            ..position
        };
        match fault {
            IsaFault::Truncated => ParseError::new(position, ParseErrorKind::TruncatedIsa),
            IsaFault::NotIsa if self.interchanges_seen > 0 => {
                ParseError::new(outside_segment, ParseErrorKind::TrailingData)
            }
            IsaFault::NotIsa => ParseError::new(outside_segment, ParseErrorKind::NotX12),
            IsaFault::TooFewElements { found } => {
                ParseError::new(position, ParseErrorKind::MalformedIsa { found })
            }
            IsaFault::Width {
                element,
                expected,
                found,
            } => ParseError::new(
                position,
                ParseErrorKind::IsaWidth {
                    element,
                    expected,
                    found,
                },
            ),
            IsaFault::Conflict {
                first,
                second,
                byte,
            } => ParseError::new(
                position,
                ParseErrorKind::DelimiterConflict {
                    first,
                    second,
                    byte,
                },
            ),
            IsaFault::Delimiter { role, byte, at } => {
                let fault = Delimiters::check_byte(role, byte)
                    .err()
                    .unwrap_or(crate::syntax::DelimiterFault::Alphanumeric);
                ParseError::new(
                    Position {
                        offset: position.offset + at as u64,
                        ..position
                    },
                    ParseErrorKind::InvalidDelimiter { role, byte, fault },
                )
            }
        }
    }

    fn start_interchange(&mut self, raw: &[u8], layout: &IsaLayout, position: Position) {
        self.delimiters = layout.delimiters(raw);
        self.interchange.groups = 0;
        self.interchange.group_control_numbers.clear();
        self.interchange.control_number.clear();
        self.interchange
            .control_number
            .extend_from_slice(layout.element(raw, 13));
        self.interchange_problems.clear();
        let tolerable = self.tolerable();
        for (i, width) in layout.widths().enumerate() {
            let expected = ISA_WIDTHS[i];
            if width != usize::from(expected) {
                let value = layout.element(raw, i + 1);
                self.interchange_problems.push(Problem {
                    kind: ProblemKind::IsaWidth {
                        element: (i + 1) as u8,
                        expected,
                        found: width,
                        line_break: value.iter().any(|&b| b == b'\n' || b == b'\r'),
                    },
                    severity: tolerable,
                    position,
                });
            }
        }
        let version = layout.version(raw);
        if layout.isa11.is_some_and(|b| b.is_ascii_alphanumeric()) && version >= &b"00402"[..] {
            self.interchange_problems.push(Problem {
                kind: ProblemKind::NoRepetitionSeparator {
                    version: control_text(version),
                },
                severity: Severity::Warning,
                position,
            });
        }
    }

    /// Handles one framed segment according to the state. Returns an event, or `None` when
    /// the segment was absorbed. A segment that closes envelopes it does not belong to is
    /// left unconsumed and handled again on the next step.
    fn on_segment(
        &mut self,
        window: &[u8],
        base: u64,
        seg: Framed,
    ) -> Result<Option<RawEvent>, ParseError> {
        let raw = &window[seg.start..seg.end];
        let kind = kind_of(&raw[..usize::from(seg.id_len)]);
        let position = self.position_at(window, base, base + seg.start as u64);
        let seg_ref = SegmentRef {
            position,
            len: raw.len() as u32,
            id_len: seg.id_len,
            binary_at: seg.binary_at,
        };
        match self.state {
            State::Transaction => self.in_transaction(raw, kind, seg, seg_ref, base),
            State::Group => Ok(self.in_group(raw, kind, seg, seg_ref)),
            State::Interchange => Ok(self.in_interchange(raw, kind, seg, seg_ref)),
            State::Orphan => Ok(self.in_orphan(kind, seg, base)),
            State::Outside | State::Done => Ok(None),
        }
    }

    /// Consumes the framed segment: moves past it (and its terminator) and counts it.
    fn consume(&mut self, seg: &Framed, base: u64) {
        self.ordinal += 1;
        self.pos = base + seg.next as u64;
    }

    /// Moves `pos` to the start of the framed segment without consuming it.
    fn skip_to(&mut self, seg: &Framed, base: u64) {
        self.pos = base + seg.start as u64;
    }

    fn in_transaction(
        &mut self,
        raw: &[u8],
        kind: Kind,
        seg: Framed,
        seg_ref: SegmentRef,
        base: u64,
    ) -> Result<Option<RawEvent>, ParseError> {
        match kind {
            Kind::St | Kind::Ge | Kind::Gs | Kind::Iea | Kind::Isa => {
                // The SE never came: close the set and look at this segment again.
                self.skip_to(&seg, base);
                Ok(Some(self.end_transaction_without_se(seg_ref.position)))
            }
            _ => {
                let end = seg_ref.position.offset + u64::from(seg_ref.len);
                self.check_transaction_size(end)?;
                self.transaction.segments += 1;
                self.consume(&seg, base);
                if kind == Kind::Se {
                    let actual = self.transaction.segments;
                    let (separator, tolerable) = (self.delimiters.element, self.tolerable());
                    SE_TRAILER.check(
                        raw,
                        separator,
                        tolerable,
                        actual,
                        &self.transaction.control_number,
                        seg_ref.position,
                        &mut self.transaction_problems,
                    );
                    return Ok(Some(self.end_transaction(Some(seg_ref))));
                }
                Ok(None)
            }
        }
    }

    /// Closes the group without its GE (the segment or end of input found at `position`).
    fn end_group_without_ge(&mut self, position: Position) -> RawEvent {
        self.group_problems.push(Problem {
            kind: ProblemKind::MissingTrailer {
                trailer: EnvelopeSegment::GE,
                control_number: control_text(&self.group.control_number),
            },
            severity: Severity::Error,
            position,
        });
        self.end_group(None)
    }

    /// Closes the interchange without its IEA (found at `position`).
    fn end_interchange_without_iea(&mut self, position: Position) -> RawEvent {
        self.interchange_problems.push(Problem {
            kind: ProblemKind::MissingTrailer {
                trailer: EnvelopeSegment::IEA,
                control_number: control_text(&self.interchange.control_number),
            },
            severity: Severity::Error,
            position,
        });
        self.end_interchange(None)
    }

    /// Closes the set at a segment that ends it without an SE (found at `position`).
    fn end_transaction_without_se(&mut self, position: Position) -> RawEvent {
        self.transaction_problems.push(Problem {
            kind: ProblemKind::MissingTrailer {
                trailer: EnvelopeSegment::SE,
                control_number: control_text(&self.transaction.control_number),
            },
            severity: Severity::Error,
            position,
        });
        self.end_transaction(None)
    }

    fn end_transaction(&mut self, se: Option<SegmentRef>) -> RawEvent {
        self.state = State::Group;
        RawEvent::Transaction {
            start: self.transaction.start,
            end: self.pos,
            segment_count: self.transaction.segments,
            se,
        }
    }

    fn in_group(
        &mut self,
        raw: &[u8],
        kind: Kind,
        seg: Framed,
        seg_ref: SegmentRef,
    ) -> Option<RawEvent> {
        let base = seg_ref.position.offset - seg.start as u64;
        match kind {
            Kind::St => {
                self.start_transaction(raw, seg_ref);
                self.consume(&seg, base);
                self.state = State::Transaction;
                None
            }
            Kind::Ge => {
                self.consume(&seg, base);
                let actual = self.group.transactions;
                let (separator, tolerable) = (self.delimiters.element, self.tolerable());
                GE_TRAILER.check(
                    raw,
                    separator,
                    tolerable,
                    actual,
                    &self.group.control_number,
                    seg_ref.position,
                    &mut self.group_problems,
                );
                Some(self.end_group(Some(seg_ref)))
            }
            Kind::Gs | Kind::Iea | Kind::Isa => {
                self.skip_to(&seg, base);
                Some(self.end_group_without_ge(seg_ref.position))
            }
            Kind::Se | Kind::InterchangeService | Kind::Other => {
                self.consume(&seg, base);
                self.group_problems.push(Problem {
                    kind: ProblemKind::UnexpectedSegment {
                        id: control_text(&raw[..usize::from(seg.id_len)]),
                        level: Level::Group,
                    },
                    severity: Severity::Error,
                    position: seg_ref.position,
                });
                None
            }
        }
    }

    fn start_transaction(&mut self, raw: &[u8], seg_ref: SegmentRef) {
        let separator = self.delimiters.element;
        self.transaction_problems.clear();
        self.transaction.start = seg_ref.position;
        self.transaction.segments = 1;
        self.transaction.control_number.clear();
        let st02 = element(raw, separator, 2);
        self.transaction.control_number.extend_from_slice(st02);
        self.group.transactions += 1;
        if element(raw, separator, 1).is_empty() {
            self.transaction_problems.push(Problem {
                kind: ProblemKind::MissingElement { element: "ST01" },
                severity: Severity::Error,
                position: seg_ref.position,
            });
        }
        if st02.is_empty() {
            self.transaction_problems.push(Problem {
                kind: ProblemKind::MissingElement { element: "ST02" },
                severity: Severity::Error,
                position: seg_ref.position,
            });
        } else if !self.group.transaction_control_numbers.insert(st02.to_vec()) {
            self.transaction_problems.push(Problem {
                kind: ProblemKind::DuplicateControlNumber {
                    element: "ST02",
                    value: control_text(st02),
                },
                severity: Severity::Error,
                position: seg_ref.position,
            });
        }
    }

    fn end_group(&mut self, ge: Option<SegmentRef>) -> RawEvent {
        self.state = State::Interchange;
        RawEvent::GroupEnd { ge }
    }

    fn in_interchange(
        &mut self,
        raw: &[u8],
        kind: Kind,
        seg: Framed,
        seg_ref: SegmentRef,
    ) -> Option<RawEvent> {
        let base = seg_ref.position.offset - seg.start as u64;
        match kind {
            Kind::Gs => {
                self.consume(&seg, base);
                self.start_group(raw, seg_ref);
                self.state = State::Group;
                Some(RawEvent::GroupStart { gs: seg_ref })
            }
            Kind::Iea => {
                self.consume(&seg, base);
                let actual = self.interchange.groups;
                let (separator, tolerable) = (self.delimiters.element, self.tolerable());
                IEA_TRAILER.check(
                    raw,
                    separator,
                    tolerable,
                    actual,
                    &self.interchange.control_number,
                    seg_ref.position,
                    &mut self.interchange_problems,
                );
                Some(self.end_interchange(Some(seg_ref)))
            }
            Kind::Isa => {
                self.skip_to(&seg, base);
                Some(self.end_interchange_without_iea(seg_ref.position))
            }
            // TA1, ISB and ISE sit between ISA and the first GS.
            Kind::InterchangeService if self.interchange.groups == 0 => {
                self.consume(&seg, base);
                Some(RawEvent::InterchangeSegment { segment: seg_ref })
            }
            Kind::St => {
                self.consume(&seg, base);
                self.orphan = OrphanCtx {
                    position: seg_ref.position,
                    control_number: control_text(element(raw, self.delimiters.element, 2)),
                    skipped: 1,
                };
                self.state = State::Orphan;
                None
            }
            Kind::Ge | Kind::Se | Kind::InterchangeService | Kind::Other => {
                self.consume(&seg, base);
                self.interchange_problems.push(Problem {
                    kind: ProblemKind::UnexpectedSegment {
                        id: control_text(&raw[..usize::from(seg.id_len)]),
                        level: Level::Interchange,
                    },
                    severity: Severity::Error,
                    position: seg_ref.position,
                });
                None
            }
        }
    }

    fn in_orphan(&mut self, kind: Kind, seg: Framed, base: u64) -> Option<RawEvent> {
        match kind {
            Kind::Gs | Kind::Ge | Kind::Iea | Kind::Isa | Kind::St => {
                // Stop skipping without consuming: the interchange level handles it.
                self.skip_to(&seg, base);
                self.finish_orphan();
                None
            }
            _ => {
                self.consume(&seg, base);
                self.orphan.skipped += 1;
                if kind == Kind::Se {
                    self.finish_orphan();
                }
                None
            }
        }
    }

    fn finish_orphan(&mut self) {
        let orphan = std::mem::take(&mut self.orphan);
        self.interchange_problems.push(Problem {
            kind: ProblemKind::TransactionOutsideGroup {
                control_number: orphan.control_number,
                skipped_segments: orphan.skipped,
            },
            severity: Severity::Error,
            position: orphan.position,
        });
        self.state = State::Interchange;
    }

    fn start_group(&mut self, raw: &[u8], seg_ref: SegmentRef) {
        let separator = self.delimiters.element;
        self.group.gs = Some(seg_ref);
        self.group.transactions = 0;
        self.group.transaction_control_numbers.clear();
        self.group_problems.clear();
        self.interchange.groups += 1;
        let gs06 = element(raw, separator, 6);
        self.group.control_number.clear();
        self.group.control_number.extend_from_slice(gs06);
        if gs06.is_empty() {
            self.group_problems.push(Problem {
                kind: ProblemKind::MissingElement { element: "GS06" },
                severity: Severity::Error,
                position: seg_ref.position,
            });
        } else if !self.interchange.group_control_numbers.insert(gs06.to_vec()) {
            self.group_problems.push(Problem {
                kind: ProblemKind::DuplicateControlNumber {
                    element: "GS06",
                    value: control_text(gs06),
                },
                severity: Severity::Error,
                position: seg_ref.position,
            });
        }
    }

    fn end_interchange(&mut self, iea: Option<SegmentRef>) -> RawEvent {
        self.state = State::Outside;
        RawEvent::InterchangeEnd { iea }
    }

    /// At the end of input: close whatever is open, innermost first, one event per call.
    fn close_at_end(&mut self, window: &[u8], base: u64) -> Option<RawEvent> {
        let position = self.here(window, base);
        match self.state {
            State::Transaction => Some(self.end_transaction_without_se(position)),
            State::Orphan => {
                self.finish_orphan();
                None
            }
            State::Group => Some(self.end_group_without_ge(position)),
            State::Interchange => Some(self.end_interchange_without_iea(position)),
            State::Outside | State::Done => {
                self.state = State::Done;
                None
            }
        }
    }

    /// Files an end-of-input problem under the innermost open envelope.
    fn problem_innermost(&mut self, kind: ProblemKind, severity: Severity, position: Position) {
        let problem = Problem {
            kind,
            severity,
            position,
        };
        match self.state {
            State::Transaction => self.transaction_problems.push(problem),
            State::Group => self.group_problems.push(problem),
            _ => self.interchange_problems.push(problem),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn first_step(input: &[u8]) -> Result<Step, ParseError> {
        Machine::new(ParseOptions::default()).step(input, 0, true)
    }

    #[test]
    fn an_input_without_any_interchange_is_an_error() {
        for input in [&b""[..], b"\r\n  \n", b"\xEF\xBB\xBF", b"\xEF\xBB\xBF\n"] {
            let error = first_step(input).expect_err("no interchange");
            assert_eq!(error.name(), "empty_input", "{input:?}");
            assert_eq!(error.position.offset, input.len() as u64);
        }
    }

    /// Every event, problem and error of a walk over `input`, and where it ended.
    fn walk(input: &[u8], options: ParseOptions, bulk: bool) -> Vec<String> {
        let mut machine = Machine::new(options);
        machine.bulk_walk = bulk;
        let mut out = Vec::new();
        loop {
            match machine.step(input, 0, true) {
                Ok(Step::Event(event)) => {
                    out.push(format!("{event:?}"));
                    for p in machine
                        .transaction_problems
                        .iter()
                        .chain(&machine.group_problems)
                        .chain(&machine.interchange_problems)
                    {
                        out.push(format!("  {p}"));
                    }
                }
                Ok(step) => {
                    out.push(format!("{step:?}"));
                    break;
                }
                Err(e) => {
                    out.push(format!("error: {e}"));
                    break;
                }
            }
        }
        out.push(format!("{} segments, at {}", machine.ordinal, machine.pos));
        out
    }

    const ISA: &str = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~";

    fn body_segment() -> impl Strategy<Value = String> {
        let ordinary = prop::sample::select(vec![
            "NM1", "CLM", "SV1", "SBR", "HL", "N3", "DTP", "REF", "TRN", "BHT", "II", "GS1", "X12",
            "SEQ", "TA2", "BI",
        ]);
        let odd = prop::sample::select(vec![
            "SE", "ST", "GE", "GS", "IEA", "ISA", "ISB", "ISE", "TA1", "BIN", "BDS", "A", "ab",
            "S", "1A", "ABCD", "",
        ]);
        let clean = || proptest::string::string_regex("[A-Z0-9 *:^.]{0,70}").expect("regex");
        let noisy = proptest::string::string_regex("[A-Z0-9 *:^~\\r\\n.]{0,90}").expect("regex");
        let filler = prop::sample::select(vec!["", "", "\n", "\r\n", " ", "\n\n", "  \n"]);
        let segment = prop_oneof![
            8 => (ordinary.clone(), clean()),
            1 => (odd, clean()),
            1 => (ordinary, noisy),
        ];
        (segment, filler).prop_map(|((id, data), filler)| format!("{id}*{data}~{filler}"))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// The block walk takes exactly what the segment walk would: same events, problems,
        /// errors, segment count and end, whatever the segments, fillers and limits.
        #[test]
        fn the_block_walk_agrees_with_the_segment_walk(
            body in prop::collection::vec(body_segment(), 0..80),
            max_segment_size in prop::sample::select(vec![40usize, 63, 64, 65, 100, 1 << 20]),
            max_transaction_size in prop::sample::select(vec![200usize, 700, 2000, 1 << 20]),
            lenient in any::<bool>(),
        ) {
            let input = format!(
                "{ISA}\nGS*HC*S*R*20240101*1200*1*X*005010X222A1~\nST*837*0001~\n{}SE*9*0001~GE*1*1~IEA*1*000000001~",
                body.concat()
            );
            let options = ParseOptions { lenient, max_segment_size, max_transaction_size };
            let bulk = walk(input.as_bytes(), options, true);
            let one_by_one = walk(input.as_bytes(), options, false);
            prop_assert_eq!(bulk, one_by_one);
        }
    }

    #[test]
    fn the_block_walk_takes_ordinary_segments_a_block_at_a_time() {
        // The walks agree above; this checks the block walk is taken at all.
        let body = "NM1*85*2*BILLING PROVIDER*****XX*1234567893~\nN3*123 MAIN ST~\n".repeat(20);
        let input = format!("ST*837*0001~\n{body}");
        let bytes = input.as_bytes();
        let at = "ST*837*0001~".len();
        let taken = bulk_segments(bytes, at, b'*', Needle::new(b'~'), 0, u64::MAX);
        let (segments, next) = taken.expect("a block of ordinary segments");
        assert!(segments >= 1);
        assert_eq!(bytes[next - 1], b'~');
        // An SE in the block sends it to the segment walk.
        let input = format!("ST*837*0001~\nN3*1~SE*3*0001~\n{body}");
        assert_eq!(
            bulk_segments(input.as_bytes(), at, b'*', Needle::new(b'~'), 0, u64::MAX),
            None
        );
    }

    #[test]
    fn the_end_after_an_interchange_is_not_an_error() {
        let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~IEA*0*000000001~\n";
        let mut machine = Machine::new(ParseOptions::default());
        let mut events = 0;
        loop {
            match machine.step(input, 0, true) {
                Ok(Step::Event(_)) => events += 1,
                Ok(Step::End) => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(events, 2);
    }
}
