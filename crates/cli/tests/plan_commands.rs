//! `pingan cover` and `pingan site` end to end on the real Heidelberg extract and the bundled
//! workstations (data/heidelberg-workstations.csv): city modes, the instance round trip, and
//! bad input.

mod common;

use common::{fail, pingan, succeed};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn work_dir() -> PathBuf {
    common::work_dir("plan")
}

#[track_caller]
fn json_line(text: &str) -> Value {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one JSON line: {text}");
    serde_json::from_str(lines[0]).unwrap()
}

/// Pretty-printed JSON: many lines, one document.
#[track_caller]
fn pretty_json(text: &str) -> Value {
    assert!(text.lines().count() > 10, "pretty-printed: {text}");
    serde_json::from_str(text).unwrap()
}

/// Runs `pingan args`, which must succeed: its standard output and standard error.
#[track_caller]
fn succeed_with_notes(args: &[&str]) -> (String, String) {
    let output = pingan(args);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "pingan {args:?} failed: {stderr}");
    (String::from_utf8(output.stdout).unwrap(), stderr)
}

/// Heidelberg, imported once by the real `pingan import`.
fn graph() -> &'static str {
    static GRAPH: OnceLock<String> = OnceLock::new();
    GRAPH.get_or_init(|| {
        let graph = work_dir().join("heidelberg.graph");
        let pbf = fixtures::heidelberg_pbf();
        succeed(&[
            "import",
            pbf.to_str().unwrap(),
            "-o",
            graph.to_str().unwrap(),
        ]);
        graph.to_str().unwrap().to_string()
    })
}

fn stations() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/heidelberg-workstations.csv")
        .to_str()
        .unwrap()
        .to_string()
}

