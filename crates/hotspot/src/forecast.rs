//! What every hotspot model shares: calls as events on the plane and in time, and the model
//! trait. Times are local days (the city's calendar), so "train until 2016-09-01" means the
//! local midnight that starts that day.

use crate::lattice::Lattice;

/// One call as the models see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Projected metres (east, north) on the lattice's projection (`Lattice::to_xy`).
    pub xy: [f64; 2],
    /// Local days since 1970-01-01, with the time of day as the fraction (a date alone: .5).
    pub day: f64,
}

/// The period a forecast looks at: events before `until` train it, the `horizon_days` from
/// `until` on are forecast.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// First local day of the training period (inclusive): older events are ignored.
    pub train_from: f64,
    /// First local day of the forecast period; training uses events strictly before it.
    pub until: f64,
    pub horizon_days: f64,
}

/// A hotspot model: scores every cell of a lattice by the calls it expects in a window.
pub trait Model: Send + Sync {
    /// Short name used in files and tables (`naive`, `kde`, `prospective`, `sepp`, ...).
    fn name(&self) -> String;
    /// One score per cell of `lattice` (cells outside the study area may get any score; they
    /// are never flagged). `events` are sorted by `day`; the model reads only those in
    /// `[window.train_from, window.until)`.
    fn score(&self, lattice: &Lattice, events: &[Event], window: Window) -> Vec<f64>;
}
