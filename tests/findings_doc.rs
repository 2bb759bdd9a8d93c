//! docs/findings.md holds the table of finding codes generated from the code table, so the
//! documentation cannot drift: this test fails when they differ
//! (`X12PIPE_BLESS=1 cargo test --test findings_doc` rewrites the file).

use x12pipe::finding::documentation_table;

const HEADER: &str = "# Finding codes

Every finding x12pipe reports has one of these stable codes. The code decides the category
(**syntax**: the file is malformed, reported in TA1/999, never retried; **business**: a claim
breaks an edit, reported per claim, never retried; **transient**: a transport fault, only the
submitter raises it and only these are retried), the default severity, and the X12
acknowledgment code it maps to (TA105 in a TA1; AK905, IK502, IK304 or IK403 in a 999; a
277CA-style STC category:status:entity for business edits; `<entity>` is the entity
identifier of the party concerned: the NM101 of a provider's name, `IL` for the subscriber,
`QC` for the patient). Switch a code off with `x12pipe validate --disable CODE`.

This file is generated from `src/finding/code.rs` by `tests/findings_doc.rs`.

";

#[test]
fn findings_doc_matches_the_code_table() {
    let expected = format!("{HEADER}{}", documentation_table());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/findings.md");
    if std::env::var_os("X12PIPE_BLESS").is_some() {
        std::fs::write(path, &expected).expect("write docs/findings.md");
    }
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/findings.md is out of date: run X12PIPE_BLESS=1 cargo test --test findings_doc"
    );
}
