//! Reads the embedded JSON once and compiles it into [`Guide`]s the validator can walk
//! quickly: nodes in one arena, element rules resolved against the dictionary, code lists
//! as bytes.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::{
    DataType, Dictionary, ElementDef, ElementRule, GuideDef, LoopDef, NodeDef, Requirement,
    SegmentUseDef, SimpleDef, Usage,
};

/// Why an embedded schema could not be compiled (a defect of the data, caught by tests).
#[derive(Clone, Debug, thiserror::Error)]
#[error("schema {file}: {message}")]
pub struct SchemaError {
    /// The data file.
    pub file: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The embedded files: the dictionary, then the guides.
const DICTIONARY: (&str, &str) = ("dictionary.json", include_str!("data/dictionary.json"));

/// An embedded guide file, with the transaction (ST01) and version (GS08) it declares, so
/// that [`guide_for`] finds the guide a set needs without compiling the others (a test
/// checks these against the files).
struct Embedded {
    file: &'static str,
    text: &'static str,
    transaction: &'static str,
    version: &'static str,
}

const GUIDES: [Embedded; 4] = [
    Embedded {
        file: "837p.json",
        text: include_str!("data/837p.json"),
        transaction: "837",
        version: "005010X222A1",
    },
    Embedded {
        file: "837i.json",
        text: include_str!("data/837i.json"),
        transaction: "837",
        version: "005010X223A2",
    },
    Embedded {
        file: "837d.json",
        text: include_str!("data/837d.json"),
        transaction: "837",
        version: "005010X224A2",
    },
    Embedded {
        file: "999.json",
        text: include_str!("data/999.json"),
        transaction: "999",
        version: "005010X231A1",
    },
];

/// A syntax note between elements of a segment (or components of a composite).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxNote {
    /// `P` paired, `R` required, `E` exclusion, `C` conditional, `L` list conditional.
    pub kind: u8,
    /// The positions it names (1-based), in order.
    pub positions: Vec<u8>,
    /// The note as written (`P0809`).
    pub text: String,
    /// Bit p set for each position p, so a note is checked against the positions with data
    /// in a few bit operations; 0 when a position repeats or is 128 or more (the positions
    /// are then read one by one).
    pub mask: u128,
}

impl SyntaxNote {
    /// The most positions a note may name: the validator keeps one bit per position.
    pub const MAX_POSITIONS: usize = 64;
}

/// What checking a [`SyntaxNote`] reads, in 32 bytes beside the other notes of its
/// segment or composite ([`SegmentSpec::note_briefs`], [`ElementSpec::component_note_briefs`]):
/// in a note itself the kind, the mask and the first position (on the heap) sat on two or
/// three cache lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoteBrief {
    /// [`SyntaxNote::mask`].
    pub mask: u128,
    /// The note's first position (0 when it has none).
    pub first: u8,
    /// [`SyntaxNote::kind`].
    pub kind: u8,
}

impl NoteBrief {
    /// The brief of `note`.
    pub fn of(note: &SyntaxNote) -> Self {
        NoteBrief {
            mask: note.mask,
            first: note.positions.first().copied().unwrap_or(0),
            kind: note.kind,
        }
    }
}

/// A simple element or component, resolved.
#[derive(Clone, Debug)]
pub struct SimpleSpec {
    /// Dictionary number.
    pub number: u16,
    /// Name.
    pub name: String,
    /// Type.
    pub data_type: DataType,
    /// Minimum length.
    pub min: u16,
    /// Maximum length.
    pub max: u16,
    /// Usage in this segment use.
    pub usage: Usage,
    /// Allowed codes (ID elements with a list in the guide).
    pub codes: Option<CodeList>,
}

/// A code list, searched without allocating: codes of up to 16 bytes are packed into
/// numbers and kept sorted (all X12 qualifiers are that short); longer ones are kept aside.
#[derive(Clone, Debug, Default)]
pub struct CodeList {
    packed: Vec<u128>,
    long: Vec<Vec<u8>>,
    all: Vec<Vec<u8>>,
}

impl CodeList {
    /// A list of the given codes.
    pub fn new<'c>(codes: impl Iterator<Item = &'c [u8]>) -> Self {
        let mut list = CodeList::default();
        for code in codes {
            list.all.push(code.to_vec());
            match pack(code) {
                Some(key) => list.packed.push(key),
                None => list.long.push(code.to_vec()),
            }
        }
        list.packed.sort_unstable();
        list
    }

    /// The codes, in the order given.
    pub fn as_slice(&self) -> &[Vec<u8>] {
        &self.all
    }

    /// True when the list has no code.
    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// True when `value` is one of the codes.
    #[inline]
    pub fn contains(&self, value: &[u8]) -> bool {
        self.contains_key(&CodeKey::new(value))
    }

    /// True when the value `key` was made from is one of the codes.
    #[inline]
    pub fn contains_key(&self, key: &CodeKey<'_>) -> bool {
        match key.packed {
            // Most lists hold a few qualifiers: a straight scan beats halving.
            Some(packed) if self.packed.len() <= 8 => self.packed.contains(&packed),
            Some(packed) => self.packed.binary_search(&packed).is_ok(),
            None => self.long.iter().any(|c| c == key.value),
        }
    }
}

