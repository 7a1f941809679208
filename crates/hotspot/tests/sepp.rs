//! The lattice ETAS on cases with known answers (a Poisson field, simulated Hawkes processes, a
//! single burst, bad settings) and on a half-year of Seattle's calls.

use hotspot::forecast::{Event, Model, Window};
use hotspot::lattice::{Lattice, LatticeSpec, StudyArea};
use hotspot::sepp::{fit, Sepp, SeppConfig, SeppError, SeppFit};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

mod common;

fn small_lattice(cell_metres: f64) -> Lattice {
    let area = StudyArea::BoundingBox {
        west: -122.35,
        south: 47.60,
        east: -122.33,
        north: 47.615,
    };
    Lattice::new(&area, LatticeSpec::square(cell_metres)).expect("a small lattice")
}

fn inside_cells(lattice: &Lattice) -> Vec<usize> {
    (0..lattice.len())
        .filter(|&cell| lattice.inside[cell])
        .collect()
}

/// A point drawn uniformly in a cell of an unrotated lattice.
fn point_in(lattice: &Lattice, cell: usize, random: &mut ChaCha8Rng) -> [f64; 2] {
    let [x, y] = lattice.centre_xy(cell);
    let half = 0.49 * lattice.spec.cell_metres;
    [
        x + random.gen_range(-half..half),
        y + random.gen_range(-half..half),
    ]
}

fn poisson(mean: f64, random: &mut ChaCha8Rng) -> usize {
    let limit = (-mean).exp();
    let (mut count, mut product) = (0, random.gen::<f64>());
    while product > limit {
        count += 1;
        product *= random.gen::<f64>();
    }
    count
}

fn sorted(mut events: Vec<Event>) -> Vec<Event> {
    events.sort_by(|a, b| a.day.total_cmp(&b.day));
    events
}

/// A lattice Hawkes process by branching: background events at `rates` per cell per day over
/// [0, days), then generation after generation of offspring, Poisson(θ) per event, delayed by
/// an exponential(ω) and moved by `offsets` (column, row, probability); offspring off the study
/// area or after `days` are dropped.
fn simulate_hawkes(
    lattice: &Lattice,
    rates: &[(usize, f64)],
    (theta, omega): (f64, f64),
    offsets: &[(i32, i32, f64)],
    days: f64,
    seed: u64,
) -> Vec<Event> {
    let mut random = ChaCha8Rng::seed_from_u64(seed);
    let mut generation: Vec<(usize, f64)> = Vec::new();
    for &(cell, rate) in rates {
        for _ in 0..poisson(rate * days, &mut random) {
            generation.push((cell, random.gen_range(0.0..days)));
        }
    }
    let mut all = generation.clone();
    while !generation.is_empty() {
        let mut next = Vec::new();
        for &(cell, day) in &generation {
            for _ in 0..poisson(theta, &mut random) {
                let delay = -(1.0 - random.gen::<f64>()).ln() / omega;
                let mut pick = random.gen::<f64>();
                let &(column_offset, row_offset, _) = offsets
                    .iter()
                    .find(|(_, _, probability)| {
                        pick -= probability;
                        pick < 0.0
                    })
                    .unwrap_or(&offsets[0]);
                let (column, row) = lattice.position(cell);
                let column = column as i64 + i64::from(column_offset);
                let row = row as i64 + i64::from(row_offset);
                if column < 0
                    || row < 0
                    || column >= lattice.columns as i64
                    || row >= lattice.rows as i64
                {
                    continue;
                }
                let child = row as usize * lattice.columns + column as usize;
                if lattice.inside[child] && day + delay < days {
                    next.push((child, day + delay));
                }
            }
        }
        all.extend_from_slice(&next);
        generation = next;
    }
    sorted(
        all.into_iter()
            .map(|(cell, day)| Event {
                xy: point_in(lattice, cell, &mut random),
                day,
            })
            .collect(),
    )
}

