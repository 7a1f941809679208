//! The simulator on the real Heidelberg network: reproducible, in agreement with queueing theory,
//! every call accounted for, and the same unit chosen as the server's path
//! (`dispatch::recommend` with `RoadTravelTimes`).

use dispatch::{
    recommend, IncidentCategory, PositionFix, Priority, RoadTravelTimes, UnitKind, UnitStatus,
    WorkstationCategory,
};
use measure::{Seconds, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use scenario::*;
use sim::*;

const START: Timestamp = Timestamp(1_767_225_600_000); // 2026-01-01T00:00:00Z

fn city(units: usize, seed: u64) -> Deployment {
    let options = DeploymentOptions {
        n_units: units,
        ..DeploymentOptions::default()
    };
    generate_deployment(fixtures::heidelberg(), &options, seed).unwrap()
}

fn calls(days: f64, per_day: f64, seed: u64) -> Vec<CallRecord> {
    generate_calls(fixtures::heidelberg(), START, days, per_day, seed).unwrap()
}

#[test]
fn a_seed_gives_identical_results() {
    let deployment = city(50, 1);
    let calls = calls(3.0, 400.0, 2);
    let world = prepare(
        fixtures::heidelberg(),
        &deployment,
        &calls,
        AfterCall::ResumePatrol,
    )
    .unwrap();
    let config = SimConfig {
        seed: 5,
        ..SimConfig::default()
    };
    let first = run(&world, &config);
    assert_eq!(first, run(&world, &config));
    let other = run(&world, &SimConfig { seed: 6, ..config });
    assert_ne!(first.calls, other.calls, "on-scene times follow the seed");
    let summary = summarise(&world, &first);
    assert!(summary.served > calls.len() * 9 / 10, "{summary:?}");
    let response = summary.response.unwrap();
    // Heidelberg by car from nearby workstations and grids: a few minutes, call to arrival.
    assert!((120.0..900.0).contains(&response.median.0), "{response:?}");
}

#[test]
fn every_call_ends_served_or_abandoned() {
    // Overloaded on purpose: 8 units for 600 calls a day.
    let deployment = city(8, 2);
    let calls = calls(2.0, 600.0, 3);
    let world = prepare(
        fixtures::heidelberg(),
        &deployment,
        &calls,
        AfterCall::ReturnHome,
    )
    .unwrap();
    let config = SimConfig {
        max_queue_wait: Some(Seconds::from_minutes(30.0)),
        seed: 9,
        ..SimConfig::default()
    };
    let outcome = run(&world, &config);
    assert_eq!(outcome.calls.len(), calls.len());
    let mut abandoned = 0;
    for (index, call) in outcome.calls.iter().enumerate() {
        match call.end {
            CallEnd::Served => {
                let (response, travel) = (call.response.unwrap(), call.travel.unwrap());
                assert!(
                    response.0 >= travel.0 + config.dispatch_delay.0 - 0.01,
                    "call {index}"
                );
            }
            CallEnd::AbandonedInQueue => {
                abandoned += 1;
                assert!(call.response.is_none(), "call {index}");
            }
            other => panic!("call {index} ended {other:?}"),
        }
    }
    assert!(abandoned > 0, "the overload abandons calls");
    // Each unit is busy at most the whole time.
    assert!(outcome
        .unit_busy
        .iter()
        .all(|b| b.0 <= outcome.horizon.0 + 1.0));
}

/// One unit at its workstation; every call at that workstation (no travel), Poisson arrivals,
/// one unit per call: an M/G/1 queue whose mean wait is Pollaczek–Khinchine's.
#[track_caller]
fn check_single_server(distribution: OnSceneDistribution, expected_wait_minutes: f64) {
    let network = fixtures::heidelberg();
    let mut deployment = city(40, 4);
    deployment.workstations.truncate(1);
    deployment.workstations[0].category = WorkstationCategory::PublicSecurityPatrol;
    let home = deployment.workstations[0].id.clone();
    deployment.grids.clear();
    deployment.units = vec![UnitPlan {
        id: "U-1".into(),
        name: "only car".into(),
        kind: UnitKind::PatrolCar,
        home,
        grid: None,
        capabilities: Vec::new(),
    }];
    let place = deployment.workstations[0].location;
    // λ = 1.5 calls per hour, service 20 min: ρ = 0.5.
    let calls = CallGenerator::at_one_place(place).generate(
        START,
        600.0,
        36.0,
        &[1.0; 24],
        &CallMix::only(IncidentCategory::Assistance, Priority::P3),
        21,
    );
    let world = prepare(network, &deployment, &calls, AfterCall::ReturnHome).unwrap();
    let mut on_scene = SimConfig::default().on_scene;
    on_scene[4] = Seconds::from_minutes(20.0);
    let config = SimConfig {
        dispatch_delay: Seconds(0.0),
        on_scene,
        on_scene_distribution: distribution,
        max_queue_wait: None,
        seed: 8,
        ..SimConfig::default()
    };
    let outcome = run(&world, &config);
    assert!(outcome.calls.iter().all(|c| c.end == CallEnd::Served));
    assert!(outcome.calls.iter().all(|c| c.travel == Some(Seconds(0.0))));
    let waits: Vec<f64> = outcome
        .calls
        .iter()
        .map(|c| c.queue_wait.unwrap().0)
        .collect();
    let mean = waits.iter().sum::<f64>() / waits.len() as f64 / 60.0;
    assert!(
        (mean - expected_wait_minutes).abs() < 0.1 * expected_wait_minutes,
        "mean wait {mean:.2} min, theory {expected_wait_minutes} min over {} calls",
        waits.len()
    );
}

#[test]
fn single_unit_matches_m_m_1() {
    // Wq = ρ / (μ − λ) = 0.5 / (3 − 1.5) h = 20 min.
    check_single_server(OnSceneDistribution::Exponential, 20.0);
}

#[test]
fn single_unit_matches_m_d_1_pollaczek_khinchine() {
    // Wq = ρ S / (2 (1 − ρ)) = 0.5 × 20 / 1 = 10 min.
    check_single_server(OnSceneDistribution::Fixed, 10.0);
}

#[test]
fn simulator_picks_the_same_units_as_the_server() {
    let network = fixtures::heidelberg();
    let deployment = city(50, 6);
    let calls = calls(1.0, 300.0, 7);
    let world = prepare(network, &deployment, &calls, AfterCall::ResumePatrol).unwrap();
    let server = RoadTravelTimes::new(network);
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    let mut compared = 0;
    for call in (0..calls.len()).step_by(3) {
        // A state: every unit at its rest point, a random share of them busy.
        let busy_share = rng.gen_range(0.0..0.9);
        let mut units = world.units().to_vec();
        for (index, unit) in units.iter_mut().enumerate() {
            unit.position = Some(PositionFix {
                point: world.rest_point(index),
                at: calls[call].at,
            });
            if rng.gen_bool(busy_share) {
                unit.status = UnitStatus::OnScene;
            }
        }
        let incident = world.incident(call);
        let simulated = decide(&world, &units, call, &incident, calls[call].at).unwrap();
        let served = recommend(&incident, &units, &server, calls[call].at).unwrap();
        assert_eq!(simulated.proposed, served.proposed, "call {call}");
        assert_eq!(simulated.unfilled, served.unfilled, "call {call}");
        for unit in &simulated.proposed {
            let eta = |r: &dispatch::Recommendation| {
                r.ranked.iter().find(|c| &c.unit == unit).unwrap().eta.0
            };
            assert!(
                (eta(&simulated) - eta(&served)).abs() < 1e-9,
                "call {call} unit {unit}"
            );
        }
        compared += 1;
    }
    assert!(compared >= 90);
}

#[test]
fn a_bigger_deployment_compares_better() {
    let network = fixtures::heidelberg();
    let calls = calls(2.0, 500.0, 13);
    let small = prepare(network, &city(30, 3), &calls, AfterCall::ResumePatrol).unwrap();
    let large = prepare(network, &city(60, 3), &calls, AfterCall::ResumePatrol).unwrap();
    let comparison = compare(&small, &large, &SimConfig::default(), &[1, 2, 3]);
    let mean = &comparison.metrics[0];
    assert!(mean.difference < 0.0, "{mean:?}");
    let within_five = &comparison.metrics[3];
    assert!(within_five.difference > 0.0, "{within_five:?}");
    let summary = summarise(&small, &run(&small, &SimConfig::default()));
    let page = sim::report::html("Heidelberg", &summary, Some(&comparison));
    assert!(page.contains("<svg") && page.contains("Comparison over 3 seeds"));
}

/// One patrol car driving to a P4 call when a P1 call comes in at its workstation.
#[track_caller]
fn check_preemption(preempt_p1: bool) -> SimOutcome {
    let network = fixtures::heidelberg();
    let mut deployment = city(40, 4);
    deployment.grids.clear();
    let home = deployment.workstations[0].clone();
    let far = deployment.workstations.last().unwrap().location;
    deployment.units = vec![UnitPlan {
        id: "U-1".into(),
        name: "only car".into(),
        kind: UnitKind::PatrolCar,
        home: home.id.clone(),
        grid: None,
        capabilities: Vec::new(),
    }];
    let call = |seconds: i64, place, category, priority| CallRecord {
        at: Timestamp(START.0 + seconds * 1000),
        location: place,
        category,
        priority,
        recorded: Recorded::default(),
    };
    let calls = vec![
        call(0, far, IncidentCategory::Assistance, Priority::P4),
        call(90, home.location, IncidentCategory::Criminal, Priority::P1),
    ];
    let world = prepare(network, &deployment, &calls, AfterCall::ReturnHome).unwrap();
    let config = SimConfig {
        preempt_p1,
        max_queue_wait: None,
        ..SimConfig::default()
    };
    let outcome = run(&world, &config);
    assert!(outcome.calls.iter().all(|c| c.end == CallEnd::Served));
    outcome
}

#[test]
fn p1_calls_off_a_unit_driving_to_a_p4_call() {
    let with = check_preemption(true);
    assert!(with.calls[0].preempted);
    // Called off at the decision (call + 60 s), at home, so it is there at once.
    assert_eq!(with.calls[1].response, Some(Seconds(60.0)));
    assert_eq!(
        with.calls[1].unfilled_slots, 2,
        "no armed unit, one car of two"
    );
    let without = check_preemption(false);
    assert!(!without.calls[0].preempted);
    let waited = without.calls[1].response.unwrap();
    assert!(
        waited.0 > 600.0,
        "the P1 call waits for the P4 call: {waited}"
    );
    assert!(without.calls[0].response < with.calls[0].response);
}

#[test]
fn replayed_calls_keep_their_recorded_dispatch_delay() {
    let network = fixtures::heidelberg();
    let mut deployment = city(40, 4);
    deployment.grids.clear();
    let home = deployment.workstations[0].clone();
    deployment
        .units
        .retain(|u| u.home == home.id && u.kind == UnitKind::PatrolCar);
    deployment.units.truncate(1);
    deployment.units[0].grid = None;
    let call = |seconds: i64, dispatched: Option<i64>| CallRecord {
        at: Timestamp(START.0 + seconds * 1000),
        location: home.location,
        category: IncidentCategory::Dispute,
        priority: Priority::P3,
        recorded: Recorded {
            dispatched: dispatched.map(|d| Timestamp(START.0 + d * 1000)),
            arrived: None,
        },
    };
    let calls = vec![call(0, Some(300)), call(10_000, None)];
    let world = prepare(network, &deployment, &calls, AfterCall::ReturnHome).unwrap();
    let replayed = run(&world, &SimConfig::default());
    assert_eq!(replayed.calls[0].response, Some(Seconds(300.0)));
    assert_eq!(replayed.calls[1].response, Some(Seconds(60.0)));
    let config = SimConfig {
        replay_recorded_dispatch: false,
        ..SimConfig::default()
    };
    assert_eq!(run(&world, &config).calls[0].response, Some(Seconds(60.0)));
}
