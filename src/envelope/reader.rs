//! Readers that walk the envelope tree and yield one [`Event`] at a time.
//!
//! [`Reader`] streams from any [`std::io::Read`] (a file, stdin, a socket) through one
//! reusable buffer: memory is bounded by the largest transaction set, not by the input.
//! [`SliceReader`] reads an in-memory slice without copying it. Both share the same state
//! machine, so they agree on every input however it is split.

use std::io::{self, Read, Seek, SeekFrom};

use super::error::{ParseError, ParseErrorKind, Problem, ProblemKind, Severity};
use super::machine::{Machine, OpenProblems, RawEvent, SegmentRef, Step, control_text};
use super::options::ParseOptions;
use super::split::{SetRun, SetSummary};
use super::views::{
    Event, GroupEnd, GsHeader, InterchangeEnd, IsaHeader, TransactionSet, segment_in,
};
use crate::syntax::{Delimiters, Position};

/// Where the ISA and GS headers of the current envelopes are kept.
struct Headers<'x> {
    isa: &'x [u8],
    gs: &'x [u8],
}

/// Turns a raw event (offsets) into a borrowed event.
fn materialize<'x>(
    raw: RawEvent,
    machine: &'x Machine,
    window: &'x [u8],
    base: u64,
    headers: Headers<'x>,
) -> Event<'x> {
    let delimiters = machine.delimiters();
    let header_segment = |bytes: &'x [u8], r: Option<SegmentRef>| match r {
        Some(r) => segment_in(bytes, r.position.offset, r, delimiters),
        None => segment_in(&[], 0, SegmentRef::empty(), delimiters),
    };
    let isa = IsaHeader::new(header_segment(headers.isa, machine.isa()));
    let gs = GsHeader::new(header_segment(headers.gs, machine.gs()));
    match raw {
        RawEvent::InterchangeStart { .. } => Event::InterchangeStart(isa),
        RawEvent::InterchangeSegment { segment } => {
            Event::InterchangeSegment(segment_in(window, base, segment, delimiters))
        }
        RawEvent::GroupStart { .. } => Event::GroupStart(gs),
        RawEvent::Transaction {
            start,
            end,
            segment_count,
            se,
        } => {
            let from = (start.offset - base) as usize;
            let to = (end - base) as usize;
            Event::Transaction(TransactionSet {
                isa,
                gs,
                data: window.get(from..to).unwrap_or_default(),
                start,
                segment_count,
                se,
                delimiters,
                problems: &machine.transaction_problems,
            })
        }
        RawEvent::GroupEnd { ge } => Event::GroupEnd(GroupEnd {
            gs,
            ge: ge.map(|r| segment_in(window, base, r, delimiters)),
            transaction_count: machine.transaction_count(),
            problems: &machine.group_problems,
        }),
        RawEvent::InterchangeEnd { iea } => Event::InterchangeEnd(InterchangeEnd {
            isa,
            iea: iea.map(|r| segment_in(window, base, r, delimiters)),
            group_count: machine.group_count(),
            problems: &machine.interchange_problems,
        }),
    }
}

/// Reads an in-memory input without copying it.
///
/// ```
/// use x12pipe::envelope::{Event, SliceReader};
///
/// let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~\
/// GS*HC*SENDER*RECEIVER*20240101*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~BHT*0019*00*1*20240101*1200*CH~\
/// SE*3*0001~GE*1*1~IEA*1*000000001~";
/// let mut reader = SliceReader::new(input);
/// let mut sets = 0;
/// while let Some(event) = reader.next_event()? {
///     if let Event::Transaction(set) = event {
///         assert_eq!(set.transaction_type(), b"837");
///         assert_eq!(set.segment_count(), 3);
///         assert!(set.problems().is_empty());
///         sets += 1;
///     }
/// }
/// assert_eq!(sets, 1);
/// # Ok::<(), x12pipe::envelope::ParseError>(())
/// ```
pub struct SliceReader<'a> {
    input: &'a [u8],
    machine: Machine,
}

