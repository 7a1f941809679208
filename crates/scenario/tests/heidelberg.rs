//! Deployments and calls generated on the real Heidelberg network: believable, reproducible, and
//! written and read back without loss; bad files get errors that say where and what.

use dispatch::{IncidentCategory, PlaceKind, PlaceShape, Priority, UnitKind};
use measure::{LonLat, Timestamp};
use scenario::*;
use std::collections::BTreeSet;

const START: Timestamp = Timestamp(1_767_225_600_000); // 2026-01-01T00:00:00Z

fn deployment(seed: u64) -> Deployment {
    generate_deployment(fixtures::heidelberg(), &DeploymentOptions::default(), seed)
        .expect("Heidelberg is large enough")
}

#[test]
fn generated_deployment_is_believable_and_seeded() {
    let first = deployment(7);
    assert_eq!(first, deployment(7), "a seed gives the same deployment");
    assert_ne!(first.workstations, deployment(8).workstations);
    assert!((8..=12).contains(&first.workstations.len()));
    assert!((40..=60).contains(&first.units.len()));
    let kinds: BTreeSet<UnitKind> = first.units.iter().map(|u| u.kind).collect();
    assert!(kinds.len() >= 5, "{kinds:?}");
    assert!(first.grids.len() >= 20, "{} grids", first.grids.len());
    assert!(first.places.iter().any(|p| p.kind == PlaceKind::MustVisit));
    // Workstations spread out: no two closer than 500 m.
    for a in &first.workstations {
        for b in &first.workstations {
            if a.id < b.id {
                assert!(
                    a.location.distance_to(b.location).0 > 500.0,
                    "{} {}",
                    a.id,
                    b.id
                );
            }
        }
    }
    // Every workstation guards at least one grid, and patrols have grids.
    for station in &first.workstations {
        assert!(
            first.grids.iter().any(|g| g.workstation == station.id),
            "{}",
            station.id
        );
    }
    assert!(first
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::PatrolCar)
        .all(|u| u.grid.is_some()));
    first.check().unwrap();
}

#[test]
fn deployment_round_trips_through_toml() {
    let original = deployment(3);
    let text = original.to_toml();
    let read = Deployment::from_toml(&text, "D.toml").unwrap();
    assert_eq!(read, original);
}

#[test]
fn old_files_with_key_places_still_read() {
    let text = r#"
name = "old"
units = []
[[workstations]]
id = "WS-1"
name = "one"
category = "public_security_patrol"
location = { lon = 8.69, lat = 49.41 }
staffing = 4
[[key_places]]
id = "KP-01"
name = "Key place 1 (Hauptstraße)"
kind = "key_place"
location = { lon = 8.70, lat = 49.41 }
[[key_places]]
id = "MV-01"
name = "Must-visit point 1 (Bergheimer Straße)"
kind = "must_visit"
location = { lon = 8.68, lat = 49.41 }
"#;
    let read = Deployment::from_toml(text, "old.toml").unwrap();
    let kinds: Vec<(&str, PlaceKind)> = read
        .places
        .iter()
        .map(|p| (p.id.as_str(), p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("KP-01", PlaceKind::KeyUnit),
            ("MV-01", PlaceKind::MustVisit)
        ]
    );
    assert_eq!(
        read.places[0].shape,
        PlaceShape::Point(LonLat::new(8.70, 49.41).unwrap())
    );
    let again = Deployment::from_toml(&read.to_toml(), "new.toml").unwrap();
    assert_eq!(again, read);
}

#[track_caller]
fn check_bad_deployment(text: &str, expected: &[&str]) {
    let message = Deployment::from_toml(text, "bad.toml")
        .unwrap_err()
        .to_string();
    for part in expected {
        assert!(message.contains(part), "{message:?} lacks {part:?}");
    }
}

#[test]
fn bad_deployments_name_the_file_and_the_problem() {
    let station = r#"
name = "x"
[[workstations]]
id = "WS-1"
name = "one"
category = "public_security_patrol"
location = { lon = 8.69, lat = 49.41 }
staffing = 4
"#;
    check_bad_deployment(
        &format!("{station}[[units]]\nid = \"U-1\"\nname = \"car\"\nkind = \"patrol_car\"\nhome = \"WS-9\"\n"),
        &["bad.toml", "U-1", "WS-9", "not in [[workstations]]"],
    );
    check_bad_deployment(
        &format!(
            "{station}[[units]]\nid = \"U-1\"\nname = \"car\"\nkind = \"tank\"\nhome = \"WS-1\"\n"
        ),
        &["bad.toml", "tank"],
    );
    check_bad_deployment(
        &format!("{}[[places]]\nid = \"MP-1\"\nname = \"line\"\nkind = \"must_patrol\"\nshape = {{ point = {{ lon = 8.69, lat = 49.41 }} }}\n", station.replacen("name = \"x\"", "name = \"x\"\nunits = []", 1)),
        &["bad.toml", "MP-1", "must-patrol line", "line"],
    );
    check_bad_deployment(
        "name = \"x\"\nunits = []\nworkstations = []\n",
        &["bad.toml", "no [[workstations]]"],
    );
}

