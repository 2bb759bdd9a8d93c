//! Element syntax: data types, lengths, characters, code lists, composites, repetitions,
//! usage and syntax notes, per X12-REFERENCE 1.6-1.8 and the 999 IK403 codes.

use crate::finding::Code;
use crate::schema::{
    DataType, ElementBrief, ElementSpec, NoteBrief, SegmentSpec, SimpleSpec, SyntaxNote, Usage,
};
use crate::syntax::{Element, Segment};

use super::fields::Fields;

/// One element-level problem: code, element/component/repetition positions (1-based, 0 for
/// none), the dictionary number, and a message without data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ElementIssue {
    pub code: Code,
    pub element: u8,
    pub component: u8,
    pub repetition: u8,
    pub number: Option<u16>,
    pub message: String,
}

/// True for the X12 basic and extended character sets (X12-REFERENCE 1.8).
#[inline]
const fn is_x12_char(b: u8) -> bool {
    matches!(b, b' '..=b'~')
}

/// Checks a segment's elements against its spec, pushing issues.
pub(crate) fn check_segment(
    segment: &Segment<'_>,
    fields: &Fields,
    classes: &Classes,
    spec: &SegmentSpec,
    out: &mut Vec<ElementIssue>,
) {
    let mut walk = ElementWalk {
        count: 0,
        last_present: 0,
        present: [0; 2],
    };
    match fields.indexed() {
        // Element by element from the index, without an iterator that hands each value
        // over with an `Option<Element>` (the loop itself cost more than most checks).
        Some((first, ends)) => {
            let raw = segment.as_bytes();
            let mut start = first;
            for (i, &end) in ends.iter().enumerate() {
                let end = usize::from(end);
                let Some(value) = raw.get(start..end) else {
                    break;
                };
                start = end + 1;
                if !walk.element(segment, spec, classes, i, value, None, out) {
                    break;
                }
            }
        }
        None => {
            for (i, (value, element)) in fields.values(segment).enumerate() {
                if !walk.element(segment, spec, classes, i, value, element, out) {
                    break;
                }
            }
        }
    }
    let ElementWalk {
        count,
        last_present,
        present,
    } = walk;
    if count > last_present && count > 0 {
        // `NM1*82*1*~`: empty elements after the last one with data.
        out.push(ElementIssue {
            code: Code::ElementTooMany,
            element: (last_present + 1) as u8,
            component: 0,
            repetition: 0,
            number: None,
            message: format!(
                "{}: trailing element separator after element {last_present} (a segment ends after its last element with data)",
                spec.id
            ),
        });
    }
    // Required elements beyond the last one written.
    let required = spec.elements.get(..spec.required_end).unwrap_or_default();
    for (i, element_spec) in required.iter().enumerate().skip(count) {
        if element_spec.usage == Usage::R {
            out.push(missing(spec, element_spec, (i + 1) as u8, 0));
        }
    }
    let present = u128::from(present[0]) | u128::from(present[1]) << 64;
    check_notes(&spec.note_briefs, &spec.syntax, &spec.id, present, out, 0);
}

/// What [`check_segment`] keeps while it goes through a segment's elements.
struct ElementWalk {
    /// Elements seen.
    count: usize,
    /// The last element with data (1-based; 0 for none).
    last_present: usize,
    /// Bit n set when element n has data (syntax notes read it instead of re-splitting);
    /// two words, as a variable shift of a u128 costs several instructions per element.
    present: [u64; 2],
}

impl ElementWalk {
    /// Checks element `i + 1`, `value` (and the element, when the caller split it);
    /// false when the segment has more elements than its spec, which ends the walk.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn element(
        &mut self,
        segment: &Segment<'_>,
        spec: &SegmentSpec,
        classes: &Classes,
        i: usize,
        value: &[u8],
        element: Option<Element<'_>>,
        out: &mut Vec<ElementIssue>,
    ) -> bool {
        self.count = i + 1;
        if !value.is_empty() {
            self.last_present = i + 1;
            if let Some(word) = self.present.get_mut((i + 1) / 64) {
                *word |= 1 << ((i + 1) % 64);
            }
        }
        let position = (i + 1) as u8;
        // The brief first; the full spec only for what the brief cannot settle.
        match (spec.briefs.get(i), spec.elements.get(i)) {
            // Most omitted elements are optional: nothing to check, no call.
            (Some(brief), Some(element_spec)) if value.is_empty() => {
                if brief.usage == Usage::R {
                    out.push(required(element_spec, position));
                }
            }
            (Some(brief), Some(element_spec)) => check_element(
                segment,
                value,
                element,
                classes,
                (brief, element_spec, &spec.short_codes),
                position,
                out,
            ),
            _ => {
                if !value.is_empty() {
                    out.push(too_many(spec, position));
                    return false;
                }
            }
        }
        true
    }
}

/// An element past the last one the spec defines.
#[cold]
#[inline(never)]
fn too_many(spec: &SegmentSpec, position: u8) -> ElementIssue {
    ElementIssue {
        code: Code::ElementTooMany,
        element: position,
        component: 0,
        repetition: 0,
        number: None,
        message: format!(
            "{}{position:02}: {} defines {} element{}",
            spec.id,
            spec.id,
            spec.elements.len(),
            if spec.elements.len() == 1 { "" } else { "s" }
        ),
    }
}

fn missing(spec: &SegmentSpec, element: &ElementSpec, position: u8, component: u8) -> ElementIssue {
    let (name, number) = match (component, &element.simple) {
        (0, Some(simple)) => (simple.name.as_str(), Some(simple.number)),
        (0, None) => (element.name.as_str(), None),
        (c, _) => element
            .components
            .get(usize::from(c) - 1)
            .map_or((element.name.as_str(), None), |s| {
                (s.name.as_str(), Some(s.number))
            }),
    };
    let reference = if component == 0 {
        format!("{}{position:02}", spec.id)
    } else {
        format!("{}{position:02}-{component}", spec.id)
    };
    ElementIssue {
        code: Code::ElementMissing,
        element: position,
        component,
        repetition: 0,
        number,
        message: format!("{reference} ({name}) is required"),
    }
}

