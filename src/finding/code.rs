//! The table of finding codes: one row per code with its category, default severity, X12
//! acknowledgment mapping and meaning. `docs/findings.md` is generated from this table (a
//! test keeps them equal), so the documentation cannot drift from the code.

use std::fmt;

use super::{Category, Location, Severity};

/// The X12 acknowledgment code a finding maps to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum X12Code {
    /// TA1 note code (TA105), with TA104 `R` or `E`.
    Ta105(&'static str),
    /// Functional group error (AK905), rejecting the group (AK901 `R`).
    Ak905(&'static str),
    /// Transaction set error (IK502).
    Ik502(&'static str),
    /// Segment error (IK304).
    Ik304(&'static str),
    /// Element error (IK403), under IK304 `8`.
    Ik403(&'static str),
    /// Claim status on a 277CA: category, status, entity (STC01).
    Stc {
        /// Claim status category (`A7`).
        category: &'static str,
        /// Claim status code (`562`).
        status: &'static str,
        /// Entity identifier (`85`), when the status needs one.
        entity: Option<&'static str>,
    },
    /// Not reported in an acknowledgment (transport faults, notes).
    None,
}

impl fmt::Display for X12Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            X12Code::Ta105(c) => write!(f, "TA105 {c}"),
            X12Code::Ak905(c) => write!(f, "AK905 {c}"),
            X12Code::Ik502(c) => write!(f, "IK502 {c}"),
            X12Code::Ik304(c) => write!(f, "IK304 {c}"),
            X12Code::Ik403(c) => write!(f, "IK403 {c}"),
            X12Code::Stc {
                category,
                status,
                entity: Some(e),
            } => write!(f, "STC {category}:{status}:{e}"),
            X12Code::Stc {
                category,
                status,
                entity: None,
            } => write!(f, "STC {category}:{status}"),
            X12Code::None => f.write_str("-"),
        }
    }
}

/// How a code maps to X12, in the table.
#[derive(Clone, Copy, Debug)]
enum Mapping {
    Fixed(X12Code),
    /// TA105 depends on the ISA element (pyx12's table: ISA01 → 010, ...).
    IsaElement,
    /// STC with the entity taken from the loop of the finding (2010AA → 85, ...).
    StcEntity(&'static str, &'static str),
}

use Category::{Business, Syntax, Transient};
use Mapping::{Fixed, IsaElement, StcEntity};
use Severity::{Error, Note, Warning};
use X12Code::{Ak905, Ik304, Ik403, Ik502, Stc, Ta105};

const fn stc(category: &'static str, status: &'static str) -> Mapping {
    Fixed(Stc {
        category,
        status,
        entity: None,
    })
}

const fn stc_for(category: &'static str, status: &'static str, entity: &'static str) -> Mapping {
    Fixed(Stc {
        category,
        status,
        entity: Some(entity),
    })
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $category:ident, $severity:ident, $mapping:expr, $meaning:literal; )*) => {
        /// A stable finding code. Its id (kebab-case) never changes once released.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable id, as printed and in JSON.
            pub fn id(self) -> &'static str {
                match self { $( Code::$variant => $id, )* }
            }

            /// The category the code belongs to.
            pub fn category(self) -> Category {
                match self { $( Code::$variant => $category, )* }
            }

            /// The severity findings of this code have unless configured otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => $severity, )* }
            }

            /// What the code means, for the documentation table.
            pub fn meaning(self) -> &'static str {
                match self { $( Code::$variant => $meaning, )* }
            }

            fn mapping(self) -> Mapping {
                match self { $( Code::$variant => $mapping, )* }
            }
        }
    };
}

