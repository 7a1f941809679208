//! Calls for service: a seeded generator (categories and priorities in realistic shares, the
//! real hourly rhythm, denser in the centre and along main streets) and the calls CSV that
//! `pingan simulate` replays, with optional recorded dispatch and arrival times.

use crate::error::ScenarioError;
use crate::rhythm::{format_time, hour_of_day, parse_time};
use dispatch::{IncidentCategory, Priority};
use measure::{LonLat, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roadnet::{Profile, RoadClass, RoadNetwork};
use std::collections::BTreeMap;

/// Times a real dispatch recorded for the call, when the call comes from a real log.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Recorded {
    pub dispatched: Option<Timestamp>,
    pub arrived: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallRecord {
    pub at: Timestamp,
    /// WGS-84.
    pub location: LonLat,
    pub category: IncidentCategory,
    pub priority: Priority,
    pub recorded: Recorded,
}

/// Shares of category and priority among calls; they need not sum to 1.
#[derive(Debug, Clone, PartialEq)]
pub struct CallMix {
    pub shares: Vec<(IncidentCategory, Priority, f64)>,
}

impl Default for CallMix {
    /// A 110 centre's mix: few P1 (about 8 %), many disputes and requests for help.
    fn default() -> Self {
        use IncidentCategory::*;
        use Priority::*;
        CallMix {
            shares: vec![
                (Criminal, P1, 3.0),
                (Criminal, P2, 7.0),
                (Criminal, P3, 6.0),
                (PublicOrder, P1, 2.0),
                (PublicOrder, P2, 8.0),
                (PublicOrder, P3, 8.0),
                (Traffic, P1, 2.0),
                (Traffic, P2, 10.0),
                (Traffic, P3, 8.0),
                (Dispute, P2, 5.0),
                (Dispute, P3, 15.0),
                (Assistance, P1, 1.0),
                (Assistance, P3, 10.0),
                (Assistance, P4, 10.0),
                (Referral, P2, 3.0),
                (Referral, P4, 2.0),
            ],
        }
    }
}

impl CallMix {
    /// Every call the same: for queueing checks.
    pub fn only(category: IncidentCategory, priority: Priority) -> CallMix {
        CallMix {
            shares: vec![(category, priority, 1.0)],
        }
    }

    fn pick(&self, rng: &mut ChaCha8Rng) -> (IncidentCategory, Priority) {
        let total: f64 = self.shares.iter().map(|s| s.2).sum();
        let mut pick = rng.gen::<f64>() * total;
        for &(category, priority, share) in &self.shares {
            if pick < share {
                return (category, priority);
            }
            pick -= share;
        }
        let last = self.shares.last().expect("a call mix is never empty");
        (last.0, last.1)
    }
}

/// Where calls come from: car-road nodes, weighted by road class (main streets more) and by
/// nearness to the densest part of the city.
#[derive(Debug, Clone)]
pub struct CallGenerator {
    positions: Vec<LonLat>,
    cumulative_weight: Vec<f64>,
    /// A single point every call comes from, for queueing checks.
    fixed: Option<LonLat>,
}

fn class_weight(class: RoadClass) -> f64 {
    match class {
        RoadClass::Primary | RoadClass::Secondary | RoadClass::Trunk => 4.0,
        RoadClass::Tertiary => 3.0,
        RoadClass::Minor | RoadClass::Residential => 1.0,
        RoadClass::Service => 0.5,
        RoadClass::Motorway | RoadClass::Footway => 0.2,
    }
}

/// A call place must lie this close to a road of every profile.
const CALL_SNAP: measure::Meters = measure::Meters(200.0);

/// Cells of this size find the city's densest part.
const CENTRE_CELL: f64 = 1000.0;

impl CallGenerator {
    pub fn new(network: &RoadNetwork) -> Result<CallGenerator, ScenarioError> {
        let graph = network.graph(Profile::Car)?;
        let projection = graph.projection();
        let n_nodes = graph.node_count() as u32;
        let xy: Vec<[f64; 2]> = (0..n_nodes)
            .map(|v| projection.to_xy(graph.position(v)))
            .collect();
        let mut density: BTreeMap<(i64, i64), usize> = BTreeMap::new();
        for p in &xy {
            *density
                .entry((
                    (p[0] / CENTRE_CELL).floor() as i64,
                    (p[1] / CENTRE_CELL).floor() as i64,
                ))
                .or_default() += 1;
        }
        let (densest, _) = density
            .iter()
            .max_by_key(|(cell, n)| (**n, std::cmp::Reverse(**cell)))
            .expect("a graph has nodes");
        let centre = [
            (densest.0 as f64 + 0.5) * CENTRE_CELL,
            (densest.1 as f64 + 0.5) * CENTRE_CELL,
        ];
        let distance =
            |p: [f64; 2]| ((p[0] - centre[0]).powi(2) + (p[1] - centre[1]).powi(2)).sqrt();
        let spread = (xy.iter().map(|&p| distance(p).powi(2)).sum::<f64>() / xy.len() as f64)
            .sqrt()
            .max(1.0);
        let mut total = 0.0;
        let mut cumulative_weight = Vec::with_capacity(xy.len());
        for v in 0..n_nodes {
            // Calls come from where every kind of unit can get to: a place off the foot
            // network is countryside, not a street.
            let point = graph.position(v);
            let on_every_map = network
                .graphs()
                .iter()
                .all(|g| roadnet::snap(g, point, CALL_SNAP).is_ok());
            if !on_every_map {
                cumulative_weight.push(total);
                continue;
            }
            let road = graph
                .out_edges(v)
                .map(|edge| class_weight(network.road(graph.edge_road(edge)).class))
                .fold(0.2, f64::max);
            let near_centre = 0.15 + 2.0 * (-distance(xy[v as usize]) / (0.4 * spread)).exp();
            total += road * near_centre;
            cumulative_weight.push(total);
        }
        Ok(CallGenerator {
            positions: (0..n_nodes).map(|v| graph.position(v)).collect(),
            cumulative_weight,
            fixed: None,
        })
    }

    /// Every call at `location`.
    pub fn at_one_place(location: LonLat) -> CallGenerator {
        CallGenerator {
            positions: vec![location],
            cumulative_weight: vec![1.0],
            fixed: Some(location),
        }
    }

    fn location(&self, rng: &mut ChaCha8Rng) -> LonLat {
        if let Some(location) = self.fixed {
            return location;
        }
        let total = *self.cumulative_weight.last().expect("a graph has nodes");
        let pick = rng.gen::<f64>() * total;
        let index = self
            .cumulative_weight
            .partition_point(|&w| w <= pick)
            .min(self.positions.len() - 1);
        self.positions[index]
    }

    /// Calls from `start` for `days`, `calls_per_day` on average, as a Poisson process whose
    /// rate follows `hourly` (weights averaging 1) through the day. Sorted by time.
    pub fn generate(
        &self,
        start: Timestamp,
        days: f64,
        calls_per_day: f64,
        hourly: &[f64; 24],
        mix: &CallMix,
        seed: u64,
    ) -> Vec<CallRecord> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let end = start.0 + (days * 86_400_000.0).round() as i64;
        let mut calls = Vec::with_capacity((days * calls_per_day * 1.1) as usize + 16);
        let mut hour_start = start.0;
        while hour_start < end {
            let hour_end = ((hour_start.div_euclid(3_600_000) + 1) * 3_600_000).min(end);
            let per_milli =
                calls_per_day / 86_400_000.0 * hourly[hour_of_day(Timestamp(hour_start))];
            if per_milli > 0.0 {
                let mut at = hour_start as f64;
                loop {
                    at += -(1.0 - rng.gen::<f64>()).ln() / per_milli;
                    if at >= hour_end as f64 {
                        break;
                    }
                    let (category, priority) = mix.pick(&mut rng);
                    calls.push(CallRecord {
                        // Whole seconds, as call logs record them.
                        at: Timestamp((at / 1000.0).floor() as i64 * 1000),
                        location: self.location(&mut rng),
                        category,
                        priority,
                        recorded: Recorded::default(),
                    });
                }
            }
            hour_start = hour_end;
        }
        calls
    }
}

