//! The graph file: round trip, and clear errors for foreign, old, truncated and corrupt files.

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

#[test]
fn a_file_that_is_not_osm_is_refused_on_import() {
    let file = temporary("not.osm.pbf");
    std::fs::write(&file, b"this is not a protocol buffer").unwrap();
    let error = roadnet::import_pbf(&file, &|_, _, _| {}).unwrap_err();
    std::fs::remove_file(&file).ok();
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("cannot read {}: ", file.display())),
        "{message}"
    );
    assert!(
        message.ends_with("is it an OpenStreetMap .osm.pbf file?"),
        "{message}"
    );
}
