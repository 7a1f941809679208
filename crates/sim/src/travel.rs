//! Fast road travel times for the simulator: a unit only ever starts a trip from a rest point (its
//! workstation or its patrol grid's centre), so one forward and one backward Dijkstra per rest
//! point and profile, stored node-major, answer every trip of a year by table look-up. The
//! answers equal the contraction-hierarchy matrix's (integer milliseconds), and they reach
//! `dispatch::recommend` through its own `TravelTimes` trait.

use crate::error::SimError;
use dispatch::{RoadTravelTimes, Travel, TravelError, TravelRows, TravelTimes};
use measure::{LonLat, Meters, Seconds};
use rayon::prelude::*;
use roadnet::dijkstra::{forward_search, Origin};
use roadnet::graph::UNREACHABLE;
use roadnet::{millis_to_seconds, snap, Millis, Profile, ProfileGraph, RoadNetwork, Snap};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

fn key(point: LonLat) -> (u64, u64) {
    (point.lon.to_bits(), point.lat.to_bits())
}

/// A call's place on one profile's roads: the snap and the ends of its segment with the cost of
/// the part between.
#[derive(Debug, Clone)]
struct PlaceRoad {
    snap: Snap,
    arrive: Vec<(u32, Millis, f32)>,
    depart: Vec<(u32, Millis, f32)>,
}

struct ProfileTable<'a> {
    profile: Profile,
    graph: &'a ProfileGraph,
    origins: Vec<Snap>,
    origin_index: HashMap<(u64, u64), u32>,
    n_origins: usize,
    /// `[node * n_origins + origin]`: from the origin to the node.
    forward_millis: Vec<Millis>,
    forward_meters: Vec<f32>,
    /// `[node * n_origins + origin]`: from the node to the origin.
    backward_millis: Vec<Millis>,
    /// By place index; `None` when the place is off this profile's roads.
    places: Vec<Option<PlaceRoad>>,
}

/// Road travel times between rest points and call places, for every profile the units use.
pub struct FastTravel<'a> {
    place_index: HashMap<(u64, u64), u32>,
    tables: Vec<ProfileTable<'a>>,
    fallback: RoadTravelTimes<&'a RoadNetwork>,
}

/// Dijkstra on the reversed graph: every node's time to reach the seeds.
fn backward_search(graph: &ProfileGraph, seeds: &[(u32, Millis, f32)]) -> Vec<Millis> {
    let mut millis = vec![UNREACHABLE; graph.node_count()];
    let mut heap = BinaryHeap::new();
    for &(node, cost, _) in seeds {
        if cost < millis[node as usize] {
            millis[node as usize] = cost;
            heap.push(Reverse((cost, node)));
        }
    }
    while let Some(Reverse((d, v))) = heap.pop() {
        if d > millis[v as usize] {
            continue;
        }
        for (tail, edge) in graph.in_edges(v) {
            let candidate = d.saturating_add(graph.edge_millis(edge));
            if candidate < millis[tail as usize] {
                millis[tail as usize] = candidate;
                heap.push(Reverse((candidate, tail)));
            }
        }
    }
    millis
}

impl<'a> ProfileTable<'a> {
    fn build(
        graph: &'a ProfileGraph,
        origin_points: &[LonLat],
        places: &[LonLat],
        max_snap: Meters,
    ) -> Result<ProfileTable<'a>, SimError> {
        let mut origins = Vec::new();
        let mut origin_index = HashMap::new();
        for &point in origin_points {
            if origin_index.contains_key(&key(point)) {
                continue;
            }
            let snapped =
                snap(graph, point, max_snap).map_err(|error| SimError::RestPointOffMap {
                    point,
                    profile: graph.profile,
                    reason: error.to_string(),
                })?;
            origin_index.insert(key(point), origins.len() as u32);
            origins.push(snapped);
        }
        let n_origins = origins.len();
        let trees: Vec<(Vec<Millis>, Vec<f32>, Vec<Millis>)> = origins
            .par_iter()
            .map(|origin| {
                let starts: Vec<Origin> = origin.departure_origins(graph, 0);
                let tree = forward_search(graph, &starts, UNREACHABLE - 1);
                let backward = backward_search(graph, &origin.arrival_points(graph));
                (tree.millis, tree.meters, backward)
            })
            .collect();
        let n_nodes = graph.node_count();
        let mut forward_millis = vec![UNREACHABLE; n_nodes * n_origins];
        let mut forward_meters = vec![0f32; n_nodes * n_origins];
        let mut backward_millis = vec![UNREACHABLE; n_nodes * n_origins];
        for (o, (millis, meters, backward)) in trees.into_iter().enumerate() {
            for node in 0..n_nodes {
                forward_millis[node * n_origins + o] = millis[node];
                forward_meters[node * n_origins + o] = meters[node];
                backward_millis[node * n_origins + o] = backward[node];
            }
        }
        let places = places
            .par_iter()
            .map(|&point| {
                snap(graph, point, max_snap).ok().map(|snapped| PlaceRoad {
                    arrive: snapped.arrival_points(graph),
                    depart: snapped.departure_points(graph),
                    snap: snapped,
                })
            })
            .collect();
        Ok(ProfileTable {
            profile: graph.profile,
            graph,
            origins,
            origin_index,
            n_origins,
            forward_millis,
            forward_meters,
            backward_millis,
            places,
        })
    }

    fn out_to_place(&self, origin: u32, place: &PlaceRoad) -> Option<(Millis, f32)> {
        let o = origin as usize;
        let mut best: Option<(Millis, f32)> = None;
        for &(node, millis, meters) in &place.arrive {
            let cell = node as usize * self.n_origins + o;
            let d = self.forward_millis[cell];
            if d != UNREACHABLE {
                let total = d.saturating_add(millis);
                if best.is_none_or(|(b, _)| total < b) {
                    best = Some((total, self.forward_meters[cell] + meters));
                }
            }
        }
        let start = &self.origins[o];
        if start.segment_nodes() == place.snap.segment_nodes() {
            if let Some((millis, meters)) = start.along_same_segment(&place.snap, self.graph) {
                if best.is_none_or(|(b, _)| millis < b) {
                    best = Some((millis, meters));
                }
            }
        }
        best
    }

    fn back_from_place(&self, place: &PlaceRoad, origin: u32) -> Option<Millis> {
        let o = origin as usize;
        let mut best: Option<Millis> = None;
        for &(node, millis, _) in &place.depart {
            let d = self.backward_millis[node as usize * self.n_origins + o];
            if d != UNREACHABLE {
                let total = d.saturating_add(millis);
                if best.is_none_or(|b| total < b) {
                    best = Some(total);
                }
            }
        }
        let end = &self.origins[o];
        if end.segment_nodes() == place.snap.segment_nodes() {
            if let Some((millis, _)) = place.snap.along_same_segment(end, self.graph) {
                if best.is_none_or(|b| millis < b) {
                    best = Some(millis);
                }
            }
        }
        best
    }
}

