//! Differential fuzz target for validation and everything built on it: the findings, the TA1
//! and 999 writers, claim extraction and the claim writer.
//!
//! Input layout: one option byte, then the X12 bytes.
//!
//! - byte 0, bit 0: lenient parsing; bits 1-3: the read size of the chunked run (1, 2, 3,
//!   7, 16, 61, 512 bytes or 1 MiB).
//!
//! What must hold for any input (besides not panicking):
//!
//! 1. Validation reads the same findings, claim statuses and summary whether the reader gets
//!    the input whole or in small reads of the chosen size.
//! 2. Every finding can be printed (message, reference, X12 code), and no message is empty.
//! 3. The TA1 and the 999 we write parse strictly; the 999 validates against the 999 guide
//!    without an error (`tests/validate_golden.rs` holds the golden cases to this too),
//!    except in the elements that copy the input's identifiers ([`ECHOED`]): a 999 echoes
//!    what it received, so an input whose GS06 is not a number gets a 999 whose AK102 is
//!    not either (likewise GE01 in AK902). Everything the writer computes (codes, counts, statuses, positions, its
//!    own envelope's dates and control numbers) must validate.
//! 4. Claims extracted from accepted sets can be handed to the claim writer; what it writes,
//!    when it accepts the claims, parses strictly, and its transaction sets validate without
//!    a syntax error (the sets they came from had none; the interchange and group headers
//!    copy the source's partners, which may be invalid, as in 3).
//! 5. What the claim writer wrote reads back as the claims it was given (their source, the
//!    envelope they came from, aside).

#![no_main]

use std::io::{self, Read};

use libfuzzer_sys::fuzz_target;
use x12pipe::ack::{Ack999Writer, AckOptions, Ta1Writer};
use x12pipe::claim::write::{WriteOptions, write_claims};
use x12pipe::claim::{Claim, ClaimType, extract};
use x12pipe::envelope::{Document, ParseOptions};
use x12pipe::finding::{Category, Finding, Severity};
use x12pipe::validate::{
    GroupInfo, InterchangeInfo, Observer, SetResult, Summary, ValidateOptions, validate,
};

/// Read sizes of the chunked run, indexed by bits 1-3 of byte 0.
const CHUNKS: [usize; 8] = [1, 2, 3, 7, 16, 61, 512, 1 << 20];

/// (segment, element) of the 999 that copy the input: AK102 (GS06), AK103 (GS08), AK202
/// (ST02), AK203 (ST03), AK902 (GE01), ISA05-08 and GS02-03 (the input's partners, swapped).
const ECHOED: [(&str, u8); 11] = [
    ("AK1", 2),
    ("AK1", 3),
    ("AK2", 2),
    ("AK2", 3),
    ("AK9", 2),
    ("ISA", 5),
    ("ISA", 6),
    ("ISA", 7),
    ("ISA", 8),
    ("GS", 2),
    ("GS", 3),
];

/// A source that hands the input out in reads of at most `chunk` bytes.
struct Chunked<'a> {
    data: &'a [u8],
    chunk: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Every finding and claim status, in the order the observer hears them, as JSON lines.
#[derive(Default)]
struct Collect {
    lines: Vec<String>,
}

impl Collect {
    fn all(&mut self, findings: &[Finding]) {
        for finding in findings {
            assert!(!finding.message.is_empty(), "a finding without a message");
            // Everything a printer reads.
            let _ = finding.location.reference();
            let _ = finding.x12().to_string();
            self.lines
                .push(serde_json::to_string(finding).expect("a finding serializes"));
        }
    }
}

impl Observer for Collect {
    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        self.all(&result.findings);
        for claim in &result.claims {
            self.lines
                .push(format!("claim {} {:?}", claim.claim_id, claim.status));
            self.all(&claim.findings);
        }
        Ok(())
    }

    fn group_end(
        &mut self,
        _: &GroupInfo,
        _: Option<u64>,
        _: u64,
        findings: &[Finding],
    ) -> io::Result<()> {
        self.all(findings);
        Ok(())
    }

    fn interchange_end(&mut self, _: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
        self.all(findings);
        Ok(())
    }

    fn fatal(&mut self, _: Option<&InterchangeInfo>, findings: &[Finding]) -> io::Result<()> {
        self.all(findings);
        Ok(())
    }
}

fn summary_text(summary: &Summary) -> String {
    format!("{summary:?}")
}

