//! The dispatch rules on hand-made cities: lifecycles, the jurisdiction tree, ranking, merging,
//! KPIs and cut-off, with travel times from a straight-line stand-in so each rule is seen alone.

use dispatch::*;
use measure::{CoordinateSystem, LonLat, Meters, Seconds, Timestamp};

/// Straight line at a fixed speed per profile; west of longitude 8 is "off the map".
struct StraightLine;

fn speed(profile: Profile) -> f64 {
    match profile {
        Profile::Car => 10.0,
        Profile::Motorcycle => 12.0,
        Profile::Foot => 1.4,
    }
}

impl TravelTimes for StraightLine {
    fn table(
        &self,
        profile: Profile,
        origins: &[LonLat],
        targets: &[LonLat],
    ) -> Result<TravelRows, TravelError> {
        if let Some(target) = targets.iter().find(|t| t.lon < 8.0) {
            return Err(TravelError::OffMap {
                point: *target,
                profile,
                reason: "west of the test map".into(),
            });
        }
        Ok(origins
            .iter()
            .map(|origin| {
                if origin.lon < 8.0 {
                    return Err(format!("{origin} is west of the test map"));
                }
                Ok(targets
                    .iter()
                    .map(|target| {
                        let meters = origin.distance_to(*target);
                        Some(Travel {
                            seconds: Seconds(meters.0 / speed(profile)),
                            meters,
                        })
                    })
                    .collect())
            })
            .collect())
    }

    fn reach(
        &self,
        profile: Profile,
        origin: LonLat,
        within: Seconds,
    ) -> Result<Vec<(LonLat, Seconds)>, TravelError> {
        let projection = measure::LocalProjection::around(origin);
        let mut points = Vec::new();
        for i in -40..=40 {
            for j in -40..=40 {
                let xy = [i as f64 * 100.0, j as f64 * 100.0];
                let seconds = (xy[0].hypot(xy[1])) / speed(profile);
                if seconds <= within.0 {
                    points.push((projection.to_lonlat(xy), Seconds(seconds)));
                }
            }
        }
        Ok(points)
    }
}

const T0: Timestamp = Timestamp(1_700_000_000_000);

fn at(seconds: f64) -> Timestamp {
    T0.plus(Seconds(seconds))
}

fn point(lon: f64, lat: f64) -> LonLat {
    LonLat::new(lon, lat).unwrap()
}

/// A point `east` and `north` metres from the incident at (8.69, 49.41).
fn offset(east: f64, north: f64) -> LonLat {
    measure::LocalProjection::around(point(8.69, 49.41)).to_lonlat([east, north])
}

fn square(center: LonLat, half_size_m: f64) -> Area {
    let projection = measure::LocalProjection::around(center);
    Area::new(vec![
        projection.to_lonlat([-half_size_m, -half_size_m]),
        projection.to_lonlat([half_size_m, -half_size_m]),
        projection.to_lonlat([half_size_m, half_size_m]),
        projection.to_lonlat([-half_size_m, half_size_m]),
    ])
    .unwrap()
}

