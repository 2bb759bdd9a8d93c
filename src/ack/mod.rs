//! Acknowledgments from findings: TA1 (interchange) and 999 (implementation) writers, each
//! a validator [`Observer`], plus the per-claim report.
//!
//! Envelopes mirror the input: sender and receiver swap, the delimiters are the input's, and
//! the acknowledged control numbers are copied. Counts are computed. No element data is ever
//! copied into an acknowledgment (IK404 is left out): only ids, codes and control numbers.
//! An interchange whose TA1 says R (rejected) gets no 999: its groups were not processed.
//!
//! The 999 is the HIPAA one (005010X231A1): it names only the functional groups and
//! transaction sets its guide lists (AK101, AK201). A group of functional acknowledgments
//! (GS01 `FA`) is never acknowledged, nor is any other group the guide cannot name; a set
//! it cannot name is counted in AK9 as received and not accepted, without an AK2. Each is
//! reported by [`Ack999Writer::not_acknowledged`].

use std::io::{self, Write};

use crate::finding::{Category, Finding, Severity, X12Code};
use crate::schema::{CodeList, NodeKind};
use crate::syntax::Delimiters;
use crate::validate::{GroupInfo, InterchangeInfo, Observer, SetResult};
use crate::writer::{Digits, SegmentWriter, without_delimiters};

/// When and under which control numbers acknowledgments are written.
#[derive(Clone, Copy, Debug)]
pub struct AckOptions {
    /// The date written in ISA09/GS04.
    pub date: time::Date,
    /// The time written in ISA10/GS05 (hours, minutes).
    pub time: (u8, u8),
    /// ISA13 and GS06 of the acknowledgment; `None` reuses the acknowledged interchange's.
    pub control_number: Option<u32>,
    /// ISA15 of the acknowledgment (`T` or `P`); `None` copies the input's.
    pub usage: Option<u8>,
}

impl AckOptions {
    /// Now (UTC), control numbers mirrored from the input.
    pub fn now() -> Self {
        let now = time::OffsetDateTime::now_utc();
        AckOptions {
            date: now.date(),
            time: (now.hour(), now.minute()),
            control_number: None,
            usage: None,
        }
    }
}

