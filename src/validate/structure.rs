//! The implementation-guide structure walk: which loop and segment use each segment is,
//! segment order, required and "not used" segments, maximum uses and loop repeats, and the
//! HL hierarchy.
//!
//! The walk keeps a stack of open loops. A segment is placed by searching forward from the
//! current position in the innermost loop, then in each enclosing loop; a loop is entered
//! (or repeated) when its leading segment matches. Leaving a loop reports its required
//! children that never came.

use crate::finding::Code;
use std::cell::OnceCell;

use crate::schema::{CodeKey, Guide, NodeKind, SegmentSpec, Usage, pack_short};
use crate::syntax::Segment;

use super::fields::Fields;

/// A structure problem, placed at the segment being handled when it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StructureIssue {
    pub code: Code,
    pub loop_id: &'static str,
    /// The segment id the issue is about (the missing one, for a missing segment).
    pub segment_id: String,
    pub message: String,
}

/// An open loop occurrence.
#[derive(Clone, Debug, Default)]
struct Frame<'g> {
    node: usize,
    /// The loop's children, kept here so a placement does not reach into the loop's node.
    children: &'g [usize],
    /// Index (in the loop's children) of the child matched last.
    pos: usize,
    /// Occurrences of each child in this occurrence of the loop.
    counts: Vec<u32>,
}

/// Walks one transaction set through a guide.
pub(crate) struct Walker<'g> {
    guide: &'g Guide,
    /// Open loops, outermost first; frames past `depth` are kept for reuse.
    frames: Vec<Frame<'g>>,
    depth: usize,
    hl: Hierarchy,
    /// Recent look-ups of a loop's children by segment id: see [`Walker::candidates`].
    cache: [Candidates<'g>; CACHE],
    /// For each node, the segment use that starts it (itself for a segment use), so a
    /// match is one spec test, not a walk down the loops' first children.
    leading: Vec<Option<&'g SegmentSpec>>,
    /// For each node, how to test a segment against its leading use without reaching into
    /// the spec: a dense array, where the specs and their code lists are scattered over the
    /// heap and each test chased three or four pointers (perf: most of `matches` was
    /// waiting on those loads).
    quick: Vec<Quick>,
    /// The codes of the [`Quick::First`] tests.
    first_codes: Vec<[u64; 4]>,
    /// For each node, what entering it reads (its limit, whether it is a loop or not
    /// used), side by side: a [`crate::schema::Node`] holds its whole segment spec, so
    /// reading these from the node touched a cache line of its own per segment.
    briefs: Vec<NodeBrief>,
}

/// What [`Walker::enter`] reads of a node.
#[derive(Clone, Copy, Debug, Default)]
struct NodeBrief {
    /// A segment use's maximum use or a loop's maximum repeats (0: unbounded).
    limit: u32,
    /// A loop (else a segment use).
    is_loop: bool,
    /// Its usage is N.
    not_used: bool,
}

impl NodeBrief {
    fn of(kind: &NodeKind) -> NodeBrief {
        match kind {
            NodeKind::Segment(spec) => NodeBrief {
                limit: spec.max,
                is_loop: false,
                not_used: spec.usage == Usage::N,
            },
            NodeKind::Loop(lp) => NodeBrief {
                limit: lp.repeat,
                is_loop: true,
                not_used: lp.usage == Usage::N,
            },
        }
    }
}

/// How a segment is tested against a node's leading segment use ([`Walker::matches`]).
#[derive(Clone, Copy, Debug)]
enum Quick {
    /// An empty loop: nothing matches.
    Never,
    /// Any segment with this id key.
    Key(u32),
    /// This id key, and element 1 one of up to four codes: [`Walker::first_codes`] at
    /// this index ([`pack_short`]; unused slots hold `u64::MAX`, which no packed value
    /// equals). Kept apart so the table is 8 bytes a node, not 40.
    First(u32, u16),
    /// Anything else: ask the spec ([`spec_matches`]).
    Spec,
}

impl Quick {
    /// The test of a node led by `spec`, its codes (if any) added to `codes`.
    fn of(spec: Option<&SegmentSpec>, codes_table: &mut Vec<[u64; 4]>) -> Quick {
        let Some(spec) = spec else {
            return Quick::Never;
        };
        match spec.qualifier.as_slice() {
            [] => Quick::Key(spec.key),
            [(1, 0, codes)] if codes.as_slice().len() <= 4 => {
                let mut packed = [u64::MAX; 4];
                for (slot, code) in packed.iter_mut().zip(codes.as_slice()) {
                    match pack_short(code) {
                        Some(key) => *slot = key,
                        None => return Quick::Spec,
                    }
                }
                let Ok(at) = u16::try_from(codes_table.len()) else {
                    return Quick::Spec;
                };
                codes_table.push(packed);
                Quick::First(spec.key, at)
            }
            _ => Quick::Spec,
        }
    }
}

