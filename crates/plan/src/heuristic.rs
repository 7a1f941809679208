//! Fast answers for every model with the gap they can prove: greedy plus swaps for the plan,
//! Lagrangian relaxation (or bisection with covering bounds for p-center) for the bound.

use crate::cover::{max_cover, max_cover_bound, min_cover, min_cover_bound, CoverSets};
use crate::median::{median_bound_with_fixing, median_search};
use crate::{Instance, Method, Model, PlanError, Solution};

/// How hard the heuristic works on its bound. More iterations tighten the gap and cost time
/// roughly in proportion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeuristicOptions {
    /// Subgradient iterations for each Lagrangian bound.
    pub bound_iterations: usize,
}

impl Default for HeuristicOptions {
    fn default() -> Self {
        HeuristicOptions {
            bound_iterations: 150,
        }
    }
}

pub(crate) fn solve(
    instance: &Instance,
    fixed: &[bool],
    model: Model,
    options: &HeuristicOptions,
) -> Result<Solution, PlanError> {
    let fixed_sites: Vec<usize> = (0..fixed.len()).filter(|&site| fixed[site]).collect();
    let free_sites: Vec<usize> = (0..fixed.len()).filter(|&site| !fixed[site]).collect();
    match model {
        Model::Lscp { radius } => {
            let sets = CoverSets::build(instance, fixed, radius.0, |weight| weight > 0.0);
            unreachable_error(instance, model, &sets)?;
            let cover = min_cover(&sets, &free_sites).expect("every kept point has a site");
            let bound = min_cover_bound(
                &sets,
                &free_sites,
                cover.len(),
                cover.len(),
                options.bound_iterations,
            );
            let selected = [fixed_sites.as_slice(), cover.as_slice()].concat();
            let bound = (fixed_sites.len() + bound) as f64;
            Ok(Solution::scored(
                instance,
                model,
                selected,
                Some(bound),
                Method::Heuristic,
            ))
        }
        Model::Mclp { p, radius } => {
            let sets = CoverSets::build(instance, fixed, radius.0, |weight| weight > 0.0);
            let n_open = p - fixed_sites.len();
            let (opened, covered) = max_cover(&sets, &free_sites, n_open, None);
            let bound = sets.covered_by_fixed
                + max_cover_bound(
                    &sets,
                    &free_sites,
                    n_open,
                    covered,
                    options.bound_iterations,
                );
            let mut selected = [fixed_sites.as_slice(), opened.as_slice()].concat();
            pad_to(&mut selected, p, fixed.len());
            Ok(Solution::scored(
                instance,
                model,
                selected,
                Some(bound),
                Method::Heuristic,
            ))
        }
        Model::PMedian { p } => {
            reach_everyone(instance, fixed, model)?;
            let greedy = median_search(instance, fixed, p, None);
            let greedy_objective = crate::evaluate(instance, model, &greedy);
            if !greedy_objective.unreached.is_empty() {
                return Err(PlanError::NoPlanForP {
                    model: model.name(),
                    p,
                });
            }
            let bound = median_bound_with_fixing(
                instance,
                fixed,
                p,
                &greedy,
                greedy_objective.objective,
                options.bound_iterations,
                &|| false,
            );
            // A second local search from the relaxation's own plan often ends lower.
            let mut selected = greedy;
            if bound.chosen.len() == p {
                let relaxed = median_search(instance, fixed, p, Some(&bound.chosen));
                let relaxed_objective = crate::evaluate(instance, model, &relaxed);
                if relaxed_objective.unreached.is_empty()
                    && relaxed_objective.objective < greedy_objective.objective
                {
                    selected = relaxed;
                }
            }
            Ok(Solution::scored(
                instance,
                model,
                selected,
                Some(bound.value),
                Method::Heuristic,
            ))
        }
        Model::PCenter { p } => {
            let search = center_search(instance, fixed, p, options)?;
            Ok(Solution::scored(
                instance,
                model,
                search.selected,
                Some(search.lower_bound),
                Method::Heuristic,
            ))
        }
    }
}

/// Adds unopened sites, lowest index first, until `selected` holds `p` (opening more never hurts
/// these models, so the padding only meets "exactly p").
pub(crate) fn pad_to(selected: &mut Vec<usize>, p: usize, n_sites: usize) {
    let mut open = vec![false; n_sites];
    for &site in selected.iter() {
        open[site] = true;
    }
    for (site, is_open) in open.into_iter().enumerate() {
        if selected.len() >= p {
            break;
        }
        if !is_open {
            selected.push(site);
        }
    }
}

fn unreachable_error(instance: &Instance, model: Model, sets: &CoverSets) -> Result<(), PlanError> {
    if sets.uncoverable.is_empty() {
        return Ok(());
    }
    Err(PlanError::Unreachable {
        model: model.name(),
        limit: model.radius(),
        demand: sets
            .uncoverable
            .iter()
            .map(|&demand| instance.demand()[demand as usize].id.clone())
            .collect(),
    })
}

