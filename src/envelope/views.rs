//! Borrowed views of envelopes: ISA and GS headers, transaction sets, and the events a reader
//! yields.

use std::fmt;

use super::error::Problem;
#[cfg(test)]
use super::framer::reframe;
use super::framer::reframe_scanned;
use super::machine::SegmentRef;
use crate::syntax::scan::SegmentScan;
use crate::syntax::{Delimiters, Position, Segment};

/// Builds a segment view from a located segment and the window holding its bytes.
pub(crate) fn segment_in<'x>(
    window: &'x [u8],
    base: u64,
    r: SegmentRef,
    delimiters: Delimiters,
) -> Segment<'x> {
    let start = (r.position.offset - base) as usize;
    let raw = window
        .get(start..start + r.len as usize)
        .unwrap_or_default();
    Segment::new(raw, delimiters, r.position, r.id_len, r.binary_at)
}

/// Trims the space padding of fixed-width ISA values.
fn trim_padding(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
    &bytes[..end]
}

/// The ISA header of an interchange, with named accessors for its elements.
#[derive(Clone, Copy)]
pub struct IsaHeader<'a> {
    segment: Segment<'a>,
}

impl<'a> IsaHeader<'a> {
    pub(crate) fn new(segment: Segment<'a>) -> Self {
        IsaHeader { segment }
    }

    /// The ISA segment itself.
    pub fn segment(&self) -> Segment<'a> {
        self.segment
    }

    /// The interchange's delimiters.
    pub fn delimiters(&self) -> Delimiters {
        self.segment.delimiters()
    }

    /// ISA13, the interchange control number (the key of the interchange; ISA12 is the
    /// version and identifies nothing).
    pub fn control_number(&self) -> &'a [u8] {
        self.segment.value(13)
    }

    /// ISA05, the sender id qualifier.
    pub fn sender_qualifier(&self) -> &'a [u8] {
        trim_padding(self.segment.value(5))
    }

    /// ISA06, the sender id, padding removed.
    pub fn sender_id(&self) -> &'a [u8] {
        trim_padding(self.segment.value(6))
    }

    /// ISA07, the receiver id qualifier.
    pub fn receiver_qualifier(&self) -> &'a [u8] {
        trim_padding(self.segment.value(7))
    }

    /// ISA08, the receiver id, padding removed.
    pub fn receiver_id(&self) -> &'a [u8] {
        trim_padding(self.segment.value(8))
    }

    /// ISA09, the interchange date (YYMMDD).
    pub fn date(&self) -> &'a [u8] {
        self.segment.value(9)
    }

    /// ISA10, the interchange time (HHMM).
    pub fn time(&self) -> &'a [u8] {
        self.segment.value(10)
    }

    /// ISA12, the control version (`00501`).
    pub fn version(&self) -> &'a [u8] {
        self.segment.value(12)
    }

    /// ISA14, acknowledgment requested (`0` or `1`).
    pub fn acknowledgment_requested(&self) -> &'a [u8] {
        self.segment.value(14)
    }

    /// ISA15, usage indicator (`P` production, `T` test).
    pub fn usage_indicator(&self) -> &'a [u8] {
        self.segment.value(15)
    }
}

impl fmt::Debug for IsaHeader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IsaHeader")
            .field(
                "control_number",
                &String::from_utf8_lossy(self.control_number()),
            )
            .field("position", &self.segment.position())
            .finish_non_exhaustive()
    }
}

/// The GS header of a functional group, with named accessors.
#[derive(Clone, Copy)]
pub struct GsHeader<'a> {
    segment: Segment<'a>,
}

impl<'a> GsHeader<'a> {
    pub(crate) fn new(segment: Segment<'a>) -> Self {
        GsHeader { segment }
    }

