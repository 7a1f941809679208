//! The hotspot models every forecast can use, each a `forecast::Model`: the naive counts that
//! every evaluation holds the others against, kernel density with time decay, prospective
//! hot-spotting, and a weighted combination of any models (the self-exciting one included).

use crate::forecast::{Event, Model, Window};
use crate::lattice::Lattice;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error("{name} = {value} is not usable: give a finite number in {low}..={high}")]
    OutOfRange {
        name: &'static str,
        value: f64,
        low: f64,
        high: f64,
    },
    #[error("a combined model needs at least one model with a weight above 0 (weights must be finite and not negative); got {0} models")]
    NoWeight(usize),
}

fn check(name: &'static str, value: f64, low: f64, high: f64) -> Result<f64, ModelError> {
    if value.is_finite() && (low..=high).contains(&value) {
        Ok(value)
    } else {
        Err(ModelError::OutOfRange {
            name,
            value,
            low,
            high,
        })
    }
}

/// The events a model may read in a window: `[train_from, until)`, by binary search on the
/// day-sorted slice.
pub fn training_events(events: &[Event], window: Window) -> &[Event] {
    let first = events.partition_point(|event| event.day < window.train_from);
    let end = events.partition_point(|event| event.day < window.until);
    &events[first..end.max(first)]
}

fn usable(event: &Event) -> bool {
    event.xy[0].is_finite() && event.xy[1].is_finite() && event.day.is_finite()
}

/// Where events sit in a lattice's own frame, in cell units, with whole numbers at cell centres:
/// lets a model visit the cells near an event without the lattice's private fields.
struct CellFrame {
    centre0: [f64; 2],
    cos: f64,
    sin: f64,
    cell_metres: f64,
}

impl CellFrame {
    fn new(lattice: &Lattice) -> CellFrame {
        let (sin, cos) = lattice.spec.rotation_degrees.to_radians().sin_cos();
        CellFrame {
            centre0: lattice.centre_xy(0),
            cos,
            sin,
            cell_metres: lattice.spec.cell_metres,
        }
    }

    /// (column, row) as real numbers: (2.0, 3.0) is the centre of cell (2, 3).
    fn position(&self, [x, y]: [f64; 2]) -> [f64; 2] {
        let (dx, dy) = (x - self.centre0[0], y - self.centre0[1]);
        [
            (dx * self.cos + dy * self.sin) / self.cell_metres,
            (-dx * self.sin + dy * self.cos) / self.cell_metres,
        ]
    }
}

/// A parameter rounded to 0.1 for names: `114.3`, not `114.30000000000001`.
fn tenths(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// The whole-number range of columns (or rows) within `radius` of `centre`, clipped to `0..count`.
fn span(centre: f64, radius: f64, count: usize) -> std::ops::Range<usize> {
    let low = (centre - radius).ceil().max(0.0);
    let high = (centre + radius).floor() + 1.0;
    let high = high.min(count as f64);
    if high <= low {
        0..0
    } else {
        low as usize..high as usize
    }
}

/// Counts of past calls per cell: over the whole training period or the last `since_days`
/// before the forecast period (the baselines every evaluation includes), or every call weighted
/// 2^(-age / half-life) (a kernel of zero width, for auto to try).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NaiveCounts {
    since_days: Option<f64>,
    half_life_days: Option<f64>,
}

/// The recent-count baseline's look-back.
pub const RECENT_DAYS: f64 = 14.0;

impl NaiveCounts {
    pub fn all_history() -> NaiveCounts {
        NaiveCounts {
            since_days: None,
            half_life_days: None,
        }
    }

    /// Counts over the last `days` (1..=3650) before the forecast period.
    pub fn recent(days: f64) -> Result<NaiveCounts, ModelError> {
        Ok(NaiveCounts {
            since_days: Some(check("naive look-back days", days, 1.0, 3650.0)?),
            half_life_days: None,
        })
    }

    /// Counts over the whole training period, a call `half_life_days` (0.1..=36500) older
    /// weighing half as much.
    pub fn decayed(half_life_days: f64) -> Result<NaiveCounts, ModelError> {
        Ok(NaiveCounts {
            since_days: None,
            half_life_days: Some(check(
                "naive half-life (days)",
                half_life_days,
                0.1,
                36_500.0,
            )?),
        })
    }

