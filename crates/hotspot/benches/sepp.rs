//! How long the lattice ETAS takes to fit eleven months of Seattle's calls: it is one candidate
//! in a cross-validation with a budget of seconds. Prints figures, asserts nothing.

// A bench measures the wall clock; the core crate's ban on reading it is for library code.
#![allow(clippy::disallowed_methods)]

use std::time::Instant;

use hotspot::forecast::{Event, Window};
use hotspot::lattice::{Lattice, LatticeSpec, StudyArea};
use hotspot::sepp::{fit, SeppConfig};
use measure::LonLat;

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut characters = line.chars().peekable();
    while let Some(character) = characters.next() {
        match (character, quoted) {
            ('"', true) if characters.peek() == Some(&'"') => {
                fields.last_mut().unwrap().push('"');
                characters.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (other, _) => fields.last_mut().unwrap().push(other),
        }
    }
    fields
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `M/D/YY H:MM`, local time, as local days since 1970.
fn local_day(text: &str) -> Option<f64> {
    let (date, time) = text.trim().split_once(' ')?;
    let mut date = date.split('/').map(|part| part.parse::<i64>());
    let (month, day, year) = (date.next()?.ok()?, date.next()?.ok()?, date.next()?.ok()?);
    let (hours, minutes) = time.split_once(':')?;
    let minutes = hours.parse::<f64>().ok()? * 60.0 + minutes.parse::<f64>().ok()?;
    Some(days_from_civil(2000 + year, month, day) as f64 + minutes / 1440.0)
}

fn seattle_2015(lattice: &Lattice) -> Vec<Event> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/seattle-spd-calls/seattle_spd_911_incident_response_2015.csv"
    );
    let text = std::fs::read_to_string(path).expect("the Seattle 2015 calls in ../shared/data");
    let mut lines = text.lines();
    let header = split_csv_line(lines.next().unwrap());
    let column = |name: &str| header.iter().position(|field| field == name).unwrap();
    let (longitude, latitude, at_scene) = (
        column("Longitude"),
        column("Latitude"),
        column("At.Scene.Time"),
    );
    let mut events = Vec::new();
    for line in lines {
        let fields = split_csv_line(line);
        let (Some(lon), Some(lat), Some(day)) = (
            fields.get(longitude).and_then(|f| f.parse::<f64>().ok()),
            fields.get(latitude).and_then(|f| f.parse::<f64>().ok()),
            fields.get(at_scene).and_then(|f| local_day(f)),
        ) else {
            continue;
        };
        let Ok(point) = LonLat::new(lon, lat) else {
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

/// Seconds this thread has run on a CPU (Linux's schedstat), so that a loaded machine's waiting
/// does not count; `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanoseconds / 1e9)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let area = StudyArea::BoundingBox {
        west: -122.4194,
        south: 47.4577,
        east: -122.2375,
        north: 47.7732,
    };
    let window = Window {
        train_from: days_from_civil(2015, 1, 1) as f64,
        until: days_from_civil(2015, 12, 1) as f64,
        horizon_days: 7.0,
    };
    let settings = [
        ("default (σ fitted, 200 m, 90 d)", SeppConfig::default()),
        (
            "same cell only",
            SeppConfig {
                space_cutoff_m: 0.0,
                ..SeppConfig::default()
            },
        ),
        (
            "smoothed background 150 m",
            SeppConfig {
                background_bandwidth_m: Some(150.0),
                ..SeppConfig::default()
            },
        ),
    ];
    for cell_metres in [76.2, 150.0] {
        let lattice = Lattice::new(&area, LatticeSpec::square(cell_metres)).unwrap();
        let events = seattle_2015(&lattice);
        for (label, config) in settings {
            let (mut seconds, mut cpu) = (Vec::new(), Vec::new());
            let mut last = None;
            for _ in 0..3 {
                let (start, cpu_start) = (Instant::now(), cpu_seconds());
                let fitted = fit(&lattice, &events, window, config).unwrap();
                seconds.push(start.elapsed().as_secs_f64());
                if let (Some(before), Some(after)) = (cpu_start, cpu_seconds()) {
                    cpu.push(after - before);
                }
                last = Some(fitted);
            }
            let fitted = last.unwrap();
            let cpu = if cpu.is_empty() {
                "n/a".to_string()
            } else {
                format!("{:.3} s", median(cpu))
            };
            println!(
                "sepp fit Jan–Nov 2015, {cell_metres} m cells ({} cells), {label}: median {:.3} s wall, {cpu} on CPU (3 runs); {} events, θ {:.4}, ω {:.4}/day, σ {:?} m, {} iterations, converged {}",
                lattice.len(),
                median(seconds),
                fitted.events_used,
                fitted.theta,
                fitted.omega,
                fitted.sigma_m.map(|sigma| (sigma * 10.0).round() / 10.0),
                fitted.iterations,
                fitted.converged
            );
        }
    }
}
