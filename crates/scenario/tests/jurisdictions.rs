//! The jurisdiction tree and the places of deployments generated on the real Heidelberg network:
//! the tree adds up, locates every grid through the full chain, and its areas are simple rings
//! that do not overlap; every place kind is there and must-patrol lines run on roads.

use dispatch::{
    Jurisdiction, JurisdictionLevel, JurisdictionTree, PlaceKind, PlaceShape, WorkstationId,
};
use measure::{LonLat, Meters};
use scenario::*;
use std::collections::BTreeSet;

fn generated(n_workstations: usize, seed: u64) -> Deployment {
    let options = DeploymentOptions {
        n_workstations,
        ..DeploymentOptions::default()
    };
    generate_deployment(fixtures::heidelberg(), &options, seed).expect("Heidelberg is large enough")
}

/// Deployments of few, the default and many workstations: more of them cut the town finer, which
/// is where sectors fray.
fn deployments() -> Vec<Deployment> {
    vec![
        generated(3, 1),
        generated(10, 7),
        generated(10, 8),
        generated(30, 3),
    ]
}

fn tree_of(deployment: &Deployment) -> JurisdictionTree {
    let mut tree = JurisdictionTree::default();
    for node in deployment
        .jurisdictions()
        .expect("a generated deployment has a tree")
    {
        let id = node.id.clone();
        tree.add(node)
            .unwrap_or_else(|error| panic!("{}: adding {id}: {error}", deployment.name));
    }
    tree
}

fn level(tree: &JurisdictionTree, level: JurisdictionLevel) -> Vec<&Jurisdiction> {
    tree.iter().filter(|node| node.level == level).collect()
}

#[test]
fn every_grid_centre_locates_to_its_grid_through_the_full_chain() {
    for deployment in deployments() {
        let tree = tree_of(&deployment);
        let n_sectors = deployment
            .grids
            .iter()
            .map(|g| &g.workstation)
            .collect::<BTreeSet<&WorkstationId>>()
            .len();
        assert_eq!(
            level(&tree, JurisdictionLevel::Workstation).len(),
            n_sectors
        );
        assert_eq!(
            level(&tree, JurisdictionLevel::PatrolGrid).len(),
            deployment.grids.len()
        );
        let n_stations = level(&tree, JurisdictionLevel::PoliceStation).len();
        assert!(
            (n_sectors.div_ceil(4)..=n_sectors.div_ceil(2)).contains(&n_stations),
            "{n_stations} police stations for {n_sectors} sectors"
        );
        for grid in &deployment.grids {
            let chain = tree.locate(grid.centre());
            let levels: Vec<JurisdictionLevel> = chain.iter().map(|node| node.level).collect();
            assert_eq!(
                levels,
                [
                    JurisdictionLevel::PoliceStation,
                    JurisdictionLevel::Workstation,
                    JurisdictionLevel::PoliceOffice,
                    JurisdictionLevel::PatrolGrid
                ],
                "{}",
                grid.id
            );
            assert_eq!(chain[3].id.as_str(), grid.id.0);
            assert_eq!(chain[3].name, format!("网格 {}", grid.id));
            assert_eq!(chain[1].id, sector_id(&grid.workstation));
            assert!(chain[0].name.ends_with("派出所"), "{}", chain[0].name);
            assert!(chain[1].name.ends_with("警务站"), "{}", chain[1].name);
            assert!(chain[2].name.ends_with("警务室"), "{}", chain[2].name);
        }
    }
}

#[test]
fn large_sectors_get_two_police_offices() {
    let deployment = generated(3, 1);
    let tree = tree_of(&deployment);
    for sector in level(&tree, JurisdictionLevel::Workstation) {
        let offices: Vec<&Jurisdiction> = tree.children(&sector.id).collect();
        assert_eq!(
            offices.len(),
            2,
            "{} has {} offices",
            sector.id,
            offices.len()
        );
        let grids: Vec<usize> = offices
            .iter()
            .map(|office| tree.children(&office.id).count())
            .collect();
        let total: usize = grids.iter().sum();
        assert!(grids.iter().all(|&n| n * 3 >= total), "{grids:?}");
    }
}