/// TA104 and TA105 for an interchange's findings: the most severe TA1-level error decides;
/// without one, the first TA1-level warning (a count accepted in lenient mode) makes the
/// interchange accepted with errors noted (`E`).
pub fn ta1_status(findings: &[Finding]) -> (u8, &'static str) {
    let mut best: Option<(u8, &'static str)> = None;
    for finding in findings.iter().filter(|f| f.severity == Severity::Error) {
        let X12Code::Ta105(note) = finding.x12() else {
            continue;
        };
        let status = ta1_severity(note);
        if best.is_none_or(|(s, _)| status == b'R' && s == b'E') {
            best = Some((status, note));
        }
    }
    let warning = || {
        findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .find_map(|f| match f.x12() {
                X12Code::Ta105(note) => Some((b'E', note)),
                _ => None,
            })
    };
    best.or_else(warning).unwrap_or((b'A', "000"))
}

/// TA104 for a note code (X12-REFERENCE 2: Azure's typical values).
fn ta1_severity(note: &str) -> u8 {
    match note {
        "001" | "002" | "003" | "006" | "008" | "009" | "019" | "020" | "021" => b'E',
        _ => b'R',
    }
}

fn yymmdd(date: time::Date) -> [u8; 6] {
    let mut out = [b'0'; 6];
    let (y, m, d) = date.to_calendar_date();
    out[..2].copy_from_slice(Digits::padded((y.rem_euclid(100)) as u64, 2).as_bytes());
    out[2..4].copy_from_slice(Digits::padded(u8::from(m) as u64, 2).as_bytes());
    out[4..].copy_from_slice(Digits::padded(d as u64, 2).as_bytes());
    out
}

fn ccyymmdd(date: time::Date) -> [u8; 8] {
    let mut out = [b'0'; 8];
    let (y, m, d) = date.to_calendar_date();
    out[..4].copy_from_slice(Digits::padded(y.max(0) as u64, 4).as_bytes());
    out[4..6].copy_from_slice(Digits::padded(u8::from(m) as u64, 2).as_bytes());
    out[6..].copy_from_slice(Digits::padded(d as u64, 2).as_bytes());
    out
}

fn hhmm(time: (u8, u8)) -> [u8; 4] {
    let mut out = [b'0'; 4];
    out[..2].copy_from_slice(Digits::padded(u64::from(time.0), 2).as_bytes());
    out[2..].copy_from_slice(Digits::padded(u64::from(time.1), 2).as_bytes());
    out
}

/// Pads or cuts `value` to exactly `width` bytes (ISA is fixed width).
fn fixed(value: &[u8], width: usize, pad: u8) -> Vec<u8> {
    let mut out: Vec<u8> = value.iter().copied().take(width).collect();
    out.resize(width, pad);
    out
}

/// The interchange control number of an acknowledgment: configured, or the input's.
fn control_number(info: &InterchangeInfo, options: &AckOptions) -> u64 {
    match options.control_number {
        Some(n) => u64::from(n),
        None => info.control_number.parse().unwrap_or(1),
    }
}

/// Writes the ISA of an acknowledgment to `info`'s interchange (sender and receiver swapped).
fn write_isa<W: Write>(
    w: &mut SegmentWriter<W>,
    info: &InterchangeInfo,
    options: &AckOptions,
    delimiters: &Delimiters,
) {
    let clean = |v: &str| without_delimiters(v.as_bytes(), delimiters);
    // The input's ISA15 is mirrored only when it is one of the two codes: a broken
    // interchange may hold anything there, a delimiter included.
    let usage = options
        .usage
        .or_else(|| {
            info.usage_indicator
                .bytes()
                .next()
                .filter(|b| matches!(b, b'P' | b'T'))
        })
        .unwrap_or(b'T');
    w.segment(b"ISA")
        .e(b"00")
        .e(b"          ")
        .e(b"00")
        .e(b"          ")
        .e(&fixed(&clean(&info.receiver_qualifier), 2, b' '))
        .e(&fixed(&clean(&info.receiver_id), 15, b' '))
        .e(&fixed(&clean(&info.sender_qualifier), 2, b' '))
        .e(&fixed(&clean(&info.sender_id), 15, b' '))
        .e(&yymmdd(options.date))
        .e(&hhmm(options.time))
        .delimiter_value(delimiters.repetition.unwrap_or(b'^'))
        .e(b"00501")
        .e(Digits::padded(control_number(info, options), 9).as_bytes())
        .e(b"0")
        .e(&[usage])
        .delimiter_value(delimiters.component);
}

/// The delimiters of an acknowledgment: the input's, with a repetition separator.
fn ack_delimiters(info: &InterchangeInfo) -> Delimiters {
    let d = info.delimiters;
    let repetition = d.repetition.or_else(|| {
        [b'^', b'{', b'!', b'|']
            .into_iter()
            .find(|&c| c != d.element && c != d.component && c != d.segment)
    });
    Delimiters { repetition, ..d }
}

/// Writes one TA1 interchange per input interchange.
pub struct Ta1Writer<W: Write> {
    out: W,
    options: AckOptions,
    line_break: &'static [u8],
}

impl<W: Write> Ta1Writer<W> {
    /// A writer to `out`.
    pub fn new(out: W, options: AckOptions) -> Self {
        Ta1Writer {
            out,
            options,
            line_break: b"\n",
        }
    }

    /// Gives the output back.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn write(&mut self, info: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
        let delimiters = ack_delimiters(info);
        let (status, note) = ta1_status(findings);
        let mut w = SegmentWriter::new(&mut self.out, delimiters, self.line_break);
        write_isa(&mut w, info, &self.options, &delimiters);
        w.end()?;
        let clean = |v: &str| without_delimiters(v.as_bytes(), &delimiters);
        w.segment(b"TA1")
            .e(&fixed(&clean(&info.control_number), 9, b'0'))
            .e(&clean(&info.date))
            .e(&clean(&info.time))
            .e(&[status])
            .e(note.as_bytes())
            .end()?;
        w.segment(b"IEA")
            .e(b"0")
            .e(Digits::padded(control_number(info, &self.options), 9).as_bytes())
            .end()?;
        w.finish()?;
        Ok(())
    }
}

impl<W: Write> Observer for Ta1Writer<W> {
    fn interchange_end(&mut self, info: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
        self.write(info, findings)
    }

    fn fatal(&mut self, info: Option<&InterchangeInfo>, findings: &[Finding]) -> io::Result<()> {
        // Without an ISA13 there is nothing a TA1 could acknowledge.
        match info {
            Some(info) => self.write(info, findings),
            None => Ok(()),
        }
    }
}

/// One AK2 loop: a transaction set's response.
struct SetAck {
    transaction_type: String,
    control_number: String,
    version: String,
    /// (segment id, position, IK304 code, claim id, element issues: (element, component,
    /// repetition, dictionary number, IK403 code)).
    segments: Vec<SegmentAck>,
    /// IK501.
    status: u8,
    /// IK502-IK506.
    codes: Vec<&'static str>,
}

