//! Property tests.
//!
//! (a) Round trip: a random envelope tree (1-3 interchanges of 1-3 groups of 1-4 transaction
//! sets of random segments, composites and repetitions) is written with random valid distinct
//! delimiters and random line endings after terminators, with correct counts and control
//! numbers; reading it back (in place, and streamed in random chunks) must give the same tree
//! and no problem at all.
//!
//! (b) Robustness: any bytes, and valid interchanges with random byte mutations and
//! truncations, never make a reader panic, and the in-place reader, the streaming reader in
//! random chunks and `Document::parse` always agree.
//!
//! Case counts are kept small so `cargo test` stays fast; `PROPTEST_CASES=5000 cargo test
//! --test roundtrip` runs more.

mod common;

use proptest::prelude::*;
use proptest::sample::Index;
use x12pipe::envelope::{Event, ParseOptions, Reader, SliceReader};
use x12pipe::syntax::{Delimiters, Segment};

use common::{Chunked, check_document, json_from_reader, json_from_slice};

/// Bytes any interchange may pick as a delimiter (`\n` only as the segment terminator).
const DELIMITER_POOL: &[u8] = b"*|^!>~:\x1c\x1d\x1e\x1f";

/// Characters data may always hold: none of them can be a delimiter here.
const SAFE: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,-/()?=+&'#$%@;\"";

/// Segment ids the body must not use: they mean something to the envelope reader.
const ENVELOPE_IDS: &[&str] = &[
    "ISA", "IEA", "GS", "GE", "ST", "SE", "ISB", "ISE", "TA1", "BIN", "BDS",
];

/// Line endings written after each segment terminator.
const LINE_ENDINGS: &[&str] = &["", "\n", "\r\n", " "];

/// An element as written: its repetitions, each a list of components. One repetition of one
/// component is a simple element.
type ElementModel = Vec<Vec<String>>;

#[derive(Clone, Debug, PartialEq)]
struct SegmentModel {
    id: String,
    elements: Vec<ElementModel>,
}

#[derive(Clone, Debug, PartialEq)]
struct SetModel {
    kind: String,
    control_number: String,
    segments: Vec<SegmentModel>,
}

#[derive(Clone, Debug, PartialEq)]
struct GroupModel {
    control_number: String,
    sets: Vec<SetModel>,
}

#[derive(Clone, Debug, PartialEq)]
struct InterchangeModel {
    delimiters: Delimiters,
    control_number: String,
    line_ending: &'static str,
    groups: Vec<GroupModel>,
}

/// The tree as written, or as read back.
#[derive(Clone, Debug, PartialEq, Default)]
struct Tree {
    interchanges: Vec<InterchangeModel>,
}

// ---------------------------------------------------------------------------------------
// Strategies

/// Distinct delimiters: element, component, optional repetition, terminator (maybe `\n`).
fn delimiters() -> impl Strategy<Value = Delimiters> {
    (
        Just(DELIMITER_POOL.to_vec()).prop_shuffle(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(pool, with_repetition, newline_terminator)| Delimiters {
            element: pool[0],
            component: pool[1],
            repetition: with_repetition.then_some(pool[2]),
            segment: if newline_terminator { b'\n' } else { pool[3] },
        })
}

/// Data characters for an interchange: the safe ones plus the pool bytes it does not use as
/// delimiters (a `*` is data when the element separator is `|`).
fn data_alphabet(d: &Delimiters) -> Vec<char> {
    SAFE.iter()
        .chain(DELIMITER_POOL.iter().filter(|&&b| !d.is_delimiter(b)))
        .map(|&b| char::from(b))
        .collect()
}

fn text(alphabet: Vec<char>, max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(alphabet), 0..=max)
        .prop_map(|chars| chars.into_iter().collect())
}

fn element(alphabet: Vec<char>, repeats: bool) -> impl Strategy<Value = ElementModel> {
    let repetitions = if repeats { 1..=3usize } else { 1..=1 };
    prop::collection::vec(prop::collection::vec(text(alphabet, 6), 1..=3), repetitions)
}

fn segment_id() -> impl Strategy<Value = String> {
    "[A-Z][A-Z0-9]{1,2}".prop_filter("an envelope id", |id| !ENVELOPE_IDS.contains(&id.as_str()))
}

