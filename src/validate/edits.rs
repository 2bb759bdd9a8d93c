//! Business edits: payer and clearinghouse rules checked per claim (CLM01), each a row of
//! [`EDITS`]. A row names the codes it can raise (so a user can switch it off by code) and a
//! function over a [`ClaimView`]: the claim's segments with those of its billing provider,
//! subscriber and patient. Rules and STC codes: X12-REFERENCE 5.5.

use crate::finding::Code;
use crate::npi;
use crate::schema::id_key;
use crate::syntax::Segment;

use super::fields::Fields;

/// Which 837 a claim comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimKind {
    /// 837P (005010X222A1).
    Professional,
    /// 837I (005010X223A2).
    Institutional,
    /// 837D (005010X224A2).
    Dental,
}

impl ClaimKind {
    /// From a guide id (`837P`, `837I`, `837D`).
    pub fn from_guide(id: &str) -> Option<ClaimKind> {
        match id {
            "837P" => Some(ClaimKind::Professional),
            "837I" => Some(ClaimKind::Institutional),
            "837D" => Some(ClaimKind::Dental),
            _ => None,
        }
    }
}

/// A segment with the loop it was placed in and its position in the set (ST = 1).
#[derive(Clone, Copy, Debug)]
pub struct Tagged<'a> {
    /// Loop id (`2010AA`).
    pub loop_id: &'static str,
    /// The segment.
    pub segment: Segment<'a>,
    /// Position in the transaction set, ST = 1.
    pub index: u64,
    /// The segment id packed for fast comparison ([`id_key`]).
    pub key: u32,
    /// Where its elements are, found once when it was read.
    pub(crate) fields: Fields,
}

impl<'a> Tagged<'a> {
    /// The bytes of element `n` (1-based), or `None` past the last one; read by index, not
    /// by splitting the segment again.
    #[inline]
    pub fn get(&self, n: usize) -> Option<&'a [u8]> {
        self.fields.get(&self.segment, n)
    }

    /// The bytes of element `n` (1-based); empty when absent, like [`Segment::value`].
    #[inline]
    pub fn value(&self, n: usize) -> &'a [u8] {
        self.fields.value(&self.segment, n)
    }

    /// Component `c` of element `n` (both 1-based), if present.
    pub fn component(&self, n: usize, c: usize) -> Option<&'a [u8]> {
        self.fields.component(&self.segment, n, c)
    }

    /// The components of element `n`, or `None` past the last element.
    pub fn components(&self, n: usize) -> Option<impl Iterator<Item = &'a [u8]> + use<'a>> {
        self.fields.components(&self.segment, n)
    }
}

/// What an edit sees of one claim.
#[derive(Clone, Copy, Debug)]
pub struct ClaimView<'v, 'a> {
    /// 837P, 837I or 837D.
    pub kind: ClaimKind,
    /// BHT06 is `CH` (chargeable) rather than `RP` (reporting).
    pub chargeable: bool,
    /// 2000A and its 2010Ax loops.
    pub billing: &'v [Tagged<'a>],
    /// 2000B and its 2010Bx loops.
    pub subscriber: &'v [Tagged<'a>],
    /// 2000C and 2010CA, when the patient is not the subscriber.
    pub patient: Option<&'v [Tagged<'a>]>,
    /// The 2300 loop and everything under it, CLM first.
    pub claim: &'v [Tagged<'a>],
    /// The date the file is checked against ("not in the future").
    pub today: time::Date,
    /// Where the segments the edits read sit in the four parts above
    /// ([`ClaimIndex::build`] over the same parts).
    pub index: &'v ClaimIndex,
}

/// A segment's place in a [`ClaimView`]: which part (0 billing, 1 subscriber, 2 patient,
/// 3 claim) and its position there.
#[derive(Clone, Copy, Debug)]
struct At {
    part: u8,
    position: u32,
}

/// Where the segments the edits read sit in one claim and its context, found in one pass.
///
/// Without it every edit walked the whole claim (and some the whole context) for its few
/// segments: about 180 segment visits a claim for 30 segments. Built once per claim into
/// vectors kept from claim to claim, so nothing is allocated once they have grown.
#[derive(Debug, Default)]
pub struct ClaimIndex {
    /// NM1 and N4 segments of all four parts, in file order (NPIs, and the ZIP of each
    /// N4 depends on the NM1 before it).
    names: Vec<At>,
    /// DMG segments of the subscriber and patient parts, in order.
    demographics: Vec<At>,
    /// Positions in the claim of its service lines (SV1, SV2 or SV3 by the kind).
    lines: Vec<u32>,
    /// Positions in the claim of its DTP segments.
    dates: Vec<u32>,
    /// Positions in the claim of its HI segments.
    diagnoses: Vec<u32>,
    /// Positions in the claim of its REF segments.
    references: Vec<u32>,
}

