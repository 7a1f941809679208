//! Each hotspot model on cases with a known answer: one cluster, a uniform field, time decay and
//! the prospective formula worked by hand.

use hotspot::forecast::{Event, Model, Window};
use hotspot::lattice::{Lattice, LatticeSpec, StudyArea};
use hotspot::models::{normalise_inside, Combined, Kde, Kernel, NaiveCounts, Prospective};

const UNTIL: f64 = 20_000.0;

fn area() -> StudyArea {
    StudyArea::BoundingBox {
        west: -122.36,
        south: 47.60,
        east: -122.33,
        north: 47.62,
    }
}

fn lattice(rotation_degrees: f64) -> Lattice {
    Lattice::new(
        &area(),
        LatticeSpec {
            cell_metres: 100.0,
            rotation_degrees,
            offset: [0.3, 0.6],
        },
    )
    .unwrap()
}

fn window() -> Window {
    Window {
        train_from: UNTIL - 365.0,
        until: UNTIL,
        horizon_days: 7.0,
    }
}

fn all_models() -> Vec<Box<dyn Model>> {
    vec![
        Box::new(NaiveCounts::all_history()),
        Box::new(NaiveCounts::recent(14.0).unwrap()),
        Box::new(NaiveCounts::decayed(60.0).unwrap()),
        Box::new(Kde::new(150.0, Kernel::Gaussian, None).unwrap()),
        Box::new(Kde::new(250.0, Kernel::Quartic, Some(30.0)).unwrap()),
        Box::new(Prospective::new(300.0, 8.0).unwrap()),
        Box::new(
            Combined::new(vec![
                (
                    Box::new(Kde::new(150.0, Kernel::Gaussian, None).unwrap()),
                    0.6,
                ),
                (Box::new(Prospective::new(300.0, 8.0).unwrap()), 0.4),
            ])
            .unwrap(),
        ),
    ]
}

fn cell_at(lattice: &Lattice, column: usize, row: usize) -> usize {
    row * lattice.columns + column
}

fn top_inside(lattice: &Lattice, scores: &[f64]) -> usize {
    (0..lattice.len())
        .filter(|cell| lattice.inside[*cell])
        .max_by(|a, b| scores[*a].total_cmp(&scores[*b]).then(b.cmp(a)))
        .unwrap()
}

#[test]
fn a_single_cluster_is_every_models_top_cell() {
    for rotation in [0.0, 25.0] {
        let lattice = lattice(rotation);
        let cluster = cell_at(&lattice, lattice.columns / 2, lattice.rows / 2);
        let [x, y] = lattice.centre_xy(cluster);
        let mut events = Vec::new();
        for i in 0..20 {
            // Within ±20 m of the centre, over the last 10 days.
            let jitter = [(i % 5) as f64 * 10.0 - 20.0, (i / 5) as f64 * 10.0 - 20.0];
            events.push(Event {
                xy: [x + jitter[0], y + jitter[1]],
                day: UNTIL - 10.0 + i as f64 * 0.5,
            });
        }
        // Single calls scattered well away from the cluster.
        for k in 0..6 {
            let far = cell_at(&lattice, 2 + 3 * k, 2);
            events.push(Event {
                xy: lattice.centre_xy(far),
                day: UNTIL - 3.0,
            });
        }
        events.sort_by(|a, b| a.day.total_cmp(&b.day));
        for model in all_models() {
            let scores = model.score(&lattice, &events, window());
            assert_eq!(scores.len(), lattice.len());
            assert_eq!(
                top_inside(&lattice, &scores),
                cluster,
                "{} at rotation {rotation}",
                model.name()
            );
        }
    }
}

#[test]
fn a_uniform_field_scores_every_cell_alike_away_from_the_edge() {
    let lattice = lattice(0.0);
    let events: Vec<Event> = (0..lattice.len())
        .map(|cell| Event {
            xy: lattice.centre_xy(cell),
            day: UNTIL - 5.0,
        })
        .collect();
    // The widest reach of the models below is the 3σ of a 150 m Gaussian: 4.5 cells.
    let margin = 5;
    for model in all_models() {
        let scores = model.score(&lattice, &events, window());
        let interior: Vec<f64> = (0..lattice.len())
            .filter(|cell| {
                let (column, row) = lattice.position(*cell);
                lattice.inside[*cell]
                    && (margin..lattice.columns - margin).contains(&column)
                    && (margin..lattice.rows - margin).contains(&row)
            })
            .map(|cell| scores[cell])
            .collect();
        assert!(interior.len() > 100, "{}", interior.len());
        let first = interior[0];
        assert!(first > 0.0, "{}", model.name());
        for score in &interior {
            assert!(
                (score - first).abs() <= 1e-9 * first,
                "{}: {score} vs {first}",
                model.name()
            );
        }
    }
    // The naive counts hold exactly one per cell everywhere, edges included.
    let counts = NaiveCounts::all_history().score(&lattice, &events, window());
    assert!(counts.iter().all(|count| *count == 1.0));
}

