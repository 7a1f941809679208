//! The live city on Heidelberg against the real server: trips keep the road engine's times, and a
//! seeded city takes calls, dispatches, drives, arrives and closes, all through the API.

use dispatch::{Incident, IncidentStatus, Unit, UnitStatus};
use live::{Api, City, LiveOptions, Trip};
use measure::{LonLat, Meters, Seconds};
use roadnet::Profile;
use scenario::{generate_deployment, DeploymentOptions};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn point(lon: f64, lat: f64) -> LonLat {
    LonLat::new(lon, lat).unwrap()
}

/// Distance from `p` to the polyline, in metres (planar at city scale).
fn distance_to_line(p: LonLat, line: &[LonLat]) -> f64 {
    let projection = measure::LocalProjection::around(p);
    let [px, py] = projection.to_xy(p);
    line.windows(2)
        .map(|pair| {
            let [ax, ay] = projection.to_xy(pair[0]);
            let [bx, by] = projection.to_xy(pair[1]);
            let (dx, dy) = (bx - ax, by - ay);
            let length = dx * dx + dy * dy;
            let t = if length > 0.0 {
                (((px - ax) * dx + (py - ay) * dy) / length).clamp(0.0, 1.0)
            } else {
                0.0
            };
            ((ax + t * dx - px).powi(2) + (ay + t * dy - py).powi(2)).sqrt()
        })
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn a_trip_keeps_the_route_time_and_stays_on_the_road() {
    let network = fixtures::heidelberg();
    for profile in [Profile::Car, Profile::Foot] {
        let graph = network.graph(profile).unwrap();
        let from = roadnet::snap(graph, point(8.6756, 49.4037), Meters(200.0)).unwrap();
        let to = roadnet::snap(graph, point(8.7103, 49.4120), Meters(200.0)).unwrap();
        let route = roadnet::route(graph, &from, &to).unwrap();
        let trip = Trip::along(graph, &route);
        assert!(
            (trip.duration().0 - route.seconds.0).abs() < 1e-6,
            "{profile}: trip {} s, route {} s",
            trip.duration().0,
            route.seconds.0
        );
        assert!(trip.points.windows(2).all(|pair| pair[0].1 <= pair[1].1));
        assert_eq!(trip.position_at(Seconds(0.0)), Some(from.on_road));
        assert_eq!(trip.position_at(trip.duration()), Some(to.on_road));
        assert_eq!(trip.position_at(Seconds(1e9)), Some(to.on_road));
        let mut previous_progress = 0.0;
        for step in 1..20 {
            let at = Seconds(trip.duration().0 * step as f64 / 20.0);
            let position = trip.position_at(at).unwrap();
            let off = distance_to_line(position, &route.geometry);
            assert!(off < 0.5, "{profile}: {off:.2} m off the route at {at:?}");
            // Progress along the trip only grows: the point nearest `position` comes later.
            let progress = trip.points.iter().position(|&(_, t)| t >= at.0).unwrap() as f64;
            assert!(progress >= previous_progress);
            previous_progress = progress;
        }
    }
}

#[test]
fn a_trip_slows_where_the_roads_are_slow() {
    // Times come edge by edge, not as one mean speed: halfway in time is not halfway in length
    // on a route mixing a main road and small streets.
    let network = fixtures::heidelberg();
    let graph = network.graph(Profile::Car).unwrap();
    let from = roadnet::snap(graph, point(8.6531, 49.3990), Meters(200.0)).unwrap();
    let to = roadnet::snap(graph, point(8.7103, 49.4120), Meters(200.0)).unwrap();
    let route = roadnet::route(graph, &from, &to).unwrap();
    let trip = Trip::along(graph, &route);
    let length = |points: &[LonLat]| {
        points
            .windows(2)
            .map(|pair| pair[0].distance_to(pair[1]).0)
            .sum::<f64>()
    };
    let half = trip.duration().0 / 2.0;
    let mut driven: Vec<LonLat> = trip
        .points
        .iter()
        .take_while(|&&(_, t)| t <= half)
        .map(|&(p, _)| p)
        .collect();
    driven.push(trip.position_at(Seconds(half)).unwrap());
    let share = length(&driven) / length(&route.geometry);
    assert!(
        (share - 0.5).abs() > 0.01,
        "half the time covers {:.3} of the length: as if at one mean speed",
        share
    );
}

async fn wait_for<T>(what: &str, limit: Duration, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_city_takes_calls_drives_to_them_and_closes_them() {
    let network = Arc::new(fixtures::heidelberg().clone());
    let options = DeploymentOptions {
        n_workstations: 4,
        n_units: 12,
        ..DeploymentOptions::default()
    };
    let deployment = generate_deployment(&network, &options, 7).unwrap();
    let directory = std::env::temp_dir().join(format!("pingan-live-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let db = directory.join("live.db");
    let _ = std::fs::remove_file(&db);
    let config = server::ServeConfig {
        graph: directory.join("unused.graph"),
        db: format!("sqlite://{}", db.display()),
        listen: "127.0.0.1:0".parse().unwrap(),
        mqtt: None,
        admin_token: Some("live-admin".to_string()),
        table_prefix: String::new(),
    };
    let running = server::start_on(config, network.clone()).await.unwrap();
    let admin = Api::new(format!("http://{}", running.address), "live-admin");
    assert!(live::seed(&admin, &deployment).await.unwrap());
    assert!(
        !live::seed(&admin, &deployment).await.unwrap(),
        "a seeded server is left as it is"
    );
    let units: Vec<Unit> = admin.get("/api/units").await.unwrap();
    assert_eq!(units.len(), deployment.units.len());
    let jurisdictions: Vec<Value> = admin.get("/api/jurisdictions").await.unwrap();
    assert_eq!(
        jurisdictions.len(),
        deployment.jurisdictions().unwrap().len()
    );
    let places: Value = admin.get("/api/places").await.unwrap();
    assert_eq!(
        places["features"].as_array().unwrap().len(),
        deployment.places.len()
    );
    assert!(units.iter().all(|unit| unit.position.is_some()));

    let options = LiveOptions {
        seed: 3,
        calls_per_hour: 1200.0,
        auto_dispatch_after: Some(Seconds(0.0)),
        mean_on_scene: Seconds(60.0),
        tick: Duration::from_millis(250),
        speed: 40.0,
    };
    let city = City::new(network.clone(), &deployment);
    let driver = tokio::spawn(live::run(city, admin.clone(), admin.clone(), options));

    let closed: Incident = wait_for(
        "a call closed after arrival",
        Duration::from_secs(90),
        async || {
            let incidents: Vec<Incident> = admin.get("/api/incidents").await.ok()?;
            incidents.into_iter().find(|incident| {
                incident.status == IncidentStatus::Closed
                    && incident.first_time(IncidentStatus::OnScene).is_some()
            })
        },
    )
    .await;
    // Calls are located in the tree: police station first, the patrol grid they fall in last.
    let incidents: Vec<Incident> = admin.get("/api/incidents").await.unwrap();
    let mut n_in_grids = 0;
    for incident in &incidents {
        let Some(grid) = deployment.grid_of(incident.location) else {
            continue;
        };
        n_in_grids += 1;
        let levels: Vec<&str> = incident
            .jurisdictions
            .iter()
            .map(|id| {
                let node = jurisdictions.iter().find(|j| j["id"] == json!(id)).unwrap();
                node["level"].as_str().unwrap()
            })
            .collect();
        assert_eq!(
            levels,
            [
                "police_station",
                "workstation",
                "police_office",
                "patrol_grid"
            ],
            "incident {} at {:?}",
            incident.id,
            incident.location
        );
        assert_eq!(
            incident.jurisdictions.last().unwrap().as_str(),
            deployment.grids[grid].id.0
        );
    }
    assert!(n_in_grids > 0, "no call fell in a patrol grid");
    let sent = closed.units[0].clone();
    let unit: Unit = admin.get(&format!("/api/units/{sent}")).await.unwrap();
    let statuses: Vec<UnitStatus> = unit.history.iter().map(|change| change.to).collect();
    let dispatched = statuses
        .iter()
        .position(|&status| status == UnitStatus::Dispatched)
        .expect("the unit was dispatched");
    assert_eq!(
        &statuses[dispatched..dispatched + 3],
        &[
            UnitStatus::Dispatched,
            UnitStatus::EnRoute,
            UnitStatus::OnScene
        ],
        "{sent}: {statuses:?}"
    );
    // Arrived where the call was: the last position before on scene is on the incident's road.
    let position = unit.position.unwrap().point;
    assert!(unit.status != UnitStatus::OnScene || position.distance_to(closed.location).0 < 500.0);

    // Patrols move: a patrolling unit's position changes between two looks.
    let moving = wait_for(
        "a patrolling unit moving",
        Duration::from_secs(30),
        async || {
            let before: Vec<Unit> = admin.get("/api/units").await.ok()?;
            tokio::time::sleep(Duration::from_millis(800)).await;
            let after: Vec<Unit> = admin.get("/api/units").await.ok()?;
            before.iter().zip(&after).find_map(|(a, b)| {
                let (pa, pb) = (a.position?.point, b.position?.point);
                (a.status == UnitStatus::Patrolling
                    && b.status == UnitStatus::Patrolling
                    && pa.distance_to(pb).0 > 1.0)
                    .then(|| b.id.clone())
            })
        },
    )
    .await;
    assert!(!moving.0.is_empty());

    // The call-to-arrival times reach the KPIs.
    let kpis: Value = admin.get("/api/kpis").await.unwrap();
    let rows = kpis["rows"].as_array().unwrap();
    assert!(
        rows.iter().any(|row| row["within_5_min"].is_number()),
        "no priority has an arrival share: {kpis}"
    );
    // The auto-dispatcher's decision is audited with the ranking it was shown.
    let audit: Vec<Value> = admin.get("/api/audit?limit=1000").await.unwrap();
    let entry = audit
        .iter()
        .find(|entry| entry["incident"] == json!(closed.id))
        .expect("the dispatch of the closed call is audited");
    assert!(
        entry["ranking_shown"]["ranked"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "{entry}"
    );
    driver.abort();
    running.task.abort();
}

#[test]
fn the_demo_calls_come_from_inside_the_patrol_grids_issue_15() {
    let network = fixtures::heidelberg();
    let deployment = generate_deployment(network, &DeploymentOptions::default(), 110).unwrap();
    let generator = scenario::CallGenerator::new(network).unwrap();
    let start = measure::Timestamp(1_700_000_000_000);
    let everywhere = generator.generate(
        start,
        1.0,
        2160.0,
        &scenario::SEATTLE_HOURLY_WEIGHTS,
        &scenario::CallMix::default(),
        7,
    );
    assert!(
        everywhere
            .iter()
            .any(|call| deployment.grid_of(call.location).is_none()),
        "the plain generator places some calls outside every grid (the trial's first call)"
    );
    let calls = live::calls_inside_grids(&generator, &deployment.grids, start, 2160.0, 7);
    assert!(calls
        .iter()
        .all(|call| deployment.grid_of(call.location).is_some()));
    // 90 calls an hour for a day: 2,160 expected inside the grids, Poisson spread.
    let n = calls.len() as f64;
    assert!((1900.0..2450.0).contains(&n), "{n} calls");
}
