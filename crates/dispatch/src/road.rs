//! Road travel times from the road network: the production `TravelTimes`. Units to one incident
//! (a ranking) is `roadnet::many_to_one` on the contraction hierarchy, whose cost hardly grows
//! with the number of units; several targets use the CH matrix; a fleeing vehicle's reach is a
//! bounded forward Dijkstra.

use crate::recommend::{Travel, TravelError, TravelRows, TravelTimes};
use measure::{LonLat, Meters, Seconds};
use roadnet::dijkstra::{forward_search, Origin};
use roadnet::{
    many_to_one, matrix, millis_to_seconds, snap, Profile, ProfileGraph, RoadNetwork, Snap,
};
use std::collections::HashMap;
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
        if let [target] = target_snaps.as_slice() {
            let mut trips = many_to_one(graph, &placed, target).into_iter();
            return Ok(origin_snaps
                .into_iter()
                .map(|origin| {
                    origin.map(|_| {
                        let trip = trips.next().expect("one trip per placed origin");
                        vec![trip.map(|(seconds, meters)| Travel { seconds, meters })]
                    })
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
