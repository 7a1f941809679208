//! Turning scores into a forecast and holding forecasts against what happened: flagging cells
//! within an area budget, the forecast file (docs/formats hotspot-forecast), the NIJ scores (PAI,
//! PEI*, hit rate), rolling evaluation over many origins, the cross-validated `auto` forecast and
//! street-segment hotspots.

mod auto;
mod segments;

pub use auto::{
    auto_forecast, builtin_candidates, AutoCandidates, AutoModel, AutoResult, ChosenMethod, CvRow,
    AUTO_FOLDS,
};
pub use segments::{rank_segments, SegmentHotspot, SegmentSettings};

use crate::forecast::{Event, Model, Window};
use crate::lattice::{Lattice, LatticeError, LatticeSpec, StudyArea};
use crate::models::{NaiveCounts, RECENT_DAYS};
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvaluateError {
    #[error(transparent)]
    Lattice(#[from] LatticeError),
    #[error("{name} = {value} is not usable: give a finite number in {low}..={high}")]
    OutOfRange {
        name: &'static str,
        value: f64,
        low: f64,
        high: f64,
    },
    #[error(
        "the model gave {got} scores for a lattice of {cells} cells; a model must score every cell"
    )]
    ScoreCount { got: usize, cells: usize },
    #[error("event {index} has a non-finite position or day ({xy:?}, {day}); drop it before forecasting")]
    BadEvent {
        index: usize,
        xy: [f64; 2],
        day: f64,
    },
    #[error("{got} {what} is more than the limit of {limit}; {advice}")]
    TooMany {
        what: &'static str,
        got: usize,
        limit: usize,
        advice: &'static str,
    },
    #[error("{0}")]
    Input(String),
}

pub(crate) fn check(
    name: &'static str,
    value: f64,
    low: f64,
    high: f64,
) -> Result<f64, EvaluateError> {
    if value.is_finite() && (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(EvaluateError::OutOfRange {
            name,
            value,
            low,
            high,
        })
    }
}

/// The most origins one evaluation may run (each runs every model once).
pub const MAX_ORIGINS: usize = 1000;
/// The most models one evaluation or auto forecast may compare.
pub const MAX_MODELS: usize = 64;

/// One flagged cell of a forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FlaggedCell {
    pub cell: usize,
    /// 1 = highest score.
    pub rank: usize,
    pub score: f64,
}

/// How many cells an area budget buys: floor(area / cell area), so the flagged area is at most
/// the budget and at least the budget less one cell (a relative 1e-9 absorbs rounding, so a
/// budget of exactly 100 cells buys 100).
pub fn cells_in_budget(lattice: &Lattice, area_km2: f64) -> usize {
    let ratio = area_km2 / lattice.cell_area_km2();
    let cells = (ratio * (1.0 + 1e-9)).floor();
    let inside = lattice.inside.iter().filter(|inside| **inside).count();
    if cells.is_finite() && cells > 0.0 {
        (cells as usize).min(inside)
    } else {
        0
    }
}

/// The highest-scoring cells inside the study area, as many as the budget buys
/// (`cells_in_budget`): their total area is ≤ `area_km2` and > `area_km2` − one cell (unless the
/// study area has fewer cells). Ties go to the lower cell index; non-finite scores rank lowest.
/// Cells scoring 0 are still flagged when the budget has room, so the area is always spent.
pub fn flag_cells(
    lattice: &Lattice,
    scores: &[f64],
    area_km2: f64,
) -> Result<Vec<FlaggedCell>, EvaluateError> {
    check("area budget (km²)", area_km2, 0.0, 1e7)?;
    if scores.len() != lattice.len() {
        return Err(EvaluateError::ScoreCount {
            got: scores.len(),
            cells: lattice.len(),
        });
    }
    let budget = cells_in_budget(lattice, area_km2);
    Ok(top_cells(lattice, scores, budget))
}

fn clean(score: f64) -> f64 {
    if score.is_nan() {
        f64::NEG_INFINITY
    } else {
        score
    }
}

