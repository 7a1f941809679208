//! Solve times on generated city-sized instances (1,000 x 200, 5,000 x 500, 20,000 x 2,000):
//! MCLP p = 20 within 300 s (and a tighter 180 s) and p-median p = 20, heuristic and exact
//! (60 s limit, the whole solve included), with objective and proven gap.
//!
//! `cargo bench -p plan --features highs --bench siting [-- small|medium|large ...]`

use measure::Seconds;
use plan::{solve, CandidateSite, DemandPoint, HeuristicOptions, Instance, Model, Solver, Travel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

/// The benchmark is the caller that measures time; the planner itself never reads a clock.
#[allow(clippy::disallowed_methods)]
fn stopwatch() -> Instant {
    Instant::now()
}

/// A ~10 km city: half the demand in a few dense centres, half spread out; sites uniform.
/// Seconds = straight-line distance at 30 km/h times a detour factor of 1.2-1.6; pairs at or
/// beyond `cutoff` are left out (unreachable), as a road matrix with a limit would.
fn city(n_demand: usize, n_sites: usize, cutoff: f64, seed: u64) -> Instance {
    let mut random = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<[f64; 2]> = (0..6)
        .map(|_| {
            [
                random.gen_range(2000.0..8000.0),
                random.gen_range(2000.0..8000.0),
            ]
        })
        .collect();
    let demand_places: Vec<[f64; 2]> = (0..n_demand)
        .map(|index| {
            if index % 2 == 0 {
                let centre = centres[random.gen_range(0..centres.len())];
                let angle = random.gen_range(0.0..std::f64::consts::TAU);
                let distance = random.gen_range(0.0f64..1.0).sqrt() * 1500.0;
                [
                    (centre[0] + distance * angle.cos()).clamp(0.0, 10_000.0),
                    (centre[1] + distance * angle.sin()).clamp(0.0, 10_000.0),
                ]
            } else {
                [
                    random.gen_range(0.0..10_000.0),
                    random.gen_range(0.0..10_000.0),
                ]
            }
        })
        .collect();
    let site_places: Vec<[f64; 2]> = (0..n_sites)
        .map(|_| {
            [
                random.gen_range(0.0..10_000.0),
                random.gen_range(0.0..10_000.0),
            ]
        })
        .collect();
    let demand = (0..n_demand)
        .map(|index| DemandPoint {
            id: format!("d{index}"),
            weight: random.gen_range(1..=20) as f64,
        })
        .collect();
    let sites = (0..n_sites)
        .map(|index| CandidateSite {
            id: format!("s{index}"),
            fixed: false,
        })
        .collect();
    let speed = 30.0 / 3.6;
    let mut travel = Vec::new();
    for (demand_index, a) in demand_places.iter().enumerate() {
        for (site_index, b) in site_places.iter().enumerate() {
            let meters = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
            if meters / speed * 1.2 >= cutoff {
                continue;
            }
            let seconds = (meters / speed * random.gen_range(1.2..1.6) * 10.0).round() / 10.0;
            if seconds < cutoff {
                travel.push(Travel {
                    demand: demand_index,
                    site: site_index,
                    seconds: Seconds(seconds),
                });
            }
        }
    }
    Instance::new(demand, sites, travel).expect("generated instances are valid")
}

fn report(label: &str, model: Model, instance: &Instance, solver: &Solver) {
    let started = stopwatch();
    match solve(instance, model, solver) {
        Ok(solution) => println!(
            "  {label:<9} {:>8.2} s  objective {:>14.1}  covered {:>5.1} %  gap {}",
            started.elapsed().as_secs_f64(),
            solution.objective,
            100.0 * solution.covered_weight / instance.total_weight(),
            solution
                .gap
                .map(|gap| format!("{:.4} %", gap * 100.0))
                .unwrap_or_else(|| "none".into()),
        ),
        Err(error) => println!("  {label:<9} failed: {error}"),
    }
}

fn main() {
    let mut wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|argument| !argument.starts_with('-'))
        .collect();
    // "log" shows HiGHS's progress; "pmedian" or "mclp" limit the run to one model.
    let log = wanted.iter().any(|word| word == "log");
    let only = |model: &str| {
        !wanted
            .iter()
            .any(|word| word == "pmedian" || word == "mclp")
            || wanted.iter().any(|word| word == model)
    };
    let (run_mclp, run_median) = (only("mclp"), only("pmedian"));
    wanted.retain(|word| !["log", "mclp", "pmedian"].contains(&word.as_str()));
    let sizes = [
        ("small", 1_000, 200, 900.0),
        ("medium", 5_000, 500, 900.0),
        ("large", 20_000, 2_000, 900.0),
    ];
    for (name, n_demand, n_sites, cutoff) in sizes {
        if !wanted.is_empty() && !wanted.iter().any(|wanted| wanted == name) {
            continue;
        }
        let started = stopwatch();
        let instance = city(n_demand, n_sites, cutoff, 2026);
        println!(
            "{n_demand} demand x {n_sites} sites, {} pairs under {cutoff} s (generated in {:.1} s)",
            instance.n_pairs(),
            started.elapsed().as_secs_f64()
        );
        let heuristic = Solver::Heuristic(HeuristicOptions::default());
        let mclp = Model::Mclp {
            p: 20,
            radius: Seconds(300.0),
        };
        let median = Model::PMedian { p: 20 };
        if run_mclp {
            println!(" mclp p=20 radius 300 s");
            report("heuristic", mclp, &instance, &heuristic);
            #[cfg(feature = "highs")]
            report("exact", mclp, &instance, &exact_solver(60.0, log));
            // 300 s lets 20 sites cover the whole city; 180 s leaves a real choice to make.
            let tight = Model::Mclp {
                p: 20,
                radius: Seconds(180.0),
            };
            println!(" mclp p=20 radius 180 s");
            report("heuristic", tight, &instance, &heuristic);
            #[cfg(feature = "highs")]
            report("exact", tight, &instance, &exact_solver(60.0, log));
        }
        if run_median {
            println!(" pmedian p=20");
            report("heuristic", median, &instance, &heuristic);
            #[cfg(feature = "highs")]
            report("exact", median, &instance, &exact_solver(60.0, log));
        }
        let _ = log;
    }
}

#[cfg(feature = "highs")]
fn exact_solver(limit: f64, log: bool) -> Solver {
    let started = stopwatch();
    let mut options = plan::ExactOptions::new(Seconds(limit));
    options.solver_log = log;
    options.elapsed = Some(std::sync::Arc::new(move || {
        Seconds(started.elapsed().as_secs_f64())
    }));
    Solver::Exact(options)
}
