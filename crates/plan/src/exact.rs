//! Proven-optimal plans by mixed-integer programming through HiGHS, on reduced formulations:
//! MCLP and LSCP on aggregated points with dominated sites dropped, p-median on the radius
//! formulation, p-center by bisection over travel times with a covering MIP per step.

use crate::cover::{max_cover_bound_with_fixing, min_cover, min_cover_bound, CoverSets};
use crate::heuristic::{self, center_search, pad_to, HeuristicOptions};
use crate::median::median_bound_with_fixing;
use crate::{relative_gap, Instance, Method, Model, PlanError, Solution};
use highs::{ColProblem, HighsModelStatus, HighsSolutionStatus, Row, Sense};
use measure::Seconds;
use std::collections::HashMap;
use std::sync::Arc;

/// Limits for the exact solver. The clock is the caller's: this crate never reads one.
#[derive(Clone)]
pub struct ExactOptions {
    /// Wall time HiGHS may spend, per MIP; with `elapsed`, across all MIPs of one solve.
    pub time_limit: Seconds,
    /// Time spent since the solve began, measured by the caller. Without it, each MIP of a
    /// p-center bisection gets the whole `time_limit`.
    pub elapsed: Option<Arc<dyn Fn() -> Seconds + Send + Sync>>,
    /// Options for the heuristic that warm-starts the MIP.
    pub heuristic: HeuristicOptions,
    /// Let HiGHS print its progress log to standard output.
    pub solver_log: bool,
}

impl ExactOptions {
    pub fn new(time_limit: Seconds) -> Self {
        ExactOptions {
            time_limit,
            elapsed: None,
            heuristic: HeuristicOptions::default(),
            solver_log: false,
        }
    }

    fn remaining(&self) -> f64 {
        let spent = self
            .elapsed
            .as_ref()
            .map(|elapsed| elapsed().0)
            .unwrap_or(0.0);
        (self.time_limit.0 - spent).max(0.0)
    }
}

pub(crate) fn solve(
    instance: &Instance,
    fixed: &[bool],
    model: Model,
    options: &ExactOptions,
) -> Result<Solution, PlanError> {
    if let Model::PCenter { p } = model {
        return pcenter(instance, fixed, p, options);
    }
    let warm = heuristic::solve(instance, fixed, model, &options.heuristic)?;
    if warm.proven_optimal() {
        return Ok(Solution {
            method: Method::Exact,
            ..warm
        });
    }
    match model {
        Model::Mclp { p, radius } => mclp(instance, fixed, p, radius, &warm, options),
        Model::Lscp { radius } => lscp(instance, fixed, radius, &warm, options),
        Model::PMedian { p } => pmedian(instance, fixed, p, &warm, options),
        Model::PCenter { .. } => unreachable!("handled above"),
    }
}

/// What HiGHS returned.
struct MipOutcome {
    status: HighsModelStatus,
    columns: Option<Vec<f64>>,
    /// The proven bound on the MIP objective (without any constant the caller adds).
    dual_bound: Option<f64>,
}

fn run_mip(
    problem: ColProblem,
    sense: Sense,
    time_limit: f64,
    start: Option<&[f64]>,
    model: Model,
    log: bool,
) -> Result<MipOutcome, PlanError> {
    let solver_error = |message: String| PlanError::Solver {
        model: model.name(),
        message,
    };
    let mut mip = problem
        .try_optimise(sense)
        .map_err(|status| solver_error(format!("HiGHS rejected the model ({status:?})")))?;
    if log {
        mip.set_option("output_flag", true);
        mip.set_option("log_to_console", true);
    } else {
        mip.make_quiet();
    }
    mip.set_option("time_limit", time_limit.max(0.01));
    mip.set_option("mip_rel_gap", 0.0);
    mip.set_option("mip_abs_gap", 1e-7);
    if let Some(start) = start {
        // A rejected start only costs the warm start, never the solve.
        let _ = mip.try_set_solution(Some(start), None, None, None);
    }
    let solved = mip
        .try_solve()
        .map_err(|status| solver_error(format!("HiGHS failed ({status:?})")))?;
    let status = solved.status();
    let columns = (solved.primal_solution_status() == HighsSolutionStatus::Feasible)
        .then(|| solved.get_solution().columns().to_vec());
    let dual_bound = solved
        .double_info_value(c"mip_dual_bound")
        .ok()
        .filter(|bound| bound.is_finite());
    let dual_bound = if status == HighsModelStatus::Optimal {
        Some(solved.objective_value())
    } else {
        dual_bound
    };
    Ok(MipOutcome {
        status,
        columns,
        dual_bound,
    })
}