/// Checks element `position` of `segment`: `value` its bytes (not empty: the caller
/// handles omitted elements), `element` the element when
/// the caller has it at hand (else it is split again here, only for composites and values
/// holding a separator), `classes` built with the segment's separators.
///
/// The common case, a used simple element with data and no separator inside, is checked
/// here in line; everything else goes to [`check_element_rest`].
#[inline(always)]
fn check_element(
    segment: &Segment<'_>,
    value: &[u8],
    element: Option<Element<'_>>,
    classes: &Classes,
    (brief, spec, segment_codes): (&ElementBrief, &ElementSpec, &[crate::schema::ShortCodes]),
    position: u8,
    out: &mut Vec<ElementIssue>,
) {
    if brief.usage != Usage::N {
        match brief.data_type {
            Some(data_type) => {
                let scan = Scan::of(value, classes);
                if !scan.special {
                    let fine = passes(value, data_type, brief.min, brief.max, &scan)
                        && (!brief.has_codes
                            || in_brief_list(brief, segment_codes, value, || spec.simple.as_ref()));
                    if !fine && let Some(simple) = &spec.simple {
                        push_scanned(value, simple, &scan, position, out);
                    }
                    return;
                }
            }
            // A composite of an indexed segment (an unindexed one's caller has the element).
            None if element.is_none()
                && check_composite_quick(
                    value,
                    classes,
                    segment.delimiters(),
                    spec,
                    position,
                    out,
                ) =>
            {
                return;
            }
            None => {}
        }
    }
    check_element_rest(segment, value, element, spec, position, out);
}

/// A used composite of an indexed segment, checked in one pass over its bytes with its
/// components' briefs ([`ElementSpec::component_briefs`]) instead of splitting it into
/// repetitions and components and checking each component against its full spec.
///
/// True when it was checked: its components pass, and only its syntax notes could report
/// (they did, as [`check_composite`] would). False when anything may be wrong (a
/// repetition, a component that fails, too many or trailing components, a missing
/// required one): nothing was reported, and [`check_element_rest`] checks it again in full,
/// so its findings stay those of the full check.
#[inline(never)]
fn check_composite_quick(
    value: &[u8],
    classes: &Classes,
    delimiters: crate::syntax::Delimiters,
    spec: &ElementSpec,
    position: u8,
    out: &mut Vec<ElementIssue>,
) -> bool {
    let briefs = &spec.component_briefs;
    let component = delimiters.component;
    if spec.repeat == 0
        || briefs.len() >= 64
        || delimiters.repetition == Some(component)
        || value.len() > COUNTED
    {
        return false;
    }
    // Bit n set when component n has data, as in `check_composite`.
    let mut present = 0u64;
    let mut count = 0usize;
    let mut rest = value;
    loop {
        // One component: the scan `check_simple` does, up to the next separator.
        let (mut sum, mut end) = (0u32, 0usize);
        while let Some(&b) = rest.get(end) {
            let count = classes.counts[usize::from(b)];
            if count & SEPARATOR_COUNT != 0 {
                break;
            }
            sum += count;
            end += 1;
        }
        let (part, next) = rest.split_at(end);
        let Some(brief) = briefs.get(count) else {
            return false;
        };
        count += 1;
        if part.is_empty() {
            if brief.usage == Usage::R {
                return false;
            }
        } else {
            let Some(data_type) = brief.data_type else {
                return false;
            };
            let scan = Scan::counted(sum, part.len());
            if brief.usage == Usage::N
                || !passes(part, data_type, brief.min, brief.max, &scan)
                || (brief.has_codes
                    && !in_brief_list(brief, &spec.component_codes, part, || {
                        spec.components.get(count - 1)
                    }))
            {
                return false;
            }
            present |= 1 << count;
        }
        match next.split_first() {
            // A trailing component separator leaves the last component empty.
            None if part.is_empty() => return false,
            None => break,
            Some((&b, after)) if b == component => rest = after,
            // The repetition separator.
            Some(_) => return false,
        }
    }
    // Required components after the last one written.
    if briefs
        .get(count..spec.required_end)
        .is_some_and(|missing| missing.iter().any(|b| b.usage == Usage::R))
    {
        return false;
    }
    check_notes(
        &spec.component_note_briefs,
        &spec.component_syntax,
        "",
        u128::from(present),
        out,
        position,
    );
    true
}

/// The issue [`passes`] found with a simple value, pushed (out of line: the rare case).
#[cold]
#[inline(never)]
fn push_scanned(
    value: &[u8],
    simple: &SimpleSpec,
    scan: &Scan,
    position: u8,
    out: &mut Vec<ElementIssue>,
) {
    if let Some(issue) = check_scanned(value, simple, scan) {
        out.push(issue.at(position, 0, 0, simple.number));
    }
}

/// A required element left empty.
#[cold]
#[inline(never)]
fn required(spec: &ElementSpec, position: u8) -> ElementIssue {
    ElementIssue {
        code: Code::ElementMissing,
        element: position,
        component: 0,
        repetition: 0,
        number: spec.simple.as_ref().map(|s| s.number),
        message: format!("element {position} ({}) is required", spec.name),
    }
}

/// [`check_element`] for unused elements with data, composites and repetitions.
#[inline(never)]
fn check_element_rest(
    segment: &Segment<'_>,
    value: &[u8],
    element: Option<Element<'_>>,
    spec: &ElementSpec,
    position: u8,
    out: &mut Vec<ElementIssue>,
) {
    if spec.usage == Usage::N {
        out.push(ElementIssue {
            code: Code::ElementNotUsed,
            element: position,
            component: 0,
            repetition: 0,
            number: spec.simple.as_ref().map(|s| s.number),
            message: format!(
                "element {position} ({}) is not used in this segment",
                spec.name
            ),
        });
        return;
    }
    // Composites, and simple values holding a separator (the simple values without one
    // were checked by `check_element`). Only an unindexed segment's caller has the element.
    match element {
        Some(element) => check_parts(&element, spec, position, out),
        None => {
            let delimiters = segment.delimiters();
            let plain = Plain {
                raw: value,
                component: delimiters.component,
                repetition: delimiters.repetition,
            };
            check_parts(&plain, spec, position, out)
        }
    }
}

