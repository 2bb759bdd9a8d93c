//! The X12 grammar as `nom` productions over complete frames, named after the standard.
//!
//! Framing (finding where a segment ends) is done with `memchr` by the envelope layer; the
//! productions here only ever see a complete ISA header or a complete segment, so they use
//! nom's *complete* combinators and "need more input" never reaches them.

use nom::IResult;
use nom::Parser;
use nom::bytes::complete::{take, take_till, take_while_m_n};
use nom::character::complete::digit1;
use nom::combinator::{eof, peek, verify};
use nom::sequence::terminated;

use super::delimiters::{DelimiterRole, Delimiters};

/// Number of ISA elements (ISA01..ISA16).
pub const ISA_ELEMENTS: usize = 16;

/// Widths of ISA01..ISA16 in a compliant header (the ISA is fixed width).
pub const ISA_WIDTHS: [u8; ISA_ELEMENTS] = [2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1];

/// Length of a compliant ISA including its terminator.
pub const ISA_LEN: usize = 106;

/// The longest ISA we look at before deciding it is malformed. A compliant one is 106 bytes;
/// the slack lets us report wrong element widths instead of failing outright.
pub const ISA_MAX_LEN: usize = 512;

/// Where the pieces of an ISA header sit, as offsets from the `I` of `ISA`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsaLayout {
    /// `(start, end)` of ISA01..ISA16, end exclusive.
    pub elements: [(u16, u16); ISA_ELEMENTS],
    /// Bytes from the `I` of `ISA` up to and including the segment terminator.
    pub len: usize,
    /// The element separator (byte 3).
    pub element_separator: u8,
    /// ISA11 as written: the repetition separator in 00402 and later, `U` before.
    pub isa11: Option<u8>,
    /// ISA16: the component separator.
    pub component_separator: u8,
    /// The byte after ISA16: the segment terminator.
    pub segment_terminator: u8,
}

impl IsaLayout {
    /// The bytes of ISA `n` (1-based) within `isa`, the header these offsets came from.
    pub fn element<'a>(&self, isa: &'a [u8], n: usize) -> &'a [u8] {
        match n.checked_sub(1).and_then(|i| self.elements.get(i)) {
            Some(&(start, end)) => isa.get(start as usize..end as usize).unwrap_or_default(),
            None => &[],
        }
    }

    /// ISA12, the control version number (`00501`, `00401`, ...).
    pub fn version<'a>(&self, isa: &'a [u8]) -> &'a [u8] {
        self.element(isa, 12)
    }

    /// The first element whose width differs from the fixed layout:
    /// `(element, expected, found)`, element 1-based.
    pub fn first_wrong_width(&self) -> Option<(usize, usize, usize)> {
        self.widths()
            .enumerate()
            .find(|&(i, width)| width != usize::from(ISA_WIDTHS[i]))
            .map(|(i, width)| (i + 1, usize::from(ISA_WIDTHS[i]), width))
    }

    /// Widths of ISA01..ISA16 as written.
    pub fn widths(&self) -> impl Iterator<Item = usize> + '_ {
        self.elements
            .iter()
            .map(|&(start, end)| usize::from(end - start))
    }

    /// The delimiters this header announces.
    ///
    /// ISA11 is a repetition separator from version 00402 on. `U` (the 4010 "standards
    /// identifier") and any other letter or digit mean there is none.
    pub fn delimiters(&self, isa: &[u8]) -> Delimiters {
        let version = self.version(isa);
        let repetition = match self.isa11 {
            Some(b) if !b.is_ascii_alphanumeric() && version >= &b"00402"[..] => Some(b),
            _ => None,
        };
        Delimiters {
            element: self.element_separator,
            component: self.component_separator,
            repetition,
            segment: self.segment_terminator,
        }
    }
}

/// Why an ISA header could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaFault {
    /// The input ended before the header was complete.
    Truncated,
    /// The input does not start with `ISA` followed by a separator.
    NotIsa,
    /// Fewer than 16 elements were found within [`ISA_MAX_LEN`] bytes.
    TooFewElements {
        /// Elements found before giving up.
        found: usize,
    },
    /// The header is not fixed width and the delimiters found by counting separators are
    /// unusable: most likely an element is missing or too long.
    Width {
        /// First element (1-based) whose width is wrong.
        element: usize,
        /// Its width in a compliant header.
        expected: usize,
        /// Its width as written.
        found: usize,
    },
    /// Two roles share one delimiter byte.
    Conflict {
        /// The first role.
        first: DelimiterRole,
        /// The second role.
        second: DelimiterRole,
        /// The shared byte.
        byte: u8,
    },
    /// A delimiter byte that cannot serve (see [`Delimiters::check_byte`]).
    Delimiter {
        /// The role of the byte.
        role: DelimiterRole,
        /// The offending byte.
        byte: u8,
        /// Offset of the byte from the `I` of `ISA`.
        at: usize,
    },
}

/// Outcome of looking for an ISA header at the start of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsaScan {
    /// The window is too short to decide; read more input.
    NeedMore,
    /// A complete header.
    Found(IsaLayout),
}

