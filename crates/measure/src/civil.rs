//! UTC calendar dates for `Timestamp`, without a date library: Howard Hinnant's days-from-civil
//! algorithms, kept in one place for the simulator's files and the server's JSON.

use crate::Timestamp;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// A UTC date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CivilTime {
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
    pub second: i64,
    pub millis: i64,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

impl Timestamp {
    /// The instant at `hour:minute` plus `millis` on a UTC date; the caller checks the ranges.
    pub fn from_civil(
        year: i64,
        month: i64,
        day: i64,
        hour: i64,
        minute: i64,
        millis: i64,
    ) -> Timestamp {
        Timestamp(
            days_from_civil(year, month, day) * MILLIS_PER_DAY
                + (hour * 60 + minute) * 60_000
                + millis,
        )
    }

    pub fn civil(self) -> CivilTime {
        let (year, month, day) = civil_from_days(self.0.div_euclid(MILLIS_PER_DAY));
        let of_day = self.0.rem_euclid(MILLIS_PER_DAY);
        CivilTime {
            year,
            month,
            day,
            hour: of_day / 3_600_000,
            minute: of_day / 60_000 % 60,
            second: of_day / 1000 % 60,
            millis: of_day % 1000,
        }
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-24T17:03:46.123Z`.
    pub fn rfc3339(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_across_leap_years_and_centuries() {
        for (year, month, day) in [
            (1970, 1, 1),
            (2000, 2, 29),
            (2020, 12, 31),
            (1900, 3, 1),
            (2100, 2, 28),
        ] {
            let at = Timestamp::from_civil(year, month, day, 13, 7, 42_125);
            let c = at.civil();
            assert_eq!(
                (c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis),
                (year, month, day, 13, 7, 42, 125)
            );
        }
        assert_eq!(Timestamp(0).rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp(1_795_972_426_123).rfc3339(),
            "2026-11-29T17:13:46.123Z"
        );
    }
}
