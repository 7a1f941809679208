//! The wall clock, read here at the edge and handed to the pure core as a Timestamp.

use measure::Timestamp;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    Timestamp(since_epoch.as_millis() as i64)
}

/// RFC 3339 in UTC with milliseconds, e.g. `2026-11-24T17:03:46.123Z`.
pub fn rfc3339(at: Timestamp) -> String {
    let millis = at.0.rem_euclid(1000);
    let seconds = at.0.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
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
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_known_instants() {
        assert_eq!(
            super::rfc3339(measure::Timestamp(0)),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            super::rfc3339(measure::Timestamp(1_709_251_199_999)),
            "2024-02-29T23:59:59.999Z"
        );
    }
}