impl ClaimIndex {
    /// Finds the segments the edits read in a claim's parts (billing, subscriber, patient
    /// or empty, claim: the order of [`ClaimView`]), replacing what was found before.
    pub fn build(&mut self, kind: ClaimKind, parts: [&[Tagged<'_>]; 4]) {
        self.names.clear();
        self.demographics.clear();
        self.lines.clear();
        self.dates.clear();
        self.diagnoses.clear();
        self.references.clear();
        let [billing, subscriber, patient, claim] = parts;
        for (part, segments) in [(0u8, billing), (1, subscriber), (2, patient)] {
            for (position, t) in (0u32..).zip(segments) {
                let at = At { part, position };
                match t.key {
                    NM1 | N4 => self.names.push(at),
                    DMG if part != 0 => self.demographics.push(at),
                    _ => {}
                }
            }
        }
        let line = service_line(kind);
        for (position, t) in (0u32..).zip(claim) {
            match t.key {
                NM1 | N4 => self.names.push(At { part: 3, position }),
                DTP => self.dates.push(position),
                HI => self.diagnoses.push(position),
                REF => self.references.push(position),
                key if key == line => self.lines.push(position),
                _ => {}
            }
        }
    }
}

/// One edit's finding before it becomes a [`crate::finding::Finding`].
#[derive(Clone, Debug)]
pub struct Hit<'a> {
    /// The code.
    pub code: Code,
    /// The segment at fault.
    pub at: Tagged<'a>,
    /// Element position (0 for the segment).
    pub element: u8,
    /// Component position (0 for none).
    pub component: u8,
    /// The entity (NM101) the finding is about, when the edit knows it (STC01-3).
    pub entity: Option<&'static str>,
    /// What is wrong, without data.
    pub message: String,
}

/// One business edit.
pub struct Edit {
    /// The codes the edit raises; switching off a code switches off its part of the edit.
    pub codes: &'static [Code],
    /// What it checks, for `--help` and the documentation.
    pub description: &'static str,
    /// The check.
    pub check: for<'v, 'a> fn(&ClaimView<'v, 'a>, &mut Vec<Hit<'a>>),
}

/// The edits, in the order they run.
pub const EDITS: &[Edit] = &[
    Edit {
        codes: &[Code::ClaimOutOfBalance],
        description: "CLM02 equals the sum of the line charges (SV102, SV203 or SV302)",
        check: claim_balance,
    },
    Edit {
        codes: &[Code::ChargeInvalid],
        description: "line charges are not negative; a chargeable claim's total is above zero",
        check: charges,
    },
    Edit {
        codes: &[Code::NpiInvalid],
        description: "every NPI (NM108 = XX) has 10 digits, starts with 1 or 2, and a valid check digit",
        check: npis,
    },
    Edit {
        codes: &[
            Code::DateInvalid,
            Code::DateInFuture,
            Code::BirthDateInvalid,
        ],
        description: "D8/RD8 dates are real dates, ranges run forwards, services are not in the future, births precede services",
        check: dates,
    },
    Edit {
        codes: &[Code::DiagnosisCodeInvalid, Code::PrincipalDiagnosisInvalid],
        description: "diagnosis codes are ICD-10-CM shaped (no decimal point) with ICD-10 qualifiers",
        check: diagnoses,
    },
    Edit {
        codes: &[Code::DiagnosisPointerInvalid],
        description: "diagnosis pointers point at diagnoses of the claim, at most 4, no repeats",
        check: pointers,
    },
    Edit {
        codes: &[Code::SubscriberPatientMismatch],
        description: "SBR02 = 18 exactly when there is no patient loop (2000C)",
        check: subscriber_patient,
    },
    Edit {
        codes: &[Code::ZipInvalid],
        description: "ZIP codes have 5 or 9 digits; billing provider and service facility ZIP codes 9",
        check: zips,
    },
    Edit {
        codes: &[Code::ClaimFrequencyInvalid],
        description: "CLM05-3 is an allowed frequency code; 7 and 8 carry REF*F8, 1 does not",
        check: frequency,
    },
    Edit {
        codes: &[Code::PlaceOfServiceInvalid],
        description: "places of service are in the CMS list",
        check: places_of_service,
    },
    Edit {
        codes: &[Code::FacilityQualifierInvalid],
        description: "CLM05-2 is B (837P/837D) or A (837I); an 837I type of bill has 2 digits",
        check: facility_qualifier,
    },
    Edit {
        codes: &[Code::GenderInvalid],
        description: "DMG03 is F, M or U",
        check: genders,
    },
    Edit {
        codes: &[Code::ProcedureCodeInvalid],
        description: "procedure codes are 5 alphanumerics with a digit (CDT: D + 4 digits), modifiers 2",
        check: procedures,
    },
    Edit {
        codes: &[Code::UnitsInvalid],
        description: "units of service are above zero",
        check: units,
    },
    Edit {
        codes: &[Code::PatientControlNumberTooLong],
        description: "CLM01 has at most 20 characters",
        check: patient_control_number,
    },
    Edit {
        codes: &[Code::TaxIdInvalid],
        description: "the billing provider's tax id (REF*EI or REF*SY) has exactly 9 digits",
        check: tax_id,
    },
];

const NM1: u32 = id_key(b"NM1");
const N4: u32 = id_key(b"N4");
const DMG: u32 = id_key(b"DMG");
const REF: u32 = id_key(b"REF");
const DTP: u32 = id_key(b"DTP");
const HI: u32 = id_key(b"HI");
const SBR: u32 = id_key(b"SBR");
const PAT: u32 = id_key(b"PAT");
const SV1: u32 = id_key(b"SV1");
const SV2: u32 = id_key(b"SV2");
const SV3: u32 = id_key(b"SV3");

/// The CMS place-of-service codes (X12-REFERENCE 5.5, from pyx12's code list).
const PLACES_OF_SERVICE: &[&[u8]] = &[
    b"01", b"02", b"03", b"04", b"05", b"06", b"07", b"08", b"09", b"10", b"11", b"12", b"13",
    b"14", b"15", b"16", b"17", b"18", b"19", b"20", b"21", b"22", b"23", b"24", b"25", b"26",
    b"27", b"31", b"32", b"33", b"34", b"41", b"42", b"49", b"50", b"51", b"52", b"53", b"54",
    b"55", b"56", b"57", b"58", b"60", b"61", b"62", b"65", b"66", b"71", b"72", b"81", b"99",
];

/// [`PLACES_OF_SERVICE`] as a bit per two-digit number, so a code is checked with one test
/// instead of a search of the list (every claim has at least one).
const PLACE_OF_SERVICE_BITS: u128 = {
    let mut bits = 0u128;
    let mut i = 0;
    while i < PLACES_OF_SERVICE.len() {
        let code = PLACES_OF_SERVICE[i];
        assert!(code.len() == 2 && code[0].is_ascii_digit() && code[1].is_ascii_digit());
        bits |= 1 << ((code[0] - b'0') * 10 + (code[1] - b'0'));
        i += 1;
    }
    bits
};

/// True when `value` is in [`PLACES_OF_SERVICE`].
fn is_place_of_service(value: &[u8]) -> bool {
    match *value {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            PLACE_OF_SERVICE_BITS & (1 << ((a - b'0') * 10 + (b - b'0'))) != 0
        }
        _ => false,
    }
}

fn hit<'a>(code: Code, at: &Tagged<'a>, element: u8, component: u8, message: String) -> Hit<'a> {
    Hit {
        code,
        at: *at,
        element,
        component,
        entity: None,
        message,
    }
}

