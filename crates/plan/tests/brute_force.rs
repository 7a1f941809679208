//! Every model against brute force over all subsets on small seeded random instances: the
//! heuristic stays feasible with a valid bound, the exact solver finds the optimum.

use measure::Seconds;
use plan::{
    evaluate, solve, solve_phased, CandidateSite, DemandPoint, HeuristicOptions, Instance, Model,
    Phases, PlanError, Solution, Solver, Travel,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A small city: points and sites in a 3 km square, 30 km/h with a detour factor, some pairs
/// missing, some weights zero, some sites fixed.
fn random_instance(seed: u64, n_demand: usize, n_sites: usize, n_fixed: usize) -> Instance {
    let mut random = ChaCha8Rng::seed_from_u64(seed);
    let mut place = || [random.gen_range(0.0..3000.0), random.gen_range(0.0..3000.0)];
    let demand_places: Vec<[f64; 2]> = (0..n_demand).map(|_| place()).collect();
    let site_places: Vec<[f64; 2]> = (0..n_sites).map(|_| place()).collect();
    let mut random = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let demand = (0..n_demand)
        .map(|index| DemandPoint {
            id: format!("d{index}"),
            weight: if random.gen_bool(0.15) {
                0.0
            } else {
                random.gen_range(1..10) as f64
            },
        })
        .collect();
    let sites = (0..n_sites)
        .map(|index| CandidateSite {
            id: format!("s{index}"),
            fixed: index < n_fixed,
        })
        .collect();
    let mut travel = Vec::new();
    for (demand_index, a) in demand_places.iter().enumerate() {
        for (site_index, b) in site_places.iter().enumerate() {
            if random.gen_bool(0.15) {
                continue;
            }
            let meters = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
            let seconds = (meters / (30.0 / 3.6) * random.gen_range(1.2..1.6)).round();
            travel.push(Travel {
                demand: demand_index,
                site: site_index,
                seconds: Seconds(seconds),
            });
        }
    }
    Instance::new(demand, sites, travel).expect("generated instances are valid")
}

/// The best objective over all sets of exactly `p` sites that hold every fixed site (LSCP: the
/// smallest feasible set), or `None` when no set is feasible.
fn brute_force(instance: &Instance, model: Model) -> Option<f64> {
    let n_sites = instance.sites().len();
    let fixed_mask: u32 = (0..n_sites)
        .filter(|&site| instance.sites()[site].fixed)
        .map(|site| 1 << site)
        .sum();
    let mut best: Option<f64> = None;
    for mask in 0u32..(1 << n_sites) {
        if mask & fixed_mask != fixed_mask {
            continue;
        }
        if let Some(p) = model.p() {
            if mask.count_ones() as usize != p {
                continue;
            }
        }
        let selected: Vec<usize> = (0..n_sites)
            .filter(|site| mask & (1 << site) != 0)
            .collect();
        let evaluation = evaluate(instance, model, &selected);
        if !evaluation.unreached.is_empty() {
            continue;
        }
        let objective = evaluation.objective;
        best = Some(match best {
            None => objective,
            Some(best) if model.maximises() => best.max(objective),
            Some(best) => best.min(objective),
        });
    }
    best
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// A solution is a valid plan whose objective is what it claims and whose bound brackets the
/// optimum.
#[track_caller]
fn check_solution(instance: &Instance, model: Model, solution: &Solution, optimum: f64) {
    for (site, candidate) in instance.sites().iter().enumerate() {
        if candidate.fixed {
            assert!(
                solution.selected.contains(&site),
                "fixed site {site} dropped"
            );
        }
    }
    if let Some(p) = model.p() {
        assert_eq!(solution.selected.len(), p, "{model:?} opened a wrong count");
    }
    let evaluation = evaluate(instance, model, &solution.selected);
    assert!(evaluation.unreached.is_empty(), "{model:?} infeasible plan");
    assert!(close(evaluation.objective, solution.objective));
    if model.maximises() {
        assert!(solution.objective <= optimum + 1e-6, "better than optimal?");
    } else {
        assert!(solution.objective >= optimum - 1e-6, "better than optimal?");
    }
    let bound = solution.bound.expect("every solver here knows a bound");
    assert!(bound.is_finite(), "{model:?} bound {bound}");
    if model.maximises() {
        assert!(
            bound >= optimum - 1e-6,
            "{model:?} bound {bound} below optimum {optimum}"
        );
    } else {
        assert!(
            bound <= optimum + 1e-6,
            "{model:?} bound {bound} above optimum {optimum}"
        );
    }
    if solution.gap == Some(0.0) {
        assert!(
            close(solution.objective, optimum),
            "claims optimal but is not"
        );
    }
}

fn models(radius: f64, p: usize) -> Vec<Model> {
    vec![
        Model::Lscp {
            radius: Seconds(radius),
        },
        Model::Mclp {
            p,
            radius: Seconds(radius),
        },
        Model::PMedian { p },
        Model::PCenter { p },
    ]
}

#[test]
fn heuristic_is_feasible_with_a_valid_bound() {
    let mut optimal = 0;
    let mut checked = 0;
    for seed in 0..60u64 {
        let n_sites = 5 + (seed % 6) as usize;
        let instance = random_instance(seed, 14, n_sites, (seed % 3) as usize);
        let p = 2 + (seed % 3) as usize;
        for model in models(150.0 + (seed % 5) as f64 * 60.0, p) {
            let solver = Solver::Heuristic(HeuristicOptions::default());
            let Some(optimum) = brute_force(&instance, model) else {
                assert!(
                    solve(&instance, model, &solver).is_err(),
                    "{model:?} seed {seed}"
                );
                continue;
            };
            let solution = solve(&instance, model, &solver)
                .unwrap_or_else(|e| panic!("{model:?} seed {seed}: {e}"));
            check_solution(&instance, model, &solution, optimum);
            checked += 1;
            if close(solution.objective, optimum) {
                optimal += 1;
            }
        }
    }
    // Greedy plus swaps finds most optima on instances this small.
    assert!(
        optimal * 10 >= checked * 8,
        "{optimal} of {checked} optimal"
    );
}

#[cfg(feature = "highs")]
#[test]
fn exact_matches_brute_force_and_never_loses_to_the_heuristic() {
    use plan::ExactOptions;
    let mut solved = 0;
    for seed in 100..160u64 {
        let n_sites = 5 + (seed % 7) as usize;
        let instance = random_instance(seed, 16, n_sites, (seed % 3) as usize);
        let p = 2 + (seed % 3) as usize;
        for model in models(150.0 + (seed % 5) as f64 * 60.0, p) {
            let Some(optimum) = brute_force(&instance, model) else {
                continue;
            };
            let exact = solve(
                &instance,
                model,
                &Solver::Exact(ExactOptions::new(Seconds(30.0))),
            )
            .unwrap_or_else(|e| panic!("{model:?} seed {seed}: {e}"));
            check_solution(&instance, model, &exact, optimum);
            assert!(
                close(exact.objective, optimum),
                "{model:?} seed {seed}: exact {} vs brute force {optimum}",
                exact.objective
            );
            assert_eq!(exact.gap, Some(0.0), "{model:?} seed {seed}");
            let heuristic = solve(
                &instance,
                model,
                &Solver::Heuristic(HeuristicOptions::default()),
            )
            .expect("the heuristic solves what the exact solver solves");
            if model.maximises() {
                assert!(exact.objective >= heuristic.objective - 1e-9);
            } else {
                assert!(exact.objective <= heuristic.objective + 1e-9);
            }
            solved += 1;
        }
    }
    assert!(solved >= 150, "only {solved} cases had a feasible optimum");
}

#[test]
fn infeasible_lscp_names_the_points_no_site_reaches() {
    let demand = ["near", "far", "empty", "nobody"]
        .iter()
        .map(|id| DemandPoint {
            id: id.to_string(),
            weight: if *id == "empty" { 0.0 } else { 1.0 },
        })
        .collect();
    let sites = vec![CandidateSite {
        id: "s".into(),
        fixed: false,
    }];
    let travel = [(0, 100.0), (1, 400.0), (2, 500.0)]
        .iter()
        .map(|&(demand, seconds)| Travel {
            demand,
            site: 0,
            seconds: Seconds(seconds),
        })
        .collect();
    let instance = Instance::new(demand, sites, travel).unwrap();
    let error = solve(
        &instance,
        Model::Lscp {
            radius: Seconds(300.0),
        },
        &Solver::Heuristic(HeuristicOptions::default()),
    )
    .unwrap_err();
    assert_eq!(
        error,
        PlanError::Unreachable {
            model: "lscp",
            limit: Some(Seconds(300.0)),
            demand: vec!["far".into(), "nobody".into()],
        }
    );
    assert_eq!(
        error.to_string(),
        "lscp is infeasible: 2 demand point(s) have no candidate site within 300.0 s: far, nobody; add candidate sites near them or raise the radius"
    );
}

#[test]
fn phased_plans_keep_earlier_years_and_add_per_year() {
    let instance = random_instance(7, 40, 12, 1);
    let solver = Solver::Heuristic(HeuristicOptions::default());
    let model = Model::Mclp {
        p: 1,
        radius: Seconds(240.0),
    };
    let plan = solve_phased(
        &instance,
        model,
        Phases {
            years: 3,
            per_year: 2,
        },
        &solver,
    )
    .unwrap();
    assert_eq!(plan.years.len(), 3);
    let mut before: Vec<usize> = vec![0];
    let mut covered = 0.0;
    for year in &plan.years {
        assert_eq!(year.added.len(), 2);
        assert_eq!(year.solution.selected.len(), before.len() + 2);
        assert!(before
            .iter()
            .all(|site| year.solution.selected.contains(site)));
        assert!(year.solution.covered_weight >= covered);
        covered = year.solution.covered_weight;
        before = year.solution.selected.clone();
    }
    assert_eq!(
        solve_phased(
            &instance,
            Model::Lscp {
                radius: Seconds(1.0)
            },
            Phases {
                years: 2,
                per_year: 1
            },
            &solver
        ),
        Err(PlanError::PhasedLscp)
    );
}

#[test]
fn p_outside_fixed_to_sites_is_refused() {
    let instance = random_instance(3, 5, 4, 2);
    let solver = Solver::Heuristic(HeuristicOptions::default());
    for p in [1, 5] {
        assert!(matches!(
            solve(&instance, Model::PMedian { p }, &solver),
            Err(PlanError::BadP { .. })
        ));
    }
}

#[cfg(feature = "highs")]
#[test]
fn exact_pmedian_with_cut_levels_matches_brute_force() {
    use plan::ExactOptions;
    // Enough sites that a point's levels are cut after the warm start's site plus a few, so
    // the deepening rounds run; few enough for brute force.
    for seed in 200..212u64 {
        let n_sites = 14 + (seed % 3) as usize;
        let instance = random_instance(seed, 40, n_sites, (seed % 2) as usize);
        for p in [2, 3] {
            let model = Model::PMedian { p };
            let Some(optimum) = brute_force(&instance, model) else {
                continue;
            };
            let exact = solve(
                &instance,
                model,
                &Solver::Exact(ExactOptions::new(Seconds(30.0))),
            )
            .unwrap_or_else(|e| panic!("seed {seed} p {p}: {e}"));
            check_solution(&instance, model, &exact, optimum);
            assert!(
                close(exact.objective, optimum),
                "seed {seed} p {p}: exact {} vs brute force {optimum}",
                exact.objective
            );
            assert_eq!(exact.gap, Some(0.0), "seed {seed} p {p}");
        }
    }
}

#[cfg(feature = "highs")]
#[test]
fn exact_pmedian_out_of_time_answers_with_the_heuristic_plan_and_its_gap() {
    use plan::ExactOptions;
    let instance = random_instance(31, 60, 16, 1);
    let model = Model::PMedian { p: 4 };
    let heuristic = solve(
        &instance,
        model,
        &Solver::Heuristic(HeuristicOptions::default()),
    )
    .unwrap();
    let optimum = brute_force(&instance, model).expect("p-median is feasible here");
    let out_of_time = solve(
        &instance,
        model,
        &Solver::Exact(ExactOptions::new(Seconds(0.0))),
    )
    .unwrap();
    check_solution(&instance, model, &out_of_time, optimum);
    assert_eq!(out_of_time.objective, heuristic.objective);
    let (gap, heuristic_gap) = (out_of_time.gap.unwrap(), heuristic.gap.unwrap());
    assert!(gap <= heuristic_gap + 1e-12, "{gap} vs {heuristic_gap}");
}