/// The findings of validating `bytes` (checked against `day`) that `keep` picks, as text.
fn errors_where(bytes: &[u8], day: time::Date, keep: impl Fn(&Finding) -> bool) -> Vec<String> {
    let mut check = ValidateOptions::new();
    check.today = day;
    let mut errors = Vec::new();
    let mut observer = x12pipe::validate::EachFinding(|f: &Finding| {
        if keep(f) {
            errors.push(format!("{}: {}", f.code, f.message));
        }
    });
    validate(bytes, &check, &mut observer).expect("reading memory");
    errors
}

fuzz_target!(|input: &[u8]| {
    let Some((&flags, data)) = input.split_first() else {
        return;
    };
    let day = time::Date::from_calendar_date(2026, time::Month::November, 23).expect("a date");
    let mut options = ValidateOptions::new();
    options.today = day;
    options.parse = if flags & 1 == 1 {
        ParseOptions::lenient()
    } else {
        ParseOptions::strict()
    };
    let chunk = CHUNKS[usize::from((flags >> 1) & 7)];

    // 1 and 2: the same results whole and in small reads.
    let mut whole = Collect::default();
    let whole_summary = validate(data, &options, &mut whole).expect("reading memory");
    let mut chunked = Collect::default();
    let chunked_summary =
        validate(Chunked { data, chunk }, &options, &mut chunked).expect("reading memory");
    assert_eq!(
        whole.lines, chunked.lines,
        "findings differ with reads of {chunk}"
    );
    assert_eq!(summary_text(&whole_summary), summary_text(&chunked_summary));

    // 3: the acknowledgments we write parse, and the 999 validates.
    let ack = AckOptions {
        date: day,
        time: (12, 0),
        control_number: Some(1),
        usage: None,
    };
    let mut ta1 = Vec::new();
    validate(data, &options, &mut Ta1Writer::new(&mut ta1, ack)).expect("writing memory");
    let mut ack999 = Vec::new();
    validate(data, &options, &mut Ack999Writer::new(&mut ack999, ack)).expect("writing memory");
    for written in [&ta1, &ack999] {
        if !written.is_empty()
            && let Err(e) = Document::parse(written, ParseOptions::strict())
        {
            panic!(
                "an acknowledgment we wrote does not parse: {e}\n{}",
                String::from_utf8_lossy(written)
            );
        }
    }
    if !ack999.is_empty() {
        let errors = errors_where(&ack999, day, |f| {
            let at = (
                f.location.segment_id.as_deref().unwrap_or(""),
                f.location.element.unwrap_or(0),
            );
            f.severity == Severity::Error && !ECHOED.contains(&at)
        });
        assert!(
            errors.is_empty(),
            "the 999 we wrote does not validate: {errors:?}\n{}",
            String::from_utf8_lossy(&ack999)
        );
    }

    // 4: extracted claims go to the claim writer; what it writes parses.
    let mut claims: Vec<Claim> = Vec::new();
    extract(data, &options, |claim, _| {
        claims.push(claim.clone());
        Ok(())
    })
    .expect("reading memory");
    for kind in [
        ClaimType::Professional,
        ClaimType::Institutional,
        ClaimType::Dental,
    ] {
        let of_kind: Vec<&Claim> = claims.iter().filter(|c| c.claim_type == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let mut write = WriteOptions::new(kind);
        write.date = Some(day);
        write.time = Some((12, 0));
        let mut out = Vec::new();
        if write_claims(&mut out, write, of_kind.iter().copied()).is_err() {
            continue;
        }
        if let Err(e) = Document::parse(&out, ParseOptions::strict()) {
            panic!(
                "the claims we wrote do not parse: {e}\n{}",
                String::from_utf8_lossy(&out)
            );
        }
        let syntax = errors_where(&out, day, |f| {
            f.severity == Severity::Error
                && f.category() == Category::Syntax
                && f.location.transaction.is_some()
        });
        assert!(
            syntax.is_empty(),
            "the claims we wrote have syntax errors: {syntax:?}\n{}",
            String::from_utf8_lossy(&out)
        );
        // 5: and they read back as the claims written (their source aside).
        let mut again: Vec<Claim> = Vec::new();
        extract(&out[..], &options, |claim, _| {
            again.push(claim.without_source());
            Ok(())
        })
        .expect("reading memory");
        let written: Vec<Claim> = of_kind.iter().map(|c| c.without_source()).collect();
        assert!(
            written == again,
            "the claims we wrote read back differently\nwritten: {written:?}\nread: {again:?}\n{}",
            String::from_utf8_lossy(&out)
        );
    }
});
