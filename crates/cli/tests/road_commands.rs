//! The road subcommands end to end: the real `pingan` binary on the bundled Shenzhen extract.

mod common;

use common::{fail, succeed};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn work_dir() -> PathBuf {
    common::work_dir("cli")
}

/// The graph, imported once by the real `pingan import`.
fn graph() -> &'static str {
    static GRAPH: OnceLock<String> = OnceLock::new();
    GRAPH.get_or_init(|| {
        let graph = work_dir().join("futian.graph");
        let pbf = fixtures::shenzhen_pbf();
        let summary = succeed(&[
            "import",
            pbf.to_str().unwrap(),
            "-o",
            graph.to_str().unwrap(),
        ]);
        assert!(
            summary.contains("car") && summary.contains("foot") && summary.contains("nodes"),
            "{summary}"
        );
        graph.to_str().unwrap().to_string()
    })
}

fn write(name: &str, text: &str) -> String {
    let path = work_dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

const STATIONS: &str = "id,lon,lat\n香蜜湖站,114.0246,22.5405\n车公庙站,114.0150,22.5370\n";
const POINTS: &str =
    "id,lon,lat,weight\np1,114.0300,22.5470,3\np2,114.0050,22.5300,1\np3,114.0246,22.5410,2\n";

#[test]
fn route_prints_time_length_and_a_line() {
    let out = succeed(&[
        "route",
        "--graph",
        graph(),
        "--from",
        "114.0246,22.5405",
        "--to",
        "114.0300,22.5470",
    ]);
    let feature: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(feature["geometry"]["type"], "LineString");
    let seconds = feature["properties"]["seconds"].as_f64().unwrap();
    let metres = feature["properties"]["metres"].as_f64().unwrap();
    assert!(seconds > 30.0 && metres > 800.0, "{out}");
    assert!(feature["geometry"]["coordinates"].as_array().unwrap().len() > 2);
    let walking = succeed(&[
        "route",
        "--graph",
        graph(),
        "--profile",
        "foot",
        "--from",
        "114.0246,22.5405",
        "--to",
        "114.0300,22.5470",
    ]);
    let walking: Value = serde_json::from_str(&walking).unwrap();
    assert!(
        walking["properties"]["seconds"].as_f64().unwrap() > 2.0 * seconds,
        "walking is slower than driving"
    );
}

#[test]
fn matrix_writes_every_pair() {
    let sources = write("sources.csv", STATIONS);
    let targets = write("targets.csv", POINTS);
    let output = work_dir().join("matrix.csv");
    succeed(&[
        "matrix",
        "--graph",
        graph(),
        "--sources",
        &sources,
        "--targets",
        &targets,
        "-o",
        output.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&output).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "source_id,target_id,seconds,metres");
    assert_eq!(lines.len(), 1 + 2 * 3);
    assert!(lines[1].starts_with("香蜜湖站,p1,"));
    for line in &lines[1..] {
        let fields: Vec<&str> = line.split(',').collect();
        assert!(
            fields[2].parse::<f64>().unwrap() >= 0.0 && fields[3].parse::<f64>().unwrap() >= 0.0,
            "{line}"
        );
    }
}

#[test]
fn isochrone_writes_circles_per_station_and_limit() {
    let stations = write("stations-iso.csv", STATIONS);
    let output = work_dir().join("circles.geojson");
    succeed(&[
        "isochrone",
        "--graph",
        graph(),
        "--stations",
        &stations,
        "--minutes",
        "1,3,5",
        "-o",
        output.to_str().unwrap(),
    ]);
    let circles: Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let features = circles["features"].as_array().unwrap();
    assert_eq!(features.len(), 6);
    let road_km: Vec<f64> = features[..3]
        .iter()
        .map(|f| f["properties"]["road_km"].as_f64().unwrap())
        .collect();
    assert!(
        road_km[0] < road_km[1] && road_km[1] < road_km[2],
        "{road_km:?}"
    );
    assert_eq!(features[0]["properties"]["station_id"], "香蜜湖站");
    assert_eq!(features[2]["properties"]["minutes"], 5.0);
    assert_eq!(features[0]["geometry"]["type"], "MultiPolygon");
}

#[test]
fn reach_reports_nearest_station_and_shares() {
    let stations = write("stations-reach.csv", STATIONS);
    let points = write("points.csv", POINTS);
    let output = work_dir().join("reach.csv");
    let summary = succeed(&[
        "reach",
        "--graph",
        graph(),
        "--stations",
        &stations,
        "--points",
        &points,
        "--minutes",
        "1,3,5",
        "-o",
        output.to_str().unwrap(),
    ]);
    let summary: Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["points"], 3);
    let limits = summary["limits"].as_array().unwrap();
    assert_eq!(limits.len(), 3);
    let shares: Vec<f64> = limits
        .iter()
        .map(|l| l["share_of_points"].as_f64().unwrap())
        .collect();
    assert!(
        shares[0] <= shares[1] && shares[1] <= shares[2],
        "{shares:?}"
    );
    assert!(limits[0]["share_of_weight"].as_f64().is_some());
    let per_point = std::fs::read_to_string(&output).unwrap();
    assert!(per_point
        .starts_with("point_id,station_id,seconds,metres,within_1min,within_3min,within_5min\n"));
    // p3 sits 55 m from 香蜜湖站.
    let p3 = per_point.lines().find(|l| l.starts_with("p3,")).unwrap();
    assert!(
        p3.starts_with("p3,香蜜湖站,") && p3.ends_with(",1,1,1"),
        "{p3}"
    );
}