struct SegmentAck {
    id: String,
    position: u64,
    code: &'static str,
    claim: Option<String>,
    elements: Vec<(u8, u8, u8, Option<u16>, &'static str)>,
}

/// One 999 transaction set: a functional group's response.
struct GroupAck {
    functional_id: String,
    control_number: String,
    version: String,
    sender: String,
    receiver: String,
    sets: Vec<SetAck>,
    /// GE01 as written (or the count found when GE01 is missing).
    declared: u64,
    /// Sets found.
    found: u64,
    /// AK905 codes of group-level errors.
    codes: Vec<&'static str>,
    /// AK905 codes of group-level warnings (lenient counts): accepted, errors noted.
    noted: Vec<&'static str>,
    /// Sets received that the 999 cannot name (no AK2; counted as not accepted).
    omitted: u64,
}

/// A functional group or transaction set the 999 leaves out, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAcknowledged {
    /// GS06 of the group.
    pub group: String,
    /// ST02 of the set; `None` when the whole group is left out.
    pub transaction: Option<String>,
    /// Why, naming the codes (never element data).
    pub reason: String,
}

/// The codes the 999 guide allows in element `element` (1-based) of segment `id`, read from
/// the guide itself; `None` when it lists none (or is not compiled in).
fn guide_codes(id: &str, element: usize) -> Option<&'static CodeList> {
    let guide = crate::schema::guide_for(b"999", b"005010X231A1")?;
    guide.nodes.iter().find_map(|node| match &node.kind {
        NodeKind::Segment(spec) if spec.id == id => spec
            .elements
            .get(element.checked_sub(1)?)?
            .simple
            .as_ref()?
            .codes
            .as_ref(),
        _ => None,
    })
}

/// Why the 999 cannot carry `value` in element `element` of `id` (`what` names the input
/// element it comes from), or `None` when it can.
fn unnameable(id: &str, element: usize, value: &str, what: &str) -> Option<String> {
    let codes = guide_codes(id, element)?;
    if codes.contains(value.as_bytes()) {
        return None;
    }
    let list: Vec<String> = codes
        .as_slice()
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let value = if value.is_empty() { "(empty)" } else { value };
    Some(format!(
        "{what} {value}: a 999 (005010X231A1) names only {}",
        list.join(", ")
    ))
}

/// Writes one 999 interchange per input interchange, one 999 transaction set per group.
pub struct Ack999Writer<W: Write> {
    out: W,
    options: AckOptions,
    groups: Vec<GroupAck>,
    current: Option<GroupAck>,
    line_break: &'static [u8],
    /// What was left out, over every interchange.
    not_acknowledged: Vec<NotAcknowledged>,
    /// Groups of the current interchange left out whole.
    groups_left_out: usize,
}

impl<W: Write> Ack999Writer<W> {
    /// A writer to `out`.
    pub fn new(out: W, options: AckOptions) -> Self {
        Ack999Writer {
            out,
            options,
            groups: Vec::new(),
            current: None,
            line_break: b"\n",
            not_acknowledged: Vec::new(),
            groups_left_out: 0,
        }
    }

    /// Gives the output back.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The groups and sets left out of the 999s written so far, in input order.
    pub fn not_acknowledged(&self) -> &[NotAcknowledged] {
        &self.not_acknowledged
    }
}

impl<W: Write> Ack999Writer<W> {
    /// Writes the 999 interchange answering `info`'s interchange.
    fn write_interchange(&mut self, info: &InterchangeInfo) -> io::Result<()> {
        let delimiters = ack_delimiters(info);
        let groups = std::mem::take(&mut self.groups);
        if groups.is_empty() && self.groups_left_out > 0 {
            // Every group was left out (a file of acknowledgments): nothing to answer.
            return Ok(());
        }
        let options = self.options;
        let control = control_number(info, &options);
        let clean = |v: &str| without_delimiters(v.as_bytes(), &delimiters);
        let mut w = SegmentWriter::new(&mut self.out, delimiters, self.line_break);
        write_isa(&mut w, info, &options, &delimiters);
        w.end()?;
        if let Some(first) = groups.first() {
            w.segment(b"GS")
                .e(b"FA")
                .e(&clean(&first.receiver))
                .e(&clean(&first.sender))
                .e(&ccyymmdd(options.date))
                .e(&hhmm(options.time))
                .e(Digits::new(control).as_bytes())
                .e(b"X")
                .e(b"005010X231A1")
                .end()?;
            for (i, group) in groups.iter().enumerate() {
                let st02 = Digits::padded(i as u64 + 1, 4);
                w.start_set();
                w.segment(b"ST")
                    .e(b"999")
                    .e(st02.as_bytes())
                    .e(b"005010X231A1")
                    .end()?;
                w.segment(b"AK1")
                    .e(&clean(&group.functional_id))
                    .e(&clean(&group.control_number));
                // A GS without GS08 leaves AK103 out (no trailing separator).
                if !group.version.is_empty() {
                    w.e(&clean(&group.version));
                }
                w.end()?;
                let mut accepted = 0u64;
                let mut all_clean = true;
                for set in &group.sets {
                    write_set(&mut w, set, &delimiters)?;
                    if set.status != b'R' {
                        accepted += 1;
                    }
                    all_clean &= set.status == b'A';
                }
                let status = if !group.codes.is_empty() || accepted == 0 && group.found > 0 {
                    b'R'
                } else if accepted < group.sets.len() as u64 + group.omitted {
                    b'P'
                } else if all_clean && group.noted.is_empty() {
                    b'A'
                } else {
                    b'E'
                };
                w.segment(b"AK9")
                    .e(&[status])
                    .e(Digits::new(group.declared).as_bytes())
                    .e(Digits::new(group.found).as_bytes())
                    .e(Digits::new(accepted).as_bytes());
                for code in group.codes.iter().chain(&group.noted).take(5) {
                    w.e(code.as_bytes());
                }
                w.end()?;
                let count = w.set_segments() + 1;
                w.segment(b"SE")
                    .e(Digits::new(count).as_bytes())
                    .e(st02.as_bytes())
                    .end()?;
            }
            w.segment(b"GE")
                .e(Digits::new(groups.len() as u64).as_bytes())
                .e(Digits::new(control).as_bytes())
                .end()?;
        }
        w.segment(b"IEA")
            .e(if groups.is_empty() { b"0" } else { b"1" })
            .e(Digits::padded(control, 9).as_bytes())
            .end()?;
        w.finish()?;
        Ok(())
    }
}

