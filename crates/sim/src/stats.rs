//! What a simulation run means to a planner: call-to-arrival distributions per priority,
//! workstation and grid, shares within 1, 3 and 5 minutes, queue waits, utilisation, the check
//! against recorded travel times, and paired comparisons of two deployments over several seeds.

use crate::engine::{run, CallEnd, SimConfig, SimOutcome, World};
use dispatch::{Priority, UnitId, UnitKind};
use measure::Seconds;
use std::collections::BTreeMap;

/// The 1, 3 and 5-minute targets.
pub const TARGET_MINUTES: [f64; 3] = [1.0, 3.0, 5.0];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distribution {
    pub n: usize,
    pub mean: Seconds,
    pub median: Seconds,
    pub p90: Seconds,
    /// Share (0..1) at or under 1, 3 and 5 minutes.
    pub within: [f64; 3],
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let position = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[position - 1]
}

/// The distribution of `values` in seconds; `None` when empty.
pub fn distribution(mut values: Vec<f64>) -> Option<Distribution> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let within = TARGET_MINUTES
        .map(|minutes| values.partition_point(|&v| v <= minutes * 60.0) as f64 / n as f64);
    Some(Distribution {
        n,
        mean: Seconds(values.iter().sum::<f64>() / n as f64),
        median: Seconds(quantile(&values, 0.5)),
        p90: Seconds(quantile(&values, 0.9)),
        within,
    })
}

/// Simulated against recorded travel time (arrival minus dispatch), where the calls carry both.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    pub n: usize,
    /// Median of simulated minus recorded.
    pub median_error: Seconds,
    /// 90th percentile of the absolute error.
    pub p90_abs_error: Seconds,
    /// Per patrol grid (or "outside grids"): calls, median error, p90 absolute error.
    pub by_area: Vec<(String, usize, Seconds, Seconds)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub n_calls: usize,
    pub served: usize,
    pub abandoned_in_queue: usize,
    pub no_suitable_unit: usize,
    pub off_map: usize,
    pub preempted: usize,
    /// Call to first arrival, over served calls.
    pub response: Option<Distribution>,
    pub by_priority: Vec<(Priority, Option<Distribution>)>,
    /// By the home workstation of the first unit on scene.
    pub by_workstation: Vec<(String, Distribution)>,
    pub by_grid: Vec<(String, Distribution)>,
    /// Share of dispatched calls that waited for a free unit.
    pub queued_share: f64,
    /// Waits of the calls that waited.
    pub queue_wait: Option<Distribution>,
    pub utilisation: Vec<(UnitId, UnitKind, f64)>,
    pub mean_utilisation: f64,
    /// Served calls by whole minutes of response, the last bin holding 30 minutes and more.
    pub histogram: Vec<usize>,
    pub validation: Option<Validation>,
    pub events: u64,
    pub dispatches: u64,
    pub horizon: Seconds,
}

fn median_and_p90_abs(mut errors: Vec<f64>) -> (Seconds, Seconds) {
    errors.sort_by(f64::total_cmp);
    let median = quantile(&errors, 0.5);
    let mut absolute: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
    absolute.sort_by(f64::total_cmp);
    (Seconds(median), Seconds(quantile(&absolute, 0.9)))
}

pub fn summarise(world: &World, outcome: &SimOutcome) -> Summary {
    let deployment = &world.deployment;
    let count = |end: CallEnd| outcome.calls.iter().filter(|c| c.end == end).count();
    let responses = |filter: &dyn Fn(&crate::engine::CallOutcome) -> bool| {
        distribution(
            outcome
                .calls
                .iter()
                .filter(|c| filter(c))
                .filter_map(|c| c.response.map(|s| s.0))
                .collect(),
        )
    };
    let mut by_station: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    let mut by_grid: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    let mut histogram = vec![0usize; 31];
    for call in &outcome.calls {
        if let Some(response) = call.response {
            if let Some(station) = call.workstation {
                by_station.entry(station).or_default().push(response.0);
            }
            if let Some(grid) = call.grid {
                by_grid.entry(grid).or_default().push(response.0);
            }
            histogram[((response.0 / 60.0) as usize).min(30)] += 1;
        }
    }
    let dispatched: Vec<f64> = outcome
        .calls
        .iter()
        .filter_map(|c| c.queue_wait.map(|s| s.0))
        .collect();
    let waited: Vec<f64> = dispatched.iter().copied().filter(|&w| w > 0.0).collect();
    let utilisation: Vec<(UnitId, UnitKind, f64)> = world
        .units()
        .iter()
        .zip(&outcome.unit_busy)
        .map(|(unit, busy)| {
            (
                unit.id.clone(),
                unit.kind,
                busy.0 / outcome.horizon.0.max(1.0),
            )
        })
        .collect();
    let mean_utilisation =
        utilisation.iter().map(|u| u.2).sum::<f64>() / utilisation.len().max(1) as f64;

    let mut errors = Vec::new();
    let mut errors_by_area: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (call, record) in outcome.calls.iter().zip(world.calls()) {
        let (Some(dispatched), Some(arrived)) =
            (record.recorded.dispatched, record.recorded.arrived)
        else {
            continue;
        };
        let Some(simulated) = call.travel else {
            continue;
        };
        let error = simulated.0 - arrived.seconds_since(dispatched).0;
        errors.push(error);
        let area = call.grid.map_or("outside grids".to_string(), |g| {
            deployment.grids[g as usize].id.to_string()
        });
        errors_by_area.entry(area).or_default().push(error);
    }
    let validation = (!errors.is_empty()).then(|| {
        let n = errors.len();
        let (median_error, p90_abs_error) = median_and_p90_abs(errors);
        Validation {
            n,
            median_error,
            p90_abs_error,
            by_area: errors_by_area
                .into_iter()
                .map(|(area, errors)| {
                    let n = errors.len();
                    let (median, p90) = median_and_p90_abs(errors);
                    (area, n, median, p90)
                })
                .collect(),
        }
    });

    Summary {
        n_calls: outcome.calls.len(),
        served: count(CallEnd::Served),
        abandoned_in_queue: count(CallEnd::AbandonedInQueue),
        no_suitable_unit: count(CallEnd::NoSuitableUnit),
        off_map: count(CallEnd::OffMap),
        preempted: outcome.calls.iter().filter(|c| c.preempted).count(),
        response: responses(&|_| true),
        by_priority: Priority::ALL
            .into_iter()
            .map(|p| (p, responses(&|c| c.priority == p)))
            .collect(),
        by_workstation: by_station
            .into_iter()
            .filter_map(|(station, values)| {
                Some((
                    deployment.workstations[station as usize].id.to_string(),
                    distribution(values)?,
                ))
            })
            .collect(),
        by_grid: by_grid
            .into_iter()
            .filter_map(|(grid, values)| {
                Some((
                    deployment.grids[grid as usize].id.to_string(),
                    distribution(values)?,
                ))
            })
            .collect(),
        queued_share: waited.len() as f64 / dispatched.len().max(1) as f64,
        queue_wait: distribution(waited),
        utilisation,
        mean_utilisation,
        histogram,
        validation,
        events: outcome.events,
        dispatches: outcome.dispatches,
        horizon: outcome.horizon,
    }
}

