//! The four siting models, what a solution is, and the one evaluation every solver's answer goes
//! through, so exact and heuristic answers are scored the same way.

use crate::{Instance, PlanError};
use measure::Seconds;
use serde::Serialize;

/// A siting model, as docs/coverage-instance.md defines it. `p` counts the fixed sites too.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "lowercase")]
pub enum Model {
    /// Location set covering: fewest sites so every point with weight > 0 is within `radius`.
    Lscp { radius: Seconds },
    /// Maximal covering: exactly `p` sites maximising the weight within `radius`.
    Mclp { p: usize, radius: Seconds },
    /// Exactly `p` sites minimising the sum of weight x seconds to the nearest open site.
    #[serde(rename = "pmedian")]
    PMedian { p: usize },
    /// Exactly `p` sites minimising the largest seconds from a point to its nearest open site.
    #[serde(rename = "pcenter")]
    PCenter { p: usize },
}

impl Model {
    pub fn name(&self) -> &'static str {
        match self {
            Model::Lscp { .. } => "lscp",
            Model::Mclp { .. } => "mclp",
            Model::PMedian { .. } => "pmedian",
            Model::PCenter { .. } => "pcenter",
        }
    }

    pub fn p(&self) -> Option<usize> {
        match *self {
            Model::Lscp { .. } => None,
            Model::Mclp { p, .. } | Model::PMedian { p } | Model::PCenter { p } => Some(p),
        }
    }

    pub fn radius(&self) -> Option<Seconds> {
        match *self {
            Model::Lscp { radius } | Model::Mclp { radius, .. } => Some(radius),
            Model::PMedian { .. } | Model::PCenter { .. } => None,
        }
    }

    /// The same model with another `p` (LSCP has none and stays as it is).
    pub fn with_p(self, p: usize) -> Model {
        match self {
            Model::Lscp { radius } => Model::Lscp { radius },
            Model::Mclp { radius, .. } => Model::Mclp { p, radius },
            Model::PMedian { .. } => Model::PMedian { p },
            Model::PCenter { .. } => Model::PCenter { p },
        }
    }

    /// True when a larger objective is better.
    pub fn maximises(&self) -> bool {
        matches!(self, Model::Mclp { .. })
    }

    pub(crate) fn check(&self, instance: &Instance, fixed: &[bool]) -> Result<(), PlanError> {
        if let Some(radius) = self.radius() {
            if !(radius.0.is_finite() && radius.0 >= 0.0) {
                return Err(PlanError::BadRadius {
                    model: self.name(),
                    radius,
                });
            }
        }
        if let Some(p) = self.p() {
            let n_fixed = fixed.iter().filter(|&&open| open).count();
            let n_sites = instance.sites().len();
            if p < n_fixed || p > n_sites || p == 0 {
                return Err(PlanError::BadP {
                    model: self.name(),
                    p,
                    n_fixed,
                    n_sites,
                });
            }
        }
        Ok(())
    }
}

/// Which kind of solver produced a solution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Exact,
    Heuristic,
}

/// A set of open sites and how good it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solution {
    pub model: Model,
    /// Open sites (fixed ones included), by ascending site index.
    pub selected: Vec<usize>,
    /// Sites for LSCP, covered weight for MCLP, weight x seconds for p-median, seconds for
    /// p-center.
    pub objective: f64,
    /// Weight within the model's radius of an open site; for p-median and p-center, the weight
    /// that reaches some open site.
    pub covered_weight: f64,
    /// The best proven bound on the optimum (lower when minimising, upper for MCLP).
    pub bound: Option<f64>,
    /// Proven relative gap |objective - bound| / |objective|: 0 when optimal, `None` with no bound.
    pub gap: Option<f64>,
    pub method: Method,
}

impl Solution {
    pub fn proven_optimal(&self) -> bool {
        self.gap == Some(0.0)
    }

    /// Builds a solution from a selection, scoring it with [`evaluate`].
    pub(crate) fn scored(
        instance: &Instance,
        model: Model,
        mut selected: Vec<usize>,
        bound: Option<f64>,
        method: Method,
    ) -> Solution {
        selected.sort_unstable();
        selected.dedup();
        let evaluation = evaluate(instance, model, &selected);
        let bound = bound.map(|bound| {
            // A bound can never beat a feasible answer; rounding in a solver must not show one.
            if model.maximises() {
                bound.max(evaluation.objective)
            } else {
                bound.min(evaluation.objective)
            }
        });
        Solution {
            model,
            selected,
            objective: evaluation.objective,
            covered_weight: evaluation.covered_weight,
            bound,
            gap: bound.map(|bound| relative_gap(evaluation.objective, bound)),
            method,
        }
    }
}

/// |objective - bound| / |objective|, the way MIP solvers report it; 0 when both are 0.
pub fn relative_gap(objective: f64, bound: f64) -> f64 {
    let difference = (objective - bound).abs();
    let tolerance = 1e-9 * objective.abs().max(1.0);
    if difference <= tolerance {
        0.0
    } else if objective.abs() < 1e-12 {
        1.0
    } else {
        difference / objective.abs()
    }
}

/// How a selection scores under a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub objective: f64,
    pub covered_weight: f64,
    /// Demand points the model requires reached that no open site reaches (within the radius
    /// for LSCP). Empty when the selection is feasible.
    pub unreached: Vec<usize>,
}

/// Scores `selected` (site indices, fixed ones included) under `model`. For p-median, an
/// unreached point adds nothing to the objective but is listed in `unreached`; for p-center it
/// makes the objective infinite.
pub fn evaluate(instance: &Instance, model: Model, selected: &[usize]) -> Evaluation {
    let mut open = vec![false; instance.sites().len()];
    for &site in selected {
        open[site] = true;
    }
    let mut covered_weight = 0.0;
    let mut weighted_seconds = 0.0;
    let mut worst: f64 = 0.0;
    let mut unreached = Vec::new();
    let radius = model.radius();
    for (demand, point) in instance.demand().iter().enumerate() {
        let (sites, seconds) = instance.sites_reaching(demand);
        let nearest = sites
            .iter()
            .zip(seconds)
            .find(|(site, _)| open[**site as usize])
            .map(|(_, &seconds)| seconds);
        let reached = match (nearest, radius) {
            (Some(nearest), Some(radius)) => nearest <= radius.0,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if reached {
            covered_weight += point.weight;
        }
        match model {
            Model::Lscp { .. } => {
                if !reached && point.weight > 0.0 {
                    unreached.push(demand);
                }
            }
            Model::Mclp { .. } => {}
            Model::PMedian { .. } | Model::PCenter { .. } => match nearest {
                Some(nearest) => {
                    weighted_seconds += point.weight * nearest;
                    worst = worst.max(nearest);
                }
                None => unreached.push(demand),
            },
        }
    }
    let objective = match model {
        Model::Lscp { .. } => selected.len() as f64,
        Model::Mclp { .. } => covered_weight,
        Model::PMedian { .. } => weighted_seconds,
        Model::PCenter { .. } if !unreached.is_empty() => f64::INFINITY,
        Model::PCenter { .. } => worst,
    };
    Evaluation {
        objective,
        covered_weight,
        unreached,
    }
}

/// Weight within `radius` of some site in `selected`.
pub fn coverage(instance: &Instance, selected: &[usize], radius: Seconds) -> f64 {
    evaluate(instance, Model::Mclp { p: 1, radius }, selected).covered_weight
}
