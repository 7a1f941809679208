//! The graph file: round trip, and clear errors for foreign, old, truncated and corrupt files;
//! the same for the `.osm.pbf` the graph is imported from, and for points that miss the map.

use measure::{LonLat, Meters};
use roadnet::{GraphFileError, Profile, RoadNetwork};
use std::path::PathBuf;

fn temporary(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("pingan-test-{}-{name}", std::process::id()))
}

fn saved_shenzhen(name: &str) -> (PathBuf, Vec<u8>) {
    let file = temporary(name);
    fixtures::shenzhen()
        .save(&file)
        .expect("temp dir is writable");
    let bytes = std::fs::read(&file).unwrap();
    (file, bytes)
}

#[test]
fn a_saved_network_loads_and_answers_the_same() {
    let (file, _) = saved_shenzhen("round-trip.graph");
    let loaded = RoadNetwork::load(&file).unwrap();
    std::fs::remove_file(&file).ok();
    // 深南大道 near 香蜜湖 to 福田 near 红荔西路.
    let (from, to) = (
        LonLat::new(114.0246, 22.5405).unwrap(),
        LonLat::new(114.0300, 22.5470).unwrap(),
    );
    for profile in Profile::ALL {
        let (original, reloaded) = (
            fixtures::shenzhen().graph(profile).unwrap(),
            loaded.graph(profile).unwrap(),
        );
        assert_eq!(original.node_count(), reloaded.node_count());
        let route = |graph| {
            let a = roadnet::snap(graph, from, Meters(300.0)).unwrap();
            let b = roadnet::snap(graph, to, Meters(300.0)).unwrap();
            roadnet::route(graph, &a, &b).unwrap()
        };
        assert_eq!(route(original), route(reloaded));
    }
}

#[track_caller]
fn check_refused(bytes: &[u8], expected: &str) {
    let file = temporary("broken.graph");
    std::fs::write(&file, bytes).unwrap();
    let error = RoadNetwork::load(&file).unwrap_err();
    std::fs::remove_file(&file).ok();
    let message = error
        .to_string()
        .replace(&file.display().to_string(), "FILE");
    assert_eq!(message, expected, "{error:?}");
}

#[test]
fn foreign_old_truncated_and_corrupt_files_are_refused_clearly() {
    let (file, bytes) = saved_shenzhen("to-break.graph");
    std::fs::remove_file(&file).ok();
    check_refused(
        b"PK\x03\x04 a zip file",
        "FILE is not a pingan graph file; build one with `pingan import CITY.osm.pbf -o CITY.graph`",
    );
    let mut old = bytes.clone();
    old[8..12].copy_from_slice(&0u32.to_le_bytes());
    check_refused(
        &old,
        &format!(
            "FILE is a version 0 graph file but this pingan reads version {}; rebuild it with `pingan import`",
            roadnet::GRAPH_FILE_VERSION
        ),
    );
    let half = bytes.len() / 2;
    check_refused(
        &bytes[..half],
        &format!(
            "FILE is truncated ({half} of {} bytes); rebuild it with `pingan import`",
            bytes.len()
        ),
    );
    let mut flipped = bytes.clone();
    flipped[half] ^= 0x40;
    check_refused(
        &flipped,
        "FILE is corrupt (checksum mismatch); rebuild it with `pingan import`",
    );
    assert!(matches!(
        RoadNetwork::load(&temporary("missing.graph")),
        Err(GraphFileError::Io { .. })
    ));
}

#[test]
fn a_wrong_profile_name_is_explained() {
    let error = "helicopter".parse::<Profile>().unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown profile 'helicopter': use car, motorcycle or foot"
    );
}

#[test]
fn a_chinese_city_imports_with_its_street_names() {
    let network = fixtures::shenzhen();
    let car = network.graph(Profile::Car).unwrap();
    let foot = network.graph(Profile::Foot).unwrap();
    assert!(car.node_count() > 1_000, "{}", car.node_count());
    assert!(foot.node_count() > car.node_count(), "footways add nodes");
    assert!(network.roads.iter().any(|road| road.name == "深南大道"));
}

#[track_caller]
fn check_import_refused(name: &str, bytes: &[u8], expected: &str) {
    let file = temporary(name);
    std::fs::write(&file, bytes).unwrap();
    let error = roadnet::import_pbf(&file, &|_, _, _| {}).unwrap_err();
    std::fs::remove_file(&file).ok();
    let message = error
        .to_string()
        .replace(&file.display().to_string(), "FILE");
    assert_eq!(message, expected, "{error:?}");
}