fn segment(alphabet: Vec<char>, repeats: bool) -> impl Strategy<Value = SegmentModel> {
    (
        segment_id(),
        prop::collection::vec(element(alphabet, repeats), 0..=6),
    )
        .prop_map(|(id, elements)| SegmentModel { id, elements })
}

/// A transaction set's body; ST and SE are added when the tree is numbered.
fn set_body(alphabet: Vec<char>, repeats: bool) -> impl Strategy<Value = Vec<SegmentModel>> {
    prop::collection::vec(segment(alphabet, repeats), 0..=5)
}

fn interchange() -> impl Strategy<Value = InterchangeModel> {
    (delimiters(), prop::sample::select(LINE_ENDINGS)).prop_flat_map(|(d, line_ending)| {
        let alphabet = data_alphabet(&d);
        let repeats = d.repetition.is_some();
        let groups = prop::collection::vec(
            prop::collection::vec(set_body(alphabet, repeats), 1..=4),
            1..=3,
        );
        (Just(d), Just(line_ending), 1u32..=999_999_999, groups).prop_map(
            |(delimiters, line_ending, control, groups)| InterchangeModel {
                delimiters,
                control_number: format!("{control:09}"),
                line_ending,
                groups: groups
                    .into_iter()
                    .enumerate()
                    .map(|(g, bodies)| numbered_group(g, bodies))
                    .collect(),
            },
        )
    })
}

/// Gives a group and its sets unique control numbers and adds ST and SE with the right counts.
fn numbered_group(index: usize, bodies: Vec<Vec<SegmentModel>>) -> GroupModel {
    let simple = |v: String| vec![vec![v]];
    GroupModel {
        control_number: (index + 1).to_string(),
        sets: bodies
            .into_iter()
            .enumerate()
            .map(|(s, body)| {
                let control_number = format!("{:04}", s + 1);
                let mut segments = vec![SegmentModel {
                    id: "ST".into(),
                    elements: vec![
                        simple("837".into()),
                        simple(control_number.clone()),
                        simple("005010X222A1".into()),
                    ],
                }];
                segments.extend(body);
                segments.push(SegmentModel {
                    id: "SE".into(),
                    elements: vec![
                        simple((segments.len() + 1).to_string()),
                        simple(control_number.clone()),
                    ],
                });
                SetModel {
                    kind: "837".into(),
                    control_number,
                    segments,
                }
            })
            .collect(),
    }
}

fn tree() -> impl Strategy<Value = Tree> {
    prop::collection::vec(interchange(), 1..=3).prop_map(|interchanges| Tree { interchanges })
}

// ---------------------------------------------------------------------------------------
// Writing

fn write_segment(out: &mut Vec<u8>, ic: &InterchangeModel, id: &str, elements: &[ElementModel]) {
    let d = ic.delimiters;
    out.extend_from_slice(id.as_bytes());
    for element in elements {
        out.push(d.element);
        for (r, repetition) in element.iter().enumerate() {
            if r > 0 {
                out.push(d.repetition.expect("repetitions only with a separator"));
            }
            for (c, component) in repetition.iter().enumerate() {
                if c > 0 {
                    out.push(d.component);
                }
                out.extend_from_slice(component.as_bytes());
            }
        }
    }
    out.push(d.segment);
    out.extend_from_slice(ic.line_ending.as_bytes());
}

fn write_interchange(out: &mut Vec<u8>, ic: &InterchangeModel) {
    let d = ic.delimiters;
    let e = char::from(d.element);
    let (isa11, version) = match d.repetition {
        Some(r) => (char::from(r), "00501"),
        None => ('U', "00401"),
    };
    let isa = format!(
        "ISA{e}00{e}          {e}00{e}          {e}ZZ{e}SENDER         {e}ZZ{e}RECEIVER       \
         {e}240101{e}1200{e}{isa11}{e}{version}{e}{}{e}0{e}T{e}{}{}{}",
        ic.control_number,
        char::from(d.component),
        char::from(d.segment),
        ic.line_ending
    );
    assert_eq!(isa.len(), 106 + ic.line_ending.len());
    out.extend_from_slice(isa.as_bytes());
    let simple = |v: &str| vec![vec![v.to_string()]];
    for group in &ic.groups {
        let gs: Vec<ElementModel> = [
            "HC",
            "SENDER",
            "RECEIVER",
            "20240101",
            "1200",
            &group.control_number,
            "X",
            "005010X222A1",
        ]
        .iter()
        .map(|v| simple(v))
        .collect();
        write_segment(out, ic, "GS", &gs);
        for set in &group.sets {
            for segment in &set.segments {
                write_segment(out, ic, &segment.id, &segment.elements);
            }
        }
        let ge = [
            simple(&group.sets.len().to_string()),
            simple(&group.control_number),
        ];
        write_segment(out, ic, "GE", &ge);
    }
    let iea = [
        simple(&ic.groups.len().to_string()),
        simple(&ic.control_number),
    ];
    write_segment(out, ic, "IEA", &iea);
}