/// Repetitions and components of an element that is not a plain simple value.
fn check_parts<'a, P: Parts<'a>>(
    element: &P,
    spec: &ElementSpec,
    position: u8,
    out: &mut Vec<ElementIssue>,
) {
    if element.is_repeated() && spec.repeat <= 1 {
        out.push(ElementIssue {
            code: Code::ElementTooManyRepetitions,
            element: position,
            component: 0,
            repetition: 2,
            number: spec.simple.as_ref().map(|s| s.number),
            message: format!(
                "element {position} ({}) holds the repetition separator but does not repeat",
                spec.name
            ),
        });
        return;
    }
    for (r, repetition) in element.repetitions().enumerate() {
        let rep = if spec.repeat > 1 { (r + 1) as u8 } else { 0 };
        if r >= usize::from(spec.repeat) {
            out.push(ElementIssue {
                code: Code::ElementTooManyRepetitions,
                element: position,
                component: 0,
                repetition: (r + 1) as u8,
                number: spec.simple.as_ref().map(|s| s.number),
                message: format!(
                    "element {position} ({}) repeats more than {} times",
                    spec.name, spec.repeat
                ),
            });
            break;
        }
        match &spec.simple {
            Some(simple) => {
                if repetition.is_composite() {
                    out.push(ElementIssue {
                        code: Code::ElementTooManyComponents,
                        element: position,
                        component: 2,
                        repetition: rep,
                        number: Some(simple.number),
                        message: format!(
                            "element {position} ({}) is not a composite but holds the component separator",
                            simple.name
                        ),
                    });
                    continue;
                }
                if let Some(issue) = check_simple(repetition.bytes(), simple) {
                    out.push(issue.at(position, 0, rep, simple.number));
                }
            }
            None => check_composite(&repetition, spec, position, rep, out),
        }
    }
}

fn check_composite<'a, P: Parts<'a>>(
    element: &P,
    spec: &ElementSpec,
    position: u8,
    rep: u8,
    out: &mut Vec<ElementIssue>,
) {
    let mut count = 0usize;
    let mut last_present = 0usize;
    // Bit n set when component n has data, for the syntax notes (instead of splitting the
    // element again for each position they name).
    let mut present: u64 = 0;
    for (j, component) in element.components().enumerate() {
        count = j + 1;
        let c = (j + 1) as u8;
        let Some(component_spec) = spec.components.get(j) else {
            out.push(ElementIssue {
                code: Code::ElementTooManyComponents,
                element: position,
                component: c,
                repetition: rep,
                number: None,
                message: format!(
                    "element {position} ({}) has more than {} components",
                    spec.name,
                    spec.components.len()
                ),
            });
            return;
        };
        if component.is_empty() {
            if component_spec.usage == Usage::R {
                out.push(ElementIssue {
                    code: Code::ElementMissing,
                    element: position,
                    component: c,
                    repetition: rep,
                    number: Some(component_spec.number),
                    message: format!(
                        "component {position}-{c} ({}) is required",
                        component_spec.name
                    ),
                });
            }
            continue;
        }
        last_present = j + 1;
        if j + 1 < 64 {
            present |= 1 << (j + 1);
        }
        if component_spec.usage == Usage::N {
            out.push(ElementIssue {
                code: Code::ElementNotUsed,
                element: position,
                component: c,
                repetition: rep,
                number: Some(component_spec.number),
                message: format!(
                    "component {position}-{c} ({}) is not used",
                    component_spec.name
                ),
            });
            continue;
        }
        if let Some(issue) = check_simple(component, component_spec) {
            out.push(issue.at(position, c, rep, component_spec.number));
        }
    }
    if count > last_present {
        out.push(ElementIssue {
            code: Code::ElementTooManyComponents,
            element: position,
            component: (last_present + 1) as u8,
            repetition: rep,
            number: None,
            message: format!(
                "element {position} ({}): trailing component separator after component {last_present}",
                spec.name
            ),
        });
    }
    let required = spec.components.get(..spec.required_end).unwrap_or_default();
    for (j, component_spec) in required.iter().enumerate().skip(count) {
        if component_spec.usage == Usage::R {
            out.push(ElementIssue {
                code: Code::ElementMissing,
                element: position,
                component: (j + 1) as u8,
                repetition: rep,
                number: Some(component_spec.number),
                message: format!(
                    "component {position}-{} ({}) is required",
                    j + 1,
                    component_spec.name
                ),
            });
        }
    }
    check_notes(
        &spec.component_note_briefs,
        &spec.component_syntax,
        "",
        u128::from(present),
        out,
        position,
    );
}

/// What the repetition and composite checks read of an element: an [`Element`] of the
/// syntax layer, or a [`Plain`] value of an indexed segment, which gives the same parts.
trait Parts<'a>: Sized {
    /// The bytes, separators included.
    fn bytes(&self) -> &'a [u8];
    /// True when it holds the repetition separator.
    fn is_repeated(&self) -> bool;
    /// True when it holds the component separator.
    fn is_composite(&self) -> bool;
    /// Its repetitions (itself once when it does not repeat).
    fn repetitions(&self) -> impl Iterator<Item = Self>;
    /// Its components (itself once for a simple value).
    fn components(&self) -> impl Iterator<Item = &'a [u8]>;
}