impl<'a> SliceReader<'a> {
    /// A strict reader over `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Self::with_options(input, ParseOptions::default())
    }

    /// A reader over `input` with the given options.
    pub fn with_options(input: &'a [u8], options: ParseOptions) -> Self {
        SliceReader {
            input,
            machine: Machine::new(options),
        }
    }

    /// The next event, `None` at the end of input. After an error, `None` follows.
    pub fn next_event(&mut self) -> Result<Option<Event<'_>>, ParseError> {
        match self.machine.step(self.input, 0, true)? {
            Step::Event(raw) => {
                let headers = Headers {
                    isa: header_bytes(self.input, self.machine.isa()),
                    gs: header_bytes(self.input, self.machine.gs()),
                };
                Ok(Some(materialize(
                    raw,
                    &self.machine,
                    self.input,
                    0,
                    headers,
                )))
            }
            // With the whole input in hand the machine never needs more.
            Step::NeedMore | Step::End => Ok(None),
        }
    }

    /// Segments read so far.
    pub fn segments_read(&self) -> u64 {
        self.machine.segments_read()
    }

    /// Problems of envelopes still open. After a fatal error these are the problems found in
    /// the envelopes the error cut short, which no event reported.
    pub fn open_problems(&self) -> OpenProblems<'_> {
        self.machine.open_problems()
    }
}

/// The bytes of a header segment in an input held whole, starting at the segment.
fn header_bytes(input: &[u8], r: Option<SegmentRef>) -> &[u8] {
    r.and_then(|r| input.get(r.position.offset as usize..))
        .unwrap_or_default()
}

/// Streams envelopes from any [`Read`], holding at most one transaction set in memory.
///
/// ```
/// use x12pipe::envelope::{Event, Reader};
///
/// let input: &[u8] = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~\n\
/// GS*HC*SENDER*RECEIVER*20240101*1200*1*X*005010X222A1~\nST*837*0001*005010X222A1~\nSE*2*0001~\nGE*1*1~\nIEA*1*000000001~\n";
/// let mut reader = Reader::new(input);
/// let mut ids = Vec::new();
/// while let Some(event) = reader.next_event()? {
///     if let Event::Transaction(set) = event {
///         ids.extend(set.segments().map(|s| s.id_str().to_string()));
///     }
/// }
/// assert_eq!(ids, ["ST", "SE"]);
/// # Ok::<(), x12pipe::envelope::ParseError>(())
/// ```
pub struct Reader<R> {
    source: R,
    machine: Machine,
    buf: Vec<u8>,
    /// Bytes of `buf` holding input.
    filled: usize,
    /// Absolute offset of `buf[0]`.
    base: u64,
    eof: bool,
    isa: Vec<u8>,
    gs: Vec<u8>,
    /// The buffer doubles up to this size as input keeps coming; past it, it grows only
    /// for transaction sets larger than half of it.
    grow_to: usize,
}

/// The buffer a large input gets: past it, the buffer grows only for transaction sets
/// larger than half of it.
const USUAL_BUFFER: usize = 1 << 20;

/// The first buffer: a small input (a claim the simulator checks, a one-claim file) should
/// not pay for zeroing a megabyte.
const FIRST_BUFFER: usize = 16 << 10;

/// Smallest free space worth a `read` call.
const MIN_READ: usize = 64 << 10;

impl<R: Read> Reader<R> {
    /// A strict reader over `source`.
    pub fn new(source: R) -> Self {
        Self::with_options(source, ParseOptions::default())
    }

    /// A reader over `source` with the given options.
    pub fn with_options(source: R, options: ParseOptions) -> Self {
        let mut reader = Self::with_capacity(source, options, FIRST_BUFFER);
        reader.grow_to = USUAL_BUFFER;
        reader
    }

