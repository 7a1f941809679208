//! A self-exciting point process on the lattice (the lattice ETAS of Mohler 2014 and Mohler et
//! al. 2015, the model behind PredPol): calls raise the chance of more calls nearby for a few
//! days. Fitted by expectation–maximisation, it forecasts each cell's expected calls.
//!
//! Intensity in cell c at time t: λ_c(t) = μ_c + Σ_{t_i < t} θ ω e^{−ω(t − t_i)} g(c − c_i).
//! - Time: the kernel is cut off at `time_cutoff_days` (pairs further apart do not excite each
//!   other; the compensator and the forecast use the same truncated kernel). Each event's
//!   exciting sources are found once per fit as a range of its neighbour cell's time-sorted
//!   events; every iteration sums a range from running sums (difference of prefix sums within
//!   epochs of 500/ω days), so no restart or subtraction drifts. Kernel terms below e^{−500} are
//!   dropped.
//! - Space: g is a Gaussian of the distance between cell centres, over the cells within
//!   `space_cutoff_m`, normalised to sum 1 over that neighbourhood; σ is fitted by EM unless
//!   given. A cut-off below one cell is the original same-cell-only model (g = 1). Offspring
//!   that would land outside the study area are lost, and the compensator says so.
//! - Background: μ_c per cell by EM. For the forecast it may be smoothed over cells
//!   (`background_bandwidth_m`), so that an empty cell near busy ones is not zero. Smoothing is
//!   applied once, to the fitted μ, not inside the EM: smoothed at every update, the background
//!   could not hold sharp hotspots and slow self-excitation took them over (Seattle 2015,
//!   Jan–Nov, 76.2 m cells, 150 m bandwidth: θ went to its bound 0.99 and ω to 0.015/day).
//! - Iteration: ECM updates (μ, θ, ω, σ in turn, each a conditional maximum, with the edge
//!   correction 1 − e^{−ω(T − t_i)} in θ's and ω's), accelerated by SQUAREM jumps that are kept
//!   only when they raise the likelihood; so the log-likelihood never falls.
//!   ω stays in `OMEGA_RANGE`, θ in [0, `THETA_MAX`].

mod excitation;
mod smoothing;

use crate::forecast::{Event, Model, Window};
use crate::lattice::{Lattice, LatticeSpec};
use excitation::{Links, Neighbourhood, Training};

/// Settings of a fit. `Default` gives the values the forecasts use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeppConfig {
    /// Upper bound on E-steps after the first (1..=`MAX_ITERATIONS`).
    pub max_iterations: usize,
    /// Stop when an update changes the log-likelihood by less than this fraction of it.
    pub tolerance: f64,
    /// Events further apart in time than this do not excite each other (days, above 0).
    pub time_cutoff_days: f64,
    /// Offspring land on cells whose centres lie within this distance of the parent's cell
    /// centre (metres, 0 or more; below one cell: the parent's cell only).
    pub space_cutoff_m: f64,
    /// Width of the Gaussian spread over neighbouring cells; `None` fits it by EM.
    pub spatial_sigma_m: Option<f64>,
    /// Gaussian smoothing of the fitted background over cells for the forecast, so that an
    /// empty cell near busy ones is not zero (mass-preserving within the study area); `None`
    /// forecasts with the per-cell EM estimate.
    pub background_bandwidth_m: Option<f64>,
}

impl Default for SeppConfig {
    fn default() -> SeppConfig {
        SeppConfig {
            max_iterations: 200,
            tolerance: 1e-6,
            time_cutoff_days: 90.0,
            space_cutoff_m: 200.0,
            spatial_sigma_m: None,
            background_bandwidth_m: None,
        }
    }
}

