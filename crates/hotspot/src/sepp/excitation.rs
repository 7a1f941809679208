//! The expectation step and the one-parameter maximisations of the lattice ETAS fit, kept apart
//! from the driver because this is where the time goes: per-cell exponential recursions cost
//! O(events × neighbourhood) per iteration, with multiplications only.

use std::ops::Range;

use super::{offset_cell, Parameters, SeppError, MAX_NEIGHBOURS, OMEGA_RANGE};
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
    fn reach_by_slot(&self, omega: f64, cutoff: f64) -> Vec<f64> {
        (0..self.cells.len())
            .map(|slot| {
                self.times[self.range(slot)]
                    .iter()
                    .map(|time| -(-omega * (self.period - time).min(cutoff)).exp_m1())
                    .sum()
            })
            .collect()
    }

    pub(super) fn reach_by_offset(
        &self,
        neighbourhood: &Neighbourhood,
        omega: f64,
        cutoff: f64,
    ) -> Vec<f64> {
        let by_slot = self.reach_by_slot(omega, cutoff);
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
        neighbourhood: &Neighbourhood,
        weights: &[f64],
        parameters: &Parameters,
        cutoff: f64,
    ) -> Expectation {
        let (theta, omega) = (parameters.theta, parameters.omega);
        let timeline = Timeline::new(&self.times, omega, self.period);
        let offsets = neighbourhood.len();
        let mut result = Expectation {
            log_likelihood: 0.0,
            background_share: vec![0.0; self.cells.len()],
            offspring: 0.0,
            delay: 0.0,
            pairs_by_offset: vec![0.0; offsets],
            reach_by_offset: self.reach_by_offset(neighbourhood, omega, cutoff),
        };
        let (mut sums, mut delays) = (Vec::new(), Vec::new());
        let (mut excitation, mut delay, mut by_offset) = (Vec::new(), Vec::new(), Vec::new());
        let mut log_intensity = 0.0;
        for (slot, &cell) in self.cells.iter().enumerate() {
            let targets = self.range(slot);
            let n = targets.len();
            excitation.clear();
            excitation.resize(n, 0.0);
            delay.clear();
            delay.resize(n, 0.0);
            by_offset.clear();
            by_offset.resize(n * offsets, 0.0);
            sums.resize(n, 0.0);
            delays.resize(n, 0.0);
            for (k, &(column_offset, row_offset)) in neighbourhood.offsets.iter().enumerate() {
                let Some(source) = self.neighbour_slot(slot, (-column_offset, -row_offset)) else {
                    continue;
                };
                timeline.excite(
                    &self.times,
                    targets.clone(),
                    self.range(source),
                    cutoff,
                    &mut sums[..n],
                    &mut delays[..n],
                );
                let weight = weights[k];
                for i in 0..n {
                    let contribution = weight * sums[i];
                    excitation[i] += contribution;
                    delay[i] += weight * delays[i];
                    by_offset[k * n + i] = contribution;
                }
            }
            let background = parameters.background[cell];
            let rate = theta * omega;
            for i in 0..n {
                let triggered = rate * excitation[i];
                let intensity = background + triggered;
                if intensity > 0.0 {
                    log_intensity += intensity.ln();
                    result.background_share[slot] += background / intensity;
                    result.offspring += triggered / intensity;
                    result.delay += rate * delay[i] / intensity;
                    for k in 0..offsets {
                        result.pairs_by_offset[k] += rate * by_offset[k * n + i] / intensity;
                    }
                } else {
                    // Only reachable when θ or μ is 0 here: the event cannot happen under these
                    // parameters; count it as background so that μ recovers.
                    log_intensity += f64::MIN_POSITIVE.ln();
                    result.background_share[slot] += 1.0;
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
        neighbourhood: &Neighbourhood,
        weights: &[f64],
        expectation: &Expectation,
        theta: f64,
        current: f64,
        cutoff: f64,
    ) -> f64 {
        let (offspring, delay) = (expectation.offspring, expectation.delay);
        if !(offspring > 0.0 && delay > 0.0) {
            return current;
        }
        let kept = self.kept_by_slot(neighbourhood, weights);
        let mut terms: Vec<(f64, f64)> = Vec::new();
        let mut far = 0.0;
        for (slot, weight) in kept.iter().enumerate() {
            for time in &self.times[self.range(slot)] {
                let left = self.period - time;
                if left < cutoff {
                    terms.push((left, theta * weight));
                } else {
                    far += theta * weight;
                }
            }
        }
        terms.push((cutoff, far));
        let objective = |omega: f64| {
            let lost: f64 = terms
                .iter()
                .map(|(left, weight)| -weight * (-omega * left).exp_m1())
                .sum();
            offspring * omega.ln() - omega * delay - lost
        };
        // h(u) = ω·f'(ω) at ω = e^u, and dh/du.
        let slope = |log_omega: f64| {
            let omega = log_omega.exp();
            let (mut first, mut second) = (0.0, 0.0);
            for (left, weight) in &terms {
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

/// Event times re-expressed so that the exponential recursions need no exp per step: time is cut
/// into epochs of length 500/ω, and each event stores e^{±ω(t − epoch start)}, which stays
/// within f64 range.
struct Timeline {
    epoch_length: f64,
    epoch: Vec<u32>,
    local: Vec<f64>,
    grow: Vec<f64>,
    shrink: Vec<f64>,
    /// decay[n] = e^{−ω·n·epoch_length}
    decay: Vec<f64>,
}

impl Timeline {
    fn new(times: &[f64], omega: f64, period: f64) -> Timeline {
        let epoch_length = 500.0 / omega;
        let epochs = (period / epoch_length).floor() as usize + 2;
        let mut timeline = Timeline {
            epoch_length,
            epoch: Vec::with_capacity(times.len()),
            local: Vec::with_capacity(times.len()),
            grow: Vec::with_capacity(times.len()),
            shrink: Vec::with_capacity(times.len()),
            decay: (0..epochs)
                .map(|n| (-omega * epoch_length * n as f64).exp())
                .collect(),
        };
        for &time in times {
            let epoch = (time / epoch_length).floor().max(0.0);
            let local = time - epoch * epoch_length;
            let grow = (omega * local).exp();
            timeline.epoch.push(epoch as u32);
            timeline.local.push(local);
            timeline.grow.push(grow);
            timeline.shrink.push(1.0 / grow);
        }
        timeline
    }

    /// For each target event i (in time order): Σ_j e^{−ω(t_i − t_j)} and
    /// Σ_j (t_i − t_j)·e^{−ω(t_i − t_j)} over the sources j with t_i − cut-off < t_j < t_i.
    /// Sources enter the running sums as time passes and leave them (subtracted) once older than
    /// the cut-off; when none is left the sums restart at 0, so no rounding residue accumulates.
    fn excite(
        &self,
        times: &[f64],
        targets: Range<usize>,
        sources: Range<usize>,
        cutoff: f64,
        sums: &mut [f64],
        delays: &mut [f64],
    ) {
        let (mut frame, mut sum, mut weighted) = (0u32, 0.0f64, 0.0f64);
        let (mut oldest, mut next) = (sources.start, sources.start);
        let mut move_to = |epoch: u32, sum: &mut f64, weighted: &mut f64| {
            if epoch > frame {
                let steps = (epoch - frame) as usize;
                let factor = self.decay.get(steps).copied().unwrap_or(0.0);
                let shift = steps as f64 * self.epoch_length;
                *weighted = factor * (*weighted - shift * *sum);
                *sum *= factor;
                frame = epoch;
            }
        };
        for (slot, target) in targets.enumerate() {
            let time = times[target];
            while next < sources.end && times[next] < time {
                move_to(self.epoch[next], &mut sum, &mut weighted);
                sum += self.grow[next];
                weighted += self.local[next] * self.grow[next];
                next += 1;
            }
            move_to(self.epoch[target], &mut sum, &mut weighted);
            let frame_now = self.epoch[target];
            while oldest < next && times[oldest] <= time - cutoff {
                let steps = (frame_now - self.epoch[oldest]) as usize;
                let factor = self.decay.get(steps).copied().unwrap_or(0.0);
                let value = self.grow[oldest] * factor;
                sum -= value;
                weighted -= (self.local[oldest] - steps as f64 * self.epoch_length) * value;
                oldest += 1;
            }
            if oldest == next {
                sum = 0.0;
                weighted = 0.0;
            }
            let shrink = self.shrink[target];
            sums[slot] = (sum * shrink).max(0.0);
            delays[slot] = ((self.local[target] * sum - weighted) * shrink).max(0.0);
        }
    }
}
