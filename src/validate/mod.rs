//! The validator: envelopes, X12 element syntax, implementation-guide structure and business
//! edits, streamed one transaction set at a time.
//!
//! [`validate`] reads any `std::io::Read` and tells an [`Observer`] what it finds as each
//! envelope closes: printers, acknowledgment writers and the submitter's gate are observers.
//! Syntax findings belong to envelopes and transaction sets (TA1, 999); business findings
//! belong to claims (277CA-style, one report per CLM01).

pub mod edits;
mod element;
mod envelope;
mod fields;
mod structure;

use compact_str::CompactString;
use std::io::{self, Read};

use serde::Serialize;

use crate::envelope::{
    Event, GsHeader, IsaHeader, ParseErrorKind, ParseOptions, Reader, TransactionSet,
};
use crate::finding::{Category, Code, Finding, Location, Severity};
use crate::schema::{Guide, NodeKind, guide_for};
use crate::syntax::{Delimiters, Position, Segment};

use edits::{ClaimIndex, ClaimKind, ClaimView, EDITS, Tagged};
use fields::Fields;
use structure::Walker;

pub(crate) use element::ValueRules;
pub(crate) use envelope::{ISA_ID_QUALIFIERS, isa_id_qualifiers};

/// How to validate.
#[derive(Clone, Debug)]
pub struct ValidateOptions {
    /// How to read the envelopes (lenient counts, size limits).
    pub parse: ParseOptions,
    /// The date service dates must not be after (today, unless a test fixes it).
    pub today: time::Date,
    /// Codes switched off (companion guides differ); their findings are not reported.
    pub disabled: Vec<Code>,
}

impl ValidateOptions {
    /// Strict reading, every edit on, "today" from the system clock (UTC).
    pub fn new() -> Self {
        ValidateOptions {
            parse: ParseOptions::default(),
            today: time::OffsetDateTime::now_utc().date(),
            disabled: Vec::new(),
        }
    }
}

impl Default for ValidateOptions {
    fn default() -> Self {
        Self::new()
    }
}

/// The identifying values of an interchange, for reports and acknowledgments.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InterchangeInfo {
    /// ISA13.
    pub control_number: String,
    /// ISA05.
    pub sender_qualifier: String,
    /// ISA06, padding removed.
    pub sender_id: String,
    /// ISA07.
    pub receiver_qualifier: String,
    /// ISA08, padding removed.
    pub receiver_id: String,
    /// ISA09.
    pub date: String,
    /// ISA10.
    pub time: String,
    /// ISA12.
    pub version: String,
    /// ISA14.
    pub acknowledgment_requested: String,
    /// ISA15.
    pub usage_indicator: String,
    /// Where the ISA starts.
    pub position: Position,
    /// The interchange's delimiters.
    #[serde(skip)]
    pub delimiters: Delimiters,
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl InterchangeInfo {
    fn from(isa: &IsaHeader<'_>) -> Self {
        InterchangeInfo {
            control_number: text(isa.control_number()),
            sender_qualifier: text(isa.sender_qualifier()),
            sender_id: text(isa.sender_id()),
            receiver_qualifier: text(isa.receiver_qualifier()),
            receiver_id: text(isa.receiver_id()),
            date: text(isa.date()),
            time: text(isa.time()),
            version: text(isa.version()),
            acknowledgment_requested: text(isa.acknowledgment_requested()),
            usage_indicator: text(isa.usage_indicator()),
            position: isa.segment().position(),
            delimiters: isa.delimiters(),
        }
    }
}

/// The identifying values of a functional group.
#[derive(Clone, Debug, Default, Serialize)]
pub struct GroupInfo {
    /// GS01.
    pub functional_id: String,
    /// GS02.
    pub sender: String,
    /// GS03.
    pub receiver: String,
    /// GS06.
    pub control_number: String,
    /// GS08.
    pub version: String,
    /// Where the GS starts.
    pub position: Position,
}

impl GroupInfo {
    fn from(gs: &GsHeader<'_>) -> Self {
        GroupInfo {
            functional_id: text(gs.functional_id()),
            sender: text(gs.sender()),
            receiver: text(gs.receiver()),
            control_number: text(gs.control_number()),
            version: text(gs.version()),
            position: gs.segment().position(),
        }
    }
}

/// Whether a claim passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// No error: the claim goes on.
    Accepted,
    /// A business error, or its transaction set was rejected.
    Rejected,
}

/// One claim's result.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimResult {
    /// CLM01, the patient control number.
    pub claim_id: CompactString,
    /// CLM02, the total charge as written.
    pub total_charge: CompactString,
    /// Where the CLM is.
    pub position: Position,
    /// Position of the CLM in its transaction set.
    pub segment_in_set: u64,
    /// Accepted or rejected (a rejected transaction set rejects all its claims).
    pub status: ClaimStatus,
    /// Its business findings.
    pub findings: Vec<Finding>,
}

/// The result of one transaction set.
#[derive(Debug)]
pub struct SetResult<'r> {
    /// The set, to quote segments and rebuild the envelope.
    pub set: TransactionSet<'r>,
    /// The guide it was checked against, if one matched.
    pub guide: Option<&'static Guide>,
    /// Syntax findings (envelope, structure, elements) and notes.
    pub findings: Vec<Finding>,
    /// Its claims with their business findings.
    pub claims: Vec<ClaimResult>,
}

impl SetResult<'_> {
    /// Every finding of the set: its own, then each claim's, in order.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> + '_ {
        self.findings
            .iter()
            .chain(self.claims.iter().flat_map(|c| c.findings.iter()))
    }

    /// True when no syntax error rejects the set (999 IK501 A or E).
    pub fn accepted(&self) -> bool {
        !self
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error && f.category() == Category::Syntax)
    }
}

