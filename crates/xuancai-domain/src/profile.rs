//! Profile values (ACC-5) and passwords (ACC-3).

use std::fmt;

use crate::DomainError;

/// A display name: 1 to 24 characters after trimming, no control
/// characters, no line breaks.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Nickname(String);

impl Nickname {
    pub const MAX_CHARS: usize = 24;

    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let n = s.chars().count();
        if n == 0 {
            return Err(DomainError::InvalidNickname("empty"));
        }
        if n > Self::MAX_CHARS {
            return Err(DomainError::InvalidNickname("longer than 24 characters"));
        }
        if s.chars()
            .any(|c| c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'))
        {
            return Err(DomainError::InvalidNickname(
                "contains control or direction characters",
            ));
        }
        Ok(Self(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A calendar date (proleptic Gregorian), used for birth dates.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

impl Date {
    /// `YYYY-MM-DD`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let bad = DomainError::InvalidDate;
        let s = input.trim();
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return Err(bad);
        }
        let num = |r: std::ops::Range<usize>| -> Result<u32, DomainError> {
            let part = s.get(r).ok_or(DomainError::InvalidDate)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return Err(DomainError::InvalidDate);
            }
            part.parse().map_err(|_| DomainError::InvalidDate)
        };
        let year = i32::try_from(num(0..4)?).map_err(|_| DomainError::InvalidDate)?;
        let month = u8::try_from(num(5..7)?).map_err(|_| DomainError::InvalidDate)?;
        let day = u8::try_from(num(8..10)?).map_err(|_| DomainError::InvalidDate)?;
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(bad);
        }
        Ok(Self { year, month, day })
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's civil_from_days).
    pub fn from_unix_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Self { year, month, day }
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    pub fn to_unix_days(&self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// ISO weekday: Monday 1 … Sunday 7.
    pub fn iso_weekday(&self) -> u8 {
        // 1970-01-01 was a Thursday (4).
        (self.to_unix_days() + 3).rem_euclid(7) as u8 + 1
    }

    /// The day `n` days later (or earlier, for negative `n`).
    pub fn plus_days(&self, n: i64) -> Self {
        Self::from_unix_days(self.to_unix_days() + n)
    }

    /// The same day `n` calendar months later, or the month's last day when
    /// it is shorter (31 January + 3 months = 30 April; RET-2 counts
    /// "within 3 months" this way, not as 90 days).
    pub fn plus_months(&self, n: u32) -> Self {
        let total = i64::from(self.year) * 12 + i64::from(self.month - 1) + i64::from(n);
        let year = i32::try_from(total.div_euclid(12)).unwrap_or(i32::MAX);
        let month = (total.rem_euclid(12) + 1) as u8;
        let day = self.day.min(days_in_month(year, month));
        Self { year, month, day }
    }

    /// Midnight at the start of this day, as Unix milliseconds at a UTC offset.
    pub fn start_ms(&self, utc_offset_minutes: i32) -> i64 {
        self.to_unix_days() * 86_400_000 - i64::from(utc_offset_minutes) * 60_000
    }

    /// The calendar day of a Unix time in milliseconds, at a fixed UTC
    /// offset in minutes (China Standard Time is +480).
    pub fn from_unix_ms(ms: i64, utc_offset_minutes: i32) -> Self {
        let local = ms + i64::from(utc_offset_minutes) * 60_000;
        Self::from_unix_days(local.div_euclid(86_400_000))
    }

    /// Whole years from `self` to `on` (an age).
    pub fn years_until(&self, on: Date) -> i32 {
        let mut years = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            years -= 1;
        }
        years
    }

    pub fn year(&self) -> i32 {
        self.year
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

/// A birth date: a real date, not in the future, not before 1900.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BirthDate(Date);

impl BirthDate {
    pub fn parse(input: &str, today: Date) -> Result<Self, DomainError> {
        let d = Date::parse(input)?;
        if d > today {
            return Err(DomainError::InvalidBirthDate("in the future"));
        }
        if d.year < 1900 {
            return Err(DomainError::InvalidBirthDate("before 1900"));
        }
        Ok(Self(d))
    }

    pub fn date(&self) -> Date {
        self.0
    }

    /// Age in whole years on `today`.
    pub fn age_on(&self, today: Date) -> i32 {
        self.0.years_until(today)
    }
}

/// A password as typed (ACC-3): 8 to 128 characters, not all the same
/// character. `Debug` never shows it; it is hashed (Argon2id) and dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let n = input.chars().count();
        if n < 8 {
            return Err(DomainError::WeakPassword("shorter than 8 characters"));
        }
        if n > 128 {
            return Err(DomainError::WeakPassword("longer than 128 characters"));
        }
        let mut chars = input.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(DomainError::WeakPassword("one character repeated"));
        }
        Ok(Self(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// RET-2 (found by cargo-mutants: the century rules of the leap year
    /// were not tested): "within 3 months" of 30 November lands on the last
    /// day of February, which depends on them.
    #[test]
    fn ret2_calendar_months_know_the_century_leap_years() -> Result<(), DomainError> {
        for (from, to) in [
            ("1899-11-30", "1900-02-28"),
            ("1999-11-30", "2000-02-29"),
            ("2099-11-30", "2100-02-28"),
            ("2023-11-30", "2024-02-29"),
            ("2025-11-30", "2026-02-28"),
        ] {
            assert_eq!(Date::parse(from)?.plus_months(3), Date::parse(to)?, "{from}");
        }
        assert!(Date::parse("2000-02-29").is_ok());
        assert!(Date::parse("1900-02-29").is_err());
        assert!(Date::parse("2100-02-29").is_err());
        Ok(())
    }

    /// RET-2, RET-3, ACC-8: a day starts at local midnight (China Standard
    /// Time, +480): the shutdown date, erasure dates and check-in days rest on it.
    #[test]
    fn ret3_a_day_starts_at_local_midnight() -> Result<(), DomainError> {
        let d = Date::parse("1970-01-02")?;
        assert_eq!(d.start_ms(480), 86_400_000 - 8 * 3_600_000);
        assert_eq!(d.start_ms(0), 86_400_000);
        assert_eq!(d.start_ms(-300), 86_400_000 + 5 * 3_600_000);
        let day = Date::parse("2026-12-03")?;
        for offset in [480, 0, -300, 345] {
            let start = day.start_ms(offset);
            assert_eq!(Date::from_unix_ms(start, offset), day);
            assert_eq!(Date::from_unix_ms(start - 1, offset), day.plus_days(-1));
            assert_eq!(day.plus_days(1).start_ms(offset) - start, 86_400_000);
        }
        Ok(())
    }

    #[test]
    fn acc5_nicknames() {
        assert_eq!(
            Nickname::parse("  小明 ").map(|n| n.as_str().to_string()).ok(),
            Some("小明".into())
        );
        assert!(Nickname::parse("   ").is_err());
        assert!(Nickname::parse(&"长".repeat(25)).is_err());
        assert!(Nickname::parse("a\nb").is_err());
        assert!(Nickname::parse("a\u{202e}b").is_err());
    }

    #[test]
    fn dates_parse_and_count_years() -> Result<(), DomainError> {
        let today = Date::parse("2026-11-29")?;
        assert!(Date::parse("2026-02-29").is_err());
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("2026-13-01").is_err());
        assert!(Date::parse("26-1-1").is_err());
        assert!(Date::parse("+026-01-01").is_err());
        let b = BirthDate::parse("2012-11-30", today)?;
        assert_eq!(b.age_on(today), 13);
        assert_eq!(BirthDate::parse("2012-11-29", today)?.age_on(today), 14);
        assert!(BirthDate::parse("2027-01-01", today).is_err());
        assert!(BirthDate::parse("1899-12-31", today).is_err());
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_421).to_string(), "2025-11-29");
        // 2026-11-28 16:30 UTC is already the 29th in Beijing.
        assert_eq!(
            Date::from_unix_ms(1_795_883_400_000, 480).to_string(),
            "2026-11-29"
        );
        Ok(())
    }

