//! Recommendation speed on Heidelberg: 1,000 units (the load benchmark's mix: 70 % patrol cars,
//! 10 % armed cars, 10 % traffic motorcycles, 10 % foot patrols) ranked for 500 random incidents,
//! the whole `recommend` and the road table per profile on its own.
//!
//! `cargo bench -p dispatch --bench recommend`

use dispatch::{
    recommend, Call, Caller, Incident, IncidentCategory, IncidentId, PositionFix, Priority,
    RoadTravelTimes, TravelTimes, Unit, UnitKind,
};
use measure::{LonLat, Timestamp};
use roadnet::Profile;
use std::time::{Duration, Instant};

#[allow(clippy::disallowed_methods)]
fn stopwatch() -> Instant {
    Instant::now()
}

fn percentile(samples: &[Duration], share: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((share * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

fn report(name: &str, samples: &[Duration]) {
    println!(
        "{name:<44} n={:>4}  min {:>6.2} ms  p50 {:>6.2} ms  p90 {:>6.2} ms  p99 {:>6.2} ms",
        samples.len(),
        percentile(samples, 0.0),
        percentile(samples, 0.5),
        percentile(samples, 0.9),
        percentile(samples, 0.99)
    );
}

/// A small, seeded generator, so that every run ranks the same units for the same incidents.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn main() {
    let network = fixtures::heidelberg();
    let car = network
        .graph(Profile::Car)
        .expect("heidelberg has a car graph");
    let spots: Vec<LonLat> = (0..car.node_count() as u32)
        .step_by(7)
        .map(|node| car.position(node))
        .collect();
    let mut random = Lcg(110);
    let now = Timestamp(1_700_000_000_000);
    let units: Vec<Unit> = (0..1000)
        .map(|index| {
            let kind = match index % 10 {
                0 => UnitKind::ArmedPatrolCar,
                1 => UnitKind::TrafficMotorcycle,
                2 => UnitKind::FootPatrol,
                _ => UnitKind::PatrolCar,
            };
            let mut unit = Unit::new(
                format!("U{index:04}").as_str().into(),
                String::new(),
                kind,
                format!("WS-{}", index % 10).as_str().into(),
                [],
            );
            unit.position = Some(PositionFix {
                point: spots[random.below(spots.len())],
                at: now,
            });
            unit
        })
        .collect();
    let categories = [
        IncidentCategory::Criminal,
        IncidentCategory::PublicOrder,
        IncidentCategory::Traffic,
        IncidentCategory::Dispute,
        IncidentCategory::Assistance,
        IncidentCategory::Referral,
    ];
    let priorities = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];
    let incidents: Vec<Incident> = (0..500)
        .map(|index| {
            Incident::new(
                IncidentId(index + 1),
                Call {
                    category: categories[random.below(categories.len())],
                    priority: priorities[random.below(priorities.len())],
                    location: spots[random.below(spots.len())],
                    address: String::new(),
                    caller: Caller::default(),
                    notes: String::new(),
                },
                Vec::new(),
                now,
            )
        })
        .collect();
    let travel = RoadTravelTimes::new(network);
    // Warm the snap cache and the per-thread buffers, as a running server has.
    for incident in incidents.iter().take(20) {
        let _ = recommend(incident, &units, &travel, now);
    }
    println!(
        "1,000 units on Heidelberg, 500 incidents, one thread; load average {} (wall-clock p99 on a \
         busy machine includes being descheduled)",
        std::fs::read_to_string("/proc/loadavg")
            .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .unwrap_or_else(|_| "unknown".into())
    );
    for profile in [Profile::Car, Profile::Motorcycle, Profile::Foot] {
        let origins: Vec<LonLat> = units
            .iter()
            .filter(|unit| unit.profile == profile)
            .map(|unit| unit.position.expect("every unit has a fix").point)
            .collect();
        // Some car roads (a motorway) are far from any footpath: those incidents are off the map.
        let samples: Vec<Duration> = incidents
            .iter()
            .filter_map(|incident| {
                let started = stopwatch();
                let rows = travel.table(profile, &origins, &[incident.location]);
                let elapsed = started.elapsed();
                std::hint::black_box(rows).is_ok().then_some(elapsed)
            })
            .collect();
        report(
            &format!("road table, {} {profile} units -> 1", origins.len()),
            &samples,
        );
    }
    let samples: Vec<Duration> = incidents
        .iter()
        .map(|incident| {
            let started = stopwatch();
            let ranking = recommend(incident, &units, &travel, now);
            let elapsed = started.elapsed();
            std::hint::black_box(ranking).ok();
            elapsed
        })
        .collect();
    report("recommend, 1,000 units", &samples);
}