/// One claim's segments as the validator placed them in the guide's loops, with the context
/// a reader of claims needs: the set's header (BHT, 1000A, 1000B), the claim's billing
/// provider, subscriber and patient levels, the envelopes and the claim's result. Every
/// segment borrows the transaction set; nothing is copied.
#[derive(Clone, Copy, Debug)]
pub struct ClaimSegments<'v, 'a> {
    /// 837P, 837I or 837D.
    pub kind: ClaimKind,
    /// The interchange (ISA), when one is open.
    pub interchange: Option<&'v InterchangeInfo>,
    /// The functional group (GS), when one is open.
    pub group: Option<&'v GroupInfo>,
    /// The set's result: [`SetResult::accepted`] says whether syntax errors rejected it.
    pub set: &'v SetResult<'a>,
    /// The claim's result: id, status and business findings.
    pub result: &'v ClaimResult,
    /// The segments before the first HL: BHT, 1000A and 1000B (ST excluded).
    pub header: &'v [Tagged<'a>],
    /// 2000A and its 2010Ax loops.
    pub billing: &'v [Tagged<'a>],
    /// 2000B and its 2010Bx loops.
    pub subscriber: &'v [Tagged<'a>],
    /// 2000C and 2010CA, when the patient is not the subscriber.
    pub patient: Option<&'v [Tagged<'a>]>,
    /// The 2300 loop and everything under it, CLM first.
    pub claim: &'v [Tagged<'a>],
}

/// Where one claim's parts are in [`SetSegments::store`].
#[derive(Clone, Debug)]
struct ClaimParts {
    billing: std::ops::Range<usize>,
    subscriber: std::ops::Range<usize>,
    patient: Option<std::ops::Range<usize>>,
    claim: std::ops::Range<usize>,
}

/// The segments kept for [`Observer::claim_segments`] while a set is checked: only built
/// when an observer asks, so plain validation keeps nothing extra.
#[derive(Default)]
struct SetSegments<'a> {
    header: Vec<Tagged<'a>>,
    store: Vec<Tagged<'a>>,
    claims: Vec<ClaimParts>,
}

impl<'a> SetSegments<'a> {
    /// Room for a set of `segments` segments: each segment is stored once (claims under
    /// the same billing provider, subscriber or patient share that part's copy).
    fn with_capacity(segments: usize) -> Self {
        SetSegments {
            store: Vec::with_capacity(segments),
            ..SetSegments::default()
        }
    }

    fn append(&mut self, part: &[Tagged<'a>]) -> std::ops::Range<usize> {
        let start = self.store.len();
        self.store.extend_from_slice(part);
        start..self.store.len()
    }

    /// The range of `part` in the store: the last claim's, when `part` is the same
    /// segments (same first position and length), else a new copy.
    fn shared(
        &mut self,
        part: &[Tagged<'a>],
        last: impl Fn(&ClaimParts) -> Option<std::ops::Range<usize>>,
    ) -> std::ops::Range<usize> {
        if let Some(range) = self.claims.last().and_then(last)
            && let (Some(stored), Some(first)) = (self.store.get(range.clone()), part.first())
            && stored.len() == part.len()
            && stored.first().map(|t| t.index) == Some(first.index)
        {
            return range;
        }
        self.append(part)
    }

    /// Copies the finished claim's parts (cheap: borrowed segments) before they are
    /// cleared; a part the last claim had too is not copied again.
    fn keep(&mut self, claims: &Claims<'a>) {
        let billing = self.shared(&claims.billing, |c| Some(c.billing.clone()));
        let subscriber = self.shared(&claims.subscriber, |c| Some(c.subscriber.clone()));
        let patient = claims
            .has_patient
            .then(|| self.shared(&claims.patient, |c| c.patient.clone()));
        let claim = self.append(&claims.claim);
        self.claims.push(ClaimParts {
            billing,
            subscriber,
            patient,
            claim,
        });
    }

    fn part(&self, range: &std::ops::Range<usize>) -> &[Tagged<'a>] {
        self.store.get(range.clone()).unwrap_or_default()
    }
}

/// Receives what the validator finds, as each envelope closes.
pub trait Observer {
    /// An interchange begins.
    fn interchange_start(&mut self, _info: &InterchangeInfo) -> io::Result<()> {
        Ok(())
    }
    /// A functional group begins.
    fn group_start(&mut self, _info: &GroupInfo) -> io::Result<()> {
        Ok(())
    }
    /// A transaction set was checked.
    fn transaction(&mut self, _result: &SetResult<'_>) -> io::Result<()> {
        Ok(())
    }
    /// True when this observer reads claims' segments ([`Observer::claim_segments`]). Asked
    /// once per transaction set; when false (the default) the validator keeps nothing extra.
    fn wants_claim_segments(&self) -> bool {
        false
    }
    /// One claim of an 837 set, with its segments as placed in the guide's loops, called for
    /// each claim in order right after [`Observer::transaction`] for its set, and only when
    /// [`Observer::wants_claim_segments`] is true.
    fn claim_segments(&mut self, _claim: &ClaimSegments<'_, '_>) -> io::Result<()> {
        Ok(())
    }
    /// A functional group ended: GE01 as written, sets found, and the group's findings.
    fn group_end(
        &mut self,
        _info: &GroupInfo,
        _declared: Option<u64>,
        _found: u64,
        _findings: &[Finding],
    ) -> io::Result<()> {
        Ok(())
    }
    /// An interchange ended, with its own findings (TA1 level).
    fn interchange_end(
        &mut self,
        _info: &InterchangeInfo,
        _findings: &[Finding],
    ) -> io::Result<()> {
        Ok(())
    }
    /// The input could not be read further (a fatal syntax error), with the interchange's
    /// findings so far when one was open.
    fn fatal(&mut self, _info: Option<&InterchangeInfo>, _findings: &[Finding]) -> io::Result<()> {
        Ok(())
    }
}

/// An observer that hands every finding to a function, in report order: transaction sets
/// (with their claims), groups, interchanges, fatal errors. The function returns `()` or an
/// `io::Result<()>` (a printer's write), whose error stops validation.
pub struct EachFinding<F>(pub F);

/// What an [`EachFinding`] function may return.
pub trait FindingResult {
    /// As an I/O result.
    fn into_result(self) -> io::Result<()>;
}

impl FindingResult for () {
    fn into_result(self) -> io::Result<()> {
        Ok(())
    }
}

impl FindingResult for io::Result<()> {
    fn into_result(self) -> io::Result<()> {
        self
    }
}

impl<F, R> EachFinding<F>
where
    F: FnMut(&Finding) -> R,
    R: FindingResult,
{
    fn all<'f>(&mut self, findings: impl Iterator<Item = &'f Finding>) -> io::Result<()> {
        findings
            .into_iter()
            .try_for_each(|f| (self.0)(f).into_result())
    }
}

impl<F, R> Observer for EachFinding<F>
where
    F: FnMut(&Finding) -> R,
    R: FindingResult,
{
    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        self.all(result.all_findings())
    }
    fn group_end(
        &mut self,
        _: &GroupInfo,
        _: Option<u64>,
        _: u64,
        f: &[Finding],
    ) -> io::Result<()> {
        self.all(f.iter())
    }
    fn interchange_end(&mut self, _: &InterchangeInfo, f: &[Finding]) -> io::Result<()> {
        self.all(f.iter())
    }
    fn fatal(&mut self, _: Option<&InterchangeInfo>, f: &[Finding]) -> io::Result<()> {
        self.all(f.iter())
    }
}

