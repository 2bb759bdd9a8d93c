//! Byte masks of 64-byte blocks: bit `i` of a mask is set when byte `i` of the block is the
//! byte looked for.
//!
//! The hot loops (the envelope machine's walk through a transaction set, a set's segment
//! iterator, a segment's element iterator) find delimiters by taking the lowest set bit of
//! such a mask instead of calling a search per segment or per element. A mask is computed
//! once per block, independently of where segments and elements start, so finding the next
//! one is a `trailing_zeros` away instead of a dependent search with a data-dependent exit.
//!
//! On x86-64, SSE2 (always present there) compares 16 bytes at a time through `safe_arch`,
//! which exposes the compiler's intrinsics as safe functions; elsewhere a plain loop computes
//! the same masks.

/// Block size, in bytes: one bit per byte in a `u64`.
pub(crate) const BLOCK: usize = 64;

/// A byte looked for, prepared for [`mask`].
#[derive(Clone, Copy)]
pub(crate) struct Needle {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    splat: safe_arch::m128i,
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    byte: u8,
}

impl Needle {
    /// Prepares `byte`.
    #[inline(always)]
    pub(crate) fn new(byte: u8) -> Self {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        {
            Needle {
                splat: safe_arch::set_splat_i8_m128i(byte as i8),
            }
        }
        #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
        {
            Needle { byte }
        }
    }
}

/// The mask of the bytes of `block` equal to `needle`.
#[inline(always)]
pub(crate) fn mask(block: &[u8; BLOCK], needle: Needle) -> u64 {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    {
        use safe_arch::{cmp_eq_mask_i8_m128i, load_unaligned_m128i, move_mask_i8_m128i};
        let mut bits = 0u64;
        for (i, chunk) in block.chunks_exact(16).enumerate() {
            let Ok(chunk) = <&[u8; 16]>::try_from(chunk) else {
                continue;
            };
            let equal = cmp_eq_mask_i8_m128i(load_unaligned_m128i(chunk), needle.splat);
            bits |= u64::from(move_mask_i8_m128i(equal) as u16) << (16 * i);
        }
        bits
    }
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
    {
        portable_mask(block, needle.byte)
    }
}

/// The mask computed one byte at a time: what other architectures use, and what the tests
/// compare the SSE2 masks with.
#[cfg_attr(
    all(target_arch = "x86_64", target_feature = "sse2", not(test)),
    allow(dead_code)
)]
#[inline(always)]
fn portable_mask(block: &[u8; BLOCK], byte: u8) -> u64 {
    block
        .iter()
        .enumerate()
        .fold(0u64, |bits, (i, &b)| bits | (u64::from(b == byte) << i))
}

/// The 64 bytes of `bytes` from `at`, when there are that many.
#[inline(always)]
pub(crate) fn block_at(bytes: &[u8], at: usize) -> Option<&[u8; BLOCK]> {
    bytes.get(at..)?.first_chunk::<BLOCK>()
}

/// The bits of `mask` at and above `n` (none when `n` is 64 or more).
#[inline(always)]
pub(crate) fn from_bit(mask: u64, n: usize) -> u64 {
    mask & u64::MAX.checked_shl(n as u32).unwrap_or(0)
}

/// The bits of `mask` below `n` (all when `n` is 64 or more).
#[inline(always)]
pub(crate) fn below_bit(mask: u64, n: usize) -> u64 {
    mask & !u64::MAX.checked_shl(n as u32).unwrap_or(0)
}

/// Finds segment terminators forwards through a window, one 64-byte block mask at a time:
/// consecutive segments in the same block cost a `trailing_zeros` each.
#[derive(Clone, Copy)]
pub(crate) struct TerminatorScan {
    terminator: u8,
    needle: Needle,
    /// Offset of the block `bits` describes; `usize::MAX` for none.
    block: usize,
    /// Terminators in `window[block..block + 64]`.
    bits: u64,
}

impl TerminatorScan {
    /// A scanner for `terminator`, with no block loaded.
    #[inline(always)]
    pub(crate) fn new(terminator: u8) -> Self {
        TerminatorScan {
            terminator,
            needle: Needle::new(terminator),
            block: usize::MAX,
            bits: 0,
        }
    }