impl<'a> FastTravel<'a> {
    /// Tables from every rest point of each profile to every place, and back.
    pub fn new(
        network: &'a RoadNetwork,
        rest_points: &[(Profile, Vec<LonLat>)],
        places: &[LonLat],
    ) -> Result<FastTravel<'a>, SimError> {
        let max_snap = roadnet::DEFAULT_MAX_SNAP;
        let mut place_index = HashMap::with_capacity(places.len());
        let mut distinct = Vec::new();
        for &place in places {
            place_index.entry(key(place)).or_insert_with(|| {
                distinct.push(place);
                distinct.len() as u32 - 1
            });
        }
        let mut tables = Vec::new();
        for (profile, points) in rest_points {
            let graph = network.graph(*profile)?;
            tables.push(ProfileTable::build(graph, points, &distinct, max_snap)?);
        }
        Ok(FastTravel {
            place_index,
            tables,
            fallback: RoadTravelTimes::new(network),
        })
    }

    pub fn profile_slot(&self, profile: Profile) -> Option<usize> {
        self.tables.iter().position(|t| t.profile == profile)
    }

    pub fn place(&self, point: LonLat) -> Option<u32> {
        self.place_index.get(&key(point)).copied()
    }

    pub fn origin(&self, slot: usize, point: LonLat) -> Option<u32> {
        self.tables[slot].origin_index.get(&key(point)).copied()
    }

    /// The rest point's position as given (the key units stand on).
    pub fn origin_point(&self, slot: usize, origin: u32) -> LonLat {
        self.tables[slot].origins[origin as usize].point
    }

    /// Road time from a rest point to a place; `None` if the place is off the map or unreachable.
    pub fn trip(&self, slot: usize, origin: u32, place: u32) -> Option<Millis> {
        let table = &self.tables[slot];
        let road = table.places[place as usize].as_ref()?;
        table.out_to_place(origin, road).map(|(millis, _)| millis)
    }

    /// Road time from a place back to a rest point.
    pub fn trip_back(&self, slot: usize, place: u32, origin: u32) -> Option<Millis> {
        let table = &self.tables[slot];
        let road = table.places[place as usize].as_ref()?;
        table.back_from_place(road, origin)
    }

    fn fast_table(
        &self,
        profile: Profile,
        origins: &[LonLat],
        targets: &[LonLat],
    ) -> Option<Result<TravelRows, TravelError>> {
        let slot = self.profile_slot(profile)?;
        let table = &self.tables[slot];
        let origin_ids: Vec<u32> = origins
            .iter()
            .map(|&p| table.origin_index.get(&key(p)).copied())
            .collect::<Option<_>>()?;
        let mut roads = Vec::with_capacity(targets.len());
        for &target in targets {
            let place = *self.place_index.get(&key(target))?;
            match table.places[place as usize].as_ref() {
                Some(road) => roads.push(road),
                None => {
                    return Some(Err(TravelError::OffMap {
                        point: target,
                        profile,
                        reason: format!(
                            "farther than {} from any {profile} road",
                            roadnet::DEFAULT_MAX_SNAP
                        ),
                    }))
                }
            }
        }
        Some(Ok(origin_ids
            .iter()
            .map(|&origin| {
                Ok(roads
                    .iter()
                    .map(|road| {
                        table
                            .out_to_place(origin, road)
                            .map(|(millis, meters)| Travel {
                                seconds: millis_to_seconds(millis),
                                meters: Meters(meters as f64),
                            })
                    })
                    .collect())
            })
            .collect()))
    }
}

impl TravelTimes for FastTravel<'_> {
    /// Table look-ups when every origin is a rest point and every target a known place; the road
    /// network's own matrix otherwise.
    fn table(
        &self,
        profile: Profile,
        origins: &[LonLat],
        targets: &[LonLat],
    ) -> Result<TravelRows, TravelError> {
        match self.fast_table(profile, origins, targets) {
            Some(answer) => answer,
            None => self.fallback.table(profile, origins, targets),
        }
    }

    fn reach(
        &self,
        profile: Profile,
        origin: LonLat,
        within: Seconds,
    ) -> Result<Vec<(LonLat, Seconds)>, TravelError> {
        self.fallback.reach(profile, origin, within)
    }
}
