//! Differential fuzz target for the envelope parser.
//!
//! Input layout: two option bytes, then the X12 bytes.
//!
//! - byte 0, bit 0: lenient; bits 1-3: chunk size; bit 4: chunk sizes vary from read to
//!   read; bit 5: the source returns `Interrupted` before some reads; bits 6-7: the limits
//!   (low bits).
//! - byte 1, bits 0-3: the streaming reader's initial buffer; bits 4-7: the limits (high
//!   bits).
//!
//! The rest is parsed three ways: `SliceReader` (zero copy, whole input), `Reader` over a
//! source that hands out the input in small reads, and `Document::parse`. Every event of the
//! two readers is walked down to components and repetitions, checked against the input bytes
//! (offsets, lines, round trips of the splits) and serialized with `JsonWriter`; the two JSON
//! documents (which end with the open problems, the segment count and the error) must be
//! identical, and so must the errors. `Document::parse` must find the same transaction sets,
//! segments, problems and error.

#![no_main]

use std::hint::black_box;
use std::io::{self, Read};

use libfuzzer_sys::fuzz_target;
use x12pipe::envelope::{Document, Event, ParseError, ParseOptions, Reader, SliceReader};
use x12pipe::json::JsonWriter;
use x12pipe::syntax::{Delimiters, Element, Segment};

/// Read sizes, indexed by bits 1-3 of byte 0.
const CHUNKS: [usize; 8] = [1, 2, 3, 7, 16, 61, 512, 1 << 20];

/// Initial buffer sizes, indexed by bits 0-3 of byte 1 (the reader raises anything below 16).
const CAPACITIES: [usize; 16] = [
    0,
    1,
    16,
    17,
    31,
    32,
    64,
    100,
    106,
    107,
    128,
    255,
    512,
    1024,
    4096,
    1 << 20,
];

/// `(max_segment_size, max_transaction_size)`, indexed by the 6 limit bits; most choices
/// keep the defaults so that the limits do not hide everything else.
fn limits(index: u8) -> (usize, usize) {
    const DEFAULT_SEGMENT: usize = ParseOptions::DEFAULT_MAX_SEGMENT_SIZE;
    const DEFAULT_TRANSACTION: usize = ParseOptions::DEFAULT_MAX_TRANSACTION_SIZE;
    const SMALL: [usize; 8] = [1, 4, 8, 16, 40, 64, 200, 1000];
    match index {
        0..=39 => (DEFAULT_SEGMENT, DEFAULT_TRANSACTION),
        40..=47 => (SMALL[usize::from(index - 40)], DEFAULT_TRANSACTION),
        48..=55 => (DEFAULT_SEGMENT, SMALL[usize::from(index - 48)]),
        _ => (
            SMALL[usize::from(index & 7)],
            SMALL[usize::from((index >> 1) & 7)],
        ),
    }
}

/// A source that hands out the input a few bytes at a time.
struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
    vary: bool,
    interrupt: bool,
    reads: usize,
    state: u32,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        // A small LCG: deterministic for one input, different from read to read.
        self.state = self.state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let r = (self.state >> 16) as usize;
        if self.interrupt && r % 3 == 0 && self.reads % 2 == 0 {
            return Err(io::Error::from(io::ErrorKind::Interrupted));
        }
        let want = if self.vary {
            1 + r % self.chunk.max(1)
        } else {
            self.chunk
        };
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Error identity: kind, position and message (`ParseError` has no `PartialEq`: `Io`).
fn error_key(e: &ParseError) -> (String, x12pipe::syntax::Position, String) {
    (e.name().to_string(), e.position, e.kind.to_string())
}

/// The input with the offsets of its line feeds.
struct Input<'a> {
    bytes: &'a [u8],
    line_feeds: Vec<usize>,
}

impl<'a> Input<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let line_feeds = bytes
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'\n')
            .map(|(i, _)| i)
            .collect();
        Input { bytes, line_feeds }
    }

    /// Lines are 1-based and every LF before an offset starts a new line.
    fn line_at(&self, offset: u64) -> u64 {
        1 + self.line_feeds.partition_point(|&i| (i as u64) < offset) as u64
    }

    fn get(&self, at: usize, len: usize) -> Option<&'a [u8]> {
        self.bytes.get(at..at.checked_add(len)?)
    }
}

