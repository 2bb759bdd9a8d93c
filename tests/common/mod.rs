//! Helpers shared by the integration tests: the JSON document of an input through each
//! reader (exactly as `x12pipe parse --format json` writes it), sources that hand the input
//! over in chosen chunks, and a pretty printer for expected files.

// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use std::io::{self, Read};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Value, json};
use x12pipe::envelope::{Document, ParseOptions, Problem, Reader, SliceReader};
use x12pipe::json::{JsonWriter, ProblemJson};

/// The JSON document of `input` read in place by [`SliceReader`].
pub fn json_from_slice(input: &[u8], options: ParseOptions, file: &str) -> Vec<u8> {
    let mut reader = SliceReader::with_options(input, options);
    let mut writer = JsonWriter::begin(Vec::new(), file).expect("write to a Vec");
    let error = loop {
        match reader.next_event() {
            Ok(Some(event)) => writer.event(&event).expect("write to a Vec"),
            Ok(None) => break None,
            Err(error) => break Some(error),
        }
    };
    writer
        .finish(
            reader.segments_read(),
            reader.open_problems(),
            error.as_ref(),
        )
        .expect("write to a Vec")
}

/// The JSON document of `source` streamed by [`Reader`] with an initial buffer of
/// `capacity` bytes.
pub fn json_from_reader<R: Read>(
    source: R,
    options: ParseOptions,
    file: &str,
    capacity: usize,
) -> Vec<u8> {
    let mut reader = Reader::with_capacity(source, options, capacity);
    let mut writer = JsonWriter::begin(Vec::new(), file).expect("write to a Vec");
    let error = loop {
        match reader.next_event() {
            Ok(Some(event)) => writer.event(&event).expect("write to a Vec"),
            Ok(None) => break None,
            Err(error) => break Some(error),
        }
    };
    writer
        .finish(
            reader.segments_read(),
            reader.open_problems(),
            error.as_ref(),
        )
        .expect("write to a Vec")
}

/// A source that never hands over bytes across a cut: each `read` stops at the next cut
/// (or earlier, when the caller's buffer is smaller), so the reader sees exactly these
/// chunk boundaries.
pub struct Chunked<'a> {
    data: &'a [u8],
    pos: usize,
    /// Offsets where a read must stop, ascending.
    cuts: Vec<usize>,
    /// Index of the next cut at or after `pos`.
    next_cut: usize,
    /// Number of `read` calls that returned bytes.
    pub reads: usize,
}

impl<'a> Chunked<'a> {
    /// Cuts the input at the given offsets (any order; out of range ones are ignored).
    pub fn at(data: &'a [u8], cuts: &[usize]) -> Self {
        let mut cuts: Vec<usize> = cuts
            .iter()
            .copied()
            .filter(|&c| c > 0 && c < data.len())
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        Chunked {
            data,
            pos: 0,
            cuts,
            next_cut: 0,
            reads: 0,
        }
    }

    /// Cuts the input every `size` bytes.
    pub fn every(data: &'a [u8], size: usize) -> Self {
        let size = size.max(1);
        let cuts: Vec<usize> = (size..data.len()).step_by(size).collect();
        Self::at(data, &cuts)
    }
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.next_cut < self.cuts.len() && self.cuts[self.next_cut] <= self.pos {
            self.next_cut += 1;
        }
        let limit = self
            .cuts
            .get(self.next_cut)
            .copied()
            .unwrap_or(self.data.len());
        let n = buf.len().min(limit - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if n > 0 {
            self.reads += 1;
        }
        Ok(n)
    }
}