/// A hit about the party named by an NM101 value.
fn hit_for<'a>(code: Code, at: &Tagged<'a>, element: u8, nm101: &[u8], message: String) -> Hit<'a> {
    Hit {
        entity: crate::finding::entity_code(nm101),
        ..hit(code, at, element, 0, message)
    }
}

/// Segments of `list` with the packed id `key` (for the small parts the index leaves out).
#[inline]
fn with_key<'v, 'a>(list: &'v [Tagged<'a>], key: u32) -> impl Iterator<Item = &'v Tagged<'a>> {
    list.iter().filter(move |t| t.key == key)
}

/// The claim's segments at `positions` (from its [`ClaimIndex`]).
#[inline]
fn in_claim<'v, 'a>(
    view: &ClaimView<'v, 'a>,
    positions: &'v [u32],
) -> impl Iterator<Item = &'v Tagged<'a>> + use<'v, 'a> {
    let claim = view.claim;
    positions.iter().filter_map(move |&i| claim.get(i as usize))
}

/// The segments at `places` (from the view's [`ClaimIndex`]).
#[inline]
fn placed<'v, 'a>(
    view: &ClaimView<'v, 'a>,
    places: &'v [At],
) -> impl Iterator<Item = &'v Tagged<'a>> + use<'v, 'a> {
    let parts = parts(view);
    places
        .iter()
        .filter_map(move |at| parts.get(usize::from(at.part))?.get(at.position as usize))
}

/// The parts of the claim's context and the claim itself, in file order. Looping over the
/// four slices is cheaper than chaining their iterators, which re-checks the chain's state on
/// every segment.
#[inline]
fn parts<'v, 'a>(view: &ClaimView<'v, 'a>) -> [&'v [Tagged<'a>]; 4] {
    [
        view.billing,
        view.subscriber,
        view.patient.unwrap_or_default(),
        view.claim,
    ]
}

/// An amount in ten-thousandths (exact for X12 decimals up to 4 places): an optional `-`,
/// digits with at most one `.`, at most 18 whole and 4 fraction digits. Integers only:
/// money is compared exactly.
fn amount(value: &[u8]) -> Option<i128> {
    let (negative, body) = match value {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, value),
    };
    let scaled = if body.len() <= 19 {
        amount_short(body)?
    } else {
        amount_long(body)?
    };
    Some(if negative { -scaled } else { scaled })
}

/// Ten-thousandths per unit of the last fraction digit, by the number of fraction digits.
const SCALE: [u64; 5] = [10_000, 1_000, 100, 10, 1];

/// [`amount`] of an unsigned body of at most 19 bytes (every amount a file really holds):
/// one pass over the bytes, the digits gathered in a u64 (below 10^19, no overflow).
#[inline]
fn amount_short(body: &[u8]) -> Option<i128> {
    let mut digits = 0u64;
    let mut point = None;
    for (i, &b) in body.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d <= 9 {
            digits = digits * 10 + u64::from(d);
        } else if b == b'.' && point.is_none() {
            point = Some(i);
        } else {
            return None;
        }
    }
    let (whole, fraction) = match point {
        Some(i) => (i, body.len() - i - 1),
        None => (body.len(), 0),
    };
    if (whole == 0 && fraction == 0) || fraction > 4 || whole > 18 {
        return None;
    }
    Some(i128::from(digits) * i128::from(SCALE[fraction]))
}

/// [`amount`] of an unsigned body of 20 bytes or more: whole and fraction parsed apart,
/// since their digits together may not fit a u64.
#[cold]
fn amount_long(body: &[u8]) -> Option<i128> {
    let (whole, fraction) = match body.iter().position(|&b| b == b'.') {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &b""[..]),
    };
    if (whole.is_empty() && fraction.is_empty()) || fraction.len() > 4 || whole.len() > 18 {
        return None;
    }
    Some(
        i128::from(decimal_digits(whole)?) * 10_000
            + i128::from(decimal_digits(fraction)?) * i128::from(SCALE[fraction.len()]),
    )
}

/// The number written by `digits` (at most 19 ASCII digits; `None` for any other byte).
fn decimal_digits(digits: &[u8]) -> Option<u64> {
    let mut n = 0u64;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n * 10 + u64::from(d);
    }
    Some(n)
}

fn show_amount(ten_thousandths: i128) -> String {
    let sign = if ten_thousandths < 0 { "-" } else { "" };
    let v = ten_thousandths.abs();
    format!("{sign}{}.{:02}", v / 10_000, (v % 10_000) / 100)
}

/// The packed id of the kind's service line segment (what [`ClaimIndex`] calls lines).
fn service_line(kind: ClaimKind) -> u32 {
    match kind {
        ClaimKind::Professional => SV1,
        ClaimKind::Institutional => SV2,
        ClaimKind::Dental => SV3,
    }
}

/// The line charge element of the kind: (segment id, element).
fn line_charge(kind: ClaimKind) -> (&'static [u8], usize) {
    match kind {
        ClaimKind::Professional => (b"SV1", 2),
        ClaimKind::Institutional => (b"SV2", 3),
        ClaimKind::Dental => (b"SV3", 2),
    }
}