impl<'a> Parts<'a> for Element<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.as_bytes()
    }
    fn is_repeated(&self) -> bool {
        Element::is_repeated(self)
    }
    fn is_composite(&self) -> bool {
        Element::is_composite(self)
    }
    fn repetitions(&self) -> impl Iterator<Item = Self> {
        Element::repetitions(self)
    }
    fn components(&self) -> impl Iterator<Item = &'a [u8]> {
        Element::components(self)
    }
}

/// An element of an indexed segment (neither binary data nor the ISA, whose elements are
/// never split), read from its bytes without finding it in the segment again.
#[derive(Clone, Copy)]
struct Plain<'a> {
    raw: &'a [u8],
    component: u8,
    repetition: Option<u8>,
}

impl<'a> Parts<'a> for Plain<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.raw
    }
    fn is_repeated(&self) -> bool {
        self.repetition.is_some_and(|r| self.raw.contains(&r))
    }
    fn is_composite(&self) -> bool {
        self.raw.contains(&self.component)
    }
    fn repetitions(&self) -> impl Iterator<Item = Self> {
        let plain = *self;
        let separator = self.repetition;
        self.raw
            .split(move |&b| Some(b) == separator)
            .map(move |raw| Plain { raw, ..plain })
    }
    fn components(&self) -> impl Iterator<Item = &'a [u8]> {
        let separator = self.component;
        self.raw.split(move |&b| b == separator)
    }
}

/// A problem with one simple value, before its position is known.
pub(crate) struct ValueIssue {
    code: Code,
    message: String,
}

impl ValueIssue {
    fn at(self, element: u8, component: u8, repetition: u8, number: u16) -> ElementIssue {
        ElementIssue {
            code: self.code,
            element,
            component,
            repetition,
            number: Some(number),
            message: self.message,
        }
    }
}

/// Checks one simple value (present, non-empty) against its spec.
#[inline]
pub(crate) fn check_simple(value: &[u8], spec: &SimpleSpec) -> Option<ValueIssue> {
    let scan = Scan::of(value, &PLAIN);
    if passes(value, spec.data_type, spec.min, spec.max, &scan) && in_list(Some(spec), value) {
        return None;
    }
    check_scanned(value, spec, &scan)
}

/// What each position of each segment id of a guide allows, its code lists left out: the
/// checks of [`check_simple`] on type, length and characters. Types and lengths come from
/// the dictionary, so every use of a segment agrees on them (a test holds the embedded
/// guides to it); code lists differ from use to use and are not kept. The claim writer
/// checks each value it writes against it, so that what it writes validates.
pub(crate) struct ValueRules {
    /// By segment id key, sorted (a binary search is a few dozen instructions; hashing the
    /// key cost more).
    by_segment: Vec<(u32, SegmentRules)>,
}

/// [`ValueRules`] of one segment id: `elements[n - 1][c]` is element `n`'s simple spec
/// (`c` = 0) or its component `c`'s.
pub(crate) struct SegmentRules {
    elements: Vec<Vec<Option<SimpleSpec>>>,
}

impl ValueRules {
    /// The rules of every segment use of `guide` (the first use of each position).
    pub(crate) fn of(guide: &crate::schema::Guide) -> Self {
        let mut by_segment: Vec<(u32, SegmentRules)> = Vec::new();
        for node in &guide.nodes {
            let crate::schema::NodeKind::Segment(segment) = &node.kind else {
                continue;
            };
            let at = match by_segment.binary_search_by_key(&segment.key, |(k, _)| *k) {
                Ok(at) => at,
                Err(at) => {
                    let rules = SegmentRules {
                        elements: Vec::new(),
                    };
                    by_segment.insert(at, (segment.key, rules));
                    at
                }
            };
            let rules = &mut by_segment[at].1;
            for (i, element) in segment.elements.iter().enumerate() {
                if rules.elements.len() <= i {
                    rules.elements.push(Vec::new());
                }
                let kept = &mut rules.elements[i];
                let simple = element.simple.iter().map(|s| (0, s));
                let components = element
                    .components
                    .iter()
                    .enumerate()
                    .map(|(j, s)| (j + 1, s));
                for (c, spec) in simple.chain(components) {
                    if kept.len() <= c {
                        kept.resize(c + 1, None);
                    }
                    kept[c].get_or_insert_with(|| SimpleSpec {
                        codes: None,
                        usage: Usage::S,
                        ..spec.clone()
                    });
                }
            }
        }
        ValueRules { by_segment }
    }

    /// The rules of the segment of id key `key`; `None` for a segment the guide does not
    /// hold (the envelopes).
    pub(crate) fn segment(&self, key: u32) -> Option<&SegmentRules> {
        let at = self
            .by_segment
            .binary_search_by_key(&key, |(k, _)| *k)
            .ok()?;
        self.by_segment.get(at).map(|(_, rules)| rules)
    }
}

impl SegmentRules {
    /// What is wrong with `value` (not empty) at element `n` (1-based), component `c` (0
    /// for a simple element): a message naming the element and the rule, never the value.
    /// `None` when it fits, or when the segment has no such position.
    pub(crate) fn check(&self, n: usize, c: usize, value: &[u8]) -> Option<String> {
        let spec = self.get(n, c)?;
        check_simple(value, spec).map(|issue| issue.message)
    }

    fn get(&self, n: usize, c: usize) -> Option<&SimpleSpec> {
        self.elements.get(n.checked_sub(1)?)?.get(c)?.as_ref()
    }
}

/// Byte classes, one table lookup a byte in [`Scan::of`].
const DIGIT: u8 = 1;
const SPACE: u8 = 2;
const BAD: u8 = 4;
const SEPARATOR: u8 = 8;

/// The class bits of every byte value: digit, space, outside the X12 character sets, and
/// (when built with them) the interchange's component or repetition separator.
///
/// Beside the bits, the same classes as one count a byte in each byte of a `u32` (bad,
/// separator, space, digit, low byte first): a value of up to 255 bytes is then scanned
/// with one addition a byte, and what the scan needs read from the sum at the end.
pub(crate) struct Classes {
    bits: [u8; 256],
    counts: [u32; 256],
}