/// Points grouped by identical covering sets after dropping dominated sites.
struct ReducedCover {
    /// Kept free sites (instance indices); columns follow this order.
    sites: Vec<usize>,
    /// Per group: kept-site positions covering it, and its total weight.
    groups: Vec<(Vec<u32>, f64)>,
    /// For a dropped site, the kept site that covers everything it covers.
    dominated_by: HashMap<usize, usize>,
}

/// Groups points with the same covering set and drops every site whose points another site
/// covers too (an optimal plan can always swap it for that site).
fn reduce_cover(sets: &CoverSets, candidates: &[usize]) -> ReducedCover {
    let group_of = |site_lists: Vec<(Vec<u32>, f64)>| {
        let mut index: HashMap<Vec<u32>, usize> = HashMap::new();
        let mut groups: Vec<(Vec<u32>, f64)> = Vec::new();
        for (sites, weight) in site_lists {
            match index.get(&sites) {
                Some(&group) => groups[group].1 += weight,
                None => {
                    index.insert(sites.clone(), groups.len());
                    groups.push((sites, weight));
                }
            }
        }
        groups
    };
    let n_sites = sets.n_sites();
    let mut is_candidate = vec![false; n_sites];
    candidates
        .iter()
        .for_each(|&site| is_candidate[site] = true);
    let groups = group_of(
        (0..sets.n_points())
            .map(|position| {
                let sites = sets
                    .sites_of(position)
                    .iter()
                    .copied()
                    .filter(|&site| is_candidate[site as usize])
                    .collect();
                (sites, sets.weight[position])
            })
            .collect(),
    );
    let mut site_groups: Vec<Vec<u32>> = vec![Vec::new(); n_sites];
    for (group, (sites, _)) in groups.iter().enumerate() {
        for &site in sites {
            site_groups[site as usize].push(group as u32);
        }
    }
    let words = groups.len().div_ceil(64);
    let bits = |site: usize| {
        let mut row = vec![0u64; words];
        for &group in &site_groups[site] {
            row[group as usize / 64] |= 1 << (group % 64);
        }
        row
    };
    let useful: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&site| !site_groups[site].is_empty())
        .collect();
    let bitsets: HashMap<usize, Vec<u64>> = useful.iter().map(|&site| (site, bits(site))).collect();
    let mut dominated_by: HashMap<usize, usize> = HashMap::new();
    let mut order = useful.clone();
    order.sort_by_key(|&site| (site_groups[site].len(), site));
    for &site in &order {
        let groups_here = &site_groups[site];
        let smallest = groups_here
            .iter()
            .min_by_key(|&&group| groups[group as usize].0.len())
            .expect("useful sites cover something");
        let mine = &bitsets[&site];
        let dominator = groups[*smallest as usize]
            .0
            .iter()
            .map(|&other| other as usize)
            .find(|&other| {
                if other == site || dominated_by.contains_key(&other) {
                    return false;
                }
                let larger = site_groups[other].len() > groups_here.len()
                    || (site_groups[other].len() == groups_here.len() && other < site);
                larger
                    && mine
                        .iter()
                        .zip(&bitsets[&other])
                        .all(|(mine, theirs)| mine & !theirs == 0)
            });
        if let Some(other) = dominator {
            dominated_by.insert(site, other);
        }
    }
    // Chains (a by b, b dropped later by c) resolve to a kept site.
    let kept: Vec<usize> = useful
        .iter()
        .copied()
        .filter(|site| !dominated_by.contains_key(site))
        .collect();
    let resolve = |mut site: usize| {
        while let Some(&next) = dominated_by.get(&site) {
            site = next;
        }
        site
    };
    let dominated_by: HashMap<usize, usize> = dominated_by
        .keys()
        .map(|&site| (site, resolve(site)))
        .collect();
    let position: HashMap<usize, u32> = kept
        .iter()
        .enumerate()
        .map(|(index, &site)| (site, index as u32))
        .collect();
    let groups = group_of(
        groups
            .into_iter()
            .map(|(sites, weight)| {
                let mut sites: Vec<u32> = sites
                    .iter()
                    .filter_map(|site| position.get(&(*site as usize)).copied())
                    .collect();
                sites.sort_unstable();
                (sites, weight)
            })
            .collect(),
    );
    ReducedCover {
        sites: kept,
        groups,
        dominated_by,
    }
}