/// The longest training period (a century, in days): bounds the epochs of the recursions.
pub const MAX_TRAINING_DAYS: f64 = 36_525.0;
/// The most E-steps one fit may run: bounds the work a request can cause.
pub const MAX_ITERATIONS: usize = 10_000;
/// The most cells one neighbourhood may hold (a radius of about 11 cells).
pub const MAX_NEIGHBOURS: usize = 400;
/// The most (event, neighbouring cell with events) pairs one fit may link: bounds its memory
/// (8 bytes each) and the work of each iteration.
pub const MAX_LINKS: usize = 30_000_000;
/// The widest background smoothing, in cells either side (three bandwidths).
pub const MAX_SMOOTHING_CELLS: usize = 50;
/// Bounds of the decay rate ω, per day: a year at the slowest, a quarter of an hour at the
/// fastest.
pub const OMEGA_RANGE: (f64, f64) = (1.0 / 365.0, 100.0);
/// Upper bound of θ, the mean number of offspring per event: below 1 keeps the process stable.
pub const THETA_MAX: f64 = 0.99;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SeppError {
    #[error("max_iterations {0} is not usable: give between 1 and {MAX_ITERATIONS}")]
    MaxIterations(usize),
    #[error("tolerance {0} is not usable: give a finite relative change of the log-likelihood above 0, such as 1e-6")]
    Tolerance(f64),
    #[error(
        "time_cutoff_days {0} is not usable: give a finite number of days above 0, such as 90"
    )]
    TimeCutoff(f64),
    #[error("space_cutoff_m {0} is not usable: give finite metres, 0 or more (0 keeps offspring in their parent's cell)")]
    SpaceCutoff(f64),
    #[error("spatial_sigma_m {0} is not usable: give finite metres, 1 or more, or none to fit it")]
    SpatialSigma(f64),
    #[error("background_bandwidth_m {0} is not usable: give finite metres, 1 or more, or none for no smoothing")]
    BackgroundBandwidth(f64),
    #[error("space_cutoff_m {space_cutoff_m} on {cell_metres} m cells reaches {neighbours} cells, more than the limit of {limit}; give a smaller cut-off or larger cells")]
    NeighbourhoodTooLarge {
        space_cutoff_m: f64,
        cell_metres: f64,
        neighbours: f64,
        limit: usize,
    },
    #[error("the training events and their neighbouring cells make {links} links to follow per iteration, more than the limit of {limit}; give a smaller space_cutoff_m, larger cells or a shorter training window")]
    TooMuchWork { links: usize, limit: usize },
    #[error("background_bandwidth_m {bandwidth_m} on {cell_metres} m cells smooths over {cells} cells either side, more than the limit of {limit}; give a narrower bandwidth or larger cells")]
    BackgroundTooWide {
        bandwidth_m: f64,
        cell_metres: f64,
        cells: f64,
        limit: usize,
    },
    #[error("window from day {train_from} until day {until} with a horizon of {horizon_days} days is not usable: give finite days with train_from before until, at most {MAX_TRAINING_DAYS} days apart, and a horizon above 0")]
    Window {
        train_from: f64,
        until: f64,
        horizon_days: f64,
    },
    #[error("no training events: none of the {events} events lies in days [{train_from}, {until}) on a cell of the study area ({outside} in the window fell outside it); widen the window or check the events' coordinates")]
    NoTrainingEvents {
        events: usize,
        outside: usize,
        train_from: f64,
        until: f64,
    },
    #[error("the fit was made on a {fitted_columns}×{fitted_rows} lattice laid as {fitted_spec:?}, not on this {columns}×{rows} lattice laid as {spec:?}; fit again on this lattice")]
    LatticeMismatch {
        fitted_columns: usize,
        fitted_rows: usize,
        fitted_spec: LatticeSpec,
        columns: usize,
        rows: usize,
        spec: LatticeSpec,
    },
}

impl SeppConfig {
    /// Checks every setting; the errors name the one at fault.
    pub fn validate(&self) -> Result<(), SeppError> {
        if !(1..=MAX_ITERATIONS).contains(&self.max_iterations) {
            return Err(SeppError::MaxIterations(self.max_iterations));
        }
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(SeppError::Tolerance(self.tolerance));
        }
        if !(self.time_cutoff_days.is_finite() && self.time_cutoff_days > 0.0) {
            return Err(SeppError::TimeCutoff(self.time_cutoff_days));
        }
        if !(self.space_cutoff_m.is_finite() && self.space_cutoff_m >= 0.0) {
            return Err(SeppError::SpaceCutoff(self.space_cutoff_m));
        }
        if let Some(sigma) = self.spatial_sigma_m {
            if !(sigma.is_finite() && sigma >= 1.0) {
                return Err(SeppError::SpatialSigma(sigma));
            }
        }
        if let Some(bandwidth) = self.background_bandwidth_m {
            if !(bandwidth.is_finite() && bandwidth >= 1.0) {
                return Err(SeppError::BackgroundBandwidth(bandwidth));
            }
        }
        Ok(())
    }
}