    /// A reader with an initial buffer of `capacity` bytes (tests use tiny buffers to
    /// exercise refills).
    pub fn with_capacity(source: R, options: ParseOptions, capacity: usize) -> Self {
        Reader {
            source,
            machine: Machine::new(options),
            buf: vec![0; capacity.max(16)],
            filled: 0,
            base: 0,
            eof: false,
            isa: Vec::new(),
            gs: Vec::new(),
            grow_to: 0,
        }
    }

    /// The next event, `None` at the end of input. After an error, `None` follows.
    pub fn next_event(&mut self) -> Result<Option<Event<'_>>, ParseError> {
        loop {
            let step = self
                .machine
                .step(&self.buf[..self.filled], self.base, self.eof)?;
            match step {
                Step::NeedMore => self.refill()?,
                Step::End => return Ok(None),
                Step::Event(raw) => {
                    self.keep_header(raw);
                    let headers = Headers {
                        isa: &self.isa,
                        gs: &self.gs,
                    };
                    return Ok(Some(materialize(
                        raw,
                        &self.machine,
                        &self.buf[..self.filled],
                        self.base,
                        headers,
                    )));
                }
            }
        }
    }

    /// Segments read so far.
    pub fn segments_read(&self) -> u64 {
        self.machine.segments_read()
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.machine.offset()
    }

    /// Problems of envelopes still open. After a fatal error these are the problems found in
    /// the envelopes the error cut short, which no event reported.
    pub fn open_problems(&self) -> OpenProblems<'_> {
        self.machine.open_problems()
    }

    /// A reader that starts between the transaction sets of a group at absolute offset
    /// `at` of the stream (`source` is positioned there): see [`super::split`].
    pub(crate) fn resume_in_group(
        source: R,
        options: ParseOptions,
        delimiters: Delimiters,
        at: u64,
    ) -> Self {
        let mut reader = Self::with_options(source, options);
        reader.machine = Machine::resume_in_group(options, delimiters, at);
        reader.base = at;
        reader
    }

    /// The delimiters of the current interchange, once an ISA has been read.
    pub(crate) fn delimiters_read(&self) -> Option<Delimiters> {
        self.machine
            .has_read_an_interchange()
            .then(|| self.machine.delimiters())
    }

    /// True when the reader is between the sets of a group, about to read at `at` with
    /// `delimiters`.
    pub(crate) fn is_between_sets_at(&self, at: u64, delimiters: Delimiters) -> bool {
        self.machine.is_between_sets_at(at, delimiters)
    }

    /// True when a segment the group did not expect (not ST, GE) was read since its last set.
    pub(crate) fn group_problems_found(&self) -> bool {
        self.machine.group_problems_found()
    }

    /// The line of the next byte to read.
    pub(crate) fn current_line(&mut self) -> u64 {
        self.machine
            .current_line(&self.buf[..self.filled], self.base)
    }

    /// GS08 of the current group.
    pub(crate) fn group_version(&self) -> &[u8] {
        match self.machine.gs() {
            Some(r) => GsHeader::new(segment_in(
                &self.gs,
                r.position.offset,
                r,
                self.machine.delimiters(),
            ))
            .version(),
            None => &[],
        }
    }

    /// Copies a new ISA or GS out of the buffer: transaction sets refer to them long after
    /// the buffer has moved on.
    fn keep_header(&mut self, raw: RawEvent) {
        let (target, r) = match raw {
            RawEvent::InterchangeStart { isa } => (&mut self.isa, isa),
            RawEvent::GroupStart { gs } => (&mut self.gs, gs),
            _ => return,
        };
        let start = (r.position.offset - self.base) as usize;
        target.clear();
        target.extend_from_slice(
            self.buf
                .get(start..start + r.len as usize)
                .unwrap_or_default(),
        );
    }

    /// Makes room and reads more input. Bytes before the machine's `keep_from` are dropped;
    /// the buffer doubles only when what must be kept fills more than half of it, so copying
    /// stays proportional to the input.
    fn refill(&mut self) -> Result<(), ParseError> {
        if self.eof {
            // The machine never asks for more after the end; guard against a loop anyway.
            return Ok(());
        }
        let keep = (self.machine.keep_from() - self.base) as usize;
        if self.buf.len() - self.filled < MIN_READ.min(self.buf.len() / 2) {
            if self.buf.len() < self.grow_to {
                // More input than the first buffer: on to the usual size, doubling.
                let grown = (self.buf.len() * 2).min(self.grow_to);
                self.buf.resize(grown, 0);
            } else if self.filled - keep <= self.buf.len() / 2 {
                self.buf.copy_within(keep..self.filled, 0);
                self.filled -= keep;
                self.base += keep as u64;
            } else {
                let grown = self.buf.len() * 2;
                self.buf.resize(grown, 0);
            }
        }
        loop {
            match self.source.read(&mut self.buf[self.filled..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.filled += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => {
                    let offset = self.base + self.filled as u64;
                    let window = &self.buf[..self.filled];
                    let position = Position {
                        offset,
                        segment: 0,
                        line: self.machine.line_of(window, self.base, offset),
                    };
                    return Err(ParseError::new(position, ParseErrorKind::Io(source)));
                }
            }
        }
    }
}

