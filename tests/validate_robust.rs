//! The validator and the acknowledgment writers never panic: valid samples with random byte
//! changes, deletions, insertions and truncations go through validation, the 999, the TA1
//! and the claim report, and every 999 written still parses.

use proptest::prelude::*;
use x12pipe::ack::{Ack999Writer, AckOptions, Ta1Writer};
use x12pipe::envelope::{Document, ParseOptions};
use x12pipe::finding::Finding;
use x12pipe::validate::{EachFinding, ValidateOptions, validate};

const SAMPLES: &[&[u8]] = &[
    include_bytes!("../samples/837p.x12"),
    include_bytes!("../samples/837i.x12"),
    include_bytes!("../samples/837d.x12"),
    include_bytes!("../samples/837p-pipe-crlf.x12"),
];

#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        Just(b'*'),
        Just(b'~'),
        Just(b':'),
        Just(b'^'),
        Just(b'\n'),
        Just(b'0'),
        Just(b'A'),
        Just(b'-'),
        Just(b'.'),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<usize>(), byte).prop_map(|(at, b)| Edit::Set(at, b)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| Edit::Insert(at, bytes)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut input: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits {
        if input.is_empty() {
            break;
        }
        let len = input.len();
        match edit {
            Edit::Set(at, b) => input[at % len] = *b,
            Edit::Delete(at, n) => {
                let start = at % len;
                let end = (start + n).min(len);
                input.drain(start..end);
            }
            Edit::Insert(at, bytes) => {
                let at = at % len;
                input.splice(at..at, bytes.iter().copied());
            }
            Edit::Truncate(at) => input.truncate(at % len),
        }
    }
    input
}

fn options() -> (ValidateOptions, AckOptions) {
    let mut options = ValidateOptions::new();
    let day = time::Date::from_calendar_date(2026, time::Month::November, 23).expect("date");
    options.today = day;
    let ack = AckOptions {
        date: day,
        time: (12, 0),
        control_number: Some(1),
        usage: None,
    };
    (options, ack)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(200)
    ))]

    #[test]
    fn mutated_samples_never_panic_anywhere(
        sample in 0..SAMPLES.len(),
        edits in proptest::collection::vec(edit(), 1..6),
        lenient in any::<bool>(),
    ) {
        let input = apply(SAMPLES[sample].to_vec(), &edits);
        let (mut options, ack) = options();
        options.parse = if lenient { ParseOptions::lenient() } else { ParseOptions::strict() };
        // Touch every finding, as a printer would.
        let mut touched = 0usize;
        let mut touch = EachFinding(|f: &Finding| {
            touched += f.message.len() + f.location.reference().map_or(0, |r| r.len());
            touched += f.x12().to_string().len();
        });
        validate(input.as_slice(), &options, &mut touch).expect("in memory");
        std::hint::black_box(touched);
        let mut ta1 = Vec::new();
        validate(input.as_slice(), &options, &mut Ta1Writer::new(&mut ta1, ack)).expect("in memory");
        let mut ack999 = Vec::new();
        validate(input.as_slice(), &options, &mut Ack999Writer::new(&mut ack999, ack))
            .expect("in memory");
        for written in [&ta1, &ack999] {
            if !written.is_empty() {
                let parsed = Document::parse(written, ParseOptions::strict());
                prop_assert!(parsed.is_ok(), "an acknowledgment we wrote does not parse: {:?}\n{}",
                    parsed.err(), String::from_utf8_lossy(written));
            }
        }
    }
}