/// One cell of the triggering neighbourhood: offsets along the lattice's columns and rows from
/// the parent's cell, and the share of offspring landing there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeighbourWeight {
    pub column_offset: i32,
    pub row_offset: i32,
    pub weight: f64,
}

/// A fitted model, open to inspection.
#[derive(Debug, Clone, PartialEq)]
pub struct SeppFit {
    /// Background rate μ per cell per day, one per cell of the lattice (0 outside the study
    /// area), as EM estimated it.
    pub background: Vec<f64>,
    /// `background` smoothed with `background_bandwidth_m`, when set; the forecast uses it.
    pub smoothed_background: Option<Vec<f64>>,
    /// Weight of the triggering kernel θ·ω·e^{−ωτ}, in [0, `THETA_MAX`]: an event's expected
    /// number of offspring (the branching ratio) is θ·(1 − e^{−ω·cut-off}), θ itself when the
    /// cut-off is long against 1/ω.
    pub theta: f64,
    /// Decay rate of the triggering kernel, per day, in `OMEGA_RANGE`.
    pub omega: f64,
    /// Width of the Gaussian spread over cells; `None` when the neighbourhood is the cell alone.
    pub sigma_m: Option<f64>,
    /// The spatial kernel g over the neighbourhood (weights sum to 1).
    pub neighbours: Vec<NeighbourWeight>,
    pub time_cutoff_days: f64,
    /// E-steps run after the first: EM updates and accelerating jumps, kept or not (at most
    /// `max_iterations`).
    pub iterations: usize,
    /// Log-likelihood of the returned parameters on the training events.
    pub log_likelihood: f64,
    /// Log-likelihood at the start and after each kept update or jump (at most
    /// `iterations + 1` values).
    pub log_likelihood_trace: Vec<f64>,
    /// Whether the last update changed the log-likelihood by less than the tolerance.
    pub converged: bool,
    /// Training events fitted: in the window and on a cell of the study area.
    pub events_used: usize,
    /// Training events in the window that fell off the lattice or on a cell outside the study
    /// area; ignored.
    pub events_outside: usize,
    columns: usize,
    rows: usize,
    spec: LatticeSpec,
}

/// The current parameters of the EM iteration.
#[derive(Debug, Clone)]
struct Parameters {
    /// μ of the cells with events, by slot (the others' EM estimate is 0).
    background: Vec<f64>,
    theta: f64,
    omega: f64,
    sigma_m: Option<f64>,
}

