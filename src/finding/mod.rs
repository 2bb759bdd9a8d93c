//! Findings: what the validator and the submitter report, in one taxonomy.
//!
//! Every [`Finding`] has a stable [`Code`]; the code decides the [`Category`] (transient,
//! syntax, business) and the X12 acknowledgment code it maps to, so no call site chooses
//! them. Messages carry positions, codes and control numbers, never patient data.

mod code;

use std::fmt;

use serde::Serialize;

pub use code::{Code, X12Code, documentation_table, entity_code};

use crate::syntax::Position;

/// The three kinds of finding the pipeline acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A transport fault (timeout, 429, 5xx): worth retrying. Only the submitter raises it.
    Transient,
    /// The file breaks X12 or the implementation guide: reported in TA1/999, never retried.
    Syntax,
    /// A claim breaks a payer or clearinghouse edit: reported per claim, never retried.
    Business,
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Category::Transient => "transient",
            Category::Syntax => "syntax",
            Category::Business => "business",
        })
    }
}

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Information only (for example: no implementation guide for this transaction).
    Note,
    /// Worth fixing; does not reject anything (unless `--deny warnings`).
    Warning,
    /// Rejects the envelope, transaction set or claim it concerns.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// Where a finding is. Positions follow [`Position`]'s bases (byte offsets 0-based, lines
/// and segment ordinals 1-based); element, component and repetition positions are 1-based
/// like `CLM05-3`. Control numbers identify the envelopes; `claim` is CLM01, the patient
/// control number the provider assigned (an account number, not patient data).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// ISA13 of the interchange.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interchange: Option<String>,
    /// GS06 of the functional group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// ST02 of the transaction set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction: Option<String>,
    /// CLM01 of the claim, for findings about a claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    /// Byte offset, line and segment ordinal in the file.
    pub position: Position,
    /// Position of the segment in its transaction set, ST = 1 (IK302).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_in_set: Option<u64>,
    /// The segment id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_id: Option<String>,
    /// The implementation-guide loop (`2010AA`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_id: Option<&'static str>,
    /// Element position, 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element: Option<u8>,
    /// Component position, 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<u8>,
    /// Repetition position, 1-based.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repetition: Option<u8>,
    /// Data element dictionary number (IK402), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element_number: Option<u16>,
    /// The entity identifier code (NM101: `85`, `71`, `IL`) of the party a business finding
    /// is about, when the edit knows it; it becomes STC01-3.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<&'static str>,
}

impl Location {
    /// `NM109`, `CLM05-3`, or the segment id alone.
    pub fn reference(&self) -> Option<String> {
        let id = self.segment_id.as_deref()?;
        Some(match (self.element, self.component) {
            (Some(e), Some(c)) => format!("{id}{e:02}-{c}"),
            (Some(e), None) => format!("{id}{e:02}"),
            _ => id.to_string(),
        })
    }
}

/// One thing the validator or the submitter found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The stable code; it decides the category and the X12 mapping.
    pub code: Code,
    /// Error, warning or note.
    pub severity: Severity,
    /// Where.
    pub location: Location,
    /// What, for humans: positions, codes and ids only, never patient data.
    pub message: String,
}

impl Finding {
    /// A finding of `code` at `location`, with the code's default severity.
    pub fn new(code: Code, location: Location, message: impl Into<String>) -> Self {
        Finding {
            code,
            severity: code.default_severity(),
            location,
            message: message.into(),
        }
    }

    /// The category, derived from the code.
    pub fn category(&self) -> Category {
        self.code.category()
    }

    /// The X12 acknowledgment code this finding maps to.
    pub fn x12(&self) -> X12Code {
        self.code.x12(&self.location)
    }
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("code", self.code.id())?;
        map.serialize_entry("category", &self.category())?;
        map.serialize_entry("severity", &self.severity)?;
        map.serialize_entry("x12", &self.x12().to_string())?;
        map.serialize_entry("location", &self.location)?;
        if let Some(reference) = self.location.reference() {
            map.serialize_entry("reference", &reference)?;
        }
        map.serialize_entry("message", &self.message)?;
        map.end()
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]: {}", self.severity, self.code.id(), self.message)
    }
}
