//! Recommendation and cut-off on the real Heidelberg road network: ETAs are the road engine's
//! one-to-one route times, and the river decides the ranking where a straight line would not.

use dispatch::*;
use measure::{LonLat, Seconds, Timestamp};

const T0: Timestamp = Timestamp(1_700_000_000_000);

fn point(lon: f64, lat: f64) -> LonLat {
    LonLat::new(lon, lat).unwrap()
}

fn travel() -> RoadTravelTimes<&'static roadnet::RoadNetwork> {
    RoadTravelTimes::new(fixtures::heidelberg())
}

fn centre_with(units: &[(&str, UnitKind, LonLat)]) -> CommandCentre {
    let mut centre = CommandCentre::default();
    centre
        .add_workstation(Workstation {
            id: "WS-Altstadt".into(),
            name: "Altstadt".into(),
            category: WorkstationCategory::PublicSecurityPatrol,
            location: point(8.7035, 49.4108),
            jurisdiction: None,
            staffing: 10,
        })
        .unwrap();
    for (id, kind, position) in units {
        let unit = Unit::new(
            (*id).into(),
            id.to_string(),
            *kind,
            "WS-Altstadt".into(),
            [],
        );
        centre.add_unit(unit, T0).unwrap();
        centre
            .report_position(
                &UnitId::from(*id),
                PositionFix {
                    point: *position,
                    at: T0,
                },
            )
            .unwrap();
    }
    centre
}

/// Bismarckplatz, Altstadt (south bank) and Neuenheim (north bank) around the Neckar.
fn units() -> Vec<(&'static str, UnitKind, LonLat)> {
    vec![
        ("north-bank", UnitKind::PatrolCar, point(8.7000, 49.4155)),
        ("south-bank", UnitKind::PatrolCar, point(8.6890, 49.4095)),
        (
            "armed-bahnhof",
            UnitKind::ArmedPatrolCar,
            point(8.6756, 49.4037),
        ),
        ("car-weststadt", UnitKind::PatrolCar, point(8.6850, 49.3990)),
        (
            "foot-altstadt",
            UnitKind::FootPatrol,
            point(8.7060, 49.4110),
        ),
    ]
}

#[test]
fn ranking_uses_road_times_equal_to_one_to_one_routes() {
    let mut centre = centre_with(&units());
    let incident_id = centre.next_incident_id();
    let call = Call {
        category: IncidentCategory::Criminal,
        priority: Priority::P1,
        location: point(8.7000, 49.4118),
        address: "Hauptstraße".into(),
        caller: Caller::default(),
        notes: String::new(),
    };
    centre.receive_call(incident_id, call, T0).unwrap();
    let incident = centre.incident(incident_id).unwrap();
    let recommendation = recommend(incident, centre.units(), &travel(), T0).unwrap();

    let graph = fixtures::heidelberg_graph(Profile::Car);
    let limit = roadnet::DEFAULT_MAX_SNAP;
    let to = roadnet::snap(graph, incident.location, limit).unwrap();
    for candidate in &recommendation.ranked {
        let unit = centre.unit(&candidate.unit).unwrap();
        let from = roadnet::snap(graph, unit.position.unwrap().point, limit).unwrap();
        let route = roadnet::route(graph, &from, &to).expect("a road leads there");
        assert!(
            (route.seconds.0 - candidate.eta.0).abs() < 0.5,
            "{}: matrix {} vs route {}",
            candidate.unit,
            candidate.eta,
            route.seconds
        );
    }
    let ranked: Vec<&str> = recommendation
        .ranked
        .iter()
        .map(|c| c.unit.as_str())
        .collect();
    let by_straight_line = {
        let mut ids = ranked.clone();
        ids.sort_by(|a, b| {
            let distance = |id: &str| {
                centre
                    .unit(&id.into())
                    .unwrap()
                    .position
                    .unwrap()
                    .point
                    .distance_to(incident.location)
                    .0
            };
            distance(a).total_cmp(&distance(b))
        });
        ids
    };
    assert_eq!(by_straight_line[0], "north-bank", "450 m across the river");
    assert_ne!(
        ranked[0], "north-bank",
        "the bridge makes the north bank slower"
    );
    assert_eq!(recommendation.proposed.len(), 3);
    assert_eq!(recommendation.proposed[0].as_str(), "armed-bahnhof");
    assert!(recommendation
        .excluded
        .iter()
        .any(|e| e.unit.as_str() == "foot-altstadt"));
}

#[test]
fn a_call_in_the_forest_is_off_the_map() {
    let mut centre = centre_with(&units());
    let incident_id = centre.next_incident_id();
    let call = Call {
        category: IncidentCategory::Traffic,
        priority: Priority::P2,
        location: point(9.5, 49.9),
        address: String::new(),
        caller: Caller::default(),
        notes: String::new(),
    };
    centre.receive_call(incident_id, call, T0).unwrap();
    let error = recommend(
        centre.incident(incident_id).unwrap(),
        centre.units(),
        &travel(),
        T0,
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message
            .starts_with("incident 1 cannot be reached by road: (9.500000, 49.900000) is off the"),
        "{message}"
    );
    assert!(message.contains("limit 500 m"), "{message}");
}

