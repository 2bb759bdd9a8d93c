//! Chunk boundaries in three pieces: the streaming reader is fed a few representative inputs
//! cut twice, at every pair of positions around each delimiter byte, across every byte of the
//! ISA header, around CR LF pairs, through a byte order mark and through binary data, with a
//! 16-byte initial buffer. Every split must give exactly the JSON of the in-memory reader.
//!
//! The golden tests already cut every input once at every byte; two cuts close together are
//! what puts a lone terminator, a lone CR or LF, or half of a BIN length into a chunk of its
//! own.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use x12pipe::envelope::ParseOptions;

use common::{Chunked, json_from_reader, json_from_slice};

/// Bytes that serve as delimiters or line breaks in the inputs below.
const DELIMITER_BYTES: &[u8] = b"*|^!>:~\n\r\x1c\x1d\x1e\x1f";

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn golden(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("grammar-tests")
        .join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The golden input with a byte order mark in front and CR LF after every terminator.
fn with_bom_and_crlf(name: &str) -> Vec<u8> {
    let mut input = BOM.to_vec();
    input.extend(golden(name));
    String::from_utf8(input)
        .expect("ASCII and a BOM")
        .replace('~', "~\r\n")
        .into_bytes()
}

/// The 64 bytes from each `BIN` or `BDS` id: the whole binary segment in these small inputs.
fn binary_regions(input: &[u8]) -> Vec<(usize, usize)> {
    let mut regions = Vec::new();
    for (at, window) in input.windows(4).enumerate() {
        if window == b"BIN*" || window == b"BDS*" {
            regions.push((at, (at + 64).min(input.len())));
        }
    }
    regions
}

/// Where each ISA header starts (after any byte order mark).
fn isa_starts(input: &[u8]) -> Vec<usize> {
    input
        .windows(3)
        .enumerate()
        .filter(|(_, w)| *w == b"ISA")
        .map(|(at, _)| at)
        .collect()
}

/// The pairs of cut positions `(a, b)`, `a < b`, to try for `input`. With `every_isa_pair`,
/// every pair of positions from the start of input to the end of the first ISA (byte order
/// mark included); otherwise each position in every ISA header is paired with the next three.
fn cut_pairs(input: &[u8], every_isa_pair: bool) -> BTreeSet<(usize, usize)> {
    let len = input.len();
    let mut pairs = BTreeSet::new();
    let all_pairs_in = |start: usize, end: usize, pairs: &mut BTreeSet<(usize, usize)>| {
        let end = end.min(len);
        for a in start..=end {
            for b in a + 1..=end {
                pairs.insert((a, b));
            }
        }
    };
    // Around each delimiter byte (and each byte of a CR LF pair): from the byte before it to
    // the byte after it, so each cut lands before, on and after it.
    for (i, b) in input.iter().enumerate() {
        if DELIMITER_BYTES.contains(b) {
            all_pairs_in(i.saturating_sub(1), i + 2, &mut pairs);
        }
    }
    for (start, end) in binary_regions(input) {
        all_pairs_in(start, end, &mut pairs);
    }
    let isas = isa_starts(input);
    if every_isa_pair && let Some(&first) = isas.first() {
        all_pairs_in(0, first + 107, &mut pairs);
    }
    for isa in isas {
        for a in isa.saturating_sub(3)..=(isa + 107).min(len) {
            for b in a + 1..=a + 3 {
                pairs.insert((a, b));
            }
        }
    }
    // Right after one delimiter and right after another, anywhere in the input.
    let after_delimiters: Vec<usize> = (0..len)
        .filter(|&i| DELIMITER_BYTES.contains(&input[i]))
        .map(|i| i + 1)
        .collect();
    for (n, &a) in after_delimiters.iter().enumerate() {
        for &b in &after_delimiters[n + 1..] {
            pairs.insert((a, b));
        }
    }
    pairs.retain(|&(a, b)| a > 0 && b < len);
    pairs
}

/// Feeds `input` to the streaming reader in three chunks at every pair of [`cut_pairs`] and
/// compares each result with the in-memory reader's.
fn three_chunk_splits_change_nothing(name: &str, input: &[u8], every_isa_pair: bool) {
    let options = ParseOptions::strict();
    let reference = json_from_slice(input, options, name);
    let pairs = cut_pairs(input, every_isa_pair);
    assert!(pairs.len() > 1000, "{name}: only {} cut pairs", pairs.len());
    for &(a, b) in &pairs {
        let streamed = json_from_reader(Chunked::at(input, &[a, b]), options, name, 16);
        assert!(
            streamed == reference,
            "{name}: cut at bytes {a} and {b} the streaming reader differs from the in-memory \
             reader:\n{}\n{}",
            String::from_utf8_lossy(&reference),
            String::from_utf8_lossy(&streamed)
        );
    }
}

// Every pair inside the ISA for one input only: the ISA scan is the same code for all of them,
// and each pair costs a whole parse.
#[test]
fn bom_crlf_composites_and_repetitions_split_in_three() {
    let input = with_bom_and_crlf("repeated-composites.x12");
    three_chunk_splits_change_nothing("bom-crlf-repeated-composites", &input, true);
}

#[test]
fn cr_terminator_followed_by_lf_split_in_three() {
    let input = golden("delimiter-crlf-terminator.x12");
    three_chunk_splits_change_nothing("delimiter-crlf-terminator", &input, false);
}

#[test]
fn control_character_delimiters_split_in_three() {
    let input = golden("delimiter-control-characters.x12");
    three_chunk_splits_change_nothing("delimiter-control-characters", &input, false);
}

#[test]
fn binary_data_with_terminators_and_line_breaks_split_in_three() {
    let input = golden("bin-terminator-and-newlines-in-data.x12");
    three_chunk_splits_change_nothing("bin-terminator-and-newlines-in-data", &input, false);
}

#[test]
fn two_interchanges_with_different_delimiters_split_in_three() {
    let input = golden("several-interchanges-different-delimiters.x12");
    three_chunk_splits_change_nothing("several-interchanges-different-delimiters", &input, false);
}

#[test]
fn input_ending_inside_a_segment_split_in_three() {
    let input = golden("truncated-mid-segment-in-body.x12");
    three_chunk_splits_change_nothing("truncated-mid-segment-in-body", &input, false);
}

#[test]
fn bad_bin_length_split_in_three() {
    let input = golden("bin-length-mismatch.x12");
    three_chunk_splits_change_nothing("bin-length-mismatch", &input, false);
}

#[test]
fn cut_pairs_cover_the_isa_the_bom_and_both_sides_of_each_delimiter() {
    let mut input = BOM.to_vec();
    input.extend(golden("crlf-after-terminators.x12"));
    assert_eq!(input, with_bom_and_crlf("minimal-valid-5010.x12"));
    let pairs = cut_pairs(&input, true);
    // Inside the BOM, and splitting its last byte from the I of ISA.
    assert!(pairs.contains(&(1, 2)) && pairs.contains(&(2, 3)) && pairs.contains(&(3, 4)));
    // Every pair inside the ISA: for instance ISA16 alone in a chunk, and the terminator alone.
    assert!(pairs.contains(&(107, 108)) && pairs.contains(&(108, 109)));
    // The CR and the LF after the ISA terminator (offsets 109 and 110) each alone.
    assert!(pairs.contains(&(109, 110)) && pairs.contains(&(110, 111)));
    // Far apart: half of ISA01 up to the middle of ISA13 in the middle chunk.
    assert!(pairs.contains(&(8, 100)));
    // Without every ISA pair, each ISA byte is still paired with its neighbours.
    let near = cut_pairs(&input, false);
    assert!(near.contains(&(50, 53)) && !near.contains(&(8, 100)));
}
