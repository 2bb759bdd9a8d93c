//! Checks of the embedded implementation-guide data: against itself (qualifiers agree with
//! code lists, every segment use can be told apart from its siblings) and against the
//! generated samples (every sample segment has a place in its guide's tree).

use std::collections::HashSet;

use super::{Guide, NodeKind, SegmentSpec, guide_for, guides};

fn all() -> &'static [&'static Guide] {
    match guides() {
        Ok(guides) => &guides.all,
        Err(e) => panic!("{e}"),
    }
}

fn guide(id: &str) -> &'static Guide {
    all()
        .iter()
        .find(|g| g.id == id)
        .unwrap_or_else(|| panic!("no embedded guide {id}"))
}

fn segment(guide: &Guide, node: usize) -> Option<&SegmentSpec> {
    match &guide.nodes[node].kind {
        NodeKind::Segment(spec) => Some(spec),
        NodeKind::Loop(_) => None,
    }
}

/// The segment that starts a node: the segment itself, or a loop's first child.
fn leader(guide: &Guide, node: usize) -> &SegmentSpec {
    match &guide.nodes[node].kind {
        NodeKind::Segment(spec) => spec,
        NodeKind::Loop(lp) => {
            let first = guide.nodes[node].children.first().copied();
            match first.and_then(|f| segment(guide, f)) {
                Some(spec) => spec,
                None => panic!("{}: loop {} does not start with a segment", guide.id, lp.id),
            }
        }
    }
}

fn loops(guide: &Guide) -> impl Iterator<Item = (usize, &str)> {
    guide
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, node)| match &node.kind {
            NodeKind::Loop(lp) => Some((i, lp.id.as_str())),
            NodeKind::Segment(_) => None,
        })
}

fn text(values: &[Vec<u8>]) -> String {
    values
        .iter()
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect::<Vec<_>>()
        .join("|")
}

#[test]
fn every_qualifier_value_is_an_allowed_code() {
    for guide in all() {
        for (i, node) in guide.nodes.iter().enumerate() {
            let Some(spec) = segment(guide, i) else {
                continue;
            };
            for (element, component, values) in &spec.qualifier {
                let place = format!(
                    "{} {} {} ({}) {element}.{component}",
                    guide.id, node.loop_id, spec.id, spec.name
                );
                assert!(!values.is_empty(), "{place}: empty qualifier");
                let el = &spec.elements[usize::from(*element) - 1];
                let simple = if *component == 0 {
                    el.simple.as_ref()
                } else {
                    el.components.get(usize::from(*component) - 1)
                };
                let Some(simple) = simple else {
                    panic!("{place}: qualifier on a composite, not a simple element")
                };
                assert_ne!(
                    simple.usage,
                    super::Usage::N,
                    "{place}: qualifier on a not-used element"
                );
                if let Some(codes) = &simple.codes {
                    for value in values.as_slice() {
                        assert!(
                            codes.contains(value),
                            "{place}: qualifier {:?} not in the element's codes {}",
                            String::from_utf8_lossy(value),
                            text(codes.as_slice())
                        );
                    }
                }
            }
        }
    }
}

/// Two segment uses with the same id can be told apart when they share a qualifier position
/// whose value lists do not overlap.
fn distinguishable(a: &SegmentSpec, b: &SegmentSpec) -> bool {
    a.qualifier.iter().any(|(e, c, va)| {
        b.qualifier
            .iter()
            .any(|(f, d, vb)| e == f && c == d && va.as_slice().iter().all(|v| !vb.contains(v)))
    })
}