/// A value packed once, to look it up in several [`CodeList`]s.
#[derive(Clone, Copy, Debug)]
pub struct CodeKey<'v> {
    packed: Option<u128>,
    value: &'v [u8],
}

impl<'v> CodeKey<'v> {
    /// Packs `value`.
    #[inline]
    pub fn new(value: &'v [u8]) -> Self {
        CodeKey {
            packed: pack(value),
            value,
        }
    }
}

/// Up to 15 bytes as a number, length included so `A` and `A\0` differ.
///
/// Codes of up to seven bytes (nearly all) are gathered in a `u64`, whose shifts cost half
/// those of a `u128`, with the length in the top byte: their numbers stay below 2^64, and
/// a longer code's number (its length, at least 8, shifted above its bytes) is at least
/// 2^67, so no two codes share a number.
#[inline]
fn pack(code: &[u8]) -> Option<u128> {
    match code.len() {
        0..=7 => {
            let bytes = code.iter().fold(0u64, |k, &b| (k << 8) | u64::from(b));
            Some(u128::from(bytes | (code.len() as u64) << 56))
        }
        8..=15 => Some(
            code.iter()
                .fold(code.len() as u128, |k, &b| (k << 8) | u128::from(b)),
        ),
        _ => None,
    }
}

/// One element position of a segment use.
///
/// Laid out in this order (`repr(C)`): what the composite check reads of every composite
/// first, in one or two cache lines, then the rest.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct ElementSpec {
    /// What the composite check reads first of each component, side by side (as
    /// [`SegmentSpec::briefs`] for elements); empty for a simple element.
    pub component_briefs: Vec<ElementBrief>,
    /// The short code lists of the components ([`ElementBrief::short_codes`]).
    pub component_codes: Vec<ShortCodes>,
    /// The briefs of [`ElementSpec::component_syntax`], in the same order.
    pub component_note_briefs: Vec<NoteBrief>,
    /// One past the last required component (0 when none is): the components after it
    /// need not be visited to find the missing required ones.
    pub required_end: usize,
    /// Maximum repetitions.
    pub repeat: u16,
    /// Usage of the element (or composite) in this segment use.
    pub usage: Usage,
    /// Syntax notes between components.
    pub component_syntax: Vec<SyntaxNote>,
    /// The components of a composite.
    pub components: Vec<SimpleSpec>,
    /// The simple element, or `None` for a composite.
    pub simple: Option<SimpleSpec>,
    /// Name (the composite's for a composite).
    pub name: String,
    /// Composite id (`C023`) or `None`.
    pub composite: Option<String>,
}

/// A segment use, resolved.
///
/// Laid out in this order (`repr(C)`): what the element checks read of every segment
/// first, in two cache lines, then the rest.
#[derive(Clone, Debug)]
#[repr(C)]
pub struct SegmentSpec {
    /// What the element checks read first of each position, side by side: an
    /// [`ElementSpec`] is a few hundred bytes, so reading its usage and type for each
    /// element of each segment touched a cache line apiece.
    pub briefs: Vec<ElementBrief>,
    /// Elements by position (index 0 = element 1).
    pub elements: Vec<ElementSpec>,
    /// The short code lists of the elements ([`ElementBrief::short_codes`]).
    pub short_codes: Vec<ShortCodes>,
    /// The briefs of [`SegmentSpec::syntax`], in the same order.
    pub note_briefs: Vec<NoteBrief>,
    /// One past the last required element (0 when none is): the elements after it need
    /// not be visited to find the missing required ones.
    pub required_end: usize,
    /// Syntax notes.
    pub syntax: Vec<SyntaxNote>,
    /// The id packed for fast comparison ([`id_key`]).
    pub key: u32,
    /// Maximum use (0 = unbounded).
    pub max: u32,
    /// Usage.
    pub usage: Usage,
    /// Qualifiers: (element, component or 0, values).
    pub qualifier: Vec<(u8, u8, CodeList)>,
    /// Segment id.
    pub id: String,
    /// The guide's name for it.
    pub name: String,
}

