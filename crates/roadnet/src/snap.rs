//! Snapping: a lon/lat point goes to the nearest point on a routable road segment (not merely the
//! nearest node), and the part of the segment between that point and its ends counts in travel
//! times.

use crate::ch::Seed;
use crate::dijkstra::Origin;
use crate::graph::{Millis, ProfileGraph};
use crate::profile::Profile;
use measure::{LocalProjection, LonLat, Meters};
use rstar::primitives::{GeomWithData, Line};
use rstar::{PointDistance, RTree};
use serde::{Deserialize, Serialize};

/// The default limit: farther than this from any road, a point is taken to be off the map.
pub const DEFAULT_MAX_SNAP: Meters = Meters(500.0);

/// Farther than this from every road, a point is far off the map: the hint asks about the map and
/// the column order rather than the snap limit.
pub const FAR_OFF_MAP: Meters = Meters(100_000.0);

/// Up to this many times the limit, a point is "a little too far": the hint names `--max-snap`.
const A_LITTLE_TOO_FAR: f64 = 5.0;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SnapError {
    #[error("{point} is {distance} from the nearest {profile} road (limit {limit}); {}", too_far_hint(*.distance, *.limit, *.swapped_distance))]
    TooFar {
        point: LonLat,
        distance: Meters,
        limit: Meters,
        profile: Profile,
        /// How far the point with lon and lat swapped would be from a road, when that swap is a
        /// valid point and lands much nearer (well inside [`FAR_OFF_MAP`]).
        swapped_distance: Option<Meters>,
    },
}

fn too_far_hint(distance: Meters, limit: Meters, swapped_distance: Option<Meters>) -> String {
    if let Some(swapped) = swapped_distance {
        format!("swapping lon and lat puts it {swapped} from a road: the coordinates look swapped")
    } else if distance.0 > FAR_OFF_MAP.0 {
        "is it inside the map? If the file gives lat,lon, swap the columns".to_string()
    } else if distance.0 <= limit.0 * A_LITTLE_TOO_FAR {
        "raise --max-snap if the point is right".to_string()
    } else {
        "is it inside the map?".to_string()
    }
}

/// An undirected road segment with the directed edges that run along it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Segment {
    pub a: u32,
    pub b: u32,
    /// Edge a → b, if the profile may go that way.
    pub a_to_b: Option<u32>,
    /// Edge b → a.
    pub b_to_a: Option<u32>,
}

type IndexedLine = GeomWithData<Line<[f64; 2]>, u32>;

/// Spatial index over a graph's segments, rebuilt on load (it is cheap and not worth storing).
#[derive(Debug, Clone, Default)]
pub(crate) struct SnapIndex {
    pub segments: Vec<Segment>,
    tree: RTree<IndexedLine>,
}

impl SnapIndex {
    pub fn build(graph: &ProfileGraph, projection: &LocalProjection) -> SnapIndex {
        let mut segments: Vec<Segment> = Vec::with_capacity(graph.edge_count());
        for tail in 0..graph.node_count() as u32 {
            for edge in graph.out_edges(tail) {
                let head = graph.edge_head(edge);
                let reverse = graph.find_edge(head, tail);
                if reverse.is_some() && head < tail {
                    continue; // this pair was indexed from its other end
                }
                segments.push(Segment {
                    a: tail,
                    b: head,
                    a_to_b: Some(edge as u32),
                    b_to_a: reverse.map(|e| e as u32),
                });
            }
        }
        let lines = segments
            .iter()
            .enumerate()
            .map(|(index, s)| {
                let line = Line::new(
                    projection.to_xy(graph.position(s.a)),
                    projection.to_xy(graph.position(s.b)),
                );
                GeomWithData::new(line, index as u32)
            })
            .collect();
        SnapIndex {
            segments,
            tree: RTree::bulk_load(lines),
        }
    }

    pub fn nearest(&self, xy: [f64; 2]) -> Option<(u32, f64)> {
        self.tree
            .nearest_neighbor(&xy)
            .map(|line| (line.data, line.geom().distance_2(&xy).sqrt()))
    }
}

/// A point placed on the road network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The point as given.
    pub point: LonLat,
    /// The nearest point on a road.
    pub on_road: LonLat,
    /// From `point` to `on_road`.
    pub distance: Meters,
    pub(crate) segment: Segment,
    /// Position along the segment from `a` (0) to `b` (1).
    pub(crate) fraction: f64,
}

impl Snap {
    /// Where a search leaving this point starts: the segment ends it can drive to, with the cost of
    /// the partial segment.
    pub fn departure_points(&self, graph: &ProfileGraph) -> Vec<(u32, Millis, f32)> {
        let mut seeds = Vec::with_capacity(2);
        if let Some(edge) = self.segment.a_to_b {
            seeds.push((self.segment.b, part(graph, edge, 1.0 - self.fraction)));
        }
        if let Some(edge) = self.segment.b_to_a {
            seeds.push((self.segment.a, part(graph, edge, self.fraction)));
        }
        seeds
            .into_iter()
            .map(|(node, (millis, meters))| (node, millis, meters))
            .collect()
    }

    /// The same as [`Snap::departure_points`], as origins of a Dijkstra search labelled `label`.
    pub fn departure_origins(&self, graph: &ProfileGraph, label: u32) -> Vec<Origin> {
        self.departure_points(graph)
            .into_iter()
            .map(|(node, millis, meters)| Origin {
                node,
                millis,
                meters,
                label,
            })
            .collect()
    }

