//! Extraction: [`Claim`] values built from validated 837 transaction sets, one at a time.
//!
//! The validator already walks every set through its implementation guide and hands each
//! claim's segments, placed in their loops, to an observer ([`Observer::claim_segments`]);
//! this module reads those placed segments into the model. There is no second parser: a
//! claim is what the guide walk saw.
//!
//! What is extracted:
//!
//! - Transaction sets rejected by a syntax error (the 999 would reject them: envelope
//!   problems, guide structure, element syntax) cannot be trusted to mean what their loops
//!   say, so their claims are **skipped**, and the sink is told ([`ClaimSink::skipped_set`])
//!   with control numbers and positions only.
//! - Claims of accepted sets are **all extracted**, those with business errors (a claim out
//!   of balance, a bad NPI…) included: the sink gets each claim's
//!   [`ClaimResult`] (status and findings) beside it, and decides.
//! - Sets of other transactions (no 837 guide) have no claims; segments the model does not
//!   cover (PWK, CN1, K3, CR1, MEA…) are skipped.

use std::io::{self, Read};

use crate::finding::{Finding, Severity};
use crate::syntax::{Delimiters, Position};
use crate::validate::edits::{ClaimKind, Tagged};
use crate::validate::{
    ClaimResult, ClaimSegments, GroupInfo, InterchangeInfo, Observer, SetResult, Summary,
    ValidateOptions, validate,
};

use super::model::*;

/// A transaction set whose claims were not extracted, identified by control numbers and
/// position only (never by element data).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SkippedSet {
    /// ISA13, when an interchange was open.
    pub interchange_control_number: Option<String>,
    /// GS06, when a group was open.
    pub group_control_number: Option<String>,
    /// ST02.
    pub transaction_set_control_number: String,
    /// Where the ST is.
    pub position: Position,
    /// Claims (CLM) found in the set and not extracted.
    pub claims: u64,
    /// The codes of the set's syntax errors (`segment-missing`…), each once, in order.
    pub codes: Vec<&'static str>,
}

/// Receives extracted claims, in file order.
pub trait ClaimSink {
    /// A claim of an accepted transaction set, with its validation result (status and
    /// business findings). An error stops extraction and is returned by [`extract_with`].
    ///
    /// The claim is lent, not given: extraction builds every claim in the same buffer, so
    /// what the claims of a set share is not copied for each (clone it to keep it).
    fn claim(&mut self, claim: &Claim, result: &ClaimResult) -> io::Result<()>;

    /// A transaction set rejected by syntax errors: its claims are not extracted.
    fn skipped_set(&mut self, _set: &SkippedSet) -> io::Result<()> {
        Ok(())
    }
}

/// Counts over one input.
#[derive(Clone, Debug, Default)]
pub struct ExtractSummary {
    /// What validation counted (sets, claims, errors…).
    pub validation: Summary,
    /// Claims handed to the sink.
    pub claims: u64,
    /// Of those, claims with business errors (status rejected).
    pub claims_with_errors: u64,
    /// Transaction sets skipped because of syntax errors.
    pub sets_skipped: u64,
    /// Claims in the skipped sets.
    pub claims_skipped: u64,
    /// True when a fatal error stopped reading the input early (the rest was not read).
    pub fatal: bool,
}

/// Extracts every claim of `source`, handing each to `on_claim` with its validation result
/// as soon as its transaction set has been checked. Memory is bounded by one transaction set.
///
/// Returns `Err` only for I/O errors (reading, or an error returned by `on_claim`).
///
/// ```
/// use x12pipe::claim::extract;
/// use x12pipe::synth::{ClaimKind, GenOptions, write_interchange};
/// use x12pipe::validate::ValidateOptions;
///
/// let mut input = Vec::new();
/// write_interchange(&mut input, &GenOptions::new(ClaimKind::Dental, 3, 1))?;
/// let mut ids = Vec::new();
/// let summary = extract(&input[..], &ValidateOptions::new(), |claim, _result| {
///     ids.push(claim.id.clone());
///     Ok(())
/// })?;
/// assert_eq!(ids.len(), 3);
/// assert_eq!(summary.claims, 3);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn extract<R, F>(
    source: R,
    options: &ValidateOptions,
    on_claim: F,
) -> io::Result<ExtractSummary>
where
    R: Read,
    F: FnMut(&Claim, &ClaimResult) -> io::Result<()>,
{
    struct Each<F>(F);
    impl<F: FnMut(&Claim, &ClaimResult) -> io::Result<()>> ClaimSink for Each<F> {
        fn claim(&mut self, claim: &Claim, result: &ClaimResult) -> io::Result<()> {
            (self.0)(claim, result)
        }
    }
    extract_with(source, options, &mut Each(on_claim))
}

/// Like [`extract`], telling `sink` about skipped transaction sets too.
pub fn extract_with<R: Read>(
    source: R,
    options: &ValidateOptions,
    sink: &mut dyn ClaimSink,
) -> io::Result<ExtractSummary> {
    let mut extractor = Extractor::new(sink);
    let validation = validate(source, options, &mut extractor)?;
    let mut summary = extractor.summary;
    summary.validation = validation;
    Ok(summary)
}

/// An [`Observer`] that builds claims and hands them to a [`ClaimSink`]: use it directly to
/// extract in the same validation run as another observer.
pub struct Extractor<'s> {
    sink: &'s mut dyn ClaimSink,
    /// Counts so far (its `validation` is left empty: [`validate`] returns that).
    pub summary: ExtractSummary,
    /// The claim being built: one buffer for every claim, lent to the sink. What consecutive
    /// claims share (header, billing provider, subscriber, patient) stays in it while its
    /// segments stay the same.
    claim: Claim,
    /// Which segments the shared parts in `claim` were built from.
    parts: Parts,
}

impl<'s> Extractor<'s> {
    /// An extractor feeding `sink`.
    pub fn new(sink: &'s mut dyn ClaimSink) -> Self {
        Extractor {
            sink,
            summary: ExtractSummary::default(),
            claim: Claim::default(),
            parts: Parts::default(),
        }
    }
}

impl Observer for Extractor<'_> {
    fn wants_claim_segments(&self) -> bool {
        true
    }

    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        if result.accepted() || result.guide.is_none() {
            return Ok(());
        }
        self.summary.sets_skipped += 1;
        self.summary.claims_skipped += result.claims.len() as u64;
        let location = result.findings.first().map(|f| &f.location);
        let mut codes: Vec<&'static str> = Vec::new();
        for finding in syntax_errors(&result.findings) {
            if !codes.contains(&finding.code.id()) {
                codes.push(finding.code.id());
            }
        }
        self.sink.skipped_set(&SkippedSet {
            interchange_control_number: location.and_then(|l| l.interchange.clone()),
            group_control_number: location.and_then(|l| l.group.clone()),
            transaction_set_control_number: String::from_utf8_lossy(result.set.control_number())
                .into_owned(),
            position: result.set.position(),
            claims: result.claims.len() as u64,
            codes,
        })
    }

    fn claim_segments(&mut self, segments: &ClaimSegments<'_, '_>) -> io::Result<()> {
        if !segments.set.accepted() {
            return Ok(());
        }
        build_into(segments, &mut self.parts, &mut self.claim);
        self.summary.claims += 1;
        if segments
            .result
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error)
        {
            self.summary.claims_with_errors += 1;
        }
        self.sink.claim(&self.claim, segments.result)
    }

    fn fatal(&mut self, _info: Option<&InterchangeInfo>, _findings: &[Finding]) -> io::Result<()> {
        self.summary.fatal = true;
        Ok(())
    }
}