    /// The GS segment itself.
    pub fn segment(&self) -> Segment<'a> {
        self.segment
    }

    /// GS01, the functional identifier code (`HC` for 837 claims).
    pub fn functional_id(&self) -> &'a [u8] {
        self.segment.value(1)
    }

    /// GS02, the application sender's code.
    pub fn sender(&self) -> &'a [u8] {
        self.segment.value(2)
    }

    /// GS03, the application receiver's code.
    pub fn receiver(&self) -> &'a [u8] {
        self.segment.value(3)
    }

    /// GS04, the group date (CCYYMMDD).
    pub fn date(&self) -> &'a [u8] {
        self.segment.value(4)
    }

    /// GS05, the group time.
    pub fn time(&self) -> &'a [u8] {
        self.segment.value(5)
    }

    /// GS06, the group control number.
    pub fn control_number(&self) -> &'a [u8] {
        self.segment.value(6)
    }

    /// GS08, the version / release / industry identifier (`005010X222A1`).
    pub fn version(&self) -> &'a [u8] {
        self.segment.value(8)
    }
}

impl fmt::Debug for GsHeader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GsHeader")
            .field(
                "control_number",
                &String::from_utf8_lossy(self.control_number()),
            )
            .field("position", &self.segment.position())
            .finish_non_exhaustive()
    }
}

/// One transaction set (ST..SE) with the headers of its interchange and group, so it can be
/// validated, acknowledged and submitted on its own. Borrowed from the reader's buffer.
#[derive(Clone, Copy)]
pub struct TransactionSet<'a> {
    pub(crate) isa: IsaHeader<'a>,
    pub(crate) gs: GsHeader<'a>,
    /// Bytes from the ST to the end of the set.
    pub(crate) data: &'a [u8],
    pub(crate) start: Position,
    pub(crate) segment_count: u64,
    pub(crate) se: Option<SegmentRef>,
    pub(crate) delimiters: Delimiters,
    pub(crate) problems: &'a [Problem],
}

impl<'a> TransactionSet<'a> {
    /// The ISA header of the enclosing interchange.
    pub fn isa(&self) -> IsaHeader<'a> {
        self.isa
    }

    /// The GS header of the enclosing functional group.
    pub fn gs(&self) -> GsHeader<'a> {
        self.gs
    }

    /// The segments from ST to SE, in order, each with its position.
    ///
    /// Segments are found again in the set's bytes as the iterator advances (with the same
    /// framing as the reader), so a set costs no memory per segment while it is read.
    pub fn segments(&self) -> TransactionSegments<'a> {
        TransactionSegments {
            data: self.data,
            at: 0,
            delimiters: self.delimiters,
            start: self.start,
            index: 0,
            line: self.start.line,
            remaining: self.segment_count,
            scan: SegmentScan::new(self.delimiters.segment, self.delimiters.element),
        }
    }

    /// Number of segments, ST and SE included.
    pub fn segment_count(&self) -> usize {
        self.segment_count as usize
    }

    /// The ST segment.
    pub fn st(&self) -> Option<Segment<'a>> {
        self.segments().next()
    }

    /// The SE segment, when the set was closed by one.
    pub fn se(&self) -> Option<Segment<'a>> {
        self.se
            .map(|r| segment_in(self.data, self.start.offset, r, self.delimiters))
    }

    /// ST01, the transaction set identifier (`837`).
    pub fn transaction_type(&self) -> &'a [u8] {
        self.st().map(|st| st.value(1)).unwrap_or_default()
    }

    /// ST02, the transaction set control number.
    pub fn control_number(&self) -> &'a [u8] {
        self.st().map(|st| st.value(2)).unwrap_or_default()
    }

    /// ST03 when present, else GS08: the implementation guide version (`005010X222A1`).
    pub fn version(&self) -> &'a [u8] {
        match self.st().map(|st| st.value(3)) {
            Some(v) if !v.is_empty() => v,
            _ => self.gs.version(),
        }
    }

    /// Where the ST starts.
    pub fn position(&self) -> Position {
        self.start
    }

    /// The bytes of the set as they appear in the input, ST to SE terminator.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.data
    }

    /// The delimiters of the interchange.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// Envelope problems of this set (SE count and control number, missing SE, duplicate
    /// ST02).
    pub fn problems(&self) -> &'a [Problem] {
        self.problems
    }

    /// True when the set ended with its SE.
    pub fn is_closed(&self) -> bool {
        self.se.is_some()
    }
}

