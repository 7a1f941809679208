//! The `auto` forecast: rolling cross-validation on the training period only picks a model, its
//! working cell size and, if it helps, a weighted pair of models; the pick then forecasts.

use super::{
    cells_in_budget, check, day_range, mean, place, score_placed, sorted_events, top_cells,
    EvaluateError, Placed, MAX_MODELS,
};
use crate::forecast::{Event, Model, Window};
use crate::lattice::{Lattice, LatticeSpec, StudyArea};
use crate::models::{normalise_inside, Kde, Kernel, NaiveCounts, Prospective, RECENT_DAYS};
use serde::Serialize;

/// Folds of the cross-validation: the last `AUTO_FOLDS` periods of one horizon before `until`.
pub const AUTO_FOLDS: usize = 8;

/// What `auto_forecast` compares.
pub struct AutoCandidates {
    /// Models compared alongside the built-in ones (the self-exciting model, for one).
    pub extra: Vec<Box<dyn Model>>,
    /// Working cell sizes as whole multiples of the output cell size (1 is always tried): a model
    /// scores a coarser lattice and each output cell takes the score of the coarse cell holding
    /// its centre. The output lattice, and so the area budget, stay the requested ones.
    pub cell_multiples: Vec<usize>,
    /// Cross-validation folds (1..=52).
    pub folds: usize,
}

impl AutoCandidates {
    /// The built-in models at the output cell size and twice it, over `AUTO_FOLDS` folds.
    pub fn standard(extra: Vec<Box<dyn Model>>) -> AutoCandidates {
        AutoCandidates {
            extra,
            cell_multiples: vec![1, 2],
            folds: AUTO_FOLDS,
        }
    }
}

/// The built-in candidates for an output cell of `cell_metres`: both naive baselines, counts with
/// a 90-day half-life, Gaussian
/// KDE at 0.5, 1.5 and 3 cells' bandwidth each without decay and with a 60-day half-life, and
/// prospective hot-spotting at max(400 m, 2 cells) over 8 weeks.
pub fn builtin_candidates(cell_metres: f64) -> Vec<Box<dyn Model>> {
    let mut models: Vec<Box<dyn Model>> = vec![
        Box::new(NaiveCounts::all_history()),
        Box::new(NaiveCounts::recent(RECENT_DAYS).expect("14 days is a valid look-back")),
        Box::new(NaiveCounts::decayed(90.0).expect("90 days is a valid half-life")),
    ];
    for cells in [0.5, 1.5, 3.0] {
        let bandwidth = (cells * cell_metres).clamp(1.0, 5000.0);
        for half_life in [None, Some(60.0)] {
            models.push(Box::new(
                Kde::new(bandwidth, Kernel::Gaussian, half_life).expect("bandwidth clamped"),
            ));
        }
    }
    let bandwidth = (2.0 * cell_metres).clamp(400.0, 5000.0);
    models.push(Box::new(
        Prospective::new(bandwidth, 8.0).expect("bandwidth clamped"),
    ));
    models
}

/// One candidate's cross-validated scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CvRow {
    pub method: String,
    /// The working cell size the model scored.
    pub cell_metres: f64,
    pub mean_pei_star: Option<f64>,
    pub mean_pai: Option<f64>,
    pub mean_hit_rate: Option<f64>,
    /// Folds with a PEI* (some call fell in an inside cell).
    pub folds_scored: usize,
}

/// The pick: a single model or a weighted pair, with their working cell sizes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChosenMethod {
    /// For the forecast file's `method`, e.g. `auto: 0.75×kde-gaussian-228.6m@76.2m + ...`.
    pub description: String,
    /// (model name, working cell size in metres, weight); one entry with weight 1 for a single
    /// model. Weights of a pair apply to each model's scores normalised to sum 1 inside.
    pub components: Vec<(String, f64, f64)>,
    pub mean_pei_star: Option<f64>,
    pub mean_pai: Option<f64>,
}

#[derive(Debug)]
pub struct AutoResult {
    pub chosen: ChosenMethod,
    /// Every single candidate, then the pairs tried, in the order tried.
    pub cv_table: Vec<CvRow>,
    /// The pick's forecast: one score per cell of `lattice`.
    pub scores: Vec<f64>,
    /// The output lattice (`spec` over the study area).
    pub lattice: Lattice,
    /// The cross-validation origins used (local days), latest first.
    pub fold_origins: Vec<f64>,
}