/// Counts over one input.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    /// Interchanges read.
    pub interchanges: u64,
    /// Functional groups read.
    pub groups: u64,
    /// Transaction sets read.
    pub transaction_sets: u64,
    /// Transaction sets rejected by a syntax error.
    pub transaction_sets_rejected: u64,
    /// Claims read.
    pub claims: u64,
    /// Claims rejected.
    pub claims_rejected: u64,
    /// Findings at error severity.
    pub errors: u64,
    /// Findings at warning severity.
    pub warnings: u64,
    /// Notes.
    pub notes: u64,
    /// Segments read.
    pub segments: u64,
    /// Bytes read.
    pub bytes: u64,
}

impl Summary {
    fn count(&mut self, findings: &[Finding]) {
        for finding in findings {
            match finding.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
                Severity::Note => self.notes += 1,
            }
        }
    }
}

/// Validates every interchange of `source`, telling `observer` as envelopes close.
///
/// Returns `Err` only for I/O errors (reading the input or an observer's writing); malformed
/// input is reported through findings.
pub fn validate<R: Read>(
    source: R,
    options: &ValidateOptions,
    observer: &mut dyn Observer,
) -> io::Result<Summary> {
    let mut reader = Reader::with_options(source, options.parse);
    let mut summary = Summary::default();
    let mut interchange: Option<InterchangeInfo> = None;
    let mut interchange_findings: Vec<Finding> = Vec::new();
    let mut group: Option<GroupInfo> = None;
    let mut group_findings: Vec<Finding> = Vec::new();
    let mut walker_cache: Option<GuideWalk> = None;
    loop {
        let event = match reader.next_event() {
            Ok(Some(event)) => event,
            Ok(None) => break,
            Err(error) => {
                if let ParseErrorKind::Io(e) = error.kind {
                    return Err(e);
                }
                let context = context_of(interchange.as_ref(), group.as_ref());
                // Problems already found in the envelopes the error cut short.
                for problem in reader.open_problems().iter() {
                    interchange_findings.push(envelope::problem_finding(problem, &context));
                }
                if let Some(finding) = envelope::fatal_finding(&error, &context) {
                    interchange_findings.push(finding);
                }
                retain_enabled(&mut interchange_findings, options);
                summary.count(&interchange_findings);
                observer.fatal(interchange.as_ref(), &interchange_findings)?;
                break;
            }
        };
        match event {
            Event::InterchangeStart(isa) => {
                summary.interchanges += 1;
                let info = InterchangeInfo::from(&isa);
                interchange_findings.clear();
                let context = context_of(Some(&info), None);
                envelope::check_isa(&isa, &context, &mut interchange_findings);
                observer.interchange_start(&info)?;
                interchange = Some(info);
            }
            Event::InterchangeSegment(_) => {}
            Event::GroupStart(gs) => {
                summary.groups += 1;
                let info = GroupInfo::from(&gs);
                group_findings.clear();
                let context = context_of(interchange.as_ref(), Some(&info));
                let isa_version = interchange.as_ref().map_or("", |i| i.version.as_str());
                envelope::check_gs(&gs, isa_version, &context, &mut group_findings);
                observer.group_start(&info)?;
                group = Some(info);
            }
            Event::Transaction(set) => {
                summary.transaction_sets += 1;
                let context = context_of(interchange.as_ref(), group.as_ref());
                // Sized once for the set's segments: grown by doubling, the store of a set
                // of a thousand claims (some 140 bytes a segment) was copied about ten times,
                // a tenth of extraction's time (perf).
                let mut kept = observer
                    .wants_claim_segments()
                    .then(|| SetSegments::with_capacity(set.segment_count()));
                let mut result =
                    check_set(&set, &context, options, &mut walker_cache, kept.as_mut());
                // End-of-input problems filed on the set are interchange (TA1) findings.
                let (ta1, rest): (Vec<Finding>, Vec<Finding>) = result
                    .findings
                    .drain(..)
                    .partition(|f| matches!(f.x12(), crate::finding::X12Code::Ta105(_)));
                interchange_findings.extend(ta1);
                // So are group (AK9) problems found while checking the set (GS01 not the
                // guide's functional id): once per group, and they do not reject the set.
                let (ak9, rest): (Vec<Finding>, Vec<Finding>) = rest
                    .into_iter()
                    .partition(|f| matches!(f.x12(), crate::finding::X12Code::Ak905(_)));
                for finding in ak9 {
                    let known = group_findings.iter().any(|g| {
                        g.code == finding.code && g.location.element == finding.location.element
                    });
                    if !known {
                        group_findings.push(finding);
                    }
                }
                result.findings = rest;
                retain_enabled(&mut result.findings, options);
                let accepted = result.accepted();
                if !accepted {
                    summary.transaction_sets_rejected += 1;
                }
                summary.count(&result.findings);
                for claim in &mut result.claims {
                    retain_enabled(&mut claim.findings, options);
                    let rejected =
                        !accepted || claim.findings.iter().any(|f| f.severity == Severity::Error);
                    claim.status = if rejected {
                        ClaimStatus::Rejected
                    } else {
                        ClaimStatus::Accepted
                    };
                    summary.claims += 1;
                    if rejected {
                        summary.claims_rejected += 1;
                    }
                    summary.count(&claim.findings);
                }
                summary.segments += set.segment_count() as u64;
                observer.transaction(&result)?;
                if let (Some(kept), Some(kind)) = (
                    &kept,
                    result.guide.and_then(|g| ClaimKind::from_guide(&g.id)),
                ) {
                    for (claim, parts) in result.claims.iter().zip(&kept.claims) {
                        observer.claim_segments(&ClaimSegments {
                            kind,
                            interchange: interchange.as_ref(),
                            group: group.as_ref(),
                            set: &result,
                            result: claim,
                            header: &kept.header,
                            billing: kept.part(&parts.billing),
                            subscriber: kept.part(&parts.subscriber),
                            patient: parts.patient.as_ref().map(|p| kept.part(p)),
                            claim: kept.part(&parts.claim),
                        })?;
                    }
                }
            }
            Event::GroupEnd(end) => {
                let info = group.take().unwrap_or_else(|| GroupInfo::from(&end.gs));
                let context = context_of(interchange.as_ref(), Some(&info));
                for problem in end.problems {
                    group_findings.push(envelope::problem_finding(problem, &context));
                }
                retain_enabled(&mut group_findings, options);
                summary.count(&group_findings);
                let declared = end
                    .ge
                    .and_then(|ge| std::str::from_utf8(ge.value(1)).ok()?.parse().ok());
                observer.group_end(&info, declared, end.transaction_count, &group_findings)?;
            }
            Event::InterchangeEnd(end) => {
                let info = interchange
                    .take()
                    .unwrap_or_else(|| InterchangeInfo::from(&end.isa));
                let context = context_of(Some(&info), None);
                for problem in end.problems {
                    interchange_findings.push(envelope::problem_finding(problem, &context));
                }
                retain_enabled(&mut interchange_findings, options);
                summary.count(&interchange_findings);
                observer.interchange_end(&info, &interchange_findings)?;
                interchange_findings.clear();
            }
        }
    }
    summary.bytes = reader.offset();
    Ok(summary)
}

