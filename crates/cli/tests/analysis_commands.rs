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
    assert!(
        path.exists(),
        "{} is missing: ../shared must sit beside the repository",
        path.display()
    );
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
        "--area",
        &area,
        "--train-from",
        "2016-01-01",
        "--until",
        "2016-12-01",
        "--horizon-days",
        "30",
        "--cell-metres",
        "150",
        "--area-km2",
        "1.0",
        "--method",
        "kde",
        "-o",
        &output,
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
    for method in [
        "naive ",
        "naive-14d",
        "kde",
        "prospective",
        "sepp",
        "PEI* per origin",
    ] {
        assert!(printed.contains(method), "{method} missing from {printed}");
    }
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&evaluation).unwrap()).unwrap();
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
    empty.extend([
        "--train-from",
        "2019-01-01",
        "--until",
        "2019-02-01",
        "-o",
        &out,
    ]);
    let error = fail(&empty);
    assert!(
        error.contains("no call falls in the training period"),
        "{error}"
    );
    assert!(
        error.contains("2016-01-01") && error.contains("2016-12-31"),
        "{error}"
    );

    let mut bad_date = chicago_args(&calls, CHICAGO_COLUMNS);
    bad_date.extend(["--until", "2016-13-01", "-o", &out]);
    let error = fail(&bad_date);
    assert!(
        error.contains("--until '2016-13-01' is not a date"),
        "{error}"
    );
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
    succeed(&[
        "import",
        fixtures::heidelberg_pbf().to_str().unwrap(),
        "-o",
        &graph,
    ]);
    let streets = path("heidelberg-streets.geojson");
    let forecast = path("heidelberg-cells.geojson");
    let printed = succeed(&[
        "hotspots",
        "--calls",
        &calls,
        "--timezone",
        "Europe/Berlin",
        "--method",
        "naive",
        "--area-km2",
        "0.05",
        "-o",
        &forecast,
        "--streets",
        &graph,
        "--streets-output",
        &streets,
        "--top-streets",
        "5",
    ]);
    assert!(printed.contains("street hotspots: 5 of"), "{printed}");
    let document: Value =
        serde_json::from_str(&std::fs::read_to_string(&streets).unwrap()).unwrap();
    let first = &document["features"][0]["properties"];
    assert_eq!(first["rank"], 1);
    assert_eq!(first["calls"], 40, "{first}");
}

const SEATTLE_COLUMNS: &str = "time=At.Scene.Time,lon=Longitude,lat=Latitude,type=Initial.Type.Group,category=Event.Clearance.Group,address=Hundred.Block.Location";

#[test]
fn seattle_stats_by_month_equal_a_direct_count() {
    let file = shared("seattle-spd-calls/seattle_spd_911_incident_response_2015.csv");
    let csv = succeed(&[
        "stats",
        "--calls",
        &file,
        "--columns",
        SEATTLE_COLUMNS,
        "--timezone",
        "America/Los_Angeles",
        "--taxonomy",
        "seattle",
        "--by",
        "month",
        "--format",
        "csv",
    ]);
    let mut direct = std::collections::BTreeMap::new();
    let mut reader = ::csv::Reader::from_path(&file).unwrap();
    let headers = reader.headers().unwrap().clone();
    let time = headers.iter().position(|h| h == "At.Scene.Time").unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        // M/D/YY H:MM, local time: the month is the first number.
        let month: u32 = record[time].split('/').next().unwrap().parse().unwrap();
        *direct.entry(format!("2015-{month:02}")).or_insert(0u64) += 1;
    }
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("key,label_zh,label_en,calls,share,per_day")
    );
    let total: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(total[0], "total");
    assert_eq!(total[3], "91067");
    let mut months = 0;
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(
            fields[3].parse::<u64>().unwrap(),
            direct[fields[0]],
            "month {}",
            fields[0]
        );
        months += 1;
    }
    assert_eq!(months, 12);
}

#[test]
fn seattle_groups_types_and_repeat_places_read_as_tables() {
    let file = shared("seattle-spd-calls/seattle_spd_911_incident_response_2015.csv");
    let base = [
        "stats",
        "--calls",
        &file,
        "--columns",
        SEATTLE_COLUMNS,
        "--timezone",
        "America/Los_Angeles",
        "--taxonomy",
        "seattle",
    ];
    let mut by_type = base.to_vec();
    by_type.extend([
        "--from",
        "2015-07-01",
        "--to",
        "2015-09-30",
        "--compare",
        "previous",
    ]);
    let table = succeed(&by_type);
    assert!(
        table.starts_with("2015-07-01 to 2015-09-30 (92 days)"),
        "{table}"
    );
    assert!(
        table.contains("2015-04-01 to 2015-06-30"),
        "whole quarters compare: {table}"
    );
    assert!(table.contains("入室盗窃"), "{table}");

    let mut two_robberies = base.to_vec();
    two_robberies.extend(["--by", "group", "--what", "两抢"]);
    let table = succeed(&two_robberies);
    assert!(table.contains("两抢"), "{table}");

    let mut wrong = base.to_vec();
    wrong.extend(["--what", "两枪"]);
    let error = fail(&wrong);
    assert!(error.contains("did you mean '两抢'?"), "{error}");

    let mut repeat = base.to_vec();
    repeat.extend([
        "--report",
        "repeat",
        "--radius",
        "0",
        "--min-calls",
        "5",
        "--within-days",
        "7",
        "--top",
        "3",
    ]);
    let table = succeed(&repeat);
    assert!(table.contains("5 or more calls within 7 days"), "{table}");
    assert_eq!(
        table
            .lines()
            .filter(|line| ["1,", "2,", "3,"].iter().any(|rank| line.starts_with(rank)))
            .count(),
        3,
        "{table}"
    );
}

#[test]
fn denny_blaine_response_times_match_the_source() {
    let file = shared("seattle-spd-calls/seattle_spd_calls_dennyblaine_2018-2023.csv");
    let report = succeed(&[
        "stats", "--calls", &file, "--columns",
        "time=Original Time Queued,arrived=Arrived Time,id=CAD Event Number,type=Final Call Type,lon=Blurred_Longitude,lat=Blurred_Latitude,priority=",
        "--timezone", "America/Los_Angeles", "--report", "response",
    ]);
    // SOURCE.md: 186 of 222 rows have both times, median 1,623 s: the mean of the two middle
    // values, 1,612 s and 1,634 s. pingan's percentiles are nearest-rank (the same rule in the
    // CLI and the API), so its median is the lower of the two.
    assert!(
        report.contains("calls 222 (186 with an arrival time, 36 without)"),
        "{report}"
    );
    assert!(report.contains("median 1612 s"), "{report}");
    assert!(
        !report.contains("P1:"),
        "no priority was mapped, so no priority rows: {report}"
    );
}