/// Calls on `network` with the default mix and the Seattle rhythm.
pub fn generate_calls(
    network: &RoadNetwork,
    start: Timestamp,
    days: f64,
    calls_per_day: f64,
    seed: u64,
) -> Result<Vec<CallRecord>, ScenarioError> {
    Ok(CallGenerator::new(network)?.generate(
        start,
        days,
        calls_per_day,
        &crate::rhythm::SEATTLE_HOURLY_WEIGHTS,
        &CallMix::default(),
        seed,
    ))
}

pub fn category_key(category: IncidentCategory) -> &'static str {
    match category {
        IncidentCategory::Criminal => "criminal",
        IncidentCategory::PublicOrder => "public_order",
        IncidentCategory::Traffic => "traffic",
        IncidentCategory::Dispute => "dispute",
        IncidentCategory::Assistance => "assistance",
        IncidentCategory::Referral => "referral",
    }
}

fn parse_category(text: &str) -> Option<IncidentCategory> {
    let key = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    IncidentCategory::ALL
        .into_iter()
        .find(|&category| category_key(category) == key)
}

fn parse_priority(text: &str) -> Option<Priority> {
    match text.trim().trim_start_matches(['P', 'p']) {
        "1" => Some(Priority::P1),
        "2" => Some(Priority::P2),
        "3" => Some(Priority::P3),
        "4" => Some(Priority::P4),
        _ => None,
    }
}