/// Walks a segment down to components and repetitions, checks it against the input, and
/// returns a checksum of the bytes it touched.
fn walk_segment(input: &Input<'_>, segment: &Segment<'_>) -> usize {
    let raw = segment.as_bytes();
    let position = segment.position();
    let at = position.offset as usize;
    assert_eq!(
        input.get(at, raw.len()),
        Some(raw),
        "segment {} is not at its offset {at}",
        segment.id_str()
    );
    assert_eq!(
        position.line,
        input.line_at(position.offset),
        "segment {} at byte {at} has the wrong line",
        segment.id_str()
    );
    let delimiters = segment.delimiters();
    let id = segment.id();
    assert!(raw.starts_with(id));
    let mut sum = id.len();
    // The elements, joined by the element separator, rebuild the segment after its id.
    let mut rebuilt: Vec<u8> = id.to_vec();
    for (i, element) in segment.elements().enumerate() {
        rebuilt.push(delimiters.element);
        rebuilt.extend_from_slice(element.as_bytes());
        let off = element.offset_in_segment();
        assert_eq!(
            raw.get(off..off + element.as_bytes().len()),
            Some(element.as_bytes())
        );
        if i < 8 {
            assert_eq!(
                segment.element(i + 1).map(|e| e.as_bytes()),
                Some(element.as_bytes())
            );
        }
        sum += walk_element(&element, delimiters);
    }
    assert_eq!(
        rebuilt,
        raw,
        "elements of {} do not rebuild it",
        segment.id_str()
    );
    assert_eq!(segment.element_count(), segment.elements().count());
    sum
}

fn walk_element(element: &Element<'_>, delimiters: Delimiters) -> usize {
    let bytes = element.as_bytes();
    let joined = |sep: Option<u8>, parts: Vec<&[u8]>| -> Vec<u8> {
        let mut out = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                out.extend(sep);
            }
            out.extend_from_slice(part);
        }
        out
    };
    let mut sum =
        bytes.len() + usize::from(element.is_empty()) + element.as_str().map_or(0, str::len);
    let components: Vec<&[u8]> = element.components().collect();
    assert!(!components.is_empty());
    if element.is_binary() {
        assert_eq!(components, [bytes]);
        assert!(!element.is_composite() && !element.is_repeated());
    }
    assert_eq!(element.is_composite(), components.len() > 1);
    let component_sep = (!element.is_binary()).then_some(delimiters.component);
    assert_eq!(joined(component_sep, components.clone()), bytes);
    for (i, c) in components.iter().enumerate() {
        if i < 8 {
            assert_eq!(element.component(i + 1), Some(*c));
        }
        sum += c.len();
    }
    let repetitions: Vec<Element<'_>> = element.repetitions().collect();
    assert!(!repetitions.is_empty());
    assert_eq!(element.is_repeated(), repetitions.len() > 1);
    let repetition_sep = if element.is_binary() {
        None
    } else {
        delimiters.repetition
    };
    assert_eq!(
        joined(
            repetition_sep,
            repetitions.iter().map(|r| r.as_bytes()).collect()
        ),
        bytes
    );
    for repetition in &repetitions {
        let within = repetition.offset_in_segment() - element.offset_in_segment();
        assert_eq!(
            bytes.get(within..within + repetition.as_bytes().len()),
            Some(repetition.as_bytes())
        );
        if repetitions.len() > 1 {
            assert!(!repetition.is_repeated());
        }
        sum += repetition.as_bytes().len();
        for component in repetition.components() {
            sum += component.len();
        }
    }
    sum
}

/// Walks one event; returns a checksum and the number of transaction sets (0 or 1).
fn walk_event(input: &Input<'_>, event: &Event<'_>) -> (usize, u64) {
    match event {
        Event::InterchangeStart(isa) => {
            let segment = isa.segment();
            assert_eq!(segment.id(), b"ISA");
            let sum = walk_segment(input, &segment)
                + isa.control_number().len()
                + isa.sender_id().len()
                + isa.receiver_id().len()
                + isa.version().len();
            (sum, 0)
        }
        Event::InterchangeSegment(segment) => (walk_segment(input, segment), 0),
        Event::GroupStart(gs) => {
            let segment = gs.segment();
            assert_eq!(segment.id(), b"GS");
            (walk_segment(input, &segment) + gs.control_number().len(), 0)
        }
        Event::Transaction(set) => {
            let data = set.as_bytes();
            let start = set.position().offset as usize;
            assert_eq!(input.get(start, data.len()), Some(data));
            let mut sum = set.transaction_type().len() + set.version().len();
            let mut count = 0;
            for segment in set.segments() {
                let raw = segment.as_bytes();
                // Every segment lies inside the set's bytes.
                let within = (segment.position().offset - set.position().offset) as usize;
                assert_eq!(data.get(within..within + raw.len()), Some(raw));
                sum += walk_segment(input, &segment);
                count += 1;
            }
            assert_eq!(count, set.segment_count());
            if let Some(st) = set.st() {
                assert_eq!(st.id(), b"ST");
                assert_eq!(st.position(), set.position());
            }
            assert_eq!(set.se().is_some(), set.is_closed());
            if let Some(se) = set.se() {
                assert_eq!(se.id(), b"SE");
            }
            // The isa and gs views are walked too: the streaming reader keeps copies.
            sum += walk_segment(input, &set.isa().segment());
            sum += walk_segment(input, &set.gs().segment());
            (sum, 1)
        }
        Event::GroupEnd(end) => {
            let sum = end.ge.map_or(0, |ge| walk_segment(input, &ge));
            (sum + walk_segment(input, &end.gs.segment()), 0)
        }
        Event::InterchangeEnd(end) => {
            let sum = end.iea.map_or(0, |iea| walk_segment(input, &iea));
            (sum + walk_segment(input, &end.isa.segment()), 0)
        }
    }
}

