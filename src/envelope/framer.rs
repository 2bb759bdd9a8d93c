//! Finds where the next segment starts and ends in a window of input, with `memchr`.
//!
//! The framer is the only code that sees chunk boundaries: when the window ends before the
//! segment terminator it says [`Frame::NeedMore`] instead of failing, and the caller retries
//! with more bytes. Line breaks and spaces between segments are skipped (and counted as
//! lines); binary segments (`BIN`, `BDS`) are delimited by their declared length, since their
//! data may contain the terminator.

use memchr::{memchr, memchr2};

use crate::syntax::Delimiters;
use crate::syntax::grammar::{binary_length, segment_id};
use crate::syntax::scan::SegmentScan;

/// One framed segment, as offsets into the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Framed {
    /// First byte of the segment id.
    pub start: usize,
    /// End of the segment's bytes (terminator excluded, and a CR before an LF terminator).
    pub end: usize,
    /// First byte after the terminator.
    pub next: usize,
    /// Length of the segment id.
    pub id_len: u8,
    /// Offset from `start` of the binary data element; 0 when none.
    pub binary_at: u32,
    /// Line breaks skipped before `start`.
    pub lines_before: u64,
    /// Line breaks from `start` to `next` (a line-break terminator, breaks in binary data).
    pub lines_within: u64,
}

/// Outcome of framing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A complete segment.
    Segment(Framed),
    /// The window ends before the segment does; read more input and retry.
    NeedMore,
    /// Only line breaks and spaces remain, and the input has ended.
    End {
        /// Offset of the end of input in the window.
        at: usize,
    },
    /// The input ended inside a segment (no terminator).
    Truncated {
        /// Start of the unfinished segment.
        start: usize,
    },
}

/// Why a segment could not be framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FrameFault {
    /// The segment does not start with a valid id.
    InvalidId {
        /// Start of the segment.
        start: usize,
    },
    /// No terminator within the size limit.
    TooLong {
        /// Start of the segment.
        start: usize,
    },
    /// A binary segment's length element is not a number.
    BinaryLengthInvalid {
        /// Start of the segment.
        start: usize,
        /// `BIN` or `BDS`.
        id: &'static str,
    },
    /// A binary segment's data is not followed by the terminator.
    BinaryLengthMismatch {
        /// Start of the segment.
        start: usize,
        /// `BIN` or `BDS`.
        id: &'static str,
        /// The declared length.
        declared: u64,
    },
}

/// True for bytes tolerated between segments: line breaks and spaces.
#[inline]
pub(crate) fn is_filler(byte: u8) -> bool {
    matches!(byte, b'\n' | b'\r' | b' ')
}

/// Skips fillers from `from`; returns the first other offset and the line breaks skipped.
#[inline]
pub(crate) fn skip_filler(window: &[u8], from: usize) -> (usize, u64) {
    let mut at = from;
    let mut lines = 0;
    while let Some(&b) = window.get(at) {
        if !is_filler(b) {
            break;
        }
        lines += u64::from(b == b'\n');
        at += 1;
    }
    (at, lines)
}

/// Frames the segment that starts at or after `from` (after fillers).
#[inline]
pub(crate) fn frame(
    window: &[u8],
    from: usize,
    delimiters: &Delimiters,
    eof: bool,
    max_len: usize,
) -> Result<Frame, FrameFault> {
    let (start, lines_before) = skip_filler(window, from);
    if start >= window.len() {
        return Ok(if eof {
            Frame::End { at: window.len() }
        } else {
            Frame::NeedMore
        });
    }
    let rest = &window[start..];
    if let Some(binary) = binary_segment(rest, delimiters.element) {
        return frame_binary(
            window,
            start,
            lines_before,
            binary,
            delimiters,
            eof,
            max_len,
        );
    }
    let limit = rest.len().min(max_len.saturating_add(1));
    let (found, lines_inside) = find_terminator(&rest[..limit], delimiters.segment);
    let Some(len) = found else {
        return if rest.len() > max_len {
            Err(FrameFault::TooLong { start })
        } else if eof {
            Ok(Frame::Truncated { start })
        } else {
            Ok(Frame::NeedMore)
        };
    };
    let mut end = start + len;
    if delimiters.segment == b'\n' && end > start && window[end - 1] == b'\r' {
        end -= 1;
    }
    let Some(id_len) = segment_id(&window[start..end], delimiters.element) else {
        return Err(FrameFault::InvalidId { start });
    };
    Ok(Frame::Segment(Framed {
        start,
        end,
        next: start + len + 1,
        id_len: id_len as u8,
        binary_at: 0,
        lines_before,
        lines_within: lines_inside + u64::from(delimiters.segment == b'\n'),
    }))
}

