//! The envelope tree as JSON, written while the input streams.
//!
//! One object per input file:
//!
//! ```text
//! {"file": "...", "interchanges": [
//!    {"isa": SEGMENT, "control_number": "...", "delimiters": {...},
//!     "segments": [SEGMENT...],                       TA1/ISB/ISE before the first GS
//!     "groups": [
//!       {"gs": SEGMENT, "control_number": "...", "version": "...",
//!        "transactions": [
//!          {"type": "837", "control_number": "...", "version": "...", "offset": N,
//!           "segment": N, "line": N, "segment_count": N, "closed": true,
//!           "segments": [SEGMENT...], "problems": [PROBLEM...]}],
//!        "ge": SEGMENT|null, "transaction_count": N, "problems": [PROBLEM...]}],
//!     "iea": SEGMENT|null, "group_count": N, "problems": [PROBLEM...]}],
//!  "segment_count": N, "error": null|{"kind": "...", "message": "...", "offset": N, ...}}
//!
//! SEGMENT = {"id": "NM1", "offset": N, "segment": N, "line": N, "elements": [ELEMENT...]}
//! ELEMENT = "text"                      a simple element (may be "")
//!         | ["comp1", "comp2", ...]     a composite (holds the component separator)
//!         | {"repetitions": [...]}      a repeated element; each repetition is text or array
//! PROBLEM = {"kind": "...", ...details, "severity": "error"|"warning",
//!            "position": {...}, "message": "..."}
//! ```
//!
//! Bytes that are not UTF-8 are written with U+FFFD replacement characters. Element values
//! are data (possibly patient data): this output goes to stdout or a file, never to logs.

use std::io::{self, Write};

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq};

use crate::envelope::{Event, OpenProblems, ParseError, Problem, TransactionSet};
use crate::syntax::{Element, Position, Segment};

/// Lossy text of bytes.
fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// A segment as JSON.
pub struct SegmentJson<'s, 'a>(pub &'s Segment<'a>);

impl Serialize for SegmentJson<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let segment = self.0;
        let position = segment.position();
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("id", segment.id_str())?;
        map.serialize_entry("offset", &position.offset)?;
        map.serialize_entry("segment", &position.segment)?;
        map.serialize_entry("line", &position.line)?;
        map.serialize_entry("elements", &ElementsJson(segment))?;
        map.end()
    }
}

struct ElementsJson<'s, 'a>(&'s Segment<'a>);

impl Serialize for ElementsJson<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(None)?;
        for element in self.0.elements() {
            seq.serialize_element(&ElementJson(element))?;
        }
        seq.end()
    }
}

struct ElementJson<'a>(Element<'a>);

impl Serialize for ElementJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let element = self.0;
        if element.is_repeated() {
            let mut map = serializer.serialize_map(Some(1))?;
            let reps: Vec<RepetitionJson<'_>> = element.repetitions().map(RepetitionJson).collect();
            map.serialize_entry("repetitions", &reps)?;
            map.end()
        } else {
            RepetitionJson(element).serialize(serializer)
        }
    }
}

/// One repetition (or a whole unrepeated element): text, or components when composite.
struct RepetitionJson<'a>(Element<'a>);

impl Serialize for RepetitionJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let element = self.0;
        if element.is_composite() {
            let mut seq = serializer.serialize_seq(None)?;
            for component in element.components() {
                seq.serialize_element(&text(component))?;
            }
            seq.end()
        } else {
            serializer.serialize_str(&text(element.as_bytes()))
        }
    }
}

/// A problem as JSON, with its message.
pub struct ProblemJson<'p>(pub &'p Problem);

impl Serialize for ProblemJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct WithMessage<'p> {
            #[serde(flatten)]
            problem: &'p Problem,
            message: String,
        }
        WithMessage {
            problem: self.0,
            message: self.0.kind.to_string(),
        }
        .serialize(serializer)
    }
}

