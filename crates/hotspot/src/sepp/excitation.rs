//! The expectation step and the one-parameter maximisations of the lattice ETAS fit, kept apart
//! from the driver because this is where the time goes: O(events × neighbourhood) per
//! iteration, one exp per event and per-cell running sums for the rest.

use std::ops::Range;

use super::{offset_cell, Parameters, SeppError, MAX_LINKS, MAX_NEIGHBOURS, OMEGA_RANGE};
use crate::forecast::{Event, Window};
use crate::lattice::Lattice;

/// The cells offspring may land on, as offsets from the parent's cell, with their distances.
pub(super) struct Neighbourhood {
    offsets: Vec<(i32, i32)>,
    squared_distances: Vec<f64>,
}

impl Neighbourhood {
    pub(super) fn new(lattice: &Lattice, space_cutoff_m: f64) -> Result<Neighbourhood, SeppError> {
        let cell_metres = lattice.spec.cell_metres;
        let radius = space_cutoff_m / cell_metres;
        let too_large = |neighbours: f64| SeppError::NeighbourhoodTooLarge {
            space_cutoff_m,
            cell_metres,
            neighbours,
            limit: MAX_NEIGHBOURS,
        };
        if radius > 20.0 {
            return Err(too_large((std::f64::consts::PI * radius * radius).round()));
        }
        let reach = radius.floor() as i32;
        let limit = radius * radius * (1.0 + 1e-9);
        let mut offsets = vec![(0, 0)];
        for row_offset in -reach..=reach {
            for column_offset in -reach..=reach {
                let squared = f64::from(column_offset * column_offset + row_offset * row_offset);
                if (column_offset, row_offset) != (0, 0) && squared <= limit {
                    offsets.push((column_offset, row_offset));
                }
            }
        }
        if offsets.len() > MAX_NEIGHBOURS {
            return Err(too_large(offsets.len() as f64));
        }
        let squared_distances = offsets
            .iter()
            .map(|&(column, row)| {
                f64::from(column * column + row * row) * cell_metres * cell_metres
            })
            .collect();
        Ok(Neighbourhood {
            offsets,
            squared_distances,
        })
    }

    pub(super) fn len(&self) -> usize {
        self.offsets.len()
    }

    /// g over the neighbourhood: a Gaussian of the centre distances, normalised to sum 1.
    pub(super) fn weights(&self, sigma_m: Option<f64>) -> Vec<f64> {
        match sigma_m {
            Some(sigma) if self.len() > 1 => {
                let (_, weights) = self.log_weights(sigma);
                weights
            }
            _ => vec![1.0; 1],
        }
    }

    /// (log of the normaliser, weights); the same cell's unnormalised weight is 1, so the
    /// normaliser never underflows.
    fn log_weights(&self, sigma_m: f64) -> (f64, Vec<f64>) {
        let unnormalised: Vec<f64> = self
            .squared_distances
            .iter()
            .map(|squared| (-squared / (2.0 * sigma_m * sigma_m)).exp())
            .collect();
        let total: f64 = unnormalised.iter().sum();
        (
            total.ln(),
            unnormalised.iter().map(|weight| weight / total).collect(),
        )
    }

    pub(super) fn with_weights(&self, weights: &[f64]) -> Vec<super::NeighbourWeight> {
        self.offsets
            .iter()
            .zip(weights)
            .map(
                |(&(column_offset, row_offset), &weight)| super::NeighbourWeight {
                    column_offset,
                    row_offset,
                    weight,
                },
            )
            .collect()
    }