/// Fits the model on the events of `[window.train_from, window.until)` that fall on cells of the
/// study area. An empty training set is an error (`NoTrainingEvents`), not an all-zero fit.
pub fn fit(
    lattice: &Lattice,
    events: &[Event],
    window: Window,
    config: SeppConfig,
) -> Result<SeppFit, SeppError> {
    config.validate()?;
    validate_window(window)?;
    let cell_metres = lattice.spec.cell_metres;
    let neighbourhood = Neighbourhood::new(lattice, config.space_cutoff_m)?;
    let smoother = config
        .background_bandwidth_m
        .map(|bandwidth| smoothing::Smoother::new(lattice, bandwidth))
        .transpose()?;
    let (training, outside) = Training::new(lattice, events, window);
    if training.is_empty() {
        return Err(SeppError::NoTrainingEvents {
            events: events.len(),
            outside,
            train_from: window.train_from,
            until: window.until,
        });
    }
    let period = window.until - window.train_from;
    let sigma_fitted = config.spatial_sigma_m.is_none() && neighbourhood.len() > 1;
    let sigma_range = (
        cell_metres / 4.0,
        2.0 * config.space_cutoff_m.max(cell_metres),
    );
    let initial_sigma = (neighbourhood.len() > 1).then(|| {
        config
            .spatial_sigma_m
            .unwrap_or((config.space_cutoff_m / 2.0).clamp(sigma_range.0, sigma_range.1))
    });

    let background = (0..training.cells.len())
        .map(|slot| training.count(slot) as f64 / (2.0 * period))
        .collect();
    let initial = Parameters {
        background,
        theta: 0.5,
        omega: 0.1,
        sigma_m: initial_sigma,
    };
    let links = Links::new(&training, &neighbourhood, config.time_cutoff_days)?;
    let evaluate = |parameters: Parameters| {
        let weights = neighbourhood.weights(parameters.sigma_m);
        let reach = training.reach_by_offset(&links, &neighbourhood, parameters.omega);
        let expectation = training.expectation(&links, &weights, &parameters, reach, sigma_fitted);
        State {
            parameters,
            weights,
            expectation,
        }
    };
    // Conditional maximisation, one parameter group at a time (ECM): μ, then θ given ω and σ,
    // then ω given θ, then σ given θ and ω; each step raises the expected complete
    // log-likelihood, so the likelihood never falls.
    let maximise = |state: &State| {
        let expectation = &state.expectation;
        let background = expectation
            .background_share
            .iter()
            .map(|share| share / period)
            .collect();
        let reach = dot(&state.weights, &expectation.reach_by_offset);
        let theta = if reach > 0.0 {
            (expectation.offspring / reach).clamp(0.0, THETA_MAX)
        } else {
            0.0
        };
        let omega = training.best_omega(
            &links,
            &neighbourhood,
            &state.weights,
            expectation,
            theta,
            state.parameters.omega,
        );
        let mut sigma_m = state.parameters.sigma_m;
        if sigma_fitted {
            let reach_by_offset = training.reach_by_offset(&links, &neighbourhood, omega);
            sigma_m = sigma_m.map(|sigma| {
                neighbourhood.best_sigma(
                    &expectation.pairs_by_offset,
                    &reach_by_offset,
                    theta,
                    sigma,
                    sigma_range,
                )
            });
        }
        Parameters {
            background,
            theta,
            omega,
            sigma_m,
        }
    };
    let close = |previous: f64, next: f64| {
        (next - previous).abs() <= config.tolerance * next.abs().max(1.0)
    };

    // SQUAREM (Varadhan & Roland 2008): two EM updates, then a step along their direction
    // (`extrapolate`), kept only if it beats the second update, so the likelihood still never
    // falls. EM alone creeps along the trade-off between background and offspring.
    let mut state = evaluate(initial);
    let mut trace = vec![state.expectation.log_likelihood];
    let mut converged = false;
    let mut iterations = 0;
    while iterations < config.max_iterations {
        let start = state.parameters.clone();
        let start_log_likelihood = state.expectation.log_likelihood;
        let mut updates = Vec::with_capacity(2);
        while updates.len() < 2 && iterations < config.max_iterations {
            state = evaluate(maximise(&state));
            iterations += 1;
            trace.push(state.expectation.log_likelihood);
            updates.push(state.parameters.clone());
        }
        if let (Some(jump), true) = (
            extrapolate(
                &start,
                &updates[0],
                &updates[updates.len() - 1],
                sigma_range,
            ),
            updates.len() == 2 && iterations < config.max_iterations,
        ) {
            let jumped = evaluate(jump);
            iterations += 1;
            let gain = jumped.expectation.log_likelihood;
            if gain.is_finite() && gain >= state.expectation.log_likelihood {
                trace.push(gain);
                state = jumped;
            }
        }
        // Judged over a whole cycle: a single EM update can change little far from the optimum.
        if close(start_log_likelihood, state.expectation.log_likelihood) {
            converged = true;
            break;
        }
    }
    let State {
        parameters,
        weights,
        expectation,
    } = state;
    let mut background = vec![0.0; lattice.len()];
    for (slot, &cell) in training.cells.iter().enumerate() {
        background[cell] = parameters.background[slot];
    }
    Ok(SeppFit {
        smoothed_background: smoother.map(|smoother| smoother.smooth(&background)),
        background,
        theta: parameters.theta,
        omega: parameters.omega,
        sigma_m: parameters.sigma_m,
        neighbours: neighbourhood.with_weights(&weights),
        time_cutoff_days: config.time_cutoff_days,
        iterations,
        log_likelihood: expectation.log_likelihood,
        log_likelihood_trace: trace,
        converged,
        events_used: training.len(),
        events_outside: outside,
        columns: lattice.columns,
        rows: lattice.rows,
        spec: lattice.spec,
    })
}

/// Parameters with their E-step.
struct State {
    parameters: Parameters,
    weights: Vec<f64>,
    expectation: excitation::Expectation,
}