/// An element position's usage, type and lengths, copied from its [`ElementSpec`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ElementBrief {
    /// Usage of the element (or composite) in this segment use.
    pub usage: Usage,
    /// The simple element's type; `None` for a composite.
    pub data_type: Option<DataType>,
    /// The simple element's minimum length.
    pub min: u16,
    /// The simple element's maximum length.
    pub max: u16,
    /// The simple element has a code list (in its [`SimpleSpec`]).
    pub has_codes: bool,
    /// Where its code list is among the short lists of its segment
    /// ([`SegmentSpec::short_codes`]) or composite ([`ElementSpec::component_codes`]), when
    /// the list is short ([`ShortCodes`]); [`ElementBrief::NO_SHORT_CODES`] otherwise.
    pub short_codes: u8,
}

/// A code list of up to four codes of up to seven bytes, each packed by [`pack_short`]
/// (unused slots hold `u64::MAX`, which no packed value equals): a value is looked up
/// with a few comparisons, beside the other short lists of its segment, instead of
/// through its element's spec and the list's heap array.
pub type ShortCodes = [u64; 4];

/// Up to seven bytes as a number, the length in the top byte (so `A` and `A\0` differ);
/// `None` for a longer value.
///
/// The bytes are read by length, each length one word read (a loop over the bytes cost
/// some five instructions a byte, and most values packed are qualifiers of two or three).
#[inline]
pub fn pack_short(value: &[u8]) -> Option<u64> {
    let bytes = match *value {
        [] => 0,
        [a] => u64::from(a),
        [a, b] => u64::from(u16::from_be_bytes([a, b])),
        [a, b, c] => u64::from(u32::from_be_bytes([0, a, b, c])),
        [a, b, c, d] => u64::from(u32::from_be_bytes([a, b, c, d])),
        [a, b, c, d, e] => u64::from_be_bytes([0, 0, 0, a, b, c, d, e]),
        [a, b, c, d, e, f] => u64::from_be_bytes([0, 0, a, b, c, d, e, f]),
        [a, b, c, d, e, f, g] => u64::from_be_bytes([0, a, b, c, d, e, f, g]),
        _ => return None,
    };
    Some(bytes | (value.len() as u64) << 56)
}

/// The short form of `codes`, when it has one.
fn short_codes(codes: &CodeList) -> Option<ShortCodes> {
    if codes.as_slice().len() > 4 {
        return None;
    }
    let mut short = [u64::MAX; 4];
    for (slot, code) in short.iter_mut().zip(codes.as_slice()) {
        *slot = pack_short(code)?;
    }
    Some(short)
}

/// The briefs of `specs` (elements, or a composite's components, through `simple`) and
/// their short code lists, each brief pointing at its list.
fn briefs_and_codes<'s, T>(
    specs: &'s [T],
    brief: impl Fn(&'s T) -> ElementBrief,
    simple: impl Fn(&'s T) -> Option<&'s SimpleSpec>,
) -> (Vec<ElementBrief>, Vec<ShortCodes>) {
    let mut lists = Vec::new();
    let briefs = specs
        .iter()
        .map(|spec| {
            let mut brief = brief(spec);
            let short = simple(spec)
                .and_then(|s| s.codes.as_ref())
                .and_then(short_codes);
            if let Some(short) = short
                && lists.len() < usize::from(ElementBrief::NO_SHORT_CODES)
            {
                brief.short_codes = lists.len() as u8;
                lists.push(short);
            }
            brief
        })
        .collect();
    (briefs, lists)
}

impl ElementBrief {
    /// [`ElementBrief::short_codes`] of a position whose code list has no short form.
    pub const NO_SHORT_CODES: u8 = u8::MAX;

    /// The brief of a component (or any simple element) `spec`.
    pub fn of_simple(spec: &SimpleSpec) -> Self {
        ElementBrief {
            usage: spec.usage,
            data_type: Some(spec.data_type),
            min: spec.min,
            max: spec.max,
            has_codes: spec.codes.is_some(),
            short_codes: Self::NO_SHORT_CODES,
        }
    }

    /// The brief of `spec`.
    pub fn of(spec: &ElementSpec) -> Self {
        ElementBrief {
            usage: spec.usage,
            data_type: spec.simple.as_ref().map(|s| s.data_type),
            min: spec.simple.as_ref().map_or(0, |s| s.min),
            max: spec.simple.as_ref().map_or(0, |s| s.max),
            has_codes: spec.simple.as_ref().is_some_and(|s| s.codes.is_some()),
            short_codes: Self::NO_SHORT_CODES,
        }
    }
}

/// A loop, resolved.
#[derive(Clone, Debug)]
pub struct LoopSpec {
    /// Loop id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Usage.
    pub usage: Usage,
    /// Maximum repeats (0 = unbounded).
    pub repeat: u32,
}

/// What a node of the tree is.
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// A segment use.
    Segment(SegmentSpec),
    /// A loop (its first child starts it).
    Loop(LoopSpec),
}

