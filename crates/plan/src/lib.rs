//! Where workstations should go: coverage and siting models (LSCP, MCLP, p-median, p-center) on a
//! cost matrix, solved exactly by MIP (feature `highs`) or by heuristics that report their gap,
//! and phased plans that add sites year by year. Pure: no clock, no files; callers measure time.

mod cover;
#[cfg(feature = "highs")]
mod exact;
mod heuristic;
mod instance;
mod median;
mod model;
mod phased;

pub use instance::{CandidateSite, DemandPoint, Instance, Travel};
pub use model::{coverage, evaluate, relative_gap, Evaluation, Method, Model, Solution};
pub use phased::{solve_phased, PhasedPlan, Phases, YearPlan};

#[cfg(feature = "highs")]
pub use exact::ExactOptions;
pub use heuristic::HeuristicOptions;

use measure::Seconds;

/// How to solve: fast with a known gap, or exactly with a proven one.
#[derive(Clone)]
pub enum Solver {
    Heuristic(HeuristicOptions),
    #[cfg(feature = "highs")]
    Exact(ExactOptions),
}

/// Solves `model` with the instance's own fixed sites.
pub fn solve(instance: &Instance, model: Model, solver: &Solver) -> Result<Solution, PlanError> {
    solve_with_fixed(instance, &instance.fixed_flags(), model, solver)
}

/// Solves `model` with `fixed[site]` sites forced open (they count toward `p`).
pub fn solve_with_fixed(
    instance: &Instance,
    fixed: &[bool],
    model: Model,
    solver: &Solver,
) -> Result<Solution, PlanError> {
    assert_eq!(
        fixed.len(),
        instance.sites().len(),
        "one fixed flag per candidate site"
    );
    model.check(instance, fixed)?;
    match solver {
        Solver::Heuristic(options) => heuristic::solve(instance, fixed, model, options),
        #[cfg(feature = "highs")]
        Solver::Exact(options) => exact::solve(instance, fixed, model, options),
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("demand point '{demand}' has weight {weight}; weights must be finite and at least 0")]
    BadWeight { demand: String, weight: f64 },
    #[error("{kind} id '{id}' appears twice; give each {kind} its own id")]
    DuplicateId { kind: &'static str, id: String },
    #[error("{n_demand} demand points x {n_sites} sites is more than this planner indexes (2^32 each); split the area")]
    TooLarge { n_demand: usize, n_sites: usize },
    #[error("a travel time names {kind} number {index}, but there are only {count}")]
    UnknownIndex {
        kind: &'static str,
        index: usize,
        count: usize,
    },
    #[error("travel time from site '{site}' to demand point '{demand}' is {seconds} s; times must be finite and at least 0")]
    BadTime {
        demand: String,
        site: String,
        seconds: f64,
    },
    #[error("the travel time from site '{site}' to demand point '{demand}' is listed twice; list each pair once")]
    DuplicatePair { demand: String, site: String },
    #[error("{model} needs p between the {n_fixed} fixed sites and the {n_sites} candidate sites, got p = {p}; choose p in that range")]
    BadP {
        model: &'static str,
        p: usize,
        n_fixed: usize,
        n_sites: usize,
    },
    #[error("{model} needs a radius that is finite and at least 0 s, got {radius}")]
    BadRadius {
        model: &'static str,
        radius: Seconds,
    },
    #[error("{model} is infeasible: {} demand point(s) have no candidate site within {}: {}; add candidate sites near them{}",
        demand.len(),
        limit.map(|limit| limit.to_string()).unwrap_or_else(|| "reach (no travel time listed)".to_string()),
        list_ids(demand),
        if limit.is_some() { " or raise the radius" } else { " or list their travel times" })]
    Unreachable {
        model: &'static str,
        limit: Option<Seconds>,
        demand: Vec<String>,
    },
    #[error("{model}: no choice of {p} sites reaches every demand point; raise p or add candidate sites")]
    NoPlanForP { model: &'static str, p: usize },
    #[error("phased plans add a fixed number of sites per year, which LSCP (fewest sites) does not; use mclp, pmedian or pcenter")]
    PhasedLscp,
    #[error("the MIP solver failed on {model}: {message}; try the heuristic (--heuristic)")]
    Solver {
        model: &'static str,
        message: String,
    },
}

fn list_ids(ids: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut text = ids
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > SHOWN {
        text.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    text
}