/// The SQUAREM step from `start` through two EM updates: start − 2αr + α²v with r the first
/// change, v the change of change and α = −|r|/|v| (at most −1, at least −`MAX_STEP`), in
/// (μ, θ, ln ω, ln σ), projected back into the parameters' bounds.
fn extrapolate(
    start: &Parameters,
    first: &Parameters,
    second: &Parameters,
    sigma_range: (f64, f64),
) -> Option<Parameters> {
    const MAX_STEP: f64 = 64.0;
    let coordinates = |parameters: &Parameters| {
        let mut values = parameters.background.clone();
        values.push(parameters.theta);
        values.push(parameters.omega.ln());
        values.push(parameters.sigma_m.map_or(0.0, f64::ln));
        values
    };
    let (zero, one, two) = (coordinates(start), coordinates(first), coordinates(second));
    let (mut change, mut curvature) = (0.0, 0.0);
    for index in 0..zero.len() {
        let r = one[index] - zero[index];
        let v = two[index] - 2.0 * one[index] + zero[index];
        change += r * r;
        curvature += v * v;
    }
    if !(curvature > 0.0 && change > 0.0) {
        return None;
    }
    let alpha = -(change / curvature).sqrt().clamp(1.0, MAX_STEP);
    if alpha == -1.0 {
        return None;
    }
    let jump: Vec<f64> = (0..zero.len())
        .map(|index| {
            let r = one[index] - zero[index];
            let v = two[index] - 2.0 * one[index] + zero[index];
            zero[index] - 2.0 * alpha * r + alpha * alpha * v
        })
        .collect();
    let cells = start.background.len();
    if jump.iter().any(|value| !value.is_finite()) {
        return None;
    }
    // A rate or θ at 0 would stay 0 under EM, so the jump may shrink them to a tenth at most.
    Some(Parameters {
        background: jump[..cells]
            .iter()
            .zip(&second.background)
            .map(|(rate, updated)| rate.max(0.1 * updated))
            .collect(),
        theta: jump[cells].clamp(0.1 * second.theta, THETA_MAX),
        omega: jump[cells + 1].exp().clamp(OMEGA_RANGE.0, OMEGA_RANGE.1),
        sigma_m: start
            .sigma_m
            .map(|_| jump[cells + 2].exp().clamp(sigma_range.0, sigma_range.1)),
    })
}

fn validate_window(window: Window) -> Result<(), SeppError> {
    let Window {
        train_from,
        until,
        horizon_days,
    } = window;
    if train_from.is_finite()
        && until.is_finite()
        && train_from < until
        && until - train_from <= MAX_TRAINING_DAYS
        && horizon_days.is_finite()
        && horizon_days > 0.0
    {
        Ok(())
    } else {
        Err(SeppError::Window {
            train_from,
            until,
            horizon_days,
        })
    }
}

fn dot(left: &[f64], right: &[f64]) -> f64 {
    left.iter().zip(right).map(|(a, b)| a * b).sum()
}

impl SeppFit {
    /// Expected calls per cell over `[window.until, window.until + window.horizon_days)`: the
    /// background μ_c·H (smoothed, if the fit was asked to) plus what the events of `[window.train_from, window.until)` still
    /// trigger, θ·g(c − c_i)·(e^{−ω a_i} − e^{−ω min(a_i + H, cut-off)}) with a_i = until − t_i
    /// (without the cut-off: e^{−ω a_i}(1 − e^{−ωH})). The window may differ from the fit's, to
    /// forecast later days with the same parameters. Cells outside the study area get 0.
    pub fn expected_counts(
        &self,
        lattice: &Lattice,
        events: &[Event],
        window: Window,
    ) -> Result<Vec<f64>, SeppError> {
        validate_window(window)?;
        if (lattice.columns, lattice.rows, lattice.spec) != (self.columns, self.rows, self.spec) {
            return Err(SeppError::LatticeMismatch {
                fitted_columns: self.columns,
                fitted_rows: self.rows,
                fitted_spec: self.spec,
                columns: lattice.columns,
                rows: lattice.rows,
                spec: lattice.spec,
            });
        }
        let horizon = window.horizon_days;
        let mut counts: Vec<f64> = self
            .smoothed_background
            .as_ref()
            .unwrap_or(&self.background)
            .iter()
            .zip(&lattice.inside)
            .map(|(rate, inside)| if *inside { rate * horizon } else { 0.0 })
            .collect();
        for event in events {
            if !(event.day >= window.train_from && event.day < window.until) {
                continue;
            }
            let Some(cell) = lattice.cell_of_xy(event.xy) else {
                continue;
            };
            if !lattice.inside[cell] {
                continue;
            }
            let age = window.until - event.day;
            if age >= self.time_cutoff_days {
                continue;
            }
            let end = (age + horizon).min(self.time_cutoff_days);
            let triggered = self.theta * ((-self.omega * age).exp() - (-self.omega * end).exp());
            let (column, row) = lattice.position(cell);
            for neighbour in &self.neighbours {
                if let Some(target) = offset_cell(
                    lattice,
                    column,
                    row,
                    neighbour.column_offset,
                    neighbour.row_offset,
                ) {
                    counts[target] += neighbour.weight * triggered;
                }
            }
        }
        Ok(counts)
    }
}