fn problems_json(problems: &[Problem]) -> Vec<ProblemJson<'_>> {
    problems.iter().map(ProblemJson).collect()
}

/// A transaction set as JSON, segments included.
pub struct TransactionJson<'s, 'a>(pub &'s TransactionSet<'a>);

impl Serialize for TransactionJson<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let set = self.0;
        let position = set.position();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("type", &text(set.transaction_type()))?;
        map.serialize_entry("control_number", &text(set.control_number()))?;
        map.serialize_entry("version", &text(set.version()))?;
        map.serialize_entry("offset", &position.offset)?;
        map.serialize_entry("segment", &position.segment)?;
        map.serialize_entry("line", &position.line)?;
        map.serialize_entry("segment_count", &set.segment_count())?;
        map.serialize_entry("closed", &set.is_closed())?;
        map.serialize_entry("segments", &TransactionSegmentsJson(set))?;
        map.serialize_entry("problems", &problems_json(set.problems()))?;
        map.end()
    }
}

struct TransactionSegmentsJson<'s, 'a>(&'s TransactionSet<'a>);

impl Serialize for TransactionSegmentsJson<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.segment_count()))?;
        for segment in self.0.segments() {
            seq.serialize_element(&SegmentJson(&segment))?;
        }
        seq.end()
    }
}

/// A fatal error as JSON.
pub struct ErrorJson<'e>(pub &'e ParseError);

impl Serialize for ErrorJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let error = self.0;
        let Position {
            offset,
            segment,
            line,
        } = error.position;
        let mut map = serializer.serialize_map(Some(5))?;
        map.serialize_entry("kind", error.name())?;
        map.serialize_entry("offset", &offset)?;
        map.serialize_entry("segment", &segment)?;
        map.serialize_entry("line", &line)?;
        map.serialize_entry("message", &error.kind.to_string())?;
        map.end()
    }
}

/// Where the writer is in the tree, to close what is open when a file ends early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    File,
    InterchangeSegments,
    InterchangeGroups,
    Group,
}

/// Writes the JSON document of one input file while its events stream by.
pub struct JsonWriter<W: Write> {
    out: W,
    open: Vec<Open>,
    /// Whether the innermost open array already has an item (a comma is due).
    has_item: Vec<bool>,
    transactions_in_group: u64,
    groups_in_interchange: u64,
}

impl<W: Write> JsonWriter<W> {
    /// Starts the document of the file named `file`.
    pub fn begin(mut out: W, file: &str) -> io::Result<Self> {
        out.write_all(b"{\"file\":")?;
        serde_json::to_writer(&mut out, file)?;
        out.write_all(b",\"interchanges\":[")?;
        Ok(JsonWriter {
            out,
            open: vec![Open::File],
            has_item: vec![false],
            transactions_in_group: 0,
            groups_in_interchange: 0,
        })
    }

    /// Writes a comma when the current array already has an item.
    fn item(&mut self) -> io::Result<()> {
        if let Some(has) = self.has_item.last_mut() {
            if *has {
                self.out.write_all(b",")?;
            }
            *has = true;
        }
        Ok(())
    }

    fn push(&mut self, open: Open) {
        self.open.push(open);
        self.has_item.push(false);
    }

    fn pop(&mut self) {
        self.open.pop();
        self.has_item.pop();
    }

