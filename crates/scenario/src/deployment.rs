//! Deployments (警力部署): where the workstations are, which units each has, the patrol grids they
//! walk or drive, and the key places and must-visit points; generated from a seed for any city
//! graph, and written to and read from a TOML file.

use crate::error::ScenarioError;
use dispatch::{
    Capability, Unit, UnitId, UnitKind, Workstation, WorkstationCategory, WorkstationId,
};
use measure::{LonLat, Meters};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roadnet::{nearest_station, snap, Profile, ProfileGraph, RoadNetwork, Snap};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

/// A patrol grid (巡逻网格), e.g. "G-07-12".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PatrolGridId(pub String);

impl fmt::Display for PatrolGridId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A square patrol grid, bounded by meridians and parallels, guarded by one workstation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatrolGrid {
    pub id: PatrolGridId,
    pub workstation: WorkstationId,
    pub south_west: LonLat,
    pub north_east: LonLat,
}

impl PatrolGrid {
    pub fn contains(&self, point: LonLat) -> bool {
        (self.south_west.lon..self.north_east.lon).contains(&point.lon)
            && (self.south_west.lat..self.north_east.lat).contains(&point.lat)
    }

    /// Where a unit patrolling the grid waits between calls.
    pub fn centre(&self) -> LonLat {
        LonLat {
            lon: (self.south_west.lon + self.north_east.lon) / 2.0,
            lat: (self.south_west.lat + self.north_east.lat) / 2.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPlaceKind {
    /// 重点部位: a place that needs protection (station, school, market).
    KeyPlace,
    /// 必巡点: a point every patrol shift must pass.
    MustVisit,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyPlace {
    pub id: String,
    pub name: String,
    pub kind: KeyPlaceKind,
    pub location: LonLat,
}

/// A unit as deployed: its kind, home workstation and, for patrols, its grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitPlan {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    pub home: WorkstationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<PatrolGridId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<Capability>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub name: String,
    pub workstations: Vec<Workstation>,
    pub units: Vec<UnitPlan>,
    #[serde(default)]
    pub grids: Vec<PatrolGrid>,
    #[serde(default)]
    pub key_places: Vec<KeyPlace>,
}

impl Deployment {
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a deployment always serialises to TOML")
    }

    /// Parses and checks a deployment; `source_name` (usually the file) appears in every error.
    pub fn from_toml(text: &str, source_name: &str) -> Result<Deployment, ScenarioError> {
        let problem = |problem: String| ScenarioError::Deployment {
            source_name: source_name.to_string(),
            problem,
        };
        let deployment: Deployment =
            toml::from_str(text).map_err(|error| problem(error.to_string().trim().to_string()))?;
        deployment.check().map_err(problem)?;
        Ok(deployment)
    }

    /// Every reference resolves and every id is unique.
    pub fn check(&self) -> Result<(), String> {
        if self.workstations.is_empty() {
            return Err("no [[workstations]]; a deployment needs at least one".to_string());
        }
        let mut stations = BTreeSet::new();
        for station in &self.workstations {
            if !stations.insert(&station.id) {
                return Err(format!("workstation '{}' is listed twice", station.id));
            }
        }
        let mut grids = BTreeSet::new();
        for grid in &self.grids {
            if !grids.insert(&grid.id) {
                return Err(format!("patrol grid '{}' is listed twice", grid.id));
            }
            if !stations.contains(&grid.workstation) {
                return Err(format!(
                    "patrol grid '{}' belongs to workstation '{}', which is not in [[workstations]]",
                    grid.id, grid.workstation
                ));
            }
            if grid.south_west.lon >= grid.north_east.lon
                || grid.south_west.lat >= grid.north_east.lat
            {
                return Err(format!(
                    "patrol grid '{}' has south_west {} not south-west of north_east {}",
                    grid.id, grid.south_west, grid.north_east
                ));
            }
        }
        let mut units = BTreeSet::new();
        for unit in &self.units {
            if !units.insert(&unit.id) {
                return Err(format!("unit '{}' is listed twice", unit.id));
            }
            if !stations.contains(&unit.home) {
                return Err(format!(
                    "unit '{}' has home '{}', which is not in [[workstations]]",
                    unit.id, unit.home
                ));
            }
            if let Some(grid) = &unit.grid {
                if !grids.contains(grid) {
                    return Err(format!(
                        "unit '{}' patrols grid '{}', which is not in [[grids]]",
                        unit.id, grid
                    ));
                }
            }
        }
        for place in self
            .workstations
            .iter()
            .map(|s| s.location)
            .chain(self.key_places.iter().map(|p| p.location))
        {
            LonLat::new(place.lon, place.lat).map_err(|error| error.to_string())?;
        }
        Ok(())
    }

    /// The units as the dispatch core knows them, available and without a position yet.
    pub fn dispatch_units(&self) -> Vec<Unit> {
        self.units
            .iter()
            .map(|plan| {
                Unit::new(
                    plan.id.clone(),
                    plan.name.clone(),
                    plan.kind,
                    plan.home.clone(),
                    plan.capabilities.iter().copied(),
                )
            })
            .collect()
    }

    pub fn workstation_index(&self, id: &WorkstationId) -> Option<usize> {
        self.workstations.iter().position(|s| &s.id == id)
    }

    pub fn grid_index(&self, id: &PatrolGridId) -> Option<usize> {
        self.grids.iter().position(|g| &g.id == id)
    }

    /// The grid holding `point`, if any.
    pub fn grid_of(&self, point: LonLat) -> Option<usize> {
        self.grids.iter().position(|grid| grid.contains(point))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentOptions {
    pub name: String,
    pub n_workstations: usize,
    pub n_units: usize,
    /// Side of a square patrol grid.
    pub grid_size: Meters,
    /// A grid cell with fewer car-road nodes is countryside and gets no grid.
    pub min_nodes_per_grid: usize,
    /// Existing workstations, `(id, name, location)`: used as given instead of placing
    /// `n_workstations` new ones.
    pub existing_workstations: Vec<(String, String, LonLat)>,
}

impl Default for DeploymentOptions {
    fn default() -> Self {
        DeploymentOptions {
            name: "generated".to_string(),
            n_workstations: 10,
            n_units: 50,
            grid_size: Meters(500.0),
            min_nodes_per_grid: 15,
            existing_workstations: Vec::new(),
        }
    }
}

/// Largest sample of road nodes the workstation clustering looks at.
const CLUSTER_SAMPLE: usize = 20_000;
const CLUSTER_ROUNDS: usize = 20;
/// A workstation must lie this close to a road of every profile.
const STATION_SNAP: Meters = Meters(100.0);

struct Cell {
    row: i64,
    column: i64,
    n_nodes: usize,
    /// The node nearest the cell's centre, and its squared distance.
    central_node: (u32, f64),
}

/// A believable deployment for the city: workstations at the centres of road density (weighted
/// k-means on car-road nodes, so the built-up area gets them), units of every kind spread over
/// them, square patrol grids over the built-up cells, each guarded by the workstation nearest by
/// road, and key places and must-visit points in the busiest grids.
pub fn generate_deployment(
    network: &RoadNetwork,
    options: &DeploymentOptions,
    seed: u64,
) -> Result<Deployment, ScenarioError> {
    for (what, min, max, got) in [
        ("workstations", 1, 200, options.n_workstations),
        ("units", 1, 10_000, options.n_units),
    ] {
        if !(min..=max).contains(&got) {
            return Err(ScenarioError::OutOfRange {
                what,
                min,
                max,
                got,
            });
        }
    }
    let graph = network.graph(Profile::Car)?;
    let n_nodes = graph.node_count();
    if n_nodes < options.n_workstations * 10 {
        return Err(ScenarioError::GraphTooSmall {
            profile: Profile::Car,
            nodes: n_nodes,
            wanted: options.n_workstations,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let projection = graph.projection();
    let xy: Vec<[f64; 2]> = (0..n_nodes as u32)
        .map(|v| projection.to_xy(graph.position(v)))
        .collect();
    let cells = built_up_cells(&xy, options);
    let size = options.grid_size.0;
    let built_up: BTreeSet<(i64, i64)> = cells.iter().map(|c| (c.row, c.column)).collect();
    // Workstations stand in the built-up area, on a node every profile's roads reach.
    let on_every_map = |v: u32| {
        let point = graph.position(v);
        network
            .graphs()
            .iter()
            .all(|g| snap(g, point, STATION_SNAP).is_ok())
    };
    let eligible: Vec<u32> = (0..n_nodes as u32)
        .filter(|&v| {
            let p = xy[v as usize];
            built_up.contains(&((p[1] / size).floor() as i64, (p[0] / size).floor() as i64))
        })
        .collect();
    let mut sample: Vec<u32> =
        rand::seq::index::sample(&mut rng, eligible.len(), CLUSTER_SAMPLE.min(eligible.len()))
            .into_iter()
            .map(|i| eligible[i])
            .filter(|&v| on_every_map(v))
            .collect();
    sample.sort_unstable();
    if sample.len() < options.n_workstations * 10 {
        return Err(ScenarioError::GraphTooSmall {
            profile: Profile::Car,
            nodes: sample.len(),
            wanted: options.n_workstations,
        });
    }

    let category = |index: usize| {
        if index < 2 {
            WorkstationCategory::CounterTerror
        } else {
            WorkstationCategory::PublicSecurityPatrol
        }
    };
    let workstations: Vec<Workstation> = if options.existing_workstations.is_empty() {
        let mut station_nodes = cluster_centres(&xy, &sample, options.n_workstations, &mut rng);
        let mean = mean_xy(sample.iter().map(|&v| xy[v as usize]));
        station_nodes.sort_by(|&a, &b| {
            distance_2(xy[a as usize], mean).total_cmp(&distance_2(xy[b as usize], mean))
        });
        station_nodes
            .iter()
            .enumerate()
            .map(|(index, &node)| Workstation {
                id: WorkstationId(format!("WS-{:02}", index + 1)),
                name: format!(
                    "Workstation {} ({})",
                    index + 1,
                    street_at(network, graph, node)
                ),
                category: category(index),
                location: graph.position(node),
                jurisdiction: None,
                staffing: 8,
            })
            .collect()
    } else {
        options
            .existing_workstations
            .iter()
            .enumerate()
            .map(|(index, (id, name, location))| Workstation {
                id: WorkstationId(id.clone()),
                name: name.clone(),
                category: category(index),
                location: *location,
                jurisdiction: None,
                staffing: 8,
            })
            .collect()
    };
    let mut station_snaps: Vec<Snap> = Vec::with_capacity(workstations.len());
    for station in &workstations {
        let snapped =
            snap(graph, station.location, roadnet::DEFAULT_MAX_SNAP).map_err(|error| {
                ScenarioError::Deployment {
                    source_name: "existing workstations".to_string(),
                    problem: format!("workstation '{}': {error}", station.id),
                }
            })?;
        station_snaps.push(snapped);
    }
    let cell_snaps: Vec<Snap> = cells
        .iter()
        .map(|cell| {
            snap(graph, graph.position(cell.central_node.0), Meters(50.0))
                .expect("a cell's central node is a road node")
        })
        .collect();
    let nearest = nearest_station(graph, &station_snaps, &cell_snaps);
    // Grids are numbered by row (south to north) and column (west to east) from 1.
    let first_row = cells.iter().map(|c| c.row).min().unwrap_or(0);
    let first_column = cells.iter().map(|c| c.column).min().unwrap_or(0);
    let mut grids = Vec::with_capacity(cells.len());
    for (cell, nearest) in cells.iter().zip(&nearest) {
        let station = nearest.map_or(0, |n| n.station);
        grids.push(PatrolGrid {
            id: PatrolGridId(format!(
                "G-{:02}-{:02}",
                cell.row - first_row + 1,
                cell.column - first_column + 1
            )),
            workstation: workstations[station].id.clone(),
            south_west: projection.to_lonlat([cell.column as f64 * size, cell.row as f64 * size]),
            north_east: projection.to_lonlat([
                (cell.column + 1) as f64 * size,
                (cell.row + 1) as f64 * size,
            ]),
        });
    }

    let units = plan_units(&workstations, &grids, &cells, options.n_units);

    let mut busiest: Vec<usize> = (0..cells.len()).collect();
    busiest.sort_by_key(|&index| std::cmp::Reverse(cells[index].n_nodes));
    let key_places = busiest
        .iter()
        .take(20)
        .enumerate()
        .map(|(rank, &index)| {
            let node = cells[index].central_node.0;
            let (kind, label, number) = if rank < 8 {
                (KeyPlaceKind::KeyPlace, "Key place", rank + 1)
            } else {
                (KeyPlaceKind::MustVisit, "Must-visit point", rank - 7)
            };
            KeyPlace {
                id: format!("{}-{:02}", if rank < 8 { "KP" } else { "MV" }, number),
                name: format!("{label} {number} ({})", street_at(network, graph, node)),
                kind,
                location: graph.position(node),
            }
        })
        .collect();

    Ok(Deployment {
        name: options.name.clone(),
        workstations,
        units,
        grids,
        key_places,
    })
}

fn distance_2(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)
}

fn mean_xy(points: impl Iterator<Item = [f64; 2]>) -> [f64; 2] {
    let (mut sum, mut n) = ([0.0f64, 0.0], 0.0f64);
    for p in points {
        sum[0] += p[0];
        sum[1] += p[1];
        n += 1.0;
    }
    [sum[0] / n.max(1.0), sum[1] / n.max(1.0)]
}

/// k-means++ then Lloyd rounds on the sampled nodes; each centre ends on its nearest sampled node,
/// so a workstation always stands on a road.
fn cluster_centres(xy: &[[f64; 2]], sample: &[u32], k: usize, rng: &mut ChaCha8Rng) -> Vec<u32> {
    let points: Vec<[f64; 2]> = sample.iter().map(|&v| xy[v as usize]).collect();
    let mut centres = vec![points[rng.gen_range(0..points.len())]];
    let mut nearest_2: Vec<f64> = points.iter().map(|&p| distance_2(p, centres[0])).collect();
    while centres.len() < k {
        let total: f64 = nearest_2.iter().sum();
        let mut pick = rng.gen::<f64>() * total;
        let mut chosen = points.len() - 1;
        for (index, &d) in nearest_2.iter().enumerate() {
            if pick < d {
                chosen = index;
                break;
            }
            pick -= d;
        }
        let centre = points[chosen];
        centres.push(centre);
        for (d, &p) in nearest_2.iter_mut().zip(&points) {
            *d = d.min(distance_2(p, centre));
        }
    }
    let nearest_centre = |p: [f64; 2], centres: &[[f64; 2]]| {
        (0..centres.len())
            .min_by(|&a, &b| distance_2(p, centres[a]).total_cmp(&distance_2(p, centres[b])))
            .expect("k >= 1")
    };
    for _ in 0..CLUSTER_ROUNDS {
        let mut sums = vec![([0.0, 0.0], 0usize); k];
        for &p in &points {
            let c = nearest_centre(p, &centres);
            sums[c].0[0] += p[0];
            sums[c].0[1] += p[1];
            sums[c].1 += 1;
        }
        for (centre, (sum, n)) in centres.iter_mut().zip(sums) {
            if n > 0 {
                *centre = [sum[0] / n as f64, sum[1] / n as f64];
            }
        }
    }
    let mut used = BTreeSet::new();
    centres
        .iter()
        .map(|&centre| {
            let node = sample
                .iter()
                .copied()
                .filter(|v| !used.contains(v))
                .min_by(|&a, &b| {
                    distance_2(xy[a as usize], centre)
                        .total_cmp(&distance_2(xy[b as usize], centre))
                })
                .expect("the sample has more nodes than centres");
            used.insert(node);
            node
        })
        .collect()
}

fn built_up_cells(xy: &[[f64; 2]], options: &DeploymentOptions) -> Vec<Cell> {
    let size = options.grid_size.0;
    let mut cells: BTreeMap<(i64, i64), Cell> = BTreeMap::new();
    for (node, p) in xy.iter().enumerate() {
        let (row, column) = ((p[1] / size).floor() as i64, (p[0] / size).floor() as i64);
        let centre = [(column as f64 + 0.5) * size, (row as f64 + 0.5) * size];
        let d = distance_2(*p, centre);
        let cell = cells.entry((row, column)).or_insert(Cell {
            row,
            column,
            n_nodes: 0,
            central_node: (node as u32, d),
        });
        cell.n_nodes += 1;
        if d < cell.central_node.1 {
            cell.central_node = (node as u32, d);
        }
    }
    cells
        .into_values()
        .filter(|cell| cell.n_nodes >= options.min_nodes_per_grid)
        .collect()
}

fn street_at(network: &RoadNetwork, graph: &ProfileGraph, node: u32) -> String {
    graph
        .out_edges(node)
        .chain(graph.in_edges(node).map(|(_, edge)| edge))
        .map(|edge| &network.road(graph.edge_road(edge)).name)
        .find(|name| !name.is_empty())
        .cloned()
        .unwrap_or_else(|| format!("node {node}"))
}

/// How many units of each kind `n_units` makes: mostly patrol cars, a SWAT team per
/// counter-terror workstation, armed cars, traffic motorcycles, foot and volunteer patrols.
fn kind_counts(n_units: usize, n_counter_terror: usize) -> Vec<(UnitKind, usize)> {
    let share = |fraction: f64| (n_units as f64 * fraction).round() as usize;
    let swat = if n_units >= 20 { n_counter_terror } else { 0 };
    let mut counts = vec![
        (UnitKind::SwatTeam, swat),
        (UnitKind::ArmedPatrolCar, share(0.12)),
        (UnitKind::TrafficMotorcycle, share(0.15)),
        (UnitKind::FootPatrol, share(0.18)),
        (UnitKind::VolunteerPatrol, share(0.10)),
    ];
    let others: usize = counts.iter().map(|(_, n)| n).sum();
    counts.insert(
        0,
        (UnitKind::PatrolCar, n_units.saturating_sub(others).max(1)),
    );
    let mut total: usize = counts.iter().map(|(_, n)| n).sum();
    for (_, n) in counts.iter_mut().rev() {
        while total > n_units && *n > 0 {
            *n -= 1;
            total -= 1;
        }
    }
    counts
}

fn plan_units(
    workstations: &[Workstation],
    grids: &[PatrolGrid],
    cells: &[Cell],
    n_units: usize,
) -> Vec<UnitPlan> {
    let counter_terror: Vec<usize> = (0..workstations.len())
        .filter(|&i| workstations[i].category == WorkstationCategory::CounterTerror)
        .collect();
    let mut grids_of: HashMap<&WorkstationId, Vec<usize>> = HashMap::new();
    for (index, grid) in grids.iter().enumerate() {
        grids_of.entry(&grid.workstation).or_default().push(index);
    }
    for list in grids_of.values_mut() {
        list.sort_by_key(|&index| std::cmp::Reverse(cells[index].n_nodes));
    }
    let mut next_grid: HashMap<&WorkstationId, usize> = HashMap::new();
    let mut units = Vec::with_capacity(n_units);
    let mut next_station = 0;
    for (kind, count) in kind_counts(n_units, counter_terror.len()) {
        for number in 1..=count {
            let station = if kind == UnitKind::SwatTeam {
                counter_terror[(number - 1) % counter_terror.len()]
            } else {
                next_station = (next_station + 1) % workstations.len();
                next_station
            };
            let home = &workstations[station].id;
            let patrols = !matches!(kind, UnitKind::SwatTeam | UnitKind::ArmedPatrolCar);
            let grid = grids_of.get(home).filter(|_| patrols).map(|list| {
                let slot = next_grid.entry(home).or_default();
                let grid = list[*slot % list.len()];
                *slot += 1;
                grids[grid].id.clone()
            });
            let kind_name = kind.name();
            let mut title = kind_name.to_string();
            title[..1].make_ascii_uppercase();
            units.push(UnitPlan {
                id: UnitId(format!("U-{:03}", units.len() + 1)),
                name: format!("{title} {number} ({home})"),
                kind,
                home: home.clone(),
                grid,
                capabilities: Vec::new(),
            });
        }
    }
    units
}
