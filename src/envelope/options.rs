//! Options for reading envelopes.

/// How strictly to read, and the limits that keep memory bounded on hostile input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Real trading partners send slightly-off files. When set, these become warnings instead
    /// of errors: wrong counts in SE01, GE01 and IEA01, and ISA elements of the wrong width
    /// (when the delimiters can still be found). Control number mismatches stay errors:
    /// they identify the envelope.
    pub lenient: bool,
    /// Longest segment (or binary data element) accepted, in bytes. A missing or wrong
    /// segment terminator is reported once this many bytes pass without one.
    pub max_segment_size: usize,
    /// Largest transaction set (ST..SE) accepted, in bytes. The streaming reader holds one
    /// transaction set in memory at a time, so this bounds its memory.
    pub max_transaction_size: usize,
}

impl ParseOptions {
    /// Default [`ParseOptions::max_segment_size`]: 16 MiB.
    pub const DEFAULT_MAX_SEGMENT_SIZE: usize = 16 << 20;
    /// Default [`ParseOptions::max_transaction_size`]: 512 MiB.
    pub const DEFAULT_MAX_TRANSACTION_SIZE: usize = 512 << 20;

    /// Strict reading with the default limits.
    pub fn strict() -> Self {
        ParseOptions {
            lenient: false,
            max_segment_size: Self::DEFAULT_MAX_SEGMENT_SIZE,
            max_transaction_size: Self::DEFAULT_MAX_TRANSACTION_SIZE,
        }
    }

    /// Lenient reading with the default limits.
    pub fn lenient() -> Self {
        ParseOptions {
            lenient: true,
            ..Self::strict()
        }
    }
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self::strict()
    }
}