/// Slots of [`Walker::cache`] (a power of two).
const CACHE: usize = 64;

/// One cached look-up: loop node, segment id key, the loop's children starting with it.
#[derive(Clone, Copy)]
struct Candidates<'g> {
    node: usize,
    key: u32,
    children: &'g [usize],
}

/// The HL state: ids seen, their levels, and the previous HL's child code.
#[derive(Default)]
struct Hierarchy {
    /// Level code (HL03) of each HL id, index = id - 1, packed by [`level_code`] (a heap
    /// copy of each cost an allocation per HL).
    levels: Vec<u64>,
    /// The previous HL: its id, whether HL04 said children follow, and its loop.
    previous: Option<(usize, Option<bool>, &'static str)>,
}

impl<'g> Walker<'g> {
    pub(crate) fn new(guide: &'g Guide) -> Self {
        let mut first_codes = Vec::new();
        let quick = (0..guide.nodes.len())
            .map(|node| Quick::of(leading_spec(guide, node), &mut first_codes))
            .collect();
        let mut walker = Walker {
            guide,
            frames: Vec::new(),
            depth: 0,
            hl: Hierarchy::default(),
            cache: [Candidates {
                node: usize::MAX,
                key: 0,
                children: &[],
            }; CACHE],
            leading: (0..guide.nodes.len())
                .map(|node| leading_spec(guide, node))
                .collect(),
            quick,
            first_codes,
            briefs: guide.nodes.iter().map(|n| NodeBrief::of(&n.kind)).collect(),
        };
        walker.reset();
        walker
    }

    /// Starts a new transaction set.
    pub(crate) fn reset(&mut self) {
        self.depth = 0;
        self.open(Guide::ROOT, usize::MAX);
        self.hl.levels.clear();
        self.hl.previous = None;
    }

    /// Opens a loop frame for `node` (its leading child counted when `first` is 0).
    fn open(&mut self, node: usize, first: usize) {
        let guide = self.guide;
        let children = guide.nodes[node].children.len();
        if self.frames.len() <= self.depth {
            self.frames.push(Frame::default());
        }
        let frame = &mut self.frames[self.depth];
        frame.node = node;
        frame.children = &guide.nodes[node].children;
        frame.counts.clear();
        frame.counts.resize(children, 0);
        frame.pos = 0;
        if first == 0 && children > 0 {
            frame.counts[0] = 1;
        }
        self.depth += 1;
    }

    /// Places `segment`, whose id packs to `key` ([`crate::schema::id_key`]); returns the node of its
    /// segment use, or `None` when it fits nowhere.
    pub(crate) fn place(
        &mut self,
        segment: &Segment<'_>,
        key: u32,
        fields: &Fields,
        issues: &mut Vec<StructureIssue>,
    ) -> Option<usize> {
        let heads = Heads {
            key,
            segment,
            fields,
            first: OnceCell::new(),
            first_short: fields.get(segment, 1).map(pack_short),
        };
        // Search the open loops, innermost first.
        for level in (0..self.depth).rev() {
            let frame = &self.frames[level];
            let (frame_node, frame_pos, children) = (frame.node, frame.pos, frame.children);
            // Only children starting with this segment id can match.
            let candidates = self.candidates(frame_node, key);
            // A loop's leading segment (child 0) always starts a new occurrence of the loop,
            // found one level up; inside the loop the search starts after it.
            let lower = usize::from(frame_node != Guide::ROOT);
            let start = frame_pos.max(lower);
            let found = candidates
                .iter()
                .copied()
                .filter(|&i| i >= start)
                .find(|&i| self.matches(children[i], &heads));
            if let Some(i) = found {
                while self.depth > level + 1 {
                    self.close(issues);
                }
                return Some(self.enter(i, issues));
            }
            if level + 1 == self.depth {
                // Out of sequence in the innermost loop: a segment that belongs earlier.
                let earlier = candidates
                    .iter()
                    .copied()
                    .filter(|&i| i >= lower && i < start)
                    .find(|&i| self.is_segment(children[i]) && self.matches(children[i], &heads));
                if let Some(i) = earlier {
                    let node = children[i];
                    // Counted where it belongs, so it is not also reported missing.
                    self.frames[level].counts[i] += 1;
                    // Uses of one segment id listed one after the other (the 2300 REFs, the
                    // DTPs) share a position in the TR3 and may come in any order.
                    let last = children[self.frames[level].pos];
                    let same_position = self.segment_spec(last).is_some_and(|s| s.key == key)
                        && (i..self.frames[level].pos)
                            .all(|j| self.segment_spec(children[j]).is_some_and(|s| s.key == key));
                    if same_position {
                        return Some(node);
                    }
                    issues.push(StructureIssue {
                        code: Code::SegmentOutOfOrder,
                        loop_id: self.guide.nodes[node].loop_id,
                        segment_id: self
                            .segment_spec(node)
                            .map(|s| s.id.clone())
                            .unwrap_or_default(),
                        message: format!(
                            "{} is out of sequence in loop {}",
                            self.describe(node),
                            self.guide.nodes[node].loop_id
                        ),
                    });
                    return Some(node);
                }
            }
        }
        let id = segment.id_str();
        let loop_id = self.current_loop();
        if self.guide.segment_ids.contains(id) {
            issues.push(StructureIssue {
                code: Code::SegmentUnexpected,
                loop_id,
                segment_id: id.to_string(),
                message: format!(
                    "{id} is not expected here (in loop {loop_id}{})",
                    self.qualifier_hint(segment)
                ),
            });
        } else {
            issues.push(StructureIssue {
                code: Code::SegmentUnrecognized,
                loop_id,
                segment_id: id.to_string(),
                message: format!("{id} is not a segment of the {} guide", self.guide.id),
            });
        }
        None
    }