/// What one reader produced.
struct Run {
    json: Vec<u8>,
    error: Option<ParseError>,
    transactions: u64,
    segments: u64,
    problems: usize,
}

/// Drives a reader to the end, walking and serializing every event.
macro_rules! drive {
    ($reader:expr, $input:expr) => {{
        let reader = &mut $reader;
        let mut json = JsonWriter::begin(Vec::new(), "fuzz").expect("Vec never fails");
        let mut transactions = 0;
        let mut problems = 0;
        let mut sum = 0;
        let error = loop {
            match reader.next_event() {
                Ok(Some(event)) => {
                    let (s, t) = walk_event($input, &event);
                    sum += s;
                    transactions += t;
                    problems += event.problems().len();
                    json.event(&event).expect("Vec never fails");
                }
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        black_box(sum);
        // After the end (or an error) the reader stays at the end.
        assert!(matches!(reader.next_event(), Ok(None)));
        let segments = reader.segments_read();
        let json = json
            .finish(segments, reader.open_problems(), error.as_ref())
            .expect("Vec never fails");
        Run {
            json,
            error,
            transactions,
            segments,
            problems,
        }
    }};
}

fuzz_target!(|data: &[u8]| {
    let [a, b, input @ ..] = data else {
        return;
    };
    let (max_segment_size, max_transaction_size) = limits((a >> 6) | ((b >> 4) << 2));
    let options = ParseOptions {
        lenient: a & 1 == 1,
        max_segment_size,
        max_transaction_size,
    };
    let chunk = CHUNKS[usize::from((a >> 1) & 7)];
    let capacity = CAPACITIES[usize::from(b & 15)];

    let checked = Input::new(input);
    let mut slice = SliceReader::with_options(input, options);
    let from_slice = drive!(slice, &checked);

    let source = Chunked {
        data: input,
        chunk,
        vary: a & 0x10 != 0,
        interrupt: a & 0x20 != 0,
        reads: 0,
        state: u32::from(*a) << 8 | u32::from(*b),
    };
    let mut stream = Reader::with_capacity(source, options, capacity);
    let from_stream = drive!(stream, &checked);

    // The JSON is valid and identical; so are the errors.
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(&from_slice.json) {
        panic!("JsonWriter wrote invalid JSON: {e}");
    }
    assert_eq!(
        from_slice.error.as_ref().map(error_key),
        from_stream.error.as_ref().map(error_key),
        "the readers stop with different errors"
    );
    if from_slice.json != from_stream.json {
        panic!(
            "the readers disagree:\nslice:  {}\nstream: {}",
            String::from_utf8_lossy(&from_slice.json),
            String::from_utf8_lossy(&from_stream.json)
        );
    }
    assert_eq!(from_slice.transactions, from_stream.transactions);
    assert!(stream.offset() as usize <= input.len());

    // The whole-document parser agrees with the readers.
    match Document::parse(input, options) {
        Ok(doc) => {
            assert!(
                from_slice.error.is_none(),
                "Document::parse succeeded where the reader failed: {:?}",
                from_slice.error
            );
            let mut sets = 0u64;
            let mut sum = 0usize;
            for interchange in &doc.interchanges {
                sum += walk_segment(&checked, &interchange.isa.segment());
                for segment in &interchange.segments {
                    sum += walk_segment(&checked, segment);
                }
                for group in &interchange.groups {
                    for set in group.transactions() {
                        sets += 1;
                        for segment in set.segments() {
                            sum += walk_segment(&checked, &segment);
                        }
                    }
                }
            }
            black_box(sum);
            assert_eq!(
                sets, from_slice.transactions,
                "Document::parse counts other sets"
            );
            assert_eq!(doc.segment_count, from_slice.segments);
            assert_eq!(doc.problems().count(), from_slice.problems);
        }
        Err(e) => assert_eq!(
            Some(error_key(&e)),
            from_slice.error.as_ref().map(error_key),
            "Document::parse failed differently from the reader"
        ),
    }
});
