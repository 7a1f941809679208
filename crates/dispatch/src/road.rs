//! Road travel times from the road network: the production `TravelTimes`, backed by contraction
//! hierarchies for tables and a bounded Dijkstra for a fleeing vehicle's reach.

use crate::recommend::{Travel, TravelError, TravelRows, TravelTimes};
use measure::{LonLat, Meters, Seconds};
use roadnet::dijkstra::{forward_search, Origin};
use roadnet::{matrix, millis_to_seconds, snap, Profile, ProfileGraph, RoadNetwork, Snap};
use std::ops::Deref;

/// Road travel on a loaded network; points farther than `max_snap` from a road are off the map.
#[derive(Debug, Clone)]
pub struct RoadTravelTimes<N> {
    pub network: N,
    pub max_snap: Meters,
}

impl<N: Deref<Target = RoadNetwork>> RoadTravelTimes<N> {
    pub fn new(network: N) -> Self {
        RoadTravelTimes {
            network,
            max_snap: roadnet::DEFAULT_MAX_SNAP,
        }
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
            .map(|origin| snap(graph, *origin, self.max_snap).map_err(|error| error.to_string()))
            .collect();
        let placed: Vec<Snap> = origin_snaps.iter().filter_map(|s| s.clone().ok()).collect();
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
        let origins: Vec<Origin> = start
            .departure_points(graph)
            .into_iter()
            .map(|(node, millis, meters)| Origin {
                node,
                millis,
                meters,
                label: 0,
            })
            .collect();
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