impl fmt::Debug for TransactionSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransactionSet")
            .field("type", &String::from_utf8_lossy(self.transaction_type()))
            .field(
                "control_number",
                &String::from_utf8_lossy(self.control_number()),
            )
            .field("position", &self.start)
            .field("segments", &self.segment_count)
            .field("problems", &self.problems.len())
            .finish_non_exhaustive()
    }
}

/// Iterator over the segments of a transaction set.
#[derive(Clone)]
pub struct TransactionSegments<'a> {
    data: &'a [u8],
    /// Offset in `data` of the next byte to frame.
    at: usize,
    delimiters: Delimiters,
    start: Position,
    index: u64,
    line: u64,
    remaining: u64,
    /// Block masks of the set's bytes: terminators, line feeds and element separators.
    scan: SegmentScan,
}

impl<'a> Iterator for TransactionSegments<'a> {
    type Item = Segment<'a>;

    // Always in line: returned through memory, the segment's fields were stored piecemeal
    // and loaded whole by the caller, a store-forwarding stall per segment (perf: 5% of
    // `x12pipe validate` on one instruction after the call).
    #[inline(always)]
    fn next(&mut self) -> Option<Segment<'a>> {
        if self.remaining == 0 {
            return None;
        }
        // The reader already framed these bytes without error, so only complete segments
        // come back; anything else ends the iteration.
        let Some((seg, separators)) =
            reframe_scanned(self.data, self.at, &self.delimiters, &mut self.scan)
        else {
            self.remaining = 0;
            return None;
        };
        self.line += seg.lines_before;
        let position = Position {
            offset: self.start.offset + seg.start as u64,
            segment: self.start.segment + self.index,
            line: self.line,
        };
        self.line += seg.lines_within;
        self.index += 1;
        self.remaining -= 1;
        self.at = seg.next;
        let segment = Segment::new(
            &self.data[seg.start..seg.end],
            self.delimiters,
            position,
            seg.id_len,
            seg.binary_at,
        );
        Some(match separators {
            Some(separators) => segment.with_separators(separators),
            None => segment,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining as usize, Some(self.remaining as usize))
    }
}

impl ExactSizeIterator for TransactionSegments<'_> {}

/// The end of a functional group: its GE (when present), what was counted, and the group's
/// problems (GE counts and control number, missing GE, duplicate GS06, stray segments).
#[derive(Clone, Copy, Debug)]
pub struct GroupEnd<'a> {
    /// The group's GS header.
    pub gs: GsHeader<'a>,
    /// The GE trailer, `None` when it was missing.
    pub ge: Option<Segment<'a>>,
    /// Transaction sets found in the group.
    pub transaction_count: u64,
    /// The group's problems.
    pub problems: &'a [Problem],
}

/// The end of an interchange: its IEA (when present), what was counted, and the interchange's
/// problems (ISA widths, IEA counts and control number, missing IEA, stray segments).
#[derive(Clone, Copy, Debug)]
pub struct InterchangeEnd<'a> {
    /// The interchange's ISA header.
    pub isa: IsaHeader<'a>,
    /// The IEA trailer, `None` when it was missing.
    pub iea: Option<Segment<'a>>,
    /// Functional groups found in the interchange.
    pub group_count: u64,
    /// The interchange's problems.
    pub problems: &'a [Problem],
}

