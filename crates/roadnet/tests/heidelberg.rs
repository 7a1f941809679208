//! The road engine on the real Heidelberg extract, checked against plain Dijkstra and against
//! facts of the map.

use measure::{LonLat, Meters, Seconds};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roadnet::dijkstra::{forward_search, Origin, ShortestPathTree};
use roadnet::graph::UNREACHABLE;
use roadnet::{Profile, ProfileGraph, Snap, SnapError};

fn random_snaps(graph: &ProfileGraph, count: usize, seed: u64) -> Vec<Snap> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            let node = rng.gen_range(0..graph.node_count() as u32);
            let mut point = graph.position(node);
            point.lon += rng.gen_range(-0.0004..0.0004);
            point.lat += rng.gen_range(-0.0003..0.0003);
            roadnet::snap(graph, point, roadnet::DEFAULT_MAX_SNAP)
                .expect("points beside roads snap")
        })
        .collect()
}

/// Reference: Dijkstra from the source's departures, read at the target's arrivals.
fn dijkstra_tree(graph: &ProfileGraph, source: &Snap) -> ShortestPathTree {
    let origins: Vec<Origin> = source.departure_origins(graph, 0);
    forward_search(graph, &origins, UNREACHABLE - 1)
}

fn dijkstra_millis(
    graph: &ProfileGraph,
    tree: &ShortestPathTree,
    source: &Snap,
    target: &Snap,
) -> u32 {
    let via_nodes = target
        .arrival_points(graph)
        .into_iter()
        .filter_map(|(node, millis, _)| tree.millis_to(node).map(|d| d + millis))
        .min()
        .unwrap_or(UNREACHABLE);
    let direct = source
        .along_same_segment(target, graph)
        .map_or(UNREACHABLE, |(millis, _)| millis);
    via_nodes.min(direct)
}

#[track_caller]
fn check_matrix_against_dijkstra(profile: Profile, n_sources: usize, n_targets: usize, seed: u64) {
    let graph = fixtures::heidelberg_graph(profile);
    let sources = random_snaps(graph, n_sources, seed);
    let targets = random_snaps(graph, n_targets, seed + 1);
    let matrix = roadnet::matrix(graph, &sources, &targets);
    for (s, source) in sources.iter().enumerate() {
        let tree = dijkstra_tree(graph, source);
        for (t, target) in targets.iter().enumerate() {
            let expected = dijkstra_millis(graph, &tree, source, target);
            assert_eq!(
                matrix.millis(s, t),
                Some(expected),
                "{profile} source {s} target {t}"
            );
        }
    }
}

#[test]
fn car_matrix_equals_dijkstra_on_1200_random_pairs() {
    check_matrix_against_dijkstra(Profile::Car, 40, 30, 1);
}

#[test]
fn foot_and_motorcycle_matrices_equal_dijkstra() {
    check_matrix_against_dijkstra(Profile::Foot, 10, 30, 2);
    check_matrix_against_dijkstra(Profile::Motorcycle, 10, 30, 3);
}

/// Many sources to one target (RPHAST) against Dijkstra from each source, and its lengths against
/// the bucket matrix.
#[track_caller]
fn check_many_to_one_against_dijkstra(profile: Profile, n_sources: usize, seed: u64) {
    let graph = fixtures::heidelberg_graph(profile);
    let sources = random_snaps(graph, n_sources, seed);
    let targets = random_snaps(graph, 6, seed + 1);
    let trees: Vec<ShortestPathTree> = sources
        .iter()
        .map(|source| dijkstra_tree(graph, source))
        .collect();
    for (t, target) in targets.iter().enumerate() {
        let trips = roadnet::many_to_one(graph, &sources, target);
        assert_eq!(trips.len(), sources.len());
        let matrix = roadnet::matrix(graph, &sources, std::slice::from_ref(target));
        for (s, source) in sources.iter().enumerate() {
            let expected = dijkstra_millis(graph, &trees[s], source, target);
            assert_eq!(
                trips[s].map(|(seconds, _)| seconds),
                Some(roadnet::millis_to_seconds(expected)),
                "{profile} source {s} target {t}"
            );
            let (_, meters) = trips[s].unwrap();
            let (_, matrix_meters) = matrix.get(s, 0).unwrap();
            assert!(
                (meters.0 - matrix_meters.0).abs() < 1.0,
                "{profile} source {s} target {t}: {meters} against the matrix's {matrix_meters}"
            );
        }
    }
}

