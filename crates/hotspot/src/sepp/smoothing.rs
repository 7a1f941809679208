//! Gaussian smoothing of the background rate over the lattice, so that a cell without past calls
//! next to busy ones is not forecast zero. Mass-preserving: what a cell's rate spreads onto cells
//! outside the study area is given back to the cells inside.

use super::{SeppError, MAX_SMOOTHING_CELLS};
use crate::lattice::Lattice;

pub(super) struct Smoother {
    columns: usize,
    rows: usize,
    inside: Vec<bool>,
    /// One side of the separable kernel, from offset 0 to the radius.
    kernel: Vec<f64>,
    /// How much of a unit placed on each cell lands inside the study area.
    kept: Vec<f64>,
}

impl Smoother {
    pub(super) fn new(lattice: &Lattice, bandwidth_m: f64) -> Result<Smoother, SeppError> {
        let cell_metres = lattice.spec.cell_metres;
        let cells = 3.0 * bandwidth_m / cell_metres;
        if cells > MAX_SMOOTHING_CELLS as f64 {
            return Err(SeppError::BackgroundTooWide {
                bandwidth_m,
                cell_metres,
                cells,
                limit: MAX_SMOOTHING_CELLS,
            });
        }
        let radius = cells.ceil() as usize;
        let kernel = (0..=radius)
            .map(|offset| {
                let distance = offset as f64 * cell_metres;
                (-distance * distance / (2.0 * bandwidth_m * bandwidth_m)).exp()
            })
            .collect();
        let mut smoother = Smoother {
            columns: lattice.columns,
            rows: lattice.rows,
            inside: lattice.inside.clone(),
            kernel,
            kept: Vec::new(),
        };
        let indicator: Vec<f64> = lattice
            .inside
            .iter()
            .map(|&inside| if inside { 1.0 } else { 0.0 })
            .collect();
        smoother.kept = smoother.blur(&indicator);
        Ok(smoother)
    }

    /// The rates spread by the kernel, rescaled per source so that the total over the study area
    /// is unchanged.
    pub(super) fn smooth(&self, rates: &[f64]) -> Vec<f64> {
        let scaled: Vec<f64> = rates
            .iter()
            .zip(&self.kept)
            .map(|(rate, kept)| if *kept > 0.0 { rate / kept } else { 0.0 })
            .collect();
        let mut smoothed = self.blur(&scaled);
        for (value, inside) in smoothed.iter_mut().zip(&self.inside) {
            if !inside {
                *value = 0.0;
            }
        }
        smoothed
    }

    /// Separable blur: along rows, then along columns (cells off the lattice hold nothing).
    fn blur(&self, values: &[f64]) -> Vec<f64> {
        let radius = self.kernel.len() - 1;
        let mut along_rows = vec![0.0; values.len()];
        for row in 0..self.rows {
            let line = &values[row * self.columns..(row + 1) * self.columns];
            for (column, &value) in line.iter().enumerate() {
                if value == 0.0 {
                    continue;
                }
                let first = column.saturating_sub(radius);
                let last = (column + radius).min(self.columns - 1);
                for target in first..=last {
                    along_rows[row * self.columns + target] +=
                        value * self.kernel[target.abs_diff(column)];
                }
            }
        }
        let mut result = vec![0.0; values.len()];
        for row in 0..self.rows {
            let first = row.saturating_sub(radius);
            let last = (row + radius).min(self.rows - 1);
            for source_row in first..=last {
                let weight = self.kernel[source_row.abs_diff(row)];
                let source =
                    &along_rows[source_row * self.columns..(source_row + 1) * self.columns];
                let target = &mut result[row * self.columns..(row + 1) * self.columns];
                for (target, source) in target.iter_mut().zip(source) {
                    *target += weight * source;
                }
            }
        }
        result
    }
}
