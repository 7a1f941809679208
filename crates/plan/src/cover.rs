//! Covering within a radius, shared by LSCP, MCLP and p-center's covering subproblem: who covers
//! whom, greedy plus swap search, and Lagrangian bounds that give the heuristics a gap.

use crate::Instance;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Which free sites cover each demand point that still needs covering, and the reverse.
pub(crate) struct CoverSets {
    /// Demand index of each kept point.
    pub points: Vec<u32>,
    pub weight: Vec<f64>,
    point_offsets: Vec<usize>,
    point_sites: Vec<u32>,
    site_offsets: Vec<usize>,
    site_points: Vec<u32>,
    /// Weight already covered by a fixed site (those points are not kept).
    pub covered_by_fixed: f64,
    /// Points wanted but with no site at all within the radius.
    pub uncoverable: Vec<u32>,
}

impl CoverSets {
    /// Points with `keep(weight)` and no fixed site within `radius`, each with its free sites
    /// within `radius`.
    pub fn build(
        instance: &Instance,
        fixed: &[bool],
        radius: f64,
        keep: impl Fn(f64) -> bool,
    ) -> CoverSets {
        let n_sites = instance.sites().len();
        let mut points = Vec::new();
        let mut weight = Vec::new();
        let mut point_offsets = vec![0];
        let mut point_sites = Vec::new();
        let mut covered_by_fixed = 0.0;
        let mut uncoverable = Vec::new();
        for (demand, point) in instance.demand().iter().enumerate() {
            if !keep(point.weight) {
                continue;
            }
            let (sites, seconds) = instance.sites_reaching(demand);
            let within = seconds.partition_point(|&time| time <= radius);
            let sites = &sites[..within];
            if sites.iter().any(|&site| fixed[site as usize]) {
                covered_by_fixed += point.weight;
                continue;
            }
            if sites.is_empty() {
                uncoverable.push(demand as u32);
                continue;
            }
            points.push(demand as u32);
            weight.push(point.weight);
            let start = point_sites.len();
            point_sites.extend_from_slice(sites);
            point_sites[start..].sort_unstable();
            point_offsets.push(point_sites.len());
        }
        let mut site_offsets = vec![0usize; n_sites + 1];
        for &site in &point_sites {
            site_offsets[site as usize + 1] += 1;
        }
        for site in 0..n_sites {
            site_offsets[site + 1] += site_offsets[site];
        }
        let mut fill = site_offsets.clone();
        let mut site_points = vec![0u32; point_sites.len()];
        for position in 0..points.len() {
            for &site in &point_sites[point_offsets[position]..point_offsets[position + 1]] {
                site_points[fill[site as usize]] = position as u32;
                fill[site as usize] += 1;
            }
        }
        CoverSets {
            points,
            weight,
            point_offsets,
            point_sites,
            site_offsets,
            site_points,
            covered_by_fixed,
            uncoverable,
        }
    }

    pub fn n_points(&self) -> usize {
        self.points.len()
    }

    pub fn n_sites(&self) -> usize {
        self.site_offsets.len() - 1
    }

    /// Free sites covering kept point `position`, ascending.
    pub fn sites_of(&self, position: usize) -> &[u32] {
        &self.point_sites[self.point_offsets[position]..self.point_offsets[position + 1]]
    }

    /// Kept points (positions) that `site` covers, ascending.
    pub fn points_of(&self, site: usize) -> &[u32] {
        &self.site_points[self.site_offsets[site]..self.site_offsets[site + 1]]
    }
}

/// A float that sorts, for heaps of gains.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Ordered(pub f64);
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Open sites and how many times each kept point is covered.
struct CoverState<'a> {
    sets: &'a CoverSets,
    weight: &'a [f64],
    open: Vec<bool>,
    count: Vec<u32>,
    /// Sum of the open sites covering each point: the one coverer when `count == 1`.
    coverer_sum: Vec<u64>,
}