#[test]
fn bad_input_gets_a_clear_error() {
    let message = fail(&[
        "route",
        "--graph",
        graph(),
        "--from",
        "113.5,22.0",
        "--to",
        "114.03,22.547",
    ]);
    assert!(
        message.contains("--from: (113.500000, 22.000000) is ")
            && message.contains("from the nearest car road (limit 500 m)"),
        "{message}"
    );
    let message = fail(&[
        "route",
        "--graph",
        graph(),
        "--profile",
        "bicycle",
        "--from",
        "114.0246,22.5405",
        "--to",
        "114.03,22.547",
    ]);
    assert!(
        message.contains("unknown profile 'bicycle': use car, motorcycle or foot"),
        "{message}"
    );
    let message = fail(&[
        "route",
        "--graph",
        graph(),
        "--from",
        "22.5405,114.0246",
        "--to",
        "114.03,22.547",
    ]);
    assert!(
        message.contains("is not a longitude,latitude pair"),
        "{message}"
    );
    let broken = write("broken.graph", "PINGANRG\x01\x00\x00\x00");
    let message = fail(&[
        "route",
        "--graph",
        &broken,
        "--from",
        "114.0246,22.5405",
        "--to",
        "114.03,22.547",
    ]);
    assert!(
        message.contains("is truncated (12 of 24 bytes); rebuild it with `pingan import`"),
        "{message}"
    );
    let off_map = write(
        "off-map.csv",
        "id,lon,lat\nA,114.0246,22.5405\nB,100.0,30.0\n",
    );
    let message = fail(&[
        "matrix",
        "--graph",
        graph(),
        "--sources",
        &off_map,
        "--targets",
        &off_map,
        "-o",
        "/dev/null",
    ]);
    assert!(
        message.contains("off-map.csv: point 'B': (100.000000, 30.000000) is"),
        "{message}"
    );
    let malformed = write("malformed.csv", "id,lon,lat\nA,114.0246,north\n");
    let message = fail(&[
        "reach",
        "--graph",
        graph(),
        "--stations",
        &malformed,
        "--points",
        &malformed,
    ]);
    assert!(
        message.contains("malformed.csv:2:3: 'lat' is 'north', not a number"),
        "{message}"
    );
    let message = fail(&[
        "isochrone",
        "--graph",
        graph(),
        "--stations",
        &write("s.csv", STATIONS),
        "--minutes",
        "3,x",
        "-o",
        "/dev/null",
    ]);
    assert!(
        message.contains("--minutes: 'x' is not a number of minutes"),
        "{message}"
    );
    assert!(Path::new(graph()).exists());
}