    /// The first terminator in `window[from..end]`. Successive calls must pass the same
    /// window (the block mask is kept between them) and should move forwards.
    #[inline(always)]
    pub(crate) fn find(&mut self, window: &[u8], from: usize, end: usize) -> Option<usize> {
        if self.block > from || from - self.block >= BLOCK {
            let Some(block) = block_at(window, from) else {
                self.block = usize::MAX;
                return self.search(window, from, end);
            };
            self.block = from;
            self.bits = mask(block, self.needle);
        }
        let bits = from_bit(self.bits, from - self.block);
        if bits != 0 {
            return Some(self.block + bits.trailing_zeros() as usize).filter(|&at| at < end);
        }
        // Not in this block: one more block (most segments are short), then a plain search.
        let next = self.block + BLOCK;
        if next >= end {
            return None;
        }
        let Some(block) = block_at(window, next) else {
            self.block = usize::MAX;
            return self.search(window, next, end);
        };
        self.block = next;
        self.bits = mask(block, self.needle);
        if self.bits != 0 {
            return Some(next + self.bits.trailing_zeros() as usize).filter(|&at| at < end);
        }
        self.block = usize::MAX;
        self.search(window, next + BLOCK, end)
    }

    /// `memchr` over `window[from..end]`, for long segments and the end of the window.
    #[inline(never)]
    fn search(&self, window: &[u8], from: usize, end: usize) -> Option<usize> {
        let hay = window.get(from..end.min(window.len()))?;
        memchr::memchr(self.terminator, hay).map(|i| from + i)
    }
}

/// The set bits of `mask`, for line feeds inside a segment: nearly always none. Without a
/// `popcnt` instruction in the baseline x86-64 target, `count_ones` is a dozen operations
/// that the compiler runs even for 0 (a test for 0 first is folded away, since the count of
/// 0 is 0); clearing the lowest bit in a loop costs one test when there is none.
#[inline(always)]
fn ones(mut mask: u64) -> u64 {
    let mut count = 0;
    while mask != 0 {
        mask &= mask - 1;
        count += 1;
    }
    count
}

/// A segment found by [`SegmentScan::find`], relative to where it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scanned {
    /// Offset of the terminator from the segment start.
    pub len: usize,
    /// Line feeds before the terminator.
    pub line_feeds: u64,
    /// Element separators among the segment's first 64 bytes (bit `i`: byte `i`), none at or
    /// after the terminator.
    pub separators: u64,
}

/// Finds segments of bytes already framed once (a transaction set iterated again) through
/// 64-byte block masks of the terminator, the line feed and the element separator: one
/// pass gives where a segment ends, how many lines it spans and where its elements start.
#[derive(Clone, Copy)]
pub(crate) struct SegmentScan {
    terminator: Needle,
    line_feed: Needle,
    separator: Needle,
    /// Offset of the block the masks describe; `usize::MAX` for none.
    block: usize,
    terminators: u64,
    line_feeds: u64,
    separators: u64,
}

impl SegmentScan {
    /// A scanner for these delimiters, with no block loaded.
    #[inline]
    pub(crate) fn new(terminator: u8, separator: u8) -> Self {
        SegmentScan {
            terminator: Needle::new(terminator),
            line_feed: Needle::new(b'\n'),
            separator: Needle::new(separator),
            block: usize::MAX,
            terminators: 0,
            line_feeds: 0,
            separators: 0,
        }
    }

    /// Loads the masks of `bytes[at..at + 64]`; false (and nothing loaded) when the bytes
    /// end before.
    #[inline(always)]
    fn load(&mut self, bytes: &[u8], at: usize) -> bool {
        let Some(block) = block_at(bytes, at) else {
            self.block = usize::MAX;
            return false;
        };
        self.block = at;
        self.terminators = mask(block, self.terminator);
        self.line_feeds = mask(block, self.line_feed);
        self.separators = mask(block, self.separator);
        true
    }

