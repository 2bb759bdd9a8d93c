//! The generator's promises, checked on its output read back with the crate's own parser:
//! determinism, zero envelope problems with any valid delimiters, claim splitting, balanced
//! charges, valid NPIs, a consistent HL tree, and data that never holds a delimiter.

use std::collections::HashSet;
use std::io::{self, Write};

use super::calendar::Day;
use super::is_data_byte;
use super::*;
use crate::envelope::{Document, Event, ParseOptions, SliceReader};
use crate::npi;

fn generate(options: &GenOptions) -> Vec<u8> {
    let mut out = Vec::new();
    let summary = write_interchange(&mut out, options).expect("generate");
    assert_eq!(summary.bytes, out.len() as u64);
    out
}

/// A segment with its elements split into components, owned for easy assertions.
#[derive(Debug)]
struct Seg {
    id: String,
    elements: Vec<Vec<Vec<u8>>>,
}

impl Seg {
    /// Element `n` (1-based) as written, components joined with ':' for readability.
    fn el(&self, n: usize) -> String {
        self.elements
            .get(n - 1)
            .map(|c| {
                c.iter()
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect::<Vec<_>>()
                    .join(":")
            })
            .unwrap_or_default()
    }

    /// Component `k` of element `n`, both 1-based.
    fn comp(&self, n: usize, k: usize) -> String {
        self.elements
            .get(n - 1)
            .and_then(|c| c.get(k - 1))
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default()
    }
}

/// The transaction sets of `input`, each as its segments; asserts zero envelope problems.
fn transaction_sets(input: &[u8]) -> Vec<Vec<Seg>> {
    let doc = Document::parse(input, ParseOptions::strict()).expect("parse");
    let problems: Vec<String> = doc.problems().map(|p| p.to_string()).collect();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(doc.interchanges.len(), 1);
    assert_eq!(doc.interchanges[0].groups.len(), 1);
    let group = &doc.interchanges[0].groups[0];
    group
        .transactions()
        .map(|set| {
            set.segments()
                .map(|s| Seg {
                    id: s.id_str().to_string(),
                    elements: s
                        .elements()
                        .map(|e| e.components().map(<[u8]>::to_vec).collect())
                        .collect(),
                })
                .collect()
        })
        .collect()
}

fn cents(amount: &str) -> u64 {
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    assert!(fraction.len() <= 2, "{amount}");
    let fraction = format!("{fraction:0<2}");
    whole.parse::<u64>().expect("whole") * 100 + fraction.parse::<u64>().expect("cents")
}

fn all_options() -> Vec<GenOptions> {
    ClaimKind::ALL
        .into_iter()
        .flat_map(|kind| (1..=3).map(move |seed| GenOptions::new(kind, 60, seed)))
        .collect()
}

#[test]
fn same_options_give_the_same_bytes_and_seeds_differ() {
    for kind in ClaimKind::ALL {
        let a = generate(&GenOptions::new(kind, 50, 7));
        let b = generate(&GenOptions::new(kind, 50, 7));
        let c = generate(&GenOptions::new(kind, 50, 8));
        assert_eq!(a, b, "{kind}");
        assert_ne!(a, c, "{kind}");
    }
}