/// [`Classes::counts`]: the byte of the sum counting each class.
const BAD_COUNT: u32 = 1;
const SEPARATOR_COUNT: u32 = 1 << 8;
const SPACE_COUNT: u32 = 1 << 16;
const DIGIT_COUNT: u32 = 1 << 24;

/// The longest value scanned by counts: each class's count must fit its byte.
const COUNTED: usize = u8::MAX as usize;

/// Classes without separators, for values already split to the bottom (components).
const PLAIN: Classes = Classes::new(None);

impl Classes {
    /// The table; `separators` are the component and repetition separators to look for.
    pub(crate) const fn new(separators: Option<(u8, Option<u8>)>) -> Classes {
        let mut table = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            let b = i as u8;
            let mut class = 0;
            if b.is_ascii_digit() {
                class |= DIGIT;
            }
            if b == b' ' {
                class |= SPACE;
            }
            if !is_x12_char(b) {
                class |= BAD;
            }
            table[i] = class;
            i += 1;
        }
        if let Some((component, repetition)) = separators {
            table[component as usize] |= SEPARATOR;
            if let Some(repetition) = repetition {
                table[repetition as usize] |= SEPARATOR;
            }
        }
        let mut counts = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let class = table[i];
            counts[i] = ((class & BAD != 0) as u32 * BAD_COUNT)
                | ((class & SEPARATOR != 0) as u32 * SEPARATOR_COUNT)
                | ((class & SPACE != 0) as u32 * SPACE_COUNT)
                | ((class & DIGIT != 0) as u32 * DIGIT_COUNT);
            i += 1;
        }
        Classes {
            bits: table,
            counts,
        }
    }
}

/// What one pass over a value found: the first byte outside the X12 character sets, the
/// digits, whether anything but spaces, and whether a component or repetition separator.
pub(crate) struct Scan {
    /// A byte outside the X12 character sets (where: [`check_scanned`] looks again).
    bad: bool,
    digits: usize,
    blank: bool,
    special: bool,
}

impl Scan {
    /// Scans `value` with one table lookup a byte.
    #[inline]
    pub(crate) fn of(value: &[u8], classes: &Classes) -> Scan {
        if value.len() <= COUNTED {
            let mut sum = 0u32;
            for &b in value {
                sum += classes.counts[usize::from(b)];
            }
            return Scan::counted(sum, value.len());
        }
        let mut any = 0u8;
        let mut all = u8::MAX;
        let mut digits = 0usize;
        for &b in value {
            let class = classes.bits[usize::from(b)];
            any |= class;
            all &= class;
            digits += usize::from(class & DIGIT);
        }
        Scan {
            bad: any & BAD != 0,
            digits,
            blank: all & SPACE != 0,
            special: any & SEPARATOR != 0,
        }
    }

    /// The scan of a value of `length` bytes (at most [`COUNTED`]) whose bytes' class
    /// counts ([`Classes::counts`]) add up to `sum`.
    #[inline(always)]
    fn counted(sum: u32, length: usize) -> Scan {
        let [bad, separators, spaces, digits] = sum.to_le_bytes();
        Scan {
            bad: bad != 0,
            digits: usize::from(digits),
            // Every byte a space (an empty value too, as the bitwise scan says).
            blank: usize::from(spaces) == length,
            special: separators != 0,
        }
    }
}

/// True when `value` is in the code list of the position `brief` describes: its short
/// list among `lists` when it has one, else the list of its spec (from `spec`).
#[inline(always)]
fn in_brief_list<'s>(
    brief: &ElementBrief,
    lists: &[crate::schema::ShortCodes],
    value: &[u8],
    spec: impl FnOnce() -> Option<&'s SimpleSpec>,
) -> bool {
    match lists.get(usize::from(brief.short_codes)) {
        // A value too long to pack is none of these short codes.
        Some(codes) => crate::schema::pack_short(value).is_some_and(|v| codes.contains(&v)),
        None => in_list(spec(), value),
    }
}

/// True when `value` is in `spec`'s code list, or `spec` has none.
#[inline]
fn in_list(spec: Option<&SimpleSpec>, value: &[u8]) -> bool {
    spec.and_then(|s| s.codes.as_ref())
        .is_none_or(|codes| codes.contains(value))
}

/// True when [`check_scanned`] finds nothing but perhaps a code outside the list
/// ([`in_list`]): the same rules without building a message, small enough to sit in line
/// in the loop over a segment's elements.
#[inline(always)]
fn passes(value: &[u8], data_type: DataType, min: u16, max: u16, scan: &Scan) -> bool {
    if scan.bad {
        return false;
    }
    let length = match data_type {
        DataType::AN | DataType::ID => {
            if scan.blank {
                return false;
            }
            value.len()
        }
        DataType::N0 | DataType::N1 | DataType::N2 | DataType::N3 | DataType::N4 => {
            let sign = usize::from(value.first() == Some(&b'-'));
            if scan.digits == 0 || scan.digits + sign != value.len() {
                return false;
            }
            scan.digits
        }
        DataType::R => {
            if !is_decimal(value) {
                return false;
            }
            scan.digits
        }
        DataType::DT => {
            if !is_date(value) {
                return false;
            }
            value.len()
        }
        DataType::TM => {
            if !is_time(value) {
                return false;
            }
            value.len()
        }
        DataType::B => value.len(),
    };
    length >= usize::from(min) && length <= usize::from(max)
}