impl<R: Read + Seek> Reader<R> {
    /// Takes over the sets another reader read ahead from where this one stands (checked
    /// with [`Reader::is_between_sets_at`]): counts their segments and sets, places their
    /// positions in this stream, reports ST02s already used before them in the group, and
    /// moves the source past them. Returns the sets.
    pub(crate) fn skip_sets(&mut self, run: SetRun) -> Result<Vec<SetSummary>, ParseError> {
        let SetRun {
            end,
            segments,
            end_line,
            mut sets,
            ..
        } = run;
        let (ordinal_at, line_at) = self.machine.skip_sets(
            &self.buf[..self.filled],
            self.base,
            end,
            segments,
            sets.len() as u64,
            end_line,
        );
        let place = |p: &mut Position| {
            if p.segment != 0 {
                p.segment += ordinal_at;
            }
            p.line += line_at - 1;
        };
        for set in &mut sets {
            place(&mut set.start);
            for problem in &mut set.problems {
                place(&mut problem.position);
            }
            if set.version.is_empty() {
                set.version = self.group_version().to_vec();
            }
            if !set.control_number.is_empty()
                && self
                    .machine
                    .insert_transaction_control_number(&set.control_number)
                && !set.flagged_duplicate
            {
                // Where the machine puts it: after a missing ST01, before anything else.
                let at = usize::from(matches!(
                    set.problems.first(),
                    Some(Problem {
                        kind: ProblemKind::MissingElement { element: "ST01" },
                        ..
                    })
                ));
                set.problems.insert(
                    at,
                    Problem {
                        kind: ProblemKind::DuplicateControlNumber {
                            element: "ST02",
                            value: control_text(&set.control_number),
                        },
                        severity: Severity::Error,
                        position: set.start,
                    },
                );
            }
        }
        self.filled = 0;
        self.base = end;
        self.eof = false;
        if let Err(source) = self.source.seek(SeekFrom::Start(end)) {
            // The source is no longer where the machine is: read nothing more.
            self.machine.stop();
            let position = Position {
                offset: end,
                segment: 0,
                line: self.machine.current_line(&[], end),
            };
            return Err(ParseError::new(position, ParseErrorKind::Io(source)));
        }
        Ok(sets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &[u8] = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~";

    /// A source that hands out one byte per read, the split most unlike a whole slice.
    struct OneByte<'a>(&'a [u8]);

    impl Read for OneByte<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.first_mut()) {
                (Some((&byte, rest)), Some(slot)) => {
                    *slot = byte;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    /// What a reader saw: one line per event, then the error (name and position).
    fn outline(events: &mut dyn FnMut() -> Result<Option<String>, ParseError>) -> Vec<String> {
        let mut lines = Vec::new();
        loop {
            match events() {
                Ok(Some(line)) => lines.push(line),
                Ok(None) => return lines,
                Err(e) => {
                    lines.push(format!("error {} at {:?}", e.name(), e.position));
                    return lines;
                }
            }
        }
    }

    fn describe(event: &Event<'_>) -> String {
        match event {
            Event::Transaction(set) => format!(
                "set {} closed={} segments={} problems={:?}",
                String::from_utf8_lossy(set.control_number()),
                set.is_closed(),
                set.segment_count(),
                set.problems()
            ),
            other => format!("{:?}", std::mem::discriminant(other)),
        }
    }

    /// Reads `input` whole and one byte at a time; both must see the same.
    fn both_ways(input: &[u8], options: ParseOptions) -> Vec<String> {
        let mut slice = SliceReader::with_options(input, options);
        let whole = outline(&mut || slice.next_event().map(|e| e.map(|e| describe(&e))));
        let mut stream = Reader::with_capacity(OneByte(input), options, 16);
        let streamed = outline(&mut || stream.next_event().map(|e| e.map(|e| describe(&e))));
        assert_eq!(whole, streamed, "the slice and streaming readers disagree");
        whole
    }

    fn limits(max_segment_size: usize, max_transaction_size: usize) -> ParseOptions {
        ParseOptions {
            max_segment_size,
            max_transaction_size,
            ..ParseOptions::strict()
        }
    }

    #[test]
    fn after_an_invalid_segment_the_offset_is_its_start_however_the_input_arrives() {
        // Found by `fuzz/fuzz_targets/validate.rs` (its summary's bytes): given the input
        // whole, the reader stopped before the line break ahead of the bad segment; one
        // byte at a time, after it.
        let mut input = ISA.to_vec();
        input.extend_from_slice(b"\nGS*HC*S*R*20240101*1200*1*X*005010X222A1~\n");
        let bad = input.len() + 2;
        input.extend_from_slice(b"\n\nG\xffE*1*1~\nIEA*1*000000001~\n");
        let options = ParseOptions::strict();
        let mut whole = Reader::with_capacity(&input[..], options, 1 << 16);
        let mut one_byte = Reader::with_capacity(OneByte(&input), options, 16);
        let stop = |next: &mut dyn FnMut() -> Result<Option<()>, ParseError>| loop {
            match next() {
                Ok(Some(())) => continue,
                Ok(None) => return None,
                Err(e) => return Some(e.position.offset),
            }
        };
        let whole_error = stop(&mut || whole.next_event().map(|e| e.map(|_| ())));
        let one_byte_error = stop(&mut || one_byte.next_event().map(|e| e.map(|_| ())));
        assert_eq!(whole_error, Some(bad as u64));
        assert_eq!(one_byte_error, Some(bad as u64));
        assert_eq!(whole.offset(), bad as u64);
        assert_eq!(one_byte.offset(), bad as u64);
    }

    #[test]
    fn readers_agree_when_a_set_outgrows_max_transaction_size() {
        // Found by fuzzing: the streaming reader stopped with "transaction too large" while
        // the unterminated segment was still arriving; the slice reader went on to "segment
        // too long".
        let mut input = ISA.to_vec();
        input.extend_from_slice(
            b"GS*HC*S*R*20240101*1200*1*X*005010X222A1~ST*837*0001~BHT*0019~NM1*",
        );
        input.extend_from_slice(&[b'A'; 100]);
        let seen = both_ways(&input, limits(64, 40));
        let last = seen.last().map(String::as_str).unwrap_or_default();
        assert!(last.starts_with("error transaction_too_large"), "{seen:?}");
    }

    #[test]
    fn readers_agree_when_a_set_without_se_ends_at_a_long_trailer() {
        // The set (ST, BHT) fits its limit; the GE that closes it without an SE does not.
        let mut input = ISA.to_vec();
        input.extend_from_slice(
            b"GS*HC*S*R*20240101*1200*1*X*005010X222A1~ST*837*0001~BHT*0019~GE*1*",
        );
        input.extend_from_slice(&[b'1'; 40]);
        input.extend_from_slice(b"~IEA*1*000000001~");
        let seen = both_ways(&input, limits(1 << 10, 30));
        assert!(
            seen.iter()
                .any(|line| line.starts_with("set 0001 closed=false segments=2")),
            "{seen:?}"
        );
        assert!(
            !seen.iter().any(|line| line.starts_with("error")),
            "{seen:?}"
        );
    }

    /// Yields its bytes, then fails.
    struct FailingSource<'a> {
        bytes: &'a [u8],
    }

