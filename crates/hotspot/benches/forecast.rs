//! How long hotspot forecasts take on a real year: Seattle's 2015 calls (about 91k) on a 76.2 m
//! lattice. One KDE scoring, one auto forecast with its cross-validation (median of 3), and a
//! rolling evaluation over 52 weekly origins with every method. Prints figures, asserts nothing.

#[path = "../tests/common/mod.rs"]
mod common;

use hotspot::evaluate::{
    auto_forecast, evaluate, flag_cells, score_forecast, AutoCandidates, AutoModel, Evaluation,
};
use hotspot::forecast::{Event, Model, Window};
use hotspot::models::{Combined, Kde, Kernel, Prospective};

#[allow(clippy::disallowed_methods)] // a bench measures wall-clock time; the library never does
fn timed<T>(work: impl FnOnce() -> T) -> (T, f64) {
    let start = std::time::Instant::now();
    let value = work();
    (value, start.elapsed().as_secs_f64())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn models() -> Vec<Box<dyn Model>> {
    vec![
        Box::new(Kde::new(152.4, Kernel::Gaussian, None).unwrap()),
        Box::new(Kde::new(152.4, Kernel::Gaussian, Some(28.0)).unwrap()),
        Box::new(Kde::new(300.0, Kernel::Quartic, None).unwrap()),
        Box::new(Prospective::new(400.0, 8.0).unwrap()),
        Box::new(
            Combined::new(vec![
                (
                    Box::new(Kde::new(152.4, Kernel::Gaussian, None).unwrap()),
                    0.5,
                ),
                (Box::new(Prospective::new(400.0, 8.0).unwrap()), 0.5),
            ])
            .unwrap(),
        ),
    ]
}

fn print_evaluation(evaluation: &Evaluation) {
    println!(
        "{:<52} {:>8} {:>8} {:>8} {:>8} {:>6} {:>5}",
        "method", "mean PAI", "med PAI", "mean PEI*", "med PEI*", "beats", "won"
    );
    for method in &evaluation.methods {
        println!(
            "{:<52} {:>8.2} {:>8.2} {:>9.3} {:>8.3} {:>6} {:>5}",
            method.method,
            method.mean_pai.unwrap_or(f64::NAN),
            method.median_pai.unwrap_or(f64::NAN),
            method.mean_pei_star.unwrap_or(f64::NAN),
            method.median_pei_star.unwrap_or(f64::NAN),
            method.beats_baselines,
            method.origins_won
        );
    }
    let per_origin = evaluation.methods.len();
    println!("per origin (PEI*, methods in the order above):");
    for rows in evaluation.rows.chunks(per_origin) {
        let figures: Vec<String> = rows
            .iter()
            .map(|row| {
                row.score
                    .pei_star
                    .map_or("   -  ".to_string(), |pei| format!("{pei:.3}"))
            })
            .collect();
        println!(
            "  day {:>7} N {:>5}  {}",
            rows[0].origin,
            rows[0].score.big_n,
            figures.join(" ")
        );
    }
}

fn main() {
    let area = common::seattle_area();
    let lattice = common::lattice(&area, 76.2);
    let (events, load_seconds) = timed(|| common::seattle_events(&lattice));
    let inside = lattice.inside.iter().filter(|inside| **inside).count();
    let budget = 0.01 * area.area_km2();
    println!(
        "Seattle 2015: {} calls loaded in {load_seconds:.2} s; lattice {} × {} = {} cells ({inside} inside), study area {:.1} km², budget {budget:.3} km² (1 %)",
        events.len(),
        lattice.columns,
        lattice.rows,
        lattice.len(),
        area.area_km2()
    );

    let year = Window {
        train_from: common::civil_days(2015, 1, 1),
        until: common::civil_days(2016, 1, 1),
        horizon_days: 7.0,
    };
    for model in models().iter().take(4) {
        let seconds: Vec<f64> = (0..3)
            .map(|_| timed(|| model.score(&lattice, &events, year)).1)
            .collect();
        println!(
            "one scoring of the whole year, {:<28} {:.3} s (median of 3)",
            model.name(),
            median(seconds)
        );
    }

    let window = Window {
        train_from: common::civil_days(2015, 1, 1),
        until: common::civil_days(2015, 12, 1),
        horizon_days: 7.0,
    };
    let mut auto_seconds = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let (result, seconds) = timed(|| {
            auto_forecast(
                &area,
                &events,
                window,
                lattice.spec,
                budget,
                &AutoCandidates::standard(Vec::new()),
            )
            .expect("auto forecast")
        });
        auto_seconds.push(seconds);
        last = Some(result);
    }
    let result = last.expect("three runs");
    println!(
        "auto forecast (train 2015-01-01..2015-12-01, 7-day horizon, {} folds, {} rows of CV): {:.2} s (median of 3; runs {:?})",
        result.fold_origins.len(),
        result.cv_table.len(),
        median(auto_seconds.clone()),
        auto_seconds
            .iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
    );
    println!("  chosen: {}", result.chosen.description);
    println!(
        "  {:<64} {:>7} {:>9} {:>8}",
        "CV candidate", "cell m", "mean PEI*", "mean PAI"
    );
    for row in &result.cv_table {
        println!(
            "  {:<64} {:>7.1} {:>9.3} {:>8.2}",
            row.method,
            row.cell_metres,
            row.mean_pei_star.unwrap_or(f64::NAN),
            row.mean_pai.unwrap_or(f64::NAN)
        );
    }
    let flagged = flag_cells(&result.lattice, &result.scores, budget).expect("flagging");
    let period: Vec<Event> = events
        .iter()
        .filter(|e| e.day >= window.until && e.day < window.until + 7.0)
        .copied()
        .collect();
    let score = score_forecast(&result.lattice, &area, &flagged, &period);
    println!(
        "  held-out week 2015-12-01..08: N {} n {} PAI {:.2} PEI* {:.3} hit rate {:.3}",
        score.big_n,
        score.n,
        score.pai.unwrap_or(f64::NAN),
        score.pei_star.unwrap_or(f64::NAN),
        score.hit_rate.unwrap_or(f64::NAN)
    );

    // 52 Mondays from 2015-01-05; the last week runs past the file's end on 2015-12-31.
    let origins: Vec<f64> = (0..52)
        .map(|week| common::civil_days(2015, 1, 5) + 7.0 * week as f64)
        .collect();
    let (evaluation, seconds) = timed(|| {
        evaluate(
            &area,
            &events,
            &models(),
            &origins,
            7.0,
            lattice.spec,
            budget,
        )
        .expect("evaluation")
    });
    println!(
        "evaluation: 52 weekly origins × {} methods in {seconds:.2} s ({} cells flagged each)",
        evaluation.methods.len(),
        evaluation.flagged_cells
    );
    print_evaluation(&evaluation);

    // Auto as a method at a few origins: each one cross-validates on the calls before it.
    let auto: Vec<Box<dyn Model>> = vec![Box::new(AutoModel {
        area: area.clone(),
        area_km2: budget,
        candidates: AutoCandidates::standard(Vec::new()),
    })];
    let origins: Vec<f64> = (0..4)
        .map(|week| common::civil_days(2015, 11, 2) + 7.0 * week as f64)
        .collect();
    let (evaluation, seconds) = timed(|| {
        evaluate(&area, &events, &auto, &origins, 7.0, lattice.spec, budget).expect("evaluation")
    });
    println!("evaluation of auto at 4 weekly origins from 2015-11-02 in {seconds:.2} s");
    print_evaluation(&evaluation);
}