    /// Where a search arriving at this point must come from, with the cost of the last part.
    pub fn arrival_points(&self, graph: &ProfileGraph) -> Vec<(u32, Millis, f32)> {
        let mut seeds = Vec::with_capacity(2);
        if let Some(edge) = self.segment.a_to_b {
            seeds.push((self.segment.a, part(graph, edge, self.fraction)));
        }
        if let Some(edge) = self.segment.b_to_a {
            seeds.push((self.segment.b, part(graph, edge, 1.0 - self.fraction)));
        }
        seeds
            .into_iter()
            .map(|(node, (millis, meters))| (node, millis, meters))
            .collect()
    }

    /// The same as [`Snap::departure_seeds`], appended to `seeds` without allocating.
    pub(crate) fn push_departure_seeds(&self, graph: &ProfileGraph, seeds: &mut Vec<Seed>) {
        let mut push = |node: u32, edge: u32, fraction: f64| {
            let (millis, meters) = part(graph, edge, fraction);
            seeds.push(Seed {
                rank: graph.ch.rank(node),
                millis,
                meters,
            });
        };
        if let Some(edge) = self.segment.a_to_b {
            push(self.segment.b, edge, 1.0 - self.fraction);
        }
        if let Some(edge) = self.segment.b_to_a {
            push(self.segment.a, edge, self.fraction);
        }
    }

    pub(crate) fn departure_seeds(&self, graph: &ProfileGraph) -> Vec<Seed> {
        to_seeds(graph, self.departure_points(graph))
    }

    pub(crate) fn arrival_seeds(&self, graph: &ProfileGraph) -> Vec<Seed> {
        to_seeds(graph, self.arrival_points(graph))
    }

    /// The travel along the shared segment when `to` lies ahead of `self` on it, if any:
    /// `(millis, meters)`.
    pub fn along_same_segment(&self, to: &Snap, graph: &ProfileGraph) -> Option<(Millis, f32)> {
        if self.segment.a != to.segment.a || self.segment.b != to.segment.b {
            return None;
        }
        let forward = self
            .segment
            .a_to_b
            .filter(|_| to.fraction >= self.fraction)
            .map(|edge| part(graph, edge, to.fraction - self.fraction));
        let backward = self
            .segment
            .b_to_a
            .filter(|_| to.fraction <= self.fraction)
            .map(|edge| part(graph, edge, self.fraction - to.fraction));
        [forward, backward]
            .into_iter()
            .flatten()
            .min_by_key(|(millis, _)| *millis)
    }

    /// The graph nodes at the ends of the snapped segment.
    pub fn segment_nodes(&self) -> (u32, u32) {
        (self.segment.a, self.segment.b)
    }
}

fn to_seeds(graph: &ProfileGraph, entries: Vec<(u32, Millis, f32)>) -> Vec<Seed> {
    entries
        .into_iter()
        .map(|(node, millis, meters)| Seed {
            rank: graph.ch.rank(node),
            millis,
            meters,
        })
        .collect()
}

/// Time and length of the share `fraction` of an edge.
fn part(graph: &ProfileGraph, edge: u32, fraction: f64) -> (Millis, f32) {
    let fraction = fraction.clamp(0.0, 1.0);
    let edge = edge as usize;
    (
        (graph.edge_millis(edge) as f64 * fraction).round() as Millis,
        (graph.edge_meters(edge).0 * fraction) as f32,
    )
}

/// Places `point` on the nearest road of `graph`, or says how far off the map it is.
pub fn snap(graph: &ProfileGraph, point: LonLat, limit: Meters) -> Result<Snap, SnapError> {
    let too_far = |distance: Meters| {
        // Only a swap that lands far nearer, near the map, is worth suggesting.
        let swapped_distance = LonLat::new(point.lat, point.lon)
            .ok()
            .and_then(|swapped| nearest_on_road(graph, swapped))
            .map(|swapped| swapped.3)
            .filter(|swapped| swapped.0 < FAR_OFF_MAP.0 && swapped.0 * 10.0 < distance.0);
        SnapError::TooFar {
            point,
            distance,
            limit,
            profile: graph.profile,
            swapped_distance,
        }
    };
    let (segment, fraction, on_road, distance) =
        nearest_on_road(graph, point).ok_or_else(|| too_far(Meters(f64::INFINITY)))?;
    if distance.0 > limit.0 {
        return Err(too_far(distance));
    }
    Ok(Snap {
        point,
        on_road,
        distance,
        segment,
        fraction,
    })
}

/// The nearest point on a road segment: the segment, the position along it, the point, and the
/// distance to it; `None` for a graph without roads.
fn nearest_on_road(graph: &ProfileGraph, point: LonLat) -> Option<(Segment, f64, LonLat, Meters)> {
    let xy = graph.projection.to_xy(point);
    let (segment_index, _) = graph.snap_index.nearest(xy)?;
    let segment = graph.snap_index.segments[segment_index as usize];
    let a = graph.projection.to_xy(graph.position(segment.a));
    let b = graph.projection.to_xy(graph.position(segment.b));
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let length_2 = dx * dx + dy * dy;
    let fraction = if length_2 > 0.0 {
        (((xy[0] - a[0]) * dx + (xy[1] - a[1]) * dy) / length_2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let on_road = graph
        .projection
        .to_lonlat([a[0] + fraction * dx, a[1] + fraction * dy]);
    Some((segment, fraction, on_road, point.distance_to(on_road)))
}