fn window(train_from: f64, until: f64, horizon_days: f64) -> Window {
    Window {
        train_from,
        until,
        horizon_days,
    }
}

#[track_caller]
fn check_likelihood_never_falls(fitted: &SeppFit) {
    assert!(fitted.log_likelihood_trace.len() <= fitted.iterations + 1);
    assert!(fitted.log_likelihood_trace.len() >= 2);
    for pair in fitted.log_likelihood_trace.windows(2) {
        assert!(
            pair[1] >= pair[0] - 1e-9 * pair[0].abs(),
            "the log-likelihood fell from {} to {}",
            pair[0],
            pair[1]
        );
    }
    assert_eq!(
        fitted.log_likelihood,
        *fitted.log_likelihood_trace.last().unwrap()
    );
}

#[test]
fn a_poisson_field_has_no_offspring_and_a_flat_background() {
    let lattice = small_lattice(100.0);
    let cells = inside_cells(&lattice);
    let mut random = ChaCha8Rng::seed_from_u64(11);
    let days = 365.0;
    let events = sorted(
        (0..6000)
            .map(|_| {
                let cell = cells[random.gen_range(0..cells.len())];
                Event {
                    xy: point_in(&lattice, cell, &mut random),
                    day: random.gen_range(0.0..days),
                }
            })
            .collect(),
    );
    let config = SeppConfig::default();
    let fitted = fit(&lattice, &events, window(0.0, days, 7.0), config).unwrap();
    eprintln!(
        "poisson field: theta {:.4} omega {:.3} sigma {:?} iterations {} converged {}",
        fitted.theta, fitted.omega, fitted.sigma_m, fitted.iterations, fitted.converged
    );
    assert!(fitted.theta < 0.05, "theta {}", fitted.theta);
    assert!(fitted.converged);
    assert_eq!(fitted.events_used, 6000);
    let expected_rate = 6000.0 / (cells.len() as f64 * days);
    let mean_rate: f64 = cells
        .iter()
        .map(|&cell| fitted.background[cell])
        .sum::<f64>()
        / cells.len() as f64;
    assert!(
        (mean_rate / expected_rate - 1.0).abs() < 0.06,
        "mean background {mean_rate} against {expected_rate}"
    );
    check_likelihood_never_falls(&fitted);
}

#[test]
fn recovers_theta_and_omega_of_a_simulated_same_cell_hawkes_process() {
    let lattice = small_lattice(100.0);
    let rates: Vec<(usize, f64)> = inside_cells(&lattice)
        .into_iter()
        .map(|cell| (cell, 0.005 + 0.01 * (cell % 4) as f64))
        .collect();
    let days = 1000.0;
    let events = simulate_hawkes(&lattice, &rates, (0.5, 0.2), &[(0, 0, 1.0)], days, 5);
    let config = SeppConfig {
        space_cutoff_m: 0.0,
        time_cutoff_days: 60.0,
        ..SeppConfig::default()
    };
    let fitted = fit(&lattice, &events, window(0.0, days, 1.0), config).unwrap();
    eprintln!(
        "same-cell Hawkes, {} events: theta {:.4} (true 0.5) omega {:.4} (true 0.2) iterations {} converged {}",
        events.len(), fitted.theta, fitted.omega, fitted.iterations, fitted.converged
    );
    assert!((fitted.theta - 0.5).abs() < 0.1, "theta {}", fitted.theta);
    assert!(
        (fitted.omega / 0.2 - 1.0).abs() < 0.3,
        "omega {}",
        fitted.omega
    );
    assert_eq!(fitted.sigma_m, None);
    assert_eq!(fitted.neighbours.len(), 1);
    check_likelihood_never_falls(&fitted);
    let true_background: f64 = rates.iter().map(|(_, rate)| rate).sum();
    let fitted_background: f64 = fitted.background.iter().sum();
    assert!(
        (fitted_background / true_background - 1.0).abs() < 0.1,
        "background {fitted_background} against {true_background}"
    );
}