/// Writes one AK2 loop.
fn write_set<W: Write>(
    w: &mut SegmentWriter<W>,
    set: &SetAck,
    delimiters: &Delimiters,
) -> io::Result<()> {
    let clean = |v: &str| without_delimiters(v.as_bytes(), delimiters);
    w.segment(b"AK2")
        .e(&clean(&set.transaction_type))
        .e(&clean(&set.control_number));
    if !set.version.is_empty() {
        w.e(&clean(&set.version));
    }
    w.end()?;
    for segment in &set.segments {
        w.segment(b"IK3")
            .e(&clean(&segment.id))
            .e(Digits::new(segment.position).as_bytes())
            .skip(1)
            .e(segment.code.as_bytes())
            .end()?;
        if let Some(claim) = segment
            .claim
            .as_deref()
            .map(clean)
            .filter(|c| fits_context_reference(c))
        {
            // Business-unit context: the claim's patient control number, so the sender
            // can find it (CTX01 = CLM01:<value>).
            w.segment(b"CTX").composite(&[b"CLM01", &claim]).end()?;
        }
        // IK401-1 and IK401-2 hold two digits: an error past element or component 99 (a
        // segment of 129 elements, say) is left to its IK3's code 8.
        for &(element, component, repetition, number, code) in segment
            .elements
            .iter()
            .filter(|(element, component, ..)| *element <= 99 && *component <= 99)
        {
            let e = Digits::new(u64::from(element));
            let c = Digits::new(u64::from(component));
            let r = Digits::new(u64::from(repetition));
            match (component, repetition) {
                (0, 0) => w.segment(b"IK4").e(e.as_bytes()),
                (_, 0) => w.segment(b"IK4").composite(&[e.as_bytes(), c.as_bytes()]),
                (0, _) => w
                    .segment(b"IK4")
                    .composite(&[e.as_bytes(), b"", r.as_bytes()]),
                _ => w
                    .segment(b"IK4")
                    .composite(&[e.as_bytes(), c.as_bytes(), r.as_bytes()]),
            };
            match number {
                Some(n) => w.e(Digits::new(u64::from(n)).as_bytes()),
                None => w.skip(1),
            };
            w.e(code.as_bytes()).end()?;
        }
    }
    w.segment(b"IK5").e(&[set.status]);
    for code in &set.codes {
        w.e(code.as_bytes());
    }
    w.end()
}

/// True when `value` can be a CTX01-2 (Context Reference, AN 1-35): a CLM01 may be up to
/// 38 characters, or carry bytes outside the X12 character sets, and such a claim gets no
/// business-unit context rather than an invalid one (the IK3 still names its segment).
fn fits_context_reference(value: &[u8]) -> bool {
    (1..=35).contains(&value.len())
        && value.iter().all(|b| (b' '..=b'~').contains(b))
        && value.iter().any(|&b| b != b' ')
}