fn claim_balance<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    let Some(clm) = view.claim.first() else {
        return;
    };
    let Some(total) = amount(clm.value(2)) else {
        return;
    };
    let (id, element) = line_charge(view.kind);
    let mut sum = 0i128;
    let mut lines = 0;
    for line in in_claim(view, &view.index.lines) {
        match amount(line.value(element)) {
            Some(charge) => sum += charge,
            None => return,
        }
        lines += 1;
    }
    if lines > 0 && sum != total {
        out.push(hit(
            Code::ClaimOutOfBalance,
            clm,
            2,
            0,
            format!(
                "CLM02 total charge {} differs from the sum of {lines} line charges {} ({}{:02})",
                show_amount(total),
                show_amount(sum),
                String::from_utf8_lossy(id),
                element
            ),
        ));
    }
}

fn charges<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    let (_, element) = line_charge(view.kind);
    for line in in_claim(view, &view.index.lines) {
        if amount(line.value(element)).is_some_and(|c| c < 0) {
            out.push(hit(
                Code::ChargeInvalid,
                line,
                element as u8,
                0,
                format!(
                    "{}{element:02}: a line charge cannot be negative",
                    line.segment.id_str()
                ),
            ));
        }
    }
    if let Some(clm) = view.claim.first()
        && view.chargeable
        && amount(clm.value(2)).is_some_and(|c| c <= 0)
    {
        out.push(hit(
            Code::ChargeInvalid,
            clm,
            2,
            0,
            "CLM02: a chargeable claim (BHT06 = CH) must have a total above zero".into(),
        ));
    }
}

fn npis<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    for t in placed(view, &view.index.names).filter(|t| t.key == NM1) {
        if t.value(8) == b"XX" && !npi::is_valid(t.value(9)) {
            out.push(hit_for(
                Code::NpiInvalid,
                t,
                9,
                t.value(1),
                format!(
                    "NM109 (NM101 {}, loop {}) is not a valid NPI: 10 digits starting with 1 or 2 with a Luhn check digit (80840 prefix)",
                    String::from_utf8_lossy(t.value(1)),
                    t.loop_id
                ),
            ));
        }
    }
}

/// A date as a number that orders like the date (CCYYMMDD as written).
type DateKey = i32;

/// A real CCYYMMDD date (8 digits, year 1800 or later, a day the month has), as a
/// [`DateKey`]: the same dates `element::parse_date` accepts at 8 digits, checked without
/// building a `time::Date`, since the edits only compare dates.
///
/// The eight bytes are read as one little-endian word and checked and combined a byte pair
/// at a time (every claim has two or three dates; a byte loop cost four times as much).
fn ccyymmdd(value: &[u8]) -> Option<DateKey> {
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const ZEROS: u64 = 0x3030_3030_3030_3030; // b'0' in every byte
    const SIXES: u64 = 0x0606_0606_0606_0606;
    let bytes: [u8; 8] = value.try_into().ok()?;
    let word = u64::from_le_bytes(bytes);
    // A byte is an ASCII digit when it is 0x30..=0x3F and adding 6 keeps it below 0x40
    // (no byte carries into the next: each is at most 0x3F + 6).
    if word & HIGH != ZEROS || (word + SIXES) & HIGH != ZEROS {
        return None;
    }
    let digits = word & !HIGH;
    // Each even byte becomes its digit times ten plus the next byte's digit (at most 99,
    // so nothing carries): byte 0 the century, 2 the year, 4 the month, 6 the day.
    let pairs = (digits * 10 + (digits >> 8)) & 0x00FF_00FF_00FF_00FF;
    let pair = |i: u32| ((pairs >> (16 * i)) & 0xFF) as u32;
    let (year, month, day) = (pair(0) * 100 + pair(1), pair(2), pair(3));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        // Gregorian leap years, as time::Date counts them.
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1800 && (1..=days).contains(&day))
        .then_some((year * 10_000 + month * 100 + day) as DateKey)
}

/// `date` as a [`DateKey`].
fn date_key(date: time::Date) -> DateKey {
    date.year() * 10_000 + i32::from(u8::from(date.month())) * 100 + i32::from(date.day())
}

/// A DTP's date or range: (from, to), or why not.
fn dtp_range(format: &[u8], value: &[u8]) -> Result<Option<(DateKey, DateKey)>, &'static str> {
    match format {
        b"D8" => ccyymmdd(value)
            .map(|d| Some((d, d)))
            .ok_or("not a real CCYYMMDD date"),
        b"RD8" => {
            let (from, to) = match value.iter().position(|&b| b == b'-') {
                Some(i) => (&value[..i], &value[i + 1..]),
                None => return Err("not a CCYYMMDD-CCYYMMDD range"),
            };
            match (ccyymmdd(from), ccyymmdd(to)) {
                (Some(a), Some(b)) => {
                    if a > b {
                        Err("the range starts after it ends")
                    } else {
                        Ok(Some((a, b)))
                    }
                }
                _ => Err("not a range of two real CCYYMMDD dates"),
            }
        }
        _ => Ok(None),
    }
}

/// DTP qualifiers of service dates (line 472, 837I statement 434).
fn is_service_qualifier(qualifier: &[u8]) -> bool {
    matches!(qualifier, b"472" | b"434")
}

