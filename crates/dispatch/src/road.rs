//! Road travel times from the road network: the production `TravelTimes`. Many units to one
//! incident is one backward Dijkstra from the incident that stops once every unit's road is
//! settled (faster than a CH bucket matrix for a single target and many units); fewer units or
//! several targets use the CH matrix; a fleeing vehicle's reach is a bounded forward
//! Dijkstra.

use crate::recommend::{Travel, TravelError, TravelRows, TravelTimes};
use measure::{LonLat, Meters, Seconds};
use roadnet::dijkstra::{forward_search, Origin};
use roadnet::{matrix, millis_to_seconds, snap, Millis, Profile, ProfileGraph, RoadNetwork, Snap};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::ops::Deref;
use std::sync::Mutex;

/// Road travel on a loaded network; points farther than `max_snap` from a road are off the map.
#[derive(Debug)]
pub struct RoadTravelTimes<N> {
    pub network: N,
    pub max_snap: Meters,
    /// Units report every few seconds but are ranked many times in between: snapping their
    /// positions once saves a fifth of a ranking.
    snaps: Mutex<HashMap<SnapKey, Result<Snap, String>>>,
}

/// One backward Dijkstra to a single target settles the roads up to the farthest unit whatever
/// their number; the CH matrix pays per unit. Measured on Heidelberg (car graph 55k nodes: 1,000
/// units in about 2 to 3 ms by Dijkstra against 2 to 9 ms by matrix; foot graph 170k nodes: 100
/// units in 26 ms by Dijkstra against 7 ms by matrix), the Dijkstra pays from one origin per this
/// many graph nodes.
pub const NODES_PER_ORIGIN_FOR_DIJKSTRA: usize = 200;

/// A point by profile and the exact bits of its coordinates.
type SnapKey = (Profile, u64, u64);

/// Snaps kept before the cache starts afresh.
const SNAP_CACHE_LIMIT: usize = 200_000;

impl<N: Deref<Target = RoadNetwork>> RoadTravelTimes<N> {
    pub fn new(network: N) -> Self {
        RoadTravelTimes {
            network,
            max_snap: roadnet::DEFAULT_MAX_SNAP,
            snaps: Mutex::new(HashMap::new()),
        }
    }

    fn snap_cached(&self, graph: &ProfileGraph, point: LonLat) -> Result<Snap, String> {
        let key = (graph.profile, point.lon.to_bits(), point.lat.to_bits());
        let mut cache = self.snaps.lock().expect("no snap panics");
        if let Some(known) = cache.get(&key) {
            return known.clone();
        }
        if cache.len() >= SNAP_CACHE_LIMIT {
            cache.clear();
        }
        let snapped = snap(graph, point, self.max_snap).map_err(|error| error.to_string());
        cache.insert(key, snapped.clone());
        snapped
    }

    fn graph(&self, profile: Profile) -> Result<&ProfileGraph, TravelError> {
        self.network
            .graph(profile)
            .map_err(|error| TravelError::NoGraph {
                profile,
                reason: error.to_string(),
            })
    }

    fn snap(&self, graph: &ProfileGraph, point: LonLat) -> Result<Snap, TravelError> {
        snap(graph, point, self.max_snap).map_err(|error| TravelError::OffMap {
            point,
            profile: graph.profile,
            reason: error.to_string(),
        })
    }
}