#[test]
fn recovers_the_spatial_spread_of_a_simulated_hawkes_process() {
    let lattice = small_lattice(100.0);
    let rates: Vec<(usize, f64)> = inside_cells(&lattice)
        .into_iter()
        .map(|cell| (cell, 0.02))
        .collect();
    // The model's own kernel: a Gaussian of centre distances, σ = 100 m, within 200 m.
    let sigma: f64 = 100.0;
    let mut offsets = Vec::new();
    for row in -2i32..=2 {
        for column in -2i32..=2 {
            let squared = f64::from(column * column + row * row) * 100.0 * 100.0;
            if squared <= 200.0 * 200.0 {
                offsets.push((column, row, (-squared / (2.0 * sigma * sigma)).exp()));
            }
        }
    }
    let total: f64 = offsets.iter().map(|offset| offset.2).sum();
    for offset in &mut offsets {
        offset.2 /= total;
    }
    let days = 1000.0;
    let events = simulate_hawkes(&lattice, &rates, (0.5, 0.2), &offsets, days, 8);
    let config = SeppConfig {
        space_cutoff_m: 200.0,
        time_cutoff_days: 60.0,
        ..SeppConfig::default()
    };
    let fitted = fit(&lattice, &events, window(0.0, days, 1.0), config).unwrap();
    let fitted_sigma = fitted.sigma_m.expect("σ is fitted over a neighbourhood");
    eprintln!(
        "spread Hawkes, {} events: theta {:.4} (true 0.5) omega {:.4} (true 0.2) sigma {:.1} m (true 100) iterations {} converged {}",
        events.len(), fitted.theta, fitted.omega, fitted_sigma, fitted.iterations, fitted.converged
    );
    assert!((fitted.theta - 0.5).abs() < 0.1, "theta {}", fitted.theta);
    assert!(
        (fitted.omega / 0.2 - 1.0).abs() < 0.3,
        "omega {}",
        fitted.omega
    );
    assert!(
        (fitted_sigma / 100.0 - 1.0).abs() < 0.3,
        "sigma {fitted_sigma}"
    );
    assert_eq!(fitted.neighbours.len(), 13);
    let weights: f64 = fitted.neighbours.iter().map(|n| n.weight).sum();
    assert!((weights - 1.0).abs() < 1e-12);
    check_likelihood_never_falls(&fitted);
}

/// A clustered background (a same-cell Hawkes process, θ 0.5, ω 0.2/day) plus `burst` events in
/// one cell during the two days before `until`.
fn burst_before(lattice: &Lattice, burst_cell: usize, until: f64, burst: usize) -> Vec<Event> {
    let rates: Vec<(usize, f64)> = inside_cells(lattice)
        .into_iter()
        .map(|cell| (cell, 0.01))
        .collect();
    let mut events = simulate_hawkes(lattice, &rates, (0.5, 0.2), &[(0, 0, 1.0)], until, 3);
    let mut random = ChaCha8Rng::seed_from_u64(4);
    for _ in 0..burst {
        events.push(Event {
            xy: point_in(lattice, burst_cell, &mut random),
            day: random.gen_range(until - 2.0..until),
        });
    }
    sorted(events)
}