    pub fn since_days(&self) -> Option<f64> {
        self.since_days
    }

    pub fn half_life_days(&self) -> Option<f64> {
        self.half_life_days
    }
}

impl Model for NaiveCounts {
    fn name(&self) -> String {
        match (self.since_days, self.half_life_days) {
            (Some(days), _) => format!("naive-{}d", tenths(days)),
            (None, Some(half_life)) => format!("naive-halflife-{}d", tenths(half_life)),
            (None, None) => "naive".to_string(),
        }
    }

    fn score(&self, lattice: &Lattice, events: &[Event], window: Window) -> Vec<f64> {
        let window = match self.since_days {
            None => window,
            Some(days) => Window {
                train_from: window.train_from.max(window.until - days),
                ..window
            },
        };
        let mut counts = vec![0.0; lattice.len()];
        for event in training_events(events, window).iter().filter(|e| usable(e)) {
            if let Some(cell) = lattice.cell_of_xy(event.xy) {
                counts[cell] += self.half_life_days.map_or(1.0, |half_life| {
                    (-(window.until - event.day) / half_life).exp2()
                });
            }
        }
        counts
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// exp(-d² / 2σ²) with σ the bandwidth, cut at 3σ (which drops 1.1 % of its mass).
    Gaussian,
    /// (1 - d²/h²)² within h, the bandwidth (the quartic or biweight kernel).
    Quartic,
}

/// Kernel density of past calls at each cell centre, each call weighted by
/// 2^(-age / half-life) with its age counted back from the start of the forecast period.
/// Scores are densities times the cell area: expected (decay-weighted) calls per cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kde {
    bandwidth_m: f64,
    kernel: Kernel,
    half_life_days: Option<f64>,
}

impl Kde {
    /// `bandwidth_m` in 1..=5000 m; `half_life_days` in 0.1..=36500 or none (no decay).
    pub fn new(
        bandwidth_m: f64,
        kernel: Kernel,
        half_life_days: Option<f64>,
    ) -> Result<Kde, ModelError> {
        let bandwidth_m = check("KDE bandwidth (metres)", bandwidth_m, 1.0, 5000.0)?;
        let half_life_days = half_life_days
            .map(|days| check("KDE half-life (days)", days, 0.1, 36_500.0))
            .transpose()?;
        Ok(Kde {
            bandwidth_m,
            kernel,
            half_life_days,
        })
    }

    pub fn bandwidth_m(&self) -> f64 {
        self.bandwidth_m
    }

    pub fn half_life_days(&self) -> Option<f64> {
        self.half_life_days
    }

    /// How many cells each call touches on a lattice of `cell_metres` (π r², r the kernel's reach
    /// in cells): scoring costs about this many additions per call, so a caller should refuse
    /// settings where it is large (a 5 km Gaussian on 10 m cells touches 7 million).
    pub fn cells_per_call(&self, cell_metres: f64) -> f64 {
        let reach = match self.kernel {
            Kernel::Gaussian => 3.0 * self.bandwidth_m,
            Kernel::Quartic => self.bandwidth_m,
        } / cell_metres;
        std::f64::consts::PI * reach * reach
    }

    /// The weight of a call `age_days` old: 1 without decay, 1/2 at one half-life.
    pub fn decay(&self, age_days: f64) -> f64 {
        self.half_life_days
            .map_or(1.0, |half_life| (-age_days / half_life).exp2())
    }
}

impl Model for Kde {
    fn name(&self) -> String {
        let kernel = match self.kernel {
            Kernel::Gaussian => "gaussian",
            Kernel::Quartic => "quartic",
        };
        match self.half_life_days {
            None => format!("kde-{kernel}-{}m", tenths(self.bandwidth_m)),
            Some(days) => format!(
                "kde-{kernel}-{}m-{}d",
                tenths(self.bandwidth_m),
                tenths(days)
            ),
        }
    }

