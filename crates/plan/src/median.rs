//! p-median by greedy addition and fast interchange, with a Lagrangian lower bound: the
//! heuristic for instances too large for the MIP, and its warm start.

use crate::cover::Ordered;
use crate::Instance;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Nearest and second-nearest open site per demand point, as weighted costs.
struct Assignment {
    open: Vec<bool>,
    /// Weight x seconds to the nearest open site, or `unreached` when none reaches.
    nearest_cost: Vec<f64>,
    nearest_site: Vec<u32>,
    second_cost: Vec<f64>,
    /// The cost of a point no open site reaches: more than any plan that reaches everyone.
    unreached: f64,
}

const NO_SITE: u32 = u32::MAX;

impl Assignment {
    fn new(instance: &Instance, open: Vec<bool>) -> Self {
        let longest = (0..instance.sites().len())
            .flat_map(|site| instance.demand_reached_by(site).1.iter().copied())
            .fold(0.0f64, f64::max);
        let unreached = (instance.total_weight() + 1.0) * (longest + 1.0) * 2.0;
        let n_demand = instance.demand().len();
        let mut assignment = Assignment {
            open,
            nearest_cost: vec![unreached; n_demand],
            nearest_site: vec![NO_SITE; n_demand],
            second_cost: vec![unreached; n_demand],
            unreached,
        };
        assignment.refresh(instance);
        assignment
    }

    fn refresh(&mut self, instance: &Instance) {
        for demand in 0..instance.demand().len() {
            let weight = instance.demand()[demand].weight;
            let (sites, seconds) = instance.sites_reaching(demand);
            let mut found = sites
                .iter()
                .zip(seconds)
                .filter(|(site, _)| self.open[**site as usize]);
            match found.next() {
                Some((&site, &time)) => {
                    self.nearest_cost[demand] = weight * time;
                    self.nearest_site[demand] = site;
                    self.second_cost[demand] = found
                        .next()
                        .map(|(_, &time)| weight * time)
                        .unwrap_or(self.unreached);
                }
                None => {
                    self.nearest_cost[demand] = self.unreached;
                    self.nearest_site[demand] = NO_SITE;
                    self.second_cost[demand] = self.unreached;
                }
            }
        }
    }

    fn addition_gain(&self, instance: &Instance, site: usize) -> f64 {
        let (points, seconds) = instance.demand_reached_by(site);
        points
            .iter()
            .zip(seconds)
            .map(|(&demand, &time)| {
                let demand = demand as usize;
                (self.nearest_cost[demand] - instance.demand()[demand].weight * time).max(0.0)
            })
            .sum()
    }

    fn open_site(&mut self, instance: &Instance, site: usize) {
        self.open[site] = true;
        let (points, seconds) = instance.demand_reached_by(site);
        for (&demand, &time) in points.iter().zip(seconds) {
            let demand = demand as usize;
            let cost = instance.demand()[demand].weight * time;
            if cost < self.nearest_cost[demand] {
                self.second_cost[demand] = self.nearest_cost[demand];
                self.nearest_cost[demand] = cost;
                self.nearest_site[demand] = site as u32;
            } else if cost < self.second_cost[demand] {
                self.second_cost[demand] = cost;
            }
        }
    }
}