/// A node of a guide's tree.
#[derive(Clone, Debug)]
pub struct Node {
    /// What it is.
    pub kind: NodeKind,
    /// Its parent (the root's parent is itself).
    pub parent: usize,
    /// Its children, in order (loops only).
    pub children: Vec<usize>,
    /// The id of the loop it is in (`"ST"` for the transaction-set level), for findings.
    pub loop_id: &'static str,
    /// For loops: child positions by the id key of the segment that starts each child
    /// (see [`id_key`]), sorted by key, so placing a segment looks only at children it
    /// could be.
    pub by_id: Vec<(u32, Vec<usize>)>,
    /// For loops: positions of the children the guide requires (usage R), so closing a
    /// loop checks only those.
    pub required: Vec<usize>,
}

/// A segment id packed into a number, for fast comparison (`NM1` → 0x4E4D31).
#[inline]
pub const fn id_key(id: &[u8]) -> u32 {
    // The first three bytes by length, not in a loop (once a segment).
    match *id {
        [] => 0,
        [a] => a as u32,
        [a, b] => ((a as u32) << 8) | b as u32,
        [a, b, c, ..] => ((a as u32) << 16) | ((b as u32) << 8) | c as u32,
    }
}

/// A compiled implementation guide.
#[derive(Debug)]
pub struct Guide {
    /// Short id (`837P`).
    pub id: String,
    /// Name.
    pub name: String,
    /// ST01.
    pub transaction: String,
    /// GS08 / ST03.
    pub version: String,
    /// GS01.
    pub functional_id: String,
    /// The nodes; 0 is the root (the transaction set as a loop).
    pub nodes: Vec<Node>,
    /// Every segment id the guide uses (to tell "unrecognized" from "unexpected").
    pub segment_ids: HashSet<String>,
}

impl Guide {
    /// The root node (the transaction set).
    pub const ROOT: usize = 0;
}

/// The compiled guides.
#[derive(Debug)]
pub struct Guides {
    /// All guides (the same ones [`guide_for`] hands out).
    pub all: Vec<&'static Guide>,
}

static GUIDES_CELL: OnceLock<Result<Guides, SchemaError>> = OnceLock::new();

/// The embedded dictionary, read on first use.
static DICTIONARY_CELL: OnceLock<Result<Dictionary, SchemaError>> = OnceLock::new();

/// Each embedded guide, compiled on first use: a process that validates 837P files alone
/// compiles the 837P guide alone (all four cost about 52 M instructions, most of that
/// reading JSON).
static GUIDE_CELLS: [OnceLock<Result<Guide, SchemaError>>; GUIDES.len()] =
    [const { OnceLock::new() }; GUIDES.len()];

/// The embedded guides, compiled on first use.
pub fn guides() -> Result<&'static Guides, &'static SchemaError> {
    GUIDES_CELL.get_or_init(compile_all).as_ref()
}

/// The embedded guide `index` of [`GUIDES`], compiled on first use.
fn embedded(index: usize) -> Result<&'static Guide, &'static SchemaError> {
    let Some(cell) = GUIDE_CELLS.get(index) else {
        return Err(no_such_guide());
    };
    cell.get_or_init(|| {
        let dictionary = DICTIONARY_CELL.get_or_init(read_dictionary).as_ref();
        let dictionary = dictionary.map_err(Clone::clone)?;
        let entry = GUIDES.get(index).ok_or_else(|| no_such_guide().clone())?;
        let def: GuideDef = serde_json::from_str(entry.text).map_err(|e| SchemaError {
            file: entry.file,
            message: e.to_string(),
        })?;
        compile_guide(entry.file, dictionary, def)
    })
    .as_ref()
}

/// The error of an index past [`GUIDES`] (not reached: indexes come from that table).
fn no_such_guide() -> &'static SchemaError {
    static ERROR: OnceLock<SchemaError> = OnceLock::new();
    ERROR.get_or_init(|| SchemaError {
        file: "guides",
        message: "no such embedded guide".to_string(),
    })
}

/// The index in [`GUIDES`] of the guide for `transaction` and `version` (see [`guide_for`]).
fn embedded_for(transaction: &[u8], version: &[u8]) -> Option<usize> {
    let candidates = || {
        GUIDES
            .iter()
            .enumerate()
            .filter(|(_, g)| g.transaction.as_bytes() == transaction)
    };
    candidates()
        .find(|(_, g)| g.version.as_bytes() == version)
        .or_else(|| {
            candidates().find(|(_, g)| {
                let base = &g.version.as_bytes()[..g.version.len().min(10)];
                version.len() >= 10 && &version[..10] == base
            })
        })
        .map(|(index, _)| index)
}