#[test]
fn a_burst_just_before_the_forecast_dominates_and_fades_back_to_the_background() {
    let lattice = small_lattice(100.0);
    let cells = inside_cells(&lattice);
    let burst_cell = cells[cells.len() / 2];
    let until = 200.0;
    let events = burst_before(&lattice, burst_cell, until, 10);
    let config = SeppConfig {
        space_cutoff_m: 0.0,
        time_cutoff_days: 30.0,
        ..SeppConfig::default()
    };
    let fitted = fit(&lattice, &events, window(0.0, until, 1.0), config).unwrap();
    eprintln!(
        "burst: theta {:.4} omega {:.4} iterations {}",
        fitted.theta, fitted.omega, fitted.iterations
    );
    assert!(fitted.theta > 0.0);
    let next_day = fitted
        .expected_counts(&lattice, &events, window(0.0, until, 1.0))
        .unwrap();
    let (top, _) = next_day
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap();
    assert_eq!(top, burst_cell);
    let runner_up = cells
        .iter()
        .filter(|&&cell| cell != burst_cell)
        .map(|&cell| next_day[cell])
        .fold(0.0, f64::max);
    assert!(
        next_day[burst_cell] > 3.0 * runner_up,
        "burst cell {} runner-up {runner_up}",
        next_day[burst_cell]
    );

    // The triggered part grows with the horizon as (1 − e^{−ωH}): its rate per day decays.
    let week = fitted
        .expected_counts(&lattice, &events, window(0.0, until, 7.0))
        .unwrap();
    let background = fitted.background[burst_cell];
    let triggered_day = next_day[burst_cell] - background;
    let triggered_week = week[burst_cell] - 7.0 * background;
    let shape = (1.0 - (-7.0 * fitted.omega).exp()) / (1.0 - (-fitted.omega).exp());
    assert!(
        (triggered_week / triggered_day / shape - 1.0).abs() < 1e-9,
        "{triggered_week} / {triggered_day} against {shape}"
    );

    // Long after the burst (beyond the 30-day cut-off) only the background is left.
    let later = until + 40.0;
    let far = fitted
        .expected_counts(&lattice, &events, window(0.0, later, 7.0))
        .unwrap();
    for &cell in &cells {
        assert_eq!(far[cell], 7.0 * fitted.background[cell]);
    }
    // ... and within the cut-off it decays towards it as e^{−ω·age}.
    let fading = fitted
        .expected_counts(&lattice, &events, window(0.0, until + 20.0, 1.0))
        .unwrap();
    let excess = fading[burst_cell] - background;
    assert!(excess > 0.0 && excess < triggered_day * (-18.0 * fitted.omega).exp());
}

#[test]
fn background_smoothing_reaches_empty_cells_and_keeps_the_total() {
    let lattice = small_lattice(100.0);
    let cells = inside_cells(&lattice);
    let busy = cells[cells.len() / 2];
    let mut random = ChaCha8Rng::seed_from_u64(21);
    let events = sorted(
        (0..400)
            .map(|_| Event {
                xy: point_in(&lattice, busy, &mut random),
                day: random.gen_range(0.0..100.0),
            })
            .collect(),
    );
    let config = SeppConfig {
        background_bandwidth_m: Some(150.0),
        ..SeppConfig::default()
    };
    let training = window(0.0, 100.0, 1.0);
    let fitted = fit(&lattice, &events, training, config).unwrap();
    let plain = fit(&lattice, &events, training, SeppConfig::default()).unwrap();
    assert_eq!(plain.smoothed_background, None);
    // Smoothing is for the forecast: the fit itself is the same.
    assert_eq!((fitted.theta, fitted.omega), (plain.theta, plain.omega));
    assert_eq!(fitted.background, plain.background);
    let smoothed = fitted.smoothed_background.as_ref().unwrap();
    let neighbour = busy + 1;
    assert!(lattice.inside[neighbour]);
    assert_eq!(fitted.background[neighbour], 0.0);
    assert!(smoothed[neighbour] > 0.0);
    assert!(smoothed[busy] > smoothed[neighbour]);
    assert!(smoothed[busy] < fitted.background[busy]);
    for (rate, inside) in smoothed.iter().zip(&lattice.inside) {
        assert!(rate.is_finite() && *rate >= 0.0);
        if !inside {
            assert_eq!(*rate, 0.0);
        }
    }
    let total: f64 = fitted.background.iter().sum();
    let smoothed_total: f64 = smoothed.iter().sum();
    assert!((smoothed_total / total - 1.0).abs() < 1e-12);
    // The forecast starts from the smoothed rates; a window long after training has only them.
    let later = fitted
        .expected_counts(&lattice, &events, window(0.0, 400.0, 2.0))
        .unwrap();
    for (count, rate) in later.iter().zip(smoothed) {
        assert_eq!(*count, 2.0 * rate);
    }
}

