//! Deployments (警力部署): where the workstations are, which units each has, the patrol grids they
//! walk or drive, and the places they guard (key places, must-visit points, must-patrol lines);
//! generated from a seed for any city graph, and written to and read from a TOML file.

use crate::error::ScenarioError;
use crate::lattice::{self, Cell};
use dispatch::{
    Capability, Place, PlaceKind, PlaceShape, Unit, UnitId, UnitKind, Workstation,
    WorkstationCategory, WorkstationId,
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
#[serde(deny_unknown_fields)]
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

/// A key place as files before [`Place`] wrote it: `kind = "key_place"` or `"must_visit"` and a
/// `location`. Read so that old deployment files keep working; a key place becomes a key unit.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct LegacyKeyPlace {
    id: String,
    name: String,
    kind: LegacyKeyPlaceKind,
    location: LonLat,
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum LegacyKeyPlaceKind {
    KeyPlace,
    MustVisit,
}

impl From<LegacyKeyPlace> for Place {
    fn from(old: LegacyKeyPlace) -> Place {
        Place {
            id: old.id,
            name: old.name,
            kind: match old.kind {
                LegacyKeyPlaceKind::KeyPlace => PlaceKind::KeyUnit,
                LegacyKeyPlaceKind::MustVisit => PlaceKind::MustVisit,
            },
            shape: PlaceShape::Point(old.location),
        }
    }
}

/// A unit as deployed: its kind, home workstation and, for patrols, its grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[serde(from = "DeploymentFile")]
pub struct Deployment {
    pub name: String,
    pub workstations: Vec<Workstation>,
    pub units: Vec<UnitPlan>,
    pub grids: Vec<PatrolGrid>,
    /// Key places (crowded places, key units, vital sites), must-visit points and must-patrol
    /// lines.
    pub places: Vec<Place>,
}

/// A deployment as a file holds it: `places`, or `key_places` in files written before places.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeploymentFile {
    name: String,
    workstations: Vec<Workstation>,
    units: Vec<UnitPlan>,
    #[serde(default)]
    grids: Vec<PatrolGrid>,
    #[serde(default)]
    places: Vec<Place>,
    #[serde(default)]
    key_places: Vec<LegacyKeyPlace>,
}