fn syntax_errors(findings: &[Finding]) -> impl Iterator<Item = &Finding> {
    findings.iter().filter(|f| {
        f.severity == Severity::Error && f.category() == crate::finding::Category::Syntax
    })
}

/// Builds one claim from the segments the validator placed. Never fails: what is missing
/// stays empty, what the model does not cover is skipped.
pub fn build_claim(segments: &ClaimSegments<'_, '_>) -> Claim {
    let mut claim = Claim::default();
    build_into(segments, &mut Parts::default(), &mut claim);
    claim
}

/// [`build_claim`] into `claim`, which holds the claim built before it with `parts`: the
/// header, billing provider, subscriber and patient already in it are kept when their
/// segments are the same (consecutive claims usually share them), and built again in place
/// otherwise. Everything from the 2300 loop down is cleared and read again; the vectors
/// keep their room.
fn build_into(segments: &ClaimSegments<'_, '_>, parts: &mut Parts, claim: &mut Claim) {
    claim.claim_type = match segments.kind {
        ClaimKind::Professional => ClaimType::Professional,
        ClaimKind::Institutional => ClaimType::Institutional,
        ClaimKind::Dental => ClaimType::Dental,
    };
    let clm_index = segments.claim.first().map_or(0, |t| t.index);
    claim.source = Some(source(
        segments.interchange,
        segments.group,
        segments.set,
        clm_index,
    ));
    let set = segments.set.set.as_bytes();
    if parts.header.remember(segments.header) {
        header(segments.header, set, claim);
    }
    if parts.billing.remember(segments.billing) {
        billing(segments.billing, set, claim);
    }
    if parts.subscriber.remember(segments.subscriber) {
        subscriber(segments.subscriber, set, claim);
    }
    match segments.patient {
        Some(patient) => {
            if parts.patient.remember(patient) || claim.patient.is_none() {
                claim.patient = Some(patient_level(patient, set));
            }
        }
        None => {
            claim.patient = None;
            parts.patient.forget();
        }
    }
    claim_loops(claim, segments.claim, set, &mut parts.spare_lines);
}

/// What the next claim built in the same buffer reuses: which segments the parts above its
/// 2300 were built from, and the service lines of the claim before.
#[derive(Default)]
struct Parts {
    header: Seen,
    billing: Seen,
    subscriber: Seen,
    patient: Seen,
    /// Service lines of the claim before, to be emptied and refilled: their vectors (dates,
    /// diagnosis pointers, references…) keep their room, where a new line allocated each.
    spare_lines: Vec<ServiceLine>,
}

/// What identifies a run of segments: each one's loop and bytes, and the delimiters. What
/// is built from them depends on nothing else, so the same segments (the same loop met by
/// the next claim, or an identical one) give the same value; neither addresses nor
/// positions are trusted, as buffers are reused.
#[derive(Default)]
struct Seen {
    /// Loop id of each segment.
    loops: Vec<&'static str>,
    /// Where each segment's bytes end in `bytes`.
    ends: Vec<usize>,
    /// The segments' bytes, one after another.
    bytes: Vec<u8>,
    /// `None` before the first segments and after [`forget`](Self::forget): matches no
    /// segments, not even none.
    delimiters: Option<Delimiters>,
}

impl Seen {
    /// Remembers `segments`; true when they differ from those remembered before (what was
    /// built from those must be built again).
    fn remember(&mut self, segments: &[Tagged<'_>]) -> bool {
        if self.holds(segments) {
            return false;
        }
        self.loops.clear();
        self.ends.clear();
        self.bytes.clear();
        for tagged in segments {
            self.loops.push(tagged.loop_id);
            self.bytes.extend_from_slice(tagged.segment.as_bytes());
            self.ends.push(self.bytes.len());
        }
        self.delimiters = Some(
            segments
                .first()
                .map_or_else(Delimiters::default, |t| t.segment.delimiters()),
        );
        true
    }

    /// Matches no segments from now on.
    fn forget(&mut self) {
        self.delimiters = None;
    }

    /// True when `segments` are those remembered.
    fn holds(&self, segments: &[Tagged<'_>]) -> bool {
        let Some(delimiters) = self.delimiters else {
            return false;
        };
        if segments.len() != self.loops.len() {
            return false;
        }
        let mut start = 0;
        for ((tagged, loop_id), &end) in segments.iter().zip(&self.loops).zip(&self.ends) {
            let segment = &tagged.segment;
            if tagged.loop_id != *loop_id
                || segment.delimiters() != delimiters
                || self.bytes.get(start..end) != Some(segment.as_bytes())
            {
                return false;
            }
            start = end;
        }
        true
    }
}

fn source(
    interchange: Option<&InterchangeInfo>,
    group: Option<&GroupInfo>,
    set: &SetResult<'_>,
    segment_in_set: u64,
) -> Source {
    let (sender_qualifier, sender_id, receiver_qualifier, receiver_id, interchange_control_number) =
        interchange.map_or_else(Default::default, |i| {
            (
                Text::from(i.sender_qualifier.as_str()),
                Text::from(i.sender_id.as_str()),
                Text::from(i.receiver_qualifier.as_str()),
                Text::from(i.receiver_id.as_str()),
                Text::from(i.control_number.as_str()),
            )
        });
    let (application_sender, application_receiver, group_control_number) =
        group.map_or_else(Default::default, |g| {
            (
                Text::from(g.sender.as_str()),
                Text::from(g.receiver.as_str()),
                Text::from(g.control_number.as_str()),
            )
        });
    Source {
        sender_qualifier,
        sender_id,
        receiver_qualifier,
        receiver_id,
        interchange_control_number,
        application_sender,
        application_receiver,
        group_control_number,
        transaction_set_control_number: text(set.set.control_number()),
        segment_in_set,
    }
}

/// The bytes of the transaction set that hold a run of segments, checked as UTF-8 at once:
/// a check per segment cost about 105 instructions, mostly its setup (7% of claim building,
/// callgrind), one over a claim's few hundred bytes a fraction of that.
struct Span<'a> {
    /// `None` when a segment is not inside the set's bytes or the span is not UTF-8: each
    /// segment is then checked on its own.
    text: Option<&'a str>,
}

impl<'a> Span<'a> {
    /// The span of `set` (the transaction set's bytes) from the first byte of `segments` to
    /// the last.
    fn of(set: &'a [u8], segments: &[Tagged<'a>]) -> Self {
        let base = set.as_ptr() as usize;
        let (mut lo, mut hi) = (usize::MAX, 0);
        for tagged in segments {
            let bytes = tagged.segment.as_bytes();
            let start = (bytes.as_ptr() as usize).wrapping_sub(base);
            match start.checked_add(bytes.len()) {
                Some(end) if end <= set.len() => {
                    lo = lo.min(start);
                    hi = hi.max(end);
                }
                _ => return Span { text: None },
            }
        }
        Span {
            text: set.get(lo..hi).and_then(|b| std::str::from_utf8(b).ok()),
        }
    }