#[test]
fn an_event_one_half_life_old_weighs_half_a_new_one() {
    let lattice = lattice(0.0);
    let cell = cell_at(&lattice, 10, 10);
    let at_age = |kde: &Kde, age: f64| {
        let events = [Event {
            xy: lattice.centre_xy(cell),
            day: UNTIL - age,
        }];
        kde.score(&lattice, &events, window())[cell]
    };
    for kernel in [Kernel::Gaussian, Kernel::Quartic] {
        let kde = Kde::new(200.0, kernel, Some(12.0)).unwrap();
        assert_eq!(kde.decay(12.0), 0.5);
        let (recent, one_half_life_older) = (at_age(&kde, 0.5), at_age(&kde, 12.5));
        assert!((one_half_life_older / recent - 0.5).abs() < 1e-12);
        let two_half_lives_older = at_age(&kde, 24.5);
        assert!((two_half_lives_older / recent - 0.25).abs() < 1e-12);
        // Without a half-life age does not matter.
        let flat = Kde::new(200.0, kernel, None).unwrap();
        assert_eq!(at_age(&flat, 0.5), at_age(&flat, 300.0));
    }
    // The Gaussian is normalised: a lone call's scores sum to about 1 (the 3σ cut drops 1.1 %).
    let kde = Kde::new(200.0, Kernel::Gaussian, None).unwrap();
    let events = [Event {
        xy: lattice.centre_xy(cell_at(&lattice, 12, 11)),
        day: UNTIL - 1.0,
    }];
    let total: f64 = kde.score(&lattice, &events, window()).iter().sum();
    assert!((total - 0.989).abs() < 0.005, "{total}");
}

#[test]
fn prospective_risk_matches_the_formula_at_hand_worked_cells() {
    let lattice = lattice(0.0);
    let (c, r) = (10, 8);
    // 100 m cells, bandwidth 250 m = 2.5 cells, 4 weeks.
    let model = Prospective::new(250.0, 4.0).unwrap();
    let events = [
        // Three calls in cell (c, r): 40 days old (week 5, beyond the 4 weeks), and ...
        Event {
            xy: lattice.centre_xy(cell_at(&lattice, c, r)),
            day: UNTIL - 40.0,
        },
        // ... 10 days old in (c+1, r): week 1, so a time weight of 1/2;
        Event {
            xy: lattice.centre_xy(cell_at(&lattice, c + 1, r)),
            day: UNTIL - 10.0,
        },
        // ... 2 days old in (c, r), 30 m off-centre: week 0, weight 1, still cell (c, r).
        Event {
            xy: {
                let [x, y] = lattice.centre_xy(cell_at(&lattice, c, r));
                [x + 30.0, y - 30.0]
            },
            day: UNTIL - 2.0,
        },
    ];
    let scores = model.score(&lattice, &events, window());
    let at = |dc: isize, dr: isize| {
        scores[cell_at(
            &lattice,
            (c as isize + dc) as usize,
            (r as isize + dr) as usize,
        )]
    };
    // (c, r): 1/(1+0)·1/(1+0) + 1/(1+1)·1/(1+1) = 1 + 0.25.
    assert!((at(0, 0) - 1.25).abs() < 1e-12);
    // (c+2, r+1): distances √5 = 2.236 and √2 = 1.414 cells, both within 2.5:
    // 1/(1+√5) + 1/(1+√2)·1/2 = 0.309017 + 0.207107 = 0.516124.
    let expected = 1.0 / (1.0 + 5f64.sqrt()) + 0.5 / (1.0 + 2f64.sqrt());
    assert!((at(2, 1) - expected).abs() < 1e-12);
    assert!((at(2, 1) - 0.516124).abs() < 1e-6);
    // (c+3, r): 3 cells from the new call (beyond 2.5), 2 from the week-old one: 1/3 · 1/2.
    assert!((at(3, 0) - 1.0 / 6.0).abs() < 1e-12);
    // (c-3, r): 3 and 4 cells away: nothing.
    assert_eq!(at(-3, 0), 0.0);
}