    /// σ maximising the expected complete log-likelihood given θ and ω:
    /// Σ_k pairs_k·ln g_σ(k) − θ·Σ_k g_σ(k)·reach_k, by golden section over ln σ; never worse
    /// than `current`.
    pub(super) fn best_sigma(
        &self,
        pairs_by_offset: &[f64],
        reach_by_offset: &[f64],
        theta: f64,
        current: f64,
        (low, high): (f64, f64),
    ) -> f64 {
        let objective = |log_sigma: f64| {
            let sigma = log_sigma.exp();
            let (log_normaliser, weights) = self.log_weights(sigma);
            let mut value = 0.0;
            for k in 0..self.len() {
                let log_weight =
                    -self.squared_distances[k] / (2.0 * sigma * sigma) - log_normaliser;
                value += pairs_by_offset[k] * log_weight - theta * weights[k] * reach_by_offset[k];
            }
            value
        };
        let ratio = (5f64.sqrt() - 1.0) / 2.0;
        let (mut a, mut b) = (low.ln(), high.ln());
        let mut c = b - ratio * (b - a);
        let mut d = a + ratio * (b - a);
        let (mut value_c, mut value_d) = (objective(c), objective(d));
        for _ in 0..60 {
            if value_c > value_d {
                b = d;
                d = c;
                value_d = value_c;
                c = b - ratio * (b - a);
                value_c = objective(c);
            } else {
                a = c;
                c = d;
                value_c = value_d;
                d = a + ratio * (b - a);
                value_d = objective(d);
            }
        }
        let mut best = (current.ln(), objective(current.ln()));
        for candidate in [(a + b) / 2.0, low.ln(), high.ln()] {
            let value = objective(candidate);
            if value > best.1 {
                best = (candidate, value);
            }
        }
        best.0.exp().clamp(low, high)
    }
}

/// The training events grouped by cell, in time order within each cell.
pub(super) struct Training<'a> {
    lattice: &'a Lattice,
    /// Cells holding at least one event, ascending.
    pub(super) cells: Vec<usize>,
    positions: Vec<(usize, usize)>,
    /// Events of `cells[slot]` are `times[starts[slot]..starts[slot + 1]]`.
    starts: Vec<usize>,
    /// Days since the start of the training period.
    times: Vec<f64>,
    slot_of_cell: Vec<u32>,
    period: f64,
}

/// What the expectation step hands the maximisation step.
pub(super) struct Expectation {
    pub(super) log_likelihood: f64,
    /// Σ of the probabilities that the cell's events are background, per slot.
    pub(super) background_share: Vec<f64>,
    /// Expected number of triggered events.
    pub(super) offspring: f64,
    /// Expected total delay between parents and their offspring (days).
    pub(super) delay: f64,
    /// Expected number of parent–offspring pairs per neighbourhood offset.
    pub(super) pairs_by_offset: Vec<f64>,
    /// Σ over events of their share of the kernel's time left before the end of training, for
    /// offspring landing at each offset inside the study area (the compensator is θ·Σ g·reach).
    pub(super) reach_by_offset: Vec<f64>,
}

const NO_SLOT: u32 = u32::MAX;

impl<'a> Training<'a> {
    /// The events of the window on cells of the study area, and how many in the window were not.
    pub(super) fn new(
        lattice: &'a Lattice,
        events: &[Event],
        window: Window,
    ) -> (Training<'a>, usize) {
        let mut outside = 0;
        let mut placed: Vec<(usize, f64)> = Vec::new();
        for event in events {
            if !(event.day >= window.train_from && event.day < window.until) {
                continue;
            }
            match lattice.cell_of_xy(event.xy) {
                Some(cell) if lattice.inside[cell] => {
                    placed.push((cell, event.day - window.train_from))
                }
                _ => outside += 1,
            }
        }
        placed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut cells = Vec::new();
        let mut starts = Vec::new();
        let mut slot_of_cell = vec![NO_SLOT; lattice.len()];
        for (index, &(cell, _)) in placed.iter().enumerate() {
            if cells.last() != Some(&cell) {
                slot_of_cell[cell] = cells.len() as u32;
                cells.push(cell);
                starts.push(index);
            }
        }
        starts.push(placed.len());
        let positions = cells.iter().map(|&cell| lattice.position(cell)).collect();
        let training = Training {
            lattice,
            cells,
            positions,
            starts,
            times: placed.iter().map(|&(_, time)| time).collect(),
            slot_of_cell,
            period: window.until - window.train_from,
        };
        (training, outside)
    }