    /// `bytes` as text when they lie inside the span, on character boundaries (the same
    /// memory, so the same bytes).
    fn slice(&self, bytes: &[u8]) -> Option<&'a str> {
        let whole = self.text?;
        let start = (bytes.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
        whole.get(start..start.checked_add(bytes.len())?)
    }
}

/// One placed segment's elements, read through the index the validator built when it read
/// the segment ([`Tagged::value`]): nothing is split again here.
struct Fields<'t, 'a> {
    tagged: &'t Tagged<'a>,
    component: u8,
    /// The whole segment as text, checked once: a field's text is a slice of it (a UTF-8
    /// check per field cost 5.7% of extraction's time, perf). `None` when the segment is
    /// not UTF-8: each field is then decoded on its own.
    text: Option<&'a str>,
}

impl<'t, 'a> Fields<'t, 'a> {
    /// The fields of `tagged`, one of the segments `span` was made for.
    #[inline]
    fn new(tagged: &'t Tagged<'a>, span: &Span<'a>) -> Self {
        let bytes = tagged.segment.as_bytes();
        Fields {
            tagged,
            component: tagged.segment.delimiters().component,
            text: span
                .slice(bytes)
                .or_else(|| std::str::from_utf8(bytes).ok()),
        }
    }

    /// `bytes`, a part of this segment, as text: sliced from the segment's text when it
    /// lies inside it (the same memory, so the same bytes), else decoded on its own.
    fn text_of(&self, bytes: &[u8]) -> Text {
        if let Some(whole) = self.text {
            let start = (bytes.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
            if let Some(part) = start
                .checked_add(bytes.len())
                .and_then(|end| whole.get(start..end))
            {
                return Text::from(part);
            }
        }
        text(bytes)
    }

    /// [`text_of`](Self::text_of), `None` when empty.
    fn opt_of(&self, bytes: &[u8]) -> Option<Text> {
        (!bytes.is_empty()).then(|| self.text_of(bytes))
    }

    /// Element `n` (1-based); empty when absent.
    #[inline]
    fn raw(&self, n: usize) -> &'a [u8] {
        self.tagged.value(n)
    }

    /// Element `n` as text, empty when absent.
    fn text(&self, n: usize) -> Text {
        self.text_of(self.raw(n))
    }

    /// Element `n` as text, `None` when absent or empty.
    fn opt(&self, n: usize) -> Option<Text> {
        self.opt_of(self.raw(n))
    }

    /// The components of element `n` (a simple element yields itself once).
    fn components(&self, n: usize) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let separator = self.component;
        self.raw(n).split(move |b| *b == separator)
    }

    /// The first `N` components of element `n`, split once (absent ones empty).
    fn first_components<const N: usize>(&self, n: usize) -> [&'a [u8]; N] {
        let mut out: [&'a [u8]; N] = [&[]; N];
        for (slot, part) in out.iter_mut().zip(self.components(n)) {
            *slot = part;
        }
        out
    }

    /// `parts` as text, trailing empty ones dropped (inner empty ones kept), into `list`
    /// (emptied first).
    fn list_into(&self, list: &mut Vec<Text>, parts: &[&[u8]]) {
        list.clear();
        let used = parts
            .iter()
            .rposition(|p| !p.is_empty())
            .map_or(0, |i| i + 1);
        list.extend(parts.iter().take(used).map(|part| self.text_of(part)));
    }

    /// Component `k` (1-based) of element `n`; empty when absent.
    fn component(&self, n: usize, k: usize) -> &'a [u8] {
        k.checked_sub(1)
            .and_then(|skip| self.components(n).nth(skip))
            .unwrap_or_default()
    }

    /// The first `count` (at most 8) components of element `n` as text, trailing empty ones
    /// dropped (inner empty ones kept: positions matter).
    fn component_list(&self, n: usize, count: usize) -> Vec<Text> {
        let mut list = Vec::new();
        self.component_list_into(&mut list, n, count);
        list
    }

    /// [`component_list`](Self::component_list) into `list`, emptied first (its room is
    /// kept).
    fn component_list_into(&self, list: &mut Vec<Text>, n: usize, count: usize) {
        let parts: [&[u8]; 8] = self.first_components(n);
        self.list_into(list, parts.get(..count).unwrap_or(&parts));
    }
}

fn text(bytes: &[u8]) -> Text {
    // Claim data is ASCII: the plain check is faster than the lossy decoder's.
    match std::str::from_utf8(bytes) {
        Ok(text) => Text::from(text),
        Err(_) => Text::from(String::from_utf8_lossy(bytes)),
    }
}

/// True when `bytes` is a `CCYYMMDD` date the model rewrites: eight digits.
fn is_date(bytes: &[u8]) -> bool {
    bytes.len() == 8 && bytes.iter().all(u8::is_ascii_digit)
}

/// Writes eight digits as ISO 8601 `CCYY-MM-DD` into the first ten bytes of `out`.
fn put_iso(out: &mut [u8], digits: &[u8]) {
    let parts = [(0..4, 0..4), (4..6, 5..7), (6..8, 8..10)];
    for (from, to) in parts {
        if let (Some(to), Some(from)) = (out.get_mut(to), digits.get(from)) {
            to.copy_from_slice(from);
        }
    }
    for dash in [4, 7] {
        if let Some(b) = out.get_mut(dash) {
            *b = b'-';
        }
    }
}

/// `bytes` made of ASCII digits, dashes and a slash as text (pushing a character at a
/// time into a [`Text`] cost about 80 instructions each, a tenth of claim building).
fn ascii_text(bytes: &[u8]) -> Option<Text> {
    std::str::from_utf8(bytes).ok().map(Text::from)
}

/// `CCYYMMDD` as ISO 8601 `CCYY-MM-DD`, when it is eight digits; `None` otherwise.
fn iso_date(bytes: &[u8]) -> Option<Text> {
    if !is_date(bytes) {
        return None;
    }
    let mut out = [0u8; 10];
    put_iso(&mut out, bytes);
    ascii_text(&out)
}

/// A date element in the model's convention: D8 → `2011-05-11`, RD8 → `2011-05-11/2011-05-14`
/// when the dates are eight digits, anything else as written. Built in place (a range's 21
/// bytes fit inline in a [`Text`]).
fn date_text(format: &[u8], value: &[u8]) -> Text {
    match format {
        b"D8" => iso_date(value),
        b"RD8" => value.iter().position(|b| *b == b'-').and_then(|dash| {
            let (from, to) = (value.get(..dash)?, value.get(dash + 1..)?);
            if !(is_date(from) && is_date(to)) {
                return None;
            }
            let mut out = [0u8; 21];
            put_iso(&mut out[..10], from);
            out[10] = b'/';
            put_iso(&mut out[11..], to);
            ascii_text(&out)
        }),
        _ => None,
    }
    .unwrap_or_else(|| text(value))
}