impl<'a> CoverState<'a> {
    fn new(sets: &'a CoverSets, weight: &'a [f64]) -> Self {
        CoverState {
            sets,
            weight,
            open: vec![false; sets.n_sites()],
            count: vec![0; sets.n_points()],
            coverer_sum: vec![0; sets.n_points()],
        }
    }
    fn open(&mut self, site: usize) {
        debug_assert!(!self.open[site]);
        self.open[site] = true;
        for &position in self.sets.points_of(site) {
            self.count[position as usize] += 1;
            self.coverer_sum[position as usize] += site as u64;
        }
    }
    fn close(&mut self, site: usize) {
        debug_assert!(self.open[site]);
        self.open[site] = false;
        for &position in self.sets.points_of(site) {
            self.count[position as usize] -= 1;
            self.coverer_sum[position as usize] -= site as u64;
        }
    }
    fn uncovered_gain(&self, site: usize) -> f64 {
        self.sets
            .points_of(site)
            .iter()
            .filter(|&&position| self.count[position as usize] == 0)
            .map(|&position| self.weight[position as usize])
            .sum()
    }
    fn covered_weight(&self) -> f64 {
        self.count
            .iter()
            .zip(self.weight)
            .filter(|(&count, _)| count > 0)
            .map(|(_, weight)| weight)
            .sum()
    }
}

/// Adds up to `n_open` sites from `candidates`, each time the one covering the most uncovered
/// weight (lazily re-evaluated: gains only shrink). Stops early when nothing uncovered is left.
fn greedy_open(state: &mut CoverState, candidates: &[usize], n_open: usize) -> Vec<usize> {
    let mut heap: BinaryHeap<(Ordered, std::cmp::Reverse<usize>)> = candidates
        .iter()
        .filter(|&&site| !state.open[site])
        .map(|&site| (Ordered(state.uncovered_gain(site)), std::cmp::Reverse(site)))
        .collect();
    let mut opened = Vec::new();
    while opened.len() < n_open {
        let Some((Ordered(gain), std::cmp::Reverse(site))) = heap.pop() else {
            break;
        };
        if gain <= 0.0 {
            break;
        }
        let fresh = state.uncovered_gain(site);
        if fresh + 1e-12 < gain {
            heap.push((Ordered(fresh), std::cmp::Reverse(site)));
            continue;
        }
        state.open(site);
        opened.push(site);
    }
    opened
}

/// MCLP: opens `n_open` free sites among `candidates` to maximise covered weight (greedy, then
/// best-improvement swaps). Returns the opened free sites (possibly fewer when nothing more
/// helps) and the covered weight among kept points.
pub(crate) fn max_cover(
    sets: &CoverSets,
    candidates: &[usize],
    n_open: usize,
    start: Option<&[usize]>,
) -> (Vec<usize>, f64) {
    let mut state = CoverState::new(sets, &sets.weight);
    let mut opened = match start {
        Some(start) => {
            for &site in start {
                state.open(site);
            }
            start.to_vec()
        }
        None => greedy_open(&mut state, candidates, n_open),
    };
    if opened.len() < n_open {
        let more = greedy_open(&mut state, candidates, n_open - opened.len());
        opened.extend(more);
    }
    let mut extra = vec![0.0; sets.n_sites()];
    loop {
        // loss[r]: weight only r covers, lost if r closes.
        let mut loss = vec![0.0; sets.n_sites()];
        for position in 0..sets.n_points() {
            if state.count[position] == 1 {
                loss[state.coverer_sum[position] as usize] += sets.weight[position];
            }
        }
        let mut best: Option<(f64, usize, usize)> = None;
        for &site_in in candidates {
            if state.open[site_in] {
                continue;
            }
            let mut gain = 0.0;
            let mut touched = Vec::new();
            for &position in sets.points_of(site_in) {
                let position = position as usize;
                match state.count[position] {
                    0 => gain += sets.weight[position],
                    1 => {
                        let only = state.coverer_sum[position] as usize;
                        if extra[only] == 0.0 {
                            touched.push(only);
                        }
                        extra[only] += sets.weight[position];
                    }
                    _ => {}
                }
            }
            if gain <= 0.0 && opened.len() == n_open {
                for site in touched {
                    extra[site] = 0.0;
                }
                continue;
            }
            for &site_out in &opened {
                let change = gain - loss[site_out] + extra[site_out];
                let improves = change > 1e-9 * (1.0 + gain.abs());
                if improves && best.is_none_or(|(best_change, _, _)| change > best_change) {
                    best = Some((change, site_in, site_out));
                }
            }
            for site in touched {
                extra[site] = 0.0;
            }
        }
        match best {
            Some((_, site_in, site_out)) => {
                state.close(site_out);
                state.open(site_in);
                let slot = opened
                    .iter()
                    .position(|&site| site == site_out)
                    .expect("the closed site was open");
                opened[slot] = site_in;
            }
            None => break,
        }
    }
    let covered = state.covered_weight();
    (opened, covered)
}

