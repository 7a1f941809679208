//! How long the lattice ETAS takes to fit eleven months of Seattle's calls: it is one candidate
//! in a cross-validation with a budget of seconds. Prints figures, asserts nothing.

// A bench measures the wall clock; the core crate's ban on reading it is for library code.
#![allow(clippy::disallowed_methods)]

use std::time::Instant;

use hotspot::forecast::Window;
use hotspot::lattice::{Lattice, LatticeSpec};
use hotspot::sepp::{fit, SeppConfig};

#[path = "../tests/common/mod.rs"]
mod common;

/// Seconds this thread has run on a CPU (Linux's schedstat), so that a loaded machine's waiting
/// does not count; `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(nanoseconds / 1e9)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let area = common::seattle_area();
    let window = Window {
        train_from: common::civil_days(2015, 1, 1),
        until: common::civil_days(2015, 12, 1),
        horizon_days: 7.0,
    };
    let settings = [
        ("default (σ fitted, 200 m, 90 d)", SeppConfig::default()),
        (
            "same cell only",
            SeppConfig {
                space_cutoff_m: 0.0,
                ..SeppConfig::default()
            },
        ),
        (
            "smoothed background 150 m",
            SeppConfig {
                background_bandwidth_m: Some(150.0),
                ..SeppConfig::default()
            },
        ),
    ];
    for cell_metres in [76.2, 150.0] {
        let lattice = Lattice::new(&area, LatticeSpec::square(cell_metres)).unwrap();
        let events = common::seattle_events(&lattice);
        for (label, config) in settings {
            let (mut seconds, mut cpu) = (Vec::new(), Vec::new());
            let mut last = None;
            for _ in 0..3 {
                let (start, cpu_start) = (Instant::now(), cpu_seconds());
                let fitted = fit(&lattice, &events, window, config).unwrap();
                seconds.push(start.elapsed().as_secs_f64());
                if let (Some(before), Some(after)) = (cpu_start, cpu_seconds()) {
                    cpu.push(after - before);
                }
                last = Some(fitted);
            }
            let fitted = last.unwrap();
            let cpu = if cpu.is_empty() {
                "n/a".to_string()
            } else {
                format!("{:.3} s", median(cpu))
            };
            println!(
                "sepp fit Jan–Nov 2015, {cell_metres} m cells ({} cells), {label}: median {:.3} s wall, {cpu} on CPU (3 runs); {} events, θ {:.4}, ω {:.4}/day, σ {:?} m, {} iterations, converged {}",
                lattice.len(),
                median(seconds),
                fitted.events_used,
                fitted.theta,
                fitted.omega,
                fitted.sigma_m.map(|sigma| (sigma * 10.0).round() / 10.0),
                fitted.iterations,
                fitted.converged
            );
        }
    }
}