/// IK5 status and codes for a set's syntax findings (errors reject it; warnings make it
/// accepted with errors noted, and their IK502 codes are written too).
fn set_status(findings: &[Finding]) -> (u8, Vec<&'static str>) {
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.category() == Category::Syntax && f.severity == Severity::Error)
        .collect();
    let warnings = findings
        .iter()
        .any(|f| f.category() == Category::Syntax && f.severity == Severity::Warning);
    let mut codes: Vec<&'static str> = Vec::new();
    let mut push = |code: &'static str| {
        if !codes.contains(&code) && codes.len() < 5 {
            codes.push(code);
        }
    };
    let mut standard = false;
    let mut implementation = false;
    for finding in &errors {
        match finding.x12() {
            X12Code::Ik502(code) => push(code),
            X12Code::Ik304(code) | X12Code::Ik403(code) => {
                if code.starts_with('I') {
                    implementation = true;
                } else {
                    standard = true;
                }
            }
            _ => {}
        }
    }
    if standard {
        push("5");
    } else if implementation {
        push("I5");
    }
    // Problems accepted as warnings (lenient SE01) are still named: IK5*E*4.
    for finding in findings
        .iter()
        .filter(|f| f.category() == Category::Syntax && f.severity == Severity::Warning)
    {
        if let X12Code::Ik502(code) = finding.x12() {
            push(code);
        }
    }
    if !errors.is_empty() {
        (b'R', codes)
    } else if warnings {
        (b'E', codes)
    } else {
        (b'A', codes)
    }
}

impl<W: Write> Observer for Ack999Writer<W> {
    fn interchange_start(&mut self, _info: &InterchangeInfo) -> io::Result<()> {
        self.groups.clear();
        self.groups_left_out = 0;
        Ok(())
    }

    fn group_start(&mut self, info: &GroupInfo) -> io::Result<()> {
        let reason = if info.functional_id == "FA" {
            Some("GS01 FA: functional acknowledgments are not acknowledged".to_string())
        } else {
            unnameable("AK1", 1, &info.functional_id, "GS01")
        };
        if let Some(reason) = reason {
            self.current = None;
            self.groups_left_out += 1;
            self.not_acknowledged.push(NotAcknowledged {
                group: info.control_number.clone(),
                transaction: None,
                reason,
            });
            return Ok(());
        }
        self.current = Some(GroupAck {
            functional_id: info.functional_id.clone(),
            control_number: info.control_number.clone(),
            version: info.version.clone(),
            sender: info.sender.clone(),
            receiver: info.receiver.clone(),
            sets: Vec::new(),
            declared: 0,
            found: 0,
            codes: Vec::new(),
            noted: Vec::new(),
            omitted: 0,
        });
        Ok(())
    }

    fn transaction(&mut self, result: &SetResult<'_>) -> io::Result<()> {
        let Some(group) = self.current.as_mut() else {
            return Ok(());
        };
        let set = &result.set;
        let transaction_type = String::from_utf8_lossy(set.transaction_type());
        if let Some(reason) = unnameable("AK2", 1, &transaction_type, "ST01") {
            group.omitted += 1;
            self.not_acknowledged.push(NotAcknowledged {
                group: group.control_number.clone(),
                transaction: Some(String::from_utf8_lossy(set.control_number()).into_owned()),
                reason: format!("{reason}; counted in AK9 as received, not accepted"),
            });
            return Ok(());
        }
        let mut segments: Vec<SegmentAck> = Vec::new();
        for finding in result
            .findings
            .iter()
            .filter(|f| f.category() == Category::Syntax && f.severity == Severity::Error)
        {
            let location = &finding.location;
            let (Some(position), Some(id)) =
                (location.segment_in_set, location.segment_id.as_ref())
            else {
                continue;
            };
            match finding.x12() {
                // One IK3 per segment and code.
                X12Code::Ik304(code)
                    if segments
                        .iter()
                        .any(|s| s.position == position && s.code == code) => {}
                X12Code::Ik304(code) => segments.push(SegmentAck {
                    id: id.clone(),
                    position,
                    code,
                    claim: location.claim.clone(),
                    elements: Vec::new(),
                }),
                X12Code::Ik403(code) => {
                    let element = (
                        location.element.unwrap_or(0),
                        location.component.unwrap_or(0),
                        location.repetition.unwrap_or(0),
                        location.element_number,
                        code,
                    );
                    match segments
                        .iter_mut()
                        .find(|s| s.position == position && s.code == "8")
                    {
                        Some(segment) => segment.elements.push(element),
                        None => segments.push(SegmentAck {
                            id: id.clone(),
                            position,
                            code: "8",
                            claim: location.claim.clone(),
                            elements: vec![element],
                        }),
                    }
                }
                _ => {}
            }
        }
        segments.sort_by_key(|s| s.position);
        let (status, codes) = set_status(&result.findings);
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let st03 = set.st().map(|st| text(st.value(3))).unwrap_or_default();
        group.sets.push(SetAck {
            transaction_type: text(set.transaction_type()),
            control_number: text(set.control_number()),
            version: st03,
            segments,
            status,
            codes,
        });
        Ok(())
    }