/// Output cells' places on a coarser lattice of the same orientation.
struct Working {
    multiple: usize,
    lattice: Option<Lattice>,
    coarse_of: Vec<Option<usize>>,
}

impl Working {
    fn cell_metres(&self, output: &Lattice) -> f64 {
        output.spec.cell_metres * self.multiple as f64
    }

    /// The model's scores on the output lattice, normalised to sum 1 inside.
    fn scores(
        &self,
        model: &dyn Model,
        output: &Lattice,
        events: &[Event],
        window: Window,
    ) -> Vec<f64> {
        let mut scores = match &self.lattice {
            None => model.score(output, events, window),
            Some(coarse) => {
                let coarse_scores = model.score(coarse, events, window);
                self.coarse_of
                    .iter()
                    .map(|cell| {
                        cell.and_then(|c| coarse_scores.get(c).copied())
                            .unwrap_or(0.0)
                    })
                    .collect()
            }
        };
        scores.resize(output.len(), 0.0);
        normalise_inside(output, &mut scores);
        scores
    }
}

struct Fold {
    window: Window,
    period: std::ops::Range<usize>,
}

struct CvContext<'a> {
    lattice: &'a Lattice,
    sorted: &'a [Event],
    placed: &'a [Placed],
    folds: &'a [Fold],
    big_a_km2: f64,
    budget: usize,
}

impl CvContext<'_> {
    /// Mean PEI*, PAI and hit rate over the folds of scores produced per fold.
    fn cross_validate(
        &self,
        mut scores_of: impl FnMut(Window) -> Vec<f64>,
    ) -> (Option<f64>, Option<f64>, Option<f64>, usize) {
        let mut counts = vec![0u32; self.lattice.len()];
        let mut is_flagged = vec![false; self.lattice.len()];
        let (mut peis, mut pais, mut hits) = (Vec::new(), Vec::new(), Vec::new());
        for fold in self.folds {
            let scores = scores_of(fold.window);
            let flagged = top_cells(self.lattice, &scores, self.budget);
            for flag in &flagged {
                is_flagged[flag.cell] = true;
            }
            let score = score_placed(
                self.lattice,
                self.big_a_km2,
                &is_flagged,
                flagged.len(),
                &self.placed[fold.period.clone()],
                &mut counts,
            );
            for flag in &flagged {
                is_flagged[flag.cell] = false;
            }
            peis.extend(score.pei_star);
            pais.extend(score.pai);
            hits.extend(score.hit_rate);
        }
        (mean(&peis), mean(&pais), mean(&hits), peis.len())
    }

    fn row(
        &self,
        method: String,
        cell_metres: f64,
        scores_of: impl FnMut(Window) -> Vec<f64>,
    ) -> CvRow {
        let (mean_pei_star, mean_pai, mean_hit_rate, folds_scored) = self.cross_validate(scores_of);
        CvRow {
            method,
            cell_metres,
            mean_pei_star,
            mean_pai,
            mean_hit_rate,
            folds_scored,
        }
    }

    fn events(&self) -> &[Event] {
        self.sorted
    }
}

fn rank_key(row: &CvRow) -> (f64, f64) {
    (
        row.mean_pei_star.unwrap_or(f64::NEG_INFINITY),
        row.mean_pai.unwrap_or(f64::NEG_INFINITY),
    )
}

fn better(a: &CvRow, b: &CvRow) -> bool {
    let (ka, kb) = (rank_key(a), rank_key(b));
    ka.0 > kb.0 || (ka.0 == kb.0 && ka.1 > kb.1)
}

/// Weights of the two models of a pair tried (summing to 1; 0 and 1 are the singles).
const PAIR_WEIGHTS: [(f64, f64); 5] = [
    (0.1, 0.9),
    (0.25, 0.75),
    (0.5, 0.5),
    (0.75, 0.25),
    (0.9, 0.1),
];