pub(crate) fn top_cells(lattice: &Lattice, scores: &[f64], budget: usize) -> Vec<FlaggedCell> {
    let mut candidates: Vec<usize> = (0..lattice.len()).filter(|c| lattice.inside[*c]).collect();
    let order = |a: &usize, b: &usize| {
        clean(scores[*b])
            .total_cmp(&clean(scores[*a]))
            .then(a.cmp(b))
    };
    let budget = budget.min(candidates.len());
    if budget == 0 {
        return Vec::new();
    }
    if budget < candidates.len() {
        candidates.select_nth_unstable_by(budget - 1, order);
        candidates.truncate(budget);
    }
    candidates.sort_unstable_by(order);
    candidates
        .into_iter()
        .enumerate()
        .map(|(index, cell)| FlaggedCell {
            cell,
            rank: index + 1,
            score: scores[cell],
        })
        .collect()
}

/// What the top-level `"forecast"` member of a forecast file says about the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForecastMeta {
    /// Local calendar dates, `YYYY-MM-DD`; `train_until` is exclusive and starts the forecast.
    pub train_from: String,
    pub train_until: String,
    pub horizon_days: f64,
    pub cell_metres: f64,
    pub area_km2: f64,
    pub method: String,
    pub study_area_km2: f64,
}

/// The forecast file (`/work/shared/formats/hotspot-forecast.md`): a FeatureCollection with one
/// Polygon per flagged cell (its outline), properties rank, score and id (the cell index), and
/// the `"forecast"` member. Features come in rank order. Non-finite scores are written as 0.
pub fn forecast_geojson(lattice: &Lattice, flagged: &[FlaggedCell], meta: &ForecastMeta) -> Value {
    let features: Vec<Value> = flagged
        .iter()
        .map(|flag| {
            let ring: Vec<[f64; 2]> = lattice
                .outline(flag.cell)
                .iter()
                .map(|corner| [corner.lon, corner.lat])
                .collect();
            let score = if flag.score.is_finite() {
                flag.score
            } else {
                0.0
            };
            json!({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"rank": flag.rank, "score": score, "id": flag.cell},
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "forecast": meta,
        "features": features,
    })
}

/// A forecast's scores over one period, as the NIJ challenge scored them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Score {
    /// Calls in flagged cells.
    pub n: usize,
    /// Calls in the study area.
    pub big_n: usize,
    /// Flagged area.
    pub a_km2: f64,
    /// Study area (`StudyArea::area_km2`).
    pub big_a_km2: f64,
    /// (n/N)/(a/A); none when N = 0 or nothing is flagged.
    pub pai: Option<f64>,
    /// n/n*, n* the most calls as many inside cells as were flagged held; none when n* = 0
    /// (no call fell in any inside cell, or nothing is flagged).
    pub pei_star: Option<f64>,
    /// n/N; none when N = 0.
    pub hit_rate: Option<f64>,
}

/// Where each call of a period falls: in the study area or not, and in which lattice cell.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placed {
    pub in_area: bool,
    pub cell: Option<usize>,
}

pub(crate) fn place(lattice: &Lattice, area: &StudyArea, event: &Event) -> Placed {
    Placed {
        in_area: area.contains(lattice.projection.to_lonlat(event.xy)),
        cell: lattice.cell_of_xy(event.xy),
    }
}

/// Scores flagged cells against the calls of the forecast period (`events_in_period`, projected
/// on `lattice`). N counts calls inside `area`; n counts calls in flagged cells that are also
/// inside the area; n* the calls in the busiest `flagged.len()` inside cells.
pub fn score_forecast(
    lattice: &Lattice,
    area: &StudyArea,
    flagged: &[FlaggedCell],
    events_in_period: &[Event],
) -> Score {
    let placed: Vec<Placed> = events_in_period
        .iter()
        .map(|event| place(lattice, area, event))
        .collect();
    let mut is_flagged = vec![false; lattice.len()];
    for flag in flagged {
        if let Some(slot) = is_flagged.get_mut(flag.cell) {
            *slot = true;
        }
    }
    let mut counts = vec![0u32; lattice.len()];
    score_placed(
        lattice,
        area.area_km2(),
        &is_flagged,
        flagged.len(),
        &placed,
        &mut counts,
    )
}