#[test]
fn segment_uses_in_one_loop_can_be_told_apart() {
    for guide in all() {
        for (index, node) in guide.nodes.iter().enumerate() {
            if segment(guide, index).is_some() {
                continue;
            }
            let leaders: Vec<&SegmentSpec> =
                node.children.iter().map(|&c| leader(guide, c)).collect();
            for (i, a) in leaders.iter().enumerate() {
                for b in &leaders[i + 1..] {
                    if a.id == b.id {
                        assert!(
                            distinguishable(a, b),
                            "{} loop {}: {} \"{}\" and \"{}\" have no disjoint qualifier",
                            guide.id,
                            node.loop_id,
                            a.id,
                            a.name,
                            b.name
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn every_loop_starts_with_an_identifiable_segment() {
    for guide in all() {
        for (index, id) in loops(guide) {
            if index == Guide::ROOT {
                continue;
            }
            let first = guide.nodes[index].children.first().copied();
            let Some(spec) = first.and_then(|f| segment(guide, f)) else {
                panic!("{} loop {id}: first child is not a segment", guide.id)
            };
            assert_eq!(
                spec.usage,
                super::Usage::R,
                "{} loop {id}: a loop's leading segment is required within it",
                guide.id
            );
            let parent = guide.nodes[index].parent;
            let same_id = guide.nodes[parent]
                .children
                .iter()
                .filter(|&&s| s != index && leader(guide, s).id == spec.id)
                .count();
            assert!(
                !spec.qualifier.is_empty() || same_id == 0,
                "{} loop {id}: leading {} has no qualifier but a sibling starts with it too",
                guide.id,
                spec.id
            );
        }
    }
}

#[test]
fn guides_are_found_by_transaction_and_version() {
    for (transaction, version, id) in [
        ("837", "005010X222A1", "837P"),
        ("837", "005010X223A2", "837I"),
        ("837", "005010X224A2", "837D"),
        ("999", "005010X231A1", "999"),
        // Errata and the bare base version find the guide of the same base.
        ("837", "005010X223A1", "837I"),
        ("837", "005010X222", "837P"),
        ("999", "005010X231", "999"),
    ] {
        let found = guide_for(transaction.as_bytes(), version.as_bytes()).map(|g| g.id.as_str());
        assert_eq!(found, Some(id), "{transaction} {version}");
    }
    assert!(guide_for(b"837", b"005010X279A1").is_none());
    assert!(guide_for(b"270", b"005010X222A1").is_none());
    assert!(guide_for(b"837", b"00501").is_none());
}

fn loop_ids(guide: &Guide) -> HashSet<&str> {
    loops(guide).map(|(_, id)| id).collect()
}

fn has_segment_in(guide: &Guide, id: &str, loop_id: &str) -> bool {
    guide
        .nodes
        .iter()
        .enumerate()
        .any(|(i, node)| node.loop_id == loop_id && segment(guide, i).is_some_and(|s| s.id == id))
}

#[test]
fn the_837_trees_have_their_loops_and_segments() {
    let common = [
        "1000A", "1000B", "2000A", "2010AA", "2010AB", "2010AC", "2000B", "2010BA", "2010BB",
        "2300", "2320", "2330A", "2330B", "2400", "2420A", "2430", "2000C", "2010CA",
    ];
    for id in ["837P", "837I", "837D"] {
        let g = guide(id);
        let ids = loop_ids(g);
        for lp in common {
            assert!(ids.contains(lp), "{id} has loop {lp}");
        }
        for (seg, lp) in [
            ("BHT", "ST"),
            ("PRV", "2000A"),
            ("SBR", "2000B"),
            ("PAT", "2000C"),
            ("CLM", "2300"),
            ("HI", "2300"),
            ("LX", "2400"),
            ("DTP", "2400"),
            ("SVD", "2430"),
        ] {
            assert!(has_segment_in(g, seg, lp), "{id}: {seg} in {lp}");
        }
        // The claim loop sits under the subscriber and under the patient.
        let claims: Vec<&str> = loops(g)
            .filter(|&(_, lp)| lp == "2300")
            .map(|(i, _)| g.nodes[g.nodes[i].parent].loop_id)
            .collect();
        assert_eq!(claims, ["2000B", "2000C"], "{id}: parents of 2300");
    }
    let p = loop_ids(guide("837P"));
    for lp in [
        "2310A", "2310B", "2310C", "2310D", "2310E", "2310F", "2330G", "2420H", "2440",
    ] {
        assert!(p.contains(lp), "837P has loop {lp}");
    }
    assert!(has_segment_in(guide("837P"), "SV1", "2400"));
    assert!(p.contains("2410") && loop_ids(guide("837I")).contains("2410"));
    let i = guide("837I");
    assert!(has_segment_in(i, "CL1", "2300"));
    assert!(has_segment_in(i, "SV2", "2400"));
    assert!(loop_ids(i).contains("2330I"));
    assert!(!loop_ids(i).contains("2440"));
    let d = guide("837D");
    assert!(has_segment_in(d, "SV3", "2400"));
    assert!(has_segment_in(d, "TOO", "2400"));
    assert!(has_segment_in(d, "DN1", "2300"));
    assert!(has_segment_in(d, "DN2", "2300"));
    assert!(loop_ids(d).contains("2330H"));
    assert!(!loop_ids(d).contains("2410"), "837D has no drug loop");
    let ack = loop_ids(guide("999"));
    for lp in ["2000", "2100", "2110"] {
        assert!(ack.contains(lp), "999 has loop {lp}");
    }
}

/// A sample file split the way x12pipe reads it: delimiters from the ISA.
struct Sample {
    name: &'static str,
    component: u8,
    /// Each segment as its elements (element 0 is the segment id).
    segments: Vec<Vec<&'static [u8]>>,
}

fn sample(name: &'static str, bytes: &'static [u8]) -> Sample {
    assert!(
        bytes.starts_with(b"ISA") && bytes.len() > 106,
        "{name}: not an ISA"
    );
    let (element, component, terminator) = (bytes[3], bytes[104], bytes[105]);
    let segments = bytes
        .split(|&b| b == terminator)
        .map(|s| {
            let start = s.iter().position(|&b| b != b'\r' && b != b'\n');
            &s[start.unwrap_or(s.len())..]
        })
        .filter(|s| !s.is_empty())
        .map(|s| s.split(|&b| b == element).collect())
        .collect();
    Sample {
        name,
        component,
        segments,
    }
}

fn samples() -> Vec<Sample> {
    vec![
        sample("837p.x12", include_bytes!("../../samples/837p.x12")),
        sample("837i.x12", include_bytes!("../../samples/837i.x12")),
        sample("837d.x12", include_bytes!("../../samples/837d.x12")),
        sample(
            "837p-multi.x12",
            include_bytes!("../../samples/837p-multi.x12"),
        ),
        sample(
            "837p-pipe-crlf.x12",
            include_bytes!("../../samples/837p-pipe-crlf.x12"),
        ),
        sample(
            "837i-one-line.x12",
            include_bytes!("../../samples/837i-one-line.x12"),
        ),
    ]
}

/// The transaction sets of a sample: (guide, segments from ST to SE).
fn transaction_sets(sample: &Sample) -> Vec<(&'static Guide, &[Vec<&'static [u8]>])> {
    let mut sets = Vec::new();
    let mut start = None;
    for (i, seg) in sample.segments.iter().enumerate() {
        match seg[0] {
            b"ST" => start = Some(i),
            b"SE" => {
                let Some(s) = start.take() else {
                    panic!("{}: SE without ST", sample.name)
                };
                let st = &sample.segments[s];
                let version = st.get(3).copied().unwrap_or_default();
                let Some(guide) = guide_for(st[1], version) else {
                    panic!("{}: no guide for ST03", sample.name)
                };
                sets.push((guide, &sample.segments[s..=i]));
            }
            _ => {}
        }
    }
    assert!(!sets.is_empty(), "{}: no transaction set", sample.name);
    sets
}

fn value<'a>(fields: &[&'a [u8]], element: u8, component: u8, separator: u8) -> &'a [u8] {
    let field = fields
        .get(usize::from(element))
        .copied()
        .unwrap_or_default();
    if component == 0 {
        return field;
    }
    field
        .split(|&b| b == separator)
        .nth(usize::from(component) - 1)
        .unwrap_or_default()
}

fn matches(spec: &SegmentSpec, fields: &[&[u8]], separator: u8) -> bool {
    spec.id.as_bytes() == fields[0]
        && spec.qualifier.iter().all(|(e, c, values)| {
            let v = value(fields, *e, *c, separator);
            values.as_slice().iter().any(|allowed| allowed == v)
        })
}

fn show(fields: &[&[u8]]) -> String {
    fields
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect::<Vec<_>>()
        .join("*")
}

#[test]
fn every_sample_segment_id_is_known_to_its_guide() {
    for s in samples() {
        for (guide, set) in transaction_sets(&s) {
            for fields in set {
                let id = String::from_utf8_lossy(fields[0]);
                assert!(
                    guide.segment_ids.contains(id.as_ref()),
                    "{}: {id} is not in {}",
                    s.name,
                    guide.id
                );
            }
        }
    }
}

#[test]
fn every_sample_segment_matches_a_segment_use() {
    for s in samples() {
        for (guide, set) in transaction_sets(&s) {
            for fields in set {
                let found = (0..guide.nodes.len())
                    .filter_map(|i| segment(guide, i))
                    .any(|spec| matches(spec, fields, s.component));
                assert!(
                    found,
                    "{}: {} matches no segment use of {}",
                    s.name,
                    show(fields),
                    guide.id
                );
            }
        }
    }
}

/// Places each segment of one transaction set in the tree the way the validator reads it:
/// forward in the current loop (a loop's leading segment starts a new repetition instead of
/// repeating inside it), then up to the parent; a loop is entered when its first child
/// matches. Returns the loop id each segment landed in.
fn walk(guide: &Guide, set: &[Vec<&[u8]>], separator: u8) -> Result<Vec<&'static str>, String> {
    let root = &guide.nodes[Guide::ROOT];
    let st = root.children.first().and_then(|&c| segment(guide, c));
    if !st.is_some_and(|spec| matches(spec, &set[0], separator)) {
        return Err(format!("{} does not start the tree", show(&set[0])));
    }
    let mut stack = vec![(Guide::ROOT, 0usize)];
    let mut placed = vec![root.loop_id];
    for fields in &set[1..] {
        let mut found = None;
        while let Some(&(lp, pos)) = stack.last() {
            let children = &guide.nodes[lp].children;
            for (i, &child) in children.iter().enumerate().skip(pos.max(1)) {
                let spec = leader(guide, child);
                if matches(spec, fields, separator) {
                    found = Some((i, child));
                    break;
                }
            }
            if found.is_some() {
                break;
            }
            stack.pop();
        }
        let (Some((i, child)), Some(top)) = (found, stack.last_mut()) else {
            return Err(format!("{} has no place after {placed:?}", show(fields)));
        };
        top.1 = i;
        if segment(guide, child).is_none() {
            stack.push((child, 0));
        }
        let here = stack.last().map_or(Guide::ROOT, |&(lp, _)| lp);
        placed.push(guide.nodes[here].loop_id);
    }
    Ok(placed)
}

#[test]
fn every_sample_walks_through_its_guide_tree() {
    for s in samples() {
        for (guide, set) in transaction_sets(&s) {
            let placed = match walk(guide, set, s.component) {
                Ok(placed) => placed,
                Err(e) => panic!("{} ({}): {e}", s.name, guide.id),
            };
            assert_eq!(placed.len(), set.len());
            assert_eq!(placed.last(), Some(&"ST"), "{}: SE at the top", s.name);
            for (fields, lp) in set.iter().zip(&placed) {
                let expected = match fields[0] {
                    b"CLM" => Some("2300"),
                    b"LX" | b"SV1" | b"SV2" | b"SV3" | b"TOO" => Some("2400"),
                    b"SBR" => Some("2000B"),
                    b"PAT" => Some("2000C"),
                    _ => None,
                };
                if let Some(expected) = expected {
                    assert_eq!(*lp, expected, "{}: {}", s.name, show(fields));
                }
            }
        }
    }
}

#[test]
fn the_walk_rejects_a_segment_out_of_place() {
    let g = guide("837P");
    let st: Vec<&[u8]> = vec![b"ST", b"837", b"0001", b"005010X222A1"];
    let clm: Vec<&[u8]> = vec![b"CLM", b"A1", b"10"];
    assert!(walk(g, &[st.clone(), clm], b':').is_err());
    let nm1: Vec<&[u8]> = vec![b"NM1", b"41", b"2", b"SUBMITTER"];
    let placed = walk(g, &[st, nm1], b':');
    assert_eq!(placed, Ok(vec!["ST", "1000A"]));
}
