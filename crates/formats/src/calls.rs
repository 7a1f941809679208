//! Calls for service from real exports, in the shape of `shared/formats/calls.md`: one CSV with
//! a header, a real export's own column names mapped onto ours, times in the city's local time
//! or with an offset, coordinates in WGS-84, GCJ-02 or BD-09.

use measure::{LonLat, Timestamp};

/// One call as read from a file. Times are instants (UTC); `utc_offset_minutes` keeps the city's
/// local calendar (local time = `at` + offset), which statistics by hour, weekday and month use.
#[derive(Debug, Clone, PartialEq)]
pub struct CallRecord {
    /// The call's id in its own system, if the file has an id column.
    pub id: Option<String>,
    /// When the call came in. For a date alone: the local midnight that starts that day.
    pub at: Timestamp,
    /// Minutes east of UTC of the city's local time at `at` (daylight saving included).
    pub utc_offset_minutes: i32,
    /// False when the file gave a date alone: hour-of-day figures leave the call out.
    pub time_of_day_known: bool,
    /// WGS-84 (converted on reading when the file is GCJ-02 or BD-09).
    pub location: LonLat,
    /// Broad class as the file gives it (criminal, public_order, ... or a free word).
    pub category: Option<String>,
    /// Detailed case type as the source names it (`BURGLARY`, `入室盗窃`).
    pub case_type: Option<String>,
    /// 1..=4 for P1..P4.
    pub priority: Option<u8>,
    pub address: Option<String>,
    pub dispatched: Option<Timestamp>,
    pub arrived: Option<Timestamp>,
    /// Traffic accidents: people killed, people injured, direct loss in yuan.
    pub deaths: Option<u32>,
    pub injuries: Option<u32>,
    pub loss: Option<f64>,
}

impl CallRecord {
    /// The local time of the call as a UTC-free calendar value: shift by the offset and read the
    /// civil fields (`Timestamp::civil`).
    pub fn local(&self) -> measure::CivilTime {
        Timestamp(self.at.0 + i64::from(self.utc_offset_minutes) * 60_000).civil()
    }

    /// Local days since 1970-01-01 (the calendar day of the call in the city).
    pub fn local_day(&self) -> i64 {
        (self.at.0 + i64::from(self.utc_offset_minutes) * 60_000).div_euclid(86_400_000)
    }
}