fn dates<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    let today = date_key(view.today);
    let mut earliest_service: Option<DateKey> = None;
    for t in in_claim(view, &view.index.dates) {
        match dtp_range(t.value(2), t.value(3)) {
            Err(why) => out.push(hit(
                Code::DateInvalid,
                t,
                3,
                0,
                format!(
                    "DTP03 (DTP01 {}): {why}",
                    String::from_utf8_lossy(t.value(1))
                ),
            )),
            Ok(Some((from, to))) => {
                if is_service_qualifier(t.value(1)) {
                    earliest_service = Some(earliest_service.map_or(from, |e| e.min(from)));
                    if to > today {
                        out.push(hit(
                            Code::DateInFuture,
                            t,
                            3,
                            0,
                            format!(
                                "DTP03 (DTP01 {}): the service date is after {}",
                                String::from_utf8_lossy(t.value(1)),
                                view.today
                            ),
                        ));
                    }
                }
            }
            Ok(None) => {}
        }
    }
    for t in placed(view, &view.index.demographics).filter(|t| t.value(1) == b"D8") {
        let Some(birth) = ccyymmdd(t.value(2)) else {
            out.push(hit(
                Code::BirthDateInvalid,
                t,
                2,
                0,
                format!(
                    "DMG02 (loop {}): the birth date is not a real CCYYMMDD date",
                    t.loop_id
                ),
            ));
            continue;
        };
        let after_service = earliest_service.is_some_and(|s| birth > s);
        if birth > today || after_service {
            out.push(hit(
                Code::BirthDateInvalid,
                t,
                2,
                0,
                format!(
                    "DMG02 (loop {}): the birth date is after {}",
                    t.loop_id,
                    if after_service {
                        "a service date"
                    } else {
                        "today"
                    }
                ),
            ));
        }
    }
}

/// ICD-10-CM shape: letter, digit, then 1-5 letters or digits (no decimal point).
fn icd10_shaped(code: &[u8]) -> bool {
    (3..=7).contains(&code.len())
        && code[0].is_ascii_uppercase()
        && code[1].is_ascii_digit()
        && code[2..]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// HI qualifiers of ICD-10-CM diagnosis codes (ABK, ABF, ABJ, APR, ABN).
fn is_icd10_qualifier(qualifier: &[u8]) -> bool {
    matches!(qualifier, b"ABK" | b"ABF" | b"ABJ" | b"APR" | b"ABN")
}

/// HI qualifiers of ICD-9-CM diagnosis codes (BK, BF, BJ, PR, BN).
fn is_icd9_qualifier(qualifier: &[u8]) -> bool {
    matches!(qualifier, b"BK" | b"BF" | b"BJ" | b"PR" | b"BN")
}

/// Each element of an HI with its first two components (qualifier, code; empty when
/// absent), read by index and split here rather than split again from the segment's bytes.
fn hi_entries<'t, 'a: 't>(t: &'t Tagged<'a>) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 't {
    let separator = t.segment.delimiters().component;
    // Only BIN and BDS are binary (their data element is never split); ask the segment then.
    let binary = t.segment.is_binary();
    (1..).map_while(move |n| {
        let value = t.get(n)?;
        Some(if binary {
            (
                t.component(n, 1).unwrap_or_default(),
                t.component(n, 2).unwrap_or_default(),
            )
        } else {
            let (qualifier, rest) = split_first_component(value, separator);
            let code = rest.map_or(&b""[..], |rest| split_first_component(rest, separator).0);
            (qualifier, code)
        })
    })
}

/// The first component (the qualifier) of each element of an HI, as [`hi_entries`] reads
/// it, without looking for the code after it.
fn hi_qualifiers<'t, 'a: 't>(t: &'t Tagged<'a>) -> impl Iterator<Item = &'a [u8]> + 't {
    let separator = t.segment.delimiters().component;
    let binary = t.segment.is_binary();
    (1..).map_while(move |n| {
        let value = t.get(n)?;
        Some(if binary {
            t.component(n, 1).unwrap_or_default()
        } else {
            split_first_component(value, separator).0
        })
    })
}

/// `value` up to the first `separator`, and what follows it (`None` without one).
#[inline]
fn split_first_component(value: &[u8], separator: u8) -> (&[u8], Option<&[u8]>) {
    match value.iter().position(|&b| b == separator) {
        Some(i) => (&value[..i], Some(&value[i + 1..])),
        None => (value, None),
    }
}

fn diagnoses<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    for t in in_claim(view, &view.index.diagnoses) {
        for (i, (qualifier, code)) in hi_entries(t).enumerate() {
            let principal = qualifier == b"ABK" || qualifier == b"BK";
            let which = if principal {
                Code::PrincipalDiagnosisInvalid
            } else {
                Code::DiagnosisCodeInvalid
            };
            let position = (i + 1) as u8;
            if is_icd9_qualifier(qualifier) {
                out.push(hit(
                    which,
                    t,
                    position,
                    1,
                    format!(
                        "HI{position:02}-1 {}: an ICD-9 qualifier; services since 2015-10-01 use ICD-10 (AB{})",
                        String::from_utf8_lossy(qualifier),
                        String::from_utf8_lossy(qualifier.get(1..).unwrap_or_default())
                    ),
                ));
            } else if is_icd10_qualifier(qualifier) && !icd10_shaped(code) {
                out.push(hit(
                    which,
                    t,
                    position,
                    2,
                    format!(
                        "HI{position:02}-2: not an ICD-10-CM code shape (letter, digit, 1-5 letters or digits, no decimal point)"
                    ),
                ));
            }
        }
    }
}

/// A pointer as `usize::from_str` reads it (an optional `+`, then ASCII digits, no
/// overflow), without the UTF-8 check and generic parser for one or two digits.
fn pointer_number(bytes: &[u8]) -> Option<usize> {
    let digits = match bytes {
        [b'+', rest @ ..] => rest,
        _ => bytes,
    };
    if digits.is_empty() {
        return None;
    }
    let mut n = 0usize;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(usize::from(d))?;
    }
    Some(n)
}