codes! {
    // Interchange (TA1).
    /// ISA13 and IEA02 differ.
    InterchangeControlMismatch = "interchange-control-mismatch", Syntax, Error, Fixed(Ta105("001")), "IEA02 differs from ISA13";
    /// IEA01 is not the number of groups.
    InterchangeGroupCount = "interchange-group-count", Syntax, Error, Fixed(Ta105("021")), "IEA01 is not the number of functional groups";
    /// The interchange has no IEA or the input ends early.
    InterchangeIncomplete = "interchange-incomplete", Syntax, Error, Fixed(Ta105("023")), "IEA missing or the input ends inside the interchange";
    /// An ISA element with an invalid value or width.
    IsaInvalid = "isa-invalid", Syntax, Error, IsaElement, "an ISA element has an invalid value or width (TA105 by element: ISA01 010 ... ISA16 027)";
    /// An unusable delimiter.
    DelimiterInvalid = "delimiter-invalid", Syntax, Error, Fixed(Ta105("026")), "the element (or repetition) separator is a letter, digit, space or non-ASCII byte, or shares its byte with another delimiter";
    /// An unusable component separator.
    ComponentSeparatorInvalid = "component-separator-invalid", Syntax, Error, Fixed(Ta105("027")), "the component separator (ISA16) cannot serve as a delimiter";
    /// An unusable segment terminator.
    SegmentTerminatorInvalid = "segment-terminator-invalid", Syntax, Error, Fixed(Ta105("004")), "the segment terminator cannot serve as a delimiter";
    /// The interchange cannot be read as X12.
    InterchangeUnreadable = "interchange-unreadable", Syntax, Error, Fixed(Ta105("024")), "the interchange cannot be framed (not X12, invalid segment id, bad binary segment, data after IEA)";
    /// A segment at interchange level that does not belong there.
    InterchangeStructure = "interchange-structure", Syntax, Error, Fixed(Ta105("022")), "a segment outside a functional group, or a transaction set outside one";

    // Functional group (999 AK9).
    /// GS06 and GE02 differ.
    GroupControlMismatch = "group-control-mismatch", Syntax, Error, Fixed(Ak905("4")), "GE02 differs from GS06";
    /// GE01 is not the number of transaction sets.
    GroupTransactionCount = "group-transaction-count", Syntax, Error, Fixed(Ak905("5")), "GE01 is not the number of transaction sets";
    /// The group has no GE.
    GroupIncomplete = "group-incomplete", Syntax, Error, Fixed(Ak905("3")), "GE missing";
    /// GS06 missing or not a number.
    GroupControlNumberInvalid = "group-control-number-invalid", Syntax, Error, Fixed(Ak905("6")), "GS06 missing or not 1-9 digits";
    /// GS06 used twice in an interchange.
    GroupControlNumberDuplicate = "group-control-number-duplicate", Syntax, Error, Fixed(Ak905("19")), "GS06 used twice in the interchange";
    /// GS08 names a version no guide covers.
    GroupVersionUnsupported = "group-version-unsupported", Syntax, Note, Fixed(Ak905("2")), "GS08 names a version x12pipe has no implementation guide for (envelopes and syntax are still checked)";
    /// A GS element with an invalid value.
    GroupHeaderInvalid = "group-header-invalid", Syntax, Error, Fixed(Ak905("1")), "a GS element is invalid (GS01 not matching the transaction, GS04 date, GS05 time, GS07 not X)";
    /// A segment between transaction sets.
    GroupStructure = "group-structure", Syntax, Error, Fixed(Ak905("1")), "a segment between transaction sets of a group";

    // Transaction set (999 IK5).
    /// No SE.
    TransactionIncomplete = "transaction-incomplete", Syntax, Error, Fixed(Ik502("2")), "SE missing";
    /// ST02 and SE02 differ.
    TransactionControlMismatch = "transaction-control-mismatch", Syntax, Error, Fixed(Ik502("3")), "SE02 differs from ST02";
    /// SE01 is not the segment count.
    TransactionSegmentCount = "transaction-segment-count", Syntax, Error, Fixed(Ik502("4")), "SE01 is not the number of segments (ST and SE included)";
    /// ST01 missing or not this guide's transaction.
    TransactionTypeInvalid = "transaction-type-invalid", Syntax, Error, Fixed(Ik502("6")), "ST01 missing or not the transaction GS01 announces";
    /// ST02 missing or invalid.
    TransactionControlNumberInvalid = "transaction-control-number-invalid", Syntax, Error, Fixed(Ik502("7")), "ST02 missing or not 4-9 characters";
    /// ST02 used twice in a group.
    TransactionControlNumberDuplicate = "transaction-control-number-duplicate", Syntax, Error, Fixed(Ik502("23")), "ST02 used twice in the functional group";
    /// ST03 does not match GS08 or the guide.
    ImplementationReferenceInvalid = "implementation-reference-invalid", Syntax, Error, Fixed(Ik502("19")), "ST03 differs from GS08, or names no supported guide";
    /// No implementation guide for this transaction.
    GuideNotSupported = "guide-not-supported", Syntax, Note, Fixed(Ik502("I6")), "no implementation guide for this transaction: envelopes and X12 syntax are checked, guide rules are not";

    // Segments (999 IK3).
    /// Segment id not in the guide's dictionary.
    SegmentUnrecognized = "segment-unrecognized", Syntax, Error, Fixed(Ik304("1")), "segment id unknown to the implementation guide";
    /// Known segment in a place the guide does not allow.
    SegmentUnexpected = "segment-unexpected", Syntax, Error, Fixed(Ik304("2")), "segment not expected here (known id, wrong place)";
    /// Required segment missing.
    SegmentMissing = "segment-missing", Syntax, Error, Fixed(Ik304("3")), "a required segment is missing";
    /// A loop repeats more than allowed.
    LoopRepeatExceeded = "loop-repeat-exceeded", Syntax, Error, Fixed(Ik304("4")), "a loop occurs more often than its maximum";
    /// A segment repeats more than allowed.
    SegmentRepeatExceeded = "segment-repeat-exceeded", Syntax, Error, Fixed(Ik304("5")), "a segment occurs more often than its maximum use";
    /// Segment out of order within its loop.
    SegmentOutOfOrder = "segment-out-of-order", Syntax, Error, Fixed(Ik304("7")), "a segment is out of sequence in its loop";
    /// A "not used" segment present.
    SegmentNotUsed = "segment-not-used", Syntax, Error, Fixed(Ik304("I4")), "a segment the guide marks not used is present";
    /// HL numbering or parentage broken.
    HierarchyInvalid = "hierarchy-invalid", Syntax, Error, Fixed(Ik304("I6")), "HL numbering, parent or child code inconsistent (HL01 sequential, HL02 an earlier parent of the right level, HL04 1 exactly when children follow)";

    // Elements (999 IK4).
    /// Required element missing.
    ElementMissing = "element-missing", Syntax, Error, Fixed(Ik403("1")), "a required element is missing";
    /// Conditional requirement (syntax note P/R/C/L) broken.
    ElementConditionalMissing = "element-conditional-missing", Syntax, Error, Fixed(Ik403("2")), "an element required by a syntax note (paired, required, conditional, list) is missing";
    /// More elements than the segment defines (or a trailing separator).
    ElementTooMany = "element-too-many", Syntax, Error, Fixed(Ik403("3")), "more elements than the segment defines, or a trailing separator";
    /// Element shorter than its minimum.
    ElementTooShort = "element-too-short", Syntax, Error, Fixed(Ik403("4")), "element shorter than its minimum length";
    /// Element longer than its maximum.
    ElementTooLong = "element-too-long", Syntax, Error, Fixed(Ik403("5")), "element longer than its maximum length";
    /// Invalid character or number form.
    ElementInvalidCharacter = "element-invalid-character", Syntax, Error, Fixed(Ik403("6")), "invalid character, or not a valid number for its type";
    /// Code not in the element's list.
    ElementInvalidCode = "element-invalid-code", Syntax, Error, Fixed(Ik403("7")), "code value not in the element's list";
    /// Invalid date.
    ElementInvalidDate = "element-invalid-date", Syntax, Error, Fixed(Ik403("8")), "not a real calendar date";
    /// Invalid time.
    ElementInvalidTime = "element-invalid-time", Syntax, Error, Fixed(Ik403("9")), "not a valid time (HHMM[SS[D[D]]])";
    /// Exclusion syntax note broken.
    ElementExclusion = "element-exclusion", Syntax, Error, Fixed(Ik403("10")), "elements that exclude each other (syntax note E) are both present";
    /// Repetitions where none are allowed, or too many.
    ElementTooManyRepetitions = "element-too-many-repetitions", Syntax, Error, Fixed(Ik403("12")), "repetitions where the element does not repeat, or too many";
    /// More components than the composite defines.
    ElementTooManyComponents = "element-too-many-components", Syntax, Error, Fixed(Ik403("13")), "more components than the composite defines, or components in a simple element";
    /// A "not used" element present.
    ElementNotUsed = "element-not-used", Syntax, Error, Fixed(Ik403("I10")), "an element the guide marks not used is present";
    /// A code valid in X12 but not in this guide.
    ElementCodeNotUsed = "element-code-not-used", Syntax, Error, Fixed(Ik403("I6")), "code value valid in X12 but not used by this guide";

    // Business edits (277CA STC, per claim).
    /// CLM02 differs from the sum of the line charges.
    ClaimOutOfBalance = "claim-out-of-balance", Business, Error, stc("A7", "400"), "CLM02 differs from the sum of the service line charges (SV102, SV203 or SV302)";
    /// Negative line charge or non-positive claim total.
    ChargeInvalid = "charge-invalid", Business, Error, stc("A7", "178"), "a negative line charge, or a claim total of zero or less on a chargeable claim";
    /// NPI with a wrong check digit or shape.
    NpiInvalid = "npi-invalid", Business, Error, StcEntity("A7", "562"), "an NPI (NM109 with NM108 XX) that is not 10 digits starting with 1 or 2 with a valid Luhn check digit (80840 prefix)";
    /// An invalid calendar date or date range.
    DateInvalid = "date-invalid", Business, Error, stc("A7", "187"), "a D8/RD8 date that is not a real date, or a range whose start is after its end";
    /// A service date in the future.
    DateInFuture = "date-in-future", Business, Error, stc("A7", "510"), "a service date after the date the file is checked";
    /// A birth date after the service.
    BirthDateInvalid = "birth-date-invalid", Business, Error, StcEntity("A7", "158"), "a birth date after a service date, or in the future";
    /// A diagnosis code that is not ICD-10-CM shaped.
    DiagnosisCodeInvalid = "diagnosis-code-invalid", Business, Error, stc("A7", "255"), "an ICD-10-CM code not shaped letter, digit, 1-5 alphanumerics, without a decimal point";
    /// Principal diagnosis invalid.
    PrincipalDiagnosisInvalid = "principal-diagnosis-invalid", Business, Error, stc("A7", "254"), "the principal diagnosis is not a valid ICD-10-CM shape, or its qualifier is not ABK";
    /// A diagnosis pointer that points nowhere.
    DiagnosisPointerInvalid = "diagnosis-pointer-invalid", Business, Error, stc("A7", "477"), "a diagnosis pointer outside 1..number of diagnoses, repeated, or more than 4";
    /// Subscriber-is-patient rules broken.
    SubscriberPatientMismatch = "subscriber-patient-mismatch", Business, Error, stc("A7", "156"), "SBR02 = 18 with a patient loop (2000C), or no patient loop without SBR02 = 18";
    /// ZIP code not 5/9 digits, or billing/facility ZIP not 9.
    ZipInvalid = "zip-invalid", Business, Error, StcEntity("A7", "500"), "a US ZIP code not of 5 or 9 digits, or a billing provider or service facility ZIP not of 9";
    /// Claim frequency code not allowed, or replacement without REF*F8.
    ClaimFrequencyInvalid = "claim-frequency-invalid", Business, Error, stc("A7", "535"), "CLM05-3 not an allowed frequency code, or 7/8 without REF*F8 (or 1 with it)";
    /// Place of service not in the CMS list.
    PlaceOfServiceInvalid = "place-of-service-invalid", Business, Error, stc("A7", "249"), "place of service (CLM05-1, SV105, SV303) not in the CMS place-of-service list";
    /// Facility code qualifier wrong for the guide.
    FacilityQualifierInvalid = "facility-qualifier-invalid", Business, Error, stc("A7", "228"), "CLM05-2 not B (837P/837D) or A (837I), or an 837I type of bill not 2 digits";
    /// Gender code not F, M or U.
    GenderInvalid = "gender-invalid", Business, Error, StcEntity("A7", "157"), "DMG03 not F, M or U";
    /// Procedure or modifier code not correctly shaped.
    ProcedureCodeInvalid = "procedure-code-invalid", Business, Error, stc("A7", "454"), "a procedure code not 5 alphanumerics with a digit (CDT: D + 4 digits), or a modifier not 2 alphanumerics";
    /// Units of service not positive.
    UnitsInvalid = "units-invalid", Business, Error, stc("A7", "476"), "units of service (SV104, SV205, SV306) not greater than zero";
    /// Patient control number too long.
    PatientControlNumberTooLong = "patient-control-number-too-long", Business, Warning, stc_for("A7", "21", "QC"), "CLM01 longer than 20 characters (receivers keep at least 20)";
    /// Billing provider tax id not 9 digits.
    TaxIdInvalid = "tax-id-invalid", Business, Error, stc_for("A7", "128", "85"), "billing provider tax id (REF*EI/SY) not exactly 9 digits";

    // Transport (the submitter).
    /// Timeout, reset or refused connection.
    TransportFailure = "transport-failure", Transient, Error, Fixed(X12Code::None), "the request could not be completed (timeout, reset, refused); retried";
    /// Throttled (429) or busy (409).
    TransportThrottled = "transport-throttled", Transient, Error, Fixed(X12Code::None), "the receiver asked to wait (429, or 409 while the same key is processing); retried";
    /// Server error (5xx, 408).
    TransportServerError = "transport-server-error", Transient, Error, Fixed(X12Code::None), "the receiver failed (408, 500, 502, 503, 504); retried";
}

