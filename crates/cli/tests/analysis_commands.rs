//! `pingan hotspots` (and the calls it reads) end to end on real exports: Chicago's South Side
//! crimes with their study-area polygon, and street blocks on the real Heidelberg extract.

mod common;

use common::{fail, succeed};
use serde_json::Value;
use std::path::PathBuf;

fn work_dir() -> PathBuf {
    common::work_dir("analysis")
}

fn shared(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(relative);
    assert!(path.exists(), "{} is missing: ../shared must sit beside the repository", path.display());
    path.to_str().unwrap().to_string()
}

fn path(name: &str) -> String {
    work_dir().join(name).to_str().unwrap().to_string()
}

const CHICAGO_COLUMNS: &str = "time=Date,type=Primary Type,id=Case Number,address=Block";

fn chicago_args<'a>(calls: &'a str, columns: &'a str) -> Vec<&'a str> {
    vec![
        "hotspots",
        "--calls",
        calls,
        "--columns",
        columns,
        "--timezone",
        "America/Chicago",
    ]
}

#[test]
fn chicago_forecast_follows_the_shared_format_and_the_budget() {
    let calls = shared("chicago-southside-crimes/chicago_southside_crimes_2016.csv");
    let area = shared("chicago-southside-crimes/SouthSide.geojson");
    let output = path("chicago-forecast.geojson");
    let mut args = chicago_args(&calls, CHICAGO_COLUMNS);
    args.extend([
        "--area", &area, "--train-from", "2016-01-01", "--until", "2016-12-01", "--horizon-days",
        "30", "--cell-metres", "150", "--area-km2", "1.0", "--method", "kde", "-o", &output,
    ]);
    let printed = succeed(&args);
    assert!(printed.contains("44 cells flagged"), "{printed}");
    let forecast: Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let meta = &forecast["forecast"];
    assert_eq!(meta["train_from"], "2016-01-01");
    assert_eq!(meta["train_until"], "2016-12-01");
    assert_eq!(meta["horizon_days"], 30.0);
    assert!(meta["study_area_km2"].as_f64().unwrap() > 50.0);
    let features = forecast["features"].as_array().unwrap();
    // 1.0 km² buys 44 cells of 150 m (0.0225 km² each): 0.99 km².
    assert_eq!(features.len(), 44);
    let mut last_score = f64::INFINITY;
    for (index, feature) in features.iter().enumerate() {
        assert_eq!(feature["properties"]["rank"], index + 1);
        let score = feature["properties"]["score"].as_f64().unwrap();
        assert!(score <= last_score);
        last_score = score;
        assert_eq!(feature["geometry"]["type"], "Polygon");
    }
}

#[test]
fn chicago_evaluation_scores_every_method_against_the_baselines() {
    let calls = shared("chicago-southside-crimes/chicago_southside_crimes_2016.csv");
    let area = shared("chicago-southside-crimes/SouthSide.geojson");
    let evaluation = path("chicago-evaluation.json");
    let mut args = chicago_args(&calls, CHICAGO_COLUMNS);
    args.extend([
        "--area",
        &area,
        "--until",
        "2017-01-01",
        "--horizon-days",
        "30",
        "--cell-metres",
        "250",
        "--area-km2",
        "5",
        "--method",
        "naive",
        "--evaluate",
        "--origins",
        "3",
        "--evaluation-output",
        &evaluation,
    ]);
    let printed = succeed(&args);
    for method in ["naive ", "naive-14d", "kde", "prospective", "sepp", "PEI* per origin"] {
        assert!(printed.contains(method), "{method} missing from {printed}");
    }
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&evaluation).unwrap()).unwrap();
    let methods = written["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 5, "two baselines and three models");
    assert_eq!(written["rows"].as_array().unwrap().len(), 15);
    for row in written["rows"].as_array().unwrap() {
        if let Some(pei) = row["score"]["pei_star"].as_f64() {
            assert!((0.0..=1.0).contains(&pei), "{row}");
        }
    }
}

#[test]
fn bad_calls_input_gets_errors_that_say_what_to_do() {
    let calls = shared("chicago-southside-crimes/chicago_southside_crimes_2016.csv");
    let out = path("never.geojson");
    let mut unknown = chicago_args(&calls, "tiem=Date");
    unknown.extend(["-o", &out]);
    let error = fail(&unknown);
    assert!(error.contains("tiem") && error.contains("time"), "{error}");

    let mut empty = chicago_args(&calls, CHICAGO_COLUMNS);
    empty.extend(["--train-from", "2019-01-01", "--until", "2019-02-01", "-o", &out]);
    let error = fail(&empty);
    assert!(error.contains("no call falls in the training period"), "{error}");
    assert!(error.contains("2016-01-01") && error.contains("2016-12-31"), "{error}");

    let mut bad_date = chicago_args(&calls, CHICAGO_COLUMNS);
    bad_date.extend(["--until", "2016-13-01", "-o", &out]);
    let error = fail(&bad_date);
    assert!(error.contains("--until '2016-13-01' is not a date"), "{error}");
}

#[test]
fn street_hotspots_rank_the_busiest_heidelberg_block_first() {
    // 40 calls at Bismarckplatz, 10 scattered over the old town.
    let mut text = String::from("id,time,lon,lat\n");
    for i in 0..40 {
        text.push_str(&format!(
            "B{i},2024-06-{:02} 12:00,8.69270,49.40930\n",
            1 + i % 28
        ));
    }
    for i in 0..10 {
        text.push_str(&format!(
            "S{i},2024-06-{:02} 18:00,{:.5},{:.5}\n",
            1 + i,
            8.700 + 0.002 * i as f64,
            49.410 + 0.0005 * i as f64
        ));
    }
    let calls = path("heidelberg-calls.csv");
    std::fs::write(&calls, text).unwrap();
    let graph = path("heidelberg-streets.graph");
    succeed(&["import", fixtures::heidelberg_pbf().to_str().unwrap(), "-o", &graph]);
    let streets = path("heidelberg-streets.geojson");
    let forecast = path("heidelberg-cells.geojson");
    let printed = succeed(&[
        "hotspots", "--calls", &calls, "--timezone", "Europe/Berlin", "--method", "naive",
        "--area-km2", "0.05", "-o", &forecast, "--streets", &graph, "--streets-output", &streets,
        "--top-streets", "5",
    ]);
    assert!(printed.contains("street hotspots: 5 of"), "{printed}");
    let document: Value = serde_json::from_str(&std::fs::read_to_string(&streets).unwrap()).unwrap();
    let first = &document["features"][0]["properties"];
    assert_eq!(first["rank"], 1);
    assert_eq!(first["calls"], 40, "{first}");
}