    pub(super) fn len(&self) -> usize {
        self.times.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    pub(super) fn count(&self, slot: usize) -> usize {
        self.starts[slot + 1] - self.starts[slot]
    }

    fn range(&self, slot: usize) -> Range<usize> {
        self.starts[slot]..self.starts[slot + 1]
    }

    /// The slot of the cell `offset` away from `slot`'s cell, if it holds events.
    fn neighbour_slot(
        &self,
        slot: usize,
        (column_offset, row_offset): (i32, i32),
    ) -> Option<usize> {
        let (column, row) = self.positions[slot];
        let cell = offset_cell(self.lattice, column, row, column_offset, row_offset)?;
        let neighbour = self.slot_of_cell[cell];
        (neighbour != NO_SLOT).then_some(neighbour as usize)
    }

    /// The time each event's offspring have left before the end of training, as the share of
    /// the kernel's mass (1 − e^{−ω·min(T − t, cut-off)}), summed per slot.
    fn reach_by_slot(&self, links: &Links, omega: f64) -> Vec<f64> {
        let full = -(-omega * links.cutoff).exp_m1();
        let mut by_slot: Vec<f64> = links
            .far_counts
            .iter()
            .map(|&count| f64::from(count) * full)
            .collect();
        for &(left, slot) in &links.recent {
            // Beyond 40 decay times the share is 1 to within 4e-18.
            let share = if omega * left > 40.0 {
                1.0
            } else {
                -(-omega * left).exp_m1()
            };
            by_slot[slot as usize] += share;
        }
        by_slot
    }

    pub(super) fn reach_by_offset(
        &self,
        links: &Links,
        neighbourhood: &Neighbourhood,
        omega: f64,
    ) -> Vec<f64> {
        let by_slot = self.reach_by_slot(links, omega);
        let mut by_offset = vec![0.0; neighbourhood.len()];
        for (slot, reach) in by_slot.iter().enumerate() {
            let (column, row) = self.positions[slot];
            for (k, &(column_offset, row_offset)) in neighbourhood.offsets.iter().enumerate() {
                if offset_cell(self.lattice, column, row, column_offset, row_offset).is_some() {
                    by_offset[k] += reach;
                }
            }
        }
        by_offset
    }

    /// Share of each slot's offspring that lands inside the study area: Σ_k g_k over the
    /// offsets that stay inside.
    fn kept_by_slot(&self, neighbourhood: &Neighbourhood, weights: &[f64]) -> Vec<f64> {
        self.positions
            .iter()
            .map(|&(column, row)| {
                neighbourhood
                    .offsets
                    .iter()
                    .zip(weights)
                    .filter(|(&(column_offset, row_offset), _)| {
                        offset_cell(self.lattice, column, row, column_offset, row_offset).is_some()
                    })
                    .map(|(_, weight)| weight)
                    .sum()
            })
            .collect()
    }

    /// E-step at `parameters`: branching probabilities summed into what the M-step needs, and
    /// the log-likelihood of `parameters`.
    pub(super) fn expectation(
        &self,
        links: &Links,
        weights: &[f64],
        parameters: &Parameters,
        reach_by_offset: Vec<f64>,
        by_offset_wanted: bool,
    ) -> Expectation {
        let (theta, omega) = (parameters.theta, parameters.omega);
        let timeline = Timeline::new(self, omega);
        let rate = theta * omega;
        let mut result = Expectation {
            log_likelihood: 0.0,
            background_share: vec![0.0; self.cells.len()],
            offspring: 0.0,
            delay: 0.0,
            pairs_by_offset: vec![0.0; weights.len()],
            reach_by_offset,
        };
        let (mut excitation, mut delay, mut by_link, mut inverse) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut log_intensity = 0.0;
        for slot in 0..self.cells.len() {
            let targets = self.range(slot);
            let n = targets.len();
            let slot_links = &links.links[links.starts[slot]..links.starts[slot + 1]];
            excitation.clear();
            excitation.resize(n, 0.0);
            delay.clear();
            delay.resize(n, 0.0);
            if by_offset_wanted {
                by_link.clear();
                by_link.resize(n * slot_links.len(), 0.0);
            }
            for (index, link) in slot_links.iter().enumerate() {
                let weight = weights[link.offset as usize];
                let bounds = &links.bounds[link.bounds as usize..link.bounds as usize + n];
                for (i, &(oldest, next)) in bounds.iter().enumerate() {
                    if oldest == next {
                        continue;
                    }
                    let target = &timeline.stamps[targets.start + i];
                    let (sum, delays) = timeline.window_sum(target, oldest as usize, next as usize);
                    excitation[i] += weight * sum;
                    delay[i] += weight * delays;
                    if by_offset_wanted {
                        by_link[index * n + i] = weight * sum;
                    }
                }
            }
            let background = parameters.background[slot];
            inverse.clear();
            for i in 0..n {
                let triggered = rate * excitation[i];
                let intensity = background + triggered;
                if intensity > 0.0 {
                    let share = 1.0 / intensity;
                    log_intensity += intensity.ln();
                    result.background_share[slot] += background * share;
                    result.offspring += triggered * share;
                    result.delay += rate * delay[i] * share;
                    inverse.push(rate * share);
                } else {
                    // Only reachable when θ or μ is 0 here: the event cannot happen under these
                    // parameters; count it as background so that μ recovers.
                    log_intensity += f64::MIN_POSITIVE.ln();
                    result.background_share[slot] += 1.0;
                    inverse.push(0.0);
                }
            }
            if by_offset_wanted {
                for (index, link) in slot_links.iter().enumerate() {
                    let pairs: f64 = by_link[index * n..(index + 1) * n]
                        .iter()
                        .zip(&inverse)
                        .map(|(value, share)| value * share)
                        .sum();
                    result.pairs_by_offset[link.offset as usize] += pairs;
                }
            }
        }
        let background_total: f64 = parameters.background.iter().sum();
        let triggered_total = theta * super::dot(weights, &result.reach_by_offset);
        result.log_likelihood = log_intensity - background_total * self.period - triggered_total;
        result
    }

    /// ω maximising the expected complete log-likelihood given θ:
    /// P·ln ω − ω·D − θ·Σ_i kept_i·(1 − e^{−ω τ_i}), τ_i = min(T − t_i, cut-off), by safeguarded
    /// Newton on its derivative over ln ω in `OMEGA_RANGE`; never worse than `current`.
    pub(super) fn best_omega(
        &self,
        links: &Links,
        neighbourhood: &Neighbourhood,
        weights: &[f64],
        expectation: &Expectation,
        theta: f64,
        current: f64,
    ) -> f64 {
        let (offspring, delay) = (expectation.offspring, expectation.delay);
        if !(offspring > 0.0 && delay > 0.0) {
            return current;
        }
        let kept = self.kept_by_slot(neighbourhood, weights);
        // (time left, θ·kept) in increasing time left, the events beyond the cut-off as one.
        let mut terms: Vec<(f64, f64)> = links
            .recent
            .iter()
            .map(|&(left, slot)| (left, theta * kept[slot as usize]))
            .collect();
        let far: f64 = links
            .far_counts
            .iter()
            .zip(&kept)
            .map(|(&count, kept)| f64::from(count) * kept)
            .sum();
        terms.push((links.cutoff, theta * far));
        let mut weight_after = vec![0.0; terms.len() + 1];
        for index in (0..terms.len()).rev() {
            weight_after[index] = weight_after[index + 1] + terms[index].1;
        }
        let objective = |omega: f64| {
            let mut lost = 0.0;
            for (index, (left, weight)) in terms.iter().enumerate() {
                if omega * left > 40.0 {
                    // The rest have lost all but e^{−40} of their offspring's mass.
                    lost += weight_after[index];
                    break;
                }
                lost -= weight * (-omega * left).exp_m1();
            }
            offspring * omega.ln() - omega * delay - lost
        };
        // h(u) = ω·f'(ω) at ω = e^u, and dh/du.
        let slope = |log_omega: f64| {
            let omega = log_omega.exp();
            let (mut first, mut second) = (0.0, 0.0);
            for (left, weight) in &terms {
                if omega * left > 60.0 {
                    break;
                }
                let decay = weight * left * (-omega * left).exp();
                first += decay;
                second += decay * left;
            }
            let value = offspring - omega * delay - omega * first;
            let derivative = omega * (-delay - first + omega * second);
            (value, derivative)
        };
        let (mut low, mut high) = (OMEGA_RANGE.0.ln(), OMEGA_RANGE.1.ln());
        let candidate = if slope(high).0 >= 0.0 {
            high
        } else if slope(low).0 <= 0.0 {
            low
        } else {
            let mut guess = current.clamp(OMEGA_RANGE.0, OMEGA_RANGE.1).ln();
            for _ in 0..100 {
                let (value, derivative) = slope(guess);
                if value > 0.0 {
                    low = guess;
                } else {
                    high = guess;
                }
                let newton = guess - value / derivative;
                guess = if derivative < 0.0 && newton > low && newton < high {
                    newton
                } else {
                    (low + high) / 2.0
                };
                if high - low < 1e-12 || value.abs() < 1e-12 * offspring {
                    break;
                }
            }
            guess
        };
        let candidate = candidate.exp().clamp(OMEGA_RANGE.0, OMEGA_RANGE.1);
        if objective(candidate) >= objective(current) {
            candidate
        } else {
            current
        }
    }
}

/// For each cell with events and each neighbourhood offset whose source cell holds events, the
/// sources that may excite each of the cell's events: those in `(t − cut-off, t)`, as a range of
/// the (time-sorted) source cell. They depend on the times and the cut-off only, so they are
/// found once per fit, and each EM iteration reads them instead of merging the cells again.
pub(super) struct Links {
    cutoff: f64,
    /// Links of slot s: `links[starts[s]..starts[s + 1]]`.
    starts: Vec<usize>,
    links: Vec<Link>,
    /// (oldest, next) source indices per target event of each link.
    bounds: Vec<(u32, u32)>,
    /// (time left before the end of training, slot) of the events within the cut-off of it, in
    /// increasing time left.
    recent: Vec<(f64, u32)>,
    /// Per slot, how many events lie further than the cut-off from the end of training.
    far_counts: Vec<u32>,
}

struct Link {
    offset: u32,
    bounds: u32,
}

impl Links {
    pub(super) fn new(
        training: &Training,
        neighbourhood: &Neighbourhood,
        cutoff: f64,
    ) -> Result<Links, SeppError> {
        let mut total = 0usize;
        for slot in 0..training.cells.len() {
            for &(column_offset, row_offset) in &neighbourhood.offsets {
                if training
                    .neighbour_slot(slot, (-column_offset, -row_offset))
                    .is_some()
                {
                    total += training.count(slot);
                }
            }
        }
        if total > MAX_LINKS {
            return Err(SeppError::TooMuchWork {
                links: total,
                limit: MAX_LINKS,
            });
        }
        let mut links = Links {
            cutoff,
            starts: Vec::with_capacity(training.cells.len() + 1),
            links: Vec::new(),
            bounds: Vec::with_capacity(total),
            recent: Vec::new(),
            far_counts: vec![0; training.cells.len()],
        };
        for slot in 0..training.cells.len() {
            for time in &training.times[training.range(slot)] {
                let left = training.period - time;
                if left < cutoff {
                    links.recent.push((left, slot as u32));
                } else {
                    links.far_counts[slot] += 1;
                }
            }
        }
        links.recent.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        for slot in 0..training.cells.len() {
            links.starts.push(links.links.len());
            let targets = training.range(slot);
            for (offset, &(column_offset, row_offset)) in neighbourhood.offsets.iter().enumerate() {
                let Some(source) = training.neighbour_slot(slot, (-column_offset, -row_offset))
                else {
                    continue;
                };
                let sources = training.range(source);
                links.links.push(Link {
                    offset: offset as u32,
                    bounds: links.bounds.len() as u32,
                });
                let (mut oldest, mut next) = (sources.start, sources.start);
                for target in targets.clone() {
                    let time = training.times[target];
                    while next < sources.end && training.times[next] < time {
                        next += 1;
                    }
                    while oldest < next && training.times[oldest] <= time - cutoff {
                        oldest += 1;
                    }
                    links.bounds.push((oldest as u32, next as u32));
                }
            }
        }
        links.starts.push(links.links.len());
        Ok(links)
    }
}

/// Event times re-expressed so that the exponential sums need no exp per pair: time is cut into
/// epochs of length 500/ω, each event stores e^{±ω(t − epoch start)} (within f64 range), and
/// each cell keeps running sums that restart with every epoch. A sum over a range of sources is
/// then a difference of two running sums, taken over the target's epoch and the one before;
/// older sources, whose kernel is below e^{−500}, are dropped.
struct Timeline {
    epoch_length: f64,
    /// e^{−ω·epoch_length} = e^{−500}
    epoch_decay: f64,
    stamps: Vec<Stamp>,
}

/// One event's place on the timeline, kept together because a source range reads all of it.
#[derive(Clone, Copy)]
struct Stamp {
    /// Σ e^{ω·local} and Σ local·e^{ω·local} from the start of the event's run (same cell,
    /// same epoch) to the event, inclusive.
    running: (f64, f64),
    /// Days since the start of the event's epoch.
    local: f64,
    /// e^{−ω·local}
    shrink: f64,
    /// First index of the event's run.
    run_start: u32,
    epoch: u32,
}

impl Timeline {
    fn new(training: &Training, omega: f64) -> Timeline {
        let epoch_length = 500.0 / omega;
        let mut stamps: Vec<Stamp> = Vec::with_capacity(training.times.len());
        for slot in 0..training.cells.len() {
            let range = training.range(slot);
            for index in range.clone() {
                let time = training.times[index];
                let epoch = (time / epoch_length).floor().max(0.0);
                let local = time - epoch * epoch_length;
                let grow = (omega * local).exp();
                let epoch = epoch as u32;
                let (run_start, before) = match stamps.last() {
                    Some(previous) if index > range.start && previous.epoch == epoch => {
                        (previous.run_start, previous.running)
                    }
                    _ => (index as u32, (0.0, 0.0)),
                };
                stamps.push(Stamp {
                    running: (before.0 + grow, before.1 + local * grow),
                    local,
                    shrink: 1.0 / grow,
                    run_start,
                    epoch,
                });
            }
        }
        Timeline {
            epoch_length,
            epoch_decay: (-500.0f64).exp(),
            stamps,
        }
    }