fn retain_enabled(findings: &mut Vec<Finding>, options: &ValidateOptions) {
    if !options.disabled.is_empty() {
        findings.retain(|f| !options.disabled.contains(&f.code));
    }
}

/// A location naming the open envelopes.
fn context_of(interchange: Option<&InterchangeInfo>, group: Option<&GroupInfo>) -> Location {
    Location {
        interchange: interchange.map(|i| i.control_number.clone()),
        group: group.map(|g| g.control_number.clone()),
        ..Location::default()
    }
}

/// Where a segment is, for findings.
fn segment_location(
    context: &Location,
    segment: &Segment<'_>,
    index: u64,
    loop_id: &'static str,
) -> Location {
    Location {
        position: segment.position(),
        segment_in_set: Some(index),
        segment_id: Some(segment.id_str().to_string()),
        loop_id: Some(loop_id),
        ..context.clone()
    }
}

/// The claim being collected and the context it sits in.
#[derive(Default)]
struct Claims<'a> {
    billing: Vec<Tagged<'a>>,
    subscriber: Vec<Tagged<'a>>,
    patient: Vec<Tagged<'a>>,
    has_patient: bool,
    claim: Vec<Tagged<'a>>,
    chargeable: bool,
    /// The edits' index of the claim being finished, kept so its vectors are reused.
    index: ClaimIndex,
}

impl<'a> Claims<'a> {
    /// The claim (CLM01) a syntax finding at `segment` in `loop_id` concerns: a segment of a
    /// claim loop belongs to the claim being collected and a CLM to itself, but a segment
    /// `missing` from a claim loop that `segment` closed belongs to the claim before it.
    fn claim_for(&self, segment: &Segment<'_>, loop_id: &str, missing: bool) -> Option<String> {
        if !(loop_id.starts_with("23") || loop_id.starts_with("24")) {
            return None;
        }
        if segment.id() == b"CLM" && !missing {
            return Some(text(segment.value(1)));
        }
        self.claim.first().map(|c| text(c.value(1)))
    }

