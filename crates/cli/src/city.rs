//! A city as `pingan cover` and `pingan site` see it: the road network, stations and places
//! snapped onto its roads, demand and candidate points generated from the roads, and travel times
//! by road (roadnet's matrix and multi-source Dijkstra; never straight-line).

use anyhow::{bail, Context, Result};
use formats::points::{read_points, NamedPoint};
use measure::{LonLat, Meters, Seconds};
use roadnet::{Profile, ProfileGraph, RoadClass, RoadNetwork, Snap};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the roads come from and how points meet them.
#[derive(clap::Args, Debug, Clone)]
pub struct CityArgs {
    /// The city: a graph from `pingan import`, or an .osm.pbf extract (imported on the fly).
    #[arg(long, value_name = "CITY.graph|CITY.osm.pbf")]
    pub graph: Option<PathBuf>,
    /// Travel profile of the response: car, motorcycle or foot.
    #[arg(long, default_value = "car")]
    pub profile: String,
    /// Points farther than this from a road (metres) are refused as off the map.
    #[arg(long, default_value_t = roadnet::DEFAULT_MAX_SNAP.0)]
    pub max_snap: f64,
    /// Demand points: CSV id,lon,lat[,weight] (past calls, population proxies, key places).
    /// Without it, demand is generated from the road network (see --demand-spacing).
    #[arg(long, value_name = "FILE")]
    pub demand: Option<PathBuf>,
    /// Generated demand: one point per square of this side (metres) holding car roads, at the
    /// road node nearest the square's centre, weighted by the km of car road in the square.
    #[arg(long, value_name = "METERS", default_value_t = 250.0)]
    pub demand_spacing: f64,
}

/// The loaded city: every profile's graph, and the one the response drives on.
pub struct City {
    pub network: RoadNetwork,
    pub profile: Profile,
    pub max_snap: Meters,
}

impl City {
    pub fn load(args: &CityArgs) -> Result<City> {
        let path = args
            .graph
            .as_ref()
            .context("give the city with --graph CITY.graph (or CITY.osm.pbf)")?;
        let profile: Profile = args.profile.parse()?;
        if !(args.max_snap.is_finite() && args.max_snap > 0.0) {
            bail!(
                "--max-snap must be a positive number of metres, not {}",
                args.max_snap
            );
        }
        positive("--demand-spacing", args.demand_spacing)?;
        let network = load_network(path)?;
        network.graph(profile)?;
        Ok(City {
            network,
            profile,
            max_snap: Meters(args.max_snap),
        })
    }

    pub fn graph(&self) -> &ProfileGraph {
        self.network.graph(self.profile).expect("checked on load")
    }

    /// Snaps `points` read from `file`, naming the file and the point when one is off the map.
    pub fn snap_all(&self, points: &[NamedPoint], file: &Path, what: &str) -> Result<Vec<Snap>> {
        points
            .iter()
            .map(|point| {
                roadnet::snap(self.graph(), point.position, self.max_snap)
                    .with_context(|| format!("{}: {what} '{}'", file.display(), point.id))
            })
            .collect()
    }

    /// Demand points: read from `args.demand` (weight 1 when the file has none), or generated
    /// from the roads.
    pub fn demand(&self, args: &CityArgs) -> Result<Vec<NamedPoint>> {
        match &args.demand {
            Some(path) => Ok(read_points(path)?
                .into_iter()
                .map(|point| NamedPoint {
                    weight: Some(point.weight.unwrap_or(1.0)),
                    ..point
                })
                .collect()),
            None => {
                let points: Vec<NamedPoint> =
                    road_points(&self.network, self.graph(), Meters(args.demand_spacing))
                        .into_iter()
                        .enumerate()
                        .map(|(index, point)| NamedPoint {
                            id: format!("D-{:04}", index + 1),
                            position: point.position,
                            weight: Some(point.road_km),
                        })
                        .collect();
                eprintln!(
                    "no --demand: generated {} demand points from the roads, one per {} m square, weighted by km of street",
                    points.len(),
                    args.demand_spacing
                );
                Ok(points)
            }
        }
    }
}

/// Refuses city flags next to `--instance`, whose files already hold demand, sites and times.
pub fn refuse_with_instance(flags: &[(&str, bool)]) -> Result<()> {
    let given: Vec<&str> = flags
        .iter()
        .filter(|(_, present)| *present)
        .map(|(flag, _)| *flag)
        .collect();
    if !given.is_empty() {
        bail!(
            "{} {} only to a city (--graph); an --instance directory already holds demand, sites and travel times",
            given.join(", "),
            if given.len() == 1 { "applies" } else { "apply" }
        );
    }
    Ok(())
}

pub fn positive(flag: &str, value: f64) -> Result<()> {
    if !(value.is_finite() && value > 0.0) {
        bail!("{flag} must be a positive number, not {value}");
    }
    Ok(())
}

pub fn load_network(path: &Path) -> Result<RoadNetwork> {
    let name = path.to_string_lossy();
    if name.ends_with(".pbf") {
        eprintln!("importing {name} (build a graph once with `pingan import` to skip this)");
        return roadnet::import_pbf(path, &|_, _, _| {})
            .with_context(|| format!("cannot import {name}"));
    }
    Ok(RoadNetwork::load(path)?)
}

/// A point on the roads standing for a square of the city.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadPoint {
    pub position: LonLat,
    /// Kilometres of car road (motorways left out, two-way streets counted once) whose start
    /// lies in the square.
    pub road_km: f64,
}