    impl Read for FailingSource<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.bytes.is_empty() {
                return Err(io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// Reads like a slice, but cannot seek.
    struct Unseekable<'a>(&'a [u8]);

    impl Read for Unseekable<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.read(buf)
        }
    }

    impl Seek for Unseekable<'_> {
        fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
            Err(io::Error::other("cannot seek"))
        }
    }

    #[test]
    fn a_failed_seek_past_sets_read_ahead_stops_the_reader_where_it_was() {
        let input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~GS*HC*S*R*20240101*1200*1*X*005010X222A1~ST*837*0001~SE*2*0001~GE*1*1~IEA*1*000000001~";
        let mut reader = Reader::new(Unseekable(input));
        while let Ok(Some(event)) = reader.next_event() {
            if matches!(event, Event::GroupStart(_)) {
                break;
            }
        }
        let at = reader.offset();
        let delimiters = reader.delimiters_read().expect("an ISA was read");
        assert!(reader.is_between_sets_at(at, delimiters));
        let run = SetRun {
            end: at + 24,
            segments: 2,
            end_line: 1,
            sets: Vec::new(),
        };
        let error = reader.skip_sets(run).expect_err("the seek fails");
        assert!(matches!(error.kind, ParseErrorKind::Io(_)), "{error}");
        assert_eq!(error.position.offset, at + 24);
        // Nothing is read from a source that is not where the machine is.
        assert!(matches!(reader.next_event(), Ok(None)));
        assert_eq!(reader.open_problems().iter().count(), 0);
    }

    #[test]
    fn a_read_error_says_where_the_input_stopped() {
        let isa = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~\nGS*HC*S*R*20240101*1200*1*X*005010X222A1~\nST*837*0001~\n";
        let mut reader = Reader::new(FailingSource { bytes: isa });
        let error = loop {
            match reader.next_event() {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("the source fails before the end"),
                Err(error) => break error,
            }
        };
        assert_eq!(error.name(), "io");
        assert_eq!(error.position.offset, isa.len() as u64);
        assert_eq!(error.position.line, 4, "three line feeds were read");
        assert!(error.to_string().contains("disk on fire"));
    }

    #[test]
    fn the_buffer_starts_small_and_grows_for_large_input() {
        let mut small = Vec::from(ISA);
        small.extend_from_slice(b"GS*HC*S*R*20240101*1200*1*X*005010X222A1~ST*837*0001~SE*2*0001~GE*1*1~IEA*1*000000001~");
        let mut reader = Reader::new(&small[..]);
        while let Ok(Some(_)) = reader.next_event() {}
        assert_eq!(reader.buf.len(), FIRST_BUFFER);

        // Many sets: the input keeps coming, so the buffer doubles up to the usual size and
        // every set is still read.
        let mut large = Vec::from(ISA);
        large.extend_from_slice(b"GS*HC*S*R*20240101*1200*1*X*005010X222A1~");
        let sets = 80_000;
        for n in 1..=sets {
            large.extend_from_slice(format!("ST*837*{n:04}~BHT*0019~SE*3*{n:04}~").as_bytes());
        }
        large.extend_from_slice(format!("GE*{sets}*1~IEA*1*000000001~").as_bytes());
        assert!(large.len() > 2 * USUAL_BUFFER);
        let mut reader = Reader::new(&large[..]);
        let mut seen = 0;
        loop {
            match reader.next_event() {
                Ok(Some(Event::Transaction(_))) => seen += 1,
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(seen, sets);
        assert_eq!(reader.buf.len(), USUAL_BUFFER);
    }
}