/// p-median and p-center need every demand point to reach some site.
pub(crate) fn reach_everyone(
    instance: &Instance,
    fixed: &[bool],
    model: Model,
) -> Result<(), PlanError> {
    let sets = CoverSets::build(instance, fixed, f64::INFINITY, |_| true);
    unreachable_error(instance, model, &sets)
}

/// A p-center plan with the bracket that encloses the optimum.
#[cfg_attr(not(feature = "highs"), allow(dead_code))]
pub(crate) struct CenterSearch {
    pub selected: Vec<usize>,
    pub upper_bound: f64,
    pub lower_bound: f64,
    /// Distinct travel times between the bounds, ascending: the only values the optimum can take.
    pub thresholds: Vec<f64>,
}

/// Open `p` sites: pads a cover with the sites that most shorten the longest time.
fn complete_center(instance: &Instance, mut selected: Vec<usize>, p: usize) -> Vec<usize> {
    let n_sites = instance.sites().len();
    let mut open = vec![false; n_sites];
    for &site in &selected {
        open[site] = true;
    }
    while selected.len() < p {
        // The point farthest from the plan gets its nearest unopened site.
        let mut worst: Option<(f64, usize)> = None;
        for demand in 0..instance.demand().len() {
            let (sites, seconds) = instance.sites_reaching(demand);
            let nearest = sites
                .iter()
                .zip(seconds)
                .find(|(site, _)| open[**site as usize])
                .map(|(_, &time)| time)
                .unwrap_or(f64::INFINITY);
            let has_closer = sites
                .iter()
                .zip(seconds)
                .any(|(site, &time)| !open[*site as usize] && time < nearest);
            if has_closer && worst.is_none_or(|(time, _)| nearest > time) {
                worst = Some((nearest, demand));
            }
        }
        let site = match worst {
            Some((_, demand)) => {
                let (sites, _) = instance.sites_reaching(demand);
                sites
                    .iter()
                    .map(|&site| site as usize)
                    .find(|&site| !open[site])
                    .expect("the worst point has an unopened closer site")
            }
            None => (0..n_sites)
                .find(|&site| !open[site])
                .expect("p never exceeds the site count"),
        };
        open[site] = true;
        selected.push(site);
    }
    selected
}

/// Bisection over the distinct travel times: a greedy cover within T using at most p sites gives
/// an upper bound; a Lagrangian bound above p proves T too short, giving a lower bound.
pub(crate) fn center_search(
    instance: &Instance,
    fixed: &[bool],
    p: usize,
    options: &HeuristicOptions,
) -> Result<CenterSearch, PlanError> {
    let model = Model::PCenter { p };
    reach_everyone(instance, fixed, model)?;
    let fixed_sites: Vec<usize> = (0..fixed.len()).filter(|&site| fixed[site]).collect();
    let free_sites: Vec<usize> = (0..fixed.len()).filter(|&site| !fixed[site]).collect();
    let n_open = p - fixed_sites.len();

    let farthest_first = complete_center(instance, fixed_sites.clone(), p);
    let mut best_selected = farthest_first.clone();
    let mut upper_bound = crate::evaluate(instance, model, &farthest_first).objective;
    let nearest_any = (0..instance.demand().len())
        .map(|demand| instance.sites_reaching(demand).1[0])
        .fold(0.0f64, f64::max);
    let mut thresholds: Vec<f64> = (0..instance.demand().len())
        .flat_map(|demand| instance.sites_reaching(demand).1.iter().copied())
        .filter(|&time| time >= nearest_any && time <= upper_bound)
        .collect();
    thresholds.sort_unstable_by(f64::total_cmp);
    thresholds.dedup();

    // Upper side: smallest threshold where the greedy cover fits in p.
    let (mut low, mut high) = (0usize, thresholds.len() - 1);
    while low < high {
        let middle = (low + high) / 2;
        let sets = CoverSets::build(instance, fixed, thresholds[middle], |_| true);
        match min_cover(&sets, &free_sites) {
            Some(cover) if cover.len() <= n_open => {
                let selected =
                    complete_center(instance, [fixed_sites.as_slice(), &cover].concat(), p);
                let objective = crate::evaluate(instance, model, &selected).objective;
                if objective < upper_bound {
                    upper_bound = objective;
                    best_selected = selected;
                }
                high = middle;
            }
            _ => low = middle + 1,
        }
    }
    let upper_index = thresholds.partition_point(|&time| time < upper_bound);
    thresholds.truncate(upper_index + 1);

    // Lower side: largest threshold proven too short.
    let (mut low, mut high) = (0usize, upper_index);
    let mut proven_short: Option<usize> = None;
    while low < high {
        let middle = (low + high) / 2;
        let sets = CoverSets::build(instance, fixed, thresholds[middle], |_| true);
        let needed = min_cover_bound(
            &sets,
            &free_sites,
            n_open + 1,
            n_open + 1,
            options.bound_iterations.min(60),
        );
        if needed > n_open {
            proven_short = Some(middle);
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    let first_possible = proven_short.map(|index| index + 1).unwrap_or(0);
    let thresholds = thresholds[first_possible.min(upper_index)..].to_vec();
    Ok(CenterSearch {
        selected: best_selected,
        upper_bound,
        lower_bound: thresholds[0],
        thresholds,
    })
}