    /// True when the segment of id key `key` ends the claim being collected (a new
    /// claim, HL or the SE).
    fn ends_claim(&self, key: u32) -> bool {
        !self.claim.is_empty() && matches!(key, HL | CLM | SE)
    }

    /// Files a placed segment under `part` of the hierarchy ([`Part::of`] its loop).
    ///
    /// The segment is handed over in pieces and put together in its list: a whole
    /// [`Tagged`] built first and then pushed was copied twice (perf: a `memcpy` call per
    /// segment for its 144 bytes).
    #[inline(always)]
    fn add(
        &mut self,
        loop_id: &'static str,
        segment: &Segment<'a>,
        index: u64,
        key: u32,
        fields: &Fields,
        part: Part,
    ) {
        if key == HL {
            match fields.value(segment, 3) {
                b"20" => {
                    self.billing.clear();
                    self.subscriber.clear();
                    self.patient.clear();
                    self.has_patient = false;
                }
                b"22" => {
                    self.subscriber.clear();
                    self.patient.clear();
                    self.has_patient = false;
                }
                b"23" => {
                    self.patient.clear();
                    self.has_patient = true;
                }
                _ => {}
            }
        }
        if key == BHT {
            self.chargeable = fields.value(segment, 6) == b"CH";
        }
        let list = match part {
            Part::Billing => &mut self.billing,
            Part::Subscriber => &mut self.subscriber,
            Part::Patient => &mut self.patient,
            Part::Claim => &mut self.claim,
            Part::None => return,
        };
        list.push(Tagged {
            loop_id,
            segment: *segment,
            index,
            key,
            fields: *fields,
        });
    }
}

// Segment ids the loop over a set's segments tells apart, as id keys: the key is computed
// once a segment, and ids are two or three bytes, so equal keys mean equal ids (comparing
// the id itself each time sliced it again).
const HL: u32 = crate::schema::id_key(b"HL");
const CLM: u32 = crate::schema::id_key(b"CLM");
const SE: u32 = crate::schema::id_key(b"SE");
const ST: u32 = crate::schema::id_key(b"ST");
const BHT: u32 = crate::schema::id_key(b"BHT");

/// Which part of a claim's hierarchy a loop's segments belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    /// 2000A and its 2010Ax loops.
    Billing,
    /// 2000B and its 2010Bx loops.
    Subscriber,
    /// 2000C and 2010CA.
    Patient,
    /// 2300 and everything under it.
    Claim,
    /// The header, 1000A/B and anything else.
    None,
}

impl Part {
    /// The part of loop `loop_id`: found once per node of a guide ([`GuideWalk`]), not per
    /// segment.
    fn of(loop_id: &str) -> Part {
        if loop_id.starts_with("2000A") || loop_id.starts_with("2010A") {
            Part::Billing
        } else if loop_id.starts_with("2000B") || loop_id.starts_with("2010B") {
            Part::Subscriber
        } else if loop_id.starts_with("2000C") || loop_id.starts_with("2010C") {
            Part::Patient
        } else if loop_id.starts_with("23") || loop_id.starts_with("24") {
            Part::Claim
        } else {
            Part::None
        }
    }
}

/// The structure walker of the guide the last transaction set used, kept for the next
/// set, with what the loop over a set's segments reads of each of the guide's nodes.
struct GuideWalk {
    guide: &'static Guide,
    walker: Walker<'static>,
    nodes: Vec<NodePlan>,
}

/// What the loop over a set's segments reads of a node, side by side for all nodes: a
/// [`crate::schema::Node`] holds its whole segment spec, and reading its loop id and kind
/// touched two of its cache lines per segment.
#[derive(Clone, Copy)]
struct NodePlan {
    /// The id of the loop it is in.
    loop_id: &'static str,
    /// The claim part its segments are filed under.
    part: Part,
    /// The segment use, for a segment node.
    spec: Option<&'static crate::schema::SegmentSpec>,
}

impl NodePlan {
    fn of(node: &'static crate::schema::Node) -> Self {
        NodePlan {
            loop_id: node.loop_id,
            part: Part::of(node.loop_id),
            spec: match &node.kind {
                NodeKind::Segment(spec) => Some(spec),
                NodeKind::Loop(_) => None,
            },
        }
    }
}

/// [`text`] of a claim's own value: a copy after a UTF-8 check, the same string
/// `from_utf8_lossy` gives for valid UTF-8 without its walk over chunks (two a claim).
///
/// Kept inline (up to 24 bytes, every real CLM01 and CLM02) instead of on the heap: two
/// allocations a claim were most of what finish_claim itself cost.
fn claim_text(bytes: &[u8]) -> CompactString {
    match std::str::from_utf8(bytes) {
        Ok(valid) => CompactString::new(valid),
        Err(_) => CompactString::from(text(bytes)),
    }
}