#[test]
fn models_read_only_the_training_window() {
    let lattice = lattice(0.0);
    let cell = cell_at(&lattice, 10, 10);
    let events = [
        Event {
            xy: lattice.centre_xy(cell),
            day: UNTIL - 400.0,
        },
        Event {
            xy: lattice.centre_xy(cell),
            day: UNTIL,
        },
        Event {
            xy: lattice.centre_xy(cell),
            day: UNTIL + 3.0,
        },
    ];
    for model in all_models() {
        let scores = model.score(&lattice, &events, window());
        assert!(
            scores.iter().all(|score| *score == 0.0),
            "{} read an event outside [train_from, until)",
            model.name()
        );
    }
    // The recent baseline forgets a call 15 days old; the all-history one keeps it.
    let old = [Event {
        xy: lattice.centre_xy(cell),
        day: UNTIL - 15.0,
    }];
    let decayed = NaiveCounts::decayed(30.0).unwrap();
    assert!((decayed.score(&lattice, &old, window())[cell] - 0.5f64.powf(0.5)).abs() < 1e-12);
    let recent = NaiveCounts::recent(14.0).unwrap();
    assert_eq!(recent.score(&lattice, &old, window())[cell], 0.0);
    assert_eq!(
        NaiveCounts::all_history().score(&lattice, &old, window())[cell],
        1.0
    );
}

#[test]
fn combined_is_the_weighted_sum_of_normalised_scores() {
    let lattice = lattice(0.0);
    let events: Vec<Event> = (0..30)
        .map(|i| Event {
            xy: lattice.centre_xy(cell_at(&lattice, 5 + i % 7, 4 + i / 7)),
            day: UNTIL - 30.0 + i as f64,
        })
        .collect();
    let kde = Kde::new(150.0, Kernel::Quartic, None).unwrap();
    let naive = NaiveCounts::all_history();
    let combined = Combined::new(vec![(Box::new(kde), 3.0), (Box::new(naive), 1.0)]).unwrap();
    let mut kde_scores = kde.score(&lattice, &events, window());
    let mut naive_scores = naive.score(&lattice, &events, window());
    normalise_inside(&lattice, &mut kde_scores);
    normalise_inside(&lattice, &mut naive_scores);
    let scores = combined.score(&lattice, &events, window());
    for cell in 0..lattice.len() {
        let expected = 3.0 * kde_scores[cell] + naive_scores[cell];
        assert!((scores[cell] - expected).abs() < 1e-12);
    }
    let total: f64 = scores.iter().sum();
    assert!((total - 4.0).abs() < 1e-9, "{total}");
}

#[test]
fn constructors_refuse_unusable_parameters() {
    assert!(Kde::new(f64::NAN, Kernel::Gaussian, None).is_err());
    assert!(Kde::new(-5.0, Kernel::Gaussian, None).is_err());
    assert!(Kde::new(100.0, Kernel::Quartic, Some(0.0)).is_err());
    assert!(Kde::new(100.0, Kernel::Quartic, Some(f64::INFINITY)).is_err());
    assert!(Prospective::new(0.0, 8.0).is_err());
    assert!(Prospective::new(400.0, f64::NAN).is_err());
    assert!(NaiveCounts::recent(0.0).is_err());
    assert!(NaiveCounts::decayed(f64::NAN).is_err());
    assert!(Combined::new(Vec::new()).is_err());
    assert!(Combined::new(vec![(Box::new(NaiveCounts::all_history()), -1.0)]).is_err());
    assert!(Combined::new(vec![(Box::new(NaiveCounts::all_history()), 0.0)]).is_err());
    // The cost a caller can check before scoring: π (reach in cells)².
    let gaussian = Kde::new(100.0, Kernel::Gaussian, None).unwrap();
    assert!((gaussian.cells_per_call(100.0) - 9.0 * std::f64::consts::PI).abs() < 1e-9);
    let quartic = Kde::new(200.0, Kernel::Quartic, None).unwrap();
    assert!((quartic.cells_per_call(100.0) - 4.0 * std::f64::consts::PI).abs() < 1e-9);
    let prospective = Prospective::new(400.0, 8.0).unwrap();
    assert!((prospective.cells_per_call(50.0) - 64.0 * std::f64::consts::PI).abs() < 1e-9);
    let error = Kde::new(9000.0, Kernel::Gaussian, None).unwrap_err();
    assert!(error.to_string().contains("9000"), "{error}");
}
