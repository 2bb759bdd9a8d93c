//! From files to units of submission: each transaction set in its own envelope, with its
//! key, its payload hash and the gate's verdict.
//!
//! A unit's payload is the set's original ISA and GS segments, the set as written (ST to SE),
//! and trailers for exactly one group and one set: `GE*1*<GS06>` and `IEA*1*<ISA13>`. The
//! control numbers are the sender's, so the receiver's 999 and the key both point back at
//! the set in the original file.
//!
//! The gate is the validator: a set with a syntax error (its own, or its group's or
//! interchange's) is rejected as syntax; a set whose claims break business edits is rejected
//! as business; neither is ever sent. Verdicts carry finding codes and positions only.

use std::io::{self, Read};

use crate::finding::{Category, Finding, Severity};
use crate::validate::{GroupInfo, InterchangeInfo, Observer, SetResult, ValidateOptions, validate};

use super::key::{UnitKeyFields, payload_sha256};

/// What the gate decided for a unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gate {
    /// No error: send it.
    Submit,
    /// A syntax error in the set or its envelopes: finding codes and positions.
    RejectSyntax(String),
    /// Business edits failed: finding codes and claim positions.
    RejectBusiness(String),
}

/// One transaction set ready for the ledger and the transport.
#[derive(Clone, Debug)]
pub struct PreparedUnit {
    /// The idempotency key.
    pub key: String,
    /// ISA13, GS06, ST02.
    pub control_numbers: (String, String, String),
    /// The file it came from (as named on the command line).
    pub source: String,
    /// The interchange to send (ISA..IEA around this one set).
    pub payload: Vec<u8>,
    /// Hex SHA-256 of `payload`.
    pub payload_sha256: String,
    /// The gate's verdict.
    pub gate: Gate,
}

/// The interchange sent for one transaction set: its ISA and GS as written, the set, and
/// trailers counting one group and one set.
pub fn payload(result: &SetResult<'_>) -> Vec<u8> {
    let set = &result.set;
    let terminator = set.delimiters().segment;
    let element = set.delimiters().element;
    let isa = set.isa();
    let gs = set.gs();
    let body = set.as_bytes();
    let mut out = Vec::with_capacity(body.len() + 256);
    out.extend_from_slice(isa.segment().as_bytes());
    out.push(terminator);
    out.extend_from_slice(gs.segment().as_bytes());
    out.push(terminator);
    out.extend_from_slice(body);
    if body.last() != Some(&terminator) && !body.ends_with(b"\n") {
        out.push(terminator);
    }
    for (id, control) in [
        (&b"GE"[..], gs.control_number()),
        (b"IEA", isa.control_number()),
    ] {
        out.extend_from_slice(id);
        out.push(element);
        out.push(b'1');
        out.push(element);
        out.extend_from_slice(control);
        out.push(terminator);
    }
    out
}

/// Codes and positions of the error findings of one category: what the ledger records of a
/// rejection (never a finding's values).
fn codes(findings: &[&Finding], category: Category) -> Option<String> {
    let mut parts: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error && f.category() == category)
        .map(|f| {
            let mut part = f.code.id().to_string();
            match (f.location.segment_in_set, f.location.position.segment) {
                (Some(segment), _) => part.push_str(&format!(" at segment {segment}")),
                (None, 0) => {}
                (None, ordinal) => part.push_str(&format!(" at segment {ordinal} of the file")),
            }
            if let Some(element) = f.location.element {
                part.push_str(&format!(" element {element}"));
            }
            part
        })
        .collect();
    // A claim's finding can be reported at set level too: say it once.
    let mut seen = std::collections::HashSet::new();
    parts.retain(|p| seen.insert(p.clone()));
    if parts.is_empty() {
        return None;
    }
    let total = parts.len();
    parts.truncate(10);
    let mut text = parts.join("; ");
    if total > 10 {
        text.push_str(&format!("; and {} more", total - 10));
    }
    Some(text)
}

/// Collects units while the validator reads a file; a unit's verdict is final when its
/// interchange ends (an IEA error rejects every set in it).
struct Collector {
    source: String,
    /// Units of the open interchange.
    open: Vec<PreparedUnit>,
    /// Units of the open group, moved to `open` when it ends.
    group: Vec<PreparedUnit>,
    done: Vec<PreparedUnit>,
}

impl Collector {
    fn reject_all(units: &mut [PreparedUnit], why: &str) {
        for unit in units {
            if unit.gate == Gate::Submit {
                unit.gate = Gate::RejectSyntax(why.to_string());
            }
        }
    }
}

