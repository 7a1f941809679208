//! Flagging, the forecast file, the NIJ scores worked by hand, rolling evaluation on a synthetic
//! city and on real Seattle and Chicago calls, the auto forecast and street-segment ranking.

mod common;

use hotspot::evaluate::{
    auto_forecast, evaluate, flag_cells, forecast_geojson, rank_segments, score_forecast,
    AutoCandidates, AutoModel, EvaluateError, FlaggedCell, ForecastMeta, SegmentSettings,
};
use hotspot::forecast::{Event, Model, Window};
use hotspot::lattice::{Lattice, LatticeSpec, StudyArea};
use hotspot::models::{Combined, Kde, Kernel, NaiveCounts, Prospective};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn small_area() -> StudyArea {
    StudyArea::BoundingBox {
        west: -122.36,
        south: 47.60,
        east: -122.33,
        north: 47.62,
    }
}

fn cell_at(lattice: &Lattice, column: usize, row: usize) -> usize {
    row * lattice.columns + column
}

fn at_cell(lattice: &Lattice, cell: usize, day: f64) -> Event {
    Event {
        xy: lattice.centre_xy(cell),
        day,
    }
}

#[test]
fn pai_pei_star_and_hit_rate_match_a_hand_worked_example() {
    let area = small_area();
    let lattice = common::lattice(&area, 100.0);
    let (x, y, z, w) = (
        cell_at(&lattice, 3, 3),
        cell_at(&lattice, 4, 3),
        cell_at(&lattice, 10, 10),
        cell_at(&lattice, 12, 5),
    );
    // Scores put X then Y on top; a budget of 0.02 km² buys two 100 m cells (0.01 km² each).
    let mut scores = vec![0.0; lattice.len()];
    scores[x] = 5.0;
    scores[y] = 4.0;
    scores[z] = 1.0;
    let flagged = flag_cells(&lattice, &scores, 0.02).unwrap();
    assert_eq!(
        flagged.iter().map(|f| f.cell).collect::<Vec<_>>(),
        vec![x, y]
    );
    // The period: 3 calls in X, 1 in Y, 5 in Z, 2 in W, and 1 outside the study area.
    let mut period = Vec::new();
    for (cell, calls) in [(x, 3), (y, 1), (z, 5), (w, 2)] {
        period.extend((0..calls).map(|i| at_cell(&lattice, cell, 100.0 + i as f64)));
    }
    let [east, north] = lattice.to_xy(measure::LonLat {
        lon: -122.30,
        lat: 47.61,
    });
    period.push(Event {
        xy: [east, north],
        day: 101.0,
    });
    let score = score_forecast(&lattice, &area, &flagged, &period);
    // n = 3 + 1 = 4; N = 3 + 1 + 5 + 2 = 11; a = 2 × 0.01 = 0.02 km²; A = the box's area.
    let big_a = area.area_km2();
    assert_eq!((score.n, score.big_n), (4, 11));
    assert!((score.a_km2 - 0.02).abs() < 1e-12);
    assert_eq!(score.big_a_km2, big_a);
    // Hit rate 4/11 = 0.3636; PAI = (4/11)/(0.02/A); n* = the two busiest cells, Z and X: 5 + 3 =
    // 8, so PEI* = 4/8 = 0.5.
    assert!((score.hit_rate.unwrap() - 4.0 / 11.0).abs() < 1e-12);
    assert!((score.pai.unwrap() - (4.0 / 11.0) / (0.02 / big_a)).abs() < 1e-9);
    assert!((big_a - 5.2).abs() < 0.3, "{big_a}");
    assert_eq!(score.pei_star, Some(0.5));

    // No calls at all: nothing is defined.
    let empty = score_forecast(&lattice, &area, &flagged, &[]);
    assert_eq!((empty.n, empty.big_n), (0, 0));
    assert_eq!(
        (empty.pai, empty.pei_star, empty.hit_rate),
        (None, None, None)
    );
    // Calls only outside the study area: N = 0 too.
    let outside = score_forecast(&lattice, &area, &flagged, &period[11..]);
    assert_eq!(
        (outside.big_n, outside.pai, outside.pei_star),
        (0, None, None)
    );
    // Nothing flagged: hit rate 0, PAI undefined (a = 0), PEI* undefined (n* = 0).
    let none = score_forecast(&lattice, &area, &[], &period);
    assert_eq!(none.hit_rate, Some(0.0));
    assert_eq!((none.pai, none.pei_star), (None, None));
}