const HEADER: [&str; 7] = [
    "time",
    "lon",
    "lat",
    "category",
    "priority",
    "dispatched",
    "arrived",
];

/// Writes calls as CSV: `time,lon,lat,category,priority,dispatched,arrived` (times UTC
/// `YYYY-MM-DDTHH:MM:SS`, recorded times blank when unknown).
pub fn write_calls(writer: impl std::io::Write, calls: &[CallRecord]) -> Result<(), csv::Error> {
    let mut out = csv::Writer::from_writer(writer);
    out.write_record(HEADER)?;
    let optional = |at: Option<Timestamp>| at.map(format_time).unwrap_or_default();
    for call in calls {
        out.write_record([
            format_time(call.at),
            format!("{:.6}", call.location.lon),
            format!("{:.6}", call.location.lat),
            category_key(call.category).to_string(),
            call.priority.to_string(),
            optional(call.recorded.dispatched),
            optional(call.recorded.arrived),
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// Reads the calls CSV that [`write_calls`] writes (the two recorded columns may be left out),
/// sorted by time. Errors name `source_name`, the line and the column.
pub fn read_calls(
    reader: impl std::io::Read,
    source_name: &str,
) -> Result<Vec<CallRecord>, ScenarioError> {
    let mut input = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let error = |line: u64, problem: String| ScenarioError::Calls {
        source_name: source_name.to_string(),
        line,
        problem,
    };
    let header = input
        .headers()
        .map_err(|e| error(1, e.to_string()))?
        .clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let mut columns = [0usize; 5];
    for (slot, name) in columns.iter_mut().zip(&HEADER[..5]) {
        *slot = column(name).ok_or_else(|| {
            error(
                1,
                format!(
                    "no '{name}' column; the header must name time,lon,lat,category,priority (and optionally dispatched,arrived)"
                ),
            )
        })?;
    }
    let (dispatched_column, arrived_column) = (column("dispatched"), column("arrived"));
    let mut calls = Vec::new();
    for record in input.records() {
        let record =
            record.map_err(|e| error(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        let field = |index: usize| record.get(index).unwrap_or("").trim();
        let time = |name: &str, text: &str| {
            parse_time(text).ok_or_else(|| {
                error(
                    line,
                    format!("{name} '{text}' is not a time like 2026-01-31T08:15:00"),
                )
            })
        };
        let number = |name: &str, text: &str| {
            text.parse::<f64>()
                .map_err(|_| error(line, format!("{name} '{text}' is not a number")))
        };
        let at = time("time", field(columns[0]))?;
        let location = LonLat::new(
            number("lon", field(columns[1]))?,
            number("lat", field(columns[2]))?,
        )
        .map_err(|e| error(line, e.to_string()))?;
        let category = parse_category(field(columns[3])).ok_or_else(|| {
            error(
                line,
                format!(
                    "category '{}' is not one of criminal, public_order, traffic, dispute, assistance, referral",
                    field(columns[3])
                ),
            )
        })?;
        let priority = parse_priority(field(columns[4])).ok_or_else(|| {
            error(
                line,
                format!("priority '{}' is not P1, P2, P3 or P4", field(columns[4])),
            )
        })?;
        let optional_time = |column: Option<usize>, name: &str| match column.map(field) {
            None | Some("") => Ok(None),
            Some(text) => time(name, text).map(Some),
        };
        let recorded = Recorded {
            dispatched: optional_time(dispatched_column, "dispatched")?,
            arrived: optional_time(arrived_column, "arrived")?,
        };
        calls.push(CallRecord {
            at,
            location,
            category,
            priority,
            recorded,
        });
    }
    calls.sort_by_key(|call| call.at);
    Ok(calls)
}