fn dtp(f: &Fields<'_, '_>) -> DateValue {
    DateValue {
        qualifier: f.text(1),
        format: f.text(2),
        value: date_text(f.raw(2), f.raw(3)),
    }
}

fn reference(f: &Fields<'_, '_>) -> Reference {
    Reference {
        qualifier: f.text(1),
        value: f.text(2),
    }
}

fn amount(f: &Fields<'_, '_>) -> AmountValue {
    AmountValue {
        qualifier: f.text(1),
        amount: f.text(2),
    }
}

fn note(f: &Fields<'_, '_>) -> Note {
    Note {
        code: f.text(1),
        text: f.text(2),
    }
}

fn contact(f: &Fields<'_, '_>) -> Contact {
    let numbers = [(3, 4), (5, 6), (7, 8)]
        .into_iter()
        .filter(|&(q, v)| !f.raw(q).is_empty() || !f.raw(v).is_empty())
        .map(|(q, v)| CommunicationNumber {
            qualifier: f.text(q),
            value: f.text(v),
        })
        .collect();
    Contact {
        function: f.text(1),
        name: f.opt(2),
        numbers,
    }
}

/// CAS: one adjustment per reason (triplets at CAS02-04, 05-07 … 17-19).
fn adjustments(f: &Fields<'_, '_>, out: &mut Vec<Adjustment>) {
    for first in (2..=17).step_by(3) {
        if f.raw(first).is_empty() {
            continue;
        }
        out.push(Adjustment {
            group: f.text(1),
            reason: f.text(first),
            amount: f.text(first + 1),
            quantity: f.opt(first + 2),
        });
    }
}

/// A C003 composite (SV101, SV202, SV301, SVD03).
fn procedure(f: &Fields<'_, '_>, n: usize) -> Option<Procedure> {
    if f.raw(n).is_empty() {
        return None;
    }
    let [qualifier, code, m1, m2, m3, m4, description] = f.first_components(n);
    let mut modifiers = Vec::new();
    f.list_into(&mut modifiers, &[m1, m2, m3, m4]);
    Some(Procedure {
        qualifier: f.text_of(qualifier),
        code: f.text_of(code),
        modifiers,
        description: f.opt_of(description),
    })
}

/// Fills a party's NM1 fields, keeping what PRV may have set before it.
fn name_into(party: &mut Party, f: &Fields<'_, '_>) {
    party.entity = f.text(1);
    party.entity_type = f.text(2);
    party.name = f.text(3);
    party.first_name = f.opt(4);
    party.middle_name = f.opt(5);
    party.name_suffix = f.opt(7);
    party.id_qualifier = f.opt(8);
    party.id = f.opt(9);
}

fn named(f: &Fields<'_, '_>) -> Party {
    let mut party = Party::default();
    name_into(&mut party, f);
    party
}

/// Applies a segment of a party's loop (N3, N4, DMG, PRV, REF, PER); others are skipped.
fn party_detail(party: &mut Party, id: &[u8], f: &Fields<'_, '_>) {
    match id {
        b"N3" => {
            let address = party.address.get_or_insert_with(Address::default);
            address.line1 = f.text(1);
            address.line2 = f.opt(2);
        }
        b"N4" => {
            let address = party.address.get_or_insert_with(Address::default);
            address.city = f.text(1);
            address.state = f.opt(2);
            address.postal_code = f.opt(3);
            address.country = f.opt(4);
            address.country_subdivision = f.opt(7);
        }
        b"DMG" => {
            party.birth_date = f.opt_of(f.raw(2)).map(|_| date_text(f.raw(1), f.raw(2)));
            party.gender = f.opt(3);
        }
        b"PRV" => {
            party.provider_code = f.opt(1);
            party.taxonomy = f.opt(3);
        }
        b"REF" => party.references.push(reference(f)),
        b"PER" => party.contacts.push(contact(f)),
        _ => {}
    }
}

/// BHT, 1000A, 1000B: the claim's transaction, submitter and receiver, built anew.
fn header<'a>(header: &[Tagged<'a>], set: &'a [u8], claim: &mut Claim) {
    let span = Span::of(set, header);
    claim.transaction = Transaction::default();
    claim.submitter = Party::default();
    claim.receiver = Party::default();
    for tagged in header {
        let id = tagged.segment.id();
        let f = Fields::new(tagged, &span);
        match (tagged.loop_id, id) {
            (_, b"BHT") => {
                claim.transaction = Transaction {
                    purpose: f.text(2),
                    reference: f.text(3),
                    date: iso_date(f.raw(4)).unwrap_or_else(|| f.text(4)),
                    time: f.text(5),
                    claim_or_encounter: f.text(6),
                }
            }
            ("1000A", b"NM1") => name_into(&mut claim.submitter, &f),
            ("1000A", _) => party_detail(&mut claim.submitter, id, &f),
            ("1000B", b"NM1") => name_into(&mut claim.receiver, &f),
            ("1000B", _) => party_detail(&mut claim.receiver, id, &f),
            _ => {}
        }
    }
}

/// 2000A, 2010AA, 2010AB, 2010AC: the claim's billing provider, pay-to and pay-to plan,
/// built anew.
fn billing<'a>(segments: &[Tagged<'a>], set: &'a [u8], claim: &mut Claim) {
    let span = Span::of(set, segments);
    claim.billing_provider = Party::default();
    claim.pay_to = None;
    claim.pay_to_plan = None;
    for tagged in segments {
        let id = tagged.segment.id();
        if id == b"HL" {
            continue;
        }
        let f = Fields::new(tagged, &span);
        match (tagged.loop_id, id) {
            ("2000A", b"PRV") | ("2010AA", _) => {
                if id == b"NM1" {
                    name_into(&mut claim.billing_provider, &f);
                } else {
                    party_detail(&mut claim.billing_provider, id, &f);
                }
            }
            ("2010AB", b"NM1") => claim.pay_to = Some(named(&f)),
            ("2010AB", _) => {
                if let Some(party) = claim.pay_to.as_mut() {
                    party_detail(party, id, &f);
                }
            }
            ("2010AC", b"NM1") => claim.pay_to_plan = Some(named(&f)),
            ("2010AC", _) => {
                if let Some(party) = claim.pay_to_plan.as_mut() {
                    party_detail(party, id, &f);
                }
            }
            _ => {}
        }
    }
}