/// `isa_header`: `ISA` sep ISA01 sep ... ISA15 sep ISA16 terminator.
///
/// Elements are found by counting separators rather than trusting fixed offsets, so a header
/// with a wrong element width is still read (and its widths reported by the caller).
pub fn isa_header(window: &[u8], eof: bool) -> Result<IsaScan, IsaFault> {
    let limited = &window[..window.len().min(ISA_MAX_LEN)];
    let complete_window = eof || window.len() >= ISA_MAX_LEN;
    if limited.len() < 4 {
        if !complete_window {
            return if b"ISA".starts_with(&limited[..limited.len().min(3)]) {
                Ok(IsaScan::NeedMore)
            } else {
                Err(IsaFault::NotIsa)
            };
        }
        return if b"ISA".starts_with(limited) {
            Err(IsaFault::Truncated)
        } else {
            Err(IsaFault::NotIsa)
        };
    }
    if &limited[..3] != b"ISA" {
        return Err(IsaFault::NotIsa);
    }
    let separator = limited[3];
    if let Err(fault) = Delimiters::check_byte(DelimiterRole::Element, separator) {
        // "ISAB..." is not an ISA at all; a bad byte after a plausible ISA is a bad delimiter.
        if fault == super::delimiters::DelimiterFault::Alphanumeric {
            return Err(IsaFault::NotIsa);
        }
        return Err(IsaFault::Delimiter {
            role: DelimiterRole::Element,
            byte: separator,
            at: 3,
        });
    }

    let mut elements = [(0u16, 0u16); ISA_ELEMENTS];
    let mut rest = &limited[4..];
    // ISA01..ISA15: each ends at the next separator.
    for (i, slot) in elements.iter_mut().take(ISA_ELEMENTS - 1).enumerate() {
        let start = limited.len() - rest.len();
        match isa_element(separator).parse(rest) {
            Ok((after, value)) => {
                *slot = (start as u16, (start + value.len()) as u16);
                rest = after;
            }
            Err(_) => {
                return if complete_window {
                    if eof && window.len() < ISA_MAX_LEN {
                        Err(IsaFault::Truncated)
                    } else {
                        Err(IsaFault::TooFewElements { found: i })
                    }
                } else {
                    Ok(IsaScan::NeedMore)
                };
            }
        }
    }
    // ISA16 is exactly one byte, the terminator the byte after it.
    let isa16_at = limited.len() - rest.len();
    let pair: IResult<&[u8], (&[u8], &[u8])> = (take(1usize), take(1usize)).parse(rest);
    let Ok((_, (isa16, terminator))) = pair else {
        return if eof {
            Err(IsaFault::Truncated)
        } else {
            Ok(IsaScan::NeedMore)
        };
    };
    let (component, segment) = (isa16[0], terminator[0]);
    elements[ISA_ELEMENTS - 1] = (isa16_at as u16, isa16_at as u16 + 1);
    let (isa11_start, isa11_end) = elements[10];
    let isa11 = if isa11_end == isa11_start + 1 {
        Some(limited[isa11_start as usize])
    } else {
        None
    };
    let layout = IsaLayout {
        elements,
        len: isa16_at + 2,
        element_separator: separator,
        isa11,
        component_separator: component,
        segment_terminator: segment,
    };
    match check_delimiters(&layout, limited) {
        Ok(()) => Ok(IsaScan::Found(layout)),
        // A short or long element shifts ISA16 and the terminator onto data bytes; saying
        // which element is off is clearer than blaming the byte that landed there.
        Err(fault) => match layout.first_wrong_width() {
            Some((element, expected, found)) => Err(IsaFault::Width {
                element,
                expected,
                found,
            }),
            None => Err(fault),
        },
    }
}

/// Checks every delimiter the layout announces, and that no two roles share a byte.
fn check_delimiters(layout: &IsaLayout, isa: &[u8]) -> Result<(), IsaFault> {
    let isa11_at = usize::from(layout.elements[10].0);
    let mut checks = vec![
        (
            DelimiterRole::Component,
            layout.component_separator,
            layout.len - 2,
        ),
        (
            DelimiterRole::Segment,
            layout.segment_terminator,
            layout.len - 1,
        ),
    ];
    if let Some(b) = layout.isa11 {
        // Letters in ISA11 mean "no repetition separator" (`U` in 4010); anything else in a
        // version that has one must be usable.
        if !b.is_ascii_alphanumeric() && layout.version(isa) >= &b"00402"[..] {
            checks.push((DelimiterRole::Repetition, b, isa11_at));
        }
    }
    for (role, byte, at) in checks {
        Delimiters::check_byte(role, byte).map_err(|_| IsaFault::Delimiter { role, byte, at })?;
    }
    match layout.delimiters(isa).conflict() {
        Some((first, second, byte)) => Err(IsaFault::Conflict {
            first,
            second,
            byte,
        }),
        None => Ok(()),
    }
}

type NomError<'a> = nom::error::Error<&'a [u8]>;