    fn score(&self, lattice: &Lattice, events: &[Event], window: Window) -> Vec<f64> {
        let frame = CellFrame::new(lattice);
        let cell_metres = lattice.spec.cell_metres;
        let cell_m2 = cell_metres * cell_metres;
        let (radius_m, normaliser) = match self.kernel {
            Kernel::Gaussian => {
                let sigma = self.bandwidth_m;
                (
                    3.0 * sigma,
                    cell_m2 / (2.0 * std::f64::consts::PI * sigma * sigma),
                )
            }
            Kernel::Quartic => {
                let h = self.bandwidth_m;
                (h, cell_m2 * 3.0 / (std::f64::consts::PI * h * h))
            }
        };
        let radius = radius_m / cell_metres;
        let radius2 = radius * radius;
        let mut scores = vec![0.0; lattice.len()];
        // Per-event factors of the separable Gaussian, reused across the event's cells.
        let mut column_factor = Vec::new();
        let mut row_factor = Vec::new();
        let inverse_two_sigma2 = cell_m2 / (2.0 * self.bandwidth_m * self.bandwidth_m);
        // Visiting events row by row keeps the cells they touch in cache: a year of calls in
        // time order jumps across the city and runs several times slower.
        let mut placed: Vec<(u64, f64, f64, f64)> = training_events(events, window)
            .iter()
            .filter(|e| usable(e))
            .map(|event| {
                let [u, v] = frame.position(event.xy);
                let key = (v.clamp(0.0, u32::MAX as f64) as u64) << 32
                    | u.clamp(0.0, u32::MAX as f64) as u64;
                (key, u, v, normaliser * self.decay(window.until - event.day))
            })
            .collect();
        placed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        for (_, u, v, weight) in placed {
            let columns = span(u, radius, lattice.columns);
            let rows = span(v, radius, lattice.rows);
            if columns.is_empty() || rows.is_empty() {
                continue;
            }
            match self.kernel {
                Kernel::Gaussian => {
                    column_factor.clear();
                    column_factor.extend(columns.clone().map(|column| {
                        let du = column as f64 - u;
                        (-du * du * inverse_two_sigma2).exp()
                    }));
                    row_factor.clear();
                    row_factor.extend(rows.clone().map(|row| {
                        let dv = row as f64 - v;
                        (-dv * dv * inverse_two_sigma2).exp()
                    }));
                    for (row, row_weight) in rows.clone().zip(&row_factor) {
                        let dv = row as f64 - v;
                        let dv2 = dv * dv;
                        let base = row * lattice.columns;
                        let row_weight = weight * row_weight;
                        for (column, column_weight) in columns.clone().zip(&column_factor) {
                            let du = column as f64 - u;
                            if du * du + dv2 <= radius2 {
                                scores[base + column] += row_weight * column_weight;
                            }
                        }
                    }
                }
                Kernel::Quartic => {
                    for row in rows.clone() {
                        let dv = row as f64 - v;
                        let base = row * lattice.columns;
                        for column in columns.clone() {
                            let du = column as f64 - u;
                            let d2 = (du * du + dv * dv) / radius2;
                            if d2 < 1.0 {
                                let k = 1.0 - d2;
                                scores[base + column] += weight * k * k;
                            }
                        }
                    }
                }
            }
        }
        scores
    }
}

/// Prospective hot-spotting (Bowers, Johnson & Pease 2004, "Prospective hot-spotting: the future
/// of crime mapping?", British Journal of Criminology 44(5), 641-658). The risk of cell i is
///
/// risk(i) = Σ over calls j with d_ij ≤ B_s and t_j < B_t of 1/(1 + d_ij) × 1/(1 + t_j)
///
/// where d_ij is the distance from the centre of cell i to the centre of the cell holding call j,
/// in cell widths (Euclidean, so 0 for the call's own cell and 1 for its edge neighbours), B_s is
/// the spatial bandwidth in cells (`bandwidth_m` / cell size), t_j the call's age in whole weeks
/// before the forecast period (0 for the last seven days) and B_t the bandwidth in weeks. The
/// paper used 50 m cells, 400 m and two months for burglary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prospective {
    bandwidth_m: f64,
    bandwidth_weeks: f64,
}

impl Prospective {
    /// `bandwidth_m` in 1..=5000 m; `bandwidth_weeks` in 1..=520 (whole weeks counted).
    pub fn new(bandwidth_m: f64, bandwidth_weeks: f64) -> Result<Prospective, ModelError> {
        Ok(Prospective {
            bandwidth_m: check("prospective bandwidth (metres)", bandwidth_m, 1.0, 5000.0)?,
            bandwidth_weeks: check("prospective bandwidth (weeks)", bandwidth_weeks, 1.0, 520.0)?,
        })
    }