#[test]
fn many_to_one_equals_dijkstra_on_every_profile() {
    check_many_to_one_against_dijkstra(Profile::Car, 120, 4);
    check_many_to_one_against_dijkstra(Profile::Foot, 30, 5);
    check_many_to_one_against_dijkstra(Profile::Motorcycle, 30, 6);
}

#[test]
fn many_to_one_of_one_source_on_the_target_segment_is_the_stretch_between() {
    let graph = fixtures::heidelberg_graph(Profile::Car);
    let target = random_snaps(graph, 1, 7)[0];
    let trips = roadnet::many_to_one(graph, &[target, target], &target);
    assert_eq!(trips, vec![Some((Seconds(0.0), Meters(0.0))); 2]);
}

#[test]
fn routes_agree_with_the_matrix_and_follow_real_edges() {
    let graph = fixtures::heidelberg_graph(Profile::Car);
    let points = random_snaps(graph, 60, 4);
    let (sources, targets) = points.split_at(30);
    let matrix = roadnet::matrix(graph, sources, targets);
    for (s, source) in sources.iter().enumerate() {
        let t = s % targets.len();
        let route =
            roadnet::route(graph, source, &targets[t]).expect("the graph is strongly connected");
        let (seconds, meters) = matrix.get(s, t).expect("reachable");
        assert!(
            (route.seconds.0 - seconds.0).abs() < 1e-9,
            "route {s}: {} vs matrix {}",
            route.seconds,
            seconds
        );
        assert!(
            (route.meters.0 - meters.0).abs() < 1.0,
            "route {s}: {} vs matrix {}",
            route.meters,
            meters
        );
        for pair in route.nodes.windows(2) {
            assert!(
                graph.find_edge(pair[0], pair[1]).is_some(),
                "route {s} jumps from {} to {}",
                pair[0],
                pair[1]
            );
        }
        assert_eq!(route.geometry.first(), Some(&source.on_road));
        assert_eq!(route.geometry.last(), Some(&targets[t].on_road));
    }
}

#[test]
fn station_to_bismarckplatz_is_a_few_minutes_by_car() {
    let graph = fixtures::heidelberg_graph(Profile::Car);
    let station =
        roadnet::snap(graph, LonLat::new(8.6756, 49.4037).unwrap(), Meters(100.0)).unwrap();
    let bismarckplatz =
        roadnet::snap(graph, LonLat::new(8.6931, 49.4094).unwrap(), Meters(100.0)).unwrap();
    let route = roadnet::route(graph, &station, &bismarckplatz).unwrap();
    assert!(
        (90.0..420.0).contains(&route.seconds.0),
        "{}",
        route.seconds
    );
    assert!(
        (1_300.0..3_000.0).contains(&route.meters.0),
        "{}",
        route.meters
    );
}

/// Blumenstraße between OSM nodes 300155470 and 3302900284 is one-way eastbound.
#[test]
fn one_way_blumenstrasse_is_checked_in_both_directions() {
    let car = fixtures::heidelberg_graph(Profile::Car);
    let (west, east) = (
        car.node_of_osm(300155470).unwrap(),
        car.node_of_osm(3302900284).unwrap(),
    );
    assert!(car.find_edge(west, east).is_some() && car.find_edge(east, west).is_none());
    let along = |share: f64| {
        let (a, b) = (car.position(west), car.position(east));
        LonLat::new(
            a.lon + (b.lon - a.lon) * share,
            a.lat + (b.lat - a.lat) * share,
        )
        .unwrap()
    };
    let (upstream, downstream) = (along(0.25), along(0.75));
    let snap = |graph, point| roadnet::snap(graph, point, Meters(5.0)).unwrap();
    let with_the_flow = roadnet::route(car, &snap(car, upstream), &snap(car, downstream)).unwrap();
    let against = roadnet::route(car, &snap(car, downstream), &snap(car, upstream)).unwrap();
    assert!(with_the_flow.meters.0 < 70.0, "{}", with_the_flow.meters);
    assert!(
        against.meters.0 > 300.0,
        "a car must go round the block, not {}",
        against.meters
    );
    assert!(against.seconds.0 > 4.0 * with_the_flow.seconds.0);

    let foot = fixtures::heidelberg_graph(Profile::Foot);
    let walk_east = roadnet::route(foot, &snap(foot, upstream), &snap(foot, downstream)).unwrap();
    let walk_west = roadnet::route(foot, &snap(foot, downstream), &snap(foot, upstream)).unwrap();
    assert!(
        (walk_east.seconds.0 - walk_west.seconds.0).abs() < 0.01,
        "walking ignores one-way"
    );
    assert!(
        (40.0..70.0).contains(&walk_east.seconds.0),
        "66 m at 5 km/h is about 48 s, not {}",
        walk_east.seconds
    );
}