impl Observer for Collector {
    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        let fields = UnitKeyFields::of(&result.set);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let control_numbers = (
            text(&fields.interchange),
            text(&fields.group),
            text(&fields.transaction),
        );
        let all: Vec<&Finding> = result.all_findings().collect();
        let gate = if let Some(why) = codes(&all, Category::Syntax) {
            Gate::RejectSyntax(why)
        } else if let Some(why) = codes(&all, Category::Business) {
            Gate::RejectBusiness(why)
        } else {
            Gate::Submit
        };
        let payload = payload(result);
        self.group.push(PreparedUnit {
            key: fields.key().as_str().to_string(),
            control_numbers,
            source: self.source.clone(),
            payload_sha256: payload_sha256(&payload),
            payload,
            gate,
        });
        Ok(())
    }

    fn group_end(
        &mut self,
        info: &GroupInfo,
        _declared: Option<u64>,
        _found: u64,
        findings: &[Finding],
    ) -> io::Result<()> {
        let all: Vec<&Finding> = findings.iter().collect();
        if let Some(why) = codes(&all, Category::Syntax) {
            let why = format!("functional group {}: {why}", info.control_number);
            Self::reject_all(&mut self.group, &why);
        }
        self.open.append(&mut self.group);
        Ok(())
    }

    fn interchange_end(&mut self, info: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
        self.open.append(&mut self.group);
        let all: Vec<&Finding> = findings.iter().collect();
        if let Some(why) = codes(&all, Category::Syntax) {
            let why = format!("interchange {}: {why}", info.control_number);
            Self::reject_all(&mut self.open, &why);
        }
        self.done.append(&mut self.open);
        Ok(())
    }

    /// The file cannot be read further. Nothing of it is sent, not even its complete
    /// interchanges: a file that breaks off (or carries data after its last IEA) may be a
    /// concatenation or transfer error, and the validator rejects it as a whole.
    fn fatal(&mut self, _info: Option<&InterchangeInfo>, findings: &[Finding]) -> io::Result<()> {
        self.open.append(&mut self.group);
        self.done.append(&mut self.open);
        let all: Vec<&Finding> = findings.iter().collect();
        let why = codes(&all, Category::Syntax)
            .unwrap_or_else(|| "the file could not be read to its end".to_string());
        Self::reject_all(&mut self.done, &format!("unreadable file: {why}"));
        Ok(())
    }
}

/// Reads one file (named `source` in the ledger) into units, validating as it goes.
/// Memory: the payloads of every set in the file (the submitter keeps them until sent).
pub fn prepare<R: Read>(
    input: R,
    source: &str,
    options: &ValidateOptions,
) -> io::Result<Vec<PreparedUnit>> {
    let mut collector = Collector {
        source: source.to_string(),
        open: Vec::new(),
        group: Vec::new(),
        done: Vec::new(),
    };
    validate(input, options, &mut collector)?;
    // Sets of an interchange that never ended (and was not reported fatal) are not sent.
    collector.open.append(&mut collector.group);
    Collector::reject_all(
        &mut collector.open,
        "the interchange has no end (IEA missing)",
    );
    collector.done.append(&mut collector.open);
    Ok(collector.done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Document;
    use crate::synth::{ClaimKind, GenOptions, write_interchange};

    fn generate(options: &GenOptions) -> Vec<u8> {
        let mut out = Vec::new();
        write_interchange(&mut out, options).expect("generate");
        out
    }

    fn options() -> ValidateOptions {
        let mut options = ValidateOptions::new();
        options.today = time::Date::from_calendar_date(2026, time::Month::November, 23)
            .unwrap_or(time::Date::MIN);
        options
    }

    #[test]
    fn each_set_becomes_one_interchange_with_one_group_and_one_set() {
        let mut synth = GenOptions::new(ClaimKind::Professional, 5, 7);
        synth.claims_per_transaction = 2;
        let file = generate(&synth);
        let units = prepare(&file[..], "f.x12", &options()).expect("read");
        assert_eq!(units.len(), 3);
        for unit in &units {
            assert_eq!(unit.gate, Gate::Submit, "{:?}", unit.gate);
            let doc = Document::parse(&unit.payload, Default::default()).expect("payload parses");
            assert_eq!(
                doc.problems().count(),
                0,
                "payload has no envelope problems"
            );
            let inner = prepare(&unit.payload[..], "p", &options()).expect("read");
            assert_eq!(inner.len(), 1);
            assert_eq!(inner[0].key, unit.key);
            assert_eq!(inner[0].gate, Gate::Submit);
        }
        let mut keys: Vec<&str> = units.iter().map(|u| u.key.as_str()).collect();
        keys.dedup();
        assert_eq!(keys.len(), 3, "every set has its own key");
    }

    #[test]
    fn data_after_the_last_interchange_rejects_the_whole_file() {
        let mut file = generate(&GenOptions::new(ClaimKind::Professional, 2, 1));
        file.extend_from_slice(b"THIS IS NOT AN INTERCHANGE\n");
        let units = prepare(&file[..], "f.x12", &options()).expect("read");
        assert_eq!(units.len(), 1);
        assert!(
            matches!(&units[0].gate, Gate::RejectSyntax(why) if why.starts_with("unreadable file")),
            "{:?}",
            units[0].gate
        );
    }

    #[test]
    fn a_broken_interchange_rejects_every_set_in_it() {
        let file = generate(&GenOptions::new(ClaimKind::Professional, 2, 1));
        let text = String::from_utf8(file).expect("ascii");
        let broken = text.replace("IEA*1*", "IEA*7*");
        assert_ne!(broken, text);
        let units = prepare(broken.as_bytes(), "f.x12", &options()).expect("read");
        assert!(!units.is_empty());
        for unit in units {
            assert!(
                matches!(&unit.gate, Gate::RejectSyntax(why) if why.contains("interchange")),
                "{:?}",
                unit.gate
            );
        }
    }
}