    /// How many cells each recent call touches on a lattice of `cell_metres` (see
    /// `Kde::cells_per_call`).
    pub fn cells_per_call(&self, cell_metres: f64) -> f64 {
        let reach = self.bandwidth_m / cell_metres;
        std::f64::consts::PI * reach * reach
    }
}

impl Model for Prospective {
    fn name(&self) -> String {
        format!(
            "prospective-{}m-{}w",
            tenths(self.bandwidth_m),
            tenths(self.bandwidth_weeks)
        )
    }

    fn score(&self, lattice: &Lattice, events: &[Event], window: Window) -> Vec<f64> {
        let frame = CellFrame::new(lattice);
        let bandwidth_cells = self.bandwidth_m / lattice.spec.cell_metres;
        let recent = Window {
            train_from: window
                .train_from
                .max(window.until - 7.0 * self.bandwidth_weeks),
            ..window
        };
        let mut scores = vec![0.0; lattice.len()];
        for event in training_events(events, recent).iter().filter(|e| usable(e)) {
            let weeks = ((window.until - event.day) / 7.0).floor().max(0.0);
            if weeks >= self.bandwidth_weeks {
                continue;
            }
            let time_weight = 1.0 / (1.0 + weeks);
            let [u, v] = frame.position(event.xy);
            let (u, v) = (u.round(), v.round());
            for row in span(v, bandwidth_cells, lattice.rows) {
                let dv = row as f64 - v;
                let base = row * lattice.columns;
                for column in span(u, bandwidth_cells, lattice.columns) {
                    let du = column as f64 - u;
                    let distance = (du * du + dv * dv).sqrt();
                    if distance <= bandwidth_cells {
                        scores[base + column] += time_weight / (1.0 + distance);
                    }
                }
            }
        }
        scores
    }
}

/// A weighted sum of models, each model's scores first scaled to sum 1 over the study area's
/// cells (a model that scores every inside cell 0 adds nothing).
pub struct Combined {
    models: Vec<(Box<dyn Model>, f64)>,
}

impl Combined {
    /// Weights must be finite and not negative, and at least one above 0; they are used as given
    /// (not rescaled), which changes no ranking.
    pub fn new(models: Vec<(Box<dyn Model>, f64)>) -> Result<Combined, ModelError> {
        let valid = models
            .iter()
            .all(|(_, weight)| weight.is_finite() && *weight >= 0.0);
        if !valid || !models.iter().any(|(_, weight)| *weight > 0.0) {
            return Err(ModelError::NoWeight(models.len()));
        }
        Ok(Combined { models })
    }

    pub fn models(&self) -> &[(Box<dyn Model>, f64)] {
        &self.models
    }
}

/// Scales scores so that the inside cells sum to 1; outside cells become 0. All-zero (or
/// non-finite) scores stay 0.
pub fn normalise_inside(lattice: &Lattice, scores: &mut [f64]) {
    let mut total = 0.0;
    for (score, inside) in scores.iter_mut().zip(&lattice.inside) {
        if !*inside || !score.is_finite() || *score < 0.0 {
            *score = 0.0;
        }
        total += *score;
    }
    let scale = if total > 0.0 { 1.0 / total } else { 0.0 };
    scores.iter_mut().for_each(|score| *score *= scale);
}

impl Model for Combined {
    fn name(&self) -> String {
        let parts: Vec<String> = self
            .models
            .iter()
            .map(|(model, weight)| format!("{weight}×{}", model.name()))
            .collect();
        format!("combined({})", parts.join(" + "))
    }

    fn score(&self, lattice: &Lattice, events: &[Event], window: Window) -> Vec<f64> {
        let mut total = vec![0.0; lattice.len()];
        for (model, weight) in &self.models {
            if *weight == 0.0 {
                continue;
            }
            let mut scores = model.score(lattice, events, window);
            scores.resize(lattice.len(), 0.0);
            normalise_inside(lattice, &mut scores);
            for (sum, score) in total.iter_mut().zip(&scores) {
                *sum += weight * score;
            }
        }
        total
    }
}