#[test]
fn output_is_pinned() {
    // FNV-1a of a small file of each kind: any change to the generator's output must be
    // deliberate. When it is, update these values and regenerate samples/ with the
    // commands in samples/README.md.
    let fnv = |bytes: &[u8]| {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    let hashes: Vec<u64> = ClaimKind::ALL
        .into_iter()
        .map(|kind| fnv(&generate(&GenOptions::new(kind, 25, 2024))))
        .collect();
    assert_eq!(hashes, PINNED, "{hashes:#018x?}");
}

/// FNV-1a hashes of 25 claims from seed 2024: 837P, 837I, 837D.
const PINNED: [u64; 3] = [
    0xe566_bff9_658f_c903,
    0xb245_0d49_0c62_862c,
    0x3515_5826_36b8_5a3f,
];

#[test]
fn parses_with_zero_problems_for_every_kind_and_delimiter_choice() {
    let delimiter_sets = [
        Delimiters::default(),
        Delimiters {
            element: b'|',
            component: b'>',
            repetition: Some(b'^'),
            segment: b'~',
        },
        Delimiters {
            element: b'^',
            component: b'!',
            repetition: Some(b'|'),
            segment: b'>',
        },
        Delimiters {
            element: b'!',
            component: b'^',
            repetition: Some(b'>'),
            segment: b'|',
        },
        Delimiters {
            element: 0x1D,
            component: 0x1F,
            repetition: Some(0x1E),
            segment: 0x1C,
        },
        Delimiters {
            element: b'*',
            component: b':',
            repetition: Some(b'^'),
            segment: b'\n',
        },
    ];
    for kind in ClaimKind::ALL {
        for delimiters in delimiter_sets {
            for (line_breaks, crlf) in [(true, false), (true, true), (false, false)] {
                let mut options = GenOptions::new(kind, 40, 11);
                options.claims_per_transaction = 15;
                options.delimiters = delimiters;
                options.line_breaks = line_breaks;
                options.crlf = crlf;
                let out = generate(&options);
                let sets = transaction_sets(&out);
                assert_eq!(sets.len(), 3, "{kind} {delimiters:?}");
                // The streaming reader agrees.
                let mut reader = SliceReader::new(&out);
                let mut transactions = 0;
                while let Some(event) = reader.next_event().expect("read") {
                    assert!(event.problems().is_empty());
                    if let Event::Transaction(set) = event {
                        assert_eq!(set.delimiters(), delimiters);
                        transactions += 1;
                    }
                }
                assert_eq!(transactions, 3);
                let has_break = out
                    .windows(2)
                    .any(|w| w[0] == delimiters.segment && matches!(w[1], b'\r' | b'\n'));
                assert_eq!(
                    has_break,
                    line_breaks && delimiters.segment != b'\n',
                    "{delimiters:?} {line_breaks}"
                );
                assert_eq!(
                    out.contains(&b'\r'),
                    line_breaks && crlf && delimiters.segment != b'\n'
                );
            }
        }
    }
}

#[test]
fn the_isa_is_fixed_width_and_envelope_counts_are_exact() {
    for options in all_options() {
        let out = generate(&options);
        assert_eq!(&out[..4], b"ISA*");
        assert_eq!(out[105], b'~', "ISA is 106 bytes");
        let separators: Vec<usize> = out[..106]
            .iter()
            .enumerate()
            .filter(|&(_, &b)| b == b'*')
            .map(|(i, _)| i)
            .collect();
        assert_eq!(
            separators,
            [
                3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103
            ]
        );
        assert_eq!(out[102], b'T', "ISA15 usage indicator");
        assert_eq!(out[82], b'^');
        assert_eq!(out[104], b':');
        assert_eq!(&out[84..89], b"00501");

        let doc = Document::parse(&out, ParseOptions::strict()).expect("parse");
        assert_eq!(doc.problems().count(), 0);
        let interchange = &doc.interchanges[0];
        let group = &interchange.groups[0];
        assert_eq!(group.gs.functional_id(), b"HC");
        assert_eq!(group.gs.version(), options.kind.version().as_bytes());
        assert_eq!(group.gs.date()[2..], interchange.isa.date()[..]);
        let isa13 = std::str::from_utf8(interchange.isa.control_number()).expect("ascii");
        assert_eq!(isa13.len(), 9);
        assert_eq!(
            std::str::from_utf8(group.gs.control_number()).expect("ascii"),
            isa13.trim_start_matches('0')
        );
        for (i, set) in group.transactions().enumerate() {
            assert_eq!(set.control_number(), format!("{:04}", i + 1).as_bytes());
            assert_eq!(set.version(), options.kind.version().as_bytes());
        }
        let summary = write_interchange(io::sink(), &options).expect("sink");
        assert_eq!(summary.segments, doc.segment_count);
        assert_eq!(summary.claims, options.claims);
    }
}

#[test]
fn claims_are_split_into_transaction_sets() {
    let mut options = GenOptions::new(ClaimKind::Institutional, 2500, 3);
    options.claims_per_transaction = 1000;
    let sets = transaction_sets(&generate(&options));
    let clm_counts: Vec<usize> = sets
        .iter()
        .map(|set| set.iter().filter(|s| s.id == "CLM").count())
        .collect();
    assert_eq!(clm_counts, [1000, 1000, 500]);
    assert_eq!(options.transaction_sets(), 3);

    // Every set stands alone: its own header, submitter, receiver and HL tree from 1.
    for set in &sets {
        let ids: Vec<&str> = set.iter().take(5).map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["ST", "BHT", "NM1", "PER", "NM1"]);
        assert_eq!(set[5].id, "HL");
        assert_eq!(set[5].el(1), "1");
    }

    let mut options = GenOptions::new(ClaimKind::Dental, 7, 3);
    options.claims_per_transaction = 1;
    assert_eq!(transaction_sets(&generate(&options)).len(), 7);
}