/// The guide for a version (GS08 or ST03) and transaction (ST01), if one is embedded.
///
/// Errata of one guide share its loops, so a version matches a guide of the same base
/// (`005010X223A1` and `005010X223` find the `005010X223A2` guide).
pub fn guide_for(transaction: &[u8], version: &[u8]) -> Option<&'static Guide> {
    embedded(embedded_for(transaction, version)?).ok()
}

/// True when some embedded guide is for `version` (GS08), as [`guide_for`] matches
/// versions, whatever its transaction: without compiling any guide.
pub fn knows_version(version: &[u8]) -> bool {
    GUIDES
        .iter()
        .any(|g| embedded_for(g.transaction.as_bytes(), version).is_some())
}

/// Compiles a guide from JSON text against a dictionary in JSON text (for guides that are not
/// embedded, such as a companion guide, and for tests).
pub fn compile(dictionary: &str, guide: &str) -> Result<Guide, SchemaError> {
    let dictionary: Dictionary = serde_json::from_str(dictionary).map_err(|e| SchemaError {
        file: "dictionary",
        message: e.to_string(),
    })?;
    let def: GuideDef = serde_json::from_str(guide).map_err(|e| SchemaError {
        file: "guide",
        message: e.to_string(),
    })?;
    compile_guide("guide", &dictionary, def)
}

fn read_dictionary() -> Result<Dictionary, SchemaError> {
    let (file, text) = DICTIONARY;
    serde_json::from_str(text).map_err(|e| SchemaError {
        file,
        message: e.to_string(),
    })
}

fn compile_all() -> Result<Guides, SchemaError> {
    let all = (0..GUIDES.len())
        .map(|index| embedded(index).map_err(Clone::clone))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Guides { all })
}

/// Leaks a loop id so nodes can hand out `&'static str` (a few dozen per process, once).
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

struct Compiler<'d> {
    file: &'static str,
    dictionary: &'d Dictionary,
    templates: &'d std::collections::HashMap<String, LoopDef>,
    /// Templates being expanded, to refuse a template that uses itself.
    expanding: Vec<String>,
    nodes: Vec<Node>,
    segment_ids: HashSet<String>,
}

fn compile_guide(
    file: &'static str,
    dictionary: &Dictionary,
    def: GuideDef,
) -> Result<Guide, SchemaError> {
    let mut compiler = Compiler {
        file,
        dictionary,
        templates: &def.templates,
        expanding: Vec::new(),
        nodes: vec![Node {
            kind: NodeKind::Loop(LoopSpec {
                id: "ST".to_string(),
                name: format!("{} transaction set", def.transaction),
                usage: Usage::R,
                repeat: 1,
            }),
            parent: 0,
            children: Vec::new(),
            loop_id: "ST",
            by_id: Vec::new(),
            required: Vec::new(),
        }],
        segment_ids: HashSet::new(),
    };
    let children = compiler.children(0, "ST", &def.structure)?;
    compiler.nodes[0].children = children;
    let (mut nodes, segment_ids) = (compiler.nodes, compiler.segment_ids);
    index_children(&mut nodes);
    Ok(Guide {
        id: def.id,
        name: def.name,
        transaction: def.transaction,
        version: def.version,
        functional_id: def.functional_id,
        nodes,
        segment_ids,
    })
}

