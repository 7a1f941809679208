//! The time-of-day rhythm of emergency calls, and UTC civil time without a date library.
//!
//! `SEATTLE_HOURLY_WEIGHTS` is derived from a real 911 call log: 41,217 calls arriving at the
//! Seattle Police Department PSAP in September 2020 (`seattle_pd_psap_call_log_2020-09.csv`, from
//! UWB-Biocomputing/Graphitti `Tools/InputGeneration/FromRealData/SPD_call_log.csv`, Apache-2.0).
//! Each weight is the calls started in that local hour divided by the mean per hour, so the 24
//! weights average 1. The counts per hour were 1188, 924, 790, 750, 657, 808, 1079, 1241, 1540,
//! 1810, 2045, 2079, 2158, 2194, 2405, 2333, 2382, 2535, 2334, 2369, 2243, 1947, 1802, 1604.

use measure::Timestamp;

/// Relative call rate per local hour (0 = midnight to 1 am); the mean is 1.
pub const SEATTLE_HOURLY_WEIGHTS: [f64; 24] = [
    0.6918, 0.5380, 0.4600, 0.4367, 0.3826, 0.4705, 0.6283, 0.7226, 0.8967, 1.0539, 1.1908, 1.2106,
    1.2566, 1.2775, 1.4004, 1.3585, 1.3870, 1.4761, 1.3591, 1.3794, 1.3061, 1.1337, 1.0493, 0.9340,
];

const MILLIS_PER_DAY: i64 = 86_400_000;

/// The hour of day (0..24) of a timestamp taken as local time.
pub fn hour_of_day(at: Timestamp) -> usize {
    (at.0.rem_euclid(MILLIS_PER_DAY) / 3_600_000) as usize
}

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
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Parses `YYYY-MM-DDTHH:MM:SS` (a space may replace the `T`; a trailing `Z` is allowed), as UTC.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let text = text.trim().trim_end_matches('Z');
    let (date, time) = text.split_once(['T', ' '])?;
    let mut date_parts = date.split('-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (
        date_parts.next()??,
        date_parts.next()??,
        date_parts.next()??,
    );
    let mut time_parts = time.split(':');
    let hour: i64 = time_parts.next()?.parse().ok()?;
    let minute: i64 = time_parts.next()?.parse().ok()?;
    let second: f64 = time_parts.next().unwrap_or("0").parse().ok()?;
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && (0..24).contains(&hour)
        && (0..60).contains(&minute)
        && (0.0..61.0).contains(&second);
    if !valid || date_parts.next().is_some() || time_parts.next().is_some() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let millis = ((days * 24 + hour) * 60 + minute) * 60_000 + (second * 1000.0).round() as i64;
    Some(Timestamp(millis))
}

/// Formats a timestamp as `YYYY-MM-DDTHH:MM:SS` (UTC, whole seconds).
pub fn format_time(at: Timestamp) -> String {
    let days = at.0.div_euclid(MILLIS_PER_DAY);
    let seconds = at.0.rem_euclid(MILLIS_PER_DAY) / 1000;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_average_one() {
        let mean = SEATTLE_HOURLY_WEIGHTS.iter().sum::<f64>() / 24.0;
        assert!((mean - 1.0).abs() < 1e-3, "{mean}");
    }

    #[test]
    fn civil_time_round_trips() {
        for text in [
            "1970-01-01T00:00:00",
            "2020-02-29T23:59:59",
            "2026-11-24T17:30:05",
            "1999-12-31T12:00:00",
        ] {
            let at = parse_time(text).unwrap();
            assert_eq!(format_time(at), text);
        }
        assert_eq!(
            parse_time("1970-01-02 01:00:00Z"),
            Some(Timestamp(90_000_000))
        );
        assert_eq!(hour_of_day(Timestamp(90_000_000)), 1);
        assert_eq!(parse_time("2020-13-01T00:00:00"), None);
        assert_eq!(parse_time("yesterday"), None);
    }
}
