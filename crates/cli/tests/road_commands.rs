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

/// "12.4 min, 8.31 km by car" split into its minutes, kilometres and profile.
#[track_caller]
fn route_line(out: &str) -> (f64, f64, String) {
    let line = out.trim_end();
    assert_eq!(line.lines().count(), 1, "one line: {out}");
    let (minutes, rest) = line.split_once(" min, ").expect(line);
    let (km, profile) = rest.split_once(" km by ").expect(line);
    assert_eq!(minutes.split('.').nth(1).map(str::len), Some(1), "{line}");
    assert_eq!(km.split('.').nth(1).map(str::len), Some(2), "{line}");
    (
        minutes.parse().unwrap(),
        km.parse().unwrap(),
        profile.to_string(),
    )
}

#[test]
fn route_prints_time_and_length_first_and_the_line_on_request() {
    let route = [
        "route",
        "--graph",
        graph(),
        "--from",
        "114.0246,22.5405",
        "--to",
        "114.0300,22.5470",
    ];
    let (minutes, km, profile) = route_line(&succeed(&route));
    assert_eq!(profile, "car");
    assert!(minutes > 0.5 && km > 0.8, "{minutes} min {km} km");

    let out = succeed(&[&route[..], &["--format", "geojson"]].concat());
    let feature: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(feature["geometry"]["type"], "LineString");
    let seconds = feature["properties"]["seconds"].as_f64().unwrap();
    let metres = feature["properties"]["metres"].as_f64().unwrap();
    assert!((seconds / 60.0 - minutes).abs() <= 0.05, "{seconds} s");
    assert!((metres / 1000.0 - km).abs() <= 0.005, "{metres} m");
    assert!(feature["geometry"]["coordinates"].as_array().unwrap().len() > 2);

    let file = work_dir().join("route.geojson");
    let text = succeed(&[&route[..], &["-o", file.to_str().unwrap()]].concat());
    assert_eq!(route_line(&text), (minutes, km, profile));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written, feature);

    let walking = succeed(&[&route[..], &["--profile", "foot"]].concat());
    let (walking_minutes, _, walking_profile) = route_line(&walking);
    assert_eq!(walking_profile, "foot");
    assert!(
        walking_minutes > 2.0 * minutes,
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
fn reach_prints_a_table_of_percentages_and_json_on_request() {
    let stations = write("stations-reach.csv", STATIONS);
    let points = write("points.csv", POINTS);
    let output = work_dir().join("reach.csv");
    let reach = [
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
    ];
    let table = succeed(&reach);
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("3 points, 0 reached by no station; median ")
            && lines[0].ends_with(" min to the nearest station"),
        "{table}"
    );
    assert_eq!(lines.len(), 2 + 3, "{table}");
    let width = |line: &str| line.chars().count();
    assert!(
        lines[2..].iter().all(|line| width(line) == width(lines[1])),
        "columns line up: {table}"
    );
    for (line, minutes) in lines[2..].iter().zip(["1 min", "3 min", "5 min"]) {
        assert!(line.starts_with(minutes), "{table}");
        // Shares in percent to 0.1 %: "33.3 %", never 0.3333333333333333.
        let percents: Vec<&str> = line.split(" %").filter(|p| !p.trim().is_empty()).collect();
        assert_eq!(percents.len(), 2, "of points and of weight: {line}");
        for percent in percents {
            let number = percent.split_whitespace().last().unwrap();
            assert_eq!(number.split('.').nth(1).map(str::len), Some(1), "{line}");
        }
    }
    // p3 sits 55 m from 香蜜湖站: inside the first minute.
    assert!(!lines[2].contains(" 0.0 %"), "{table}");

    let summary: Value =
        serde_json::from_str(&succeed(&[&reach[..], &["--format", "json"]].concat())).unwrap();
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
    for share in &shares {
        assert_eq!(*share, (share * 1000.0).round() / 1000.0, "{share}");
    }
    assert!(limits[0]["share_of_weight"].as_f64().is_some());
    let median = summary["median_seconds"].as_f64().unwrap();
    assert_eq!(median, (median * 10.0).round() / 10.0);
    let per_point = std::fs::read_to_string(&output).unwrap();
    assert!(per_point
        .starts_with("point_id,station_id,seconds,metres,within_1min,within_3min,within_5min\n"));
    let p3 = per_point.lines().find(|l| l.starts_with("p3,")).unwrap();
    assert!(
        p3.starts_with("p3,香蜜湖站,") && p3.ends_with(",1,1,1"),
        "{p3}"
    );
}

/// Flags in `pingan help COMMAND` that have no help text. A flag line starts with `-`; its text
/// follows on the same line or on the next, deeper-indented line.
fn flags_without_help(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help.lines().collect();
    let indent = |line: &str| line.len() - line.trim_start().len();
    let mut missing = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let is_flag = trimmed.starts_with("--")
            || (trimmed.starts_with('-')
                && trimmed.chars().nth(1).is_some_and(char::is_alphabetic));
        if !is_flag {
            continue;
        }
        let same_line = trimmed
            .split_once("  ")
            .is_some_and(|(_, text)| !text.trim().is_empty());
        let next_line = lines.get(index + 1).is_some_and(|next| {
            !next.trim().is_empty()
                && indent(next) > indent(line)
                && !next.trim_start().starts_with('-')
        });
        if !same_line && !next_line {
            missing.push(trimmed.to_string());
        }
    }
    missing
}

#[test]
fn every_flag_of_the_road_plan_and_simulate_commands_has_help() {
    let commands = [
        "import",
        "route",
        "matrix",
        "isochrone",
        "reach",
        "cover",
        "site",
        "simulate",
    ];
    for command in commands {
        let help = succeed(&["help", command]);
        assert!(help.contains("--"), "{command}: {help}");
        let missing = flags_without_help(&help);
        assert!(missing.is_empty(), "pingan help {command}: {missing:?}");
    }
    // The check itself finds a bare flag.
    assert_eq!(
        flags_without_help("Options:\n      --model <MODEL>\n      --p <P>  Sites to open\n"),
        vec!["--model <MODEL>".to_string()]
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
