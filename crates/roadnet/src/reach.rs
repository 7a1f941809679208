//! Which station reaches each point first by road: one multi-source Dijkstra from all stations,
//! so the answer for a city's worth of points costs about one search.

use crate::dijkstra::{forward_search, Origin};
use crate::graph::{millis_to_seconds, Millis, ProfileGraph, UNREACHABLE};
use crate::snap::Snap;
use measure::{Meters, Seconds};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearestStation {
    /// Index into the stations given.
    pub station: usize,
    pub seconds: Seconds,
    pub meters: Meters,
}

/// For each point, the station with the shortest road time to it (`None` if none reaches it).
pub fn nearest_station(
    graph: &ProfileGraph,
    stations: &[Snap],
    points: &[Snap],
) -> Vec<Option<NearestStation>> {
    let origins: Vec<Origin> = stations
        .iter()
        .enumerate()
        .flat_map(|(label, station)| station.departure_origins(graph, label as u32))
        .collect();
    let tree = forward_search(graph, &origins, UNREACHABLE - 1);
    let mut stations_on_segment: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    for (index, station) in stations.iter().enumerate() {
        stations_on_segment
            .entry(station.segment_nodes())
            .or_default()
            .push(index);
    }
    points
        .iter()
        .map(|point| {
            let mut best: Option<(Millis, f32, usize)> = None;
            let mut consider = |millis: Millis, meters: f32, station: usize| {
                if best.is_none_or(|(b, _, _)| millis < b) {
                    best = Some((millis, meters, station));
                }
            };
            for (node, millis, meters) in point.arrival_points(graph) {
                if let Some(d) = tree.millis_to(node) {
                    consider(
                        d.saturating_add(millis),
                        tree.meters[node as usize] + meters,
                        tree.label[node as usize] as usize,
                    );
                }
            }
            for &station in stations_on_segment
                .get(&point.segment_nodes())
                .into_iter()
                .flatten()
            {
                if let Some((millis, meters)) = stations[station].along_same_segment(point, graph) {
                    consider(millis, meters, station);
                }
            }
            best.map(|(millis, meters, station)| NearestStation {
                station,
                seconds: millis_to_seconds(millis),
                meters: Meters(meters as f64),
            })
        })
        .collect()
}