/// Checks one simple value against its spec, with its scan done.
#[cold]
#[inline(never)]
pub(crate) fn check_scanned(value: &[u8], spec: &SimpleSpec, scan: &Scan) -> Option<ValueIssue> {
    let issue = |code, message: String| Some(ValueIssue { code, message });
    let name = &spec.name;
    // Only a value with a bad byte is read again, to say where.
    if let Some(bad) = scan
        .bad
        .then(|| value.iter().position(|&b| !is_x12_char(b)))
        .flatten()
    {
        return issue(
            Code::ElementInvalidCharacter,
            format!(
                "{name}: invalid character (byte 0x{:02X}) at position {}",
                value[bad],
                bad + 1
            ),
        );
    }
    let length = match spec.data_type {
        DataType::N0 | DataType::N1 | DataType::N2 | DataType::N3 | DataType::N4 | DataType::R => {
            scan.digits
        }
        _ => value.len(),
    };
    match spec.data_type {
        DataType::AN | DataType::ID => {
            if scan.blank {
                return issue(
                    Code::ElementInvalidCharacter,
                    format!("{name}: only spaces"),
                );
            }
        }
        DataType::N0 | DataType::N1 | DataType::N2 | DataType::N3 | DataType::N4 => {
            let sign = usize::from(value.first() == Some(&b'-'));
            if scan.digits == 0 || scan.digits + sign != value.len() {
                return issue(
                    Code::ElementInvalidCharacter,
                    format!("{name}: not an integer (digits, optional leading '-')"),
                );
            }
        }
        DataType::R => {
            if !is_decimal(value) {
                return issue(
                    Code::ElementInvalidCharacter,
                    format!("{name}: not a decimal number (digits, optional '-' and one '.')"),
                );
            }
        }
        DataType::DT => {
            if !is_date(value) {
                return issue(
                    Code::ElementInvalidDate,
                    format!("{name}: not a real calendar date (CCYYMMDD)"),
                );
            }
        }
        DataType::TM => {
            if !is_time(value) {
                return issue(
                    Code::ElementInvalidTime,
                    format!("{name}: not a valid time (HHMM, HHMMSS or HHMMSSD[D])"),
                );
            }
        }
        DataType::B => {}
    }
    if length < usize::from(spec.min) {
        return issue(
            Code::ElementTooShort,
            format!(
                "{name}: {length} characters, at least {} required",
                spec.min
            ),
        );
    }
    if length > usize::from(spec.max) {
        return issue(
            Code::ElementTooLong,
            format!("{name}: {length} characters, at most {} allowed", spec.max),
        );
    }
    if let Some(codes) = &spec.codes
        && !codes.contains(value)
    {
        // Codes are safe to quote: they come from the guide's list, not the data; the
        // value itself is quoted only when it is a short code-like token.
        let shown = if value.len() <= 3 && value.iter().all(u8::is_ascii_alphanumeric) {
            format!(" \"{}\"", String::from_utf8_lossy(value))
        } else {
            String::new()
        };
        return issue(
            Code::ElementInvalidCode,
            format!("{name}: code{shown} is not one of the values this guide allows"),
        );
    }
    None
}

/// `R`: optional `-`, digits, at most one `.`, at least one digit.
pub(crate) fn is_decimal(value: &[u8]) -> bool {
    let body = value.strip_prefix(b"-").unwrap_or(value);
    let mut digits = 0;
    let mut points = 0;
    for &b in body {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && points <= 1
}

/// `DT`: CCYYMMDD (or YYMMDD) that is a real calendar date.
pub(crate) fn is_date(value: &[u8]) -> bool {
    parse_date(value).is_some()
}

/// The date of a CCYYMMDD (or YYMMDD, widened as 20YY below 50) value.
pub(crate) fn parse_date(value: &[u8]) -> Option<time::Date> {
    if !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |bytes: &[u8]| {
        bytes
            .iter()
            .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'))
    };
    let (year, rest) = match value.len() {
        8 => (number(&value[..4]) as i32, &value[4..]),
        6 => {
            let yy = number(&value[..2]) as i32;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &value[2..])
        }
        _ => return None,
    };
    if year < 1800 {
        return None;
    }
    let month = time::Month::try_from(number(&rest[..2]) as u8).ok()?;
    time::Date::from_calendar_date(year, month, number(&rest[2..4]) as u8).ok()
}

/// `TM`: HHMM, HHMMSS, HHMMSSD or HHMMSSDD with valid hours, minutes and seconds.
pub(crate) fn is_time(value: &[u8]) -> bool {
    if !matches!(value.len(), 4 | 6 | 7 | 8) || !value.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let two = |i: usize| (value[i] - b'0') * 10 + (value[i + 1] - b'0');
    two(0) <= 23 && two(2) <= 59 && (value.len() < 6 || two(4) <= 59)
}

/// Checks syntax notes (`briefs` of `notes`, in the same order); bit n of `present` is set
/// when position n has data.
#[inline]
fn check_notes(
    briefs: &[NoteBrief],
    notes: &[SyntaxNote],
    segment_id: &str,
    present: u128,
    out: &mut Vec<ElementIssue>,
    composite_position: u8,
) {
    for (brief, note) in briefs.iter().zip(notes) {
        // Distinct positions: the rules compare the positions with data with all of them
        // and with the first, in a few bit operations (no count of bits: without POPCNT in
        // the baseline x86-64 a count of a u128 costs some twenty instructions).
        if brief.mask != 0 {
            let with_data = present & brief.mask;
            let first = 1u128 << (brief.first & 127);
            let broken = match brief.kind {
                b'P' => with_data != 0 && with_data != brief.mask,
                b'R' => with_data == 0,
                b'E' => with_data & with_data.wrapping_sub(1) != 0,
                b'C' => with_data & first != 0 && with_data != brief.mask,
                b'L' => with_data == first,
                _ => false,
            };
            if !broken {
                continue;
            }
        }
        report_note(note, segment_id, present, out, composite_position);
    }
}

/// True when a note of `kind` over `n` positions, `set` of them with data (`first` among
/// them), is broken.
#[inline(always)]
fn note_broken(kind: u8, n: usize, set: usize, first: bool) -> bool {
    let others = set - usize::from(first);
    match kind {
        b'P' => set > 0 && set != n,
        b'R' => set == 0,
        b'E' => set > 1,
        b'C' => first && others != n.saturating_sub(1),
        b'L' => first && others == 0,
        _ => false,
    }
}