/// Runs the edits over the finished claim and empties it.
fn finish_claim<'a>(
    claims: &mut Claims<'a>,
    kind: ClaimKind,
    options: &ValidateOptions,
    context: &Location,
    hits: &mut Vec<edits::Hit<'a>>,
    out: &mut Vec<ClaimResult>,
    kept: Option<&mut SetSegments<'a>>,
) {
    let Some(clm) = claims.claim.first().copied() else {
        return;
    };
    if let Some(kept) = kept {
        kept.keep(claims);
    }
    let claim_id = claim_text(clm.value(1));
    let patient = claims.has_patient.then_some(claims.patient.as_slice());
    // One pass finds what every edit reads, instead of each edit walking the claim.
    claims.index.build(
        kind,
        [
            &claims.billing,
            &claims.subscriber,
            patient.unwrap_or_default(),
            &claims.claim,
        ],
    );
    let view = ClaimView {
        kind,
        chargeable: claims.chargeable,
        billing: &claims.billing,
        subscriber: &claims.subscriber,
        patient,
        claim: &claims.claim,
        today: options.today,
        index: &claims.index,
    };
    hits.clear();
    for edit in EDITS {
        if !options.disabled.is_empty() && edit.codes.iter().all(|c| options.disabled.contains(c)) {
            continue;
        }
        (edit.check)(&view, hits);
    }
    let findings = hits
        .drain(..)
        .map(|hit| {
            let mut location =
                segment_location(context, &hit.at.segment, hit.at.index, hit.at.loop_id);
            location.claim = Some(claim_id.to_string());
            location.element = (hit.element > 0).then_some(hit.element);
            location.component = (hit.component > 0).then_some(hit.component);
            location.entity = hit.entity;
            Finding::new(hit.code, location, hit.message)
        })
        .collect();
    out.push(ClaimResult {
        claim_id,
        total_charge: claim_text(clm.value(2)),
        position: clm.segment.position(),
        segment_in_set: clm.index,
        status: ClaimStatus::Accepted,
        findings,
    });
    claims.claim.clear();
}