fn pointers<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    // The kind's service lines: SV107 or SV311.
    let element: usize = match view.kind {
        ClaimKind::Professional => 7,
        ClaimKind::Dental => 11,
        ClaimKind::Institutional => return,
    };
    let diagnoses = in_claim(view, &view.index.diagnoses)
        .flat_map(hi_qualifiers)
        .filter(|&q| is_icd10_qualifier(q) || is_icd9_qualifier(q))
        .count();
    for line in in_claim(view, &view.index.lines) {
        if line.value(element).is_empty() {
            continue;
        }
        let Some(list) = line.components(element) else {
            continue;
        };
        let mut seen = [false; 13];
        for (j, pointer) in list.enumerate() {
            // An empty component is an omitted pointer (`1::2`), not a wrong one; too many
            // components are an element syntax error.
            if pointer.is_empty() {
                continue;
            }
            let value = pointer_number(pointer);
            let why = match value {
                _ if j >= 4 => Some("more than 4 pointers".to_string()),
                Some(p) if (1..=12).contains(&p) && p <= diagnoses && !seen[p] => {
                    seen[p] = true;
                    None
                }
                Some(p) if (1..=12).contains(&p) && seen[p] => {
                    Some(format!("pointer {p} is repeated"))
                }
                Some(p) => Some(format!(
                    "pointer {p} is outside 1..{diagnoses} (the claim has {diagnoses} diagnoses)"
                )),
                None => Some("not a number".to_string()),
            };
            if let Some(why) = why {
                out.push(hit(
                    Code::DiagnosisPointerInvalid,
                    line,
                    element as u8,
                    (j + 1) as u8,
                    format!("{}{element:02}-{}: {why}", line.segment.id_str(), j + 1),
                ));
            }
        }
    }
}

fn subscriber_patient<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    let Some(sbr) = with_key(view.subscriber, SBR).next() else {
        return;
    };
    let self_subscriber = sbr.value(2) == b"18";
    match (self_subscriber, view.patient) {
        (true, Some(patient)) => {
            let at = patient.first().unwrap_or(sbr);
            out.push(hit(
                Code::SubscriberPatientMismatch,
                at,
                0,
                0,
                "SBR02 = 18 (the patient is the subscriber) but the claim sits under a patient loop (2000C)".into(),
            ));
        }
        (false, None) => out.push(hit(
            Code::SubscriberPatientMismatch,
            sbr,
            2,
            0,
            "SBR02 must be 18 when there is no patient loop (2000C): the claim sits under the subscriber".into(),
        )),
        (false, Some(patient)) => {
            for pat in with_key(patient, PAT).filter(|p| p.value(1) == b"18") {
                out.push(hit(
                    Code::SubscriberPatientMismatch,
                    pat,
                    1,
                    0,
                    "PAT01 = 18 (self) in a patient loop: a patient who is the subscriber has no 2000C".into(),
                ));
            }
        }
        (true, None) => {}
    }
}

fn zips<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    // The entity of each N4 is the NM1 before it.
    let mut entity: &[u8] = b"";
    for t in placed(view, &view.index.names) {
        if t.key == NM1 {
            entity = t.value(1);
            continue;
        }
        if t.key != N4 || !t.value(4).is_empty() {
            continue;
        }
        let zip = t.value(3);
        if zip.is_empty() {
            continue;
        }
        let digits = zip.iter().all(u8::is_ascii_digit);
        let nine_required = entity == b"85" || entity == b"77";
        let ok = digits
            && if nine_required {
                zip.len() == 9
            } else {
                zip.len() == 5 || zip.len() == 9
            };
        if !ok {
            out.push(hit_for(
                Code::ZipInvalid,
                t,
                3,
                entity,
                if nine_required {
                    format!(
                        "N403 (NM101 {}, loop {}): the ZIP code must have 9 digits (ZIP+4)",
                        String::from_utf8_lossy(entity),
                        t.loop_id
                    )
                } else {
                    format!("N403 (loop {}): a US ZIP code has 5 or 9 digits", t.loop_id)
                },
            ));
        }
    }
}

fn frequency<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    let Some(clm) = view.claim.first() else {
        return;
    };
    let code = clm.component(5, 3).unwrap_or_default();
    if code.is_empty() {
        return;
    }
    let allowed = match view.kind {
        ClaimKind::Institutional => {
            matches!(code, b"0" | b"1" | b"2" | b"3" | b"4" | b"5" | b"7" | b"8")
        }
        _ => matches!(code, b"1" | b"7" | b"8"),
    };
    if !allowed {
        out.push(hit(
            Code::ClaimFrequencyInvalid,
            clm,
            5,
            3,
            "CLM05-3: not an allowed claim frequency code".into(),
        ));
        return;
    }
    let has_f8 =
        in_claim(view, &view.index.references).any(|t| t.loop_id == "2300" && t.value(1) == b"F8");
    let replaces = code == b"7" || code == b"8";
    if replaces && !has_f8 {
        out.push(hit(
            Code::ClaimFrequencyInvalid,
            clm,
            5,
            3,
            "CLM05-3 replaces or voids a claim (7 or 8) but REF*F8 (the payer's claim control number) is missing".into(),
        ));
    } else if code == b"1" && has_f8 {
        out.push(hit(
            Code::ClaimFrequencyInvalid,
            clm,
            5,
            3,
            "CLM05-3 is an original claim (1) but REF*F8 names a claim to replace".into(),
        ));
    }
}

fn places_of_service<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    let mut check = |t: &Tagged<'a>, element: u8, component: u8, value: &[u8]| {
        if !value.is_empty() && !is_place_of_service(value) {
            let name = if component > 0 {
                format!("{}{element:02}-{component}", t.segment.id_str())
            } else {
                format!("{}{element:02}", t.segment.id_str())
            };
            out.push(hit(
                Code::PlaceOfServiceInvalid,
                t,
                element,
                component,
                format!("{name}: not a CMS place-of-service code"),
            ));
        }
    };
    if view.kind == ClaimKind::Institutional {
        return;
    }
    if let Some(clm) = view.claim.first() {
        let pos = clm.component(5, 1).unwrap_or_default();
        check(clm, 5, 1, pos);
    }
    // The kind's service lines: SV105 or SV303.
    let element: usize = match view.kind {
        ClaimKind::Dental => 3,
        _ => 5,
    };
    for line in in_claim(view, &view.index.lines) {
        check(line, element as u8, 0, line.value(element));
    }
}