/// [`check_notes`] position by position (any note), reporting it when broken.
#[cold]
#[inline(never)]
fn report_note(
    note: &SyntaxNote,
    segment_id: &str,
    present: u128,
    out: &mut Vec<ElementIssue>,
    composite_position: u8,
) {
    // Bit i of `flags` for `note.positions[i]` (the schema allows at most 64 positions a
    // note); positions of 128 or more never have data.
    let flags = note
        .positions
        .iter()
        .take(SyntaxNote::MAX_POSITIONS)
        .enumerate()
        .fold(0u64, |f, (i, &p)| {
            f | (u64::from(p < 128 && present >> p & 1 != 0) << i)
        });
    let flag = |i: usize| flags & (1 << i) != 0;
    let n = note.positions.len();
    let set = flags.count_ones() as usize;
    if !note_broken(note.kind, n, set, flag(0)) {
        return;
    }
    // Point at the first position the rule wants filled (or, for E, the second present).
    let mut at = note.positions.iter().enumerate();
    let target = match note.kind {
        b'E' => at.filter(|(i, _)| flag(*i)).nth(1).map(|(_, p)| *p),
        _ => at.find(|(i, _)| !flag(*i)).map(|(_, p)| *p),
    }
    .unwrap_or(0);
    let (code, rule) = match note.kind {
        b'P' => (
            Code::ElementConditionalMissing,
            "must all be present or all absent",
        ),
        b'R' => (
            Code::ElementConditionalMissing,
            "at least one must be present",
        ),
        b'E' => (Code::ElementExclusion, "at most one may be present"),
        b'C' => (
            Code::ElementConditionalMissing,
            "the first requires all the others",
        ),
        _ => (
            Code::ElementConditionalMissing,
            "the first requires at least one other",
        ),
    };
    let (element, component) = if composite_position == 0 {
        (target, 0)
    } else {
        (composite_position, target)
    };
    let names: Vec<String> = note
        .positions
        .iter()
        .map(|p| {
            if composite_position == 0 {
                format!("{segment_id}{p:02}")
            } else {
                format!("{composite_position:02}-{p}")
            }
        })
        .collect();
    out.push(ElementIssue {
        code,
        element,
        component,
        repetition: 0,
        number: None,
        message: format!("syntax note {}: {} {rule}", note.text, names.join(", ")),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(data_type: DataType, min: u16, max: u16) -> SimpleSpec {
        SimpleSpec {
            number: 1,
            name: "X".into(),
            data_type,
            min,
            max,
            usage: Usage::S,
            codes: None,
        }
    }

    fn code_of(value: &[u8], spec: &SimpleSpec) -> Option<Code> {
        check_simple(value, spec).map(|i| i.code)
    }

    #[test]
    fn numbers_dates_and_times_follow_their_types() {
        assert_eq!(code_of(b"125.25", &spec(DataType::R, 1, 18)), None);
        assert_eq!(code_of(b"-12", &spec(DataType::R, 1, 18)), None);
        assert_eq!(
            code_of(b"1.2.3", &spec(DataType::R, 1, 18)),
            Some(Code::ElementInvalidCharacter)
        );
        assert_eq!(
            code_of(b"1E5", &spec(DataType::R, 1, 18)),
            Some(Code::ElementInvalidCharacter)
        );
        assert_eq!(code_of(b"0012", &spec(DataType::N0, 1, 9)), None);
        assert_eq!(
            code_of(b"12.5", &spec(DataType::N0, 1, 9)),
            Some(Code::ElementInvalidCharacter)
        );
        assert_eq!(code_of(b"20240229", &spec(DataType::DT, 8, 8)), None);
        assert_eq!(
            code_of(b"20230229", &spec(DataType::DT, 8, 8)),
            Some(Code::ElementInvalidDate)
        );
        assert_eq!(
            code_of(b"20241301", &spec(DataType::DT, 8, 8)),
            Some(Code::ElementInvalidDate)
        );
        assert_eq!(code_of(b"2359", &spec(DataType::TM, 4, 8)), None);
        assert_eq!(
            code_of(b"2460", &spec(DataType::TM, 4, 8)),
            Some(Code::ElementInvalidTime)
        );
    }

    #[test]
    fn lengths_count_digits_for_numbers() {
        assert_eq!(code_of(b"-1.50", &spec(DataType::R, 1, 3)), None);
        assert_eq!(
            code_of(b"1234", &spec(DataType::R, 1, 3)),
            Some(Code::ElementTooLong)
        );
        assert_eq!(
            code_of(b"A", &spec(DataType::AN, 2, 3)),
            Some(Code::ElementTooShort)
        );
    }

    #[test]
    fn control_characters_and_blank_values_are_invalid() {
        assert_eq!(
            code_of(b"AB\x07", &spec(DataType::AN, 1, 9)),
            Some(Code::ElementInvalidCharacter)
        );
        assert_eq!(
            code_of(b"   ", &spec(DataType::AN, 1, 9)),
            Some(Code::ElementInvalidCharacter)
        );
    }

    #[test]
    fn codes_outside_the_list_are_reported_without_long_values() {
        let mut s = spec(DataType::ID, 1, 3);
        s.codes = Some(crate::schema::CodeList::new(
            [&b"85"[..], b"IL"].into_iter(),
        ));
        assert_eq!(code_of(b"IL", &s), None);
        let issue = check_simple(b"QQ", &s).map(|i| i.message);
        assert_eq!(
            issue.as_deref(),
            Some("X: code \"QQ\" is not one of the values this guide allows")
        );
    }
}

#[cfg(test)]
mod quick_tests {
    use super::*;
    use crate::schema::{NodeKind, guides};
    use crate::syntax::{Delimiters, Position};

    /// Values to try in a composite: each component empty, a fitting value, a long one, a
    /// blank, a bad byte, codes from the lists, and extra or repeated parts.
    fn values(spec: &ElementSpec) -> Vec<Vec<u8>> {
        let mut parts: Vec<Vec<Vec<u8>>> = Vec::new();
        for c in &spec.components {
            let mut mine = vec![
                b"".to_vec(),
                b"1".to_vec(),
                b"AB".to_vec(),
                b"12345".to_vec(),
                b"  ".to_vec(),
                b"A\x07".to_vec(),
                b"1.5".to_vec(),
                b"20240229".to_vec(),
                vec![b'9'; usize::from(c.max) + 1],
            ];
            // A value that fits the component, so that many composites pass.
            let length = usize::from(c.min.max(1));
            let fitting = match c.data_type {
                DataType::DT => b"20240229".to_vec(),
                DataType::TM => b"1200".to_vec(),
                DataType::AN | DataType::ID => vec![b'A'; length],
                _ => vec![b'1'; length],
            };
            match &c.codes {
                Some(codes) => mine.extend(codes.as_slice().iter().take(3).cloned()),
                None => mine.extend([fitting.clone(), fitting.clone(), fitting]),
            }
            parts.push(mine);
        }
        let mut out = Vec::new();
        let mut seed = 7u64;
        for _ in 0..400 {
            let mut value = Vec::new();
            let take = (seed % (parts.len() as u64 + 2)) as usize;
            for (j, choices) in parts.iter().enumerate().take(take.max(1)) {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                if j > 0 {
                    value.push(b':');
                }
                value.extend_from_slice(&choices[(seed >> 33) as usize % choices.len()]);
            }
            match seed % 13 {
                0 => value.extend_from_slice(b":"),
                1 => value.extend_from_slice(b"^AB"),
                2 => value.extend_from_slice(b":X:Y:Z:Q:R:S:T:U:V:W"),
                _ => {}
            }
            if !value.is_empty() {
                out.push(value);
            }
        }
        out
    }

    /// The quick composite check reports what the full one does, for every composite of
    /// the embedded guides, whenever it settles the value (else the full check runs).
    #[test]
    fn the_quick_composite_check_agrees_with_the_full_one() {
        let delimiters = Delimiters::default();
        let classes = Classes::new(Some((delimiters.component, delimiters.repetition)));
        let (mut settled, mut unsettled) = (0, 0);
        for guide in &guides().expect("guides").all {
            for node in &guide.nodes {
                let NodeKind::Segment(segment_spec) = &node.kind else {
                    continue;
                };
                for (i, spec) in segment_spec.elements.iter().enumerate() {
                    if spec.simple.is_some() || spec.usage == Usage::N {
                        continue;
                    }
                    for value in values(spec) {
                        let segment = Segment::new(&value, delimiters, Position::default(), 0, 0);
                        let position = (i + 1) as u8;
                        let mut quick = Vec::new();
                        let done = check_composite_quick(
                            &value, &classes, delimiters, spec, position, &mut quick,
                        );
                        let mut full = Vec::new();
                        check_element_rest(&segment, &value, None, spec, position, &mut full);
                        if done {
                            settled += 1;
                            assert_eq!(quick, full, "{} {:?}", segment_spec.id, value);
                        } else {
                            unsettled += 1;
                            assert!(quick.is_empty());
                        }
                    }
                }
            }
        }
        assert!(settled > 1000, "only {settled} settled");
        assert!(unsettled > 1000, "only {unsettled} left to the full check");
    }
}

#[cfg(test)]
mod value_rules_tests {
    use super::*;
    use crate::schema::{NodeKind, guides, id_key};

    /// Every use of a segment agrees on each position's type and lengths, in every
    /// embedded guide: the rules keep one spec per position.
    #[test]
    fn every_use_of_a_segment_agrees_on_types_and_lengths() {
        let all = guides().expect("the embedded guides compile");
        let mut compared = 0;
        for guide in &all.all {
            let rules = ValueRules::of(guide);
            for node in &guide.nodes {
                let NodeKind::Segment(segment) = &node.kind else {
                    continue;
                };
                for (i, element) in segment.elements.iter().enumerate() {
                    let parts = element.simple.iter().map(|s| (0, s));
                    let parts = parts.chain(
                        element
                            .components
                            .iter()
                            .enumerate()
                            .map(|(j, s)| (j + 1, s)),
                    );
                    for (c, spec) in parts {
                        let kept = rules
                            .segment(segment.key)
                            .and_then(|r| r.get(i + 1, c))
                            .expect("every position is kept");
                        assert_eq!(
                            (kept.data_type, kept.min, kept.max),
                            (spec.data_type, spec.min, spec.max),
                            "{} {}{:02}-{c} in loop {}",
                            guide.id,
                            segment.id,
                            i + 1,
                            node.loop_id
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 5_000, "only {compared} compared");
    }

    /// A rule names the element and what it allows, never the value; code lists are not
    /// checked (they differ from use to use).
    #[test]
    fn a_value_that_does_not_fit_is_named_without_its_value() {
        let all = guides().expect("the embedded guides compile");
        let guide = all.all.iter().find(|g| g.id == "837P").expect("837P");
        let rules = ValueRules::of(guide);
        let nm1 = rules.segment(id_key(b"NM1")).expect("NM1");
        let long = vec![b'Q'; 61];
        let message = nm1.check(3, 0, &long).expect("too long");
        assert!(message.contains("60"), "{message}");
        assert!(!message.contains("QQQ"), "{message}");
        assert_eq!(nm1.check(3, 0, b"SMITH"), None);
        // NM101 is an ID whose codes differ by loop: any code of the right length fits.
        assert_eq!(nm1.check(1, 0, b"ZZ"), None);
        assert!(nm1.check(1, 0, b"ZZZZ").is_some());
        // SV101-2 (a component); an envelope segment the guide does not hold.
        let sv1 = rules.segment(id_key(b"SV1")).expect("SV1");
        assert!(sv1.check(1, 2, &[b'1'; 49]).is_some());
        assert_eq!(sv1.check(1, 2, b"99213"), None);
        assert!(rules.segment(id_key(b"GS")).is_none());
    }
}