impl Code {
    /// The X12 acknowledgment code for a finding of this code at `location`.
    pub fn x12(self, location: &Location) -> X12Code {
        match self.mapping() {
            Fixed(code) => code,
            IsaElement => Ta105(match location.element {
                Some(1) => "010",
                Some(2) => "011",
                Some(3) => "012",
                Some(4) => "013",
                Some(5) => "005",
                Some(6) => "006",
                Some(7) => "007",
                Some(8) => "008",
                Some(9) => "014",
                Some(10) => "015",
                Some(11) => "016",
                Some(12) => "017",
                Some(13) => "018",
                Some(14) => "019",
                Some(15) => "020",
                Some(16) => "027",
                _ => "022",
            }),
            StcEntity(category, status) => Stc {
                category,
                status,
                entity: location
                    .entity
                    .or_else(|| location.loop_id.and_then(entity_of_loop)),
            },
        }
    }

    /// How the documentation shows the mapping.
    pub fn x12_doc(self) -> String {
        match self.mapping() {
            Fixed(code) => code.to_string(),
            IsaElement => "TA105 by ISA element".to_string(),
            StcEntity(category, status) => format!("STC {category}:{status}:<entity>"),
        }
    }

    /// The code with this id.
    pub fn from_id(id: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.id() == id)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// The entity identifier code (STC01-3) of the party a loop describes, for the loops that
/// name the same party in the 837P, 837I and 837D. Provider loops under the claim (2310x,
/// 2420x) differ between the guides (2310A is the referring provider in the 837P and 837D but
/// the attending provider in the 837I), so their findings carry the entity of their NM101
/// instead ([`Location::entity`]).
fn entity_of_loop(loop_id: &str) -> Option<&'static str> {
    Some(match loop_id {
        "2010AA" => "85",
        "2010AB" => "87",
        "2010BA" => "IL",
        "2010BB" => "PR",
        "2010CA" => "QC",
        "1000A" => "41",
        "1000B" => "40",
        _ => return None,
    })
}