fn facility_qualifier<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    let Some(clm) = view.claim.first() else {
        return;
    };
    if clm.get(5).is_none() {
        return;
    }
    let want: &[u8] = if view.kind == ClaimKind::Institutional {
        b"A"
    } else {
        b"B"
    };
    let got = clm.component(5, 2).unwrap_or_default();
    if !got.is_empty() && got != want {
        out.push(hit(
            Code::FacilityQualifierInvalid,
            clm,
            5,
            2,
            format!(
                "CLM05-2 must be {} in this guide",
                String::from_utf8_lossy(want)
            ),
        ));
    }
    if view.kind == ClaimKind::Institutional {
        let bill = clm.component(5, 1).unwrap_or_default();
        if !(bill.len() == 2 && bill.iter().all(u8::is_ascii_digit)) {
            out.push(hit(
                Code::FacilityQualifierInvalid,
                clm,
                5,
                1,
                "CLM05-1: the type of bill's facility type and classification must be 2 digits"
                    .into(),
            ));
        }
    }
}

fn genders<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    for t in placed(view, &view.index.demographics) {
        let gender = t.value(3);
        if !gender.is_empty() && !matches!(gender, b"F" | b"M" | b"U") {
            out.push(hit(
                Code::GenderInvalid,
                t,
                3,
                0,
                format!(
                    "DMG03 (loop {}): the gender code must be F, M or U",
                    t.loop_id
                ),
            ));
        }
    }
}

fn procedures<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    let element = match view.kind {
        ClaimKind::Professional | ClaimKind::Dental => 1,
        ClaimKind::Institutional => 2,
    };
    for line in in_claim(view, &view.index.lines) {
        if line.value(element).is_empty() {
            continue;
        }
        let Some(mut components) = line.components(element) else {
            continue;
        };
        let qualifier = components.next().unwrap_or_default();
        let code = components.next().unwrap_or_default();
        let name = || format!("{}{element:02}", line.segment.id_str());
        let shaped = if view.kind == ClaimKind::Dental || qualifier == b"AD" {
            code.len() == 5 && code[0] == b'D' && code[1..].iter().all(u8::is_ascii_digit)
        } else if qualifier == b"HC" {
            code.len() == 5
                && code.iter().all(u8::is_ascii_alphanumeric)
                && code.iter().any(u8::is_ascii_digit)
        } else {
            true
        };
        if !shaped {
            out.push(hit(
                Code::ProcedureCodeInvalid,
                line,
                element as u8,
                2,
                format!(
                    "{}-2: not a {} code shape",
                    name(),
                    if view.kind == ClaimKind::Dental || qualifier == b"AD" {
                        "CDT (D + 4 digits)"
                    } else {
                        "CPT/HCPCS (5 letters or digits with a digit)"
                    }
                ),
            ));
        }
        // Components 3 to 6, the modifiers.
        for (j, modifier) in components.enumerate().take(4) {
            let c = j + 3;
            let well_formed = modifier.len() == 2 && modifier.iter().all(u8::is_ascii_alphanumeric);
            if !modifier.is_empty() && !well_formed {
                out.push(hit(
                    Code::ProcedureCodeInvalid,
                    line,
                    element as u8,
                    c as u8,
                    format!(
                        "{}-{c}: a procedure modifier has 2 letters or digits",
                        name()
                    ),
                ));
            }
        }
    }
}

fn units<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    let element = match view.kind {
        ClaimKind::Professional => 4,
        ClaimKind::Institutional => 5,
        ClaimKind::Dental => 6,
    };
    for line in in_claim(view, &view.index.lines) {
        let value = line.value(element);
        if !value.is_empty() && amount(value).is_some_and(|u| u <= 0) {
            out.push(hit(
                Code::UnitsInvalid,
                line,
                element as u8,
                0,
                format!(
                    "{}{element:02}: units of service must be above zero",
                    line.segment.id_str()
                ),
            ));
        }
    }
}

fn patient_control_number<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    if let Some(clm) = view.claim.first() {
        let length = clm.value(1).len();
        if length > 20 {
            out.push(hit(
                Code::PatientControlNumberTooLong,
                clm,
                1,
                0,
                format!("CLM01 has {length} characters; receivers keep only 20"),
            ));
        }
    }
}