fn centre_with_units(units: &[(&str, UnitKind, LonLat)]) -> CommandCentre {
    let mut centre = CommandCentre::default();
    centre
        .add_workstation(Workstation {
            id: "WS-1".into(),
            name: "Bismarckplatz".into(),
            category: WorkstationCategory::PublicSecurityPatrol,
            location: point(8.69, 49.41),
            jurisdiction: None,
            staffing: 12,
        })
        .unwrap();
    for (id, kind, position) in units {
        let unit = Unit::new((*id).into(), id.to_string(), *kind, "WS-1".into(), []);
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

fn robbery() -> Call {
    Call {
        category: IncidentCategory::Criminal,
        priority: Priority::P1,
        location: point(8.69, 49.41),
        address: "Hauptstraße 1".into(),
        caller: Caller {
            name: "Li".into(),
            phone: "110".into(),
        },
        notes: "two men, one with a knife".into(),
    }
}

#[test]
fn unit_lifecycle_accepts_the_normal_path_and_names_the_forbidden_step() {
    let mut centre = centre_with_units(&[("car-1", UnitKind::PatrolCar, offset(500.0, 0.0))]);
    let incident = centre.next_incident_id();
    centre.receive_call(incident, robbery(), at(0.0)).unwrap();
    let car: UnitId = "car-1".into();

    let error = centre
        .change_unit_status(&car, UnitStatus::OnScene, at(5.0))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "unit car-1 is available and cannot become on_scene; allowed next: patrolling, dispatched, out_of_service"
    );
    assert_eq!(error.code(), "invalid_transition");
    assert_eq!(
        centre.change_unit_status(&car, UnitStatus::Dispatched, at(5.0)),
        Err(DispatchError::NeedsDispatch(UnitStatus::Dispatched))
    );

    centre
        .dispatch(incident, std::slice::from_ref(&car), at(30.0))
        .unwrap();
    centre
        .change_unit_status(&car, UnitStatus::EnRoute, at(40.0))
        .unwrap();
    centre
        .change_unit_status(&car, UnitStatus::OnScene, at(150.0))
        .unwrap();
    assert_eq!(
        centre.incident(incident).unwrap().status,
        IncidentStatus::OnScene
    );
    let error = centre
        .change_unit_status(&car, UnitStatus::EnRoute, at(100.0))
        .unwrap_err();
    assert!(
        error.to_string().contains("cannot become en_route"),
        "{error}"
    );

    centre
        .change_incident_status(incident, IncidentStatus::Closed, at(900.0))
        .unwrap();
    let unit = centre.unit(&car).unwrap();
    assert_eq!(unit.status, UnitStatus::Available);
    assert_eq!(unit.incident, None);
    let statuses: Vec<UnitStatus> = unit.history.iter().map(|change| change.to).collect();
    assert_eq!(
        statuses,
        [
            UnitStatus::Dispatched,
            UnitStatus::EnRoute,
            UnitStatus::OnScene,
            UnitStatus::Available
        ]
    );
    let error = centre
        .change_incident_status(incident, IncidentStatus::Cancelled, at(901.0))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("incident {incident} is closed and cannot become cancelled; allowed next: none, the incident is finished")
    );
}

#[test]
fn a_rejected_dispatch_changes_nothing() {
    let mut centre = centre_with_units(&[
        ("car-1", UnitKind::PatrolCar, offset(500.0, 0.0)),
        ("car-2", UnitKind::PatrolCar, offset(900.0, 0.0)),
    ]);
    let first = centre.next_incident_id();
    centre.receive_call(first, robbery(), at(0.0)).unwrap();
    centre.dispatch(first, &["car-2".into()], at(10.0)).unwrap();
    let second = centre.next_incident_id();
    centre.receive_call(second, robbery(), at(20.0)).unwrap();
    let before = centre.clone();
    let error = centre
        .dispatch(second, &["car-1".into(), "car-2".into()], at(30.0))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("unit car-2 is dispatched and cannot become dispatched"),
        "{error}"
    );
    assert_eq!(centre, before);
    assert_eq!(
        centre.dispatch(second, &["ghost".into()], at(30.0)),
        Err(DispatchError::UnitNotFound("ghost".into()))
    );
}

#[test]
fn jurisdiction_tree_checks_levels_and_locates_calls_down_to_the_grid() {
    let mut tree = JurisdictionTree::default();
    let center = point(8.69, 49.41);
    let node = |id: &str, level, parent: Option<&str>, half| Jurisdiction {
        id: id.into(),
        name: id.to_string(),
        level,
        parent: parent.map(JurisdictionId::from),
        area: square(center, half),
    };
    tree.add(node("PS", JurisdictionLevel::PoliceStation, None, 3000.0))
        .unwrap();
    let error = tree
        .add(node("G", JurisdictionLevel::PatrolGrid, Some("PS"), 100.0))
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "a patrol grid hangs under a police office, but 'PS' is a police station"
    );
    tree.add(node(
        "WS",
        JurisdictionLevel::Workstation,
        Some("PS"),
        2000.0,
    ))
    .unwrap();
    tree.add(node(
        "PO",
        JurisdictionLevel::PoliceOffice,
        Some("WS"),
        1000.0,
    ))
    .unwrap();
    tree.add(node("G", JurisdictionLevel::PatrolGrid, Some("PO"), 300.0))
        .unwrap();
    let chain: Vec<&str> = tree
        .locate(offset(100.0, 100.0))
        .iter()
        .map(|node| node.id.as_str())
        .collect();
    assert_eq!(chain, ["PS", "WS", "PO", "G"]);
    let chain: Vec<&str> = tree
        .locate(offset(1500.0, 0.0))
        .iter()
        .map(|node| node.id.as_str())
        .collect();
    assert_eq!(chain, ["PS", "WS"]);
    assert!(tree.is_within(&"G".into(), &"WS".into()));
    assert!(!tree.is_within(&"WS".into(), &"G".into()));
    assert!(tree.locate(offset(10_000.0, 0.0)).is_empty());
}

