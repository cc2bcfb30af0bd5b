//! Working days for request deadlines (R-3, R-4, R-6: 15 working days;
//! ACC-6: cancellation within 1 working day).
//!
//! Weekends are rest days; the operator lists the public holidays and the
//! make-up working days (调休) the State Council announces each year. With
//! no list, holidays count as working days, so deadlines come out early,
//! never late.

use crate::Date;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    holidays: Vec<Date>,
    make_up_days: Vec<Date>,
}

impl WorkingCalendar {
    pub fn new(mut holidays: Vec<Date>, mut make_up_days: Vec<Date>) -> Self {
        holidays.sort();
        make_up_days.sort();
        Self {
            holidays,
            make_up_days,
        }
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        if self.make_up_days.binary_search(&d).is_ok() {
            return true;
        }
        d.iso_weekday() <= 5 && self.holidays.binary_search(&d).is_err()
    }

    /// The end of the `n`-th working day after `received` (the day of
    /// receipt does not count): the deadline of a request.
    pub fn add_working_days(&self, received: Date, n: u32) -> Date {
        let mut d = received;
        let mut left = n;
        // A year of holidays cannot exceed this; the bound keeps a bad list from looping.
        for _ in 0..(n as usize * 7 + 400) {
            if left == 0 {
                break;
            }
            d = d.plus_days(1);
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    /// R-6 (found by cargo-mutants: the loop's safety bound was never
    /// reached in the tests): a long span of working days comes out the
    /// same as counting the weekdays one by one.
    #[test]
    fn r6_long_spans_of_working_days_are_counted_in_full() {
        let cal = WorkingCalendar::default();
        let start = d("2026-12-03");
        for n in [1, 15, 400, 2000] {
            let (mut day, mut left) = (start, n);
            while left > 0 {
                day = day.plus_days(1);
                if day.iso_weekday() <= 5 {
                    left -= 1;
                }
            }
            assert_eq!(cal.add_working_days(start, n), day, "{n} working days");
        }
    }

    #[test]
    fn r6_deadlines_skip_weekends_and_holidays_and_count_make_up_days() {
        let plain = WorkingCalendar::default();
        // 2026-11-27 is a Friday: 1 working day later is Monday.
        assert_eq!(d("2026-11-27").iso_weekday(), 5);
        assert_eq!(plain.add_working_days(d("2026-11-27"), 1), d("2026-11-30"));
        // 15 working days = 3 weeks from a Monday.
        assert_eq!(plain.add_working_days(d("2026-11-30"), 15), d("2026-12-21"));
        // National Day week: 1–7 October 2026 off, Saturday 10 October worked.
        let holidays = (1..=7).map(|i| d(&format!("2026-10-0{i}"))).collect();
        let cal = WorkingCalendar::new(holidays, vec![d("2026-10-10")]);
        assert_eq!(cal.add_working_days(d("2026-09-30"), 1), d("2026-10-08"));
        assert_eq!(cal.add_working_days(d("2026-10-09"), 1), d("2026-10-10"));
        assert!(!cal.is_working_day(d("2026-10-11")));
    }

    #[test]
    fn date_arithmetic_round_trips() {
        for days in [-800_000_i64, -1, 0, 1, 59, 365, 20_000, 2_000_000] {
            assert_eq!(Date::from_unix_days(days).to_unix_days(), days);
        }
        assert_eq!(d("2026-11-29").iso_weekday(), 7);
    }
}