#[test]
fn flagging_spends_the_budget_within_one_cell_inside_the_area_with_ties_by_index() {
    let area = small_area();
    for spec in [
        LatticeSpec::square(76.2),
        LatticeSpec {
            cell_metres: 120.0,
            rotation_degrees: 30.0,
            offset: [0.5, 0.25],
        },
    ] {
        let lattice = Lattice::new(&area, spec).unwrap();
        let cell_area = lattice.cell_area_km2();
        let mut random = ChaCha8Rng::seed_from_u64(11);
        // Scores in few distinct values, so ties are common; outside cells score highest.
        let scores: Vec<f64> = (0..lattice.len())
            .map(|cell| {
                if lattice.inside[cell] {
                    random.gen_range(0..4) as f64
                } else {
                    100.0
                }
            })
            .collect();
        for budget in [0.0, 0.004, 0.1, 0.6475, 1.0] {
            let flagged = flag_cells(&lattice, &scores, budget).unwrap();
            let area_flagged = flagged.len() as f64 * cell_area;
            assert!(area_flagged <= budget + 1e-12, "{area_flagged} > {budget}");
            assert!(
                area_flagged > budget - cell_area,
                "{area_flagged} ≪ {budget}"
            );
            assert!(flagged.iter().all(|flag| lattice.inside[flag.cell]));
            for (index, pair) in flagged.windows(2).enumerate() {
                assert_eq!(pair[0].rank, index + 1);
                let (a, b) = (pair[0], pair[1]);
                assert!(a.score > b.score || (a.score == b.score && a.cell < b.cell));
            }
            // Every unflagged inside cell scores at most the last flagged one, and on a tie has
            // the higher index.
            if let Some(last) = flagged.last() {
                for cell in (0..lattice.len()).filter(|c| lattice.inside[*c]) {
                    if flagged.iter().all(|flag| flag.cell != cell) {
                        assert!(
                            scores[cell] < last.score
                                || (scores[cell] == last.score && cell > last.cell)
                        );
                    }
                }
            }
            assert_eq!(flagged, flag_cells(&lattice, &scores, budget).unwrap());
        }
    }
    // A budget of exactly 111 cells buys 111, not 110, despite rounding.
    let lattice = common::lattice(&area, 76.2);
    let scores = vec![0.0; lattice.len()];
    let exact = 111.0 * lattice.cell_area_km2();
    assert_eq!(flag_cells(&lattice, &scores, exact).unwrap().len(), 111);
    // All-equal scores flag the lowest inside indices; NaN ranks below everything.
    let mut scores = vec![1.0; lattice.len()];
    let first_inside: Vec<usize> = (0..lattice.len())
        .filter(|c| lattice.inside[*c])
        .take(3)
        .collect();
    scores[first_inside[0]] = f64::NAN;
    let flagged = flag_cells(&lattice, &scores, 3.0 * lattice.cell_area_km2()).unwrap();
    let cells: Vec<usize> = flagged.iter().map(|f| f.cell).collect();
    assert!(!cells.contains(&first_inside[0]));
    assert_eq!(&cells[..2], &first_inside[1..3]);
    assert!(matches!(
        flag_cells(&lattice, &scores, f64::NAN),
        Err(EvaluateError::OutOfRange { .. })
    ));
    assert!(matches!(
        flag_cells(&lattice, &scores[1..], 1.0),
        Err(EvaluateError::ScoreCount { .. })
    ));
}