/// Frames the next segment of bytes the reader already framed and validated (a transaction
/// set being iterated again): the id needs no second check, so only binary segments take
/// the full path. `None` at the end of the bytes.
#[inline]
pub(crate) fn reframe(window: &[u8], from: usize, delimiters: &Delimiters) -> Option<Framed> {
    let (start, lines_before) = skip_filler(window, from);
    let rest = window.get(start..).filter(|rest| !rest.is_empty())?;
    if binary_segment(rest, delimiters.element).is_some() {
        return match frame(window, from, delimiters, true, usize::MAX) {
            Ok(Frame::Segment(framed)) => Some(framed),
            _ => None,
        };
    }
    let (found, lines_inside) = find_terminator(rest, delimiters.segment);
    let len = found?;
    let mut end = start + len;
    if delimiters.segment == b'\n' && end > start && window[end - 1] == b'\r' {
        end -= 1;
    }
    let id_len = if end - start >= 3 && window[start + 2] != delimiters.element {
        3
    } else {
        2
    };
    Some(Framed {
        start,
        end,
        next: start + len + 1,
        id_len,
        binary_at: 0,
        lines_before,
        lines_within: lines_inside + u64::from(delimiters.segment == b'\n'),
    })
}

/// [`reframe`] through the block masks of `scan`, which also give the element separators of
/// the segment's first 64 bytes (bit `i`: byte `i` of the segment). Segments the masks do
/// not settle (binary ones, long ones, the last bytes) take [`reframe`], without separators.
// Always in line (one caller per iterator): the framed segment then stays in registers
// instead of coming back through memory.
#[inline(always)]
pub(crate) fn reframe_scanned(
    window: &[u8],
    from: usize,
    delimiters: &Delimiters,
    scan: &mut SegmentScan,
) -> Option<(Framed, Option<u64>)> {
    let (start, lines_before) = skip_filler(window, from);
    let scanned = window
        .get(start..)
        .filter(|rest| binary_segment(rest, delimiters.element).is_none())
        .and_then(|_| scan.find(window, start));
    let Some(scanned) = scanned else {
        return reframe(window, from, delimiters).map(|framed| (framed, None));
    };
    let terminator_at = start + scanned.len;
    let mut end = terminator_at;
    if delimiters.segment == b'\n' && end > start && window[end - 1] == b'\r' {
        end -= 1;
    }
    let id_len = if end - start >= 3 && window[start + 2] != delimiters.element {
        3
    } else {
        2
    };
    let framed = Framed {
        start,
        end,
        next: terminator_at + 1,
        id_len,
        binary_at: 0,
        lines_before,
        lines_within: scanned.line_feeds + u64::from(delimiters.segment == b'\n'),
    };
    Some((framed, Some(scanned.separators)))
}

/// Finds the segment terminator, counting line breaks met on the way (a wrapped file has
/// them inside segments; an ordinary one has none, so the first hit is the terminator).
#[inline]
fn find_terminator(haystack: &[u8], terminator: u8) -> (Option<usize>, u64) {
    let mut from = 0;
    let mut lines = 0;
    while let Some(i) = memchr2(terminator, b'\n', &haystack[from..]) {
        let at = from + i;
        if haystack[at] == terminator {
            return (Some(at), lines);
        }
        lines += 1;
        from = at + 1;
    }
    (None, lines)
}

/// A binary segment id and the position of its length element.
#[derive(Clone, Copy)]
struct Binary {
    id: &'static str,
    /// Element number of the length (BIN01, BDS02).
    length_element: usize,
}

