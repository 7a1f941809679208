//! A year of calls for a city: about 500,000 calls and 100 units on Heidelberg. Prints the time
//! to build the travel tables, the time to simulate and the simulated events per second.

use scenario::{generate_calls, generate_deployment, DeploymentOptions};
use sim::{prepare, run, summarise, AfterCall, SimConfig};
use std::time::Instant;

/// A benchmark is the one place in a core crate that reads the clock.
#[allow(clippy::disallowed_methods)]
fn stopwatch() -> Instant {
    Instant::now()
}

fn main() {
    let started = stopwatch();
    let network = fixtures::heidelberg();
    eprintln!(
        "imported Heidelberg in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let options = DeploymentOptions {
        n_workstations: 12,
        n_units: 100,
        ..DeploymentOptions::default()
    };
    let deployment = generate_deployment(network, &options, 1).expect("Heidelberg is large enough");
    let started = stopwatch();
    let calls = generate_calls(
        network,
        measure::Timestamp(1_767_225_600_000),
        365.0,
        1370.0,
        2,
    )
    .expect("the car graph exists");
    let generated = started.elapsed().as_secs_f64();
    let started = stopwatch();
    let world = prepare(network, &deployment, &calls, AfterCall::ResumePatrol)
        .expect("the deployment lies on the map");
    let prepared = started.elapsed().as_secs_f64();
    let started = stopwatch();
    let outcome = run(&world, &SimConfig::default());
    let simulated = started.elapsed().as_secs_f64();
    let summary = summarise(&world, &outcome);
    println!(
        "{} calls, {} units: generate {:.2} s, travel tables {:.2} s, simulate {:.2} s ({:.0} events/s, {} events, {} dispatches); total {:.2} s",
        calls.len(),
        deployment.units.len(),
        generated,
        prepared,
        simulated,
        outcome.events as f64 / simulated,
        outcome.events,
        outcome.dispatches,
        prepared + simulated
    );
    let response = summary.response.expect("calls were served");
    println!(
        "served {} of {}, median call-to-arrival {:.1} min, within 5 min {:.1}%, mean utilisation {:.1}%",
        summary.served,
        summary.n_calls,
        response.median.minutes(),
        response.within[2] * 100.0,
        summary.mean_utilisation * 100.0
    );
}