#[test]
fn the_forecast_file_follows_the_format() {
    let area = common::chicago_area();
    let lattice = common::lattice(&area, 150.0);
    let events = common::chicago_events(&lattice);
    let until = common::civil_days(2016, 9, 1);
    let window = Window {
        train_from: common::civil_days(2016, 1, 1),
        until,
        horizon_days: 7.0,
    };
    let scores = Kde::new(300.0, Kernel::Gaussian, Some(60.0))
        .unwrap()
        .score(&lattice, &events, window);
    let budget = 0.6475;
    let flagged = flag_cells(&lattice, &scores, budget).unwrap();
    let meta = ForecastMeta {
        train_from: "2016-01-01".into(),
        train_until: "2016-09-01".into(),
        horizon_days: 7.0,
        cell_metres: 150.0,
        area_km2: budget,
        method: "kde".into(),
        study_area_km2: area.area_km2(),
    };
    let file = forecast_geojson(&lattice, &flagged, &meta);
    assert_eq!(file["type"], "FeatureCollection");
    assert_eq!(file["forecast"]["train_until"], "2016-09-01");
    assert_eq!(file["forecast"]["area_km2"], 0.6475);
    assert_eq!(file["forecast"]["method"], "kde");
    let features = file["features"].as_array().unwrap();
    // 0.6475 km² / 0.0225 km² = 28.8: 28 cells, 0.63 km².
    assert_eq!(features.len(), 28);
    let mut previous = f64::INFINITY;
    let mut ids = std::collections::HashSet::new();
    for (index, feature) in features.iter().enumerate() {
        let properties = &feature["properties"];
        assert_eq!(properties["rank"], index + 1);
        let score = properties["score"].as_f64().unwrap();
        assert!(score <= previous);
        previous = score;
        let id = properties["id"].as_u64().unwrap() as usize;
        assert!(ids.insert(id));
        assert!(lattice.inside[id]);
        assert_eq!(feature["geometry"]["type"], "Polygon");
        let ring = feature["geometry"]["coordinates"][0].as_array().unwrap();
        assert_eq!(ring.len(), 5);
        assert_eq!(ring[0], ring[4]);
        // The ring holds the cell's centre.
        let centre = lattice.centre(id);
        let lons: Vec<f64> = ring.iter().map(|p| p[0].as_f64().unwrap()).collect();
        assert!(lons.iter().cloned().fold(f64::MAX, f64::min) < centre.lon);
        assert!(lons.iter().cloned().fold(f64::MIN, f64::max) > centre.lon);
    }
    assert!(features.len() as f64 * lattice.cell_area_km2() <= budget);
    // It parses back as the same collection (floats may differ in the last digit).
    let text = serde_json::to_string(&file).unwrap();
    let back: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(back["features"].as_array().unwrap().len(), 28);
    assert_eq!(back["forecast"], file["forecast"]);
}

/// A 4 km × 4 km city over a year: 40 % of calls near three fixed places, the rest uniform.
fn synthetic_city() -> (StudyArea, Lattice, Vec<Event>) {
    let area = StudyArea::BoundingBox {
        west: -122.40,
        south: 47.60,
        east: -122.3468,
        north: 47.636,
    };
    let lattice = common::lattice(&area, 100.0);
    let mut random = ChaCha8Rng::seed_from_u64(2015);
    // The south-west corner: the hotspots and the uniform calls are placed from it.
    let [x0, y0] = lattice.to_xy(measure::LonLat {
        lon: -122.40,
        lat: 47.60,
    });
    let hotspots = [[800.0, 900.0], [2500.0, 3100.0], [3300.0, 1200.0]];
    let mut events = Vec::new();
    for day in 0..365 {
        for _ in 0..40 {
            let xy = if random.gen_bool(0.4) {
                let [hx, hy] = hotspots[random.gen_range(0..3)];
                // Roughly Gaussian spread of 60 m: the sum of three uniforms.
                let spread = |random: &mut ChaCha8Rng| {
                    (0..3).map(|_| random.gen_range(-60.0..60.0)).sum::<f64>()
                };
                [x0 + hx + spread(&mut random), y0 + hy + spread(&mut random)]
            } else {
                [
                    x0 + random.gen_range(0.0..4000.0),
                    y0 + random.gen_range(0.0..4000.0),
                ]
            };
            events.push(Event {
                xy,
                day: 16_000.0 + day as f64 + random.gen_range(0.0..1.0),
            });
        }
    }
    events.sort_by(|a, b| a.day.total_cmp(&b.day));
    (area, lattice, events)
}