/// One figure of two deployments: means over the seeds and the paired difference with its 95 %
/// confidence half-width (Student's t over the per-seed differences).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricDifference {
    pub name: &'static str,
    pub baseline: f64,
    pub other: f64,
    pub difference: f64,
    pub half_width: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub seeds: Vec<u64>,
    pub metrics: Vec<MetricDifference>,
}

/// Two-sided 97.5 % quantiles of Student's t for 1 to 30 degrees of freedom.
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

const METRICS: [&str; 7] = [
    "mean call-to-arrival (min)",
    "P1 median call-to-arrival (min)",
    "share within 3 min (%)",
    "share within 5 min (%)",
    "P1 share within 3 min (%)",
    "calls that queued (%)",
    "mean unit utilisation (%)",
];

fn figures(summary: &Summary) -> [f64; 7] {
    let response = summary.response;
    let p1 = summary.by_priority[0].1;
    [
        response.map_or(f64::NAN, |d| d.mean.minutes()),
        p1.map_or(f64::NAN, |d| d.median.minutes()),
        response.map_or(f64::NAN, |d| d.within[1] * 100.0),
        response.map_or(f64::NAN, |d| d.within[2] * 100.0),
        p1.map_or(f64::NAN, |d| d.within[1] * 100.0),
        summary.queued_share * 100.0,
        summary.mean_utilisation * 100.0,
    ]
}

/// Runs both deployments on the same calls with each seed, and compares them seed by seed.
pub fn compare(baseline: &World, other: &World, config: &SimConfig, seeds: &[u64]) -> Comparison {
    let runs: Vec<([f64; 7], [f64; 7])> = seeds
        .iter()
        .map(|&seed| {
            let config = SimConfig {
                seed,
                ..config.clone()
            };
            (
                figures(&summarise(baseline, &run(baseline, &config))),
                figures(&summarise(other, &run(other, &config))),
            )
        })
        .collect();
    let n = runs.len() as f64;
    let metrics = METRICS
        .iter()
        .enumerate()
        .map(|(index, &name)| {
            let a: Vec<f64> = runs.iter().map(|r| r.0[index]).collect();
            let b: Vec<f64> = runs.iter().map(|r| r.1[index]).collect();
            let differences: Vec<f64> = a.iter().zip(&b).map(|(a, b)| b - a).collect();
            let mean_difference = differences.iter().sum::<f64>() / n;
            let half_width = if runs.len() > 1 {
                let variance = differences
                    .iter()
                    .map(|d| (d - mean_difference).powi(2))
                    .sum::<f64>()
                    / (n - 1.0);
                T_975[(runs.len() - 2).min(29)] * (variance / n).sqrt()
            } else {
                f64::NAN
            };
            MetricDifference {
                name,
                baseline: a.iter().sum::<f64>() / n,
                other: b.iter().sum::<f64>() / n,
                difference: mean_difference,
                half_width,
            }
        })
        .collect();
    Comparison {
        seeds: seeds.to_vec(),
        metrics,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_of_known_values() {
        // 10 calls at 30 s, 1, 2, ..., 9 minutes.
        let values: Vec<f64> = std::iter::once(30.0)
            .chain((1..=9).map(|m| m as f64 * 60.0))
            .collect();
        let d = distribution(values).unwrap();
        assert_eq!(d.n, 10);
        assert!((d.mean.0 - (30.0 + 45.0 * 60.0) / 10.0).abs() < 1e-9);
        assert_eq!(d.median, Seconds(240.0));
        assert_eq!(d.p90, Seconds(480.0));
        assert_eq!(d.within, [0.2, 0.4, 0.6]);
        assert_eq!(distribution(Vec::new()), None);
    }

    #[test]
    fn student_t_matches_tables() {
        assert_eq!(T_975[0], 12.706);
        assert_eq!(T_975[3], 2.776);
        assert_eq!(T_975[29], 2.042);
        assert!(T_975.windows(2).all(|w| w[0] > w[1]));
    }
}