#[test]
fn misspelt_keys_are_refused_with_their_line_and_the_nearest_name_issue_15() {
    let station = "name = \"x\"\n[[workstations]]\nid = \"WS-1\"\nname = \"one\"\ncategory = \"public_security_patrol\"\nlocation = { lon = 8.69, lat = 49.41 }\nstaffing = 4\n";
    check_bad_deployment(
        &format!("{station}[[units]]\nid = \"U-1\"\nname = \"car\"\nkind = \"patrol_car\"\nhome = \"WS-1\"\ngird = \"G-1\"\n"),
        &["bad.toml", "line 13", "unknown field 'gird'", "did you mean 'grid'?"],
    );
    check_bad_deployment(
        &format!("units = []\n{station}[[place]]\nid = \"P-1\"\n"),
        &[
            "bad.toml",
            "unknown field 'place'",
            "did you mean 'places'?",
        ],
    );
    check_bad_deployment(
        &station.replace("staffing = 4", "staffing = 4\ncapacity = 2"),
        &["bad.toml", "line 8", "unknown field 'capacity'"],
    );
}

#[test]
fn calls_follow_the_hourly_rhythm_and_the_centre() {
    let network = fixtures::heidelberg();
    let calls = generate_calls(network, START, 30.0, 1000.0, 11).unwrap();
    assert_eq!(
        calls,
        generate_calls(network, START, 30.0, 1000.0, 11).unwrap()
    );
    let n = calls.len() as f64;
    assert!((27_000.0..33_000.0).contains(&n), "{n}");
    assert!(calls.windows(2).all(|w| w[0].at <= w[1].at));
    let mut per_hour = [0usize; 24];
    for call in &calls {
        per_hour[hour_of_day(call.at)] += 1;
    }
    // The Seattle log's afternoon peak (17 h) is 3.9 times its 4 am trough.
    let ratio = per_hour[17] as f64 / per_hour[4] as f64;
    assert!((3.0..5.0).contains(&ratio), "{per_hour:?}");
    let p1 = calls.iter().filter(|c| c.priority == Priority::P1).count() as f64 / n;
    assert!((0.06..0.10).contains(&p1), "{p1}");
    // Denser in the centre: the calls' median distance to the old town is well under the road
    // nodes' median distance.
    let old_town = LonLat::new(8.6931, 49.4094).unwrap();
    let median = |mut d: Vec<f64>| {
        d.sort_by(f64::total_cmp);
        d[d.len() / 2]
    };
    let graph = fixtures::heidelberg_graph(roadnet::Profile::Car);
    let nodes = median(
        (0..graph.node_count() as u32)
            .map(|v| graph.position(v).distance_to(old_town).0)
            .collect(),
    );
    let called = median(
        calls
            .iter()
            .map(|c| c.location.distance_to(old_town).0)
            .collect(),
    );
    assert!(called < 0.8 * nodes, "calls {called} m, nodes {nodes} m");
}

#[test]
fn calls_round_trip_through_csv() {
    let mut calls = generate_calls(fixtures::heidelberg(), START, 1.0, 200.0, 5).unwrap();
    calls[0].recorded = Recorded {
        dispatched: Some(Timestamp(calls[0].at.0 + 60_000)),
        arrived: Some(Timestamp(calls[0].at.0 + 300_000)),
    };
    let mut text = Vec::new();
    write_calls(&mut text, &calls).unwrap();
    let read = read_calls(text.as_slice(), "calls.csv").unwrap();
    assert_eq!(read.len(), calls.len());
    for (a, b) in read.iter().zip(&calls) {
        assert_eq!(a.at, b.at);
        assert!(a.location.distance_to(b.location).0 < 0.2);
        assert_eq!(
            (a.category, a.priority, a.recorded),
            (b.category, b.priority, b.recorded)
        );
    }
}

#[test]
fn bad_calls_name_the_line_and_the_value() {
    let text = "time,lon,lat,category,priority\n2026-01-01T00:00:00,8.69,49.41,traffic,P2\n2026-01-01T00:05:00,8.69,49.41,theft,P2\n";
    let message = read_calls(text.as_bytes(), "calls.csv")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("calls.csv line 3") && message.contains("'theft'"),
        "{message}"
    );
    let message = read_calls("time,lon,category\n".as_bytes(), "c.csv")
        .unwrap_err()
        .to_string();
    assert!(message.contains("no 'lat' column"), "{message}");
    let ok = "time,lon,lat,category,priority\n2026-01-01 00:00:00,8.69,49.41,public order,2\n";
    let calls = read_calls(ok.as_bytes(), "ok.csv").unwrap();
    assert_eq!(
        (calls[0].category, calls[0].priority),
        (IncidentCategory::PublicOrder, Priority::P2)
    );
}

#[test]
fn existing_workstations_are_kept() {
    let options = DeploymentOptions {
        existing_workstations: vec![
            (
                "HD-01".into(),
                "Bismarckplatz".into(),
                LonLat::new(8.6931, 49.4094).unwrap(),
            ),
            (
                "HD-02".into(),
                "Hauptbahnhof".into(),
                LonLat::new(8.6756, 49.4037).unwrap(),
            ),
            (
                "HD-08".into(),
                "Kirchheim".into(),
                LonLat::new(8.6620, 49.3850).unwrap(),
            ),
        ],
        ..DeploymentOptions::default()
    };
    let deployment = generate_deployment(fixtures::heidelberg(), &options, 1).unwrap();
    let ids: Vec<&str> = deployment
        .workstations
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(ids, ["HD-01", "HD-02", "HD-08"]);
    assert_eq!(deployment.units.len(), 50);
    assert!(deployment
        .units
        .iter()
        .all(|u| ids.contains(&u.home.as_str())));
    let far = DeploymentOptions {
        existing_workstations: vec![(
            "X".into(),
            "Mannheim".into(),
            LonLat::new(7.0, 49.0).unwrap(),
        )],
        ..DeploymentOptions::default()
    };
    let message = generate_deployment(fixtures::heidelberg(), &far, 1)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("workstation 'X'") && message.contains("limit"),
        "{message}"
    );
}