#[test]
fn refuses_bad_settings_naming_them() {
    let cases: [(SeppConfig, &str); 7] = [
        (
            SeppConfig {
                max_iterations: 0,
                ..SeppConfig::default()
            },
            "max_iterations",
        ),
        (
            SeppConfig {
                tolerance: f64::NAN,
                ..SeppConfig::default()
            },
            "tolerance",
        ),
        (
            SeppConfig {
                time_cutoff_days: -1.0,
                ..SeppConfig::default()
            },
            "time_cutoff_days",
        ),
        (
            SeppConfig {
                space_cutoff_m: -5.0,
                ..SeppConfig::default()
            },
            "space_cutoff_m",
        ),
        (
            SeppConfig {
                space_cutoff_m: f64::INFINITY,
                ..SeppConfig::default()
            },
            "space_cutoff_m",
        ),
        (
            SeppConfig {
                spatial_sigma_m: Some(0.0),
                ..SeppConfig::default()
            },
            "spatial_sigma_m",
        ),
        (
            SeppConfig {
                background_bandwidth_m: Some(f64::NAN),
                ..SeppConfig::default()
            },
            "background_bandwidth_m",
        ),
    ];
    let lattice = small_lattice(100.0);
    let events = [Event {
        xy: lattice.centre_xy(inside_cells(&lattice)[0]),
        day: 1.0,
    }];
    for (config, name) in cases {
        let message = Sepp::new(config).unwrap_err().to_string();
        assert!(message.contains(name), "{message}");
        let message = fit(&lattice, &events, window(0.0, 10.0, 1.0), config)
            .unwrap_err()
            .to_string();
        assert!(message.contains(name), "{message}");
    }
    // A neighbourhood too large for the lattice is refused rather than run.
    let wide = SeppConfig {
        space_cutoff_m: 5000.0,
        ..SeppConfig::default()
    };
    assert!(matches!(
        fit(&lattice, &events, window(0.0, 10.0, 1.0), wide),
        Err(SeppError::NeighbourhoodTooLarge { .. })
    ));
    for bad in [
        window(10.0, 0.0, 1.0),
        window(0.0, 10.0, 0.0),
        window(f64::NAN, 10.0, 1.0),
        window(0.0, 10.0, f64::INFINITY),
        window(-1e300, 1e300, 1.0),
    ] {
        assert!(matches!(
            fit(&lattice, &events, bad, SeppConfig::default()),
            Err(SeppError::Window { .. })
        ));
    }
}