fn write_tree(tree: &Tree) -> Vec<u8> {
    let mut out = Vec::new();
    for ic in &tree.interchanges {
        write_interchange(&mut out, ic);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Reading back

fn element_model(segment: &Segment<'_>) -> Vec<ElementModel> {
    segment
        .elements()
        .map(|element| {
            element
                .repetitions()
                .map(|repetition| {
                    repetition
                        .components()
                        .map(|c| String::from_utf8(c.to_vec()).expect("ASCII data"))
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Builds the tree from events, counting problems.
#[derive(Default)]
struct Observer {
    tree: Tree,
    problems: usize,
}

impl Observer {
    fn event(&mut self, event: &Event<'_>) {
        self.problems += event.problems().len();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match event {
            Event::InterchangeStart(isa) => self.tree.interchanges.push(InterchangeModel {
                delimiters: isa.delimiters(),
                control_number: text(isa.control_number()),
                line_ending: "",
                groups: Vec::new(),
            }),
            Event::GroupStart(gs) => {
                if let Some(ic) = self.tree.interchanges.last_mut() {
                    ic.groups.push(GroupModel {
                        control_number: text(gs.control_number()),
                        sets: Vec::new(),
                    });
                }
            }
            Event::Transaction(set) => {
                let group = self
                    .tree
                    .interchanges
                    .last_mut()
                    .and_then(|ic| ic.groups.last_mut())
                    .expect("a set inside a group");
                group.sets.push(SetModel {
                    kind: text(set.transaction_type()),
                    control_number: text(set.control_number()),
                    segments: set
                        .segments()
                        .map(|s| SegmentModel {
                            id: s.id_str().to_string(),
                            elements: element_model(&s),
                        })
                        .collect(),
                });
            }
            Event::InterchangeSegment(_) | Event::GroupEnd(_) | Event::InterchangeEnd(_) => {}
        }
    }
}

fn read_in_place(input: &[u8]) -> Result<Observer, String> {
    let mut reader = SliceReader::new(input);
    let mut observer = Observer::default();
    while let Some(event) = reader.next_event().map_err(|e| e.to_string())? {
        observer.event(&event);
    }
    Ok(observer)
}

fn read_streamed(input: &[u8], cuts: &[usize], capacity: usize) -> Result<Observer, String> {
    let mut reader =
        Reader::with_capacity(Chunked::at(input, cuts), ParseOptions::default(), capacity);
    let mut observer = Observer::default();
    while let Some(event) = reader.next_event().map_err(|e| e.to_string())? {
        observer.event(&event);
    }
    Ok(observer)
}

/// The tree as the reader reports it: line endings are not part of the tree.
fn without_line_endings(tree: &Tree) -> Tree {
    let mut tree = tree.clone();
    for ic in &mut tree.interchanges {
        ic.line_ending = "";
    }
    tree
}

fn cut_positions(len: usize, cuts: &[Index]) -> Vec<usize> {
    cuts.iter().map(|i| i.index(len + 1)).collect()
}

/// Runs every reader over `input` and checks they agree; returns nothing, panics are the
/// failure being looked for.
fn readers_agree(input: &[u8], cuts: &[usize], capacity: usize) -> Result<(), TestCaseError> {
    for options in [ParseOptions::strict(), ParseOptions::lenient()] {
        let in_place = json_from_slice(input, options, "input");
        let streamed = json_from_reader(Chunked::at(input, cuts), options, "input", capacity);
        prop_assert!(
            in_place == streamed,
            "cut at {cuts:?} with a {capacity}-byte buffer the readers differ:\n{}\n{}",
            String::from_utf8_lossy(&in_place),
            String::from_utf8_lossy(&streamed)
        );
        let value: serde_json::Value =
            serde_json::from_slice(&in_place).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check_document(input, options, &value).map_err(TestCaseError::fail)?;
    }
    Ok(())
}

/// Case count: `PROPTEST_CASES` when set, else `default`.
fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(cases)
}

/// One mutation of a valid input.
#[derive(Clone, Debug)]
enum Mutation {
    Replace(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Bytes that matter to the grammar are drawn more often than chance would.
    let byte = prop_oneof![
        any::<u8>(),
        prop::sample::select(b"*|^!>~:\r\n \x1c\x1dISAGETBN0123456789".to_vec()),
    ];
    prop_oneof![
        (any::<Index>(), byte.clone()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<Index>(), byte).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Delete),
        any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(mut input: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if input.is_empty() {
            break;
        }
        let len = input.len();
        match *m {
            Mutation::Replace(i, b) => input[i.index(len)] = b,
            Mutation::Insert(i, b) => input.insert(i.index(len + 1), b),
            Mutation::Delete(i) => {
                input.remove(i.index(len));
            }
            Mutation::Truncate(i) => input.truncate(i.index(len + 1)),
        }
    }
    input
}

proptest! {
    #![proptest_config(cases(48))]

    #[test]
    fn a_written_tree_reads_back_the_same_with_no_problems(
        tree in tree(),
        cuts in prop::collection::vec(any::<Index>(), 0..6),
        capacity in 16usize..300,
    ) {
        let input = write_tree(&tree);
        let expected = without_line_endings(&tree);

        let in_place = read_in_place(&input).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&in_place.tree, &expected);
        prop_assert_eq!(in_place.problems, 0);

        let cuts = cut_positions(input.len(), &cuts);
        let streamed = read_streamed(&input, &cuts, capacity).map_err(TestCaseError::fail)?;
        prop_assert_eq!(&streamed.tree, &expected);
        prop_assert_eq!(streamed.problems, 0);
        readers_agree(&input, &cuts, capacity)?;
    }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn any_bytes_never_panic_and_every_reader_agrees(
        input in prop::collection::vec(any::<u8>(), 0..400),
        cuts in prop::collection::vec(any::<Index>(), 0..6),
        capacity in 16usize..64,
    ) {
        let cuts = cut_positions(input.len(), &cuts);
        readers_agree(&input, &cuts, capacity)?;
    }

    #[test]
    fn bytes_after_a_valid_isa_never_panic_and_every_reader_agrees(
        body in prop::collection::vec(
            prop_oneof![any::<u8>(), prop::sample::select(b"*:^~\nSTEGIAB0123".to_vec())],
            0..300,
        ),
        cuts in prop::collection::vec(any::<Index>(), 0..6),
    ) {
        // Random bytes alone almost never get past the ISA; these start with a valid one.
        let mut input = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       \
            *240101*1200*^*00501*000000001*0*T*:~".to_vec();
        input.extend(body);
        let cuts = cut_positions(input.len(), &cuts);
        readers_agree(&input, &cuts, 16)?;
    }
}

proptest! {
    #![proptest_config(cases(96))]

    #[test]
    fn a_mutated_or_truncated_tree_never_panics_and_every_reader_agrees(
        tree in tree(),
        mutations in prop::collection::vec(mutation(), 1..5),
        cuts in prop::collection::vec(any::<Index>(), 0..6),
        capacity in 16usize..128,
    ) {
        let input = mutate(write_tree(&tree), &mutations);
        let cuts = cut_positions(input.len(), &cuts);
        readers_agree(&input, &cuts, capacity)?;
    }
}

#[test]
fn the_writer_writes_what_the_golden_minimal_case_holds() {
    // The round trip is only as good as the writer: one fixed tree written here must be
    // byte for byte the golden minimal-valid-5010 case minus its BHT.
    let ic = InterchangeModel {
        delimiters: Delimiters::default(),
        control_number: "000000001".into(),
        line_ending: "",
        groups: vec![numbered_group(0, vec![vec![]])],
    };
    let written = write_tree(&Tree {
        interchanges: vec![ic],
    });
    let golden = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("grammar-tests/minimal-valid-5010.x12"),
    )
    .expect("golden case");
    let golden = String::from_utf8(golden)
        .expect("ASCII")
        .replace("BHT*0019*00*0001*20240101*1200*CH~", "")
        .replace("SE*3*0001", "SE*2*0001");
    assert_eq!(String::from_utf8(written).expect("ASCII"), golden);
}