    fn group_end(
        &mut self,
        _info: &GroupInfo,
        declared: Option<u64>,
        found: u64,
        findings: &[Finding],
    ) -> io::Result<()> {
        if let Some(mut group) = self.current.take() {
            for finding in findings {
                let X12Code::Ak905(code) = finding.x12() else {
                    continue;
                };
                let list = match finding.severity {
                    Severity::Error => &mut group.codes,
                    Severity::Warning => &mut group.noted,
                    Severity::Note => continue,
                };
                if !list.contains(&code) {
                    list.push(code);
                }
            }
            let errors = group.codes.clone();
            group.noted.retain(|code| !errors.contains(code));
            group.declared = declared.unwrap_or(found);
            group.found = found;
            self.groups.push(group);
        }
        Ok(())
    }

    fn interchange_end(&mut self, info: &InterchangeInfo, findings: &[Finding]) -> io::Result<()> {
        if rejected(findings) {
            self.groups.clear();
            return Ok(());
        }
        self.write_interchange(info)
    }

    fn fatal(&mut self, info: Option<&InterchangeInfo>, findings: &[Finding]) -> io::Result<()> {
        // Groups completed before a fatal error that does not reject the interchange (an
        // I/O error) are still acknowledged.
        match info {
            Some(info) if !self.groups.is_empty() && !rejected(findings) => {
                self.write_interchange(info)
            }
            _ => {
                self.groups.clear();
                Ok(())
            }
        }
    }
}