impl Compiler<'_> {
    fn error(&self, message: String) -> SchemaError {
        SchemaError {
            file: self.file,
            message,
        }
    }

    fn children(
        &mut self,
        parent: usize,
        loop_id: &'static str,
        defs: &[NodeDef],
    ) -> Result<Vec<usize>, SchemaError> {
        let mut out = Vec::with_capacity(defs.len());
        for def in defs {
            let index = self.nodes.len();
            match def {
                NodeDef::Segment(segment) => {
                    let spec = self.segment(loop_id, segment)?;
                    self.segment_ids.insert(spec.id.clone());
                    self.nodes.push(Node {
                        kind: NodeKind::Segment(spec),
                        parent,
                        children: Vec::new(),
                        loop_id,
                        by_id: Vec::new(),
                        required: Vec::new(),
                    });
                }
                NodeDef::Loop(lp) => self.add_loop(parent, lp)?,
                NodeDef::Use(reference) => {
                    let templates = self.templates;
                    let lp = templates.get(&reference.template).ok_or_else(|| {
                        self.error(format!("{loop_id}: no template {:?}", reference.template))
                    })?;
                    if self.expanding.contains(&reference.template) {
                        return Err(
                            self.error(format!("template {:?} uses itself", reference.template))
                        );
                    }
                    self.expanding.push(reference.template.clone());
                    self.add_loop(parent, lp)?;
                    self.expanding.pop();
                }
            }
            out.push(index);
        }
        Ok(out)
    }

    fn add_loop(&mut self, parent: usize, lp: &LoopDef) -> Result<(), SchemaError> {
        let index = self.nodes.len();
        let id = leak(&lp.id);
        if !matches!(lp.children.first(), Some(NodeDef::Segment(_))) {
            return Err(self.error(format!("loop {} must start with a segment", lp.id)));
        }
        self.nodes.push(Node {
            kind: NodeKind::Loop(LoopSpec {
                id: lp.id.clone(),
                name: lp.name.clone(),
                usage: lp.usage,
                repeat: lp.repeat,
            }),
            parent,
            children: Vec::new(),
            loop_id: id,
            by_id: Vec::new(),
            required: Vec::new(),
        });
        let children = self.children(index, id, &lp.children)?;
        self.nodes[index].children = children;
        Ok(())
    }

    fn segment(&self, loop_id: &str, def: &SegmentUseDef) -> Result<SegmentSpec, SchemaError> {
        let base = self.dictionary.segments.get(&def.segment).ok_or_else(|| {
            self.error(format!(
                "{loop_id}: segment {} is not in the dictionary",
                def.segment
            ))
        })?;
        let place = format!("{loop_id} {}", def.segment);
        for key in def.elements.keys().chain(def.qualifier.keys()) {
            let (e, c) = parse_position(key)
                .ok_or_else(|| self.error(format!("{place}: bad element position {key:?}")))?;
            let element = base.elements.get(usize::from(e) - 1).ok_or_else(|| {
                self.error(format!(
                    "{place}: element {e} beyond the segment's {}",
                    base.elements.len()
                ))
            })?;
            if c > 0 {
                let composite = element
                    .composite
                    .as_ref()
                    .and_then(|id| self.dictionary.composites.get(id));
                match composite {
                    Some(comp) if usize::from(c) <= comp.components.len() => {}
                    _ => return Err(self.error(format!("{place}: {key} is not a component"))),
                }
            }
        }
        let mut elements = Vec::with_capacity(base.elements.len());
        for (i, element) in base.elements.iter().enumerate() {
            elements.push(self.element(&place, i + 1, element, &def.elements)?);
        }
        let mut qualifier = Vec::new();
        for (key, values) in &def.qualifier {
            if let Some((e, c)) = parse_position(key) {
                qualifier.push((e, c, CodeList::new(values.iter().map(String::as_bytes))));
            }
        }
        qualifier.sort_by_key(|(e, c, _)| (*e, *c));
        let required_end = elements
            .iter()
            .rposition(|e| e.usage == Usage::R)
            .map_or(0, |i| i + 1);
        let (briefs, short_codes) =
            briefs_and_codes(&elements, ElementBrief::of, |e| e.simple.as_ref());
        let syntax = self.syntax_notes(&place, &base.syntax)?;
        Ok(SegmentSpec {
            required_end,
            id: def.segment.clone(),
            key: id_key(def.segment.as_bytes()),
            name: def.name.clone(),
            usage: def.usage,
            max: def.max,
            qualifier,
            briefs,
            short_codes,
            elements,
            note_briefs: syntax.iter().map(NoteBrief::of).collect(),
            syntax,
        })
    }

    fn element(
        &self,
        place: &str,
        position: usize,
        def: &ElementDef,
        rules: &std::collections::HashMap<String, ElementRule>,
    ) -> Result<ElementSpec, SchemaError> {
        let rule = rules
            .get(&position.to_string())
            .cloned()
            .unwrap_or_default();
        let usage = rule.usage.unwrap_or(match def.req {
            Requirement::M => Usage::R,
            _ => Usage::S,
        });
        if let Some(id) = &def.composite {
            let comp = self.dictionary.composites.get(id).ok_or_else(|| {
                self.error(format!("{place}: composite {id} is not in the dictionary"))
            })?;
            let mut components = Vec::with_capacity(comp.components.len());
            for (j, component) in comp.components.iter().enumerate() {
                let key = format!("{position}.{}", j + 1);
                components.push(simple(component, rules.get(&key)));
            }
            let required_end = components
                .iter()
                .rposition(|c| c.usage == Usage::R)
                .map_or(0, |j| j + 1);
            let (component_briefs, component_codes) =
                briefs_and_codes(&components, ElementBrief::of_simple, Some);
            let component_syntax = self.syntax_notes(place, &comp.syntax)?;
            return Ok(ElementSpec {
                simple: None,
                required_end,
                component_briefs,
                component_codes,
                components,
                name: def.name.clone(),
                usage,
                repeat: def.repeat,
                composite: Some(id.clone()),
                component_note_briefs: component_syntax.iter().map(NoteBrief::of).collect(),
                component_syntax,
            });
        }
        let (Some(number), Some(data_type)) = (def.number, def.data_type) else {
            return Err(self.error(format!(
                "{place}{position:02}: a simple element needs a number and a type"
            )));
        };
        let base = SimpleDef {
            number,
            name: def.name.clone(),
            data_type,
            min: def.min,
            max: def.max,
            req: def.req,
        };
        let mut spec = simple(&base, Some(&rule));
        spec.usage = usage;
        Ok(ElementSpec {
            simple: Some(spec),
            components: Vec::new(),
            name: def.name.clone(),
            usage,
            repeat: def.repeat,
            composite: None,
            component_syntax: Vec::new(),
            component_note_briefs: Vec::new(),
            required_end: 0,
            component_briefs: Vec::new(),
            component_codes: Vec::new(),
        })
    }

    fn syntax_notes(&self, place: &str, notes: &[String]) -> Result<Vec<SyntaxNote>, SchemaError> {
        notes
            .iter()
            .map(|note| {
                parse_syntax_note(note)
                    .ok_or_else(|| self.error(format!("{place}: bad syntax note {note:?}")))
            })
            .collect()
    }
}