/// Lagrangian upper bound on the weight `n_open` free sites can cover (kept points only):
/// relax "a point counts only if some open site covers it" with multipliers per point.
pub(crate) fn max_cover_bound(
    sets: &CoverSets,
    candidates: &[usize],
    n_open: usize,
    incumbent: f64,
    iterations: usize,
) -> f64 {
    max_cover_bound_with_fixing(sets, candidates, n_open, incumbent, iterations).value
}

/// An upper bound on covered weight and what it proves about single sites.
#[cfg_attr(not(feature = "highs"), allow(dead_code))]
pub(crate) struct CoverBound {
    pub value: f64,
    /// Candidates that no plan better than the incumbent opens.
    pub never_open: Vec<bool>,
    /// Candidates that every plan better than the incumbent opens.
    pub always_open: Vec<bool>,
}

/// [`max_cover_bound`], plus reduced-cost fixing at the best multipliers.
pub(crate) fn max_cover_bound_with_fixing(
    sets: &CoverSets,
    candidates: &[usize],
    n_open: usize,
    incumbent: f64,
    iterations: usize,
) -> CoverBound {
    let total: f64 = sets.weight.iter().sum();
    let mut never_open = vec![false; sets.n_sites()];
    let mut always_open = vec![false; sets.n_sites()];
    if n_open == 0 || sets.n_points() == 0 {
        return CoverBound {
            value: 0.0,
            never_open,
            always_open,
        };
    }
    let mut best = total;
    let mut best_site_value: Vec<f64> = Vec::new();
    let mut multiplier: Vec<f64> = sets.weight.iter().map(|weight| weight * 0.5).collect();
    let mut step_scale = 2.0;
    let mut since_improvement = 0;
    let mut site_value = vec![0.0; sets.n_sites()];
    let mut chosen: Vec<usize> = Vec::with_capacity(n_open);
    let mut subgradient = vec![0.0; sets.n_points()];
    for _ in 0..iterations {
        for &site in candidates {
            site_value[site] = sets
                .points_of(site)
                .iter()
                .map(|&position| multiplier[position as usize])
                .sum();
        }
        chosen.clear();
        chosen.extend_from_slice(candidates);
        let take = n_open.min(chosen.len());
        if take < chosen.len() {
            chosen.select_nth_unstable_by(take, |a, b| site_value[*b].total_cmp(&site_value[*a]));
        }
        chosen.truncate(take);
        let mut value: f64 = chosen.iter().map(|&site| site_value[site]).sum();
        for position in 0..sets.n_points() {
            let free = sets.weight[position] - multiplier[position];
            let take_point = free > 0.0;
            if take_point {
                value += free;
            }
            subgradient[position] = if take_point { -1.0 } else { 0.0 };
        }
        for &site in &chosen {
            for &position in sets.points_of(site) {
                subgradient[position as usize] += 1.0;
            }
        }
        if value < best - 1e-9 * best.abs().max(1.0) {
            best = value;
            best_site_value.clone_from(&site_value);
            since_improvement = 0;
        } else {
            since_improvement += 1;
            if since_improvement >= 5 {
                step_scale *= 0.5;
                since_improvement = 0;
            }
        }
        if best - incumbent <= 1e-9 * incumbent.abs().max(1.0) || step_scale < 1e-4 {
            break;
        }
        let norm: f64 = subgradient.iter().map(|g| g * g).sum();
        if norm == 0.0 {
            break;
        }
        let step = step_scale * (value - incumbent).max(1e-9 * total) / norm;
        for position in 0..sets.n_points() {
            multiplier[position] = (multiplier[position] - step * subgradient[position])
                .clamp(0.0, sets.weight[position]);
        }
    }
    if !best_site_value.is_empty() && n_open < candidates.len() {
        let mut ranked = candidates.to_vec();
        ranked.sort_by(|a, b| best_site_value[*b].total_cmp(&best_site_value[*a]));
        let last_chosen = best_site_value[ranked[n_open - 1]];
        let first_left_out = best_site_value[ranked[n_open]];
        let below = incumbent - 1e-9 * incumbent.abs().max(1.0);
        for (rank, &site) in ranked.iter().enumerate() {
            if rank < n_open {
                always_open[site] = best - best_site_value[site] + first_left_out < below;
            } else {
                never_open[site] = best - last_chosen + best_site_value[site] < below;
            }
        }
    }
    CoverBound {
        value: best.min(total),
        never_open,
        always_open,
    }
}