    #[test]
    fn ret2_calendar_months_end_on_the_months_last_day() -> Result<(), DomainError> {
        for (from, to) in [
            ("2027-01-31", "2027-04-30"),
            ("2027-11-30", "2028-02-29"),
            ("2026-11-30", "2027-02-28"),
            ("2026-12-02", "2027-03-02"),
            ("2026-10-31", "2027-01-31"),
        ] {
            assert_eq!(Date::parse(from)?.plus_months(3).to_string(), to, "{from}");
        }
        Ok(())
    }

    #[test]
    fn acc3_passwords() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse("aaaaaaaaaa").is_err());
        assert!(Password::parse(&"x1".repeat(65)).is_err());
        let p = Password::parse("correct horse").ok();
        assert!(p.is_some());
        assert_eq!(format!("{p:?}"), "Some(Password(<redacted>))");
    }

    proptest! {
        #[test]
        fn unix_days_round_trip_through_text(d in -100_000i64..100_000) {
            let date = Date::from_unix_days(d);
            prop_assert_eq!(Date::parse(&date.to_string()).ok(), if date.year >= 0 && date.year < 10_000 { Some(date) } else { None });
        }

        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let _ = Date::parse(&s);
            let _ = Nickname::parse(&s);
            let _ = Password::parse(&s);
        }
    }
}