#[test]
fn a_point_off_the_map_is_refused_with_its_distance() {
    let graph = fixtures::heidelberg_graph(Profile::Car);
    let far_away = LonLat::new(8.0, 49.0).unwrap();
    let error = roadnet::snap(graph, far_away, roadnet::DEFAULT_MAX_SNAP).unwrap_err();
    let SnapError::TooFar { distance, .. } = &error;
    assert!(distance.0 > 10_000.0);
    let message = error.to_string();
    assert!(
        message.starts_with("(8.000000, 49.000000) is "),
        "{message}"
    );
    assert!(
        message.ends_with("from the nearest car road (limit 500 m); is it inside the map?"),
        "{message}"
    );
}

/// Rings trace raster cell edges, so a self-touching ring or two touching rings would share a
/// vertex: valid polygons share none.
#[track_caller]
fn assert_rings_are_simple_and_apart(polygons: &[Vec<Vec<LonLat>>]) {
    let mut seen = std::collections::HashSet::new();
    for ring in polygons.iter().flatten() {
        assert!(
            ring.len() >= 4 && ring.first() == ring.last(),
            "rings are closed"
        );
        for point in &ring[1..] {
            assert!(
                seen.insert((point.lon.to_bits(), point.lat.to_bits())),
                "vertex {point} is shared"
            );
        }
    }
}

fn is_junction(graph: &ProfileGraph, node: u32) -> bool {
    let mut neighbours: Vec<u32> = graph.out_edges(node).map(|e| graph.edge_head(e)).collect();
    neighbours.extend(graph.in_edges(node).map(|(tail, _)| tail));
    neighbours.sort_unstable();
    neighbours.dedup();
    neighbours.len() != 2
}

/// Whether `node` lies at most one road edge (junction to junction; the graph keeps every OSM
/// node, so one road edge may be many graph edges) beyond the limit along its shortest path.
fn within_one_road_edge(
    graph: &ProfileGraph,
    tree: &ShortestPathTree,
    node: u32,
    limit: u32,
) -> bool {
    let mut current = node;
    let mut junctions_passed = 0;
    loop {
        let d = tree.millis[current as usize];
        if d <= limit
            || graph
                .in_edges(current)
                .any(|(tail, _)| tree.millis[tail as usize] <= limit)
        {
            return true;
        }
        if current != node && is_junction(graph, current) {
            junctions_passed += 1;
            if junctions_passed > 1 {
                return false;
            }
        }
        let predecessor = graph.in_edges(current).find(|&(tail, edge)| {
            tree.millis[tail as usize].saturating_add(graph.edge_millis(edge)) == d
        });
        match predecessor {
            Some((tail, _)) => current = tail,
            None => return false,
        }
    }
}

fn point_in_ring(point: [f64; 2], ring: &[LonLat]) -> bool {
    let mut inside = false;
    for pair in ring.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if (a.lat > point[1]) != (b.lat > point[1]) {
            let x = a.lon + (point[1] - a.lat) / (b.lat - a.lat) * (b.lon - a.lon);
            if point[0] < x {
                inside = !inside;
            }
        }
    }
    inside
}

fn point_in_polygons(point: LonLat, polygons: &[Vec<Vec<LonLat>>]) -> bool {
    polygons.iter().any(|rings| {
        let p = [point.lon, point.lat];
        point_in_ring(p, &rings[0]) && !rings[1..].iter().any(|hole| point_in_ring(p, hole))
    })
}