/// Set cover: free sites from `candidates` so every kept point is covered (greedy, then drops
/// sites whose points are all covered twice). `None` when some kept point has no candidate.
pub(crate) fn min_cover(sets: &CoverSets, candidates: &[usize]) -> Option<Vec<usize>> {
    let unit = vec![1.0; sets.n_points()];
    let mut state = CoverState::new(sets, &unit);
    let mut opened = greedy_open(&mut state, candidates, usize::MAX);
    if state.count.contains(&0) {
        return None;
    }
    for index in (0..opened.len()).rev() {
        let site = opened[index];
        let redundant = sets
            .points_of(site)
            .iter()
            .all(|&position| state.count[position as usize] >= 2);
        if redundant {
            state.close(site);
            opened.remove(index);
        }
    }
    Some(opened)
}

/// Lagrangian lower bound on the number of free sites a cover needs (kept points only).
/// Stops early once the bound reaches `stop_at` (no need to prove more).
pub(crate) fn min_cover_bound(
    sets: &CoverSets,
    candidates: &[usize],
    incumbent: usize,
    stop_at: usize,
    iterations: usize,
) -> usize {
    if sets.n_points() == 0 {
        return 0;
    }
    let mut best: f64 = 1.0;
    let mut multiplier: Vec<f64> = (0..sets.n_points())
        .map(|position| 1.0 / sets.sites_of(position).len() as f64)
        .collect();
    let mut step_scale = 2.0;
    let mut since_improvement = 0;
    let mut subgradient = vec![0.0; sets.n_points()];
    for _ in 0..iterations {
        let mut value: f64 = multiplier.iter().sum();
        subgradient.iter_mut().for_each(|g| *g = 1.0);
        for &site in candidates {
            let points = sets.points_of(site);
            let reduced: f64 = 1.0
                - points
                    .iter()
                    .map(|&position| multiplier[position as usize])
                    .sum::<f64>();
            if reduced < 0.0 {
                value += reduced;
                for &position in points {
                    subgradient[position as usize] -= 1.0;
                }
            }
        }
        if value > best + 1e-9 {
            best = value;
            since_improvement = 0;
        } else {
            since_improvement += 1;
            if since_improvement >= 5 {
                step_scale *= 0.5;
                since_improvement = 0;
            }
        }
        let proven = (best - 1e-6).ceil().max(1.0) as usize;
        if proven >= stop_at.min(incumbent) || step_scale < 1e-4 {
            break;
        }
        let norm: f64 = subgradient.iter().map(|g| g * g).sum();
        if norm == 0.0 {
            break;
        }
        let step = step_scale * (incumbent as f64 - value).max(0.05) / norm;
        for position in 0..sets.n_points() {
            multiplier[position] = (multiplier[position] + step * subgradient[position]).max(0.0);
        }
    }
    (best - 1e-6).ceil().max(1.0) as usize
}