fn tax_id<'a>(view: &ClaimView<'_, 'a>, out: &mut Vec<Hit<'a>>) {
    // The packed id first: the loop id is a string.
    let ids = with_key(view.billing, REF)
        .filter(|t| t.loop_id == "2010AA")
        .filter(|t| matches!(t.value(1), b"EI" | b"SY"));
    for t in ids {
        let value = t.value(2);
        if !(value.len() == 9 && value.iter().all(u8::is_ascii_digit)) {
            out.push(hit(
                Code::TaxIdInvalid,
                t,
                2,
                0,
                "REF02: the billing provider's tax id must be exactly 9 digits, no hyphen".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_to_four_places() {
        assert_eq!(amount(b"125"), Some(1_250_000));
        assert_eq!(amount(b"125.5"), Some(1_255_000));
        assert_eq!(amount(b"-0.25"), Some(-2_500));
        assert_eq!(amount(b".5"), Some(5_000));
        assert_eq!(amount(b"1.23456"), None);
        assert_eq!(amount(b"1E2"), None);
        assert_eq!(show_amount(1_255_000), "125.50");
    }

    /// The amount parser as it was before the one-pass rewrite, kept to check against.
    fn amount_by_parts(value: &[u8]) -> Option<i128> {
        let (negative, body) = match value.strip_prefix(b"-") {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let (whole, fraction) = match body.iter().position(|&b| b == b'.') {
            Some(i) => (&body[..i], &body[i + 1..]),
            None => (body, &b""[..]),
        };
        if (whole.is_empty() && fraction.is_empty())
            || fraction.len() > 4
            || whole.len() > 18
            || !whole.iter().chain(fraction).all(u8::is_ascii_digit)
        {
            return None;
        }
        let digits = |bytes: &[u8]| {
            bytes
                .iter()
                .fold(0i128, |n, &d| n * 10 + i128::from(d - b'0'))
        };
        let scaled =
            digits(whole) * 10_000 + digits(fraction) * 10i128.pow(4 - fraction.len() as u32);
        Some(if negative { -scaled } else { scaled })
    }

    #[test]
    fn one_pass_amounts_agree_with_the_split_parser() {
        // Every string of up to 6 bytes over an alphabet with the troublesome characters.
        let alphabet = b"019.-+x";
        let mut value = Vec::new();
        for length in 0..=6u32 {
            for mut n in 0..alphabet.len().pow(length) {
                value.clear();
                for _ in 0..length {
                    value.push(alphabet[n % alphabet.len()]);
                    n /= alphabet.len();
                }
                assert_eq!(amount(&value), amount_by_parts(&value), "{value:?}");
            }
        }
        // Long ones around the 18 whole and 4 fraction digit limits.
        for whole in [0, 1, 14, 15, 17, 18, 19, 22, 23, 24] {
            for fraction in [None, Some(0), Some(1), Some(4), Some(5)] {
                for sign in ["", "-"] {
                    let mut text = format!("{sign}{}", "9".repeat(whole));
                    if let Some(f) = fraction {
                        text.push('.');
                        text.push_str(&"9".repeat(f));
                    }
                    let bytes = text.as_bytes();
                    assert_eq!(amount(bytes), amount_by_parts(bytes), "{text}");
                }
            }
        }
    }

    #[test]
    fn dates_agree_with_parse_date() {
        use super::super::element::parse_date;
        for year in [
            "0000", "1799", "1800", "1900", "1999", "2000", "2023", "2024", "2100", "9999",
        ] {
            for month in 0..=13 {
                for day in 0..=32 {
                    let text = format!("{year}{month:02}{day:02}");
                    let (ours, theirs) = (ccyymmdd(text.as_bytes()), parse_date(text.as_bytes()));
                    assert_eq!(ours.is_some(), theirs.is_some(), "{text}");
                    if let (Some(key), Some(date)) = (ours, theirs) {
                        assert_eq!(key, date_key(date), "{text}");
                    }
                }
            }
        }
        for text in [
            "2024010",
            "202401011",
            "2024-101",
            "2024 101",
            "+0240101",
            "",
        ] {
            assert_eq!(ccyymmdd(text.as_bytes()), None, "{text}");
        }
        // Keys order as the dates do.
        let date = |y, m, d| {
            time::Date::from_calendar_date(
                y,
                time::Month::try_from(m).unwrap_or(time::Month::January),
                d,
            )
            .unwrap_or(time::Date::MIN)
        };
        let days = [
            date(1800, 1, 1),
            date(1999, 12, 31),
            date(2000, 1, 1),
            date(2024, 2, 29),
            date(2024, 3, 1),
            date(9999, 12, 31),
        ];
        for a in days {
            for b in days {
                assert_eq!(a.cmp(&b), date_key(a).cmp(&date_key(b)));
            }
        }
    }

    #[test]
    fn pointers_parse_as_usize_does() {
        for text in [
            "0",
            "1",
            "12",
            "007",
            "+3",
            "+",
            "-1",
            "1.0",
            " 1",
            "A",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999",
            "+-1",
            "++1",
        ] {
            assert_eq!(
                pointer_number(text.as_bytes()),
                text.parse::<usize>().ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn place_of_service_bits_match_the_list() {
        let bytes = b"0123456789A ";
        for &a in bytes {
            for &b in bytes {
                let code = [a, b];
                assert_eq!(
                    is_place_of_service(&code),
                    PLACES_OF_SERVICE.contains(&&code[..]),
                    "{code:?}"
                );
            }
            assert!(!is_place_of_service(&[a]));
            assert!(!is_place_of_service(&[a, a, a]));
        }
    }

    #[test]
    fn icd10_shape() {
        assert!(icd10_shaped(b"E1165"));
        assert!(icd10_shaped(b"I10"));
        assert!(!icd10_shaped(b"E11.65"));
        assert!(!icd10_shaped(b"2533"));
        assert!(!icd10_shaped(b"E1"));
    }

    #[test]
    fn an_empty_pointer_component_is_not_an_invalid_pointer() {
        use crate::synth::ClaimKind as Kind;
        use crate::validate::tests::{edited, findings};
        // 837P seed 2: one line, SV107 = 1; a second diagnosis added.
        let codes = |sv107: &str| {
            let line = format!("SV1*HC:99204*252*UN*1***{sv107}~");
            let input = edited(
                Kind::Professional,
                1,
                2,
                &[
                    ("HI*ABK:R051~", "HI*ABK:R051*ABF:J069~"),
                    ("SV1*HC:99204*252*UN*1***1~", &line),
                ],
            );
            findings(&input)
                .iter()
                .filter(|f| f.code == Code::DiagnosisPointerInvalid)
                .map(|f| f.location.component)
                .collect::<Vec<_>>()
        };
        assert_eq!(codes("1::2"), []);
        assert_eq!(codes("1:3"), [Some(2)]);
        assert_eq!(codes("2:2"), [Some(2)]);
    }

    #[test]
    fn every_code_of_an_edit_is_a_business_code() {
        for edit in EDITS {
            for code in edit.codes {
                assert_eq!(
                    code.category(),
                    crate::finding::Category::Business,
                    "{code}"
                );
            }
        }
    }
}