/// The scoring core: `counts` is scratch of `lattice.len()` zeros, left zeroed again.
pub(crate) fn score_placed(
    lattice: &Lattice,
    big_a_km2: f64,
    is_flagged: &[bool],
    n_flagged: usize,
    placed: &[Placed],
    counts: &mut [u32],
) -> Score {
    let mut big_n = 0;
    let mut n = 0;
    let mut touched = Vec::new();
    for call in placed.iter().filter(|call| call.in_area) {
        big_n += 1;
        if let Some(cell) = call.cell {
            if is_flagged[cell] {
                n += 1;
            }
            if lattice.inside[cell] {
                if counts[cell] == 0 {
                    touched.push(cell);
                }
                counts[cell] += 1;
            }
        }
    }
    let mut busiest: Vec<u32> = touched.iter().map(|cell| counts[*cell]).collect();
    for cell in touched {
        counts[cell] = 0;
    }
    busiest.sort_unstable_by(|a, b| b.cmp(a));
    let n_star: usize = busiest.iter().take(n_flagged).map(|c| *c as usize).sum();
    let a_km2 = n_flagged as f64 * lattice.cell_area_km2();
    let hit_rate = (big_n > 0).then(|| n as f64 / big_n as f64);
    Score {
        n,
        big_n,
        a_km2,
        big_a_km2,
        pai: hit_rate
            .filter(|_| a_km2 > 0.0)
            .map(|hit| hit / (a_km2 / big_a_km2)),
        pei_star: (n_star > 0).then(|| n as f64 / n_star as f64),
        hit_rate,
    }
}

/// One method at one origin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OriginRow {
    /// Local day the forecast period starts.
    pub origin: f64,
    pub method: String,
    pub score: Score,
}

/// One method over all origins. Means and medians are over the origins where the figure is
/// defined (`origins_scored` counts those with a PEI*).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodSummary {
    pub method: String,
    pub mean_pai: Option<f64>,
    pub median_pai: Option<f64>,
    pub mean_pei_star: Option<f64>,
    pub median_pei_star: Option<f64>,
    pub mean_hit_rate: Option<f64>,
    pub median_hit_rate: Option<f64>,
    /// Whether its mean PEI* is above both naive baselines' mean PEI* (false for the baselines).
    pub beats_baselines: bool,
    /// Origins where its PEI* was above both baselines'.
    pub origins_won: usize,
    pub origins_scored: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// The two naive baselines first, then the caller's models in order.
    pub methods: Vec<MethodSummary>,
    /// Origin by origin, methods in the order of `methods`.
    pub rows: Vec<OriginRow>,
    pub cell_metres: f64,
    pub area_km2: f64,
    pub flagged_cells: usize,
}

pub(crate) fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

pub(crate) fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    })
}

/// Checks events and returns them sorted by day (stable, so equal days keep their order).
pub(crate) fn sorted_events(events: &[Event]) -> Result<Vec<Event>, EvaluateError> {
    if let Some((index, event)) = events.iter().enumerate().find(|(_, event)| {
        !(event.xy[0].is_finite() && event.xy[1].is_finite() && event.day.is_finite())
    }) {
        return Err(EvaluateError::BadEvent {
            index,
            xy: event.xy,
            day: event.day,
        });
    }
    let mut sorted = events.to_vec();
    sorted.sort_by(|a, b| a.day.total_cmp(&b.day));
    Ok(sorted)
}

/// The range of `sorted` events with day in `[from, until)`.
pub(crate) fn day_range(sorted: &[Event], from: f64, until: f64) -> std::ops::Range<usize> {
    let first = sorted.partition_point(|event| event.day < from);
    let end = sorted.partition_point(|event| event.day < until);
    first..end.max(first)
}

/// The two baselines every evaluation includes: all-history counts and the last 14 days' counts.
pub fn baselines() -> Vec<Box<dyn Model>> {
    vec![
        Box::new(NaiveCounts::all_history()),
        Box::new(NaiveCounts::recent(RECENT_DAYS).expect("14 days is a valid look-back")),
    ]
}