/// Recognises `BIN` and `BDS` segments from their first bytes.
fn binary_segment(rest: &[u8], separator: u8) -> Option<Binary> {
    if rest.len() < 4 || rest[3] != separator {
        return None;
    }
    match &rest[..3] {
        b"BIN" => Some(Binary {
            id: "BIN",
            length_element: 1,
        }),
        b"BDS" => Some(Binary {
            id: "BDS",
            length_element: 2,
        }),
        _ => None,
    }
}

/// Frames a binary segment: the data element is exactly as long as the length element says,
/// and the terminator must follow it. A declared length above `max_len` is refused before
/// anything is buffered for it.
fn frame_binary(
    window: &[u8],
    start: usize,
    lines_before: u64,
    binary: Binary,
    delimiters: &Delimiters,
    eof: bool,
    max_len: usize,
) -> Result<Frame, FrameFault> {
    let more = |eof: bool| {
        if eof {
            Ok(Frame::Truncated { start })
        } else {
            Ok(Frame::NeedMore)
        }
    };
    // The id and the elements up to the length are ordinary text: like any segment they must
    // end within `max_len` bytes, or an endless header would be buffered without bound. The
    // same test on the bytes found and on the window keeps the verdict independent of how the
    // input is split.
    let too_long = |end: usize| end - start > max_len;
    let unfinished = |eof: bool| {
        if too_long(window.len()) {
            Err(FrameFault::TooLong { start })
        } else {
            more(eof)
        }
    };
    // Skip the id and the elements before the length element.
    let mut at = start + 4;
    for _ in 1..binary.length_element {
        match memchr(delimiters.element, &window[at..]) {
            Some(i) if too_long(at + i) => {
                return Err(FrameFault::TooLong { start });
            }
            Some(i) => at += i + 1,
            None => return unfinished(eof),
        }
    }
    // The length element must be complete (digits then separator) before we can judge it.
    let digits_end = window[at..]
        .iter()
        .position(|b| !b.is_ascii_digit())
        .map(|i| at + i);
    let Some(digits_end) = digits_end else {
        return unfinished(eof);
    };
    if too_long(digits_end) {
        return Err(FrameFault::TooLong { start });
    }
    let Some((declared, used)) = binary_length(&window[at..=digits_end], delimiters.element) else {
        return Err(FrameFault::BinaryLengthInvalid {
            start,
            id: binary.id,
        });
    };
    let data_at = at + used;
    if declared > max_len as u64 {
        return Err(FrameFault::TooLong { start });
    }
    let Some(terminator_at) = usize::try_from(declared)
        .ok()
        .and_then(|n| data_at.checked_add(n))
    else {
        return Err(FrameFault::BinaryLengthMismatch {
            start,
            id: binary.id,
            declared,
        });
    };
    let Some(&after) = window.get(terminator_at) else {
        return more(eof);
    };
    if after != delimiters.segment {
        return Err(FrameFault::BinaryLengthMismatch {
            start,
            id: binary.id,
            declared,
        });
    }
    // Line feeds anywhere in the segment count, in the data and in the elements before it
    // (a BDS01 may hold one), as they do in any other segment.
    let lines_inside = memchr::memchr_iter(b'\n', &window[start..terminator_at]).count() as u64;
    Ok(Frame::Segment(Framed {
        start,
        end: terminator_at,
        next: terminator_at + 1,
        id_len: 3,
        binary_at: (data_at - start) as u32,
        lines_before,
        lines_within: lines_inside + u64::from(delimiters.segment == b'\n'),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Delimiters {
        Delimiters::default()
    }

    #[test]
    fn frames_a_segment_and_skips_line_breaks_before_the_next() {
        let w = b"ST*837*0001~\r\n  BHT*0019~";
        let Ok(Frame::Segment(s)) = frame(w, 0, &d(), false, 1024) else {
            panic!()
        };
        assert_eq!((&w[s.start..s.end], s.next), (&b"ST*837*0001"[..], 12));
        let Ok(Frame::Segment(s)) = frame(w, s.next, &d(), false, 1024) else {
            panic!()
        };
        assert_eq!(&w[s.start..s.end], b"BHT*0019");
        assert_eq!(s.lines_before, 1);
    }

    #[test]
    fn needs_more_until_the_terminator_arrives() {
        let w = b"NM1*85*2*ACME";
        assert_eq!(frame(w, 0, &d(), false, 1024), Ok(Frame::NeedMore));
        assert_eq!(
            frame(w, 0, &d(), true, 1024),
            Ok(Frame::Truncated { start: 0 })
        );
        assert_eq!(
            frame(b"\r\n", 0, &d(), true, 1024),
            Ok(Frame::End { at: 2 })
        );
    }

    #[test]
    fn a_line_feed_terminator_drops_a_carriage_return_before_it() {
        let nl = Delimiters {
            segment: b'\n',
            ..d()
        };
        let Ok(Frame::Segment(s)) = frame(b"ST*837*1\r\nSE", 0, &nl, false, 1024) else {
            panic!()
        };
        assert_eq!((s.end, s.next, s.lines_within), (8, 10, 1));
    }

    #[test]
    fn binary_data_may_hold_the_terminator() {
        let w = b"BIN*5*a~\nb~~SE*1";
        let Ok(Frame::Segment(s)) = frame(w, 0, &d(), false, 1024) else {
            panic!()
        };
        assert_eq!(&w[s.start..s.end], b"BIN*5*a~\nb~");
        assert_eq!((s.binary_at, s.lines_within), (6, 1));
        // Cut anywhere before the terminator: need more.
        for cut in 0..12 {
            assert_eq!(
                frame(&w[..cut], 0, &d(), false, 1024),
                Ok(Frame::NeedMore),
                "{cut}"
            );
        }
    }

    #[test]
    fn line_feeds_before_binary_data_are_counted() {
        // Found by fuzzing: a line feed in BDS01 was skipped, so every later segment was
        // reported one line too early.
        let w = b"BDS*\n*1*1~";
        let Ok(Frame::Segment(s)) = frame(w, 0, &d(), true, 1024) else {
            panic!()
        };
        assert_eq!((s.binary_at, s.lines_within), (8, 1));
    }

    #[test]
    fn binary_length_must_be_a_number_that_fits() {
        assert!(matches!(
            frame(b"BIN*11a*BINARY~", 0, &d(), true, 1024),
            Err(FrameFault::BinaryLengthInvalid { .. })
        ));
        assert!(matches!(
            frame(b"BIN*3*ABCD~", 0, &d(), true, 1024),
            Err(FrameFault::BinaryLengthMismatch { declared: 3, .. })
        ));
    }

    #[test]
    fn a_binary_header_longer_than_the_size_limit_is_too_long_however_split() {
        let mut w = b"BIN*".to_vec();
        w.extend(std::iter::repeat_n(b'1', 40));
        w.extend_from_slice(b"*abc~");
        let mut bds = b"BDS*".to_vec();
        bds.extend(std::iter::repeat_n(b'B', 40));
        bds.extend_from_slice(b"*3*abc~");
        for input in [&w, &bds] {
            for cut in 5..=input.len() {
                assert!(
                    matches!(
                        frame(&input[..cut], 0, &d(), cut == input.len(), 16),
                        Err(FrameFault::TooLong { .. })
                    ) || cut <= 16,
                    "cut {cut}"
                );
            }
        }
        // Within the limit the same segments are judged on their merits.
        assert!(matches!(
            frame(&bds, 0, &d(), true, 64),
            Ok(Frame::Segment(_))
        ));
        assert!(matches!(
            frame(&w, 0, &d(), true, 64),
            Err(FrameFault::BinaryLengthInvalid { .. })
        ));
    }

    #[test]
    fn a_missing_terminator_is_reported_past_the_size_limit() {
        assert!(matches!(
            frame(&[b'A'; 64], 0, &d(), false, 16),
            Err(FrameFault::TooLong { .. })
        ));
    }

    #[test]
    fn invalid_ids_are_refused() {
        assert!(matches!(
            frame(b"nm1*x~", 0, &d(), true, 1024),
            Err(FrameFault::InvalidId { .. })
        ));
    }
}