#[test]
fn p1_robbery_gets_the_nearest_armed_unit_and_two_cars_and_others_are_explained() {
    let mut centre = centre_with_units(&[
        ("car-near", UnitKind::PatrolCar, offset(300.0, 0.0)),
        ("armed-mid", UnitKind::ArmedPatrolCar, offset(0.0, 800.0)),
        ("car-far", UnitKind::PatrolCar, offset(-1200.0, 0.0)),
        ("car-farthest", UnitKind::PatrolCar, offset(2500.0, 0.0)),
        ("swat-far", UnitKind::SwatTeam, offset(4000.0, 0.0)),
        ("foot-next-door", UnitKind::FootPatrol, offset(50.0, 0.0)),
        ("car-busy", UnitKind::PatrolCar, offset(100.0, 0.0)),
        ("car-off-map", UnitKind::PatrolCar, point(7.5, 49.41)),
    ]);
    let other = centre.next_incident_id();
    centre.receive_call(other, robbery(), at(0.0)).unwrap();
    centre
        .dispatch(other, &["car-busy".into()], at(1.0))
        .unwrap();
    let incident_id = centre.next_incident_id();
    centre
        .receive_call(incident_id, robbery(), at(2.0))
        .unwrap();

    let recommendation = recommend(
        centre.incident(incident_id).unwrap(),
        centre.units(),
        &StraightLine,
        at(62.0),
    )
    .unwrap();
    let ranked: Vec<&str> = recommendation
        .ranked
        .iter()
        .map(|c| c.unit.as_str())
        .collect();
    assert_eq!(
        ranked,
        [
            "car-near",
            "armed-mid",
            "car-far",
            "car-farthest",
            "swat-far"
        ]
    );
    let proposed: Vec<&str> = recommendation.proposed.iter().map(|u| u.as_str()).collect();
    assert_eq!(proposed, ["armed-mid", "car-near", "car-far"]);
    assert!(recommendation.unfilled.is_empty());
    let first = &recommendation.ranked[0];
    assert!((first.eta.0 - 30.0).abs() < 0.5, "{:?}", first.eta);
    assert!((first.distance.0 - 300.0).abs() < 5.0);
    assert_eq!(first.fix_age, Seconds(62.0));
    assert_eq!(
        first.reason,
        "0.5 min by road (300 m); #1 overall, #1 patrol car; proposed as patrol car"
    );
    assert!(recommendation.ranked[3]
        .reason
        .ends_with("not needed: nearer units fill the plan"));

    let excluded: Vec<(&str, String)> = recommendation
        .excluded
        .iter()
        .map(|e| (e.unit.as_str(), e.reason.clone()))
        .collect();
    assert_eq!(
        excluded,
        [
            ("car-busy", "not free: dispatched".to_string()),
            (
                "car-off-map",
                "position off the road map: (7.500000, 49.410000) is west of the test map"
                    .to_string()
            ),
            (
                "foot-next-door",
                "a foot patrol is not called for by the plan (P1 criminal: 1 armed unit + 2 patrol car)"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn a_plan_no_free_unit_can_fill_says_what_is_missing() {
    let mut centre = centre_with_units(&[("car-1", UnitKind::PatrolCar, offset(300.0, 0.0))]);
    let incident_id = centre.next_incident_id();
    centre
        .receive_call(incident_id, robbery(), at(0.0))
        .unwrap();
    let recommendation = recommend(
        centre.incident(incident_id).unwrap(),
        centre.units(),
        &StraightLine,
        at(10.0),
    )
    .unwrap();
    assert_eq!(recommendation.unfilled, ["1 armed unit", "1 patrol car"]);
}

#[test]
fn an_incident_off_the_map_is_an_error_naming_the_point() {
    let mut centre = centre_with_units(&[("car-1", UnitKind::PatrolCar, offset(300.0, 0.0))]);
    let incident_id = centre.next_incident_id();
    let mut call = robbery();
    call.location = point(7.9, 49.41);
    centre.receive_call(incident_id, call, at(0.0)).unwrap();
    let error = recommend(
        centre.incident(incident_id).unwrap(),
        centre.units(),
        &StraightLine,
        at(10.0),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "incident 1 cannot be reached by road: (7.900000, 49.410000) is off the car road map: west of the test map"
    );
}

#[test]
fn positions_in_gcj02_and_bd09_are_converted_and_stale_fixes_ignored() {
    let shenzhen = point(114.0246, 22.5405);
    let fix = PositionFix::reported(
        measure::wgs84_to_gcj02(shenzhen),
        CoordinateSystem::Gcj02,
        T0,
    );
    assert!(fix.point.distance_to(shenzhen).0 < 0.01);
    let fix = PositionFix::reported(measure::wgs84_to_bd09(shenzhen), CoordinateSystem::Bd09, T0);
    assert!(fix.point.distance_to(shenzhen).0 < 0.01);

    let mut centre = centre_with_units(&[("car-1", UnitKind::PatrolCar, offset(300.0, 0.0))]);
    let car: UnitId = "car-1".into();
    let newer = PositionFix {
        point: offset(0.0, 0.0),
        at: at(100.0),
    };
    assert!(centre.report_position(&car, newer).unwrap());
    let older = PositionFix {
        point: offset(900.0, 0.0),
        at: at(50.0),
    };
    assert!(!centre.report_position(&car, older).unwrap());
    assert_eq!(centre.unit(&car).unwrap().position, Some(newer));
}

#[test]
fn duplicate_calls_are_found_and_merged_with_their_callers_and_units() {
    let mut centre = centre_with_units(&[("car-1", UnitKind::PatrolCar, offset(300.0, 0.0))]);
    let first = centre.next_incident_id();
    centre.receive_call(first, robbery(), at(0.0)).unwrap();
    let second = centre.next_incident_id();
    let mut again = robbery();
    again.location = offset(60.0, 40.0);
    again.caller.name = "Wang".into();
    again.notes = "shop window broken".into();
    assert_eq!(centre.possible_duplicates(&again, at(60.0)), [first]);
    centre.receive_call(second, again, at(60.0)).unwrap();
    centre
        .dispatch(second, &["car-1".into()], at(70.0))
        .unwrap();

    centre.merge_duplicate(first, second, at(80.0)).unwrap();
    let primary = centre.incident(first).unwrap();
    assert_eq!(primary.merged_from, [second]);
    assert_eq!(primary.callers.len(), 2);
    assert_eq!(
        primary.notes.last().unwrap().text,
        "[from incident 2] shop window broken"
    );
    assert_eq!(primary.units, [UnitId::from("car-1")]);
    let duplicate = centre.incident(second).unwrap();
    assert_eq!(duplicate.status, IncidentStatus::Cancelled);
    assert_eq!(duplicate.merged_into, Some(first));
    assert_eq!(centre.unit(&"car-1".into()).unwrap().incident, Some(first));
    assert_eq!(
        centre.merge_duplicate(first, first, at(90.0)),
        Err(DispatchError::MergeIntoItself { incident: first })
    );
}

#[test]
fn kpis_measure_medians_p90_and_shares_per_priority() {
    let mut centre = centre_with_units(&[
        ("car-1", UnitKind::PatrolCar, offset(300.0, 0.0)),
        ("car-2", UnitKind::PatrolCar, offset(600.0, 0.0)),
        ("car-3", UnitKind::PatrolCar, offset(900.0, 0.0)),
    ]);
    // Arrivals 50 s, 150 s and 400 s after the call; dispatch always 20 s after it.
    for (index, (car, arrival)) in [("car-1", 50.0), ("car-2", 150.0), ("car-3", 400.0)]
        .into_iter()
        .enumerate()
    {
        let start = index as f64 * 1000.0;
        let id = centre.next_incident_id();
        centre.receive_call(id, robbery(), at(start)).unwrap();
        centre
            .dispatch(id, &[car.into()], at(start + 20.0))
            .unwrap();
        centre
            .change_unit_status(&car.into(), UnitStatus::OnScene, at(start + arrival))
            .unwrap();
        centre
            .change_incident_status(id, IncidentStatus::Closed, at(start + 600.0))
            .unwrap();
    }
    let rows = kpis(&centre, KpiGrouping::Priority);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.group, "P1");
    assert_eq!(row.n_incidents, 3);
    assert_eq!(row.call_to_dispatch.median, Some(Seconds(20.0)));
    assert_eq!(row.call_to_arrival.median, Some(Seconds(150.0)));
    assert_eq!(row.call_to_arrival.p90, Some(Seconds(400.0)));
    assert_eq!(row.dispatch_to_arrival.median, Some(Seconds(130.0)));
    assert_eq!(row.within_1_min, Some(1.0 / 3.0));
    assert_eq!(row.within_3_min, Some(2.0 / 3.0));
    assert_eq!(row.within_5_min, Some(2.0 / 3.0));
    let by_workstation = kpis(&centre, KpiGrouping::Workstation);
    assert_eq!(by_workstation[0].group, "WS-1");
}

#[test]
fn cutoff_puts_units_where_they_beat_the_vehicle() {
    let centre = centre_with_units(&[
        ("car-east", UnitKind::PatrolCar, offset(2500.0, 0.0)),
        ("car-west", UnitKind::PatrolCar, offset(-2500.0, 0.0)),
        ("car-too-far", UnitKind::PatrolCar, offset(0.0, 20_000.0)),
        ("foot", UnitKind::FootPatrol, offset(2000.0, 0.0)),
    ]);
    // Seen 60 s ago, planning 3 minutes ahead at 10 m/s: checkpoints lie where the vehicle is
    // 195 to 240 s after the sighting, 1,950 to 2,400 m out.
    let request = CutoffRequest::new(
        offset(0.0, 0.0),
        Seconds(60.0),
        Seconds(180.0),
        Profile::Car,
    );
    let plan = plan_cutoff(&request, centre.units(), &StraightLine).unwrap();
    assert_eq!(plan.checkpoints.len(), 12);
    for checkpoint in &plan.checkpoints {
        assert!(checkpoint.vehicle_earliest.0 >= 195.0 && checkpoint.vehicle_earliest.0 <= 240.0);
        if let Some(assignment) = &checkpoint.assignment {
            assert!(assignment.margin.0 > 0.0);
            assert!(assignment.eta.0 + 60.0 < checkpoint.vehicle_earliest.0);
        }
    }
    let mut assigned: Vec<&str> = plan
        .checkpoints
        .iter()
        .filter_map(|c| c.assignment.as_ref().map(|a| a.unit.as_str()))
        .collect();
    assigned.sort();
    assert_eq!(assigned, ["car-east", "car-west"]);
    assert_eq!(plan.n_uncovered, 10);
    let distance_apart = Meters(300.0);
    for (i, a) in plan.checkpoints.iter().enumerate() {
        for b in &plan.checkpoints[i + 1..] {
            assert!(a.point.distance_to(b.point).0 >= distance_apart.0);
        }
    }
}

#[test]
fn exclusion_codes_are_the_serialized_why() {
    let exclusions = [
        Exclusion::Busy {
            status: UnitStatus::OnScene,
        },
        Exclusion::NotCalledFor {
            kind: UnitKind::Drone,
            plan: "P1 criminal: 2 patrol car".into(),
        },
        Exclusion::NoPosition,
        Exclusion::OffMap {
            message: "far".into(),
        },
        Exclusion::NoRoad,
        Exclusion::IncidentOffMap {
            profile: Profile::Foot,
            message: "far".into(),
        },
    ];
    for exclusion in exclusions {
        assert_eq!(
            serde_json::to_value(&exclusion).unwrap()["why"],
            exclusion.code()
        );
    }
}