/// True when segments a–b and c–d share a point.
fn segments_meet(a: LonLat, b: LonLat, c: LonLat, d: LonLat) -> bool {
    let cross = |o: LonLat, p: LonLat, q: LonLat| {
        (p.lon - o.lon) * (q.lat - o.lat) - (p.lat - o.lat) * (q.lon - o.lon)
    };
    let within = |o: LonLat, p: LonLat, q: LonLat| {
        q.lon >= o.lon.min(p.lon)
            && q.lon <= o.lon.max(p.lon)
            && q.lat >= o.lat.min(p.lat)
            && q.lat <= o.lat.max(p.lat)
    };
    let (d1, d2, d3, d4) = (
        cross(c, d, a),
        cross(c, d, b),
        cross(a, b, c),
        cross(a, b, d),
    );
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && within(c, d, a))
        || (d2 == 0.0 && within(c, d, b))
        || (d3 == 0.0 && within(a, b, c))
        || (d4 == 0.0 && within(a, b, d))
}

fn is_simple_ring(ring: &[LonLat]) -> bool {
    let n = ring.len();
    for i in 0..n {
        for j in i + 1..n {
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            if adjacent {
                continue;
            }
            if segments_meet(ring[i], ring[(i + 1) % n], ring[j], ring[(j + 1) % n]) {
                return false;
            }
        }
    }
    true
}

#[test]
fn the_ring_checker_sees_a_touch_and_a_crossing() {
    let p = |lon: f64, lat: f64| LonLat { lon, lat };
    assert!(is_simple_ring(&[
        p(0.0, 0.0),
        p(2.0, 0.0),
        p(2.0, 1.0),
        p(0.0, 1.0)
    ]));
    let bow_tie = [p(0.0, 0.0), p(2.0, 1.0), p(2.0, 0.0), p(0.0, 1.0)];
    assert!(!is_simple_ring(&bow_tie));
    // Two squares touching at the corner (1, 1), traced as one ring.
    let touching = [
        p(0.0, 0.0),
        p(1.0, 0.0),
        p(1.0, 1.0),
        p(2.0, 1.0),
        p(2.0, 2.0),
        p(1.0, 2.0),
        p(1.0, 1.0),
        p(0.0, 1.0),
    ];
    assert!(!is_simple_ring(&touching));
}

#[test]
fn areas_are_simple_rings_that_do_not_overlap() {
    for deployment in deployments() {
        let tree = tree_of(&deployment);
        for node in tree.iter() {
            assert!(
                is_simple_ring(node.area.ring()),
                "{} {}: {:?}",
                deployment.name,
                node.id,
                node.area.ring()
            );
        }
        let west = deployment
            .grids
            .iter()
            .map(|g| g.south_west.lon)
            .fold(f64::MAX, f64::min);
        let east = deployment
            .grids
            .iter()
            .map(|g| g.north_east.lon)
            .fold(f64::MIN, f64::max);
        let south = deployment
            .grids
            .iter()
            .map(|g| g.south_west.lat)
            .fold(f64::MAX, f64::min);
        let north = deployment
            .grids
            .iter()
            .map(|g| g.north_east.lat)
            .fold(f64::MIN, f64::max);
        let levels = [
            JurisdictionLevel::PoliceStation,
            JurisdictionLevel::Workstation,
            JurisdictionLevel::PoliceOffice,
        ];
        let by_level: Vec<Vec<&Jurisdiction>> = levels.iter().map(|&l| level(&tree, l)).collect();
        let steps = 240;
        let mut inside_grids = 0;
        for i in 0..steps {
            for j in 0..steps {
                // Off the lattice lines: a step is not a divisor of the grid size.
                let point = LonLat {
                    lon: west + (east - west) * (i as f64 + 0.37) / steps as f64,
                    lat: south + (north - south) * (j as f64 + 0.61) / steps as f64,
                };
                let grid = deployment.grid_of(point);
                for (level, nodes) in levels.iter().zip(&by_level) {
                    let holding: Vec<&&Jurisdiction> =
                        nodes.iter().filter(|n| n.area.contains(point)).collect();
                    match grid {
                        // A police station may take in the river its sectors surround.
                        None if *level == JurisdictionLevel::PoliceStation => {
                            assert!(holding.len() <= 1, "{point}: {level}")
                        }
                        None => assert!(
                            holding.is_empty(),
                            "{point} is in no grid but in {level} {}",
                            holding[0].id
                        ),
                        Some(_) => assert_eq!(holding.len(), 1, "{point}: {level}"),
                    }
                }
                if let Some(grid) = grid {
                    inside_grids += 1;
                    let grid = &deployment.grids[grid];
                    let sector = tree
                        .locate_level(point, JurisdictionLevel::Workstation)
                        .expect("checked: one sector holds it");
                    assert_eq!(sector.id, sector_id(&grid.workstation), "{point}");
                }
            }
        }
        assert!(inside_grids > steps * steps / 10, "{inside_grids}");
    }
}