/// Opens `p` sites (fixed ones first) to minimise weighted travel time. Returns all open sites.
/// `start`, when given, replaces the greedy construction (it must hold exactly `p` sites and all
/// fixed ones).
pub(crate) fn median_search(
    instance: &Instance,
    fixed: &[bool],
    p: usize,
    start: Option<&[usize]>,
) -> Vec<usize> {
    let n_sites = instance.sites().len();
    let mut open = fixed.to_vec();
    if let Some(start) = start {
        for &site in start {
            open[site] = true;
        }
    }
    let mut state = Assignment::new(instance, open);
    let mut n_open = state.open.iter().filter(|&&open| open).count();
    let candidates: Vec<usize> = (0..n_sites).filter(|&site| !fixed[site]).collect();

    let mut heap: BinaryHeap<(Ordered, Reverse<usize>)> = candidates
        .iter()
        .filter(|&&site| !state.open[site])
        .map(|&site| (Ordered(state.addition_gain(instance, site)), Reverse(site)))
        .collect();
    while n_open < p {
        let (Ordered(gain), Reverse(site)) = heap.pop().expect("p never exceeds the site count");
        let fresh = state.addition_gain(instance, site);
        if fresh + 1e-9 * gain.abs().max(1.0) < gain {
            heap.push((Ordered(fresh), Reverse(site)));
            continue;
        }
        state.open_site(instance, site);
        n_open += 1;
    }

    let mut loss = vec![0.0; n_sites];
    let mut adjust = vec![0.0; n_sites];
    let mut touched: Vec<usize> = Vec::new();
    loop {
        loss.iter_mut().for_each(|value| *value = 0.0);
        for demand in 0..instance.demand().len() {
            let nearest = state.nearest_site[demand];
            if nearest != NO_SITE {
                loss[nearest as usize] += state.second_cost[demand] - state.nearest_cost[demand];
            }
        }
        let removable: Vec<usize> = (0..n_sites)
            .filter(|&site| state.open[site] && !fixed[site])
            .collect();
        let mut best: Option<(f64, usize, usize)> = None;
        for &site_in in &candidates {
            if state.open[site_in] {
                continue;
            }
            let mut gain = 0.0;
            let (points, seconds) = instance.demand_reached_by(site_in);
            for (&demand, &time) in points.iter().zip(seconds) {
                let demand = demand as usize;
                let cost = instance.demand()[demand].weight * time;
                let nearest_cost = state.nearest_cost[demand];
                let second_cost = state.second_cost[demand];
                if cost < nearest_cost {
                    gain += nearest_cost - cost;
                }
                if cost < second_cost {
                    let nearest = state.nearest_site[demand];
                    if nearest != NO_SITE {
                        let nearest = nearest as usize;
                        if adjust[nearest] == 0.0 {
                            touched.push(nearest);
                        }
                        adjust[nearest] += second_cost - cost.max(nearest_cost);
                    }
                }
            }
            for &site_out in &removable {
                let change = -gain + loss[site_out] - adjust[site_out];
                if best.is_none_or(|(best_change, _, _)| change < best_change) {
                    best = Some((change, site_in, site_out));
                }
            }
            for site in touched.drain(..) {
                adjust[site] = 0.0;
            }
        }
        let total: f64 = state.nearest_cost.iter().sum();
        match best {
            Some((change, site_in, site_out)) if change < -1e-9 * total.max(1.0) => {
                state.open[site_out] = false;
                state.open[site_in] = true;
                state.refresh(instance);
            }
            _ => break,
        }
    }
    (0..n_sites).filter(|&site| state.open[site]).collect()
}

/// A Lagrangian bound and what it proves about single sites.
#[cfg_attr(not(feature = "highs"), allow(dead_code))]
pub(crate) struct MedianBound {
    pub value: f64,
    /// Free sites that no plan better than the incumbent opens.
    pub never_open: Vec<bool>,
    /// Free sites that every plan better than the incumbent opens.
    pub always_open: Vec<bool>,
    /// The sites the relaxation opened at its best multipliers: often a good plan to search from.
    pub chosen: Vec<usize>,
}