#[test]
fn claim_totals_equal_the_sum_of_line_charges() {
    for options in all_options() {
        let (line_id, charge_at) = match options.kind {
            ClaimKind::Professional => ("SV1", 2),
            ClaimKind::Institutional => ("SV2", 3),
            ClaimKind::Dental => ("SV3", 2),
        };
        let mut claims = 0;
        for set in transaction_sets(&generate(&options)) {
            let mut open: Option<(u64, u64, u64)> = None; // (CLM02, sum, lines)
            let mut close = |open: &mut Option<(u64, u64, u64)>| {
                if let Some((total, sum, lines)) = open.take() {
                    assert_eq!(total, sum, "{}", options.kind);
                    assert!(lines >= 1);
                    assert!(total > 0);
                    claims += 1;
                }
            };
            for seg in &set {
                match seg.id.as_str() {
                    "CLM" => {
                        close(&mut open);
                        open = Some((cents(&seg.el(2)), 0, 0));
                    }
                    "HL" | "SE" => close(&mut open),
                    id if id == line_id => {
                        if let Some((_, sum, lines)) = open.as_mut() {
                            *sum += cents(&seg.el(charge_at));
                            *lines += 1;
                        }
                    }
                    _ => {}
                }
            }
        }
        assert_eq!(claims, options.claims);
    }
}

#[test]
fn every_npi_is_valid() {
    for options in all_options() {
        let mut npis = 0;
        for set in transaction_sets(&generate(&options)) {
            for seg in set.iter().filter(|s| s.id == "NM1" && s.el(8) == "XX") {
                assert!(npi::is_valid(seg.el(9).as_bytes()), "{}", seg.el(9));
                npis += 1;
            }
            // Every billing provider has one.
            let billing = set.iter().filter(|s| s.id == "NM1" && s.el(1) == "85");
            assert!(billing.clone().count() >= 1);
            assert!(billing.into_iter().all(|s| s.el(8) == "XX"));
        }
        assert!(npis > 0);
    }
}

#[test]
fn the_hl_tree_is_consistent() {
    for options in all_options() {
        let mut dependents = 0;
        for set in transaction_sets(&generate(&options)) {
            let hls: Vec<(usize, &Seg)> = set
                .iter()
                .enumerate()
                .filter(|(_, s)| s.id == "HL")
                .collect();
            let mut levels = Vec::new(); // HL03 by HL01 - 1
            for (n, &(at, hl)) in hls.iter().enumerate() {
                assert_eq!(hl.el(1), (n + 1).to_string(), "HL01 sequential from 1");
                let level = hl.el(3);
                let parent = hl.el(2);
                match level.as_str() {
                    "20" => assert_eq!(parent, ""),
                    "22" | "23" => {
                        let parent: usize = parent.parse().expect("HL02");
                        assert!(parent >= 1 && parent <= n, "HL02 points to an earlier HL");
                        let want = if level == "22" { "20" } else { "22" };
                        assert_eq!(levels[parent - 1], want);
                    }
                    other => panic!("HL03 {other}"),
                }
                // HL04 = 1 exactly when the next HL is a child of this one.
                let has_child = hls
                    .get(n + 1)
                    .is_some_and(|(_, next)| next.el(2) == hl.el(1));
                assert_eq!(hl.el(4), if has_child { "1" } else { "0" });
                levels.push(level.clone());

                // The segment after a 2000B HL is SBR; SBR02 = 18 exactly when no 2000C
                // follows, and claims sit under the lowest level.
                if level == "22" {
                    let sbr = &set[at + 1];
                    assert_eq!(sbr.id, "SBR");
                    assert_eq!(sbr.el(2), if has_child { "" } else { "18" });
                    assert!(!sbr.el(9).is_empty(), "SBR09 claim filing indicator");
                    let until = hls.get(n + 1).map_or(set.len(), |&(next, _)| next);
                    let claims = set[at..until].iter().filter(|s| s.id == "CLM").count();
                    assert_eq!(claims == 0, has_child);
                }
                if level == "23" {
                    dependents += 1;
                    assert_eq!(set[at + 1].id, "PAT");
                    assert_ne!(set[at + 1].el(1), "18");
                    assert_eq!(set[at + 2].el(1), "QC");
                }
            }
        }
        if options.kind != ClaimKind::Institutional || options.seed == 1 {
            // 60 claims give several dependents with these seeds.
            assert!(dependents > 0, "{} seed {}", options.kind, options.seed);
        }
    }
}