    /// The children of loop `node` that start with segment id `key` (their positions), from
    /// the loop's sorted `by_id`. A set asks the same few dozen (loop, id) pairs over and
    /// over, so answers are kept in a small direct-mapped cache.
    #[inline]
    fn candidates(&mut self, node: usize, key: u32) -> &'g [usize] {
        let hash = key.wrapping_mul(0x9E37_79B9) ^ (node as u32).wrapping_mul(0x85EB_CA6B);
        let slot = (hash >> (32 - CACHE.trailing_zeros())) as usize;
        let cached = self.cache[slot];
        if cached.node == node && cached.key == key {
            return cached.children;
        }
        let by_id = &self.guide.nodes[node].by_id;
        let children: &'g [usize] = match by_id.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(at) => &by_id[at].1,
            Err(_) => &[],
        };
        self.cache[slot] = Candidates {
            node,
            key,
            children,
        };
        children
    }

    /// For an unexpected segment whose id has qualified uses, names the qualifier it carries.
    fn qualifier_hint(&self, segment: &Segment<'_>) -> String {
        let qualified = self.guide.nodes.iter().find_map(|n| match &n.kind {
            NodeKind::Segment(s) if s.id.as_bytes() == segment.id() && !s.qualifier.is_empty() => {
                Some(s.qualifier[0].0)
            }
            _ => None,
        });
        match qualified {
            Some(e) => {
                let value = segment.value(usize::from(e));
                if value.len() <= 3 && value.iter().all(u8::is_ascii_alphanumeric) {
                    format!(
                        "; {}{e:02} \"{}\" matches no use of it here",
                        segment.id_str(),
                        String::from_utf8_lossy(value)
                    )
                } else {
                    format!("; its {}{e:02} matches no use of it here", segment.id_str())
                }
            }
            None => String::new(),
        }
    }

    /// Counts child `i` of the innermost frame, entering it when it is a loop; returns the
    /// segment use node.
    fn enter(&mut self, i: usize, issues: &mut Vec<StructureIssue>) -> usize {
        let level = self.depth - 1;
        let frame = &mut self.frames[level];
        let node = frame.children[i];
        frame.pos = i;
        frame.counts[i] += 1;
        let count = frame.counts[i];
        let brief = self.briefs[node];
        if brief.limit > 0 && count > brief.limit {
            self.too_many(node, count, issues);
        }
        if !brief.is_loop {
            if brief.not_used {
                self.not_used(node, issues);
            }
            return node;
        }
        if brief.not_used {
            self.loop_not_used(node, issues);
        }
        self.open(node, 0);
        let leading = self.frames[level + 1].children[0];
        if self.briefs[leading].not_used {
            self.not_used(leading, issues);
        }
        leading
    }

    /// A segment use or loop `node` entered `count` times, more than it may be.
    #[cold]
    #[inline(never)]
    fn too_many(&self, node: usize, count: u32, issues: &mut Vec<StructureIssue>) {
        match &self.guide.nodes[node].kind {
            NodeKind::Segment(spec) => issues.push(StructureIssue {
                code: Code::SegmentRepeatExceeded,
                loop_id: self.guide.nodes[node].loop_id,
                segment_id: spec.id.clone(),
                message: format!(
                    "{} occurs {count} times, at most {} allowed",
                    self.describe(node),
                    spec.max
                ),
            }),
            NodeKind::Loop(lp) => issues.push(StructureIssue {
                code: Code::LoopRepeatExceeded,
                loop_id: self.guide.nodes[node].loop_id,
                segment_id: self.leading_id(node),
                message: format!(
                    "loop {} ({}) occurs {count} times, at most {} allowed",
                    lp.id, lp.name, lp.repeat
                ),
            }),
        }
    }

    /// A loop the guide does not use was entered.
    #[cold]
    #[inline(never)]
    fn loop_not_used(&self, node: usize, issues: &mut Vec<StructureIssue>) {
        if let NodeKind::Loop(lp) = &self.guide.nodes[node].kind {
            issues.push(StructureIssue {
                code: Code::SegmentNotUsed,
                loop_id: self.guide.nodes[node].loop_id,
                segment_id: self.leading_id(node),
                message: format!("loop {} ({}) is not used in this guide", lp.id, lp.name),
            });
        }
    }

    #[cold]
    #[inline(never)]
    fn not_used(&self, node: usize, issues: &mut Vec<StructureIssue>) {
        if let Some(spec) = self.segment_spec(node)
            && spec.usage == Usage::N
        {
            issues.push(StructureIssue {
                code: Code::SegmentNotUsed,
                loop_id: self.guide.nodes[node].loop_id,
                segment_id: spec.id.clone(),
                message: format!("{} is not used in this guide", self.describe(node)),
            });
        }
    }

    /// Closes the innermost loop, reporting required children that never came.
    fn close(&mut self, issues: &mut Vec<StructureIssue>) {
        let level = self.depth - 1;
        let frame = &self.frames[level];
        let node = &self.guide.nodes[frame.node];
        for &j in &node.required {
            if frame.counts[j] > 0 {
                continue;
            }
            let child = node.children[j];
            let what = match &self.guide.nodes[child].kind {
                NodeKind::Segment(_) => self.describe(child),
                NodeKind::Loop(lp) => format!("loop {} ({})", lp.id, lp.name),
            };
            issues.push(StructureIssue {
                code: Code::SegmentMissing,
                loop_id: self.guide.nodes[child].loop_id,
                segment_id: self.leading_id(child),
                message: format!("required {what} is missing from loop {}", node.loop_id),
            });
        }
        self.depth -= 1;
    }

    /// At the end of the transaction set: closes every loop, and checks the last HL. An issue
    /// about the last HL is `HierarchyInvalid`; the caller places it at that HL, not at the
    /// segment that ended the set.
    pub(crate) fn finish(&mut self, issues: &mut Vec<StructureIssue>) {
        while self.depth > 0 {
            self.close(issues);
        }
        if let Some((id, Some(true), loop_id)) = self.hl.previous.take() {
            issues.push(StructureIssue {
                code: Code::HierarchyInvalid,
                loop_id,
                segment_id: "HL".into(),
                message: format!("HL {id} says children follow (HL04 = 1) but none does"),
            });
        }
    }

    /// Checks an HL segment against the ones before it.
    pub(crate) fn hierarchy(
        &mut self,
        hl: &Segment<'_>,
        fields: &Fields,
        loop_id: &'static str,
        issues: &mut Vec<StructureIssue>,
    ) {
        let issue = |message: String| StructureIssue {
            code: Code::HierarchyInvalid,
            loop_id,
            segment_id: "HL".into(),
            message,
        };
        let expected = self.hl.levels.len() + 1;
        let id = parse_number(fields.value(hl, 1));
        let parent = fields.value(hl, 2);
        let level = fields.value(hl, 3);
        let children = match fields.value(hl, 4) {
            b"1" => Some(true),
            b"0" => Some(false),
            _ => None,
        };
        if id != Some(expected) {
            issues.push(issue(format!(
                "HL01 should be {expected} (HL ids start at 1 and increase by 1)"
            )));
        }
        let parent_id = if parent.is_empty() {
            None
        } else {
            parse_number(parent)
        };
        let parent_level = parent_id.and_then(|p| self.hl.levels.get(p.wrapping_sub(1)));
        match (parent_id, parent_level) {
            (Some(p), None) if !parent.is_empty() => issues.push(issue(format!(
                "HL02 points to HL {p}, which does not come before it"
            ))),
            _ => {}
        }
        if !parent.is_empty() && parent_id.is_none() {
            issues.push(issue("HL02 is not an HL id".to_string()));
        }
        let want_parent: Option<&[u8]> = match level {
            b"20" => None,
            b"22" => Some(b"20"),
            b"23" => Some(b"22"),
            _ => Some(b""),
        };
        match (want_parent, parent_level) {
            (None, _) if !parent.is_empty() => issues.push(issue(
                "a billing provider HL (HL03 = 20) has no parent (HL02 must be empty)".into(),
            )),
            (Some(want), Some(&got)) if !want.is_empty() && got != level_code(want) => {
                issues.push(issue(format!(
                    "an HL with HL03 = {} must have a parent with HL03 = {}",
                    String::from_utf8_lossy(level),
                    String::from_utf8_lossy(want)
                )))
            }
            (Some(want), None) if !want.is_empty() && parent.is_empty() => {
                issues.push(issue(format!(
                    "an HL with HL03 = {} needs a parent (HL02)",
                    String::from_utf8_lossy(level)
                )))
            }
            _ => {}
        }
        if let Some((previous, said_children, _)) = self.hl.previous {
            let is_child = parent_id == Some(previous);
            match said_children {
                Some(true) if !is_child => issues.push(issue(format!(
                    "HL {previous} says children follow (HL04 = 1) but the next HL is not its child"
                ))),
                Some(false) if is_child => issues.push(issue(format!(
                    "HL {previous} says no children follow (HL04 = 0) but the next HL is its child"
                ))),
                _ => {}
            }
        }
        self.hl.levels.push(level_code(level));
        self.hl.previous = Some((expected, children, loop_id));
    }

    /// The loop id of the innermost open loop.
    pub(crate) fn current_loop(&self) -> &'static str {
        match self.depth.checked_sub(1) {
            Some(level) => {
                let node = &self.guide.nodes[self.frames[level].node];
                if self.frames[level].node == Guide::ROOT {
                    "ST"
                } else {
                    node.loop_id
                }
            }
            None => "ST",
        }
    }

    fn is_segment(&self, node: usize) -> bool {
        self.briefs.get(node).is_some_and(|b| !b.is_loop)
    }

    fn segment_spec(&self, node: usize) -> Option<&'g SegmentSpec> {
        match &self.guide.nodes[node].kind {
            NodeKind::Segment(spec) => Some(spec),
            NodeKind::Loop(_) => None,
        }
    }

    fn leading_id(&self, node: usize) -> String {
        match &self.guide.nodes[node].kind {
            NodeKind::Segment(spec) => spec.id.clone(),
            NodeKind::Loop(_) => self.guide.nodes[node]
                .children
                .first()
                .map(|&c| self.leading_id(c))
                .unwrap_or_default(),
        }
    }

    /// `NM1 (Billing Provider Name)`.
    fn describe(&self, node: usize) -> String {
        match self.segment_spec(node) {
            Some(spec) => format!("{} ({})", spec.id, spec.name),
            None => String::new(),
        }
    }

    /// True when `segment` is the segment use `node` (or starts the loop `node`).
    #[inline]
    fn matches(&self, node: usize, heads: &Heads<'_, '_>) -> bool {
        match self.quick.get(node) {
            None | Some(Quick::Never) => false,
            Some(Quick::Key(key)) => *key == heads.key,
            Some(Quick::First(key, at)) => {
                // A value too long to pack is none of these short codes.
                *key == heads.key
                    && heads.first_short.is_some_and(|value| {
                        value.is_some_and(|v| {
                            self.first_codes
                                .get(usize::from(*at))
                                .is_some_and(|codes| codes.contains(&v))
                        })
                    })
            }
            Some(Quick::Spec) => self
                .leading
                .get(node)
                .copied()
                .flatten()
                .is_some_and(|spec| spec_matches(spec, heads)),
        }
    }
}