    /// The segment starting at `start` when its terminator lies within the next two blocks
    /// of `bytes`; `None` otherwise (a long segment, or the last bytes), for the caller's
    /// general path.
    #[inline(always)]
    pub(crate) fn find(&mut self, bytes: &[u8], start: usize) -> Option<Scanned> {
        if (self.block > start || start - self.block >= BLOCK) && !self.load(bytes, start) {
            return None;
        }
        let off = start - self.block;
        let terminators = self.terminators >> off;
        if terminators != 0 {
            let len = terminators.trailing_zeros() as usize;
            return Some(Scanned {
                len,
                line_feeds: ones(below_bit(self.line_feeds >> off, len)),
                separators: below_bit(self.separators >> off, len),
            });
        }
        // The segment goes on into the next block.
        let (line_feeds, separators) = (self.line_feeds >> off, self.separators >> off);
        let next = self.block + BLOCK;
        if !self.load(bytes, next) || self.terminators == 0 {
            self.block = usize::MAX;
            return None;
        }
        let within = self.terminators.trailing_zeros() as usize;
        let len = next - start + within;
        let carried = self
            .separators
            .checked_shl((BLOCK - off) as u32)
            .unwrap_or(0);
        Some(Scanned {
            len,
            line_feeds: ones(line_feeds) + ones(below_bit(self.line_feeds, within)),
            separators: below_bit(separators | carried, len),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_masks_equal_the_byte_by_byte_masks() {
        // Every byte value as needle over blocks holding it at varied places, all 256
        // values included, so the SSE2 path and the portable one cannot drift apart.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for needle in 0..=255u8 {
            for _ in 0..8 {
                let mut block = [0u8; BLOCK];
                for b in block.iter_mut() {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    *b = if state.is_multiple_of(5) {
                        needle
                    } else {
                        (state >> 24) as u8
                    };
                }
                assert_eq!(
                    mask(&block, Needle::new(needle)),
                    portable_mask(&block, needle),
                    "needle {needle}"
                );
            }
        }
    }

    use super::*;

    #[test]
    fn masks_mark_every_equal_byte_and_nothing_else() {
        let mut block = [b'a'; BLOCK];
        for i in [0, 1, 15, 16, 31, 32, 47, 48, 62, 63] {
            block[i] = b'~';
        }
        let bits = mask(&block, Needle::new(b'~'));
        let expected = [0, 1, 15, 16, 31, 32, 47, 48, 62, 63]
            .iter()
            .fold(0u64, |m, &i| m | 1 << i);
        assert_eq!(bits, expected);
        assert_eq!(mask(&block, Needle::new(b'b')), 0);
        // Bytes with the high bit set compare as bytes, not as signed numbers.
        block[5] = 0xff;
        assert_eq!(mask(&block, Needle::new(0xff)), 1 << 5);
    }

    #[test]
    fn the_terminator_scan_agrees_with_memchr() {
        // Segments of every length from 1 to 200 bytes, then searches from every offset,
        // in order (as the machine does) and with limits.
        let mut window = Vec::new();
        for len in 1..200 {
            window.extend(std::iter::repeat_n(b'A', len));
            window.push(b'~');
        }
        let expected = |from: usize, end: usize| {
            memchr::memchr(b'~', &window[from..end.min(window.len())]).map(|i| from + i)
        };
        let mut scan = TerminatorScan::new(b'~');
        for from in 0..window.len() {
            assert_eq!(
                scan.find(&window, from, usize::MAX),
                expected(from, usize::MAX)
            );
        }
        let mut scan = TerminatorScan::new(b'~');
        for from in (0..window.len()).step_by(7) {
            for end in [from, from + 1, from + 10, from + 70, from + 150] {
                assert_eq!(
                    scan.find(&window, from, end),
                    expected(from, end),
                    "{from} {end}"
                );
            }
        }
        // Backwards too: the block is reloaded.
        let mut scan = TerminatorScan::new(b'~');
        for from in (0..window.len()).rev() {
            assert_eq!(
                scan.find(&window, from, usize::MAX),
                expected(from, usize::MAX)
            );
        }
    }

    #[test]
    fn the_segment_scan_agrees_with_a_plain_walk() {
        // Segments of every length up to 150 bytes, with separators and line feeds inside.
        let mut bytes = Vec::new();
        for len in 1..150usize {
            bytes.extend((0..len).map(|i| match i % 7 {
                3 => b'*',
                5 if len % 3 == 0 => b'\n',
                _ => b'A',
            }));
            bytes.push(b'~');
        }
        let mut scan = SegmentScan::new(b'~', b'*');
        let mut start = 0;
        let mut found = 0;
        while start < bytes.len() {
            let len = memchr::memchr(b'~', &bytes[start..]).expect("terminated");
            let segment = &bytes[start..start + len];
            if let Some(scanned) = scan.find(&bytes, start) {
                let separators = segment
                    .iter()
                    .take(BLOCK)
                    .enumerate()
                    .filter(|&(_, &b)| b == b'*')
                    .fold(0u64, |m, (i, _)| m | 1 << i);
                let line_feeds = segment.iter().filter(|&&b| b == b'\n').count() as u64;
                assert_eq!(
                    scanned,
                    Scanned {
                        len,
                        line_feeds,
                        separators
                    },
                    "segment at {start}"
                );
                found += 1;
            } else {
                assert!(
                    len >= BLOCK || bytes.len() - start < 2 * BLOCK,
                    "at {start}"
                );
            }
            start += len + 1;
        }
        assert!(found > 100);
    }

    #[test]
    fn bit_ranges_saturate_at_the_block_size() {
        assert_eq!(from_bit(u64::MAX, 0), u64::MAX);
        assert_eq!(from_bit(u64::MAX, 63), 1 << 63);
        assert_eq!(from_bit(u64::MAX, 64), 0);
        assert_eq!(from_bit(u64::MAX, 200), 0);
        assert_eq!(below_bit(u64::MAX, 0), 0);
        assert_eq!(below_bit(u64::MAX, 3), 0b111);
        assert_eq!(below_bit(u64::MAX, 64), u64::MAX);
        assert!(block_at(&[0; 70], 6).is_some());
        assert!(block_at(&[0; 70], 7).is_none());
        assert!(block_at(&[0; 70], 100).is_none());
    }
}