/// One point per square of side `spacing` that holds streets: the street node nearest the
/// square's centre, with the street length in the square as its weight. Squares are ordered
/// south to north, then west to east, so the same graph gives the same points.
pub fn road_points(network: &RoadNetwork, graph: &ProfileGraph, spacing: Meters) -> Vec<RoadPoint> {
    let projection = graph.projection();
    struct Square {
        meters: f64,
        nearest: Option<(f64, u32)>,
    }
    let mut squares: BTreeMap<(i64, i64), Square> = BTreeMap::new();
    for node in 0..graph.node_count() as u32 {
        let mut street_meters = 0.0;
        let mut on_street = false;
        for edge in graph.out_edges(node) {
            if network.road(graph.edge_road(edge)).class == RoadClass::Motorway {
                continue;
            }
            on_street = true;
            let two_way = graph.find_edge(graph.edge_head(edge), node).is_some();
            street_meters += graph.edge_meters(edge).0 * if two_way { 0.5 } else { 1.0 };
        }
        if !on_street {
            continue;
        }
        let [x, y] = projection.to_xy(graph.position(node));
        let key = (
            (y / spacing.0).floor() as i64,
            (x / spacing.0).floor() as i64,
        );
        let centre = [
            (key.1 as f64 + 0.5) * spacing.0,
            (key.0 as f64 + 0.5) * spacing.0,
        ];
        let distance = (x - centre[0]).powi(2) + (y - centre[1]).powi(2);
        let square = squares.entry(key).or_insert(Square {
            meters: 0.0,
            nearest: None,
        });
        square.meters += street_meters;
        if square.nearest.is_none_or(|(best, _)| distance < best) {
            square.nearest = Some((distance, node));
        }
    }
    squares
        .into_values()
        .filter_map(|square| {
            let (_, node) = square.nearest?;
            Some(RoadPoint {
                position: graph.position(node),
                road_km: (square.meters / 10.0).round() / 100.0,
            })
        })
        .filter(|point| point.road_km > 0.0)
        .collect()
}

/// Road travel time from each site to each demand point, kept when at most `cutoff`:
/// `(demand, site, seconds)`. The CH matrix runs on slices of the demand so memory stays
/// bounded.
pub fn travel_times(
    graph: &ProfileGraph,
    sites: &[Snap],
    demand: &[Snap],
    cutoff: Seconds,
) -> Vec<(usize, usize, Seconds)> {
    const CELLS_PER_SLICE: usize = 8_000_000;
    let slice = (CELLS_PER_SLICE / sites.len().max(1)).max(1);
    let mut travel = Vec::new();
    for (slice_index, targets) in demand.chunks(slice).enumerate() {
        let matrix = roadnet::matrix(graph, sites, targets);
        for site in 0..sites.len() {
            for target in 0..targets.len() {
                if let Some((seconds, _)) = matrix.get(site, target) {
                    if seconds.0 <= cutoff.0 {
                        travel.push((slice_index * slice + target, site, seconds));
                    }
                }
            }
        }
    }
    travel.sort_by_key(|&(demand, site, _)| (demand, site));
    travel
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(spacing: f64) -> Vec<RoadPoint> {
        road_points(
            fixtures::heidelberg(),
            fixtures::heidelberg_graph(Profile::Car),
            Meters(spacing),
        )
    }

    #[test]
    fn road_points_weigh_squares_by_street_length() {
        let coarse = points(1000.0);
        let fine = points(250.0);
        assert!(
            fine.len() > 4 * coarse.len(),
            "{} {}",
            fine.len(),
            coarse.len()
        );
        let total = |points: &[RoadPoint]| points.iter().map(|p| p.road_km).sum::<f64>();
        // The same streets, cut into squares differently.
        assert!((total(&coarse) - total(&fine)).abs() < 0.01 * total(&coarse));
        let graph = fixtures::heidelberg_graph(Profile::Car);
        for point in &fine {
            let snapped = roadnet::snap(graph, point.position, Meters(1.0)).unwrap();
            assert!(snapped.distance.0 < 0.5, "road points lie on roads");
        }
        assert_eq!(points(250.0), fine, "deterministic");
    }

    #[test]
    fn travel_times_match_the_dijkstra_reference_and_drop_pairs_beyond_the_cutoff() {
        let graph = fixtures::heidelberg_graph(Profile::Car);
        let snaps: Vec<Snap> = points(1500.0)
            .iter()
            .map(|p| roadnet::snap(graph, p.position, Meters(1.0)).unwrap())
            .collect();
        let sites = &snaps[..5];
        let travel = travel_times(graph, sites, &snaps, Seconds(400.0));
        assert!(travel.iter().all(|&(_, _, seconds)| seconds.0 <= 400.0));
        for (site_index, site) in sites.iter().enumerate() {
            let nearest = roadnet::nearest_station(graph, std::slice::from_ref(site), &snaps);
            for (demand, found) in nearest.iter().enumerate() {
                let listed = travel
                    .iter()
                    .find(|&&(d, s, _)| d == demand && s == site_index)
                    .map(|&(_, _, seconds)| seconds.0);
                let reference = found.map(|found| found.seconds.0).filter(|&t| t <= 400.0);
                assert_eq!(listed, reference, "site {site_index} demand {demand}");
            }
        }
    }
}