/// A JSON value that keeps the order of object keys as written (serde_json's `Value` sorts
/// them), so expected files read in the order the writer produces.
#[derive(Debug, Clone, PartialEq)]
pub enum Ordered {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Ordered>),
    Object(Vec<(String, Ordered)>),
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor;

        impl<'de> Visitor<'de> for OrderedVisitor {
            type Value = Ordered;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Ordered, E> {
                Ok(Ordered::Null)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Ordered, E> {
                Ok(Ordered::Bool(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ordered, E> {
                Ok(Ordered::Number(v.into()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ordered, E> {
                Ok(Ordered::Number(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Ordered, E> {
                serde_json::Number::from_f64(v)
                    .map(Ordered::Number)
                    .ok_or_else(|| E::custom("not a JSON number"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Ordered, E> {
                Ok(Ordered::String(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Ordered, E> {
                Ok(Ordered::String(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Ordered::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry()? {
                    entries.push((key, value));
                }
                Ok(Ordered::Object(entries))
            }
        }

        deserializer.deserialize_any(OrderedVisitor)
    }
}

/// Widest line the pretty printer keeps a value on.
const LINE_WIDTH: usize = 100;

impl Ordered {
    fn compact(&self, out: &mut String) {
        match self {
            Ordered::Null => out.push_str("null"),
            Ordered::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Ordered::Number(n) => out.push_str(&n.to_string()),
            Ordered::String(s) => out.push_str(&serde_json::to_string(s).expect("a string")),
            Ordered::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.compact(out);
                }
                out.push(']');
            }
            Ordered::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&serde_json::to_string(key).expect("a string"));
                    out.push_str(": ");
                    value.compact(out);
                }
                out.push('}');
            }
        }
    }

    /// Writes the value indented by `indent` levels, `prefix` (a key) already written on
    /// its line taking `used` columns. Values that fit on the line stay on it.
    fn pretty_into(&self, out: &mut String, indent: usize, used: usize) {
        let mut one_line = String::new();
        self.compact(&mut one_line);
        if used + one_line.len() <= LINE_WIDTH {
            out.push_str(&one_line);
            return;
        }
        let pad = |out: &mut String, level: usize| {
            out.push('\n');
            out.push_str(&"  ".repeat(level));
        };
        match self {
            Ordered::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    pad(out, indent + 1);
                    item.pretty_into(out, indent + 1, 2 * (indent + 1));
                    if i + 1 < items.len() {
                        out.push(',');
                    }
                }
                pad(out, indent);
                out.push(']');
            }
            Ordered::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    pad(out, indent + 1);
                    let key = serde_json::to_string(key).expect("a string");
                    out.push_str(&key);
                    out.push_str(": ");
                    value.pretty_into(out, indent + 1, 2 * (indent + 1) + key.len() + 2);
                    if i + 1 < entries.len() {
                        out.push(',');
                    }
                }
                pad(out, indent);
                out.push('}');
            }
            _ => out.push_str(&one_line),
        }
    }
}

/// Pretty-prints a JSON document keeping key order; short values stay on one line.
pub fn pretty_json(json: &[u8]) -> String {
    let value: Ordered = serde_json::from_slice(json).expect("valid JSON");
    let mut out = String::new();
    value.pretty_into(&mut out, 0, 0);
    out.push('\n');
    out
}

/// The first place where two JSON values differ, as a path, for failure messages.
pub fn first_difference(expected: &Value, actual: &Value, path: &str) -> Option<String> {
    match (expected, actual) {
        (Value::Object(a), Value::Object(b)) => {
            for key in a.keys().chain(b.keys()) {
                let here = format!("{path}.{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => {
                        if let Some(d) = first_difference(x, y, &here) {
                            return Some(d);
                        }
                    }
                    (x, y) => return Some(format!("{here}: expected {x:?}, got {y:?}")),
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                if let Some(d) = first_difference(x, y, &format!("{path}[{i}]")) {
                    return Some(d);
                }
            }
            (a.len() != b.len())
                .then(|| format!("{path}: expected {} items, got {}", a.len(), b.len()))
        }
        (x, y) if x == y => None,
        (x, y) => Some(format!("{path}: expected {x}, got {y}")),
    }
}

fn problems_json(problems: &[Problem]) -> Value {
    serde_json::to_value(problems.iter().map(ProblemJson).collect::<Vec<_>>())
        .expect("problems serialize")
}

fn expect_eq(what: &str, expected: &Value, actual: &Value) -> Result<(), String> {
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{what}: events say {expected}, Document says {actual}"
        ))
    }
}

/// [`Document::parse`] must agree with the events: the same error, or the same counts and
/// the same problems filed under the same envelopes.
pub fn check_document(input: &[u8], options: ParseOptions, events: &Value) -> Result<(), String> {
    let doc = match Document::parse(input, options) {
        Err(error) => {
            let expected = &events["error"];
            let actual = json!({
                "kind": error.name(),
                "offset": error.position.offset,
                "segment": error.position.segment,
                "line": error.position.line,
                "message": error.kind.to_string(),
            });
            return expect_eq("error", expected, &actual);
        }
        Ok(doc) => doc,
    };
    expect_eq("error", &events["error"], &Value::Null)?;
    expect_eq(
        "segment_count",
        &events["segment_count"],
        &json!(doc.segment_count),
    )?;
    let interchanges = events["interchanges"].as_array().ok_or("no interchanges")?;
    expect_eq(
        "interchange count",
        &json!(interchanges.len()),
        &json!(doc.interchanges.len()),
    )?;
    for (i, (ev, interchange)) in interchanges.iter().zip(&doc.interchanges).enumerate() {
        let at = format!("interchange {i}");
        expect_eq(
            &format!("{at} problems"),
            &ev["problems"],
            &problems_json(&interchange.problems),
        )?;
        expect_eq(
            &format!("{at} service segments"),
            &json!(ev["segments"].as_array().map_or(0, Vec::len)),
            &json!(interchange.segments.len()),
        )?;
        expect_eq(
            &format!("{at} IEA present"),
            &json!(!ev["iea"].is_null()),
            &json!(interchange.iea.is_some()),
        )?;
        let groups = ev["groups"].as_array().ok_or("no groups")?;
        expect_eq(
            &format!("{at} group count"),
            &json!(groups.len()),
            &json!(interchange.groups.len()),
        )?;
        for (g, (eg, group)) in groups.iter().zip(&interchange.groups).enumerate() {
            let at = format!("{at} group {g}");
            expect_eq(
                &format!("{at} problems"),
                &eg["problems"],
                &problems_json(&group.problems),
            )?;
            expect_eq(
                &format!("{at} GE present"),
                &json!(!eg["ge"].is_null()),
                &json!(group.ge.is_some()),
            )?;
            let sets = eg["transactions"].as_array().ok_or("no transactions")?;
            expect_eq(
                &format!("{at} transaction count"),
                &json!(sets.len()),
                &json!(group.transactions().len()),
            )?;
            for (t, (et, set)) in sets.iter().zip(group.transactions()).enumerate() {
                let at = format!("{at} transaction {t}");
                expect_eq(
                    &format!("{at} problems"),
                    &et["problems"],
                    &problems_json(set.problems()),
                )?;
                expect_eq(
                    &format!("{at} segment count"),
                    &et["segment_count"],
                    &json!(set.segment_count()),
                )?;
                expect_eq(
                    &format!("{at} closed"),
                    &et["closed"],
                    &json!(set.is_closed()),
                )?;
                expect_eq(
                    &format!("{at} control number"),
                    &et["control_number"],
                    &json!(String::from_utf8_lossy(set.control_number())),
                )?;
            }
        }
    }
    Ok(())
}
