//! The four X12 delimiters, read from the ISA header of each interchange.
//!
//! X12 has no escape mechanism: the sender picks four bytes that never occur in its data and
//! announces them in the fixed-width ISA segment. Element separator = the byte after `ISA`,
//! repetition separator = ISA11 (from version 00402 on; `U` before that), component
//! separator = ISA16, segment terminator = the byte right after ISA16.

use std::fmt;

use serde::Serialize;

/// Delimiters of one interchange.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Delimiters {
    /// Separates the elements of a segment (`*` in most files).
    pub element: u8,
    /// Separates the components of a composite element (ISA16, often `:` or `>`).
    pub component: u8,
    /// Separates repetitions of a repeating element (ISA11 in 00402 and later, often `^`);
    /// `None` when the interchange has none (4010 and older put `U` in ISA11).
    pub repetition: Option<u8>,
    /// Ends each segment (often `~`, sometimes a line break).
    pub segment: u8,
}

impl Default for Delimiters {
    /// The delimiters most 5010 senders use: `*`, `:`, `^`, `~`.
    fn default() -> Self {
        Delimiters {
            element: b'*',
            component: b':',
            repetition: Some(b'^'),
            segment: b'~',
        }
    }
}

/// Which job a delimiter does; used in error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DelimiterRole {
    /// The element separator (byte 3 of ISA).
    Element,
    /// The repetition separator (ISA11).
    Repetition,
    /// The component separator (ISA16).
    Component,
    /// The segment terminator (the byte after ISA16).
    Segment,
}

impl fmt::Display for DelimiterRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DelimiterRole::Element => "element separator",
            DelimiterRole::Repetition => "repetition separator (ISA11)",
            DelimiterRole::Component => "component separator (ISA16)",
            DelimiterRole::Segment => "segment terminator",
        })
    }
}

/// Why a byte cannot serve as a delimiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DelimiterFault {
    /// A letter or digit: it would be indistinguishable from data.
    Alphanumeric,
    /// A space: spaces are data (and padding in ISA).
    Space,
    /// A line break used as a separator inside segments; line breaks are only allowed as the
    /// segment terminator.
    LineBreak,
    /// A byte of 0x80 or above: not a single ASCII character (often the first byte of a
    /// multi-byte UTF-8 character such as `…`).
    NonAscii,
}

impl fmt::Display for DelimiterFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DelimiterFault::Alphanumeric => "a letter or digit cannot be a delimiter",
            DelimiterFault::Space => "a space cannot be a delimiter",
            DelimiterFault::LineBreak => "a line break can only be the segment terminator",
            DelimiterFault::NonAscii => {
                "a byte of 0x80 or above is not a single ASCII character (UTF-8 text such as '…' \
                 cannot be a delimiter)"
            }
        })
    }
}

/// Formats a delimiter byte for humans: printable ASCII as itself, others as hex.
pub fn describe_byte(byte: u8) -> String {
    match byte {
        b'\r' => "CR (0x0D)".to_string(),
        b'\n' => "LF (0x0A)".to_string(),
        0x21..=0x7e => format!("'{}'", byte as char),
        _ => format!("0x{byte:02X}"),
    }
}

impl Delimiters {
    /// Checks one delimiter byte for its role; `Ok` when it may serve.
    pub fn check_byte(role: DelimiterRole, byte: u8) -> Result<(), DelimiterFault> {
        if byte.is_ascii_alphanumeric() {
            Err(DelimiterFault::Alphanumeric)
        } else if byte == b' ' {
            Err(DelimiterFault::Space)
        } else if byte >= 0x80 {
            Err(DelimiterFault::NonAscii)
        } else if matches!(byte, b'\r' | b'\n') && role != DelimiterRole::Segment {
            Err(DelimiterFault::LineBreak)
        } else {
            Ok(())
        }
    }

    /// The delimiters with their roles, repetition separator only when present.
    pub fn roles(&self) -> impl Iterator<Item = (DelimiterRole, u8)> + '_ {
        [
            Some((DelimiterRole::Element, self.element)),
            self.repetition.map(|r| (DelimiterRole::Repetition, r)),
            Some((DelimiterRole::Component, self.component)),
            Some((DelimiterRole::Segment, self.segment)),
        ]
        .into_iter()
        .flatten()
    }

    /// The first pair of roles sharing one byte, if any.
    pub fn conflict(&self) -> Option<(DelimiterRole, DelimiterRole, u8)> {
        let roles: Vec<(DelimiterRole, u8)> = self.roles().collect();
        for (i, &(a, byte_a)) in roles.iter().enumerate() {
            for &(b, byte_b) in &roles[i + 1..] {
                if byte_a == byte_b {
                    return Some((a, b, byte_a));
                }
            }
        }
        None
    }

    /// Whether these delimiters can write a 5010 interchange: a repetition separator is
    /// set, every byte is allowed in its role and none serves two roles. The error says
    /// which byte and why, for the writers' option checks.
    pub fn check_writable(&self) -> Result<(), String> {
        if self.repetition.is_none() {
            return Err("a 5010 interchange needs a repetition separator (ISA11)".to_string());
        }
        for (role, byte) in self.roles() {
            if let Err(fault) = Self::check_byte(role, byte) {
                return Err(format!("invalid {role} {}: {fault}", describe_byte(byte)));
            }
        }
        if let Some((first, second, byte)) = self.conflict() {
            return Err(format!(
                "{} is used as both {first} and {second}",
                describe_byte(byte)
            ));
        }
        Ok(())
    }

    /// True when `byte` is one of the four delimiters.
    #[inline]
    pub fn is_delimiter(&self, byte: u8) -> bool {
        byte == self.element
            || byte == self.component
            || byte == self.segment
            || Some(byte) == self.repetition
    }
}

impl Serialize for Delimiters {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Delimiters", 4)?;
        s.serialize_field("element", &char::from(self.element).to_string())?;
        s.serialize_field("component", &char::from(self.component).to_string())?;
        s.serialize_field(
            "repetition",
            &self.repetition.map(|r| char::from(r).to_string()),
        )?;
        s.serialize_field("segment", &char::from(self.segment).to_string())?;
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_digits_spaces_and_high_bytes_are_refused() {
        assert_eq!(
            Delimiters::check_byte(DelimiterRole::Element, b'A'),
            Err(DelimiterFault::Alphanumeric)
        );
        assert_eq!(
            Delimiters::check_byte(DelimiterRole::Component, b'7'),
            Err(DelimiterFault::Alphanumeric)
        );
        assert_eq!(
            Delimiters::check_byte(DelimiterRole::Segment, b' '),
            Err(DelimiterFault::Space)
        );
        assert_eq!(
            Delimiters::check_byte(DelimiterRole::Segment, 0xE2),
            Err(DelimiterFault::NonAscii)
        );
        assert_eq!(
            Delimiters::check_byte(DelimiterRole::Element, b'\n'),
            Err(DelimiterFault::LineBreak)
        );
        assert_eq!(
            Delimiters::check_byte(DelimiterRole::Segment, b'\n'),
            Ok(())
        );
        assert_eq!(Delimiters::check_byte(DelimiterRole::Element, 0x1D), Ok(()));
    }

    #[test]
    fn a_byte_in_two_roles_is_a_conflict() {
        let d = Delimiters {
            element: b'*',
            component: b'*',
            repetition: None,
            segment: b'~',
        };
        assert_eq!(
            d.conflict(),
            Some((DelimiterRole::Element, DelimiterRole::Component, b'*'))
        );
        assert_eq!(Delimiters::default().conflict(), None);
    }
}