#[test]
fn isochrones_hold_every_reached_node_and_nothing_beyond_one_edge() {
    for profile in [Profile::Car, Profile::Foot] {
        let graph = fixtures::heidelberg_graph(profile);
        for (index, station) in random_snaps(graph, 6, 5).iter().enumerate() {
            let limits = [Seconds(60.0), Seconds(180.0), Seconds(300.0)];
            let circles = roadnet::isochrone(graph, station, &limits);
            let tree = dijkstra_tree(graph, station);
            let mut previous_road = 0.0;
            for circle in &circles {
                let mut strays = Vec::new();
                let mut at_resolution = 0;
                let limit = (circle.limit.0 * 1000.0) as u32;
                assert!(!circle.polygons.is_empty());
                assert_rings_are_simple_and_apart(&circle.polygons);
                assert!(
                    circle.road.0 >= previous_road,
                    "larger limits reach more road"
                );
                previous_road = circle.road.0;
                for node in 0..graph.node_count() as u32 {
                    let d = tree.millis[node as usize];
                    let inside = point_in_polygons(graph.position(node), &circle.polygons);
                    if d <= limit {
                        assert!(inside, "{profile} station {index}: node {node} at {d} ms is outside the {} circle", circle.limit);
                    } else if inside {
                        // The raster cannot part two nodes that share a cell; nearer than that, a
                        // reached node keeps its cell (and its unreached neighbour) inside.
                        let position = graph.position(node);
                        let shares_a_cell_with_reached = || {
                            (0..graph.node_count() as u32).any(|v| {
                                tree.millis[v as usize] <= limit
                                    && graph.position(v).distance_to(position).0
                                        <= roadnet::isochrone::RESOLUTION.0
                            })
                        };
                        if !within_one_road_edge(graph, &tree, node, limit) {
                            if shares_a_cell_with_reached() {
                                at_resolution += 1;
                            } else {
                                strays.push((node, d));
                            }
                        }
                    }
                }
                assert!(
                    strays.is_empty(),
                    "{profile} station {index}: inside the {} circle but farther: {strays:?}",
                    circle.limit
                );
                let n_reached = tree.millis.iter().filter(|&&d| d <= limit).count();
                assert!(
                    at_resolution * 200 <= n_reached,
                    "{profile} station {index}: {at_resolution} unreached nodes share a cell with {n_reached} reached ones"
                );
            }
        }
    }
}

#[test]
fn street_blocks_cover_every_segment_once_and_break_only_at_junctions() {
    let graph = fixtures::heidelberg_graph(Profile::Car);
    let blocks = roadnet::street_blocks(graph);
    let mut neighbours: Vec<std::collections::BTreeSet<u32>> =
        vec![Default::default(); graph.node_count()];
    let mut segment_meters = std::collections::HashMap::new();
    for node in 0..graph.node_count() as u32 {
        for edge in graph.out_edges(node) {
            let head = graph.edge_head(edge);
            if head != node {
                neighbours[node as usize].insert(head);
                neighbours[head as usize].insert(node);
                segment_meters
                    .entry((node.min(head), node.max(head)))
                    .or_insert(graph.edge_meters(edge).0);
            }
        }
    }
    assert_eq!(blocks.block_of_segment.len(), segment_meters.len());
    let mut seen = std::collections::HashSet::new();
    for (index, block) in blocks.blocks.iter().enumerate() {
        assert!(block.nodes.len() >= 2);
        for pair in block.nodes.windows(2) {
            let key = (pair[0].min(pair[1]), pair[0].max(pair[1]));
            assert!(seen.insert(key), "segment {key:?} in two blocks");
            assert_eq!(blocks.block_of(pair[1], pair[0]), Some(index));
        }
        for inner in &block.nodes[1..block.nodes.len() - 1] {
            assert_eq!(
                neighbours[*inner as usize].len(),
                2,
                "a block runs through a junction"
            );
        }
    }
    // Blocks are much fewer than segments: bends are merged.
    assert!(
        blocks.blocks.len() * 2 < segment_meters.len(),
        "{} blocks for {} segments",
        blocks.blocks.len(),
        segment_meters.len()
    );
}