/// Rolling evaluation: at each origin every model (the two naive baselines first, then
/// `models`) forecasts from all events before the origin and is scored on the events of
/// `[origin, origin + horizon_days)`, flagging as many cells as `area_km2` buys on the lattice
/// `spec` lays over `area`.
pub fn evaluate(
    area: &StudyArea,
    events: &[Event],
    models: &[Box<dyn Model>],
    origins: &[f64],
    horizon_days: f64,
    spec: LatticeSpec,
    area_km2: f64,
) -> Result<Evaluation, EvaluateError> {
    check("horizon (days)", horizon_days, 0.01, 3660.0)?;
    check("area budget (km²)", area_km2, 0.0, 1e7)?;
    if origins.len() > MAX_ORIGINS {
        return Err(EvaluateError::TooMany {
            what: "origins",
            got: origins.len(),
            limit: MAX_ORIGINS,
            advice: "evaluate fewer, or fewer at a time",
        });
    }
    if models.len() > MAX_MODELS {
        return Err(EvaluateError::TooMany {
            what: "models",
            got: models.len(),
            limit: MAX_MODELS,
            advice: "compare fewer models in one run",
        });
    }
    for origin in origins {
        check("origin (local day)", *origin, -1e6, 1e6)?;
    }
    let lattice = Lattice::new(area, spec)?;
    let sorted = sorted_events(events)?;
    let placed: Vec<Placed> = sorted
        .iter()
        .map(|event| place(&lattice, area, event))
        .collect();
    let big_a_km2 = area.area_km2();
    let budget = cells_in_budget(&lattice, area_km2);
    let train_from = sorted.first().map_or(0.0, |event| event.day.floor());
    let mut all_models: Vec<&dyn Model> = Vec::new();
    let baseline_models = baselines();
    all_models.extend(baseline_models.iter().map(|model| model.as_ref()));
    all_models.extend(models.iter().map(|model| model.as_ref()));
    let names: Vec<String> = all_models.iter().map(|model| model.name()).collect();

    let mut rows = Vec::new();
    let mut counts = vec![0u32; lattice.len()];
    let mut is_flagged = vec![false; lattice.len()];
    for origin in origins {
        let window = Window {
            train_from,
            until: *origin,
            horizon_days,
        };
        let period = day_range(&sorted, *origin, origin + horizon_days);
        for (model, name) in all_models.iter().zip(&names) {
            let scores = model.score(&lattice, &sorted, window);
            if scores.len() != lattice.len() {
                return Err(EvaluateError::ScoreCount {
                    got: scores.len(),
                    cells: lattice.len(),
                });
            }
            let flagged = top_cells(&lattice, &scores, budget);
            for flag in &flagged {
                is_flagged[flag.cell] = true;
            }
            let score = score_placed(
                &lattice,
                big_a_km2,
                &is_flagged,
                flagged.len(),
                &placed[period.clone()],
                &mut counts,
            );
            for flag in &flagged {
                is_flagged[flag.cell] = false;
            }
            rows.push(OriginRow {
                origin: *origin,
                method: name.clone(),
                score,
            });
        }
    }
    let methods = summarise(&names, &rows, origins.len());
    Ok(Evaluation {
        methods,
        rows,
        cell_metres: spec.cell_metres,
        area_km2,
        flagged_cells: budget,
    })
}

/// Per-method summaries of rows laid out origin by origin with `names.len()` methods each, the
/// first two being the naive baselines.
pub(crate) fn summarise(
    names: &[String],
    rows: &[OriginRow],
    n_origins: usize,
) -> Vec<MethodSummary> {
    let per_method = names.len();
    let column = |method: usize, figure: fn(&Score) -> Option<f64>| -> Vec<f64> {
        (0..n_origins)
            .filter_map(|origin| figure(&rows[origin * per_method + method].score))
            .collect()
    };
    let pei = |method: usize| column(method, |score| score.pei_star);
    let baseline_means = [mean(&pei(0)), mean(&pei(1))];
    names
        .iter()
        .enumerate()
        .map(|(method, name)| {
            let peis = pei(method);
            let pais = column(method, |score| score.pai);
            let hits = column(method, |score| score.hit_rate);
            let mean_pei_star = mean(&peis);
            let is_baseline = method < 2;
            let beats_baselines = !is_baseline
                && mean_pei_star.is_some_and(|own| {
                    baseline_means
                        .iter()
                        .all(|baseline| baseline.is_none_or(|baseline| own > baseline))
                });
            let origins_won = if is_baseline {
                0
            } else {
                (0..n_origins)
                    .filter(|origin| {
                        let at = |m: usize| rows[origin * per_method + m].score.pei_star;
                        at(method).is_some_and(|own| {
                            [at(0), at(1)]
                                .iter()
                                .all(|baseline| baseline.is_none_or(|baseline| own > baseline))
                        })
                    })
                    .count()
            };
            MethodSummary {
                method: name.clone(),
                mean_pai: mean(&pais),
                median_pai: median(&pais),
                mean_pei_star,
                median_pei_star: median(&peis),
                mean_hit_rate: mean(&hits),
                median_hit_rate: median(&hits),
                beats_baselines,
                origins_won,
                origins_scored: peis.len(),
            }
        })
        .collect()
}