/// 2000B, 2010BA, 2010BB: the claim's subscriber and payer, built anew.
fn subscriber<'a>(segments: &[Tagged<'a>], set: &'a [u8], claim: &mut Claim) {
    let span = Span::of(set, segments);
    claim.subscriber = Subscriber::default();
    claim.payer = Party::default();
    for tagged in segments {
        let id = tagged.segment.id();
        if id == b"HL" {
            continue;
        }
        let f = Fields::new(tagged, &span);
        match (tagged.loop_id, id) {
            ("2000B", b"SBR") => {
                let s = &mut claim.subscriber;
                s.payer_responsibility = f.text(1);
                s.relationship = f.opt(2);
                s.group_number = f.opt(3);
                s.group_name = f.opt(4);
                s.insurance_type = f.opt(5);
                s.claim_filing = f.opt(9);
            }
            ("2010BA", b"NM1") => name_into(&mut claim.subscriber.member, &f),
            ("2010BA", _) => party_detail(&mut claim.subscriber.member, id, &f),
            ("2010BB", b"NM1") => name_into(&mut claim.payer, &f),
            ("2010BB", _) => party_detail(&mut claim.payer, id, &f),
            _ => {}
        }
    }
}

/// 2000C, 2010CA.
fn patient_level<'a>(segments: &[Tagged<'a>], set: &'a [u8]) -> Patient {
    let span = Span::of(set, segments);
    let mut patient = Patient::default();
    for tagged in segments {
        let id = tagged.segment.id();
        if id == b"HL" {
            continue;
        }
        let f = Fields::new(tagged, &span);
        match (tagged.loop_id, id) {
            ("2000C", b"PAT") => patient.relationship = f.text(1),
            ("2010CA", b"NM1") => name_into(&mut patient.person, &f),
            ("2010CA", _) => party_detail(&mut patient.person, id, &f),
            _ => {}
        }
    }
    patient
}

/// HI qualifiers that name diagnoses (the model's doc lists them); every other HI composite
/// is a health care code.
const DIAGNOSIS_QUALIFIERS: &[&[u8]] = &[
    b"ABK", b"ABF", b"ABJ", b"ABN", b"APR", b"BK", b"BF", b"BJ", b"BN", b"PR",
];

fn health_codes(claim: &mut Claim, f: &Fields<'_, '_>) {
    for n in 1..=12 {
        if f.raw(n).is_empty() {
            continue;
        }
        let [
            qualifier,
            code,
            date_format,
            date,
            amount,
            quantity,
            _,
            _,
            present_on_admission,
        ] = f.first_components(n);
        let code = HealthCode {
            qualifier: f.text_of(qualifier),
            code: f.text_of(code),
            date_format: f.opt_of(date_format),
            date: f.opt_of(date),
            amount: f.opt_of(amount),
            quantity: f.opt_of(quantity),
            present_on_admission: f.opt_of(present_on_admission),
        };
        if DIAGNOSIS_QUALIFIERS.contains(&qualifier) {
            claim.diagnoses.push(code);
        } else {
            claim.health_codes.push(code);
        }
    }
}

fn clm(claim: &mut Claim, f: &Fields<'_, '_>) {
    claim.id = f.text(1);
    claim.total_charge = f.text(2);
    let [facility_code, facility_qualifier, frequency] = f.first_components(5);
    claim.facility_code = f.text_of(facility_code);
    claim.facility_qualifier = f.text_of(facility_qualifier);
    claim.frequency = f.text_of(frequency);
    claim.provider_signature = f.opt(6);
    claim.assignment = f.opt(7);
    claim.benefits_assigned = f.opt(8);
    claim.release_of_information = f.opt(9);
    claim.patient_signature_source = f.opt(10);
    f.component_list_into(&mut claim.related_causes, 11, 5);
    claim.special_program = f.opt(12);
    claim.delay_reason = f.opt(20);
}

fn service_line(line: &mut ServiceLine, id: &[u8], f: &Fields<'_, '_>) {
    match id {
        b"SV1" => {
            line.procedure = procedure(f, 1);
            line.charge = f.text(2);
            line.unit_basis = f.opt(3);
            line.units = f.opt(4);
            line.place_of_service = f.opt(5);
            f.component_list_into(&mut line.diagnosis_pointers, 7, 4);
            line.emergency = f.opt(9);
            line.epsdt = f.opt(11);
            line.family_planning = f.opt(12);
        }
        b"SV2" => {
            line.revenue_code = f.opt(1);
            line.procedure = procedure(f, 2);
            line.charge = f.text(3);
            line.unit_basis = f.opt(4);
            line.units = f.opt(5);
            line.non_covered_charge = f.opt(7);
        }
        b"SV3" => {
            line.procedure = procedure(f, 1);
            line.charge = f.text(2);
            line.place_of_service = f.opt(3);
            f.component_list_into(&mut line.oral_cavity, 4, 5);
            line.prosthesis = f.opt(5);
            line.units = f.opt(6);
            f.component_list_into(&mut line.diagnosis_pointers, 11, 4);
        }
        b"TOO" => line.teeth.push(Tooth {
            qualifier: f.text(1),
            number: f.text(2),
            surfaces: f.component_list(3, 5),
        }),
        b"DTP" => line.dates.push(dtp(f)),
        b"REF" => line.references.push(reference(f)),
        b"AMT" => line.amounts.push(amount(f)),
        b"NTE" => line.notes.push(note(f)),
        _ => {}
    }
}

fn other_payer_detail(other: &mut OtherPayer, id: &[u8], f: &Fields<'_, '_>) {
    match id {
        b"CAS" => adjustments(f, &mut other.adjustments),
        b"AMT" => other.amounts.push(amount(f)),
        b"OI" => {
            other.benefits_assigned = f.opt(3);
            other.patient_signature_source = f.opt(4);
            other.release_of_information = f.opt(6);
        }
        _ => {}
    }
}

fn adjudication_detail(adjudication: &mut LineAdjudication, id: &[u8], f: &Fields<'_, '_>) {
    match id {
        b"CAS" => adjustments(f, &mut adjudication.adjustments),
        b"DTP" => adjudication.dates.push(dtp(f)),
        b"AMT" => adjudication.amounts.push(amount(f)),
        _ => {}
    }
}

/// Empties what the 2300 loop and the loops under it fill, as in a new [`Claim`]; the
/// vectors keep their room for the next claim.
fn clear_claim_level(claim: &mut Claim) {
    // Every field named: one added to the model must be placed here or in `build_into`.
    let Claim {
        claim_type: _,
        source: _,
        transaction: _,
        submitter: _,
        receiver: _,
        billing_provider: _,
        pay_to: _,
        pay_to_plan: _,
        subscriber: _,
        payer: _,
        patient: _,
        id,
        total_charge,
        facility_code,
        facility_qualifier,
        frequency,
        provider_signature,
        assignment,
        benefits_assigned,
        release_of_information,
        patient_signature_source,
        related_causes,
        special_program,
        delay_reason,
        dates,
        institutional,
        amounts,
        references,
        notes,
        diagnoses,
        health_codes,
        providers,
        other_payers,
        lines,
    } = claim;
    for text in [
        id,
        total_charge,
        facility_code,
        facility_qualifier,
        frequency,
    ] {
        text.clear();
    }
    for option in [
        provider_signature,
        assignment,
        benefits_assigned,
        release_of_information,
        patient_signature_source,
        special_program,
        delay_reason,
    ] {
        *option = None;
    }
    *institutional = None;
    related_causes.clear();
    dates.clear();
    amounts.clear();
    references.clear();
    notes.clear();
    diagnoses.clear();
    health_codes.clear();
    providers.clear();
    other_payers.clear();
    lines.clear();
}