#[test]
fn cutoff_on_real_roads_assigns_units_that_beat_the_vehicle() {
    let centre = centre_with(&units());
    let request = CutoffRequest::new(
        point(8.6931, 49.4094),
        Seconds(30.0),
        Seconds(180.0),
        Profile::Car,
    );
    let plan = plan_cutoff(&request, centre.units(), &travel()).unwrap();
    assert_eq!(plan.checkpoints.len(), 12);
    assert!(
        plan.checkpoints.len() - plan.n_uncovered >= 2,
        "road units near Bismarckplatz cover some exits: {plan:#?}"
    );
    assert!(plan.n_reachable_now > 0);
    let graph = fixtures::heidelberg_graph(Profile::Car);
    for checkpoint in &plan.checkpoints {
        assert!(checkpoint.vehicle_earliest.0 <= 210.0 + 1e-6);
        assert!(checkpoint.vehicle_earliest.0 >= 30.0 + 135.0 - 1e-6);
        if let Some(assignment) = &checkpoint.assignment {
            assert!(assignment.eta.0 + 30.0 < checkpoint.vehicle_earliest.0);
            let unit = centre.unit(&assignment.unit).unwrap();
            let from = roadnet::snap(
                graph,
                unit.position.unwrap().point,
                roadnet::DEFAULT_MAX_SNAP,
            )
            .unwrap();
            let to = roadnet::snap(graph, checkpoint.point, roadnet::DEFAULT_MAX_SNAP).unwrap();
            let route = roadnet::route(graph, &from, &to).unwrap();
            assert!((route.seconds.0 - assignment.eta.0).abs() < 0.5);
        }
    }
}

#[test]
fn a_table_for_many_units_keeps_each_unit_on_its_own_row() {
    use dispatch::TravelTimes;
    let graph = fixtures::heidelberg_graph(Profile::Car);
    let mut origins: Vec<LonLat> = (0..graph.node_count() as u32)
        .step_by(97)
        .map(|node| graph.position(node))
        .collect();
    origins.insert(3, point(9.5, 49.9));
    let target = point(8.7000, 49.4118);
    let rows = travel().table(Profile::Car, &origins, &[target]).unwrap();
    assert_eq!(rows.len(), origins.len());
    assert!(rows[3]
        .as_ref()
        .unwrap_err()
        .contains("(9.500000, 49.900000)"));
    let limit = roadnet::DEFAULT_MAX_SNAP;
    let to = roadnet::snap(graph, target, limit).unwrap();
    for (origin, row) in origins
        .iter()
        .zip(&rows)
        .step_by(25)
        .filter(|(_, row)| row.is_ok())
    {
        let from = roadnet::snap(graph, *origin, limit).unwrap();
        let route = roadnet::route(graph, &from, &to).map(|route| route.seconds.0);
        let trip = row.as_ref().unwrap()[0].map(|trip| trip.seconds.0);
        match (route, trip) {
            (Some(route), Some(trip)) => {
                assert!((route - trip).abs() < 0.5, "{origin}: {route} vs {trip}")
            }
            (None, None) => {}
            other => panic!("{origin}: {other:?}"),
        }
    }
}

/// A call on a road far from any footpath: the cars are ranked and the foot patrol is excluded
/// with the reason, instead of the whole ranking failing.
#[test]
fn an_incident_off_the_foot_map_still_ranks_the_cars() {
    let mut centre = centre_with(&units());
    let incident_id = centre.next_incident_id();
    let far_road = point(9.104483, 49.3581315);
    assert!(roadnet::snap(
        fixtures::heidelberg_graph(roadnet::Profile::Foot),
        far_road,
        roadnet::DEFAULT_MAX_SNAP
    )
    .is_err());
    let call = Call {
        category: IncidentCategory::Assistance,
        priority: Priority::P4,
        location: far_road,
        address: String::new(),
        caller: Caller::default(),
        notes: String::new(),
    };
    centre.receive_call(incident_id, call, T0).unwrap();
    let recommendation = recommend(
        centre.incident(incident_id).unwrap(),
        centre.units(),
        &travel(),
        T0,
    )
    .unwrap();
    assert_eq!(recommendation.ranked.len(), 4, "every car reaches it");
    assert_eq!(recommendation.proposed.len(), 1);
    let foot = &recommendation.excluded[0];
    assert_eq!(foot.unit.as_str(), "foot-altstadt");
    assert!(
        foot.reason
            .starts_with("the incident is off the foot road map: (9.104483, 49.358131) is 17.1 km"),
        "{}",
        foot.reason
    );
}