#[test]
fn service_lines_are_numbered_and_dated() {
    for options in all_options() {
        let out = generate(&options);
        let doc = Document::parse(&out, ParseOptions::strict()).expect("parse");
        let gs04 = String::from_utf8_lossy(doc.interchanges[0].groups[0].gs.date()).into_owned();
        for set in transaction_sets(&out) {
            let mut expected_lx = 1;
            for (i, seg) in set.iter().enumerate() {
                match seg.id.as_str() {
                    "CLM" => expected_lx = 1,
                    "LX" => {
                        assert_eq!(seg.el(1), expected_lx.to_string());
                        expected_lx += 1;
                        // SV1/SV2/SV3, then TOO (837D) or DTP*472.
                        let service = &set[i + 1];
                        assert!(service.id.starts_with("SV"), "{}", service.id);
                        let dtp = set[i + 2..].iter().find(|s| s.id == "DTP").expect("DTP");
                        assert_eq!(dtp.el(1), "472");
                    }
                    "DTP" | "DMG" => {
                        let (format, value) = if seg.id == "DMG" {
                            ("D8".to_string(), seg.el(2))
                        } else {
                            (seg.el(2), seg.el(3))
                        };
                        let days: Vec<&str> = match format.as_str() {
                            "D8" => vec![value.as_str()],
                            "RD8" => value.split('-').collect(),
                            "DT" => vec![&value[..8]],
                            "TM" => continue,
                            other => panic!("date format {other}"),
                        };
                        for day in &days {
                            assert_eq!(day.len(), 8);
                            let (y, m, d) = (&day[..4], &day[4..6], &day[6..]);
                            let parsed = Day::from_ymd(
                                y.parse().expect("year"),
                                m.parse().expect("month"),
                                d.parse().expect("day"),
                            );
                            assert_eq!(&parsed.ccyymmdd()[..], day.as_bytes(), "real date");
                            assert!(*day < gs04.as_str(), "{day} before {gs04}");
                        }
                        assert!(days.windows(2).all(|w| w[0] <= w[1]));
                    }
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn patient_control_numbers_are_unique_and_short() {
    let options = GenOptions::new(ClaimKind::Professional, 3000, 5);
    let mut seen = HashSet::new();
    for set in transaction_sets(&generate(&options)) {
        for clm in set.iter().filter(|s| s.id == "CLM") {
            let pcn = clm.el(1);
            assert!(pcn.len() <= 20);
            assert!(seen.insert(pcn));
        }
    }
    assert_eq!(seen.len(), 3000);
}

#[test]
fn composites_follow_the_tr3_forms() {
    for options in all_options() {
        for set in transaction_sets(&generate(&options)) {
            for seg in &set {
                match (options.kind, seg.id.as_str()) {
                    (kind, "CLM") => {
                        let qualifier = if kind == ClaimKind::Institutional {
                            "A"
                        } else {
                            "B"
                        };
                        assert_eq!(seg.comp(5, 2), qualifier);
                        assert_eq!(seg.comp(5, 1).len(), 2);
                        assert_eq!(seg.comp(5, 3), "1");
                    }
                    (_, "HI") => {
                        for element in &seg.elements {
                            let qualifier = String::from_utf8_lossy(&element[0]);
                            assert!(["ABK", "ABF", "ABJ"].contains(&qualifier.as_ref()));
                            let code = &element[1];
                            assert!(!code.contains(&b'.'), "ICD-10 without the point");
                        }
                    }
                    (ClaimKind::Professional, "SV1") => {
                        assert_eq!(seg.comp(1, 1), "HC");
                        assert_eq!(seg.el(3), "UN");
                        assert!(!seg.el(7).is_empty(), "SV107 pointers");
                    }
                    (ClaimKind::Institutional, "SV2") => {
                        assert_eq!(seg.el(1).len(), 4);
                        assert!(["UN", "DA"].contains(&seg.el(4).as_str()));
                    }
                    (ClaimKind::Dental, "SV3") => {
                        assert_eq!(seg.comp(1, 1), "AD");
                        assert!(seg.comp(1, 2).starts_with('D'));
                    }
                    (ClaimKind::Dental, "TOO") => {
                        assert_eq!(seg.el(1), "JP");
                        let tooth: u8 = seg.el(2).parse().expect("tooth");
                        assert!((1..=32).contains(&tooth));
                    }
                    (_, "N4") => assert!([5, 9].contains(&seg.el(3).len())),
                    _ => {}
                }
            }
            // Billing provider ZIP codes have 9 digits (N4 right after N3 after NM1*85).
            for (i, seg) in set.iter().enumerate() {
                if seg.id == "NM1" && seg.el(1) == "85" {
                    let n4 = set[i + 1..].iter().find(|s| s.id == "N4").expect("N4");
                    assert_eq!(n4.el(3).len(), 9);
                }
            }
        }
    }
}

#[test]
fn data_never_leaves_the_data_alphabet() {
    let mut options = GenOptions::new(ClaimKind::Dental, 80, 21);
    options.line_breaks = false;
    for kind in ClaimKind::ALL {
        options.kind = kind;
        let out = generate(&options);
        // Skip the ISA (it holds the delimiters themselves as ISA11 and ISA16).
        for byte in &out[106..] {
            let d = options.delimiters;
            assert!(is_data_byte(*byte) || d.is_delimiter(*byte), "{byte:#x}");
        }
    }
}

#[test]
fn unusable_options_are_refused_before_writing() {
    let refused = |change: &dyn Fn(&mut GenOptions), expect: &str| {
        let mut options = GenOptions::new(ClaimKind::Professional, 5, 1);
        change(&mut options);
        let mut out = Vec::new();
        let error = write_interchange(&mut out, &options).expect_err(expect);
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
        assert!(error.to_string().contains(expect), "{error} / {expect}");
        assert!(out.is_empty());
    };
    refused(
        &|o| o.delimiters.component = b'A',
        "a letter or digit cannot be a delimiter",
    );
    refused(
        &|o| o.delimiters.element = b' ',
        "a space cannot be a delimiter",
    );
    refused(
        &|o| o.delimiters.element = b'\n',
        "line break can only be the segment terminator",
    );
    refused(&|o| o.delimiters.segment = 0xE2, "0x80 or above");
    refused(
        &|o| o.delimiters.component = b'*',
        "'*' is used as both element separator and component separator (ISA16)",
    );
    refused(
        &|o| o.delimiters.repetition = None,
        "repetition separator (ISA11)",
    );
    refused(&|o| o.delimiters.component = b'.', "decimal amounts");
    refused(&|o| o.delimiters.segment = b'-', "date ranges");
    refused(&|o| o.claims = 0, "at least 1");
    refused(&|o| o.claims_per_transaction = 0, "at least 1");
    refused(
        &|o| {
            o.claims = 2_000_000;
            o.claims_per_transaction = 1;
        },
        "GE01 allows at most 999999",
    );
}

/// Records the largest single write: the generator must hand out bounded chunks, never
/// the whole file.
struct ChunkProbe {
    largest: usize,
    total: u64,
}

impl Write for ChunkProbe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.largest = self.largest.max(buf.len());
        self.total += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn output_streams_in_bounded_chunks() {
    let mut probe = ChunkProbe {
        largest: 0,
        total: 0,
    };
    let summary = write_interchange(
        &mut probe,
        &GenOptions::new(ClaimKind::Institutional, 5000, 1),
    )
    .expect("generate");
    assert!(summary.bytes > 2 << 20, "{}", summary.bytes);
    assert_eq!(probe.total, summary.bytes);
    assert!(probe.largest < 80 << 10, "largest write {}", probe.largest);
}

#[test]
fn kinds_are_named_and_versioned() {
    assert_eq!(ClaimKind::from_name("837p"), Some(ClaimKind::Professional));
    assert_eq!(ClaimKind::from_name("837I"), Some(ClaimKind::Institutional));
    assert_eq!(ClaimKind::from_name("837d"), Some(ClaimKind::Dental));
    assert_eq!(ClaimKind::from_name("837"), None);
    assert_eq!(ClaimKind::Professional.version(), "005010X222A1");
    assert_eq!(ClaimKind::Institutional.version(), "005010X223A2");
    assert_eq!(ClaimKind::Dental.version(), "005010X224A2");
}