/// `separator`: exactly one given delimiter byte.
fn separator<'a>(byte: u8) -> impl Parser<&'a [u8], Output = &'a [u8], Error = NomError<'a>> {
    verify(take(1usize), move |b: &[u8]| b[0] == byte)
}

/// One ISA element and the separator after it.
fn isa_element<'a>(byte: u8) -> impl Parser<&'a [u8], Output = &'a [u8], Error = NomError<'a>> {
    terminated(take_till(move |b| b == byte), separator(byte))
}

/// `segment_id`: two or three upper-case letters or digits, the first a letter, followed by the
/// element separator or the end of the segment. Returns the id's length.
pub fn segment_id(segment: &[u8], element_separator: u8) -> Option<usize> {
    let mut production = terminated(
        verify(
            take_while_m_n(2, 3, |b: u8| b.is_ascii_uppercase() || b.is_ascii_digit()),
            |id: &[u8]| id[0].is_ascii_uppercase(),
        ),
        peek(nom::branch::alt((separator(element_separator), eof))),
    );
    let parsed: IResult<&[u8], &[u8]> = production.parse(segment);
    parsed.ok().map(|(_, id)| id.len())
}

/// `binary_length`: the digits of BIN01 (or BDS02) followed by the element separator.
/// Returns the declared length and the number of bytes the digits and separator take.
pub fn binary_length(input: &[u8], element_separator: u8) -> Option<(u64, usize)> {
    let parsed: IResult<&[u8], &[u8]> =
        terminated(digit1, separator(element_separator)).parse(input);
    let (_, digits) = parsed.ok()?;
    if digits.len() > 15 {
        return None;
    }
    let length = digits
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    Some((length, digits.len() + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISA: &[u8] = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~";

    #[test]
    fn compliant_isa_header_is_106_bytes_with_its_delimiters() {
        assert_eq!(ISA.len(), ISA_LEN);
        let Ok(IsaScan::Found(layout)) = isa_header(ISA, true) else {
            panic!("not found")
        };
        assert_eq!(layout.len, ISA_LEN);
        assert_eq!(layout.element(ISA, 13), b"000000001");
        assert_eq!(layout.element(ISA, 16), b":");
        assert_eq!(layout.delimiters(ISA), Delimiters::default());
        for (i, &(start, end)) in layout.elements.iter().enumerate() {
            assert_eq!(
                usize::from(end - start),
                usize::from(ISA_WIDTHS[i]),
                "ISA{}",
                i + 1
            );
        }
    }

    #[test]
    fn isa_header_asks_for_more_until_the_terminator_is_in() {
        for cut in 0..ISA.len() {
            assert_eq!(
                isa_header(&ISA[..cut], false),
                Ok(IsaScan::NeedMore),
                "cut {cut}"
            );
            assert_eq!(
                isa_header(&ISA[..cut], true),
                Err(IsaFault::Truncated),
                "cut {cut}"
            );
        }
    }

    #[test]
    fn a_missing_isa_element_is_reported_as_a_width_fault() {
        // ISA14 left out: counting separators would take data bytes as ISA16 and terminator.
        let short = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*T*:~GS*HC*A~";
        // "T" is read as ISA14, so ISA15 swallows ":~GS": the first width that is off.
        assert_eq!(
            isa_header(short, true),
            Err(IsaFault::Width {
                element: 15,
                expected: 1,
                found: 4
            })
        );
    }

    #[test]
    fn shared_delimiter_bytes_are_a_conflict() {
        let isa = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*^~";
        assert_eq!(
            isa_header(isa, true),
            Err(IsaFault::Conflict {
                first: DelimiterRole::Repetition,
                second: DelimiterRole::Component,
                byte: b'^'
            })
        );
    }

    #[test]
    fn version_4010_has_no_repetition_separator() {
        let isa = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*U*00401*000000001*0*T*>~";
        let Ok(IsaScan::Found(layout)) = isa_header(isa, true) else {
            panic!("not found")
        };
        assert_eq!(layout.delimiters(isa).repetition, None);
        assert_eq!(layout.delimiters(isa).component, b'>');
    }

    #[test]
    fn segment_ids_are_two_or_three_upper_case_alphanumerics() {
        assert_eq!(segment_id(b"NM1*85", b'*'), Some(3));
        assert_eq!(segment_id(b"HL", b'*'), Some(2));
        assert_eq!(segment_id(b"N4*X", b'*'), Some(2));
        assert_eq!(segment_id(b"nm1*85", b'*'), None);
        assert_eq!(segment_id(b"1NM*85", b'*'), None);
        assert_eq!(segment_id(b"NM12*85", b'*'), None);
        assert_eq!(segment_id(b"N", b'*'), None);
        assert_eq!(segment_id(b"N4\n*X", b'*'), None);
    }

    #[test]
    fn binary_length_reads_digits_and_separator() {
        assert_eq!(binary_length(b"25*abc", b'*'), Some((25, 3)));
        assert_eq!(binary_length(b"11a*abc", b'*'), None);
        assert_eq!(binary_length(b"*abc", b'*'), None);
    }
}
