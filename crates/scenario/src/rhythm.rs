//! The time-of-day rhythm of emergency calls, and the calls files' UTC time format.
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
    Some(Timestamp::from_civil(
        year,
        month,
        day,
        hour,
        minute,
        (second * 1000.0).round() as i64,
    ))
}

/// Formats a timestamp as `YYYY-MM-DDTHH:MM:SS` (UTC, whole seconds).
pub fn format_time(at: Timestamp) -> String {
    let c = at.civil();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
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
