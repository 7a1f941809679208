//! Loaders for the real call files the hotspot tests and the forecast bench read: Seattle's 2015
//! calls on its bounding box and Chicago's South Side crimes in their polygon.
#![allow(dead_code)]

use hotspot::forecast::Event;
use hotspot::lattice::{Lattice, LatticeSpec, StudyArea};
use measure::LonLat;

pub const SEATTLE_2015: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/seattle-spd-calls/seattle_spd_911_incident_response_2015.csv"
);
pub const CHICAGO_CRIMES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/chicago-southside-crimes/chicago_southside_crimes_2016.csv"
);
pub const CHICAGO_POLYGON: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/chicago-southside-crimes/SouthSide.geojson"
);

pub fn seattle_area() -> StudyArea {
    StudyArea::BoundingBox {
        west: -122.4194,
        south: 47.4577,
        east: -122.2375,
        north: 47.7732,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
pub fn civil_days(year: i64, month: i64, day: i64) -> f64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    (era * 146_097 + day_of_era - 719_468) as f64
}

/// Events of the calls in a CSV whose date/time column `parse_day` turns into local days.
fn load(
    path: &str,
    lattice: &Lattice,
    lon_column: &str,
    lat_column: &str,
    time_column: &str,
    parse_day: fn(&str) -> Option<f64>,
) -> Vec<Event> {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let headers = reader.headers().expect("a header row").clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|header| header == name)
            .unwrap_or_else(|| panic!("{path} has no column {name}"))
    };
    let (lon, lat, time) = (column(lon_column), column(lat_column), column(time_column));
    let mut events = Vec::new();
    for record in reader.records() {
        let record = record.expect("a well-formed CSV row");
        let (Ok(lon), Ok(lat)) = (record[lon].parse::<f64>(), record[lat].parse::<f64>()) else {
            continue;
        };
        let (Ok(point), Some(day)) = (LonLat::new(lon, lat), parse_day(&record[time])) else {
            continue;
        };
        events.push(Event {
            xy: lattice.to_xy(point),
            day,
        });
    }
    events.sort_by(|a, b| a.day.total_cmp(&b.day));
    events
}

/// `M/D/YY H:MM`, local.
fn seattle_day(text: &str) -> Option<f64> {
    let (date, time) = text.trim().split_once(' ')?;
    let mut date = date.split('/').map(|part| part.parse::<i64>().ok());
    let (month, day, year) = (date.next()??, date.next()??, date.next()??);
    let (hour, minute) = time.split_once(':')?;
    let (hour, minute): (f64, f64) = (hour.parse().ok()?, minute.parse().ok()?);
    Some(civil_days(2000 + year, month, day) + (hour * 60.0 + minute) / 1440.0)
}

/// `MM/DD/YYYY hh:mm:ss AM`, local.
fn chicago_day(text: &str) -> Option<f64> {
    let mut parts = text.split_whitespace();
    let (date, time, half) = (parts.next()?, parts.next()?, parts.next()?);
    let mut date = date.split('/').map(|part| part.parse::<i64>().ok());
    let (month, day, year) = (date.next()??, date.next()??, date.next()??);
    let mut time = time.split(':').map(|part| part.parse::<f64>().ok());
    let (hour, minute) = (time.next()??, time.next()??);
    let hour = hour % 12.0 + if half == "PM" { 12.0 } else { 0.0 };
    Some(civil_days(year, month, day) + (hour * 60.0 + minute) / 1440.0)
}

/// Seattle's 2015 calls, projected on `lattice` (laid over `seattle_area()`).
pub fn seattle_events(lattice: &Lattice) -> Vec<Event> {
    load(
        SEATTLE_2015,
        lattice,
        "Longitude",
        "Latitude",
        "At.Scene.Time",
        seattle_day,
    )
}

/// The South Side polygon (one outer ring).
pub fn chicago_area() -> StudyArea {
    let text = std::fs::read_to_string(CHICAGO_POLYGON).expect("the South Side polygon");
    let json: serde_json::Value = serde_json::from_str(&text).expect("GeoJSON");
    let rings = json["features"][0]["geometry"]["coordinates"]
        .as_array()
        .expect("Polygon coordinates");
    let rings = rings
        .iter()
        .map(|ring| {
            ring.as_array()
                .expect("a ring")
                .iter()
                .map(|point| LonLat {
                    lon: point[0].as_f64().expect("longitude"),
                    lat: point[1].as_f64().expect("latitude"),
                })
                .collect()
        })
        .collect();
    StudyArea::Polygons(vec![rings])
}

pub fn chicago_events(lattice: &Lattice) -> Vec<Event> {
    load(
        CHICAGO_CRIMES,
        lattice,
        "Longitude",
        "Latitude",
        "Date",
        chicago_day,
    )
}

pub fn lattice(area: &StudyArea, cell_metres: f64) -> Lattice {
    Lattice::new(area, LatticeSpec::square(cell_metres)).expect("a usable lattice")
}