#[test]
fn a_truncated_pbf_is_called_truncated_issue_15() {
    let bytes = std::fs::read(fixtures::heidelberg_pbf()).unwrap();
    let cut = bytes.len() * 6 / 10;
    check_import_refused(
        "cut.osm.pbf",
        &bytes[..cut],
        &format!(
            "FILE is truncated (ends in the middle of a block at byte {cut}); download or copy it again"
        ),
    );
    // Cut inside the 4-byte length of the first data block, and inside its header.
    check_import_refused(
        "cut-early.osm.pbf",
        &bytes[..bytes.len().min(2)],
        "FILE is truncated (ends in the middle of a block at byte 2); download or copy it again",
    );
}

#[test]
fn a_file_that_is_not_a_pbf_is_named_so_issue_15() {
    check_import_refused(
        "not.osm.pbf",
        b"this is not a protocol buffer",
        "FILE is not an OpenStreetMap PBF file (it starts with the text 'this is not a pr'); give a .osm.pbf extract",
    );
    check_import_refused(
        "stations.geojson",
        br#"{"type":"FeatureCollection","features":[]}"#,
        r#"FILE is not an OpenStreetMap PBF file (it starts with the text '{"type":"Feature'); give a .osm.pbf extract"#,
    );
    check_import_refused(
        "empty.osm.pbf",
        b"",
        "FILE is not an OpenStreetMap PBF file (it is empty); give a .osm.pbf extract",
    );
    // A frame of the right shape whose block is not an OSMHeader: a PBF of something else.
    let mut foreign = Vec::new();
    let header = [&[0x0a, 0x03][..], b"Zip", &[0x18, 0x00]].concat();
    foreign.extend_from_slice(&(header.len() as u32).to_be_bytes());
    foreign.extend_from_slice(&header);
    check_import_refused(
        "foreign.osm.pbf",
        &foreign,
        "FILE is not an OpenStreetMap PBF file (its first block is 'Zip', not 'OSMHeader'); give a .osm.pbf extract",
    );
    // The whole file still imports: the frame check refuses nothing that is whole.
    let network = roadnet::import_pbf(&fixtures::heidelberg_pbf(), &|_, _, _| {}).unwrap();
    assert!(network.graph(Profile::Car).unwrap().node_count() > 1_000);
}

#[test]
fn a_point_off_the_map_gets_a_hint_that_fits_issue_15() {
    let graph = fixtures::heidelberg_graph(Profile::Car);
    let message = |point: LonLat| {
        roadnet::snap(graph, point, roadnet::DEFAULT_MAX_SNAP)
            .unwrap_err()
            .to_string()
    };
    // Heidelberg's Bismarckplatz written lat,lon.
    let swapped = message(LonLat::new(49.41, 8.69).unwrap());
    assert!(
        swapped.starts_with("(49.410000, 8.690000) is ")
            && swapped.contains(
                " km from the nearest car road (limit 500 m); swapping lon and lat puts it "
            )
            && swapped.ends_with(" m from a road: the coordinates look swapped"),
        "{swapped}"
    );
    // Far away, and swapping does not help (its swap is not even a valid point).
    let far = message(LonLat::new(116.4, 39.9).unwrap());
    assert!(
        far.ends_with("from the nearest car road (limit 500 m); is it inside the map? If the file gives lat,lon, swap the columns"),
        "{far}"
    );
    // 700 m off a road: a point a little too far names --max-snap. Walk north from a road point
    // until the nearest road is between 600 and 800 m away.
    let on_road = roadnet::snap(graph, LonLat::new(8.69, 49.41).unwrap(), Meters(500.0))
        .unwrap()
        .on_road;
    let is_near_miss = |point: &LonLat| {
        matches!(roadnet::snap(graph, *point, Meters(500.0)),
            Err(roadnet::SnapError::TooFar { distance, .. }) if (600.0..800.0).contains(&distance.0))
    };
    let east = (1..2_000).map(|step| LonLat::new(on_road.lon + step as f64 * 0.0001, on_road.lat));
    let north = (1..2_000).map(|step| LonLat::new(on_road.lon, on_road.lat + step as f64 * 0.0001));
    let near_miss = east
        .chain(north)
        .map(Result::unwrap)
        .find(is_near_miss)
        .expect("the map has a spot 600-800 m from any road");
    let close = message(near_miss);
    assert!(
        close.ends_with(
            "from the nearest car road (limit 500 m); raise --max-snap if the point is right"
        ),
        "{close}"
    );
    assert!(roadnet::snap(graph, near_miss, Meters(1_000.0)).is_ok());
}