fn non_naive_models() -> Vec<Box<dyn Model>> {
    vec![
        Box::new(Kde::new(150.0, Kernel::Gaussian, None).unwrap()),
        Box::new(Kde::new(200.0, Kernel::Quartic, Some(30.0)).unwrap()),
        Box::new(Prospective::new(400.0, 8.0).unwrap()),
        Box::new(
            Combined::new(vec![
                (
                    Box::new(Kde::new(150.0, Kernel::Gaussian, None).unwrap()),
                    0.5,
                ),
                (Box::new(Prospective::new(400.0, 8.0).unwrap()), 0.5),
            ])
            .unwrap(),
        ),
    ]
}

#[test]
fn on_a_synthetic_city_every_model_beats_random() {
    let (area, lattice, events) = synthetic_city();
    let origins: Vec<f64> = (0..10).map(|week| 16_200.0 + 7.0 * week as f64).collect();
    let budget = 0.25;
    let evaluation = evaluate(
        &area,
        &events,
        &non_naive_models(),
        &origins,
        7.0,
        lattice.spec,
        budget,
    )
    .unwrap();
    assert_eq!(evaluation.methods.len(), 6);
    assert_eq!(evaluation.methods[0].method, "naive");
    assert_eq!(evaluation.methods[1].method, "naive-14d");
    assert_eq!(evaluation.rows.len(), 60);
    assert_eq!(evaluation.flagged_cells, 25);
    for row in &evaluation.rows {
        let pei = row.score.pei_star.unwrap();
        assert!((0.0..=1.0).contains(&pei), "{row:?}");
        assert!(row.score.pai.unwrap() >= 0.0);
        assert!(row.score.n <= row.score.big_n);
    }
    // A random forecast's expected PAI is 1 and its expected hit rate a/A = 0.25/16 = 1.6 %.
    for method in &evaluation.methods[2..] {
        let pai = method.mean_pai.unwrap();
        assert!(pai > 5.0, "{method:?}");
        assert!(method.mean_hit_rate.unwrap() > 0.1, "{method:?}");
        assert_eq!(method.origins_scored, 10);
    }
    // Baselines never 'beat the baselines'; the won-origin counts stay within the origins.
    assert!(!evaluation.methods[0].beats_baselines && !evaluation.methods[1].beats_baselines);
    assert!(evaluation.methods.iter().all(|m| m.origins_won <= 10));
    // beats_baselines is consistent with the means.
    let baseline = evaluation.methods[0]
        .mean_pei_star
        .unwrap()
        .max(evaluation.methods[1].mean_pei_star.unwrap());
    for method in &evaluation.methods[2..] {
        assert_eq!(
            method.beats_baselines,
            method.mean_pei_star.unwrap() > baseline
        );
    }
    // A smoothing model beats the noisy 14-day counts on a persistent pattern.
    let kde = &evaluation.methods[2];
    assert!(
        kde.mean_pei_star.unwrap() > evaluation.methods[1].mean_pei_star.unwrap(),
        "{:?}",
        evaluation.methods
    );

    // The evaluation's fast scoring agrees with score_forecast on one origin and model.
    let origin = origins[3];
    let window = Window {
        train_from: events[0].day.floor(),
        until: origin,
        horizon_days: 7.0,
    };
    let model = &non_naive_models()[1];
    let flagged = flag_cells(&lattice, &model.score(&lattice, &events, window), budget).unwrap();
    let period: Vec<Event> = events
        .iter()
        .filter(|e| e.day >= origin && e.day < origin + 7.0)
        .copied()
        .collect();
    let expected = score_forecast(&lattice, &area, &flagged, &period);
    assert_eq!(evaluation.rows[3 * 6 + 3].score, expected);
}