    /// Writes one event.
    pub fn event(&mut self, event: &Event<'_>) -> io::Result<()> {
        match event {
            Event::InterchangeStart(isa) => {
                self.item()?;
                self.out.write_all(b"{\"isa\":")?;
                serde_json::to_writer(&mut self.out, &SegmentJson(&isa.segment()))?;
                self.out.write_all(b",\"control_number\":")?;
                serde_json::to_writer(&mut self.out, &text(isa.control_number()))?;
                self.out.write_all(b",\"delimiters\":")?;
                serde_json::to_writer(&mut self.out, &isa.delimiters())?;
                self.out.write_all(b",\"segments\":[")?;
                self.push(Open::InterchangeSegments);
                self.groups_in_interchange = 0;
            }
            Event::InterchangeSegment(segment) => {
                self.item()?;
                serde_json::to_writer(&mut self.out, &SegmentJson(segment))?;
            }
            Event::GroupStart(gs) => {
                self.open_groups()?;
                self.item()?;
                self.out.write_all(b"{\"gs\":")?;
                serde_json::to_writer(&mut self.out, &SegmentJson(&gs.segment()))?;
                self.out.write_all(b",\"control_number\":")?;
                serde_json::to_writer(&mut self.out, &text(gs.control_number()))?;
                self.out.write_all(b",\"version\":")?;
                serde_json::to_writer(&mut self.out, &text(gs.version()))?;
                self.out.write_all(b",\"transactions\":[")?;
                self.push(Open::Group);
                self.transactions_in_group = 0;
                self.groups_in_interchange += 1;
            }
            Event::Transaction(set) => {
                self.item()?;
                serde_json::to_writer(&mut self.out, &TransactionJson(set))?;
                self.transactions_in_group += 1;
            }
            Event::GroupEnd(end) => {
                self.out.write_all(b"],\"ge\":")?;
                serde_json::to_writer(&mut self.out, &end.ge.as_ref().map(SegmentJson))?;
                self.write_counts("transaction_count", end.transaction_count, end.problems)?;
                self.pop();
            }
            Event::InterchangeEnd(end) => {
                self.open_groups()?;
                self.out.write_all(b"],\"iea\":")?;
                serde_json::to_writer(&mut self.out, &end.iea.as_ref().map(SegmentJson))?;
                self.write_counts("group_count", end.group_count, end.problems)?;
                self.pop();
            }
        }
        Ok(())
    }

    fn write_counts(&mut self, name: &str, count: u64, problems: &[Problem]) -> io::Result<()> {
        write!(self.out, ",\"{name}\":{count},\"problems\":")?;
        serde_json::to_writer(&mut self.out, &problems_json(problems))?;
        self.out.write_all(b"}")
    }

    /// Closes the service segment array and opens the groups array, once per interchange.
    fn open_groups(&mut self) -> io::Result<()> {
        if self.open.last() == Some(&Open::InterchangeSegments) {
            self.out.write_all(b"],\"groups\":[")?;
            self.pop();
            self.push(Open::InterchangeGroups);
        }
        Ok(())
    }

    /// Ends the document: closes whatever a fatal error left open (with the problems of those
    /// envelopes; those of a transaction set cut short go to its group), then writes the
    /// segment count and the error (or `null`). Returns the output.
    pub fn finish(
        mut self,
        segment_count: u64,
        open_problems: OpenProblems<'_>,
        error: Option<&ParseError>,
    ) -> io::Result<W> {
        while let Some(&open) = self.open.last() {
            match open {
                Open::Group => {
                    self.out.write_all(b"],\"ge\":null")?;
                    let problems: Vec<Problem> = open_problems
                        .group
                        .iter()
                        .chain(open_problems.transaction)
                        .cloned()
                        .collect();
                    self.write_counts("transaction_count", self.transactions_in_group, &problems)?;
                }
                Open::InterchangeSegments => {
                    self.out.write_all(b"],\"groups\":[],\"iea\":null")?;
                    let count = self.groups_in_interchange;
                    self.write_counts("group_count", count, open_problems.interchange)?;
                }
                Open::InterchangeGroups => {
                    self.out.write_all(b"],\"iea\":null")?;
                    let count = self.groups_in_interchange;
                    self.write_counts("group_count", count, open_problems.interchange)?;
                }
                Open::File => {
                    write!(self.out, "],\"segment_count\":{segment_count},\"error\":")?;
                    serde_json::to_writer(&mut self.out, &error.map(ErrorJson))?;
                    self.out.write_all(b"}")?;
                }
            }
            self.pop();
        }
        Ok(self.out)
    }
}