/// Files the issues placing a segment raised (each drained, so the empty vector is
/// reused) as findings: out of line, since most segments raise none, and an empty
/// drain cost a dozen instructions a segment.
#[cold]
#[inline(never)]
fn file_placement_issues(
    issues: &mut Vec<structure::StructureIssue>,
    (context, segment, index): (&Location, &Segment<'_>, u64),
    claims: &Claims<'_>,
    findings: &mut Vec<Finding>,
) {
    for issue in issues.drain(..) {
        let mut location = segment_location(context, segment, index, issue.loop_id);
        location.segment_id = Some(issue.segment_id);
        location.claim =
            claims.claim_for(segment, issue.loop_id, issue.code == Code::SegmentMissing);
        findings.push(Finding::new(issue.code, location, issue.message));
    }
}

/// Files the issues of a segment's elements as findings (see [`file_placement_issues`]).
#[cold]
#[inline(never)]
fn file_element_issues(
    issues: &mut Vec<element::ElementIssue>,
    (context, segment, index): (&Location, &Segment<'_>, u64),
    loop_id: &'static str,
    claims: &Claims<'_>,
    findings: &mut Vec<Finding>,
) {
    for issue in issues.drain(..) {
        let mut location = segment_location(context, segment, index, loop_id);
        location.element = (issue.element > 0).then_some(issue.element);
        location.component = (issue.component > 0).then_some(issue.component);
        location.repetition = (issue.repetition > 0).then_some(issue.repetition);
        location.element_number = issue.number;
        location.claim = claims.claim_for(segment, loop_id, false);
        findings.push(Finding::new(issue.code, location, issue.message));
    }
}

/// Checks one transaction set: envelope problems, ST values, structure, elements, edits.
fn check_set<'r>(
    set: &TransactionSet<'r>,
    group_context: &Location,
    options: &ValidateOptions,
    walker_cache: &mut Option<GuideWalk>,
    mut kept: Option<&mut SetSegments<'r>>,
) -> SetResult<'r> {
    let context = Location {
        transaction: Some(text(set.control_number())),
        ..group_context.clone()
    };
    let mut findings: Vec<Finding> = set
        .problems()
        .iter()
        .map(|p| envelope::problem_finding(p, &context))
        .collect();
    let st = set.st();
    let st_location = |element: u8| Location {
        position: set.position(),
        segment_in_set: Some(1),
        segment_id: Some("ST".into()),
        element: Some(element),
        loop_id: Some("ST"),
        ..context.clone()
    };
    let st03 = st.map(|s| s.value(3)).unwrap_or_default();
    if !st03.is_empty() && st03 != set.gs().version() {
        findings.push(Finding::new(
            Code::ImplementationReferenceInvalid,
            st_location(3),
            "ST03 differs from GS08 (HIPAA guides require them equal)",
        ));
    }
    let st02 = set.control_number();
    if !st02.is_empty() && !(4..=9).contains(&st02.len()) {
        findings.push(Finding::new(
            Code::TransactionControlNumberInvalid,
            st_location(2),
            "ST02 must be 4 to 9 characters",
        ));
    }
    let guide = guide_for(set.transaction_type(), set.version());
    let Some(guide) = guide else {
        if !set.transaction_type().is_empty() {
            findings.push(Finding::new(
                Code::GuideNotSupported,
                st_location(1),
                format!(
                    "no implementation guide for {} {}: envelopes and X12 syntax were checked, guide rules were not",
                    String::from_utf8_lossy(set.transaction_type()),
                    String::from_utf8_lossy(set.version())
                ),
            ));
        }
        return SetResult {
            set: *set,
            guide: None,
            findings,
            claims: Vec::new(),
        };
    };
    if set.gs().functional_id() != guide.functional_id.as_bytes() {
        findings.push(Finding::new(
            Code::GroupHeaderInvalid,
            Location {
                position: set.gs().segment().position(),
                segment_id: Some("GS".into()),
                element: Some(1),
                ..context.clone()
            },
            format!(
                "GS01 must be {} for a {} transaction set",
                guide.functional_id, guide.transaction
            ),
        ));
    }
    if walker_cache
        .as_ref()
        .is_some_and(|cached| !std::ptr::eq(cached.guide, guide))
    {
        *walker_cache = None;
    }
    let GuideWalk { walker, nodes, .. } = walker_cache.get_or_insert_with(|| GuideWalk {
        guide,
        walker: Walker::new(guide),
        nodes: guide.nodes.iter().map(NodePlan::of).collect(),
    });
    walker.reset();
    let kind = ClaimKind::from_guide(&guide.id);
    let mut structure_issues = Vec::new();
    let mut element_issues = Vec::new();
    let mut claims = Claims::default();
    let mut claim_results = Vec::new();
    let mut hits = Vec::new();
    let delimiters = set.delimiters();
    let classes = element::Classes::new(Some((delimiters.component, delimiters.repetition)));
    // The positions in the set (1-based, 0 for none) of the last segment and the last HL,
    // where issues found as the set closes are reported: only their positions are noted
    // per segment, and the segments are found again in the rare set that has such issues
    // (copying every segment aside cost some 15 instructions a segment).
    let mut last = 0u64;
    let mut last_hl = 0u64;
    for (i, segment) in set.segments().enumerate() {
        let index = i as u64 + 1;
        // The elements found once, read by index from here on (structure, elements, edits).
        let fields = Fields::of(&segment);
        let key = crate::schema::id_key(segment.id());
        let node = walker.place(&segment, key, &fields, &mut structure_issues);
        let plan = node.and_then(|n| nodes.get(n));
        let loop_id = plan.map_or_else(|| walker.current_loop(), |p| p.loop_id);
        if !structure_issues.is_empty() {
            file_placement_issues(
                &mut structure_issues,
                (&context, &segment, index),
                &claims,
                &mut findings,
            );
        }
        last = index;
        if key == HL {
            last_hl = index;
        }
        let Some(plan) = plan else {
            continue;
        };
        if let Some(spec) = plan.spec {
            element::check_segment(&segment, &fields, &classes, spec, &mut element_issues);
            if !element_issues.is_empty() {
                file_element_issues(
                    &mut element_issues,
                    (&context, &segment, index),
                    loop_id,
                    &claims,
                    &mut findings,
                );
            }
        }
        if key == HL {
            walker.hierarchy(&segment, &fields, loop_id, &mut structure_issues);
            for issue in structure_issues.drain(..) {
                let location = segment_location(&context, &segment, index, issue.loop_id);
                findings.push(Finding::new(issue.code, location, issue.message));
            }
        }
        if let Some(kind) = kind {
            if claims.ends_claim(key) {
                finish_claim(
                    &mut claims,
                    kind,
                    options,
                    &context,
                    &mut hits,
                    &mut claim_results,
                    kept.as_deref_mut(),
                );
            }
            if let Some(kept) = kept.as_deref_mut()
                && claims.billing.is_empty()
                && claims.claim.is_empty()
                && (loop_id == "ST" || loop_id.starts_with("1000"))
                && key != ST
                && key != SE
            {
                kept.header.push(Tagged {
                    loop_id,
                    segment,
                    index,
                    key,
                    fields,
                });
            }
            claims.add(loop_id, &segment, index, key, &fields, plan.part);
        }
    }
    walker.finish(&mut structure_issues);
    let nth = |index: u64| {
        let skip = usize::try_from(index.checked_sub(1)?).ok()?;
        Some((set.segments().nth(skip)?, index))
    };
    if let Some(last) = (!structure_issues.is_empty()).then(|| nth(last)).flatten() {
        let last_hl = nth(last_hl);
        for issue in structure_issues.drain(..) {
            // Missing segments are reported where their loops closed (the end of the set);
            // an HL that promised children is reported at that HL.
            let (segment, index) = match (issue.code, last_hl) {
                (Code::HierarchyInvalid, Some(hl)) => hl,
                _ => last,
            };
            let mut location = segment_location(&context, &segment, index, issue.loop_id);
            location.segment_id = Some(issue.segment_id);
            location.claim = claims.claim_for(&segment, issue.loop_id, true);
            findings.push(Finding::new(issue.code, location, issue.message));
        }
    }
    if let Some(kind) = kind {
        finish_claim(
            &mut claims,
            kind,
            options,
            &context,
            &mut hits,
            &mut claim_results,
            kept,
        );
    }
    SetResult {
        set: *set,
        guide: Some(guide),
        findings,
        claims: claim_results,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::synth::{ClaimKind as Kind, GenOptions, write_interchange};

    /// Every finding of a validation, in order.
    #[derive(Default)]
    struct All(Vec<Finding>);

    impl Observer for All {
        fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
            self.0.extend(result.findings.iter().cloned());
            for claim in &result.claims {
                self.0.extend(claim.findings.iter().cloned());
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
            self.0.extend(findings.iter().cloned());
            Ok(())
        }
        fn interchange_end(&mut self, _: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
            self.0.extend(findings.iter().cloned());
            Ok(())
        }
    }

    /// A generated file (one segment per line) with each `from` replaced by `to`, and SE01
    /// counted again.
    pub(crate) fn edited(kind: Kind, claims: u64, seed: u64, edits: &[(&str, &str)]) -> Vec<u8> {
        let mut bytes = Vec::new();
        write_interchange(&mut bytes, &GenOptions::new(kind, claims, seed)).expect("generate");
        let mut text = String::from_utf8(bytes).expect("ASCII");
        for (from, to) in edits {
            assert!(text.contains(from), "{from:?} not in the generated file");
            text = text.replacen(from, to, 1);
        }
        let mut count = 0;
        let lines: Vec<String> = text
            .lines()
            .map(|line| {
                if line.starts_with("ST*") {
                    count = 0;
                }
                count += 1;
                match line
                    .strip_prefix("SE*")
                    .and_then(|rest| rest.split_once('*'))
                {
                    Some((_, control)) => format!("SE*{count}*{control}"),
                    None => line.to_string(),
                }
            })
            .collect();
        (lines.join("\n") + "\n").into_bytes()
    }

    pub(crate) fn findings(input: &[u8]) -> Vec<Finding> {
        let mut options = ValidateOptions::new();
        options.today =
            time::Date::from_calendar_date(2026, time::Month::November, 23).expect("a real date");
        let mut all = All::default();
        validate(input, &options, &mut all).expect("in memory");
        all.0
    }

    /// What the claim hook handed over for one claim: header segment ids, billing and
    /// subscriber segment counts, whether the claim part starts with its CLM, and GS06.
    type HookCall = (Vec<String>, usize, usize, bool, Option<String>);

    /// Records what the claim hook hands over.
    struct Hook {
        wants: bool,
        calls: Vec<HookCall>,
    }

    impl Observer for Hook {
        fn wants_claim_segments(&self) -> bool {
            self.wants
        }
        fn claim_segments(&mut self, claim: &ClaimSegments<'_, '_>) -> io::Result<()> {
            self.calls.push((
                claim
                    .header
                    .iter()
                    .map(|t| t.segment.id_str().to_string())
                    .collect(),
                claim.billing.len(),
                claim.subscriber.len(),
                claim
                    .claim
                    .first()
                    .is_some_and(|t| t.segment.id() == b"CLM"),
                claim.group.map(|g| g.control_number.clone()),
            ));
            Ok(())
        }
    }

    #[test]
    fn the_claim_hook_is_called_only_when_asked_with_each_claims_parts() {
        let mut input = Vec::new();
        write_interchange(&mut input, &GenOptions::new(Kind::Professional, 3, 1))
            .expect("generate");
        let options = ValidateOptions::new();
        let mut quiet = Hook {
            wants: false,
            calls: Vec::new(),
        };
        validate(&input[..], &options, &mut quiet).expect("in memory");
        assert!(quiet.calls.is_empty());
        let mut hook = Hook {
            wants: true,
            calls: Vec::new(),
        };
        validate(&input[..], &options, &mut hook).expect("in memory");
        assert_eq!(hook.calls.len(), 3);
        for (header, billing, subscriber, starts_with_clm, group) in &hook.calls {
            assert_eq!(header, &["BHT", "NM1", "PER", "NM1"]);
            assert!(*billing >= 4, "HL, PRV, NM1, N3, N4, REF: {billing}");
            assert!(*subscriber >= 3);
            assert!(*starts_with_clm);
            assert!(group.is_some());
        }
    }

    #[test]
    fn an_hl_promising_children_that_never_come_is_reported_at_that_hl() {
        // 837P seed 2, one claim: HL*2 (the subscriber, position 12) is the last HL.
        let input = edited(
            Kind::Professional,
            1,
            2,
            &[("HL*2*1*22*0~", "HL*2*1*22*1~")],
        );
        let found = findings(&input);
        let hl: Vec<&Finding> = found
            .iter()
            .filter(|f| f.code == Code::HierarchyInvalid)
            .collect();
        assert_eq!(hl.len(), 1, "{found:#?}");
        assert_eq!(hl[0].location.segment_in_set, Some(12));
        assert_eq!(hl[0].location.segment_id.as_deref(), Some("HL"));
        assert_eq!(hl[0].location.loop_id, Some("2000B"));
    }

    #[test]
    fn an_attending_provider_npi_names_entity_71() {
        // 837I seed 11: 2310A is the attending provider (NM1*71), not a referring one (DN).
        let input = edited(
            Kind::Institutional,
            1,
            11,
            &[("XX*1302772847~", "XX*1302772848~")],
        );
        let found = findings(&input);
        let npi: Vec<String> = found
            .iter()
            .filter(|f| f.code == Code::NpiInvalid)
            .map(|f| f.x12().to_string())
            .collect();
        assert_eq!(npi, ["STC A7:562:71"]);
    }

    #[test]
    fn a_segment_missing_from_a_claim_names_that_claim_not_the_next() {
        // 837I seed 5: two claims under one subscriber. The first claim's CL1 removed is
        // found missing when the second claim's CLM (position 32) closes the claim loop.
        let input = edited(Kind::Institutional, 3, 5, &[("CL1*3**01~\n", "")]);
        let found = findings(&input);
        let missing: Vec<(Option<&str>, Option<u64>)> = found
            .iter()
            .filter(|f| f.code == Code::SegmentMissing)
            .map(|f| (f.location.claim.as_deref(), f.location.segment_in_set))
            .collect();
        assert_eq!(missing, [(Some("A4ZBQS9LT9H7P"), Some(32))], "{found:#?}");
        // A segment of the second claim names the second claim, its CLM itself included.
        let input = edited(
            Kind::Institutional,
            2,
            11,
            &[(
                "CLM*CV9STW0BJ6Y7A*2805***13:A:1**A*Y*Y~",
                "CLM*CV9STW0BJ6Y7A*2805***13:A:1*Y*A*Y*Y~",
            )],
        );
        let found = findings(&input);
        let claims: Vec<Option<&str>> = found
            .iter()
            .filter(|f| f.code == Code::ElementNotUsed)
            .map(|f| f.location.claim.as_deref())
            .collect();
        assert_eq!(claims, [Some("CV9STW0BJ6Y7A")]);
    }
}