/// The cell `column_offset`, `row_offset` away, if it lies on the lattice and in the study area.
fn offset_cell(
    lattice: &Lattice,
    column: usize,
    row: usize,
    column_offset: i32,
    row_offset: i32,
) -> Option<usize> {
    let column = column.checked_add_signed(column_offset as isize)?;
    let row = row.checked_add_signed(row_offset as isize)?;
    if column >= lattice.columns || row >= lattice.rows {
        return None;
    }
    let cell = row * lattice.columns + column;
    lattice.inside[cell].then_some(cell)
}

/// The self-exciting model as a forecast candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Sepp {
    config: SeppConfig,
}

impl Sepp {
    pub fn new(config: SeppConfig) -> Result<Sepp, SeppError> {
        config.validate()?;
        Ok(Sepp { config })
    }

    pub fn config(&self) -> SeppConfig {
        self.config
    }

    /// Fits on the window's training events and forecasts its horizon: `score`, with the
    /// reason when there is nothing to score.
    pub fn forecast(
        &self,
        lattice: &Lattice,
        events: &[Event],
        window: Window,
    ) -> Result<Vec<f64>, SeppError> {
        fit(lattice, events, window, self.config)?.expected_counts(lattice, events, window)
    }
}

impl Model for Sepp {
    /// `sepp` with the default settings; otherwise each setting that differs is appended, so
    /// that candidates in one table keep apart: `-cell` (same cell only) or `-r{m}m` (space
    /// cut-off), `-s{m}m` (fixed σ), `-t{days}d` (time cut-off), `-b{m}m` (smoothing),
    /// `-i{n}` and `-tol{x}` (iteration limits).
    fn name(&self) -> String {
        let tenths = |value: f64| (value * 10.0).round() / 10.0;
        let (config, default) = (self.config, SeppConfig::default());
        let mut name = "sepp".to_string();
        if config.space_cutoff_m != default.space_cutoff_m {
            if config.space_cutoff_m == 0.0 {
                name.push_str("-cell");
            } else {
                name.push_str(&format!("-r{}m", tenths(config.space_cutoff_m)));
            }
        }
        if let Some(sigma) = config.spatial_sigma_m {
            name.push_str(&format!("-s{}m", tenths(sigma)));
        }
        if config.time_cutoff_days != default.time_cutoff_days {
            name.push_str(&format!("-t{}d", tenths(config.time_cutoff_days)));
        }
        if let Some(bandwidth) = config.background_bandwidth_m {
            name.push_str(&format!("-b{}m", tenths(bandwidth)));
        }
        if config.max_iterations != default.max_iterations {
            name.push_str(&format!("-i{}", config.max_iterations));
        }
        if config.tolerance != default.tolerance {
            name.push_str(&format!("-tol{:e}", config.tolerance));
        }
        name
    }

    /// Expected calls per cell over the horizon. The trait cannot say why a fit failed, so a
    /// window without training events (or an unusable window, or a neighbourhood too large for
    /// the lattice) scores every cell 0; `forecast` gives the reason.
    fn score(&self, lattice: &Lattice, events: &[Event], window: Window) -> Vec<f64> {
        self.forecast(lattice, events, window)
            .unwrap_or_else(|_| vec![0.0; lattice.len()])
    }
}