impl<N: Deref<Target = RoadNetwork>> TravelTimes for RoadTravelTimes<N> {
    fn table(
        &self,
        profile: Profile,
        origins: &[LonLat],
        targets: &[LonLat],
    ) -> Result<TravelRows, TravelError> {
        let graph = self.graph(profile)?;
        let target_snaps = targets
            .iter()
            .map(|target| self.snap(graph, *target))
            .collect::<Result<Vec<Snap>, TravelError>>()?;
        let origin_snaps: Vec<Result<Snap, String>> = origins
            .iter()
            .map(|origin| self.snap_cached(graph, *origin))
            .collect();
        let placed: Vec<Snap> = origin_snaps.iter().filter_map(|s| s.clone().ok()).collect();
        let dijkstra_pays = placed.len() * NODES_PER_ORIGIN_FOR_DIJKSTRA >= graph.node_count();
        if let ([target], true) = (target_snaps.as_slice(), dijkstra_pays) {
            let trips = many_to_one(graph, &placed, target);
            let mut trips = trips.into_iter();
            return Ok(origin_snaps
                .into_iter()
                .map(|origin| {
                    origin.map(|_| vec![trips.next().expect("one trip per placed origin")])
                })
                .collect());
        }
        let table = matrix(graph, &placed, &target_snaps);
        let mut row_of_placed = 0;
        Ok(origin_snaps
            .into_iter()
            .map(|origin| {
                origin.map(|_| {
                    let row = (0..targets.len())
                        .map(|column| {
                            table
                                .get(row_of_placed, column)
                                .map(|(seconds, meters)| Travel { seconds, meters })
                        })
                        .collect();
                    row_of_placed += 1;
                    row
                })
            })
            .collect())
    }

    fn reach(
        &self,
        profile: Profile,
        origin: LonLat,
        within: Seconds,
    ) -> Result<Vec<(LonLat, Seconds)>, TravelError> {
        let graph = self.graph(profile)?;
        let start = self.snap(graph, origin)?;
        let origins: Vec<Origin> = start.departure_origins(graph, 0);
        let limit = (within.0 * 1000.0)
            .round()
            .clamp(0.0, u32::MAX as f64 - 1.0) as u32;
        let tree = forward_search(graph, &origins, limit);
        Ok(tree
            .settled
            .iter()
            .filter_map(|&node| {
                tree.millis_to(node)
                    .map(|millis| (graph.position(node), millis_to_seconds(millis)))
            })
            .collect())
    }
}

/// Road travel from every source to one target: a backward Dijkstra from the target over the
/// reversed graph, stopped once every source's departure nodes are settled.
pub fn many_to_one(graph: &ProfileGraph, sources: &[Snap], target: &Snap) -> Vec<Option<Travel>> {
    let n = graph.node_count();
    let mut millis: Vec<Millis> = vec![Millis::MAX; n];
    let mut meters: Vec<f32> = vec![0.0; n];
    let mut settled = vec![false; n];
    let mut wanted = vec![false; n];
    let mut n_wanted = 0usize;
    let departures: Vec<Vec<(u32, Millis, f32)>> = sources
        .iter()
        .map(|source| source.departure_points(graph))
        .collect();
    for &(node, _, _) in departures.iter().flatten() {
        if !wanted[node as usize] {
            wanted[node as usize] = true;
            n_wanted += 1;
        }
    }
    let mut heap = BinaryHeap::new();
    for (node, cost, length) in target.arrival_points(graph) {
        if cost < millis[node as usize] {
            millis[node as usize] = cost;
            meters[node as usize] = length;
            heap.push(Reverse((cost, node)));
        }
    }
    while let Some(Reverse((cost, node))) = heap.pop() {
        let slot = node as usize;
        if settled[slot] || cost > millis[slot] {
            continue;
        }
        settled[slot] = true;
        if wanted[slot] {
            n_wanted -= 1;
            if n_wanted == 0 {
                break;
            }
        }
        for (tail, edge) in graph.in_edges(node) {
            let next = cost.saturating_add(graph.edge_millis(edge));
            if next < millis[tail as usize] {
                millis[tail as usize] = next;
                meters[tail as usize] = meters[slot] + graph.edge_meters(edge).0 as f32;
                heap.push(Reverse((next, tail)));
            }
        }
    }
    sources
        .iter()
        .zip(&departures)
        .map(|(source, departure)| {
            let mut best: Option<(Millis, f32)> = source.along_same_segment(target, graph);
            for &(node, cost, length) in departure {
                if !settled[node as usize] {
                    continue;
                }
                let total = cost.saturating_add(millis[node as usize]);
                if best.is_none_or(|(known, _)| total < known) {
                    best = Some((total, length + meters[node as usize]));
                }
            }
            best.map(|(total, length)| Travel {
                seconds: millis_to_seconds(total),
                meters: Meters(length as f64),
            })
        })
        .collect()
}