/// What a reader yields, in stream order: the envelope tree walked depth first.
#[derive(Clone, Copy, Debug)]
pub enum Event<'a> {
    /// An ISA header was read.
    InterchangeStart(IsaHeader<'a>),
    /// An interchange-level service segment before the first group (`ISB`, `ISE`, `TA1`).
    InterchangeSegment(Segment<'a>),
    /// A GS header was read.
    GroupStart(GsHeader<'a>),
    /// A complete transaction set (or one cut short by a missing SE, with a problem saying
    /// so).
    Transaction(TransactionSet<'a>),
    /// A functional group ended.
    GroupEnd(GroupEnd<'a>),
    /// An interchange ended.
    InterchangeEnd(InterchangeEnd<'a>),
}

impl Event<'_> {
    /// The problems this event carries (only transaction sets and envelope ends carry any).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Event::Transaction(t) => t.problems,
            Event::GroupEnd(g) => g.problems,
            Event::InterchangeEnd(i) => i.problems,
            _ => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{Event, SliceReader};

    /// An interchange whose set holds segments of every length from 4 to 200 bytes, some
    /// with line feeds inside, composites and trailing separators, one segment a line.
    fn varied(terminator: &str) -> Vec<u8> {
        let mut set = format!("ST*837*0001*005010X222A1{terminator}");
        let mut count = 1;
        for len in 0..200usize {
            let mut segment = String::from("REF");
            for i in 0..len {
                segment.push(match i % 9 {
                    0 => '*',
                    4 if len % 5 == 0 && terminator == "~" => '\n',
                    6 => ':',
                    _ => 'A',
                });
            }
            set.push_str(&segment);
            set.push_str(terminator);
            count += 1;
        }
        set.push_str(&format!("SE*{}*0001{terminator}", count + 1));
        let isa = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:";
        format!(
            "{isa}{terminator}GS*HC*S*R*20240101*1200*1*X*005010X222A1{terminator}{set}GE*1*1{terminator}IEA*1*000000001{terminator}"
        )
        .into_bytes()
    }

    #[test]
    fn scanned_segments_and_elements_match_a_plain_walk() {
        for terminator in ["~", "~\n", "~\r\n", "\n", "\r\n"] {
            let input = varied(terminator);
            let mut reader = SliceReader::new(&input);
            let mut sets = 0;
            while let Ok(Some(event)) = reader.next_event() {
                let Event::Transaction(set) = event else {
                    continue;
                };
                sets += 1;
                assert!(
                    set.problems().is_empty(),
                    "{terminator:?}: {:?}",
                    set.problems()
                );
                // The reference: the framer's plain path, and elements found by searching.
                let mut at = 0;
                let mut line = set.position().line;
                for (index, segment) in set.segments().enumerate() {
                    let framed = reframe(set.data, at, &set.delimiters).expect("framed");
                    line += framed.lines_before;
                    assert_eq!(segment.as_bytes(), &set.data[framed.start..framed.end]);
                    assert_eq!(segment.id().len(), usize::from(framed.id_len));
                    assert_eq!(segment.position().line, line, "{terminator:?} #{index}");
                    assert_eq!(
                        segment.position().offset,
                        set.position().offset + framed.start as u64
                    );
                    line += framed.lines_within;
                    at = framed.next;
                    let plain = Segment::new(
                        segment.as_bytes(),
                        segment.delimiters(),
                        segment.position(),
                        framed.id_len,
                        0,
                    );
                    let seen: Vec<(&[u8], usize)> = segment
                        .elements()
                        .map(|e| (e.as_bytes(), e.offset_in_segment()))
                        .collect();
                    let expected: Vec<(&[u8], usize)> = plain
                        .elements()
                        .map(|e| (e.as_bytes(), e.offset_in_segment()))
                        .collect();
                    assert_eq!(seen, expected, "{terminator:?} #{index}");
                    assert_eq!(
                        segment.element(3).map(|e| e.as_bytes()),
                        plain.element(3).map(|e| e.as_bytes())
                    );
                }
                assert_eq!(set.segments().count(), set.segment_count());
            }
            assert_eq!(sets, 1, "{terminator:?}");
        }
    }
}