#[test]
fn seattle_2015_weekly_origins_score_within_bounds() {
    let area = common::seattle_area();
    let lattice = common::lattice(&area, 76.2);
    let events = common::seattle_events(&lattice);
    assert!(events.len() > 90_000, "{}", events.len());
    let origins: Vec<f64> = (0..3)
        .map(|week| common::civil_days(2015, 10, 5) + 7.0 * week as f64)
        .collect();
    let budget = 0.01 * area.area_km2();
    let models: Vec<Box<dyn Model>> = vec![
        Box::new(Kde::new(150.0, Kernel::Gaussian, Some(60.0)).unwrap()),
        Box::new(Prospective::new(400.0, 8.0).unwrap()),
    ];
    let evaluation =
        evaluate(&area, &events, &models, &origins, 7.0, lattice.spec, budget).unwrap();
    assert_eq!(evaluation.methods[0].method, "naive");
    assert_eq!(evaluation.methods[1].method, "naive-14d");
    for method in &evaluation.methods {
        println!(
            "{:<40} PAI {:>6.2} PEI* {:.3} hit {:.3} won {}",
            method.method,
            method.mean_pai.unwrap(),
            method.mean_pei_star.unwrap(),
            method.mean_hit_rate.unwrap(),
            method.origins_won
        );
    }
    for row in &evaluation.rows {
        assert!(row.score.big_n > 1000, "{row:?}");
        assert!(
            (0.0..=1.0).contains(&row.score.pei_star.unwrap()),
            "{row:?}"
        );
        assert!(row.score.pai.unwrap() >= 0.0);
        assert!((0.0..=1.0).contains(&row.score.hit_rate.unwrap()));
    }
}

#[test]
fn chicago_south_side_monthly_origins_and_auto_stay_within_bounds() {
    let area = common::chicago_area();
    let lattice = common::lattice(&area, 150.0);
    let events = common::chicago_events(&lattice);
    assert_eq!(events.len(), 1000);
    let inside = events
        .iter()
        .filter(|e| area.contains(lattice.projection.to_lonlat(e.xy)))
        .count();
    assert!(inside > 950, "{inside}");
    let origins: Vec<f64> = (7..=11)
        .map(|month| common::civil_days(2016, month, 1))
        .collect();
    let evaluation = evaluate(
        &area,
        &events,
        &non_naive_models(),
        &origins,
        30.0,
        lattice.spec,
        1.0,
    )
    .unwrap();
    for row in &evaluation.rows {
        assert!(row.score.big_n > 50, "{row:?}");
        let pei = row.score.pei_star.unwrap();
        assert!((0.0..=1.0).contains(&pei));
        assert!(row.score.pai.unwrap() >= 0.0);
    }

    let window = Window {
        train_from: common::civil_days(2016, 1, 1),
        until: common::civil_days(2016, 10, 1),
        horizon_days: 14.0,
    };
    let result = auto_forecast(
        &area,
        &events,
        window,
        lattice.spec,
        1.0,
        &AutoCandidates::standard(Vec::new()),
    )
    .unwrap();
    assert_eq!(result.fold_origins.len(), 8);
    assert!(result
        .fold_origins
        .iter()
        .all(|origin| *origin < window.until));
    assert_eq!(result.scores.len(), lattice.len());
    assert!(!result.chosen.components.is_empty());
    let total: f64 = result.chosen.components.iter().map(|c| c.2).sum();
    assert!((total - 1.0).abs() < 1e-12);
    // The pick has the best cross-validated mean PEI* of everything tried.
    let best = result
        .cv_table
        .iter()
        .filter_map(|row| row.mean_pei_star)
        .fold(f64::MIN, f64::max);
    assert_eq!(result.chosen.mean_pei_star, Some(best));
    assert!(result.cv_table.iter().all(|row| row
        .mean_pei_star
        .is_none_or(|pei| (0.0..=1.0).contains(&pei))));
}