#[test]
fn grids_of_a_workstation_are_one_piece_and_units_agree() {
    for deployment in deployments() {
        for unit in &deployment.units {
            if let Some(grid) = &unit.grid {
                let grid = &deployment.grids[deployment.grid_index(grid).unwrap()];
                assert_eq!(
                    grid.workstation, unit.home,
                    "{} patrols {}",
                    unit.id, grid.id
                );
            }
        }
        for station in &deployment.workstations {
            assert!(
                deployment.grids.iter().any(|g| g.workstation == station.id),
                "{} {} guards no grid",
                deployment.name,
                station.id
            );
        }
    }
}

#[test]
fn same_seed_gives_the_same_tree() {
    let tree = generated(10, 7).jurisdictions().unwrap();
    assert_eq!(tree, generated(10, 7).jurisdictions().unwrap());
    assert_ne!(tree, generated(10, 8).jurisdictions().unwrap());
}

#[test]
fn every_place_kind_appears_and_must_patrol_lines_run_on_roads() {
    let deployment = generated(10, 7);
    let kinds: BTreeSet<PlaceKind> = deployment.places.iter().map(|p| p.kind).collect();
    assert_eq!(kinds, PlaceKind::ALL.into_iter().collect());
    let graph = fixtures::heidelberg_graph(roadnet::Profile::Car);
    let on_road = |point: LonLat| {
        roadnet::snap(graph, point, Meters(50.0)).map_or(f64::MAX, |s| s.distance.0)
    };
    for place in &deployment.places {
        place.check().unwrap();
        match &place.shape {
            PlaceShape::Point(point) => {
                assert!(on_road(*point) < 1.0, "{} {}", place.id, place.name)
            }
            PlaceShape::Line(line) => {
                let length: f64 = line.windows(2).map(|w| w[0].distance_to(w[1]).0).sum();
                assert!(
                    (500.0..=2000.0).contains(&length),
                    "{} {length} m",
                    place.id
                );
                // Vertices and the middle of every segment lie on a road: the line follows
                // the roads rather than cutting across blocks.
                for pair in line.windows(2) {
                    let middle = LonLat {
                        lon: (pair[0].lon + pair[1].lon) / 2.0,
                        lat: (pair[0].lat + pair[1].lat) / 2.0,
                    };
                    for point in [pair[0], middle] {
                        assert!(on_road(point) < 1.0, "{} {point}", place.id);
                    }
                }
            }
        }
    }
    let names: BTreeSet<&str> = deployment.places.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), deployment.places.len(), "place names repeat");
    assert!(deployment
        .places
        .iter()
        .any(|p| p.kind == PlaceKind::MustPatrol && p.name.ends_with("必巡线")));
}

#[test]
fn grids_that_are_not_one_piece_are_refused() {
    let mut deployment = generated(10, 7);
    let cut_off = deployment.grids[0].workstation.clone();
    let other = deployment
        .grids
        .iter()
        .map(|g| g.workstation.clone())
        .find(|w| *w != cut_off)
        .unwrap();
    // Give every second grid of one workstation to another: neither is one piece any more.
    let mut n = 0;
    for grid in deployment
        .grids
        .iter_mut()
        .filter(|g| g.workstation == cut_off)
    {
        n += 1;
        if n % 2 == 0 {
            grid.workstation = other.clone();
        }
    }
    let message = deployment.jurisdictions().unwrap_err().to_string();
    assert!(
        message.contains("not one piece without holes") && message.contains("generated"),
        "{message}"
    );
}
