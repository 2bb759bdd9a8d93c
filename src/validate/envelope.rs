//! Envelope findings: the parser's problems and fatal errors as findings, and the value
//! checks of ISA and GS that produce TA1 and AK9 codes.

use crate::envelope::{
    EnvelopeSegment, GsHeader, IsaHeader, Level, ParseError, ParseErrorKind, Problem, ProblemKind,
    Severity as ProblemSeverity,
};
use crate::finding::{Code, Finding, Location, Severity};
use crate::syntax::DelimiterRole;

use super::element::{is_date, is_time};

/// The code a parser problem maps to.
pub(crate) fn problem_code(kind: &ProblemKind) -> (Code, Option<u8>) {
    match kind {
        ProblemKind::IsaWidth { element, .. } => (Code::IsaInvalid, Some(*element)),
        ProblemKind::NoRepetitionSeparator { .. } => (Code::IsaInvalid, Some(11)),
        ProblemKind::ControlNumberMismatch { header, .. } => (
            match *header {
                "ISA13" => Code::InterchangeControlMismatch,
                "GS06" => Code::GroupControlMismatch,
                _ => Code::TransactionControlMismatch,
            },
            None,
        ),
        ProblemKind::CountMismatch { element, .. } | ProblemKind::InvalidCount { element } => (
            match *element {
                "IEA01" => Code::InterchangeGroupCount,
                "GE01" => Code::GroupTransactionCount,
                _ => Code::TransactionSegmentCount,
            },
            None,
        ),
        ProblemKind::MissingTrailer { trailer, .. } => (
            match trailer {
                EnvelopeSegment::IEA | EnvelopeSegment::ISA => Code::InterchangeIncomplete,
                EnvelopeSegment::GE | EnvelopeSegment::GS => Code::GroupIncomplete,
                _ => Code::TransactionIncomplete,
            },
            None,
        ),
        ProblemKind::MissingElement { element } => (
            match *element {
                "GS06" => Code::GroupControlNumberInvalid,
                "ST01" => Code::TransactionTypeInvalid,
                _ => Code::TransactionControlNumberInvalid,
            },
            None,
        ),
        ProblemKind::DuplicateControlNumber { element, .. } => (
            if *element == "GS06" {
                Code::GroupControlNumberDuplicate
            } else {
                Code::TransactionControlNumberDuplicate
            },
            None,
        ),
        ProblemKind::UnexpectedSegment {
            level: Level::Group,
            ..
        } => (Code::GroupStructure, None),
        ProblemKind::UnexpectedSegment { .. } | ProblemKind::TransactionOutsideGroup { .. } => {
            (Code::InterchangeStructure, None)
        }
        ProblemKind::UnexpectedEof => (Code::InterchangeIncomplete, None),
    }
}

/// A parser problem as a finding, in the envelopes named by `context`.
pub(crate) fn problem_finding(problem: &Problem, context: &Location) -> Finding {
    let (code, element) = problem_code(&problem.kind);
    let mut finding = Finding::new(
        code,
        Location {
            position: problem.position,
            element,
            ..context.clone()
        },
        problem.kind.to_string(),
    );
    finding.severity = match problem.severity {
        ProblemSeverity::Warning => Severity::Warning,
        ProblemSeverity::Error => Severity::Error,
    };
    finding
}

/// A fatal parse error as a finding (`None` for I/O errors, which are not about the data).
pub(crate) fn fatal_finding(error: &ParseError, context: &Location) -> Option<Finding> {
    let (code, element) = match &error.kind {
        ParseErrorKind::Io(_) => return None,
        ParseErrorKind::TruncatedIsa => (Code::InterchangeIncomplete, None),
        ParseErrorKind::MalformedIsa { .. } => (Code::IsaInvalid, None),
        ParseErrorKind::IsaWidth { element, .. } => (Code::IsaInvalid, Some(*element as u8)),
        ParseErrorKind::InvalidDelimiter { role, .. } => (delimiter_code(*role), None),
        ParseErrorKind::DelimiterConflict { second, .. } => (delimiter_code(*second), None),
        _ => (Code::InterchangeUnreadable, None),
    };
    Some(Finding::new(
        code,
        Location {
            position: error.position,
            element,
            ..context.clone()
        },
        error.kind.to_string(),
    ))
}

fn delimiter_code(role: DelimiterRole) -> Code {
    match role {
        DelimiterRole::Component => Code::ComponentSeparatorInvalid,
        DelimiterRole::Segment => Code::SegmentTerminatorInvalid,
        _ => Code::DelimiterInvalid,
    }
}

/// The interchange id qualifiers of ISA05 and ISA07 the HIPAA guides allow: what the
/// validator checks and the claim writer accepts.
pub(crate) const ISA_ID_QUALIFIERS: &[&[u8]] = &[
    b"01", b"14", b"20", b"27", b"28", b"29", b"30", b"33", b"ZZ",
];

