//! Calendar dates for generated claims ("30 days before the interchange date" is a
//! subtraction). Never read from the clock: every date comes from the seed.

/// A day of the Gregorian calendar. Calendar arithmetic is the `time` crate's; this wrapper
/// only adds the X12 date forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Day(time::Date);

impl Day {
    /// The day of `year-month-day`; an impossible date falls back to the first of the month
    /// (or 2000-01-01), which the generator never asks for.
    pub(crate) fn from_ymd(year: i64, month: u32, day: u32) -> Day {
        let month = u8::try_from(month)
            .ok()
            .and_then(|m| time::Month::try_from(m).ok())
            .unwrap_or(time::Month::January);
        let year = i32::try_from(year).unwrap_or(2000);
        let date = time::Date::from_calendar_date(year, month, u8::try_from(day).unwrap_or(1))
            .or_else(|_| time::Date::from_calendar_date(year, month, 1))
            .unwrap_or(time::Date::MIN);
        Day(date)
    }

    /// `(year, month, day)` of this day.
    pub(crate) fn ymd(self) -> (i64, u32, u32) {
        let (year, month, day) = self.0.to_calendar_date();
        (i64::from(year), u32::from(u8::from(month)), u32::from(day))
    }

    /// The day `n` days later (earlier when negative), clamped to the calendar's range.
    pub(crate) fn plus(self, n: i64) -> Day {
        Day(self.0.saturating_add(time::Duration::days(n)))
    }

    /// Whole days from `earlier` to this day (negative when `earlier` is later).
    pub(crate) fn days_since(self, earlier: Day) -> i64 {
        (self.0 - earlier.0).whole_days()
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
    fn steps_across_month_and_leap_day_boundaries() {
        assert_eq!(Day::from_ymd(2024, 2, 29).plus(1).ymd(), (2024, 3, 1));
        assert_eq!(Day::from_ymd(2023, 2, 28).plus(1).ymd(), (2023, 3, 1));
        assert_eq!(Day::from_ymd(1900, 2, 28).plus(1).ymd(), (1900, 3, 1));
        assert_eq!(Day::from_ymd(2024, 1, 1).plus(-1).ymd(), (2023, 12, 31));
    }

    #[test]
    fn formats_x12_dates() {
        let day = Day::from_ymd(2024, 7, 4);
        assert_eq!(&day.ccyymmdd(), b"20240704");
        assert_eq!(&day.yymmdd(), b"240704");
        assert_eq!(&Day::from_ymd(1931, 12, 31).ccyymmdd(), b"19311231");
    }
}
