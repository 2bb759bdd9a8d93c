//! Writes X12 segments with an interchange's delimiters, counting segments and bytes: the
//! writer the synthetic generator (`x12pipe gen`), the acknowledgment writers (TA1, 999) and
//! the claim writer ([`crate::claim::write`]) share.
//!
//! Bytes collect in one reusable buffer that is handed to the output in chunks of about
//! 64 KiB, so memory stays constant whatever the number of segments, and the caller need not
//! wrap the output in a `BufWriter`.
//!
//! The writer does not escape anything (X12 has no escape mechanism): a value must not hold
//! one of the interchange's delimiters. Check input-derived values with
//! [`Delimiters::is_delimiter`] before writing them; debug builds assert it.
//!
//! ```
//! use x12pipe::syntax::Delimiters;
//! use x12pipe::writer::SegmentWriter;
//!
//! let mut out = Vec::new();
//! let mut w = SegmentWriter::new(&mut out, Delimiters::default(), b"\n");
//! w.start_set();
//! w.segment(b"ST").e(b"837").e(b"0001").e(b"005010X222A1").end()?;
//! w.segment(b"SV1").composite(&[b"HC", b"99213"]).amount(12_550).e(b"UN").num(1).end()?;
//! let se01 = w.set_segments() + 1;
//! w.segment(b"SE").num(se01).e(b"0001").end()?;
//! let bytes = w.finish()?;
//! assert_eq!(out, b"ST*837*0001*005010X222A1~\nSV1*HC:99213*125.5*UN*1~\nSE*3*0001~\n");
//! assert_eq!(bytes, out.len() as u64);
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, Write};

use crate::syntax::Delimiters;

/// Bytes collected before they are written out.
const CHUNK: usize = 64 << 10;

/// Replaces any delimiter byte in `value` with a space, for values copied from input into
/// output written with other delimiters (acknowledgments quoting control numbers).
pub fn without_delimiters(value: &[u8], delimiters: &Delimiters) -> Vec<u8> {
    value
        .iter()
        .map(|&b| if delimiters.is_delimiter(b) { b' ' } else { b })
        .collect()
}