    /// Σ over sources `oldest..=last` (one run) of (e^{ω·local}, local·e^{ω·local}).
    fn run_sum(&self, oldest: usize, last: &Stamp) -> (f64, f64) {
        let run_start = last.run_start as usize;
        let (sum, weighted) = last.running;
        if oldest > run_start {
            let (before, weighted_before) = self.stamps[oldest - 1].running;
            (sum - before, weighted - weighted_before)
        } else {
            (sum, weighted)
        }
    }

    /// For target event `target`: Σ_j e^{−ω(t − t_j)} and Σ_j (t − t_j)·e^{−ω(t − t_j)} over the
    /// sources `oldest..next` (all before it, within the cut-off).
    fn window_sum(&self, target: &Stamp, oldest: usize, next: usize) -> (f64, f64) {
        let last = &self.stamps[next - 1];
        let steps = target.epoch - last.epoch;
        if steps >= 2 {
            return (0.0, 0.0);
        }
        let (mut sum, mut weighted) = self.run_sum(oldest, last);
        if steps == 1 {
            // Into the target's epoch: e^{−500}, and local times shifted by one epoch.
            weighted = self.epoch_decay * (weighted - self.epoch_length * sum);
            sum *= self.epoch_decay;
        } else {
            let run_start = last.run_start as usize;
            if run_start > oldest {
                let previous = &self.stamps[run_start - 1];
                if target.epoch - previous.epoch == 1 {
                    let (part, part_weighted) = self.run_sum(oldest, previous);
                    sum += self.epoch_decay * part;
                    weighted += self.epoch_decay * (part_weighted - self.epoch_length * part);
                }
            }
        }
        (
            (sum * target.shrink).max(0.0),
            ((target.local * sum - weighted) * target.shrink).max(0.0),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lattice::{LatticeSpec, StudyArea};

    /// The log-likelihood by the definition, pair by pair.
    fn brute_force_log_likelihood(
        lattice: &Lattice,
        events: &[(usize, f64)],
        neighbourhood: &Neighbourhood,
        weights: &[f64],
        (background, parameters): (&[f64], &Parameters),
        (period, cutoff): (f64, f64),
    ) -> f64 {
        let (theta, omega) = (parameters.theta, parameters.omega);
        let mut value = -background.iter().sum::<f64>() * period;
        for &(cell, time) in events {
            let (column, row) = lattice.position(cell);
            let mut intensity = background[cell];
            for &(source, source_time) in events {
                let gap = time - source_time;
                if gap <= 0.0 || gap >= cutoff {
                    continue;
                }
                let (source_column, source_row) = lattice.position(source);
                let offset = (
                    column as i32 - source_column as i32,
                    row as i32 - source_row as i32,
                );
                if let Some(k) = neighbourhood.offsets.iter().position(|o| *o == offset) {
                    intensity += theta * omega * weights[k] * (-omega * gap).exp();
                }
            }
            value += intensity.ln();
            for (k, &(column_offset, row_offset)) in neighbourhood.offsets.iter().enumerate() {
                if offset_cell(lattice, column, row, column_offset, row_offset).is_some() {
                    let left = (period - time).min(cutoff);
                    value -= theta * weights[k] * (1.0 - (-omega * left).exp());
                }
            }
        }
        value
    }

    #[test]
    fn the_recursions_match_the_pairwise_likelihood_across_epochs_and_the_cutoff() {
        let area = StudyArea::BoundingBox {
            west: -122.35,
            south: 47.60,
            east: -122.345,
            north: 47.604,
        };
        let lattice = Lattice::new(&area, LatticeSpec::square(100.0)).unwrap();
        // A fixed pseudo-random sequence (no rand in the library's own tests).
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let period = 300.0;
        let events: Vec<Event> = (0..400)
            .map(|_| {
                let cell = (next() * lattice.len() as f64) as usize;
                let [x, y] = lattice.centre_xy(cell);
                Event {
                    xy: [x + 40.0 * (next() - 0.5), y + 40.0 * (next() - 0.5)],
                    day: if next() < 0.5 {
                        period * next()
                    } else {
                        // Bursts, so that short gaps and epoch crossings occur.
                        (next() * 10.0).floor() * 30.0 + next() * 0.5
                    },
                }
            })
            .collect();
        let window = Window {
            train_from: 0.0,
            until: period,
            horizon_days: 1.0,
        };
        let (training, _) = Training::new(&lattice, &events, window);
        let placed: Vec<(usize, f64)> = (0..training.cells.len())
            .flat_map(|slot| {
                let cell = training.cells[slot];
                training.times[training.range(slot)]
                    .iter()
                    .map(move |&time| (cell, time))
            })
            .collect();
        let neighbourhood = Neighbourhood::new(&lattice, 150.0).unwrap();
        assert_eq!(neighbourhood.len(), 9);
        let weights = neighbourhood.weights(Some(90.0));
        for (omega, cutoff) in [(0.3, 1000.0), (0.3, 20.0), (30.0, 20.0), (100.0, 50.0)] {
            let mut by_cell = vec![0.0; lattice.len()];
            for &cell in &training.cells {
                by_cell[cell] = 0.01 + 0.001 * cell as f64;
            }
            let parameters = Parameters {
                background: training.cells.iter().map(|&cell| by_cell[cell]).collect(),
                theta: 0.4,
                omega,
                sigma_m: Some(90.0),
            };
            let links = Links::new(&training, &neighbourhood, cutoff).unwrap();
            let reach = training.reach_by_offset(&links, &neighbourhood, omega);
            let expectation = training.expectation(&links, &weights, &parameters, reach, true);
            let expected = brute_force_log_likelihood(
                &lattice,
                &placed,
                &neighbourhood,
                &weights,
                (&by_cell, &parameters),
                (period, cutoff),
            );
            assert!(
                (expectation.log_likelihood - expected).abs() < 1e-9 * expected.abs(),
                "ω {omega} cut-off {cutoff}: {} against {expected}",
                expectation.log_likelihood
            );
            let pairs: f64 = expectation.pairs_by_offset.iter().sum();
            assert!((pairs - expectation.offspring).abs() < 1e-9 * pairs.max(1.0));
        }
    }
}
