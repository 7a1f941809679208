//! A unit driving a road route: where it is after so many seconds, at each road's own speed, so a
//! car slows in the old town's lanes and arrives exactly when the road engine said it would.

use measure::{LonLat, Seconds};
use roadnet::{ProfileGraph, Route};

/// A route with the time at which each of its points is passed.
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    /// `(point, seconds since departure)`, times non-decreasing, the last one the route's time.
    pub points: Vec<(LonLat, f64)>,
}

impl Trip {
    /// Times `route` (which `roadnet::route` found on `graph`) edge by edge. The partial road
    /// pieces at either end share what is left of the route's time by their length.
    pub fn along(graph: &ProfileGraph, route: &Route) -> Trip {
        let total = route.seconds.0;
        let (Some(&first), Some(&last)) = (route.geometry.first(), route.geometry.last()) else {
            return Trip { points: Vec::new() };
        };
        if route.nodes.is_empty() {
            return Trip {
                points: vec![(first, 0.0), (last, total)],
            };
        }
        let mut inner = vec![0.0];
        for pair in route.nodes.windows(2) {
            let edge_seconds = graph
                .find_edge(pair[0], pair[1])
                .map_or(0.0, |edge| graph.edge_millis(edge) as f64 / 1000.0);
            inner.push(inner.last().expect("starts with 0") + edge_seconds);
        }
        let inner_total = *inner.last().expect("starts with 0");
        let start_node = graph.position(route.nodes[0]);
        let end_node = graph.position(*route.nodes.last().expect("not empty"));
        let (lead, tail) = (
            first.distance_to(start_node).0,
            end_node.distance_to(last).0,
        );
        let rest = (total - inner_total).max(0.0);
        let lead_seconds = if lead + tail > 0.0 {
            rest * lead / (lead + tail)
        } else {
            0.0
        };
        let mut points = Vec::with_capacity(route.nodes.len() + 2);
        points.push((first, 0.0));
        for (&node, &at) in route.nodes.iter().zip(&inner) {
            points.push((graph.position(node), lead_seconds + at));
        }
        points.push((last, total.max(lead_seconds + inner_total)));
        Trip { points }
    }

    /// A trip that stays at `point`.
    pub fn standing(point: LonLat) -> Trip {
        Trip {
            points: vec![(point, 0.0)],
        }
    }

    pub fn duration(&self) -> Seconds {
        Seconds(self.points.last().map_or(0.0, |&(_, at)| at))
    }

    pub fn destination(&self) -> Option<LonLat> {
        self.points.last().map(|&(point, _)| point)
    }

    /// Where the unit is `elapsed` after departure: interpolated between the points it passes,
    /// at the destination once the trip is over.
    pub fn position_at(&self, elapsed: Seconds) -> Option<LonLat> {
        let t = elapsed.0.max(0.0);
        let after = self.points.partition_point(|&(_, at)| at <= t);
        if after == 0 {
            return self.points.first().map(|&(point, _)| point);
        }
        if after == self.points.len() {
            return self.destination();
        }
        let (a, ta) = self.points[after - 1];
        let (b, tb) = self.points[after];
        let share = if tb > ta { (t - ta) / (tb - ta) } else { 1.0 };
        Some(LonLat {
            lon: a.lon + (b.lon - a.lon) * share,
            lat: a.lat + (b.lat - a.lat) * share,
        })
    }
}
