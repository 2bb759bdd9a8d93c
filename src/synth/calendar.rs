//! Calendar dates for generated claims, counted in days so that "30 days before the
//! interchange date" is a subtraction. Never read from the clock: every date comes from the
//! seed.

/// A day of the proleptic Gregorian calendar, as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Day(pub(crate) i64);

impl Day {
    /// The day of `year-month-day` (month 1-12, day 1-31, assumed valid).
    pub(crate) fn from_ymd(year: i64, month: u32, day: u32) -> Day {
        // Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil.
        let y = if month <= 2 { year - 1 } else { year };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Day(era * 146_097 + doe - 719_468)
    }

    /// `(year, month, day)` of this day.
    pub(crate) fn ymd(self) -> (i64, u32, u32) {
        // Hinnant's civil_from_days.
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }

    /// The day `n` days later (earlier when negative).
    pub(crate) fn plus(self, n: i64) -> Day {
        Day(self.0 + n)
    }

    /// CCYYMMDD, the X12 `DT` 8 form (GS04, BHT04, DTP `D8`, DMG02).
    pub(crate) fn ccyymmdd(self) -> [u8; 8] {
        let (y, m, d) = self.ymd();
        let mut out = [b'0'; 8];
        put_digits(&mut out[0..4], y.unsigned_abs());
        put_digits(&mut out[4..6], u64::from(m));
        put_digits(&mut out[6..8], u64::from(d));
        out
    }

    /// YYMMDD, the ISA09 form.
    pub(crate) fn yymmdd(self) -> [u8; 6] {
        let full = self.ccyymmdd();
        let mut out = [0; 6];
        out.copy_from_slice(&full[2..]);
        out
    }
}

/// Writes `n` into `out` as zero-padded decimal digits (the lowest ones when `n` is wider).
pub(crate) fn put_digits(out: &mut [u8], mut n: u64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_known_days() {
        assert_eq!(Day::from_ymd(1970, 1, 1), Day(0));
        assert_eq!(Day::from_ymd(2000, 3, 1).0, 11_017);
        assert_eq!(Day::from_ymd(2024, 2, 29).plus(1).ymd(), (2024, 3, 1));
        assert_eq!(Day::from_ymd(2023, 2, 28).plus(1).ymd(), (2023, 3, 1));
        assert_eq!(Day::from_ymd(1900, 2, 28).plus(1).ymd(), (1900, 3, 1));
        for n in -40_000..40_000 {
            let (y, m, d) = Day(n).ymd();
            assert_eq!(Day::from_ymd(y, m, d), Day(n));
        }
    }

    #[test]
    fn formats_x12_dates() {
        let day = Day::from_ymd(2024, 7, 4);
        assert_eq!(&day.ccyymmdd(), b"20240704");
        assert_eq!(&day.yymmdd(), b"240704");
        assert_eq!(&Day::from_ymd(1931, 12, 31).ccyymmdd(), b"19311231");
    }
}
