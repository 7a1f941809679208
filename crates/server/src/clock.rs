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
    at.rfc3339()
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
