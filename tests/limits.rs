//! The streaming reader's memory stays bounded on hostile input: whatever arrives, it either
//! consumes it or refuses it within the configured limits, instead of buffering without end.
//!
//! Each test feeds a source that never ends (it fails with an I/O error after far more bytes
//! than any limit, so a regression shows up as that error instead of exhausting memory).

use std::io::{self, Read};

use x12pipe::envelope::{ParseError, ParseOptions, Reader};

const ISA: &[u8] = b"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~";

/// Bytes the source hands out before failing: many times every limit below.
const SOURCE_LIMIT: usize = 8 << 20;

/// Limits small enough that hitting them is quick.
fn options() -> ParseOptions {
    ParseOptions {
        max_segment_size: 4096,
        max_transaction_size: 64 << 10,
        ..ParseOptions::strict()
    }
}

/// `prefix`, then `fill` repeated until [`SOURCE_LIMIT`] bytes have gone out, then an error.
struct Endless {
    prefix: Vec<u8>,
    fill: Vec<u8>,
    produced: usize,
}

impl Endless {
    fn new(prefix: &[u8], fill: &[u8]) -> Self {
        Endless {
            prefix: prefix.to_vec(),
            fill: fill.to_vec(),
            produced: 0,
        }
    }
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.produced >= SOURCE_LIMIT {
            return Err(io::Error::other("the endless test source gave up"));
        }
        for (i, slot) in buf.iter_mut().enumerate() {
            let at = self.produced + i;
            *slot = match self.prefix.get(at) {
                Some(&b) => b,
                None => self.fill[(at - self.prefix.len()) % self.fill.len()],
            };
        }
        self.produced += buf.len();
        Ok(buf.len())
    }
}

/// Reads until the first error; returns it with the reader's offset at that point.
fn first_error(source: Endless) -> (ParseError, u64) {
    let mut reader = Reader::with_capacity(source, options(), 1024);
    loop {
        match reader.next_event() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("an endless source cannot end"),
            Err(error) => return (error, reader.offset()),
        }
    }
}

#[test]
fn endless_line_breaks_inside_an_interchange_are_consumed_not_buffered() {
    // Line breaks and spaces between segments are skipped as they come; before the fix they
    // were kept in the buffer until a segment started, so the buffer grew with them.
    let mut prefix = ISA.to_vec();
    prefix.extend_from_slice(b"GS*HC*S*R*20240101*1200*1*X*005010X222A1~");
    let (error, offset) = first_error(Endless::new(&prefix, b"\r\n  "));
    assert_eq!(error.name(), "io", "{error}");
    assert!(
        offset > (SOURCE_LIMIT - 64 * 1024) as u64,
        "only {offset} bytes consumed: the line breaks are being buffered"
    );
}

#[test]
fn a_binary_length_that_never_ends_is_refused_within_the_segment_limit() {
    let mut prefix = ISA.to_vec();
    prefix.extend_from_slice(b"BIN*");
    let (error, offset) = first_error(Endless::new(&prefix, b"1234567890"));
    assert_eq!(error.name(), "segment_too_long", "{error}");
    assert_eq!(offset, ISA.len() as u64);
}

#[test]
fn binary_elements_before_the_length_that_never_end_are_refused_within_the_segment_limit() {
    let mut prefix = ISA.to_vec();
    prefix.extend_from_slice(b"BDS*");
    let (error, _) = first_error(Endless::new(&prefix, b"B64"));
    assert_eq!(error.name(), "segment_too_long", "{error}");
}

#[test]
fn a_segment_without_terminator_is_refused_within_the_segment_limit() {
    let mut prefix = ISA.to_vec();
    prefix.extend_from_slice(b"NM1*");
    let (error, offset) = first_error(Endless::new(&prefix, b"DOE JANE "));
    assert_eq!(error.name(), "segment_too_long", "{error}");
    assert_eq!(offset, ISA.len() as u64);
}

#[test]
fn a_transaction_set_without_se_is_refused_within_the_transaction_limit() {
    let mut prefix = ISA.to_vec();
    prefix.extend_from_slice(b"GS*HC*S*R*20240101*1200*1*X*005010X222A1~ST*837*0001~");
    let (error, _) = first_error(Endless::new(&prefix, b"REF*EI*123456789~\n"));
    assert_eq!(error.name(), "transaction_too_large", "{error}");
}