/// [`ISA_ID_QUALIFIERS`] as text: `01, 14, ..., ZZ`.
pub(crate) fn isa_id_qualifiers() -> String {
    ISA_ID_QUALIFIERS
        .iter()
        .map(|q| String::from_utf8_lossy(q))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks ISA values (X12-REFERENCE 1.2); widths and delimiters are the parser's.
pub(crate) fn check_isa(isa: &IsaHeader<'_>, context: &Location, out: &mut Vec<Finding>) {
    let segment = isa.segment();
    let position = segment.position();
    let mut bad = |element: u8, severity: Severity, message: String| {
        let mut finding = Finding::new(
            Code::IsaInvalid,
            Location {
                position,
                segment_id: Some("ISA".into()),
                element: Some(element),
                ..context.clone()
            },
            message,
        );
        finding.severity = severity;
        out.push(finding);
    };
    let value = |n: usize| segment.value(n);
    let trimmed = |n: usize| {
        let v = value(n);
        let end = v.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
        &v[..end]
    };
    // The HIPAA code lists apply to 5010 interchanges; older versions allowed more values.
    let hipaa = value(12) == b"00501";
    if hipaa && !matches!(value(1), b"00" | b"03") {
        bad(
            1,
            Severity::Error,
            "ISA01 must be 00 (no authorization information) or 03".into(),
        );
    }
    if hipaa && !matches!(value(3), b"00" | b"01") {
        bad(
            3,
            Severity::Error,
            "ISA03 must be 00 (no security information) or 01".into(),
        );
    }
    for (element, name) in [(5u8, "sender"), (7, "receiver")] {
        if hipaa && !ISA_ID_QUALIFIERS.contains(&value(usize::from(element))) {
            bad(
                element,
                Severity::Error,
                format!(
                    "ISA{element:02} is not a valid {name} id qualifier ({})",
                    isa_id_qualifiers()
                ),
            );
        }
    }
    for (element, name) in [(6u8, "sender"), (8, "receiver")] {
        if trimmed(usize::from(element)).is_empty() {
            bad(
                element,
                Severity::Error,
                format!("ISA{element:02}, the {name} id, is blank"),
            );
        }
    }
    if !is_date(value(9)) || value(9).len() != 6 {
        bad(
            9,
            Severity::Error,
            "ISA09 is not a real date (YYMMDD)".into(),
        );
    }
    if !is_time(value(10)) || value(10).len() != 4 {
        bad(
            10,
            Severity::Error,
            "ISA10 is not a valid time (HHMM)".into(),
        );
    }
    if value(12) != b"00501" {
        bad(
            12,
            Severity::Warning,
            format!(
                "ISA12 is {}, not 00501: x12pipe checks this interchange's envelopes and syntax, but its guides are 5010",
                String::from_utf8_lossy(value(12))
            ),
        );
    }
    let control = value(13);
    if control.len() != 9 || !control.iter().all(u8::is_ascii_digit) {
        bad(13, Severity::Error, "ISA13 must be exactly 9 digits".into());
    }
    if !matches!(value(14), b"0" | b"1") {
        bad(14, Severity::Error, "ISA14 must be 0 or 1".into());
    }
    if !matches!(value(15), b"P" | b"T" | b"I") {
        bad(
            15,
            Severity::Error,
            "ISA15 must be P (production) or T (test)".into(),
        );
    }
}

/// Checks GS values (X12-REFERENCE 1.4).
pub(crate) fn check_gs(
    gs: &GsHeader<'_>,
    isa_version: &str,
    context: &Location,
    out: &mut Vec<Finding>,
) {
    let segment = gs.segment();
    let mut bad = |code: Code, element: u8, message: String| {
        out.push(Finding::new(
            code,
            Location {
                position: segment.position(),
                segment_id: Some("GS".into()),
                element: Some(element),
                ..context.clone()
            },
            message,
        ));
    };
    // GS04 is CCYYMMDD in 5010; older versions also used YYMMDD.
    let date = gs.date();
    let width_ok = date.len() == 8 || (isa_version != "00501" && date.len() == 6);
    if !width_ok || !is_date(date) {
        bad(
            Code::GroupHeaderInvalid,
            4,
            "GS04 is not a real date (CCYYMMDD)".into(),
        );
    }
    if !is_time(gs.time()) {
        bad(
            Code::GroupHeaderInvalid,
            5,
            "GS05 is not a valid time".into(),
        );
    }
    let control = gs.control_number();
    if !control.is_empty() && (control.len() > 9 || !control.iter().all(u8::is_ascii_digit)) {
        bad(
            Code::GroupControlNumberInvalid,
            6,
            "GS06 must be 1 to 9 digits".into(),
        );
    }
    let version = gs.version();
    if !version.is_empty() && !crate::schema::knows_version(version) {
        bad(
            Code::GroupVersionUnsupported,
            8,
            format!(
                "GS08 {} names no implementation guide x12pipe has: envelopes and X12 syntax are checked, guide rules are not",
                String::from_utf8_lossy(version)
            ),
        );
    }
    if segment.value(7) != b"X" {
        bad(
            Code::GroupHeaderInvalid,
            7,
            "GS07 must be X (Accredited Standards Committee X12)".into(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::finding::{Code, Severity};
    use crate::synth::ClaimKind as Kind;
    use crate::validate::tests::{edited, findings};

    #[test]
    fn a_group_version_without_a_guide_is_noted() {
        let input = edited(
            Kind::Professional,
            1,
            2,
            &[
                ("*X*005010X222A1~", "*X*004010X098A1~"),
                ("ST*837*0001*005010X222A1~", "ST*837*0001*004010X098A1~"),
            ],
        );
        let notes: Vec<(Code, Severity, Option<u8>)> = findings(&input)
            .iter()
            .filter(|f| f.code == Code::GroupVersionUnsupported)
            .map(|f| (f.code, f.severity, f.location.element))
            .collect();
        assert_eq!(
            notes,
            [(Code::GroupVersionUnsupported, Severity::Note, Some(8))]
        );
        // An errata of a guide's version is supported (005010X222 finds 005010X222A1).
        let input = edited(
            Kind::Professional,
            1,
            2,
            &[("*X*005010X222A1~", "*X*005010X222~")],
        );
        assert!(
            !findings(&input)
                .iter()
                .any(|f| f.code == Code::GroupVersionUnsupported)
        );
    }
}