fn write(name: &str, text: &str) -> String {
    let path = work_dir().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn path(name: &str) -> String {
    work_dir().join(name).to_str().unwrap().to_string()
}

const STATION_IDS: [&str; 12] = [
    "HD-01", "HD-02", "HD-03", "HD-04", "HD-05", "HD-06", "HD-07", "HD-08", "HD-09", "HD-10",
    "HD-11", "HD-12",
];

#[test]
fn cover_on_the_city_reports_limits_grids_and_key_places() {
    // Bismarckplatz is a workstation; the Königstuhl summit is a long drive up the hill.
    let key_places = write(
        "key-places.csv",
        "id,name,lon,lat,kind\nKP-1,Bismarckplatz,8.6931,49.4094,crowded_place\nMV-1,Königstuhl,8.7270,49.3990,must_visit\n",
    );
    let (html, geojson) = (path("cover.html"), path("cover.geojson"));
    let out = succeed(&[
        "cover",
        "--graph",
        graph(),
        "--stations",
        &stations(),
        "--key-places",
        &key_places,
        "--html",
        &html,
        "--geojson",
        &geojson,
        "--format",
        "json",
    ]);
    let summary = pretty_json(&out);
    assert_eq!(summary["open_sites"], 12);
    let shares: Vec<f64> = summary["limits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|limit| limit["share"].as_f64().unwrap())
        .collect();
    assert_eq!(shares.len(), 3);
    assert!(
        0.0 < shares[0] && shares[0] < shares[1] && shares[1] < shares[2] && shares[2] <= 1.0,
        "{shares:?}"
    );
    // Every demand point is in one grid or outside them all.
    let total = summary["total_weight"].as_f64().unwrap();
    let grids = summary["grids"].as_array().unwrap();
    assert!(grids.len() > 20, "{} grids", grids.len());
    let in_grids: f64 = grids.iter().map(|g| g["weight"].as_f64().unwrap()).sum();
    let outside = summary["outside_grids_weight"].as_f64().unwrap();
    assert!((in_grids + outside - total).abs() < 1e-3 * total);
    // The worst grid is no better served than any other within 3 minutes.
    let worst = &summary["worst_grids"][0];
    let worst_share = worst["shares"][1].as_f64().unwrap();
    assert!(grids
        .iter()
        .filter(|g| g["weight"].as_f64().unwrap() > 0.0)
        .all(|g| g["shares"][1].as_f64().unwrap() >= worst_share));
    assert!(STATION_IDS.contains(&worst["workstation"].as_str().unwrap()));

    let places = summary["key_places"].as_array().unwrap();
    assert_eq!(places[0]["nearest"], "HD-01");
    assert!(places[0]["seconds"].as_f64().unwrap() < 30.0);
    assert_eq!(places[0]["within"], serde_json::json!([true, true, true]));
    assert_eq!(places[1]["kind"], "must_visit");
    assert_eq!(summary["uncovered_key_places"], serde_json::json!(["MV-1"]));

    let report = std::fs::read_to_string(&html).unwrap();
    assert_eq!(report.matches("<svg").count(), 3);
    assert!(report.contains("Worst-served patrol grids") && report.contains("Königstuhl"));
    assert!(!report.contains("<script") && !report.contains("src=") && !report.contains("href="));
    let features: Value =
        serde_json::from_str(&std::fs::read_to_string(&geojson).unwrap()).unwrap();
    let count = |layer: &str| {
        features["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["layer"] == layer)
            .count()
    };
    assert_eq!(count("station"), 12);
    assert_eq!(count("key_place"), 2);
    assert_eq!(count("grid"), grids.len());
    assert_eq!(
        count("demand"),
        summary["demand_points"].as_u64().unwrap() as usize
    );

    // Units parked away from the workstations only add coverage.
    let units = write(
        "units.csv",
        "id,lon,lat\nU-1,8.7270,49.3990\nU-2,8.6400,49.4100\n",
    );
    let with_units = pretty_json(&succeed(&[
        "cover",
        "--graph",
        graph(),
        "--stations",
        &stations(),
        "--units",
        &units,
        "--key-places",
        &key_places,
        "--format",
        "json",
    ]));
    assert_eq!(with_units["open_sites"], 14);
    for (limit, before) in with_units["limits"].as_array().unwrap().iter().zip(&shares) {
        assert!(limit["share"].as_f64().unwrap() >= *before);
    }
    assert_eq!(with_units["uncovered_key_places"], serde_json::json!([]));

    // The default is a table for people, the same figures rounded to 0.1 %.
    let (table, notes) = succeed_with_notes(&[
        "cover",
        "--graph",
        graph(),
        "--stations",
        &stations(),
        "--key-places",
        &key_places,
    ]);
    assert!(table.len() < 8_000, "{} bytes", table.len());
    for (minutes, share) in ["1 min", "3 min", "5 min"].iter().zip(&shares) {
        let row = table
            .lines()
            .find(|line| line.starts_with(minutes))
            .unwrap_or_else(|| panic!("{minutes}: {table}"));
        assert!(
            row.contains(&format!("{:.1} %", share * 100.0)),
            "{row} {share}"
        );
    }
    let worst_row = format!("{} ", worst["id"].as_str().unwrap());
    assert!(
        table.contains("worst-served patrol grids") && table.contains(&worst_row),
        "{table}"
    );
    assert!(
        table.contains("key places beyond 5 min: 1 of 2")
            && table.contains("MV-1 Königstuhl (must_visit): "),
        "{table}"
    );
    assert!(
        notes.contains("no --demand: generated ")
            && notes.contains("no patrol grids given (--deployment): laid "),
        "{notes}"
    );
}

#[test]
fn city_and_instance_agree_and_site_round_trips_through_the_instance_files() {
    let instance = path("heidelberg-instance");
    let model_args = [
        "--model", "mclp", "--p", "16", "--radius", "150", "--format", "json",
    ];
    let city_args = [
        "site",
        "--graph",
        graph(),
        "--fixed",
        &stations(),
        "--spacing",
        "1000",
        "--demand-spacing",
        "500",
        "--write-instance",
        &instance,
    ];
    let from_city = json_line(&succeed(&[&city_args[..], &model_args[..]].concat()));
    let from_files = json_line(&succeed(
        &[
            &["site", "--instance", instance.as_str()][..],
            &model_args[..],
        ]
        .concat(),
    ));
    for key in ["model", "objective", "selected", "covered_weight", "gap"] {
        assert_eq!(from_city[key], from_files[key], "{key}");
    }
    let selected: Vec<&str> = from_city["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    assert_eq!(selected.len(), 16);
    assert!(
        STATION_IDS.iter().all(|id| selected.contains(id)),
        "fixed sites kept"
    );
    let sites = std::fs::read_to_string(Path::new(&instance).join("sites.csv")).unwrap();
    assert!(
        sites.starts_with("id,lon,lat,fixed\nHD-01,8.6931,49.4094,1\n"),
        "{sites}"
    );
    let cost = std::fs::read_to_string(Path::new(&instance).join("cost.csv")).unwrap();
    assert!(cost.starts_with("demand_id,site_id,seconds\n"));

    // Coverage from the workstations: the city mode (one multi-source Dijkstra) and the
    // instance mode (the CH matrix written to cost.csv) give the same figures.
    let city = pretty_json(&succeed(&[
        "cover",
        "--graph",
        graph(),
        "--stations",
        &stations(),
        "--demand-spacing",
        "500",
        "--format",
        "json",
    ]));
    let files = pretty_json(&succeed(&[
        "cover",
        "--instance",
        &instance,
        "--format",
        "json",
    ]));
    assert_eq!(city["limits"], files["limits"]);
    assert_eq!(city["total_weight"], files["total_weight"]);

    // A phased plan: two years of two sites each, the stations and year 1 kept in year 2.
    let phased = json_line(&succeed(&[
        "site",
        "--instance",
        &instance,
        "--model",
        "pmedian",
        "--years",
        "2",
        "--per-year",
        "2",
        "--heuristic",
        "--format",
        "json",
    ]));
    let years = phased["years"].as_array().unwrap();
    assert_eq!(years.len(), 2);
    let year_one: Vec<&Value> = years[0]["added"].as_array().unwrap().iter().collect();
    assert_eq!(year_one.len(), 2);
    let last: &Vec<Value> = phased["selected"].as_array().unwrap();
    assert_eq!(last.len(), 16);
    assert!(year_one.iter().all(|id| last.contains(id)));
    let share = |year: &Value, minutes: usize| year["coverage"][minutes]["share"].as_f64().unwrap();
    let to_tenth_percent = |share: f64| (share * 1000.0).round() / 1000.0;
    assert_eq!(share(&years[0], 2), to_tenth_percent(share(&years[0], 2)));
    assert!(share(&years[1], 1) >= share(&years[0], 1));
    assert!(years[1]["objective"].as_f64().unwrap() <= years[0]["objective"].as_f64().unwrap());

    // The README's phased example: --p is not what a phased plan opens, and it says so.
    let (text, notes) = succeed_with_notes(&[
        "site",
        "--instance",
        &instance,
        "--model",
        "mclp",
        "--radius",
        "180",
        "--p",
        "20",
        "--years",
        "3",
        "--per-year",
        "2",
        "--heuristic",
    ]);
    assert!(
        notes.contains("--p 20 is not used by a phased plan: it opens the 12 fixed sites plus --years 3 x --per-year 2, 18 sites in all"),
        "{notes}"
    );
    assert!(
        text.starts_with("mclp: 18 sites (12 fixed, 6 new); objective "),
        "{text}"
    );
    for year in 1..=3 {
        assert!(text.contains(&format!("\nyear {year}: adds ")), "{text}");
    }
}

#[test]
fn site_prints_the_chosen_sites_with_positions_and_names() {
    let candidates = write(
        "named-candidates.csv",
        "id,name,lon,lat\nC-1,Königstuhl,8.7270,49.3990\nC-2,,8.6400,49.4100\n",
    );
    let (text, notes) = succeed_with_notes(&[
        "site",
        "--graph",
        graph(),
        "--fixed",
        &stations(),
        "--candidates",
        &candidates,
        "--demand-spacing",
        "1000",
        "--model",
        "mclp",
        "--p",
        "14",
        "--radius",
        "180",
    ]);
    assert!(notes.contains("no --demand: generated "), "{notes}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("mclp: 14 sites (12 fixed, 2 new); objective ")
            && lines[0].contains(", gap "),
        "{text}"
    );
    assert!(lines[1].starts_with("within 1/3/5 min: "), "{text}");
    assert!(
        lines.contains(&"HD-01        8.693100,49.409400  Bismarckplatz (fixed)"),
        "{text}"
    );
    assert!(
        lines.contains(&"C-1          8.727000,49.399000  Königstuhl"),
        "{text}"
    );
    assert!(lines.contains(&"C-2          8.640000,49.410000"), "{text}");
    assert_eq!(lines.len(), 2 + 14, "{text}");
}

#[test]
fn simulate_compare_labels_each_side_by_its_file_and_explains_the_empty_minute() {
    let first = path("first.toml");
    let (out, notes) = succeed_with_notes(&[
        "simulate",
        "--graph",
        graph(),
        "--stations",
        &stations(),
        "--workstations",
        "12",
        "--units",
        "20",
        "--days",
        "1",
        "--calls-per-day",
        "100",
        "--write-deployment",
        &first,
    ]);
    assert!(out.starts_with("== generated (seed 1)\n"), "{out}");
    assert!(notes.contains("no --deployment: generating"), "{notes}");
    let second = path("second.toml");
    std::fs::copy(&first, &second).unwrap();
    let out = succeed(&[
        "simulate",
        "--graph",
        graph(),
        "--deployment",
        &first,
        "--compare",
        &second,
        "--days",
        "1",
        "--calls-per-day",
        "100",
        "--seeds",
        "2",
    ]);
    assert!(out.starts_with("== first.toml\n"), "{out}");
    assert!(out.contains("\n== second.toml\n"), "{out}");
    assert!(
        out.contains("\n== second.toml minus first.toml over seeds 1..=2"),
        "{out}"
    );
    assert!(!out.contains("generated (seed"), "{out}");
    // Both sides wait 60 s for dispatch: no call is reached within a minute, and it says why.
    assert!(
        out.contains(
            "≤1 min is 0.0 %: the 60 s dispatch delay (--dispatch-delay) leaves no time to drive"
        ),
        "{out}"
    );
    assert_eq!(out.matches("dispatch delay").count(), 1, "{out}");
    let message = fail(&["simulate", "--graph", graph(), "--dispatch-delay", "NaN"]);
    assert!(
        message.contains("--dispatch-delay must be zero or a positive"),
        "{message}"
    );
}

#[test]
fn bad_city_input_gets_a_clear_error() {
    let off_map = write(
        "off-map.csv",
        "id,lon,lat\nHD-01,8.6931,49.4094\nMannheim,8.4660,49.4875\n",
    );
    let message = fail(&["cover", "--graph", graph(), "--stations", &off_map]);
    assert!(
        message.contains("off-map.csv: station 'Mannheim'") && message.contains("inside the map"),
        "{message}"
    );
    let message = fail(&[
        "site",
        "--graph",
        graph(),
        "--fixed",
        &off_map,
        "--model",
        "lscp",
        "--radius",
        "300",
    ]);
    assert!(message.contains("station 'Mannheim'"), "{message}");

    let missing = path("no-such-city.graph");
    let message = fail(&["cover", "--graph", &missing, "--stations", &stations()]);
    assert!(message.contains("no-such-city.graph"), "{message}");
    let message = fail(&[
        "cover",
        "--graph",
        graph(),
        "--stations",
        &path("no-such-stations.csv"),
    ]);
    assert!(message.contains("no-such-stations.csv"), "{message}");

    let bad_kind = write(
        "bad-kind.csv",
        "id,lon,lat,kind\nKP-1,8.6931,49.4094,school\n",
    );
    let message = fail(&[
        "cover",
        "--graph",
        graph(),
        "--stations",
        &stations(),
        "--key-places",
        &bad_kind,
    ]);
    assert!(
        message.contains("bad-kind.csv:2:4: 'kind' is 'school'; use one of crowded_place, key_unit, vital_site, must_visit"),
        "{message}"
    );

    // Every point within a minute of some site is impossible from hilltop demand: LSCP names it.
    let demand = write(
        "hill-demand.csv",
        "id,lon,lat,weight\ncentre,8.6931,49.4094,5\nsummit,8.7270,49.3990,1\n",
    );
    let candidates = write("centre-sites.csv", "id,lon,lat\nC-1,8.6935,49.4090\n");
    let message = fail(&[
        "site",
        "--graph",
        graph(),
        "--demand",
        &demand,
        "--candidates",
        &candidates,
        "--model",
        "lscp",
        "--radius",
        "60",
    ]);
    assert!(
        message.contains(
            "lscp is infeasible: 1 demand point(s) have no candidate site within 60.0 s: summit"
        ),
        "{message}"
    );
    let message = fail(&[
        "cover",
        "--instance",
        &path("any-instance"),
        "--stations",
        &stations(),
    ]);
    assert!(
        message.contains("--stations applies only to a city (--graph)"),
        "{message}"
    );
    let message = fail(&["site", "--model", "lscp", "--radius", "60"]);
    assert!(
        message.contains("--graph") || message.contains("--instance"),
        "{message}"
    );
}