/// Cross-validates every candidate (built-in and `candidates.extra`, at each working cell size)
/// on the last `candidates.folds` periods of `window.horizon_days` before `window.until`, each
/// trained on `[window.train_from, origin)` and scored on `[origin, origin + horizon)`, so
/// nothing at or after `until` is read. The best single is then tried in weighted pairs with the
/// runner-up and with the best of another model family.
/// The pick (highest mean PEI*, then mean PAI, then the earlier candidate) forecasts the window on
/// the output lattice `spec`, whose budget `area_km2` the caller flags with `flag_cells`.
pub fn auto_forecast(
    area: &StudyArea,
    events: &[Event],
    window: Window,
    spec: LatticeSpec,
    area_km2: f64,
    candidates: &AutoCandidates,
) -> Result<AutoResult, EvaluateError> {
    check("horizon (days)", window.horizon_days, 0.01, 3660.0)?;
    check("train_until (local day)", window.until, -1e6, 1e6)?;
    check(
        "train_from (local day)",
        window.train_from,
        -1e6,
        window.until,
    )?;
    check("area budget (km²)", area_km2, 0.0, 1e7)?;
    check("cross-validation folds", candidates.folds as f64, 1.0, 52.0)?;
    let lattice = Lattice::new(area, spec)?;
    let builtin = builtin_candidates(spec.cell_metres);
    let models: Vec<&dyn Model> = builtin
        .iter()
        .chain(&candidates.extra)
        .map(|model| model.as_ref())
        .collect();
    let mut multiples = vec![1];
    for &multiple in &candidates.cell_multiples {
        check("cell size multiple", multiple as f64, 1.0, 16.0)?;
        if !multiples.contains(&multiple) {
            multiples.push(multiple);
        }
    }
    if models.len() * multiples.len() > MAX_MODELS * 4 {
        return Err(EvaluateError::TooMany {
            what: "candidate (model, cell size) pairs",
            got: models.len() * multiples.len(),
            limit: MAX_MODELS * 4,
            advice: "pass fewer extra models or cell sizes",
        });
    }
    let mut workings = Vec::new();
    for multiple in multiples {
        if multiple == 1 {
            workings.push(Working {
                multiple,
                lattice: None,
                coarse_of: Vec::new(),
            });
            continue;
        }
        let coarse = Lattice::new(
            area,
            LatticeSpec {
                cell_metres: spec.cell_metres * multiple as f64,
                ..spec
            },
        )?;
        let coarse_of = (0..lattice.len())
            .map(|cell| coarse.cell_of_xy(lattice.centre_xy(cell)))
            .collect();
        workings.push(Working {
            multiple,
            lattice: Some(coarse),
            coarse_of,
        });
    }

    let sorted = sorted_events(events)?;
    let training = day_range(&sorted, window.train_from, window.until);
    let sorted = &sorted[training];
    let placed: Vec<Placed> = sorted
        .iter()
        .map(|event| place(&lattice, area, event))
        .collect();
    let mut folds = Vec::new();
    let mut fold_origins = Vec::new();
    for k in 1..=candidates.folds {
        let origin = window.until - k as f64 * window.horizon_days;
        if origin - window.train_from < window.horizon_days {
            break;
        }
        folds.push(Fold {
            window: Window {
                train_from: window.train_from,
                until: origin,
                horizon_days: window.horizon_days,
            },
            period: day_range(sorted, origin, origin + window.horizon_days),
        });
        fold_origins.push(origin);
    }
    if folds.is_empty() {
        return Err(EvaluateError::Input(format!(
            "the training period ({} to {}) is shorter than two horizons of {} days; cross-validation needs a longer training period or a shorter horizon",
            window.train_from, window.until, window.horizon_days
        )));
    }
    let context = CvContext {
        lattice: &lattice,
        sorted,
        placed: &placed,
        folds: &folds,
        big_a_km2: area.area_km2(),
        budget: cells_in_budget(&lattice, area_km2),
    };

    // Singles: (model index, working index) in the order tried.
    let mut singles = Vec::new();
    let mut cv_table = Vec::new();
    for (model_index, model) in models.iter().enumerate() {
        for (working_index, working) in workings.iter().enumerate() {
            let row = context.row(model.name(), working.cell_metres(&lattice), |fold_window| {
                working.scores(*model, &lattice, context.events(), fold_window)
            });
            singles.push((model_index, working_index));
            cv_table.push(row);
        }
    }
    let mut order: Vec<usize> = (0..singles.len()).collect();
    order.sort_by(|a, b| {
        if better(&cv_table[*a], &cv_table[*b]) {
            std::cmp::Ordering::Less
        } else if better(&cv_table[*b], &cv_table[*a]) {
            std::cmp::Ordering::Greater
        } else {
            a.cmp(b)
        }
    });
    let best = order[0];
    let mut chosen: Vec<(usize, f64)> = vec![(best, 1.0)];
    let mut chosen_row = cv_table[best].clone();
    // Pair the best with the runner-up, and with the best of another family (counts, kernel
    // density, prospective, self-exciting): on calls where plain counts lead, the runner-up is
    // often another count and a little smoothing is only found this way.
    let family = |row: &CvRow| row.method.split('-').next().unwrap_or("").to_string();
    let mut partners: Vec<usize> = order.iter().skip(1).take(1).copied().collect();
    if let Some(&other) = order
        .iter()
        .skip(1)
        .find(|&&index| family(&cv_table[index]) != family(&cv_table[best]))
    {
        if !partners.contains(&other) {
            partners.push(other);
        }
    }
    let (best_model, best_working) = singles[best];
    let best_per_fold: Vec<Vec<f64>> = if partners.is_empty() {
        Vec::new()
    } else {
        folds
            .iter()
            .map(|fold| {
                workings[best_working].scores(models[best_model], &lattice, sorted, fold.window)
            })
            .collect()
    };
    for second in partners {
        let (second_model, second_working) = singles[second];
        let second_per_fold: Vec<Vec<f64>> = folds
            .iter()
            .map(|fold| {
                workings[second_working].scores(models[second_model], &lattice, sorted, fold.window)
            })
            .collect();
        for (weight, other_weight) in PAIR_WEIGHTS {
            let mut fold_index = 0;
            let name = format!(
                "{weight}×{}@{}m + {}×{}@{}m",
                cv_table[best].method,
                cv_table[best].cell_metres,
                other_weight,
                cv_table[second].method,
                cv_table[second].cell_metres
            );
            let row = context.row(name, spec.cell_metres, |_| {
                let (a, b) = (&best_per_fold[fold_index], &second_per_fold[fold_index]);
                fold_index += 1;
                a.iter()
                    .zip(b)
                    .map(|(a, b)| weight * a + other_weight * b)
                    .collect()
            });
            if better(&row, &chosen_row) {
                chosen = vec![(best, weight), (second, other_weight)];
                chosen_row = row.clone();
            }
            cv_table.push(row);
        }
    }

    let mut scores = vec![0.0; lattice.len()];
    let mut components = Vec::new();
    for (single, weight) in &chosen {
        let (model_index, working_index) = singles[*single];
        let part = workings[working_index].scores(models[model_index], &lattice, sorted, window);
        for (sum, score) in scores.iter_mut().zip(&part) {
            *sum += weight * score;
        }
        components.push((
            cv_table[*single].method.clone(),
            cv_table[*single].cell_metres,
            *weight,
        ));
    }
    let description = format!(
        "auto: {}",
        components
            .iter()
            .map(|(name, cell, weight)| format!("{weight}×{name}@{cell}m"))
            .collect::<Vec<_>>()
            .join(" + ")
    );
    Ok(AutoResult {
        chosen: ChosenMethod {
            description,
            components,
            mean_pei_star: chosen_row.mean_pei_star,
            mean_pai: chosen_row.mean_pai,
        },
        cv_table,
        scores,
        lattice,
        fold_origins,
    })
}

/// `auto_forecast` as a `Model`, so rolling evaluation can score it like any other: at each
/// origin it cross-validates on the events before that origin only. Its study area must be the
/// one the evaluation's lattice is laid over. When the training period is too short for one
/// fold it falls back to the all-history counts.
pub struct AutoModel {
    pub area: StudyArea,
    pub area_km2: f64,
    pub candidates: AutoCandidates,
}

impl Model for AutoModel {
    fn name(&self) -> String {
        "auto".to_string()
    }

    fn score(&self, lattice: &Lattice, events: &[Event], window: Window) -> Vec<f64> {
        match auto_forecast(
            &self.area,
            events,
            window,
            lattice.spec,
            self.area_km2,
            &self.candidates,
        ) {
            Ok(result) if result.lattice.len() == lattice.len() => result.scores,
            _ => NaiveCounts::all_history().score(lattice, events, window),
        }
    }
}