/// Decimal digits of a number, formatted on the stack.
pub struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    /// `n` in decimal, no padding.
    pub fn new(mut n: u64) -> Self {
        let mut buf = [b'0'; 20];
        let mut start = buf.len();
        loop {
            start -= 1;
            buf[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Digits { buf, start }
    }

    /// `n` in decimal, left-padded with zeros to `width` digits (at most 20).
    pub fn padded(n: u64, width: usize) -> Self {
        let mut digits = Digits::new(n);
        let want = digits.buf.len().saturating_sub(width.min(20));
        while digits.start > want {
            digits.start -= 1;
            digits.buf[digits.start] = b'0';
        }
        digits
    }

    /// The digits.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// An amount in cents in the usual X12 `R` form: `125`, `125.5`, `125.25` (no trailing
/// zeros after the point, no point for whole amounts).
pub struct Amount {
    buf: [u8; 24],
    len: usize,
}

impl Amount {
    /// Formats `cents`.
    pub fn new(cents: u64) -> Self {
        let mut buf = [0; 24];
        let whole = Digits::new(cents / 100);
        let whole = whole.as_bytes();
        buf[..whole.len()].copy_from_slice(whole);
        let mut len = whole.len();
        let fraction = cents % 100;
        if fraction != 0 {
            buf[len] = b'.';
            buf[len + 1] = b'0' + (fraction / 10) as u8;
            len += 2;
            if !fraction.is_multiple_of(10) {
                buf[len] = b'0' + (fraction % 10) as u8;
                len += 1;
            }
        }
        Amount { buf, len }
    }

    /// The formatted amount.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Writes segments. Build one with [`SegmentWriter::segment`], add elements, then call
/// [`SegmentWriter::end`].
pub struct SegmentWriter<W: Write> {
    out: W,
    buf: Vec<u8>,
    delimiters: Delimiters,
    line_break: &'static [u8],
    segments: u64,
    set_segments: u64,
    bytes: u64,
    /// A [`Mark`] is open: keep every byte since it in the buffer so it can be taken back.
    holding: bool,
}

/// A point in the output that [`SegmentWriter::rollback`] can return to: what was written
/// since [`SegmentWriter::mark`] is still in the writer's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    len: usize,
    segments: u64,
    set_segments: u64,
}

impl<W: Write> SegmentWriter<W> {
    /// A writer to `out`, writing `line_break` (possibly empty) after every terminator.
    pub fn new(out: W, delimiters: Delimiters, line_break: &'static [u8]) -> Self {
        SegmentWriter {
            out,
            buf: Vec::with_capacity(CHUNK + 4096),
            delimiters,
            line_break,
            segments: 0,
            set_segments: 0,
            bytes: 0,
            holding: false,
        }
    }

    /// The delimiters segments are written with.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// Starts a unit of segments that may be taken back: until [`commit`](Self::commit) or
    /// [`rollback`](Self::rollback), nothing more is handed to the output (the buffer grows
    /// by the unit's size instead). The claim writer marks each claim, so a claim that turns
    /// out to be invalid halfway leaves no segment behind.
    pub fn mark(&mut self) -> Mark {
        self.holding = true;
        Mark {
            len: self.buf.len(),
            segments: self.segments,
            set_segments: self.set_segments,
        }
    }

    /// Keeps what was written since the last [`mark`](Self::mark) and resumes handing chunks
    /// to the output.
    pub fn commit(&mut self) -> io::Result<()> {
        self.holding = false;
        if self.buf.len() >= CHUNK {
            self.drain()?;
        }
        Ok(())
    }

    /// Takes back every segment written since `mark`, counts included.
    pub fn rollback(&mut self, mark: Mark) {
        self.holding = false;
        self.buf.truncate(mark.len);
        self.segments = mark.segments;
        self.set_segments = mark.set_segments;
    }

    /// Starts a segment.
    pub fn segment(&mut self, id: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(id);
        self
    }

    /// Adds an element.
    pub fn e(&mut self, value: &[u8]) -> &mut Self {
        debug_assert!(
            !value.iter().any(|&b| self.delimiters.is_delimiter(b)),
            "a value holds a delimiter"
        );
        self.buf.push(self.delimiters.element);
        self.buf.extend_from_slice(value);
        self
    }

    /// Adds an element made of several pieces written one after the other.
    pub fn joined(&mut self, parts: &[&[u8]]) -> &mut Self {
        self.buf.push(self.delimiters.element);
        for part in parts {
            debug_assert!(!part.iter().any(|&b| self.delimiters.is_delimiter(b)));
            self.buf.extend_from_slice(part);
        }
        self
    }

    /// Adds `n` empty elements (positions the TR3 leaves unused here).
    pub fn skip(&mut self, n: usize) -> &mut Self {
        for _ in 0..n {
            self.buf.push(self.delimiters.element);
        }
        self
    }

    /// Adds a number element.
    pub fn num(&mut self, n: u64) -> &mut Self {
        self.e(Digits::new(n).as_bytes())
    }

    /// Adds an amount element (see [`Amount`]).
    pub fn amount(&mut self, cents: u64) -> &mut Self {
        self.e(Amount::new(cents).as_bytes())
    }

    /// Adds a composite element: the components joined by the component separator.
    pub fn composite(&mut self, components: &[&[u8]]) -> &mut Self {
        self.buf.push(self.delimiters.element);
        for (i, component) in components.iter().enumerate() {
            if i > 0 {
                self.buf.push(self.delimiters.component);
            }
            debug_assert!(!component.iter().any(|&b| self.delimiters.is_delimiter(b)));
            self.buf.extend_from_slice(component);
        }
        self
    }

    /// Adds an element holding a delimiter itself (ISA11, ISA16): the one place a delimiter
    /// byte is written as a value.
    pub fn delimiter_value(&mut self, byte: u8) -> &mut Self {
        self.buf.push(self.delimiters.element);
        self.buf.push(byte);
        self
    }

    /// Ends the segment: terminator, line break, counts; writes a chunk out when enough has
    /// collected.
    pub fn end(&mut self) -> io::Result<()> {
        self.buf.push(self.delimiters.segment);
        self.buf.extend_from_slice(self.line_break);
        self.segments += 1;
        self.set_segments += 1;
        if !self.holding && self.buf.len() >= CHUNK {
            self.drain()?;
        }
        Ok(())
    }

    /// Restarts the per-transaction-set count (call right before writing ST).
    pub fn start_set(&mut self) {
        self.set_segments = 0;
    }

    /// Segments written since the last [`start_set`](Self::start_set).
    pub fn set_segments(&self) -> u64 {
        self.set_segments
    }

    /// Segments written so far.
    pub fn segments(&self) -> u64 {
        self.segments
    }

    /// Writes what is collected and flushes the output; returns the bytes written in all.
    /// An open [`mark`](Self::mark) is committed.
    pub fn finish(&mut self) -> io::Result<u64> {
        self.holding = false;
        self.drain()?;
        self.out.flush()?;
        Ok(self.bytes)
    }

    fn drain(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.bytes += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_use_the_short_decimal_form() {
        let cases = [
            (0, "0"),
            (5, "0.05"),
            (50, "0.5"),
            (12_500, "125"),
            (12_550, "125.5"),
            (12_525, "125.25"),
            (100_001, "1000.01"),
        ];
        for (cents, text) in cases {
            assert_eq!(Amount::new(cents).as_bytes(), text.as_bytes(), "{cents}");
        }
    }

    #[test]
    fn digits_pad_and_do_not_truncate() {
        assert_eq!(Digits::new(0).as_bytes(), b"0");
        assert_eq!(Digits::new(u64::MAX).as_bytes(), b"18446744073709551615");
        assert_eq!(Digits::padded(42, 9).as_bytes(), b"000000042");
        assert_eq!(Digits::padded(1234, 2).as_bytes(), b"1234");
    }

    #[test]
    fn segments_use_the_chosen_delimiters_and_are_counted() -> io::Result<()> {
        let delimiters = Delimiters {
            element: b'|',
            component: b'>',
            repetition: Some(b'^'),
            segment: b'~',
        };
        let mut out = Vec::new();
        let mut w = SegmentWriter::new(&mut out, delimiters, b"\r\n");
        w.start_set();
        w.segment(b"SV1")
            .composite(&[b"HC", b"99213", b"25"])
            .amount(12_550)
            .e(b"UN")
            .num(1)
            .skip(2)
            .composite(&[b"1", b"2"])
            .end()?;
        w.segment(b"LX").num(2).end()?;
        assert_eq!(w.set_segments(), 2);
        let bytes = w.finish()?;
        assert_eq!(out, b"SV1|HC>99213>25|125.5|UN|1|||1>2~\r\nLX|2~\r\n");
        assert_eq!(bytes, out.len() as u64);
        Ok(())
    }

    #[test]
    fn a_rollback_takes_back_segments_and_counts() -> io::Result<()> {
        let mut out = Vec::new();
        let mut w = SegmentWriter::new(&mut out, Delimiters::default(), b"");
        w.start_set();
        w.segment(b"LX").num(1).end()?;
        let mark = w.mark();
        w.segment(b"LX").num(2).end()?;
        w.rollback(mark);
        assert_eq!((w.segments(), w.set_segments()), (1, 1));
        let mark = w.mark();
        w.segment(b"LX").num(3).end()?;
        w.commit()?;
        let _ = mark;
        w.finish()?;
        assert_eq!(out, b"LX*1~LX*3~");
        Ok(())
    }
}