/// Empties a service line as in a new [`ServiceLine`]; its vectors keep their room.
fn clear_line(line: &mut ServiceLine) {
    // Every field named: one added to the model must be cleared here.
    let ServiceLine {
        number,
        revenue_code,
        procedure,
        charge,
        unit_basis,
        units,
        place_of_service,
        diagnosis_pointers,
        emergency,
        epsdt,
        family_planning,
        non_covered_charge,
        oral_cavity,
        prosthesis,
        teeth,
        dates,
        references,
        amounts,
        notes,
        drug,
        providers,
        adjudications,
    } = line;
    number.clear();
    charge.clear();
    for option in [
        revenue_code,
        unit_basis,
        units,
        place_of_service,
        emergency,
        epsdt,
        family_planning,
        non_covered_charge,
        prosthesis,
    ] {
        *option = None;
    }
    *procedure = None;
    *drug = None;
    diagnosis_pointers.clear();
    oral_cavity.clear();
    teeth.clear();
    dates.clear();
    references.clear();
    amounts.clear();
    notes.clear();
    providers.clear();
    adjudications.clear();
}

/// Makes room for the claim's service lines and providers at once. These elements of the
/// model are large (hundreds of bytes): growing their vectors one push at a time means
/// reallocating, and the first push alone asks for four, a request large enough to make the
/// allocator consolidate its free lists (a few per cent of extraction time by profile).
fn reserve(claim: &mut Claim, segments: &[Tagged<'_>]) {
    let (mut lines, mut providers, mut other_payers) = (0, 0, 0);
    for tagged in segments {
        match (tagged.loop_id, tagged.segment.id()) {
            ("2400", b"LX") => lines += 1,
            ("2320", b"SBR") => other_payers += 1,
            (loop_id, b"NM1") if loop_id.starts_with("2310") => providers += 1,
            _ => {}
        }
    }
    claim.lines.reserve_exact(lines);
    claim.providers.reserve_exact(providers);
    claim.other_payers.reserve_exact(other_payers);
}

/// The 2300 loop and everything under it (2310x, 2320, 2330x, 2400, 2410, 2420x, 2430).
/// Each loop's first segment opens a new element of the model; a segment of a loop whose
/// opener is missing (only possible in a set the validator rejected) is skipped.
fn claim_loops<'a>(
    claim: &mut Claim,
    segments: &[Tagged<'a>],
    set: &'a [u8],
    spare_lines: &mut Vec<ServiceLine>,
) {
    let span = Span::of(set, segments);
    spare_lines.append(&mut claim.lines);
    clear_claim_level(claim);
    reserve(claim, segments);
    for tagged in segments {
        let id = tagged.segment.id();
        let f = Fields::new(tagged, &span);
        let loop_id = tagged.loop_id;
        match loop_id {
            "2300" => match id {
                b"CLM" => clm(claim, &f),
                b"DTP" => claim.dates.push(dtp(&f)),
                b"CL1" => {
                    claim.institutional = Some(InstitutionalCodes {
                        admission_type: f.opt(1),
                        admission_source: f.opt(2),
                        patient_status: f.opt(3),
                    })
                }
                b"AMT" => claim.amounts.push(amount(&f)),
                b"REF" => claim.references.push(reference(&f)),
                b"NTE" => claim.notes.push(note(&f)),
                b"HI" => health_codes(claim, &f),
                _ => {}
            },
            _ if loop_id.starts_with("2310") => {
                if id == b"NM1" {
                    claim.providers.push(named(&f));
                } else if let Some(party) = claim.providers.last_mut() {
                    party_detail(party, id, &f);
                }
            }
            "2320" => {
                if id == b"SBR" {
                    claim.other_payers.push(OtherPayer {
                        payer_responsibility: f.text(1),
                        relationship: f.opt(2),
                        group_number: f.opt(3),
                        group_name: f.opt(4),
                        insurance_type: f.opt(5),
                        claim_filing: f.opt(9),
                        ..OtherPayer::default()
                    });
                } else if let Some(other) = claim.other_payers.last_mut() {
                    other_payer_detail(other, id, &f);
                }
            }
            _ if loop_id.starts_with("2330") => {
                let Some(other) = claim.other_payers.last_mut() else {
                    continue;
                };
                match (loop_id, id) {
                    ("2330A", b"NM1") => name_into(&mut other.subscriber, &f),
                    ("2330A", _) => party_detail(&mut other.subscriber, id, &f),
                    ("2330B", b"NM1") => name_into(&mut other.payer, &f),
                    ("2330B", b"DTP") => other.payer_dates.push(dtp(&f)),
                    ("2330B", _) => party_detail(&mut other.payer, id, &f),
                    (_, b"NM1") => other.providers.push(named(&f)),
                    _ => {
                        if let Some(party) = other.providers.last_mut() {
                            party_detail(party, id, &f);
                        }
                    }
                }
            }
            "2400" => {
                if id == b"LX" {
                    let mut line = spare_lines.pop().unwrap_or_default();
                    clear_line(&mut line);
                    line.number = f.text(1);
                    claim.lines.push(line);
                } else if let Some(line) = claim.lines.last_mut() {
                    service_line(line, id, &f);
                }
            }
            "2410" => {
                let Some(line) = claim.lines.last_mut() else {
                    continue;
                };
                match id {
                    b"LIN" => {
                        line.drug = Some(Drug {
                            qualifier: f.text(2),
                            code: f.text(3),
                            ..Drug::default()
                        })
                    }
                    b"CTP" => {
                        if let Some(drug) = line.drug.as_mut() {
                            drug.quantity = f.opt(4);
                            drug.unit = f.opt_of(f.component(5, 1));
                        }
                    }
                    _ => {}
                }
            }
            _ if loop_id.starts_with("2420") => {
                let Some(line) = claim.lines.last_mut() else {
                    continue;
                };
                if id == b"NM1" {
                    line.providers.push(named(&f));
                } else if let Some(party) = line.providers.last_mut() {
                    party_detail(party, id, &f);
                }
            }
            "2430" => {
                let Some(line) = claim.lines.last_mut() else {
                    continue;
                };
                if id == b"SVD" {
                    line.adjudications.push(LineAdjudication {
                        payer_id: f.text(1),
                        paid: f.text(2),
                        procedure: procedure(&f, 3),
                        units: f.opt(5),
                        bundled_line: f.opt(6),
                        ..LineAdjudication::default()
                    });
                } else if let Some(adjudication) = line.adjudications.last_mut() {
                    adjudication_detail(adjudication, id, &f);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{ClaimKind as Kind, GenOptions, write_interchange};

    fn options() -> ValidateOptions {
        let mut options = ValidateOptions::new();
        options.today =
            time::Date::from_calendar_date(2026, time::Month::November, 23).expect("a real date");
        options
    }

    fn claims_of(input: &[u8]) -> (Vec<Claim>, ExtractSummary) {
        let mut claims = Vec::new();
        let summary = extract(input, &options(), |claim, _| {
            claims.push(claim.clone());
            Ok(())
        })
        .expect("in memory");
        (claims, summary)
    }

    fn interchange(body: &str) -> Vec<u8> {
        let count = body.matches('~').count() + 2;
        format!(
            "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000007*0*T*:~\
GS*HC*APPSEND*APPRECV*20240101*1200*42*X*005010X222A1~ST*837*0123*005010X222A1~{body}SE*{count}*0123~GE*1*42~IEA*1*000000007~"
        )
        .into_bytes()
    }

    /// A small hand-written 837P with loops the generator does not write: pay-to, a patient,
    /// other payer, line adjudication, drug, CAS with two reasons.
    const BODY: &str = "BHT*0019*00*REF1*20240101*1200*CH~\
NM1*41*2*SUBMITTER*****46*S1~PER*IC*ANN*TE*5555550100*EM*a@example.com~\
NM1*40*2*RECEIVER*****46*R1~\
HL*1**20*1~PRV*BI*PXC*207Q00000X~NM1*85*2*CLINIC*****XX*1234567893~N3*1 MAIN ST*SUITE 2~N4*AMES*IA*500101234~REF*EI*123456789~\
NM1*87*2~N3*PO BOX 9~N4*AMES*IA*500109999~\
HL*2*1*22*1~SBR*P**GRP1******CI~NM1*IL*1*DOE*JOHN*Q***MI*M123~N3*5 ELM ST~N4*AMES*IA*50010~DMG*D8*19700102*M~\
NM1*PR*2*PAYER CO*****PI*P1~\
HL*3*2*23*0~PAT*19~NM1*QC*1*DOE*JANE~N3*5 ELM ST~N4*AMES*IA*50010~DMG*D8*20100203*F~\
CLM*C1*150***11:B:1*Y*A*Y*Y*P*AA:::IA~DTP*431*D8*20231201~REF*G1*AUTH9~NTE*ADD*NOTE TEXT~HI*ABK:J069*ABF:R509~HI*BG:01*BG:02~\
NM1*82*1*SMITH*ANN****XX*1234567893~PRV*PE*PXC*207Q00000X~\
SBR*S*01*G2******CI~CAS*CO*45*10**253*2~AMT*D*90~OI***Y*P**Y~NM1*IL*1*DOE*JANE****MI*X9~NM1*PR*2*OTHER*****PI*P2~DTP*573*D8*20231215~\
LX*1~SV1*HC:99213:25*100*UN*1***1:2~DTP*472*RD8*20231201-20231203~REF*6R*L1~\
LIN**N4*00002140701~CTP****2*UN~\
SVD*P2*90*HC:99213**1~CAS*PR*2*10~DTP*573*D8*20231215~\
LX*2~SV1*HC:36415*50*UN*1***1~DTP*472*D8*20231201~";

    #[test]
    fn every_covered_segment_reaches_the_model() {
        let (claims, summary) = claims_of(&interchange(BODY));
        assert_eq!(summary.sets_skipped, 0, "{summary:?}");
        assert_eq!(claims.len(), 1);
        let c = &claims[0];
        let source = c.source.as_ref().expect("extraction fills the source");
        assert_eq!(source.sender_id, "SENDER");
        assert_eq!(source.receiver_id, "RECEIVER");
        assert_eq!(source.interchange_control_number, "000000007");
        assert_eq!(source.application_sender, "APPSEND");
        assert_eq!(source.group_control_number, "42");
        assert_eq!(source.transaction_set_control_number, "0123");
        // ST 1, BHT 2, 1000A 3-4, 1000B 5, 2000A 6-14, 2000B 15-21, 2000C 22-27.
        assert_eq!(source.segment_in_set, 28);
        assert_eq!(c.transaction.date, "2024-01-01");
        assert_eq!(c.transaction.reference, "REF1");
        assert_eq!(c.submitter.contacts[0].numbers.len(), 2);
        assert_eq!(c.submitter.contacts[0].numbers[1].value, "a@example.com");
        assert_eq!(c.receiver.id.as_deref(), Some("R1"));
        let billing = &c.billing_provider;
        assert_eq!(billing.taxonomy.as_deref(), Some("207Q00000X"));
        assert_eq!(billing.provider_code.as_deref(), Some("BI"));
        assert_eq!(billing.name, "CLINIC");
        let address = billing.address.as_ref().expect("N3/N4");
        assert_eq!(address.line2.as_deref(), Some("SUITE 2"));
        assert_eq!(address.postal_code.as_deref(), Some("500101234"));
        assert_eq!(billing.references[0].value, "123456789");
        let pay_to = c.pay_to.as_ref().expect("2010AB");
        assert_eq!(
            pay_to.address.as_ref().map(|a| a.line1.as_str()),
            Some("PO BOX 9")
        );
        assert_eq!(c.subscriber.relationship, None);
        assert_eq!(c.subscriber.claim_filing.as_deref(), Some("CI"));
        assert_eq!(c.subscriber.member.middle_name.as_deref(), Some("Q"));
        assert_eq!(
            c.subscriber.member.birth_date.as_deref(),
            Some("1970-01-02")
        );
        assert_eq!(c.payer.id.as_deref(), Some("P1"));
        let patient = c.patient.as_ref().expect("2000C");
        assert_eq!(patient.relationship, "19");
        assert_eq!(patient.person.birth_date.as_deref(), Some("2010-02-03"));
        assert_eq!(c.id, "C1");
        assert_eq!(
            (
                c.facility_code.as_str(),
                c.facility_qualifier.as_str(),
                c.frequency.as_str()
            ),
            ("11", "B", "1")
        );
        assert_eq!(c.patient_signature_source.as_deref(), Some("P"));
        assert_eq!(c.related_causes, ["AA", "", "", "IA"]);
        assert_eq!(c.dates[0].value, "2023-12-01");
        assert_eq!(c.references[0].qualifier, "G1");
        assert_eq!(c.notes[0].text, "NOTE TEXT");
        let diagnoses: Vec<&str> = c.diagnoses.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(diagnoses, ["J069", "R509"]);
        let conditions: Vec<(&str, &str)> = c
            .health_codes
            .iter()
            .map(|h| (h.qualifier.as_str(), h.code.as_str()))
            .collect();
        assert_eq!(conditions, [("BG", "01"), ("BG", "02")]);
        assert_eq!(c.providers.len(), 1);
        assert_eq!(c.providers[0].taxonomy.as_deref(), Some("207Q00000X"));
        let other = &c.other_payers[0];
        assert_eq!(other.relationship.as_deref(), Some("01"));
        assert_eq!(other.adjustments.len(), 2);
        assert_eq!(other.adjustments[1].reason, "253");
        assert_eq!(other.adjustments[1].amount, "2");
        assert_eq!(other.adjustments[0].quantity, None);
        assert_eq!(other.benefits_assigned.as_deref(), Some("Y"));
        assert_eq!(other.release_of_information.as_deref(), Some("Y"));
        assert_eq!(other.subscriber.id.as_deref(), Some("X9"));
        assert_eq!(other.payer.id.as_deref(), Some("P2"));
        assert_eq!(other.payer_dates[0].value, "2023-12-15");
        assert_eq!(c.lines.len(), 2);
        let line = &c.lines[0];
        let proc = line.procedure.as_ref().expect("SV101");
        assert_eq!(
            (proc.code.as_str(), proc.modifiers.as_slice()),
            ("99213", &[Text::from("25")][..])
        );
        assert_eq!(line.diagnosis_pointers, ["1", "2"]);
        assert_eq!(line.dates[0].value, "2023-12-01/2023-12-03");
        let drug = line.drug.as_ref().expect("2410");
        assert_eq!(
            (drug.code.as_str(), drug.quantity.as_deref()),
            ("00002140701", Some("2"))
        );
        assert_eq!(drug.unit.as_deref(), Some("UN"));
        let adjudication = &line.adjudications[0];
        assert_eq!(adjudication.paid, "90");
        assert_eq!(adjudication.units.as_deref(), Some("1"));
        assert_eq!(adjudication.adjustments[0].group, "PR");
        assert_eq!(c.lines[1].number, "2");
        assert_eq!(c.lines[1].charge, "50");
    }

    #[test]
    fn a_set_with_a_syntax_error_is_skipped_and_named() {
        // SBR01 missing: a required element, so the 999 rejects the set.
        let body = BODY.replace("SBR*P**GRP1", "SBR***GRP1");
        let mut skipped = Vec::new();
        struct Sink<'a>(&'a mut Vec<SkippedSet>, u64);
        impl ClaimSink for Sink<'_> {
            fn claim(&mut self, _: &Claim, _: &ClaimResult) -> io::Result<()> {
                self.1 += 1;
                Ok(())
            }
            fn skipped_set(&mut self, set: &SkippedSet) -> io::Result<()> {
                self.0.push(set.clone());
                Ok(())
            }
        }
        let mut sink = Sink(&mut skipped, 0);
        let summary = extract_with(&interchange(&body)[..], &options(), &mut sink).expect("memory");
        assert_eq!(sink.1, 0);
        assert_eq!((summary.sets_skipped, summary.claims_skipped), (1, 1));
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].transaction_set_control_number, "0123");
        assert_eq!(
            skipped[0].interchange_control_number.as_deref(),
            Some("000000007")
        );
        assert!(!skipped[0].codes.is_empty());
    }

    #[test]
    fn a_claim_with_business_errors_is_extracted_with_its_status() {
        // CLM02 no longer the sum of the lines.
        let body = BODY.replace("CLM*C1*150*", "CLM*C1*151*");
        let mut statuses = Vec::new();
        let summary = extract(&interchange(&body)[..], &options(), |claim, result| {
            statuses.push((claim.total_charge.clone(), result.status));
            Ok(())
        })
        .expect("memory");
        assert_eq!(
            statuses,
            [(Text::from("151"), crate::validate::ClaimStatus::Rejected)]
        );
        assert_eq!(summary.claims_with_errors, 1);
    }

    #[test]
    fn generated_files_give_one_claim_per_clm_with_lines() {
        for kind in [Kind::Professional, Kind::Institutional, Kind::Dental] {
            let mut input = Vec::new();
            let mut gen_options = GenOptions::new(kind, 25, 9);
            gen_options.claims_per_transaction = 10;
            write_interchange(&mut input, &gen_options).expect("generate");
            let (claims, summary) = claims_of(&input);
            assert_eq!(claims.len(), 25, "{kind:?}");
            assert_eq!(summary.claims_with_errors, 0, "{kind:?}");
            let text = String::from_utf8(input).expect("ASCII");
            assert_eq!(text.matches("CLM*").count(), claims.len());
            for claim in &claims {
                assert!(!claim.lines.is_empty(), "{kind:?} {}", claim.id);
                assert!(text.contains(&format!("CLM*{}*{}*", claim.id, claim.total_charge)));
                // Dental claims carry HI only sometimes (the guide's situational rule).
                assert!(kind == Kind::Dental || !claim.diagnoses.is_empty());
                assert!(!claim.billing_provider.name.is_empty());
                assert!(!claim.subscriber.member.name.is_empty());
            }
            let sets: std::collections::BTreeSet<&str> = claims
                .iter()
                .filter_map(|c| c.source.as_ref())
                .map(|s| s.transaction_set_control_number.as_str())
                .collect();
            assert_eq!(sets.len(), 3, "{kind:?}");
        }
    }

    #[test]
    fn claims_built_in_one_buffer_are_the_claims_built_afresh() {
        // Each claim as extraction lends it (one buffer, shared parts kept, lines refilled)
        // against the same segments built from nothing: a claim with pay-to, a patient,
        // other payers, a drug and adjudications, then generated ones, and again.
        struct Keep(Vec<Claim>);
        impl ClaimSink for Keep {
            fn claim(&mut self, claim: &Claim, _: &ClaimResult) -> io::Result<()> {
                self.0.push(claim.clone());
                Ok(())
            }
        }
        struct Both<'s> {
            extractor: Extractor<'s>,
            fresh: Vec<Claim>,
        }
        impl Observer for Both<'_> {
            fn wants_claim_segments(&self) -> bool {
                true
            }
            fn claim_segments(&mut self, segments: &ClaimSegments<'_, '_>) -> io::Result<()> {
                if segments.set.accepted() {
                    self.fresh.push(build_claim(segments));
                }
                self.extractor.claim_segments(segments)
            }
        }
        for kind in [Kind::Professional, Kind::Institutional, Kind::Dental] {
            let mut generated = Vec::new();
            let mut gen_options = GenOptions::new(kind, 40, 11);
            gen_options.claims_per_transaction = 15;
            write_interchange(&mut generated, &gen_options).expect("generate");
            let mut input = interchange(BODY);
            input.extend_from_slice(&generated);
            input.extend_from_slice(&interchange(BODY));
            input.extend_from_slice(&generated);
            let mut kept = Keep(Vec::new());
            let mut both = Both {
                extractor: Extractor::new(&mut kept),
                fresh: Vec::new(),
            };
            validate(&input[..], &options(), &mut both).expect("in memory");
            let fresh = both.fresh;
            assert_eq!(fresh.len(), 82, "{kind:?}");
            assert_eq!(kept.0, fresh, "{kind:?}");
        }
    }

    #[test]
    fn dates_follow_the_model_convention() {
        assert_eq!(date_text(b"D8", b"20110511"), "2011-05-11");
        assert_eq!(
            date_text(b"RD8", b"20110511-20110514"),
            "2011-05-11/2011-05-14"
        );
        assert_eq!(date_text(b"RD8", b"20110511-2011"), "20110511-2011");
        assert_eq!(date_text(b"D8", b"2011051"), "2011051");
        assert_eq!(date_text(b"DT", b"201105111200"), "201105111200");
        assert_eq!(date_text(b"D8", "2011é511".as_bytes()), "2011é511");
    }
}