/// Resolves a simple element or component with its guide rule.
fn simple(def: &SimpleDef, rule: Option<&ElementRule>) -> SimpleSpec {
    let usage = rule.and_then(|r| r.usage).unwrap_or(match def.req {
        Requirement::M => Usage::R,
        _ => Usage::S,
    });
    let codes = rule
        .and_then(|r| r.codes.as_ref())
        .map(|codes| CodeList::new(codes.iter().map(String::as_bytes)));
    SimpleSpec {
        number: def.number,
        name: def.name.clone(),
        data_type: def.data_type,
        min: rule.and_then(|r| r.min).unwrap_or(def.min),
        max: rule.and_then(|r| r.max).unwrap_or(def.max),
        usage,
        codes,
    }
}

/// Fills each loop's `by_id` index from the ids that start its children.
fn index_children(nodes: &mut [Node]) {
    fn leading_key(nodes: &[Node], node: usize) -> u32 {
        match &nodes[node].kind {
            NodeKind::Segment(spec) => id_key(spec.id.as_bytes()),
            NodeKind::Loop(_) => nodes[node]
                .children
                .first()
                .map_or(0, |&first| leading_key(nodes, first)),
        }
    }
    for i in 0..nodes.len() {
        let mut index: Vec<(u32, Vec<usize>)> = Vec::new();
        for (position, &child) in nodes[i].children.iter().enumerate() {
            let key = leading_key(nodes, child);
            match index.iter_mut().find(|(k, _)| *k == key) {
                Some((_, positions)) => positions.push(position),
                None => index.push((key, vec![position])),
            }
        }
        index.sort_by_key(|(k, _)| *k);
        nodes[i].by_id = index;
        let required: Vec<usize> = nodes[i]
            .children
            .iter()
            .enumerate()
            .filter(|(_, child)| match &nodes[**child].kind {
                NodeKind::Segment(spec) => spec.usage == Usage::R,
                NodeKind::Loop(lp) => lp.usage == Usage::R,
            })
            .map(|(position, _)| position)
            .collect();
        nodes[i].required = required;
    }
}

/// `"5"` → (5, 0); `"5.3"` → (5, 3).
fn parse_position(key: &str) -> Option<(u8, u8)> {
    let (e, c) = match key.split_once('.') {
        Some((e, c)) => (e, Some(c)),
        None => (key, None),
    };
    let e: u8 = e.parse().ok().filter(|&e| e > 0)?;
    let c: u8 = match c {
        Some(c) => c.parse().ok().filter(|&c| c > 0)?,
        None => 0,
    };
    Some((e, c))
}