/// Lagrangian lower bound on the p-median objective: relax "each point is assigned once" with a
/// multiplier per point, starting from the costs in `selected`. Stops at `iterations` or once
/// the bound meets `incumbent` or `out_of_time()` says so (the caller holds the clock).
///
/// Also reduced-cost fixing at the best multipliers: forcing a site open (or closed) changes the
/// relaxed optimum by a known amount; when that alone lifts the bound past the incumbent, the
/// site's state is settled.
pub(crate) fn median_bound_with_fixing(
    instance: &Instance,
    fixed: &[bool],
    p: usize,
    selected: &[usize],
    incumbent: f64,
    iterations: usize,
    out_of_time: &dyn Fn() -> bool,
) -> MedianBound {
    let n_sites = instance.sites().len();
    let n_demand = instance.demand().len();
    let mut best_site_value: Vec<f64> = Vec::new();
    let mut best_chosen: Vec<usize> = Vec::new();
    let mut open = vec![false; n_sites];
    for &site in selected {
        open[site] = true;
    }
    let start = Assignment::new(instance, open);
    let mut multiplier: Vec<f64> = (0..n_demand)
        .map(|demand| {
            if state_reached(&start, demand) {
                start.nearest_cost[demand]
            } else {
                0.0
            }
        })
        .collect();
    let free: Vec<usize> = (0..n_sites).filter(|&site| !fixed[site]).collect();
    let n_free_open = p - fixed.iter().filter(|&&open| open).count();
    let mut site_value = vec![0.0; n_sites];
    let mut chosen: Vec<usize> = Vec::with_capacity(p);
    let mut subgradient = vec![0.0; n_demand];
    let mut best = f64::NEG_INFINITY;
    let mut step_scale = 2.0;
    let mut since_improvement = 0;
    for _ in 0..iterations {
        if out_of_time() {
            break;
        }
        for (site, value) in site_value.iter_mut().enumerate() {
            let (points, seconds) = instance.demand_reached_by(site);
            *value = points
                .iter()
                .zip(seconds)
                .map(|(&demand, &time)| {
                    let demand = demand as usize;
                    (instance.demand()[demand].weight * time - multiplier[demand]).min(0.0)
                })
                .sum();
        }
        chosen.clear();
        chosen.extend((0..n_sites).filter(|&site| fixed[site]));
        let mut ranked = free.clone();
        if n_free_open < ranked.len() {
            ranked.select_nth_unstable_by(n_free_open, |a, b| {
                site_value[*a].total_cmp(&site_value[*b])
            });
        }
        chosen.extend_from_slice(&ranked[..n_free_open]);
        let mut value: f64 = multiplier.iter().sum::<f64>();
        value += chosen.iter().map(|&site| site_value[site]).sum::<f64>();
        subgradient.iter_mut().for_each(|g| *g = 1.0);
        for &site in &chosen {
            let (points, seconds) = instance.demand_reached_by(site);
            for (&demand, &time) in points.iter().zip(seconds) {
                let demand = demand as usize;
                if instance.demand()[demand].weight * time < multiplier[demand] {
                    subgradient[demand] -= 1.0;
                }
            }
        }
        if !best.is_finite() || value > best + 1e-9 * best.abs().max(1.0) {
            best = value;
            best_site_value.clone_from(&site_value);
            best_chosen.clone_from(&chosen);
            since_improvement = 0;
        } else {
            since_improvement += 1;
            if since_improvement >= 5 {
                step_scale *= 0.5;
                since_improvement = 0;
            }
        }
        if incumbent - best <= 1e-9 * incumbent.abs().max(1.0) || step_scale < 1e-5 {
            break;
        }
        let norm: f64 = subgradient.iter().map(|g| g * g).sum();
        if norm == 0.0 {
            break;
        }
        let step = step_scale * (incumbent - value).max(1e-6 * incumbent.abs().max(1.0)) / norm;
        for demand in 0..n_demand {
            multiplier[demand] += step * subgradient[demand];
        }
    }
    let mut never_open = vec![false; n_sites];
    let mut always_open = vec![false; n_sites];
    if !best_site_value.is_empty() && n_free_open > 0 && n_free_open < free.len() {
        let mut ranked = free.clone();
        ranked.sort_by(|a, b| best_site_value[*a].total_cmp(&best_site_value[*b]));
        let last_chosen = best_site_value[ranked[n_free_open - 1]];
        let first_left_out = best_site_value[ranked[n_free_open]];
        let beyond = incumbent + 1e-9 * incumbent.abs().max(1.0);
        for (rank, &site) in ranked.iter().enumerate() {
            if rank < n_free_open {
                always_open[site] = best - best_site_value[site] + first_left_out > beyond;
            } else {
                never_open[site] = best - last_chosen + best_site_value[site] > beyond;
            }
        }
    }
    MedianBound {
        value: best,
        never_open,
        always_open,
        chosen: best_chosen,
    }
}

fn state_reached(state: &Assignment, demand: usize) -> bool {
    state.nearest_site[demand] != NO_SITE
}