/// True when the interchange's findings make its TA1 say R: its groups were not processed,
/// so no 999 answers them (X12-REFERENCE 2).
fn rejected(findings: &[Finding]) -> bool {
    ta1_status(findings).0 == b'R'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::ClaimKind as Kind;
    use crate::validate::tests::edited;
    use crate::validate::{ValidateOptions, validate};

    fn options() -> AckOptions {
        AckOptions {
            date: time::Date::from_calendar_date(2026, time::Month::November, 23)
                .expect("a real date"),
            time: (12, 0),
            control_number: Some(1),
            usage: None,
        }
    }

    fn ack_999(input: &[u8], lenient: bool) -> String {
        ack_999_and_left_out(input, lenient).0
    }

    /// The 999 for `input` and what it left out.
    fn ack_999_and_left_out(input: &[u8], lenient: bool) -> (String, Vec<NotAcknowledged>) {
        let mut validate_options = ValidateOptions::new();
        validate_options.today = options().date;
        validate_options.parse.lenient = lenient;
        let mut out = Vec::new();
        let mut writer = Ack999Writer::new(&mut out, options());
        validate(input, &validate_options, &mut writer).expect("in memory");
        let left_out = writer.not_acknowledged().to_vec();
        drop(writer);
        (String::from_utf8(out).expect("ASCII"), left_out)
    }

    /// 837P seed 2, two claims in two transaction sets, as text.
    fn two_sets() -> String {
        let mut bytes = Vec::new();
        let mut generate = crate::synth::GenOptions::new(Kind::Professional, 2, 2);
        generate.claims_per_transaction = 1;
        crate::synth::write_interchange(&mut bytes, &generate).expect("generate");
        String::from_utf8(bytes).expect("ASCII")
    }

    fn lines_starting<'t>(text: &'t str, prefixes: &[&str]) -> Vec<&'t str> {
        text.lines()
            .filter(|l| prefixes.iter().any(|p| l.starts_with(p)))
            .collect()
    }

    #[test]
    fn a_segment_missing_from_a_claim_names_that_claim_in_ctx() {
        // 837I seed 5: claims A4ZBQS9LT9H7P and BVV41G2BVWTG1 under one subscriber; the first
        // loses its CL1, found missing at the second claim's CLM (position 32).
        let input = edited(Kind::Institutional, 3, 5, &[("CL1*3**01~\n", "")]);
        let ack = ack_999(&input, false);
        assert_eq!(
            lines_starting(&ack, &["IK3", "CTX", "IK5"]),
            ["IK3*CL1*32**3~", "CTX*CLM01:A4ZBQS9LT9H7P~", "IK5*R*5~"],
            "{ack}"
        );
    }

    /// The error findings of validating `ack` (a 999) against the 999 guide.
    fn errors_of_999(ack: &str) -> Vec<String> {
        let mut check = ValidateOptions::new();
        check.today = options().date;
        let mut errors = Vec::new();
        let mut keep = crate::validate::EachFinding(|f: &Finding| {
            if f.severity == Severity::Error {
                errors.push(format!("{}: {}", f.code, f.message));
            }
        });
        validate(ack.as_bytes(), &check, &mut keep).expect("in memory");
        errors
    }

    #[test]
    fn a_group_of_acknowledgments_gets_no_999_and_is_named() {
        // A 997 (found by `fuzz/fuzz_targets/validate.rs`: its 999 said AK1*FA and AK2*997,
        // which the 999 guide does not allow). Acknowledgments are never acknowledged.
        let input = "ISA*00*          *00*          *ZZ*RECEIVERID     *ZZ*SENDER         \
            *200711*0100*U*00401*000000001*0*T*:~GS*FA*RCV*SND*20200711*0100*7*X*005010~\
            ST*997*0001*005010X230~AK1*HC*1~AK9*A*1*1*1~SE*4*0001~GE*1*7~IEA*1*000000001~";
        let (ack, left_out) = ack_999_and_left_out(input.as_bytes(), false);
        assert_eq!(
            left_out,
            [NotAcknowledged {
                group: "7".into(),
                transaction: None,
                reason: "GS01 FA: functional acknowledgments are not acknowledged".into(),
            }]
        );
        assert!(ack.is_empty(), "{ack}");
    }

    #[test]
    fn a_group_the_999_cannot_name_is_left_out_and_the_others_answered() {
        // Two groups: a purchase order group (PO, an 850) and an 837P group.
        let mut bytes = Vec::new();
        crate::synth::write_interchange(
            &mut bytes,
            &crate::synth::GenOptions::new(Kind::Professional, 1, 2),
        )
        .expect("generate");
        let text = String::from_utf8(bytes).expect("ASCII");
        let gs = text.find("GS*").expect("a GS");
        let po = "GS*PO*SND*RCV*20261123*1200*55*X*004010~\nST*850*0001~\nBEG*00*SA*1**20261123~\n\
            SE*3*0001~\nGE*1*55~\n";
        let input = format!("{}{po}{}", &text[..gs], &text[gs..]).replacen("IEA*1*", "IEA*2*", 1);
        let (ack, left_out) = ack_999_and_left_out(input.as_bytes(), false);
        let left: Vec<(&str, Option<&str>)> = left_out
            .iter()
            .map(|n| (n.group.as_str(), n.transaction.as_deref()))
            .collect();
        assert_eq!(left, [("55", None)]);
        assert!(
            left_out[0]
                .reason
                .starts_with("GS01 PO: a 999 (005010X231A1) names only BE, HB, HC"),
            "{left_out:?}"
        );
        assert_eq!(
            lines_starting(&ack, &["GE", "AK1", "AK2", "AK9"]),
            [
                "AK1*HC*591189734*005010X222A1~",
                "AK2*837*0001*005010X222A1~",
                "AK9*A*1*1*1~",
                "GE*1*1~"
            ],
            "{ack}"
        );
        assert_eq!(errors_of_999(&ack), Vec::<String>::new(), "{ack}");
    }

    #[test]
    fn a_set_the_999_cannot_name_is_counted_as_received_not_accepted() {
        // 837P seed 2 in two sets; the second's ST01 is 850, which no AK201 may name.
        let input = two_sets().replacen("ST*837*0002*", "ST*850*0002*", 1);
        let (ack, left) = ack_999_and_left_out(input.as_bytes(), false);
        assert_eq!(left.len(), 1, "{left:?}");
        assert_eq!(left[0].transaction.as_deref(), Some("0002"));
        assert!(
            left[0]
                .reason
                .starts_with("ST01 850: a 999 (005010X231A1) names only 270, 271"),
            "{left:?}"
        );
        assert_eq!(
            lines_starting(&ack, &["AK2", "IK5", "AK9"]),
            ["AK2*837*0001*005010X222A1~", "IK5*A~", "AK9*P*2*2*1~"],
            "{ack}"
        );
        assert_eq!(errors_of_999(&ack), Vec::<String>::new(), "{ack}");
    }

    #[test]
    fn a_claim_id_longer_than_a_context_reference_gets_no_ctx() {
        // As above, the claim's CLM01 38 characters (its guide's maximum); CTX01-2 holds 35.
        let long = "A4ZBQS9LT9H7P0123456789012345678901234";
        assert_eq!(long.len(), 38);
        let input = edited(
            Kind::Institutional,
            3,
            5,
            &[
                ("CL1*3**01~\n", ""),
                ("CLM*A4ZBQS9LT9H7P*", &format!("CLM*{long}*")),
            ],
        );
        let ack = ack_999(&input, false);
        assert_eq!(
            lines_starting(&ack, &["IK3", "CTX", "IK5"]),
            ["IK3*CL1*32**3~", "IK5*R*5~"],
            "{ack}"
        );
        assert_eq!(errors_of_999(&ack), Vec::<String>::new(), "{ack}");
    }

    #[test]
    fn an_element_past_position_99_gets_no_ik4() {
        // Found by `fuzz/fuzz_targets/validate.rs`: IK401-1 holds two digits. The billing
        // provider's N4 with data in element 129: one element too many, at 129.
        let n4 = format!("N4*MADISON*WI*537055274{}X~\n", "*".repeat(126));
        let input = edited(
            Kind::Professional,
            1,
            2,
            &[("N4*MADISON*WI*537055274~\n", &n4)],
        );
        let ack = ack_999(&input, false);
        let ik = lines_starting(&ack, &["IK3*N4", "IK4"]);
        assert!(
            ik.first().is_some_and(|l| l.starts_with("IK3*N4*")),
            "{ack}"
        );
        assert!(ik.iter().all(|l| !l.starts_with("IK4*129")), "{ack}");
        assert_eq!(errors_of_999(&ack), Vec::<String>::new(), "{ack}");
    }

    #[test]
    fn a_wrong_gs01_rejects_the_group_with_ak905_1_not_the_set() {
        // 837P seed 2 in two transaction sets, GS01 HP (remittance) instead of HC.
        let input = two_sets().replacen("GS*HC*", "GS*HP*", 1);
        let ack = ack_999(input.as_bytes(), false);
        assert_eq!(
            lines_starting(&ack, &["AK1", "IK5", "AK9"]),
            [
                "AK1*HP*591189734*005010X222A1~",
                "IK5*A~",
                "IK5*A~",
                "AK9*R*2*2*2*1~"
            ],
            "{ack}"
        );
    }

    fn lenient_input(from: &str, to: &str) -> Vec<u8> {
        let input = edited(Kind::Professional, 1, 2, &[]);
        String::from_utf8(input)
            .expect("ASCII")
            .replacen(from, to, 1)
            .into_bytes()
    }

    #[test]
    fn counts_accepted_in_lenient_mode_are_noted_in_every_acknowledgment() {
        // SE01 wrong: the set is accepted with errors noted, and says which.
        let ack = ack_999(&lenient_input("SE*27*0001~", "SE*26*0001~"), true);
        assert_eq!(
            lines_starting(&ack, &["IK5", "AK9"]),
            ["IK5*E*4~", "AK9*E*1*1*1~"],
            "{ack}"
        );
        // GE01 wrong: the group is accepted with errors noted (AK905 5).
        let ack = ack_999(&lenient_input("GE*1*591189734~", "GE*2*591189734~"), true);
        assert_eq!(
            lines_starting(&ack, &["IK5", "AK9"]),
            ["IK5*A~", "AK9*E*2*1*1*5~"],
            "{ack}"
        );
        // IEA01 wrong: TA1 E 021.
        let mut validate_options = ValidateOptions::new();
        validate_options.parse.lenient = true;
        let mut out = Vec::new();
        let input = lenient_input("IEA*1*591189734~", "IEA*2*591189734~");
        validate(
            input.as_slice(),
            &validate_options,
            &mut Ta1Writer::new(&mut out, options()),
        )
        .expect("in memory");
        let ta1 = String::from_utf8(out).expect("ASCII");
        assert_eq!(
            lines_starting(&ta1, &["TA1"]),
            ["TA1*591189734*250331*1445*E*021~"],
            "{ta1}"
        );
    }

    #[test]
    fn a_usage_indicator_that_is_a_delimiter_is_not_mirrored() {
        // ISA15 replaced by the component separator: the TA1's ISA says T, and its
        // elements stay where they belong.
        let input = edited(Kind::Professional, 1, 2, &[]);
        let text = String::from_utf8(input).expect("ASCII");
        let isa_end = text.find('~').expect("an ISA");
        let mut isa = text[..isa_end].to_string();
        let usage_at = isa.len() - 3;
        assert!(matches!(&isa[usage_at..usage_at + 1], "P" | "T"), "{isa}");
        isa.replace_range(usage_at..usage_at + 1, ":");
        let input = format!("{isa}{}", &text[isa_end..]);
        let mut out = Vec::new();
        validate(
            input.as_bytes(),
            &ValidateOptions::new(),
            &mut Ta1Writer::new(&mut out, options()),
        )
        .expect("in memory");
        let ta1 = String::from_utf8(out).expect("ASCII");
        let ack_isa = ta1.lines().next().expect("an ISA");
        assert_eq!(ack_isa.split('*').count(), 17, "{ack_isa}");
        assert!(ack_isa.ends_with("*0*T*:~"), "{ack_isa}");
        assert!(ta1.contains("TA1*"), "{ta1}");
    }

    #[test]
    fn a_rejected_interchange_gets_a_ta1_and_no_999() {
        // IEA removed: TA1 R 023, and the group inside is not acknowledged.
        let input = lenient_input("IEA*1*591189734~\n", "");
        assert_eq!(ack_999(&input, false), "");
        // ISA09 not a date: TA1 R 014.
        let input = lenient_input("*250331*1445*^*", "*250231*1445*^*");
        assert_eq!(ack_999(&input, false), "");
        // IEA02 differs: TA1 E 001, the interchange is processed and its group answered.
        let input = lenient_input("IEA*1*591189734~", "IEA*1*591189735~");
        assert!(ack_999(&input, false).contains("AK9*A*1*1*1~"));
    }
}
