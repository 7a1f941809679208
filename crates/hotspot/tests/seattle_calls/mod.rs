//! A tiny reader of the real Seattle SPD 2015 file for the statistics, taxonomy and repeat tests
//! and the bench, apart from the formats crate's reader so that the tests count from raw rows.

#![allow(dead_code)]

use formats::calls::CallRecord;
use measure::{LonLat, Timestamp};
use std::sync::OnceLock;

pub const SEATTLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/seattle-spd-calls/seattle_spd_911_incident_response_2015.csv"
);

/// One raw row: the columns the tests count by, as written in the file.
#[derive(Debug, Clone)]
pub struct Row {
    pub clearance_group: String,
    pub initial_group: String,
    pub address: String,
    pub lon: f64,
    pub lat: f64,
    /// From `At.Scene.Time` (`M/D/YY H:MM`), local time.
    pub year: i64,
    pub month: i64,
    pub day: i64,
    pub hour: i64,
    pub minute: i64,
}

/// Splits one CSV line, honouring double quotes (no line breaks inside fields in this file).
pub fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut characters = line.chars().peekable();
    while let Some(character) = characters.next() {
        match character {
            '"' if quoted && characters.peek() == Some(&'"') => {
                field.push('"');
                characters.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            character => field.push(character),
        }
    }
    fields.push(field);
    fields
}

pub fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let text =
            std::fs::read_to_string(SEATTLE).expect("the Seattle 2015 file is in shared/data");
        let mut lines = text.lines();
        let header = split_csv(lines.next().expect("a header"));
        let column = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("column {name}"))
        };
        let (clearance, initial, address, lon, lat, time) = (
            column("Event.Clearance.Group"),
            column("Initial.Type.Group"),
            column("Hundred.Block.Location"),
            column("Longitude"),
            column("Latitude"),
            column("At.Scene.Time"),
        );
        lines
            .map(|line| {
                let fields = split_csv(line);
                let (date, clock) = fields[time].split_once(' ').expect("date and time");
                let date: Vec<i64> = date.split('/').map(|p| p.parse().unwrap()).collect();
                let clock: Vec<i64> = clock.split(':').map(|p| p.parse().unwrap()).collect();
                Row {
                    clearance_group: fields[clearance].clone(),
                    initial_group: fields[initial].clone(),
                    address: fields[address].clone(),
                    lon: fields[lon].parse().unwrap(),
                    lat: fields[lat].parse().unwrap(),
                    year: 2000 + date[2],
                    month: date[0],
                    day: date[1],
                    hour: clock[0],
                    minute: clock[1],
                }
            })
            .collect()
    })
}

/// Pacific time in 2015: daylight time from 8 March to 1 November (the hour of the switch is
/// not told apart; it moves at most a few calls by an hour in UTC, never their local fields).
pub fn utc_offset_minutes(month: i64, day: i64) -> i32 {
    let after_start = month > 3 || (month == 3 && day >= 8);
    let before_end = month < 11;
    if after_start && before_end {
        -420
    } else {
        -480
    }
}

/// The rows as calls: type from `Event.Clearance.Group`, category from `Initial.Type.Group`.
pub fn calls() -> &'static [CallRecord] {
    static CALLS: OnceLock<Vec<CallRecord>> = OnceLock::new();
    CALLS.get_or_init(|| {
        rows()
            .iter()
            .map(|row| {
                let offset = utc_offset_minutes(row.month, row.day);
                let local =
                    Timestamp::from_civil(row.year, row.month, row.day, row.hour, row.minute, 0);
                CallRecord {
                    id: None,
                    at: Timestamp(local.0 - i64::from(offset) * 60_000),
                    utc_offset_minutes: offset,
                    time_of_day_known: true,
                    location: LonLat::new(row.lon, row.lat).expect("Seattle coordinates"),
                    category: Some(row.initial_group.clone()),
                    case_type: Some(row.clearance_group.clone()),
                    priority: None,
                    address: Some(row.address.clone()),
                    dispatched: None,
                    arrived: None,
                    deaths: None,
                    injuries: None,
                    loss: None,
                }
            })
            .collect()
    })
}
