//! Implementation guides as data.
//!
//! Two kinds of JSON files, embedded in the binary and read once:
//!
//! - `data/dictionary.json`: the X12 005010 base definitions of the segments and composites
//!   the guides use: element dictionary numbers, types, lengths, base requirement (`M`, `O`,
//!   `X`), repeats, and the segment syntax notes (`P0809`, `C1110`, ...).
//! - one file per guide (`data/837p.json`, ...): the loop tree of the transaction set, each
//!   segment's usage (`R`, `S`, `N`) and maximum use, the qualifier values that identify a
//!   segment use (`NM1` with NM101 `85` is the billing provider), and per-element overrides
//!   (usage, code lists).
//!
//! Adding a guide, or a companion-guide override, is a data change: the validator walks
//! whatever tree it is given. The format is documented on the types below and in
//! `src/schema/data/README.md`.

mod load;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;

use serde::Deserialize;

pub use load::{
    CodeKey, CodeList, ElementBrief, ElementSpec, Guide, Guides, LoopSpec, Node, NodeKind,
    NoteBrief, SchemaError, SegmentSpec, ShortCodes, SimpleSpec, SyntaxNote, compile, guide_for,
    guides, id_key, knows_version, pack_short,
};

/// X12 data element types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum DataType {
    /// String.
    AN,
    /// Identifier (a code from a list).
    ID,
    /// Integer with implied decimals; `N0`..`N9` give the number of implied decimals.
    N0,
    /// Integer with 1 implied decimal.
    N1,
    /// Integer with 2 implied decimals.
    N2,
    /// Integer with 3 implied decimals.
    N3,
    /// Integer with 4 implied decimals.
    N4,
    /// Decimal number.
    R,
    /// Date (CCYYMMDD, or YYMMDD when 6 long).
    DT,
    /// Time (HHMM, HHMMSS, HHMMSSD, HHMMSSDD).
    TM,
    /// Binary (sized by a preceding element).
    B,
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// Base requirement of an element in the X12 standard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Requirement {
    /// Mandatory.
    M,
    /// Optional.
    O,
    /// Relational: governed by a syntax note.
    X,
}

/// Usage of a segment, loop or element in an implementation guide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Usage {
    /// Required.
    R,
    /// Situational: send when the guide's condition holds.
    S,
    /// Not used.
    N,
}

/// One simple element (or component) of the base dictionary.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimpleDef {
    /// Data element dictionary number (IK402), e.g. 98 for NM101.
    pub number: u16,
    /// Its name.
    pub name: String,
    /// Its type.
    #[serde(rename = "type")]
    pub data_type: DataType,
    /// Minimum length.
    pub min: u16,
    /// Maximum length.
    pub max: u16,
    /// Base requirement.
    pub req: Requirement,
}

/// One element of a segment in the base dictionary: simple, or a composite by reference.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementDef {
    /// Dictionary number of a simple element.
    #[serde(default)]
    pub number: Option<u16>,
    /// Id of a composite (`C023`) instead of a simple element.
    #[serde(default)]
    pub composite: Option<String>,
    /// Its name.
    pub name: String,
    /// Type of a simple element.
    #[serde(rename = "type", default)]
    pub data_type: Option<DataType>,
    /// Minimum length of a simple element.
    #[serde(default)]
    pub min: u16,
    /// Maximum length of a simple element.
    #[serde(default)]
    pub max: u16,
    /// Base requirement.
    pub req: Requirement,
    /// Maximum repetitions (1 when absent).
    #[serde(default = "one")]
    pub repeat: u16,
}

fn one() -> u16 {
    1
}

/// A composite in the base dictionary.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompositeDef {
    /// Its name.
    pub name: String,
    /// Its components, in order.
    pub components: Vec<SimpleDef>,
    /// Syntax notes between components (`P0102`).
    #[serde(default)]
    pub syntax: Vec<String>,
}

/// A segment in the base dictionary.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentDef {
    /// Its name.
    pub name: String,
    /// Its elements, in order (element 1 first).
    pub elements: Vec<ElementDef>,
    /// Syntax notes (`P0809`, `R0203`, `C1110`, `E0207`, `L010203`).
    #[serde(default)]
    pub syntax: Vec<String>,
}

/// The base dictionary.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dictionary {
    /// Composites by id.
    pub composites: HashMap<String, CompositeDef>,
    /// Segments by id.
    pub segments: HashMap<String, SegmentDef>,
}

/// A guide's rule for one element (or component, keyed `5.3`) of a segment use.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElementRule {
    /// Usage in this segment use; when absent, the base requirement decides (`M` → R).
    #[serde(default)]
    pub usage: Option<Usage>,
    /// Allowed code values (ID elements with a small, stable list).
    #[serde(default)]
    pub codes: Option<Vec<String>>,
    /// Minimum length in this guide, when narrower than the base.
    #[serde(default)]
    pub min: Option<u16>,
    /// Maximum length in this guide, when narrower than the base.
    #[serde(default)]
    pub max: Option<u16>,
}

/// A node of a guide's structure: a segment use or a loop.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum NodeDef {
    /// A segment use.
    Segment(SegmentUseDef),
    /// A loop.
    Loop(LoopDef),
    /// A copy of a template loop of the guide (the 837's 2300 claim loop sits both under
    /// the subscriber and under the patient).
    Use(UseDef),
}

/// A reference to a template loop: `{"use": "2300"}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseDef {
    /// The template's key in the guide's `templates`.
    #[serde(rename = "use")]
    pub template: String,
}

/// A segment used at one place of a guide.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentUseDef {
    /// Segment id.
    pub segment: String,
    /// The guide's name for this use ("Billing Provider Name").
    pub name: String,
    /// Usage.
    pub usage: Usage,
    /// Maximum use (0 = unbounded).
    #[serde(default = "one_u32")]
    pub max: u32,
    /// Qualifier values identifying this use among others of the same id: element position
    /// (`"1"`, or `"5.1"` for a component) → allowed values.
    #[serde(rename = "match", default)]
    pub qualifier: HashMap<String, Vec<String>>,
    /// Element rules by position (`"1"`, `"5.3"`).
    #[serde(default)]
    pub elements: HashMap<String, ElementRule>,
}

fn one_u32() -> u32 {
    1
}

/// A loop of a guide; its first child is the segment that starts it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoopDef {
    /// Loop id (`2010AA`).
    #[serde(rename = "loop")]
    pub id: String,
    /// The guide's name ("Billing Provider Name").
    pub name: String,
    /// Usage.
    pub usage: Usage,
    /// Maximum repeats (0 = unbounded).
    #[serde(default = "one_u32")]
    pub repeat: u32,
    /// The segments and loops inside, in order; the first is the loop's leading segment.
    pub children: Vec<NodeDef>,
}

/// One implementation guide.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuideDef {
    /// Short id (`837P`).
    pub id: String,
    /// Name ("Health Care Claim: Professional").
    pub name: String,
    /// ST01 (`837`).
    pub transaction: String,
    /// GS08 / ST03 (`005010X222A1`).
    pub version: String,
    /// GS01 (`HC`).
    pub functional_id: String,
    /// The children of the transaction set: ST first, SE last.
    pub structure: Vec<NodeDef>,
    /// Loops used in several places, by key, referenced with `{"use": KEY}`.
    #[serde(default)]
    pub templates: HashMap<String, LoopDef>,
}