#[test]
fn auto_never_reads_past_the_end_of_training() {
    let (area, lattice, events) = synthetic_city();
    let window = Window {
        train_from: 16_000.0,
        until: 16_250.0,
        horizon_days: 7.0,
    };
    let run = |events: &[Event]| {
        auto_forecast(
            &area,
            events,
            window,
            lattice.spec,
            0.25,
            &AutoCandidates {
                extra: vec![Box::new(NaiveCounts::recent(30.0).unwrap())],
                cell_multiples: vec![2],
                folds: 4,
            },
        )
        .unwrap()
    };
    let honest = run(&events);
    // A burst of 5,000 calls in one far corner after `until`: a peeking method would move there.
    let mut leaked = events.clone();
    let corner = lattice.centre_xy(cell_at(&lattice, 2, 2));
    leaked.extend((0..5000).map(|i| Event {
        xy: corner,
        day: 16_250.0 + (i % 7) as f64,
    }));
    let peeked = run(&leaked);
    assert_eq!(honest.chosen, peeked.chosen);
    assert_eq!(honest.cv_table, peeked.cv_table);
    assert_eq!(honest.scores, peeked.scores);
    assert_eq!(
        honest.fold_origins,
        vec![16_243.0, 16_236.0, 16_229.0, 16_222.0]
    );
    // 10 built-in models (3 naive, 6 KDE, 1 prospective) + 1 extra, at 100 m and 200 m, then the
    // best single at 5 weights with the runner-up and, when the runner-up is of its own family,
    // with the best of another family too.
    let pair_rows = &honest.cv_table[11 * 2..];
    assert!(
        pair_rows.len() == 5 || pair_rows.len() == 10,
        "{}",
        pair_rows.len()
    );
    let family = |term: &str| {
        let name = term.split('×').nth(1).unwrap_or("");
        name.split(['-', '@']).next().unwrap_or("").to_string()
    };
    assert!(
        pair_rows.iter().any(|row| {
            let (first, second) = row.method.split_once(" + ").unwrap();
            family(first) != family(second)
        }),
        "no pair across model families: {pair_rows:?}"
    );
    assert!(honest.cv_table.iter().any(|row| row.cell_metres == 200.0));
    assert!(honest.chosen.description.starts_with("auto: "));
    // On a persistent pattern the pick is not the 14-day counts.
    assert_ne!(honest.chosen.components[0].0, "naive-14d");
    // Too short a training period for one fold is refused with a reason.
    let short = auto_forecast(
        &area,
        &events,
        Window {
            train_from: 16_240.0,
            ..window
        },
        lattice.spec,
        0.25,
        &AutoCandidates::standard(Vec::new()),
    );
    assert!(matches!(short, Err(EvaluateError::Input(_))));
}

#[test]
fn auto_is_evaluated_like_any_model_and_falls_back_to_counts_when_history_is_short() {
    let (area, lattice, events) = synthetic_city();
    let budget = 0.25;
    let auto: Vec<Box<dyn Model>> = vec![Box::new(AutoModel {
        area: area.clone(),
        area_km2: budget,
        candidates: AutoCandidates::standard(Vec::new()),
    })];
    // 10 days of history is less than two 7-day horizons: no fold, so all-history counts.
    let origins = [16_010.0, 16_200.0];
    let evaluation = evaluate(&area, &events, &auto, &origins, 7.0, lattice.spec, budget).unwrap();
    assert_eq!(evaluation.methods[2].method, "auto");
    assert_eq!(evaluation.rows[2].score, evaluation.rows[0].score);
    // At the second origin it is exactly the auto forecast trained up to that origin.
    let window = Window {
        train_from: events[0].day.floor(),
        until: 16_200.0,
        horizon_days: 7.0,
    };
    let direct = auto_forecast(
        &area,
        &events,
        window,
        lattice.spec,
        budget,
        &AutoCandidates::standard(Vec::new()),
    )
    .unwrap();
    let flagged = flag_cells(&lattice, &direct.scores, budget).unwrap();
    let period: Vec<Event> = events
        .iter()
        .filter(|e| e.day >= 16_200.0 && e.day < 16_207.0)
        .copied()
        .collect();
    let expected = score_forecast(&lattice, &area, &flagged, &period);
    assert_eq!(evaluation.rows[5].score, expected);
    assert!(expected.pai.unwrap() > 5.0, "{expected:?}");
}