/// The entity identifier code an NM101 value names, as a code the tables know (`None` for
/// values the 837 guides do not use).
pub fn entity_code(nm101: &[u8]) -> Option<&'static str> {
    const CODES: &[&str] = &[
        "40", "41", "45", "71", "72", "77", "82", "85", "87", "DD", "DK", "DN", "DQ", "IL", "P3",
        "PE", "PR", "PW", "QB", "QC", "ZZ",
    ];
    CODES.iter().copied().find(|c| c.as_bytes() == nm101)
}

/// The documentation table (Markdown), generated from [`Code::ALL`].
pub fn documentation_table() -> String {
    let mut out =
        String::from("| code | category | severity | X12 | meaning |\n|---|---|---|---|---|\n");
    for code in Code::ALL {
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            code.id(),
            code.category(),
            code.default_severity(),
            code.x12_doc(),
            code.meaning()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.id()), "duplicate id {}", code.id());
            assert_eq!(Code::from_id(code.id()), Some(*code));
        }
    }

    #[test]
    fn category_follows_the_code() {
        assert_eq!(Code::NpiInvalid.category(), Category::Business);
        assert_eq!(Code::ElementTooLong.category(), Category::Syntax);
        assert_eq!(Code::TransportThrottled.category(), Category::Transient);
    }

    #[test]
    fn isa_findings_map_to_ta105_by_element() {
        let at = |element| Location {
            element: Some(element),
            ..Location::default()
        };
        assert_eq!(Code::IsaInvalid.x12(&at(9)), Ta105("014"));
        assert_eq!(Code::IsaInvalid.x12(&at(13)), Ta105("018"));
        assert_eq!(Code::IsaInvalid.x12(&at(16)), Ta105("027"));
    }

    #[test]
    fn npi_findings_name_the_entity_of_their_loop() {
        let billing = Location {
            loop_id: Some("2010AA"),
            ..Location::default()
        };
        assert_eq!(Code::NpiInvalid.x12(&billing).to_string(), "STC A7:562:85");
    }

    #[test]
    fn claim_level_providers_take_the_entity_of_their_nm101_not_their_loop() {
        // 2310A is the attending provider (71) in the 837I, the referring provider (DN) in
        // the 837P and 837D: the loop id alone cannot name the entity.
        let attending = Location {
            loop_id: Some("2310A"),
            entity: entity_code(b"71"),
            ..Location::default()
        };
        assert_eq!(
            Code::NpiInvalid.x12(&attending).to_string(),
            "STC A7:562:71"
        );
        let unknown = Location {
            loop_id: Some("2310A"),
            ..Location::default()
        };
        assert_eq!(Code::NpiInvalid.x12(&unknown).to_string(), "STC A7:562");
        assert_eq!(entity_code(b"82"), Some("82"));
        assert_eq!(entity_code(b"XX"), None);
    }
}