#[test]
fn an_empty_window_is_an_error_and_scores_zero_and_stray_events_are_counted() {
    let lattice = small_lattice(100.0);
    let cells = inside_cells(&lattice);
    let inside = |index: usize, day: f64| Event {
        xy: lattice.centre_xy(cells[index]),
        day,
    };
    let events = vec![
        Event {
            xy: [1e6, 1e6],
            day: 1.0,
        },
        Event {
            xy: [f64::NAN, 0.0],
            day: 1.5,
        },
        inside(0, 2.0),
        inside(0, 2.5),
        inside(5, 3.0),
        Event {
            xy: lattice.centre_xy(cells[1]),
            day: f64::NAN,
        },
        inside(3, 50.0),
    ];
    let error = fit(
        &lattice,
        &events,
        window(20.0, 40.0, 1.0),
        SeppConfig::default(),
    )
    .unwrap_err();
    assert!(matches!(
        error,
        SeppError::NoTrainingEvents {
            events: 7,
            outside: 0,
            ..
        }
    ));
    assert!(error.to_string().contains("no training events"));
    let model: Box<dyn Model> = Box::new(Sepp::new(SeppConfig::default()).unwrap());
    assert_eq!(model.name(), "sepp");
    let variant = Sepp::new(SeppConfig {
        space_cutoff_m: 0.0,
        background_bandwidth_m: Some(150.0),
        ..SeppConfig::default()
    })
    .unwrap();
    assert_eq!(variant.name(), "sepp-cell-b150m");
    let scores = model.score(&lattice, &events, window(20.0, 40.0, 1.0));
    assert_eq!(scores, vec![0.0; lattice.len()]);
    let sepp = Sepp::new(SeppConfig::default()).unwrap();
    assert!(matches!(
        sepp.forecast(&lattice, &events, window(20.0, 40.0, 1.0)),
        Err(SeppError::NoTrainingEvents { .. })
    ));

    let fitted = fit(
        &lattice,
        &events,
        window(0.0, 10.0, 1.0),
        SeppConfig::default(),
    )
    .unwrap();
    assert_eq!(fitted.events_used, 3);
    assert_eq!(fitted.events_outside, 2);
    assert!(fitted.theta >= 0.0 && fitted.theta < 1.0);
    let counts = fitted
        .expected_counts(&lattice, &events, window(0.0, 10.0, 1.0))
        .unwrap();
    assert!(counts
        .iter()
        .all(|count| count.is_finite() && *count >= 0.0));
    // Cells with a single event get a finite, positive background.
    assert!(fitted.background[cells[5]] > 0.0);

    let other = small_lattice(150.0);
    assert!(matches!(
        fitted.expected_counts(&other, &events, window(0.0, 10.0, 1.0)),
        Err(SeppError::LatticeMismatch { .. })
    ));
    let shifted = Lattice::new(
        &StudyArea::BoundingBox {
            west: -122.35,
            south: 47.60,
            east: -122.33,
            north: 47.615,
        },
        LatticeSpec {
            offset: [0.5, 0.5],
            ..LatticeSpec::square(100.0)
        },
    )
    .unwrap();
    assert!(matches!(
        fitted.expected_counts(&shifted, &events, window(0.0, 10.0, 1.0)),
        Err(SeppError::LatticeMismatch { .. })
    ));
}

#[test]
fn fits_seattle_first_half_of_2015() {
    let lattice = Lattice::new(&common::seattle_area(), LatticeSpec::square(76.2)).unwrap();
    let events = common::seattle_events(&lattice);
    assert!(events.len() > 80_000, "{} calls read", events.len());
    let training = window(
        common::civil_days(2015, 1, 1),
        common::civil_days(2015, 7, 1),
        7.0,
    );
    let config = SeppConfig::default();
    let fitted = fit(&lattice, &events, training, config).unwrap();
    eprintln!(
        "Seattle Jan–Jun 2015, {} events used, {} outside: theta {:.4} omega {:.4}/day sigma {:?} m iterations {} converged {} log-likelihood {:.1}",
        fitted.events_used,
        fitted.events_outside,
        fitted.theta,
        fitted.omega,
        fitted.sigma_m,
        fitted.iterations,
        fitted.converged,
        fitted.log_likelihood
    );
    assert!(fitted.events_used > 30_000);
    assert!((0.0..1.0).contains(&fitted.theta));
    assert!(fitted.converged || fitted.iterations == config.max_iterations);
    assert!(fitted.log_likelihood.is_finite());
    assert!(fitted.omega.is_finite() && fitted.omega > 0.0);
    check_likelihood_never_falls(&fitted);
    let model: Box<dyn Model> = Box::new(Sepp::new(config).unwrap());
    let scores = model.score(&lattice, &events, training);
    assert_eq!(scores.len(), lattice.len());
    assert!(scores
        .iter()
        .all(|score| score.is_finite() && *score >= 0.0));
    assert!(scores.iter().sum::<f64>() > 0.0);
    assert_eq!(
        scores,
        fitted.expected_counts(&lattice, &events, training).unwrap()
    );
}