/// The segment use that starts `node`: itself, or a loop's first child's, down the loops;
/// `None` for an empty loop.
fn leading_spec(guide: &Guide, node: usize) -> Option<&SegmentSpec> {
    match &guide.nodes[node].kind {
        NodeKind::Segment(spec) => Some(spec),
        NodeKind::Loop(_) => guide.nodes[node]
            .children
            .first()
            .and_then(|&first| leading_spec(guide, first)),
    }
}

/// The segment being placed, with its id key and its elements found once.
pub(crate) struct Heads<'h, 'a> {
    key: u32,
    segment: &'h Segment<'a>,
    fields: &'h Fields,
    /// Element 1 packed for code-list look-ups (most qualifiers sit there), packed at most
    /// once however many uses of the id are tried.
    first: OnceCell<Option<CodeKey<'a>>>,
    /// Element 1 packed by [`pack_short`]: `None` when the segment has no element,
    /// `Some(None)` when it is longer than seven bytes.
    first_short: Option<Option<u64>>,
}

/// Id and qualifier values match.
#[inline]
pub(crate) fn spec_matches(spec: &SegmentSpec, heads: &Heads<'_, '_>) -> bool {
    spec.key == heads.key
        && spec.qualifier.iter().all(|(e, c, values)| {
            if (*e, *c) == (1, 0) {
                let first = heads
                    .first
                    .get_or_init(|| heads.fields.get(heads.segment, 1).map(CodeKey::new));
                return first.as_ref().is_some_and(|k| values.contains_key(k));
            }
            heads
                .fields
                .qualifier(heads.segment, usize::from(*e), usize::from(*c))
                .is_some_and(|v| values.contains(v))
        })
}