impl From<DeploymentFile> for Deployment {
    fn from(file: DeploymentFile) -> Deployment {
        let mut places = file.places;
        places.extend(file.key_places.into_iter().map(Place::from));
        Deployment {
            name: file.name,
            workstations: file.workstations,
            units: file.units,
            grids: file.grids,
            places,
        }
    }
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
            toml::from_str(text).map_err(|error| problem(toml_problem(text, &error)))?;
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
        let mut places = BTreeSet::new();
        for place in &self.places {
            if !places.insert(&place.id) {
                return Err(format!("place '{}' is listed twice", place.id));
            }
            place.check().map_err(|error| error.to_string())?;
        }
        for point in self.workstations.iter().map(|s| s.location).chain(
            self.places
                .iter()
                .flat_map(|p| p.shape.points().iter().copied()),
        ) {
            LonLat::new(point.lon, point.lat).map_err(|error| error.to_string())?;
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

/// A lattice square of `grid_size` and the car-road nodes in it.
#[derive(Debug)]
struct LatticeCell {
    row: i64,
    column: i64,
    n_nodes: usize,
    /// The node nearest the cell's centre, and its squared distance.
    central_node: (u32, f64),
}

/// A believable deployment for the city: workstations at the centres of road density (weighted
/// k-means on car-road nodes, so the built-up area gets them), units of every kind spread over
/// them, square patrol grids over the built-up cells, each guarded by the workstation nearest by
/// road and then reassigned so that each workstation's grids are one piece without holes (cells
/// a sector encloses become its grids, even without roads; see [`Deployment::jurisdictions`]),
/// key places and must-visit points in the busiest grids, and must-patrol lines along the roads
/// between them.
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
        // Two workstations on one street are told apart by number: 滨河大道2号警务站.
        let mut on_street: BTreeMap<String, usize> = BTreeMap::new();
        station_nodes
            .iter()
            .enumerate()
            .map(|(index, &node)| Workstation {
                id: WorkstationId(format!("WS-{:02}", index + 1)),
                name: match street_at(network, graph, node) {
                    Some(street) => {
                        let count = on_street.entry(street.clone()).or_default();
                        *count += 1;
                        match *count {
                            1 => street_and(&street, "警务站"),
                            n => street_and(&street, &format!("{n}号警务站")),
                        }
                    }
                    None => format!("{}号警务站", index + 1),
                },
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
    let mut owner: BTreeMap<Cell, usize> = cells
        .iter()
        .zip(&nearest)
        .map(|(cell, nearest)| ((cell.row, cell.column), nearest.map_or(0, |n| n.station)))
        .collect();
    // A sector's main piece is the one holding its workstation.
    let anchors: Vec<Option<Cell>> = workstations
        .iter()
        .map(|station| {
            let p = projection.to_xy(station.location);
            Some(((p[1] / size).floor() as i64, (p[0] / size).floor() as i64))
        })
        .collect();
    lattice::repair_sectors(&mut owner, &anchors);
    let built_up_nodes: BTreeMap<Cell, usize> = cells
        .iter()
        .map(|cell| ((cell.row, cell.column), cell.n_nodes))
        .collect();
    // Grids are numbered by row (south to north) and column (west to east) from 1.
    let first_row = owner.keys().map(|c| c.0).min().unwrap_or(0);
    let first_column = owner.keys().map(|c| c.1).min().unwrap_or(0);
    let mut grids = Vec::with_capacity(owner.len());
    // Road nodes of each grid's cell; 0 for a cell added only to close a sector's outline.
    let mut patrol_weights = Vec::with_capacity(owner.len());
    for (&(row, column), &station) in &owner {
        grids.push(PatrolGrid {
            id: PatrolGridId(format!(
                "G-{:02}-{:02}",
                row - first_row + 1,
                column - first_column + 1
            )),
            workstation: workstations[station].id.clone(),
            south_west: projection.to_lonlat([column as f64 * size, row as f64 * size]),
            north_east: projection.to_lonlat([(column + 1) as f64 * size, (row + 1) as f64 * size]),
        });
        patrol_weights.push(built_up_nodes.get(&(row, column)).copied().unwrap_or(0));
    }

    let units = plan_units(&workstations, &grids, &patrol_weights, options.n_units);

    let mut busiest: Vec<&LatticeCell> = cells
        .iter()
        .filter(|cell| owner.contains_key(&(cell.row, cell.column)))
        .collect();
    busiest.sort_by_key(|cell| (std::cmp::Reverse(cell.n_nodes), cell.central_node.0));
    let places = generate_places(network, graph, &busiest);

    Ok(Deployment {
        name: options.name.clone(),
        workstations,
        units,
        grids,
        places,
    })
}

/// How many places of each point kind a deployment gets, taken in turn from the busiest cells.
const POINT_PLACES: [(PlaceKind, &str, usize); 4] = [
    (PlaceKind::CrowdedPlace, "CP", 6),
    (PlaceKind::KeyUnit, "KU", 6),
    (PlaceKind::VitalSite, "VS", 4),
    (PlaceKind::MustVisit, "MV", 8),
];
const MUST_PATROL_LINES: usize = 5;
/// A must-patrol line is a road route this long.
const MUST_PATROL_LENGTH: std::ops::RangeInclusive<f64> = 500.0..=2000.0;

fn place_name(kind: PlaceKind, street: Option<String>, number: usize) -> String {
    let suffixes: &[&str] = match kind {
        PlaceKind::CrowdedPlace => &["广场", "商业街", "车站", "农贸市场", "购物中心", "步行街"],
        PlaceKind::KeyUnit => &[
            "小学",
            "人民医院",
            "中学",
            "政务服务中心",
            "银行网点",
            "幼儿园",
        ],
        PlaceKind::VitalSite => &["变电站", "自来水厂", "通信枢纽", "燃气调压站"],
        PlaceKind::MustVisit => &["必到点"],
        PlaceKind::MustPatrol => &["必巡线"],
    };
    let suffix = suffixes[(number - 1) % suffixes.len()];
    match street {
        Some(street) => street_and(&street, suffix),
        None => format!("{number}号{suffix}"),
    }
}

/// A street name and a Chinese suffix: written together after a Chinese name (滨河大道广场), with a
/// space after a Latin one (Klingenteichstraße 广场), so the two scripts do not run together.
fn street_and(street: &str, suffix: &str) -> String {
    let latin_end = street
        .chars()
        .last()
        .is_some_and(|last| last.is_alphanumeric() && !is_cjk(last));
    if latin_end {
        format!("{street} {suffix}")
    } else {
        format!("{street}{suffix}")
    }
}

fn is_cjk(character: char) -> bool {
    matches!(character, '\u{2E80}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FF00}'..='\u{FFEF}')
}

/// Key places and must-visit points at the central road nodes of the busiest cells, named after
/// their street; must-patrol lines as car routes of 0.5–2 km between busy cells.
fn generate_places(
    network: &RoadNetwork,
    graph: &ProfileGraph,
    busiest: &[&LatticeCell],
) -> Vec<Place> {
    let mut places: Vec<Place> = Vec::new();
    let mut names = BTreeSet::new();
    // One street may hold two places of a kind; the id tells them apart.
    let mut unique = |name: String, id: &str| {
        if names.insert(name.clone()) {
            name
        } else {
            format!("{name} {id}")
        }
    };
    let mut next_cell = busiest.iter();
    for (kind, prefix, count) in POINT_PLACES {
        for number in 1..=count {
            let Some(cell) = next_cell.next() else {
                break;
            };
            let node = cell.central_node.0;
            let id = format!("{prefix}-{number:02}");
            places.push(Place {
                name: unique(
                    place_name(kind, street_at(network, graph, node), number),
                    &id,
                ),
                id,
                kind,
                shape: PlaceShape::Point(graph.position(node)),
            });
        }
    }
    let starts = busiest.iter().take(MUST_PATROL_LINES * 4);
    let mut used_starts = BTreeSet::new();
    for start in starts {
        if places
            .iter()
            .filter(|p| p.kind == PlaceKind::MustPatrol)
            .count()
            == MUST_PATROL_LINES
        {
            break;
        }
        let from_node = start.central_node.0;
        if used_starts.contains(&from_node) {
            continue;
        }
        let from = graph.position(from_node);
        // The nearest busy cell 700 m or more away, so the route runs 0.5-2 km.
        let Some(end) = busiest
            .iter()
            .filter(|end| !used_starts.contains(&end.central_node.0))
            .map(|end| (graph.position(end.central_node.0).distance_to(from).0, end))
            .filter(|(distance, _)| (700.0..1400.0).contains(distance))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, end)| end)
        else {
            continue;
        };
        let to_node = end.central_node.0;
        let snap_node = |node: u32| {
            snap(graph, graph.position(node), Meters(1.0)).expect("a node lies on its road")
        };
        let Some(road_route) = roadnet::route(graph, &snap_node(from_node), &snap_node(to_node))
        else {
            continue;
        };
        if !MUST_PATROL_LENGTH.contains(&road_route.meters.0) || road_route.geometry.len() < 2 {
            continue;
        }
        used_starts.insert(from_node);
        used_starts.insert(to_node);
        let number = places
            .iter()
            .filter(|p| p.kind == PlaceKind::MustPatrol)
            .count()
            + 1;
        let (from_street, to_street) = (
            street_at(network, graph, from_node),
            street_at(network, graph, to_node),
        );
        let streets = match (from_street, to_street) {
            (Some(from), Some(to)) if from != to => format!("{from}—{to}"),
            (Some(street), _) | (None, Some(street)) => street,
            (None, None) => format!("{number}号"),
        };
        let id = format!("MP-{number:02}");
        places.push(Place {
            name: unique(
                place_name(PlaceKind::MustPatrol, Some(streets), number),
                &id,
            ),
            id,
            kind: PlaceKind::MustPatrol,
            shape: PlaceShape::Line(road_route.geometry),
        });
    }
    places
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

fn built_up_cells(xy: &[[f64; 2]], options: &DeploymentOptions) -> Vec<LatticeCell> {
    let size = options.grid_size.0;
    let mut cells: BTreeMap<Cell, LatticeCell> = BTreeMap::new();
    for (node, p) in xy.iter().enumerate() {
        let (row, column) = ((p[1] / size).floor() as i64, (p[0] / size).floor() as i64);
        let centre = [(column as f64 + 0.5) * size, (row as f64 + 0.5) * size];
        let d = distance_2(*p, centre);
        let cell = cells.entry((row, column)).or_insert(LatticeCell {
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

/// Road nodes the street search looks at before it gives up and names the node.
const STREET_SEARCH: usize = 200;

/// The name of the nearest named road, searching outward from `node` over the roads; service
/// roads and paths often have no name, and some extracts none at all.
fn street_at(network: &RoadNetwork, graph: &ProfileGraph, node: u32) -> Option<String> {
    let mut seen = BTreeSet::from([node]);
    let mut queue = std::collections::VecDeque::from([node]);
    while let Some(at) = queue.pop_front() {
        let edges: Vec<usize> = graph
            .out_edges(at)
            .chain(graph.in_edges(at).map(|(_, edge)| edge))
            .collect();
        if let Some(name) = edges
            .iter()
            .map(|&edge| &network.road(graph.edge_road(edge)).name)
            .find(|name| !name.is_empty())
        {
            return Some(name.clone());
        }
        for next in graph
            .out_edges(at)
            .map(|edge| graph.edge_head(edge))
            .chain(graph.in_edges(at).map(|(tail, _)| tail))
        {
            if seen.len() < STREET_SEARCH && seen.insert(next) {
                queue.push_back(next);
            }
        }
    }
    None
}

/// What a command centre calls a unit of this kind on the radio.
fn call_sign(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::PatrolCar => "巡逻车",
        UnitKind::ArmedPatrolCar => "武装巡逻车",
        UnitKind::SwatTeam => "特警队",
        UnitKind::TrafficMotorcycle => "铁骑",
        UnitKind::FootPatrol => "步巡组",
        UnitKind::Drone => "无人机",
        UnitKind::VolunteerPatrol => "群防群治队",
    }
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

/// `patrol_weights` ranks each grid for patrols (its road nodes); a grid of weight 0 gets a
/// patrol only when its workstation has no other grid.
fn plan_units(
    workstations: &[Workstation],
    grids: &[PatrolGrid],
    patrol_weights: &[usize],
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
        list.sort_by_key(|&index| std::cmp::Reverse(patrol_weights[index]));
        if patrol_weights[list[0]] > 0 {
            list.retain(|&index| patrol_weights[index] > 0);
        }
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
            units.push(UnitPlan {
                id: UnitId(format!("U-{:03}", units.len() + 1)),
                name: format!("{}{number}号 ({home})", call_sign(kind)),
                kind,
                home: home.clone(),
                grid,
                capabilities: Vec::new(),
            });
        }
    }
    units
}

/// A TOML error on one line: where (line and column of the offending key or value) and what,
/// with the nearest valid name for a misspelt key.
fn toml_problem(text: &str, error: &toml::de::Error) -> String {
    let message = formats::suggest::explain_unknown_name(error.message().trim());
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .map_or(0, |tail| tail.chars().count())
                + 1;
            format!("line {line} column {column}: {message}")
        }
        None => message,
    }
}
