//! Phased plans ("three-year plans, denser every year"): each year adds sites with the earlier
//! years' sites fixed, so a plan never moves a station it already built.

use crate::{solve_with_fixed, Instance, Model, PlanError, Solution, Solver};
use serde::Serialize;

/// How a plan unfolds: `years` rounds of `per_year` new sites each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Phases {
    pub years: usize,
    pub per_year: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearPlan {
    /// 1 for the first year.
    pub year: usize,
    /// Sites opened this year.
    pub added: Vec<usize>,
    /// All open sites at the end of the year, with the objective and coverage they reach.
    pub solution: Solution,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhasedPlan {
    pub years: Vec<YearPlan>,
}

/// Plans `phases` for `model` (its `p` is ignored: each year opens the sites open so far plus
/// `per_year`, capped at the number of candidate sites).
pub fn solve_phased(
    instance: &Instance,
    model: Model,
    phases: Phases,
    solver: &Solver,
) -> Result<PhasedPlan, PlanError> {
    if matches!(model, Model::Lscp { .. }) {
        return Err(PlanError::PhasedLscp);
    }
    let mut fixed = instance.fixed_flags();
    let mut years = Vec::with_capacity(phases.years);
    for year in 1..=phases.years {
        let n_open = fixed.iter().filter(|&&open| open).count();
        let p = (n_open + phases.per_year).min(instance.sites().len());
        let solution = solve_with_fixed(instance, &fixed, model.with_p(p), solver)?;
        let added = solution
            .selected
            .iter()
            .copied()
            .filter(|&site| !fixed[site])
            .collect();
        for &site in &solution.selected {
            fixed[site] = true;
        }
        years.push(YearPlan {
            year,
            added,
            solution,
        });
    }
    Ok(PhasedPlan { years })
}