/// Column values for a start plan: 1 for each kept site the plan opens (dropped sites map to the
/// site that dominates them).
fn start_sites(reduced: &ReducedCover, plan: &[usize]) -> Vec<f64> {
    let position: HashMap<usize, usize> = reduced
        .sites
        .iter()
        .enumerate()
        .map(|(index, &site)| (site, index))
        .collect();
    let mut values = vec![0.0; reduced.sites.len()];
    for site in plan {
        let site = reduced.dominated_by.get(site).unwrap_or(site);
        if let Some(&index) = position.get(site) {
            values[index] = 1.0;
        }
    }
    values
}

fn mclp(
    instance: &Instance,
    fixed: &[bool],
    p: usize,
    radius: Seconds,
    warm: &Solution,
    options: &ExactOptions,
) -> Result<Solution, PlanError> {
    let model = Model::Mclp { p, radius };
    let n_sites = fixed.len();
    let sets = CoverSets::build(instance, fixed, radius.0, |weight| weight > 0.0);
    let free: Vec<usize> = (0..n_sites).filter(|&site| !fixed[site]).collect();
    let settled = max_cover_bound_with_fixing(
        &sets,
        &free,
        p - (n_sites - free.len()),
        warm.objective - sets.covered_by_fixed,
        options.heuristic.bound_iterations.max(300),
    );
    let lagrangian = settled.value + sets.covered_by_fixed;
    let mut warm_open = vec![false; n_sites];
    for &site in &warm.selected {
        warm_open[site] = true;
    }
    // As for p-median: settle what the bound proves, unless the warm start contradicts it.
    let agrees = (0..n_sites).all(|site| {
        let contradicted = if warm_open[site] {
            settled.never_open[site]
        } else {
            settled.always_open[site]
        };
        !contradicted
    });
    let fixed: Vec<bool> = (0..n_sites)
        .map(|site| fixed[site] || (agrees && settled.always_open[site]))
        .collect();
    let fixed = fixed.as_slice();
    let free: Vec<usize> = (0..n_sites)
        .filter(|&site| !(fixed[site] || agrees && settled.never_open[site]))
        .collect();
    let sets = CoverSets::build(instance, fixed, radius.0, |weight| weight > 0.0);
    let n_open = p - fixed.iter().filter(|&&open| open).count();
    let reduced = reduce_cover(&sets, &free);

    // Groups a single site covers fold into that site's objective; the rest get a row
    // y_g <= sum of x over its sites.
    let mut problem = ColProblem::default();
    let cardinality = problem.add_row(..=n_open as f64);
    let mut site_objective = vec![0.0; reduced.sites.len()];
    let mut site_rows: Vec<Vec<(Row, f64)>> = vec![vec![(cardinality, 1.0)]; reduced.sites.len()];
    let mut group_rows = Vec::new();
    for (sites, weight) in &reduced.groups {
        if sites.len() == 1 {
            site_objective[sites[0] as usize] += weight;
            continue;
        }
        let row = problem.add_row(..=0.0);
        for &site in sites {
            site_rows[site as usize].push((row, -1.0));
        }
        group_rows.push((row, *weight, sites));
    }
    for (site, rows) in site_rows.iter().enumerate() {
        problem.add_integer_column(site_objective[site], 0.0..=1.0, rows);
    }
    for (row, weight, _) in &group_rows {
        problem.add_column(*weight, 0.0..=1.0, [(*row, 1.0)]);
    }
    let mut start = start_sites(&reduced, &warm.selected);
    let start_groups: Vec<f64> = group_rows
        .iter()
        .map(|(_, _, sites)| {
            let covered = sites.iter().any(|&site| start[site as usize] > 0.5);
            if covered {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    start.extend(start_groups);
    let outcome = run_mip(
        problem,
        Sense::Maximise,
        options.remaining(),
        Some(&start),
        model,
        options.solver_log,
    )?;
    let mut selected: Vec<usize> = (0..fixed.len()).filter(|&site| fixed[site]).collect();
    let plan = outcome.columns.as_ref().map(|columns| {
        reduced
            .sites
            .iter()
            .enumerate()
            .filter(|(index, _)| columns[*index] > 0.5)
            .map(|(_, &site)| site)
            .collect::<Vec<_>>()
    });
    // The reduced model only holds plans at least as good as the warm start.
    let bound = outcome
        .dual_bound
        .map(|bound| (bound + sets.covered_by_fixed).max(warm.objective))
        .into_iter()
        .chain(warm.bound)
        .chain([lagrangian])
        .reduce(f64::min);
    Ok(finish(
        instance,
        model,
        fixed,
        &mut selected,
        plan,
        bound,
        warm,
    ))
}

/// The better of the MIP's plan and the warm start, with the tightest bound either proved.
fn finish(
    instance: &Instance,
    model: Model,
    fixed: &[bool],
    selected: &mut Vec<usize>,
    plan: Option<Vec<usize>>,
    bound: Option<f64>,
    warm: &Solution,
) -> Solution {
    let candidate = plan.map(|plan| {
        selected.extend(plan);
        if let Some(p) = model.p() {
            pad_to(selected, p, fixed.len());
        }
        Solution::scored(instance, model, selected.clone(), bound, Method::Exact)
    });
    let warm = Solution::scored(instance, model, warm.selected.clone(), bound, Method::Exact);
    match candidate {
        Some(candidate) if better(model, &candidate, &warm) => candidate,
        Some(candidate) if candidate.objective == warm.objective => candidate,
        _ => warm,
    }
}

fn better(model: Model, a: &Solution, b: &Solution) -> bool {
    if model.maximises() {
        a.objective > b.objective
    } else {
        a.objective < b.objective
    }
}

/// Outcome of a set-cover MIP on kept points.
enum CoverOutcome {
    /// Free sites of a cover (instance indices) and the proven bound on their number.
    Cover(Vec<usize>, Option<f64>),
    /// No cover within the limit on sites exists.
    Infeasible,
    /// Time ran out before either was known; the bound is on the number of free sites.
    Unknown(Option<f64>),
}

/// Fewest free sites covering every kept point, optionally at most `limit` of them.
fn cover_mip(
    sets: &CoverSets,
    candidates: &[usize],
    limit: Option<usize>,
    start: Option<&[usize]>,
    options: &ExactOptions,
    model: Model,
) -> Result<CoverOutcome, PlanError> {
    let reduced = reduce_cover(sets, candidates);
    if reduced.groups.iter().any(|(sites, _)| sites.is_empty()) {
        return Ok(CoverOutcome::Infeasible);
    }
    let mut problem = ColProblem::default();
    let mut site_rows: Vec<Vec<(Row, f64)>> = vec![Vec::new(); reduced.sites.len()];
    if let Some(limit) = limit {
        let row = problem.add_row(..=limit as f64);
        site_rows.iter_mut().for_each(|rows| rows.push((row, 1.0)));
    }
    for (sites, _) in &reduced.groups {
        let row = problem.add_row(1.0..);
        for &site in sites {
            site_rows[site as usize].push((row, 1.0));
        }
    }
    for rows in &site_rows {
        problem.add_integer_column(1.0, 0.0..=1.0, rows);
    }
    let start = start.map(|plan| start_sites(&reduced, plan));
    let outcome = run_mip(
        problem,
        Sense::Minimise,
        options.remaining(),
        start.as_deref(),
        model,
        options.solver_log,
    )?;
    if matches!(
        outcome.status,
        HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible
    ) {
        return Ok(CoverOutcome::Infeasible);
    }
    Ok(match outcome.columns {
        Some(columns) => {
            let plan = reduced
                .sites
                .iter()
                .enumerate()
                .filter(|(index, _)| columns[*index] > 0.5)
                .map(|(_, &site)| site)
                .collect();
            CoverOutcome::Cover(plan, outcome.dual_bound)
        }
        None => CoverOutcome::Unknown(outcome.dual_bound),
    })
}

fn lscp(
    instance: &Instance,
    fixed: &[bool],
    radius: Seconds,
    warm: &Solution,
    options: &ExactOptions,
) -> Result<Solution, PlanError> {
    let model = Model::Lscp { radius };
    let sets = CoverSets::build(instance, fixed, radius.0, |weight| weight > 0.0);
    let free: Vec<usize> = (0..fixed.len()).filter(|&site| !fixed[site]).collect();
    let n_fixed = fixed.len() - free.len();
    let outcome = cover_mip(&sets, &free, None, Some(&warm.selected), options, model)?;
    let mut selected: Vec<usize> = (0..fixed.len()).filter(|&site| fixed[site]).collect();
    let (plan, bound) = match outcome {
        CoverOutcome::Cover(plan, bound) => (Some(plan), bound),
        CoverOutcome::Unknown(bound) => (None, bound),
        CoverOutcome::Infeasible => unreachable!("the heuristic found a cover"),
    };
    let bound = bound
        .map(|bound| (bound - 1e-6).ceil() + n_fixed as f64)
        .into_iter()
        .chain(warm.bound)
        .reduce(f64::max);
    Ok(finish(
        instance,
        model,
        fixed,
        &mut selected,
        plan,
        bound,
        warm,
    ))
}

fn pmedian(
    instance: &Instance,
    fixed: &[bool],
    p: usize,
    warm: &Solution,
    options: &ExactOptions,
) -> Result<Solution, PlanError> {
    let model = Model::PMedian { p };
    let n_sites = fixed.len();
    let settled = median_bound_with_fixing(
        instance,
        fixed,
        p,
        &warm.selected,
        warm.objective,
        options.heuristic.bound_iterations.max(300),
        &|| options.remaining() <= 0.0,
    );
    let lagrangian = settled.value;
    let mut warm_open = vec![false; n_sites];
    for &site in &warm.selected {
        warm_open[site] = true;
    }
    // Sites no better plan opens leave the model; sites every better plan opens join the fixed.
    // The warm start must agree with both (rounding could make it not), else nothing is settled.
    let agrees = (0..n_sites).all(|site| {
        let contradicted = if warm_open[site] {
            settled.never_open[site]
        } else {
            settled.always_open[site]
        };
        !contradicted
    });
    let fixed: Vec<bool> = (0..n_sites)
        .map(|site| fixed[site] || (agrees && settled.always_open[site]))
        .collect();
    let fixed = fixed.as_slice();
    let removed: Vec<bool> = (0..n_sites)
        .map(|site| agrees && settled.never_open[site])
        .collect();
    let free: Vec<usize> = (0..n_sites)
        .filter(|&site| !fixed[site] && !removed[site])
        .collect();
    let n_open = p - fixed.iter().filter(|&&open| open).count();
    if n_open == 0 || free.len() == n_open {
        // Only the warm start's plan is left: nothing better exists.
        return Ok(Solution::scored(
            instance,
            model,
            warm.selected.clone(),
            Some(warm.objective),
            Method::Exact,
        ));
    }
    let reduced = ReducedMedian {
        instance,
        fixed,
        removed: &removed,
        free: &free,
        n_open,
    };
    // Each point starts with the levels up to the warm start's site and a few beyond; a point
    // whose plan reaches past its levels gets twice as many in the next round.
    let mut depth: Vec<usize> = (0..instance.demand().len())
        .map(|demand| {
            if instance.demand()[demand].weight == 0.0 {
                return usize::MAX;
            }
            let nearest_warm = nearest_open_time(instance, &warm_open, demand);
            reduced.levels_within(demand, nearest_warm) + INITIAL_EXTRA_LEVELS
        })
        .collect();
    let mut best = warm.clone();
    // The reduced model only holds plans at least as good as the warm start, so its bounds
    // count up to the warm start's objective.
    let mut bound = warm.bound.unwrap_or(f64::NEG_INFINITY).max(lagrangian);
    loop {
        let time_limit = options.remaining();
        if time_limit <= 0.0 || relative_gap(best.objective, bound) == 0.0 {
            break;
        }
        let mut best_open = vec![false; n_sites];
        best.selected
            .iter()
            .for_each(|&site| best_open[site] = true);
        let mip = reduced.model(&depth, &best_open);
        let outcome = run_mip(
            mip.problem,
            Sense::Minimise,
            time_limit,
            Some(&mip.start),
            model,
            options.solver_log,
        )?;
        if matches!(
            outcome.status,
            HighsModelStatus::Infeasible | HighsModelStatus::UnboundedOrInfeasible
        ) {
            // Not even the relaxation holds a plan better than the warm start.
            bound = bound.max(warm.objective);
            break;
        }
        if let Some(dual) = outcome.dual_bound {
            bound = bound.max((dual + mip.constant).min(warm.objective));
        }
        let Some(columns) = outcome.columns else {
            break;
        };
        let mut selected: Vec<usize> = (0..n_sites).filter(|&site| fixed[site]).collect();
        selected.extend(
            free.iter()
                .enumerate()
                .filter(|(index, _)| columns[*index] > 0.5)
                .map(|(_, &site)| site),
        );
        pad_to(&mut selected, p, n_sites);
        let evaluation = crate::evaluate(instance, model, &selected);
        if evaluation.unreached.is_empty() && evaluation.objective < best.objective {
            best = Solution::scored(instance, model, selected.clone(), None, Method::Exact);
        }
        if outcome.status != HighsModelStatus::Optimal {
            break;
        }
        // Optimal on the truncated model but not proven on the whole: the plan pays more than
        // the model charged where it reaches past a point's levels. Deepen those points.
        let mut plan_open = vec![false; n_sites];
        selected.iter().for_each(|&site| plan_open[site] = true);
        let mut deepened = false;
        for (demand, truncated) in mip.truncated_at.iter().enumerate() {
            if let Some(truncated) = truncated {
                if nearest_open_time(instance, &plan_open, demand) >= *truncated {
                    depth[demand] = depth[demand].saturating_mul(2);
                    deepened = true;
                }
            }
        }
        if !deepened {
            break;
        }
    }
    Ok(Solution::scored(
        instance,
        model,
        best.selected,
        Some(bound),
        Method::Exact,
    ))
}

/// Distinct travel times a point's p-median rows start with, beyond the warm start's site.
const INITIAL_EXTRA_LEVELS: usize = 1;

fn nearest_open_time(instance: &Instance, open: &[bool], demand: usize) -> f64 {
    let (sites, seconds) = instance.sites_reaching(demand);
    sites
        .iter()
        .zip(seconds)
        .find(|(site, _)| open[**site as usize])
        .map(|(_, &time)| time)
        .unwrap_or(f64::INFINITY)
}

/// p-median after reduced-cost fixing: the free sites left and what is fixed or removed.
struct ReducedMedian<'a> {
    instance: &'a Instance,
    fixed: &'a [bool],
    removed: &'a [bool],
    free: &'a [usize],
    n_open: usize,
}

/// One round's MIP: columns are the free sites (in `free` order), then the level variables.
struct MedianMip {
    problem: ColProblem,
    start: Vec<f64>,
    /// Cost every plan pays at least: each point's weight times its first level.
    constant: f64,
    /// Per point, the time its levels stop at when deeper free sites were left out (the cost
    /// there is a lower bound, not the cost).
    truncated_at: Vec<Option<f64>>,
}

impl ReducedMedian<'_> {
    /// Distinct free-site times of `demand` up to `limit`.
    fn levels_within(&self, demand: usize, limit: f64) -> usize {
        let (sites, seconds) = self.instance.sites_reaching(demand);
        let mut levels = 0;
        let mut last = f64::NAN;
        for (&site, &time) in sites.iter().zip(seconds) {
            if time > limit {
                break;
            }
            let site = site as usize;
            if self.fixed[site] || self.removed[site] || time == last {
                continue;
            }
            last = time;
            levels += 1;
        }
        levels
    }

    /// Radius formulation: for point i with distinct free-site times L1 < L2 < ..., z_k = 1
    /// when no open site lies within L_k; cost = w (L1 + sum (L_{k+1} - L_k) z_k). Chained rows
    /// z_k >= z_{k-1} - (sites at exactly L_k) keep the matrix as sparse as the cost matrix.
    /// A point's levels stop at a fixed site (its cost can go no higher), once enough free
    /// sites are listed that one of them must be open, or after `depth[i]` levels: then the
    /// cost stops at the next level's time, which only makes the model a relaxation.
    fn model(&self, depth: &[usize], start_open: &[bool]) -> MedianMip {
        let instance = self.instance;
        let (fixed, removed, free) = (self.fixed, self.removed, self.free);
        let mut column_of_site = vec![usize::MAX; fixed.len()];
        for (index, &site) in free.iter().enumerate() {
            column_of_site[site] = index;
        }
        let mut problem = ColProblem::default();
        let n_open = self.n_open as f64;
        let cardinality = problem.add_row(n_open..=n_open);
        let mut site_rows: Vec<Vec<(Row, f64)>> = vec![vec![(cardinality, 1.0)]; free.len()];
        // z columns: objective, own row, next row (if any), start value.
        let mut level_columns: Vec<(f64, Row, Option<Row>, f64)> = Vec::new();
        let mut constant = 0.0;
        let mut truncated_at = vec![None; instance.demand().len()];
        let guarantee_rank = free.len() - self.n_open + 1;
        for demand in 0..instance.demand().len() {
            let weight = instance.demand()[demand].weight;
            let (sites, seconds) = instance.sites_reaching(demand);
            let mut cap = sites
                .iter()
                .zip(seconds)
                .find(|(site, _)| fixed[**site as usize])
                .map(|(_, &time)| time);
            let mut levels: Vec<(f64, Vec<usize>)> = Vec::new();
            let mut n_free_seen = 0;
            let mut guaranteed = None;
            for (&site, &time) in sites.iter().zip(seconds) {
                let site = site as usize;
                if fixed[site] || removed[site] {
                    continue;
                }
                if cap.is_some_and(|cap| time >= cap) {
                    break;
                }
                if levels.last().is_some_and(|(level, _)| *level == time) {
                    levels.last_mut().expect("just checked").1.push(site);
                } else {
                    if n_free_seen >= guarantee_rank {
                        break;
                    }
                    if levels.len() >= depth[demand] {
                        cap = Some(time);
                        truncated_at[demand] = Some(time);
                        break;
                    }
                    levels.push((time, vec![site]));
                }
                n_free_seen += 1;
                if n_free_seen >= guarantee_rank {
                    guaranteed = Some(time);
                }
            }
            let guaranteed = guaranteed.or(cap);
            if let Some(cap) = cap {
                if guaranteed == Some(cap) {
                    levels.push((cap, Vec::new()));
                }
            }
            if levels.is_empty() {
                unreachable!("p-median checked that every point reaches a site");
            }
            let nearest_start = nearest_open_time(instance, start_open, demand);
            constant += weight * levels[0].0;
            if weight == 0.0 || levels.len() == 1 {
                if guaranteed.is_none() {
                    let row = problem.add_row(1.0..);
                    for (_, level_sites) in &levels {
                        for &site in level_sites {
                            site_rows[column_of_site[site]].push((row, 1.0));
                        }
                    }
                }
                continue;
            }
            // Row k (k = 1..M-1): z_k - z_{k-1} + X_k >= 0 with z_0 = 1; final row when reach
            // is not guaranteed: -z_{M-1} + X_M >= 0.
            let n_levels = levels.len();
            let n_rows = if guaranteed.is_some() {
                n_levels - 1
            } else {
                n_levels
            };
            let mut rows = Vec::with_capacity(n_rows);
            for (k, (_, level_sites)) in levels.iter().take(n_rows).enumerate() {
                let row = if k == 0 {
                    problem.add_row(1.0..)
                } else {
                    problem.add_row(0.0..)
                };
                for &site in level_sites {
                    site_rows[column_of_site[site]].push((row, 1.0));
                }
                rows.push(row);
            }
            for k in 0..n_levels - 1 {
                let cost = weight * (levels[k + 1].0 - levels[k].0);
                let next = rows.get(k + 1).copied();
                let start = if nearest_start > levels[k].0 {
                    1.0
                } else {
                    0.0
                };
                level_columns.push((cost, rows[k], next, start));
            }
        }
        let mut start = Vec::with_capacity(free.len() + level_columns.len());
        for (index, rows) in site_rows.iter().enumerate() {
            problem.add_integer_column(0.0, 0.0..=1.0, rows);
            start.push(if start_open[free[index]] { 1.0 } else { 0.0 });
        }
        for &(cost, row, next, value) in &level_columns {
            match next {
                Some(next) => problem.add_column(cost, 0.0..=1.0, [(row, 1.0), (next, -1.0)]),
                None => problem.add_column(cost, 0.0..=1.0, [(row, 1.0)]),
            }
            start.push(value);
        }
        MedianMip {
            problem,
            start,
            constant,
            truncated_at,
        }
    }
}

fn pcenter(
    instance: &Instance,
    fixed: &[bool],
    p: usize,
    options: &ExactOptions,
) -> Result<Solution, PlanError> {
    let model = Model::PCenter { p };
    let search = center_search(instance, fixed, p, &options.heuristic)?;
    let warm = Solution::scored(
        instance,
        model,
        search.selected.clone(),
        Some(search.lower_bound),
        Method::Exact,
    );
    if warm.proven_optimal() {
        return Ok(warm);
    }
    let fixed_sites: Vec<usize> = (0..fixed.len()).filter(|&site| fixed[site]).collect();
    let free: Vec<usize> = (0..fixed.len()).filter(|&site| !fixed[site]).collect();
    let n_open = p - fixed_sites.len();
    let thresholds = &search.thresholds;
    let mut best = warm.selected.clone();
    let mut best_time = search.upper_bound;
    // Invariant: thresholds[high] is feasible (the incumbent reaches it); below `low` is not.
    let (mut low, mut high) = (0usize, thresholds.partition_point(|&time| time < best_time));
    while low < high {
        let middle = (low + high) / 2;
        let sets = CoverSets::build(instance, fixed, thresholds[middle], |_| true);
        let feasible = if !sets.uncoverable.is_empty() {
            Some(None)
        } else if let Some(cover) = min_cover(&sets, &free).filter(|cover| cover.len() <= n_open) {
            Some(Some(cover))
        } else if min_cover_bound(&sets, &free, n_open + 1, n_open + 1, 60) > n_open {
            Some(None)
        } else {
            match cover_mip(&sets, &free, Some(n_open), None, options, model)? {
                CoverOutcome::Cover(cover, _) => Some(Some(cover)),
                CoverOutcome::Infeasible => Some(None),
                CoverOutcome::Unknown(_) => None,
            }
        };
        match feasible {
            Some(Some(cover)) => {
                let mut selected = [fixed_sites.as_slice(), &cover].concat();
                pad_to(&mut selected, p, fixed.len());
                let time = crate::evaluate(instance, model, &selected).objective;
                if time < best_time {
                    best_time = time;
                    best = selected;
                }
                high = thresholds
                    .partition_point(|&threshold| threshold < best_time)
                    .min(middle);
            }
            Some(None) => low = middle + 1,
            None => break,
        }
    }
    let bound = thresholds[low.min(thresholds.len() - 1)];
    let mut solution = Solution::scored(instance, model, best, Some(bound), Method::Exact);
    if solution.objective > warm.objective {
        solution = Solution::scored(
            instance,
            model,
            warm.selected.clone(),
            Some(bound),
            Method::Exact,
        );
    }
    Ok(solution)
}