#[test]
fn evaluation_refuses_hostile_input() {
    let (area, lattice, mut events) = synthetic_city();
    let origins = [16_200.0];
    let models: Vec<Box<dyn Model>> = Vec::new();
    assert!(evaluate(
        &area,
        &events,
        &models,
        &origins,
        f64::NAN,
        lattice.spec,
        1.0
    )
    .is_err());
    assert!(evaluate(&area, &events, &models, &origins, 7.0, lattice.spec, -1.0).is_err());
    let many: Vec<f64> = (0..5000).map(|i| i as f64).collect();
    assert!(matches!(
        evaluate(&area, &events, &models, &many, 7.0, lattice.spec, 1.0),
        Err(EvaluateError::TooMany { .. })
    ));
    events[10].xy[0] = f64::NAN;
    assert!(matches!(
        evaluate(&area, &events, &models, &origins, 7.0, lattice.spec, 1.0),
        Err(EvaluateError::BadEvent { index: 10, .. })
    ));
}

#[test]
fn street_segments_rank_by_calls_per_kilometre() {
    // Lengths 100 m, 5 m, 1000 m, 200 m; calls: two on 0, one on 1, five on 2, one off-road.
    let lengths = [100.0, 5.0, 1000.0, 200.0];
    let calls = [
        Some(0),
        Some(2),
        Some(0),
        Some(1),
        None,
        Some(2),
        Some(2),
        Some(2),
        Some(2),
    ];
    let ages = [0.0, 1.0, 10.0, 3.0, 0.0, 5.0, 6.0, 7.0, 8.0];
    let settings = SegmentSettings {
        min_length_m: 50.0,
        half_life_days: None,
    };
    let ranked = rank_segments(&lengths, &calls, &ages, settings).unwrap();
    // 0: 2 / 0.1 km = 20; 1: 1 / 0.05 km (the 50 m floor) = 20; 2: 5 / 1 km = 5; 3: no calls.
    let summary: Vec<(usize, usize, f64)> = ranked
        .iter()
        .map(|s| (s.segment, s.rank, s.score))
        .collect();
    assert_eq!(summary, vec![(0, 1, 20.0), (1, 2, 20.0), (2, 3, 5.0)]);
    // Without the floor the 5 m stub dominates: 1 / 0.005 km = 200.
    let stub = rank_segments(
        &lengths,
        &calls,
        &ages,
        SegmentSettings {
            min_length_m: 1.0,
            ..settings
        },
    )
    .unwrap();
    assert_eq!((stub[0].segment, stub[0].score), (1, 200.0));
    // A 10-day half-life: segment 0's calls weigh 1 (age 0) + 1/2 (age 10) = 1.5 → 15 per km.
    let decayed = rank_segments(
        &lengths,
        &calls,
        &ages,
        SegmentSettings {
            half_life_days: Some(10.0),
            ..settings
        },
    )
    .unwrap();
    let zero = decayed.iter().find(|s| s.segment == 0).unwrap();
    assert!((zero.score - 15.0).abs() < 1e-12);
    // Unknown segments, bad lengths and missing ages are refused.
    assert!(rank_segments(&lengths, &[Some(9)], &[0.0], settings).is_err());
    assert!(rank_segments(&[f64::NAN], &[Some(0)], &[0.0], settings).is_err());
    assert!(rank_segments(
        &lengths,
        &calls,
        &[],
        SegmentSettings {
            half_life_days: Some(5.0),
            ..settings
        }
    )
    .is_err());
}

#[test]
fn flagged_cells_serialise_for_the_server() {
    let flag = FlaggedCell {
        cell: 7,
        rank: 1,
        score: 2.5,
    };
    assert_eq!(
        serde_json::to_value(flag).unwrap(),
        serde_json::json!({"cell": 7, "rank": 1, "score": 2.5})
    );
}