/// An HL03 level code as a number that equals another's exactly when the codes are equal
/// for the codes it is compared with (up to seven bytes; a longer one equals none of them).
fn level_code(level: &[u8]) -> u64 {
    pack_short(level).unwrap_or(u64::MAX)
}

fn parse_number(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() || bytes.len() > 12 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0usize, |n, d| n * 10 + usize::from(d - b'0')),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{guides, id_key};
    use crate::syntax::{Delimiters, Position};

    /// Asks `walker` and the spec whether a segment `id*first*A` (or `id` alone when `first`
    /// is `None`) starts each node whose leading use has this id; returns how many asked.
    fn agree(walker: &Walker<'_>, guide: &Guide, id: &str, first: Option<&[u8]>) -> usize {
        let mut raw = id.as_bytes().to_vec();
        if let Some(first) = first {
            raw.push(b'*');
            raw.extend_from_slice(first);
            raw.extend_from_slice(b"*A");
        }
        let segment = Segment::new(
            &raw,
            Delimiters::default(),
            Position::default(),
            id.len() as u8,
            0,
        );
        let fields = Fields::of(&segment);
        let heads = Heads {
            key: id_key(id.as_bytes()),
            segment: &segment,
            fields: &fields,
            first: OnceCell::new(),
            first_short: fields.get(&segment, 1).map(pack_short),
        };
        let mut asked = 0;
        for node in 0..guide.nodes.len() {
            let Some(spec) = walker.leading[node] else {
                assert!(!walker.matches(node, &heads));
                continue;
            };
            if spec.id != id {
                continue;
            }
            asked += 1;
            assert_eq!(
                walker.matches(node, &heads),
                spec_matches(spec, &heads),
                "{} node {node} ({}), element 1 {:?}",
                guide.id,
                guide.nodes[node].loop_id,
                first.map(String::from_utf8_lossy)
            );
        }
        asked
    }

    /// The dense per-node test ([`Quick`]) answers as the spec does, for every node of the
    /// three guides, against segments whose element 1 is each code any use of that segment
    /// id lists, the code with a byte more or less, an empty and a long value, and none.
    #[test]
    fn the_dense_node_test_agrees_with_the_spec() {
        let all = guides().expect("the embedded guides compile");
        let mut asked = 0;
        for guide in &all.all {
            let walker = Walker::new(guide);
            let mut codes: std::collections::BTreeMap<&str, Vec<Vec<u8>>> = Default::default();
            for spec in walker.leading.iter().flatten() {
                let list = codes.entry(spec.id.as_str()).or_default();
                list.extend([b"".to_vec(), b"LONGER THAN SEVEN".to_vec(), b"Q".to_vec()]);
                for (_, _, values) in &spec.qualifier {
                    for code in values.as_slice() {
                        list.push(code.clone());
                        list.push([code.as_slice(), b"X"].concat());
                        list.push(code[..code.len().saturating_sub(1)].to_vec());
                    }
                }
            }
            for (id, firsts) in &codes {
                asked += agree(&walker, guide, id, None);
                for first in firsts {
                    asked += agree(&walker, guide, id, Some(first));
                }
            }
        }
        assert!(asked > 10_000, "only {asked} comparisons");
    }
}