/// `P0809` → kind P, positions [8, 9].
fn parse_syntax_note(note: &str) -> Option<SyntaxNote> {
    let bytes = note.as_bytes();
    let kind = *bytes.first()?;
    if !matches!(kind, b'P' | b'R' | b'E' | b'C' | b'L') {
        return None;
    }
    let digits = &note[1..];
    if digits.len() < 4 || !digits.len().is_multiple_of(2) {
        return None;
    }
    let positions = digits
        .as_bytes()
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).ok()?.parse::<u8>().ok())
        .collect::<Option<Vec<u8>>>()?;
    if positions.len() > SyntaxNote::MAX_POSITIONS {
        return None;
    }
    let mut mask = 0u128;
    for &p in &positions {
        match 1u128.checked_shl(u32::from(p)) {
            Some(bit) if mask & bit == 0 => mask |= bit,
            _ => {
                mask = 0;
                break;
            }
        }
    }
    Some(SyntaxNote {
        kind,
        positions,
        text: note.to_string(),
        mask,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_packs_and_id_keys_read_the_bytes_in_order() {
        let bytes = b"ABCDEFGHI";
        for n in 0..=bytes.len() {
            let value = &bytes[..n];
            let folded = value.iter().fold(0u64, |k, &b| (k << 8) | u64::from(b));
            let want = (n <= 7).then_some(folded | (n as u64) << 56);
            assert_eq!(pack_short(value), want, "{n}");
            let key = value
                .iter()
                .take(3)
                .fold(0u32, |k, &b| (k << 8) | u32::from(b));
            assert_eq!(id_key(value), key, "{n}");
        }
        assert_eq!(pack_short(b"\xFF\x00\xFF"), Some(3 << 56 | 0xFF00FF));
    }

    #[test]
    fn packed_codes_differ_when_the_codes_do() {
        let codes: Vec<Vec<u8>> = [
            &b""[..],
            b"A",
            b"A\0",
            b"\0",
            b"\0\0",
            b"AB",
            b"BA",
            b"1234567",
            b"12345678",
            b"\x07",
            b"\0\0\0\0\0\0\0\x07",
            b"123456789012345",
        ]
        .iter()
        .map(|c| c.to_vec())
        .collect();
        for a in &codes {
            for b in &codes {
                assert_eq!(pack(a) == pack(b), a == b, "{a:?} {b:?}");
            }
        }
        assert_eq!(pack(b"1234567890123456"), None);
        let list = CodeList::new(codes.iter().map(Vec::as_slice).skip(1));
        assert!(!list.contains(b""));
        assert!(codes.iter().skip(1).all(|c| list.contains(c)));
    }

    #[test]
    fn syntax_notes_and_positions_parse() {
        let note = parse_syntax_note("L010203").expect("note");
        assert_eq!(note.mask, 0b1110);
        assert_eq!((note.kind, note.positions), (b'L', vec![1, 2, 3]));
        assert_eq!(parse_syntax_note("P0808").map(|n| n.mask), Some(0));
        assert_eq!(
            parse_syntax_note("P0299").map(|n| n.mask),
            Some(1 << 2 | 1 << 99)
        );
        assert_eq!(parse_syntax_note("P08"), None);
        assert_eq!(parse_position("5.3"), Some((5, 3)));
        assert_eq!(parse_position("0"), None);
    }

    #[test]
    fn every_embedded_guide_compiles() {
        let guides = match guides() {
            Ok(guides) => guides,
            Err(e) => panic!("{e}"),
        };
        assert!(guides.all.len() >= 4);
        for guide in &guides.all {
            // Full trees, not placeholders: the 837s have a few hundred segment uses each.
            let minimum = if guide.transaction == "837" { 250 } else { 12 };
            assert!(
                guide.nodes.len() >= minimum,
                "{} has only {} nodes",
                guide.id,
                guide.nodes.len()
            );
            for (i, node) in guide.nodes.iter().enumerate() {
                for &child in &node.children {
                    assert_eq!(guide.nodes[child].parent, i, "{} node {child}", guide.id);
                    if let NodeKind::Segment(_) = guide.nodes[child].kind {
                        assert_eq!(guide.nodes[child].loop_id, node.loop_id);
                    }
                }
                if let NodeKind::Segment(spec) = &node.kind {
                    assert!(guide.segment_ids.contains(&spec.id));
                    assert!(!spec.elements.is_empty(), "{} {}", guide.id, spec.id);
                }
            }
            let embedded = GUIDES
                .iter()
                .find(|g| g.transaction == guide.transaction && g.version == guide.version);
            assert!(
                embedded.is_some(),
                "{}: the table of GUIDES agrees",
                guide.id
            );
            let wanted: &[&str] = if guide.transaction == "837" {
                &[
                    "BHT", "NM1", "HL", "SBR", "CLM", "HI", "LX", "DTP", "REF", "SVD", "CAS",
                ]
            } else {
                &["AK1", "AK2", "IK3", "CTX", "IK4", "IK5", "AK9"]
            };
            for id in wanted {
                assert!(guide.segment_ids.contains(*id), "{} uses {id}", guide.id);
            }
            let last = guide.nodes[0]
                .children
                .last()
                .map(|&i| &guide.nodes[i].kind);
            assert!(
                matches!(last, Some(NodeKind::Segment(s)) if s.id == "SE"),
                "{} ends with SE",
                guide.id
            );
            let first = guide.nodes[0]
                .children
                .first()
                .map(|&i| &guide.nodes[i].kind);
            assert!(
                matches!(first, Some(NodeKind::Segment(s)) if s.id == "ST"),
                "{} starts with ST",
                guide.id
            );
        }
    }
}
