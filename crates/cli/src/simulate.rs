//! `pingan simulate`: replays or generates calls against a deployment with the response
//! simulator, prints the figures, compares two deployments over several seeds and writes an HTML
//! report. Files, the clock and progress live here; the simulation itself is the `sim` crate.

use crate::city::load_network;
use anyhow::{bail, Context, Result};
use clap::Args;
use measure::{Seconds, Timestamp};
use scenario::{generate_calls, generate_deployment, CallRecord, Deployment, DeploymentOptions};
use sim::{compare, prepare, summarise, AfterCall, SimConfig, Summary};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct SimulateArgs {
    /// Road graph from `pingan import` (an .osm.pbf extract is imported on the fly).
    #[arg(long)]
    pub graph: PathBuf,
    /// Deployment TOML (workstations, units, grids); a seeded one is generated when omitted.
    #[arg(long)]
    pub deployment: Option<PathBuf>,
    /// Calls CSV: time,lon,lat,category,priority[,dispatched,arrived]; generated when omitted.
    #[arg(long)]
    pub calls: Option<PathBuf>,
    /// Days of generated calls, or the first N days of the replayed ones.
    #[arg(long)]
    pub days: Option<f64>,
    /// Seed of the simulation, and of generated deployments and calls.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// A second deployment to compare with the first, seed by seed.
    #[arg(long)]
    pub compare: Option<PathBuf>,
    /// How many seeds the comparison runs (seed, seed+1, ...).
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// Write a self-contained HTML report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Mean calls per day of generated calls.
    #[arg(long, default_value_t = 400.0)]
    pub calls_per_day: f64,
    /// Units of a generated deployment.
    #[arg(long, default_value_t = 50)]
    pub units: usize,
    /// Workstations of a generated deployment (existing ones from --stations count toward it).
    #[arg(long, default_value_t = 10)]
    pub workstations: usize,
    /// Existing workstations for a generated deployment: CSV id,lon,lat (or GeoJSON points),
    /// e.g. data/heidelberg-workstations.csv.
    #[arg(long)]
    pub stations: Option<PathBuf>,
    /// Write the deployment used (given or generated) to this TOML file.
    #[arg(long)]
    pub write_deployment: Option<PathBuf>,
    /// Write the calls used (given or generated) to this CSV file.
    #[arg(long)]
    pub write_calls: Option<PathBuf>,
    /// Units go back to their workstation after a call instead of resuming patrol in their grid.
    #[arg(long)]
    pub return_home: bool,
    /// Do not call units off P3/P4 calls for P1 calls that find no free unit.
    #[arg(long)]
    pub no_preemption: bool,
    /// Seconds from the call to the dispatcher's decision.
    #[arg(long, default_value_t = 60.0)]
    pub dispatch_delay: f64,
    /// Minutes a call waits for a free unit before it is abandoned.
    #[arg(long, default_value_t = 120.0)]
    pub max_queue_minutes: f64,
    /// Benchmark: a year of calls (about 500,000) and 100 units; prints simulated events per second.
    #[arg(long)]
    pub bench: bool,
}

const GENERATED_START: Timestamp = Timestamp(1_767_225_600_000); // 2026-01-01T00:00:00Z

fn load_deployment(path: &Path) -> Result<Deployment> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read deployment {}", path.display()))?;
    Ok(Deployment::from_toml(&text, &path.display().to_string())?)
}

fn load_calls(path: &Path) -> Result<Vec<CallRecord>> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read calls {}", path.display()))?;
    Ok(scenario::read_calls(
        std::io::BufReader::new(file),
        &path.display().to_string(),
    )?)
}

fn print_summary(title: &str, summary: &Summary) {
    println!("== {title}");
    println!(
        "{} calls over {:.1} days: {} served, {} abandoned in queue, {} no suitable unit, {} off map; {} preempted",
        summary.n_calls,
        summary.horizon.0 / 86_400.0,
        summary.served,
        summary.abandoned_in_queue,
        summary.no_suitable_unit,
        summary.off_map,
        summary.preempted
    );
    println!(
        "{:<9} {:>7} {:>9} {:>9} {:>9} {:>7} {:>7} {:>7}",
        "priority", "calls", "mean min", "median", "p90", "<=1min", "<=3min", "<=5min"
    );
    let rows = std::iter::once(("all".to_string(), summary.response))
        .chain(summary.by_priority.iter().map(|(p, d)| (p.to_string(), *d)));
    for (label, d) in rows {
        if let Some(d) = d {
            println!(
                "{:<9} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>6.1}% {:>6.1}% {:>6.1}%",
                label,
                d.n,
                d.mean.minutes(),
                d.median.minutes(),
                d.p90.minutes(),
                d.within[0] * 100.0,
                d.within[1] * 100.0,
                d.within[2] * 100.0
            );
        }
    }
    match &summary.queue_wait {
        Some(wait) => println!(
            "queue: {:.1}% of dispatched calls waited; mean {:.1} min, p90 {:.1} min",
            summary.queued_share * 100.0,
            wait.mean.minutes(),
            wait.p90.minutes()
        ),
        None => println!("queue: no call waited for a free unit"),
    }
    println!(
        "unit utilisation: mean {:.1}%",
        summary.mean_utilisation * 100.0
    );
    if let Some(validation) = &summary.validation {
        println!(
            "validation: {} calls with recorded times; travel median error {:+.1} min, p90 |error| {:.1} min",
            validation.n,
            validation.median_error.minutes(),
            validation.p90_abs_error.minutes()
        );
    }
}

/// What each side of a run is called: its file name, or "generated (seed N)" when generated.
/// Two files of the same name are told apart by their full paths.
fn labels(deployment: Option<&Path>, compare: Option<&Path>, seed: u64) -> (String, String) {
    let name = |path: &Path| {
        path.file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string())
    };
    let first = deployment
        .map(name)
        .unwrap_or_else(|| format!("generated (seed {seed})"));
    let Some(compare) = compare else {
        return (first, String::new());
    };
    let second = name(compare);
    if second != first {
        return (first, second);
    }
    let full = |path: &Path| path.display().to_string();
    match deployment {
        Some(path) if full(path) != full(compare) => (full(path), full(compare)),
        _ => (format!("{first} (first)"), format!("{second} (second)")),
    }
}

/// Says, once, why the 1-minute share is nothing when the dispatch delay alone uses up the
/// minute.
fn dispatch_delay_note(summaries: &[&Summary], dispatch_delay: f64) {
    let nothing_within_a_minute = summaries
        .iter()
        .any(|summary| summary.response.is_some_and(|d| d.within[0] == 0.0));
    if nothing_within_a_minute && dispatch_delay >= 60.0 {
        println!(
            "≤1 min is 0.0 %: the {dispatch_delay:.0} s dispatch delay (--dispatch-delay) leaves no time to drive"
        );
    }
}

pub fn run(args: SimulateArgs) -> Result<()> {
    if args.bench {
        return bench(&args);
    }
    if !(args.dispatch_delay.is_finite() && args.dispatch_delay >= 0.0) {
        bail!(
            "--dispatch-delay must be zero or a positive number of seconds, not {}",
            args.dispatch_delay
        );
    }
    let started = Instant::now();
    let network = load_network(&args.graph)?;
    let deployment = match &args.deployment {
        Some(path) => load_deployment(path)?,
        None => {
            let existing_workstations = match &args.stations {
                Some(path) => formats::points::read_points(path)?
                    .into_iter()
                    .map(|point| (point.id.clone(), point.id, point.position))
                    .collect(),
                None => Vec::new(),
            };
            let options = DeploymentOptions {
                name: format!("generated (seed {})", args.seed),
                n_workstations: args.workstations,
                n_units: args.units,
                existing_workstations,
                ..DeploymentOptions::default()
            };
            eprintln!(
                "no --deployment: generating {} workstations and {} units (seed {})",
                args.workstations, args.units, args.seed
            );
            generate_deployment(&network, &options, args.seed)?
        }
    };
    let mut calls = match &args.calls {
        Some(path) => load_calls(path)?,
        None => {
            let days = args.days.unwrap_or(7.0);
            eprintln!(
                "no --calls: generating {days} days at {} calls a day (seed {})",
                args.calls_per_day, args.seed
            );
            generate_calls(
                &network,
                GENERATED_START,
                days,
                args.calls_per_day,
                args.seed,
            )?
        }
    };
    if let (Some(days), Some(_), Some(first)) = (args.days, &args.calls, calls.first().copied()) {
        let end = first.at.plus(Seconds(days * 86_400.0));
        calls.retain(|c| c.at < end);
    }
    if calls.is_empty() {
        bail!("there are no calls to simulate; give --calls with rows or a positive --days");
    }
    if let Some(path) = &args.write_deployment {
        std::fs::write(path, deployment.to_toml())
            .with_context(|| format!("cannot write deployment {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    if let Some(path) = &args.write_calls {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot write calls {}", path.display()))?;
        scenario::write_calls(std::io::BufWriter::new(file), &calls)
            .with_context(|| format!("cannot write calls {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    let config = SimConfig {
        dispatch_delay: Seconds(args.dispatch_delay),
        after_call: if args.return_home {
            AfterCall::ReturnHome
        } else {
            AfterCall::ResumePatrol
        },
        preempt_p1: !args.no_preemption,
        max_queue_wait: Some(Seconds::from_minutes(args.max_queue_minutes)),
        seed: args.seed,
        ..SimConfig::default()
    };
    let world = prepare(&network, &deployment, &calls, config.after_call)
        .context("cannot prepare the simulation")?;
    let simulating = Instant::now();
    let outcome = sim::run(&world, &config);
    let seconds = simulating.elapsed().as_secs_f64();
    let summary = summarise(&world, &outcome);
    let (label, other_label) = labels(
        args.deployment.as_deref(),
        args.compare.as_deref(),
        args.seed,
    );
    print_summary(&label, &summary);
    if args.compare.is_none() {
        dispatch_delay_note(&[&summary], args.dispatch_delay);
    }
    eprintln!(
        "{} events in {:.2} s ({:.0} events/s); {:.1} s in all",
        outcome.events,
        seconds,
        outcome.events as f64 / seconds.max(1e-9),
        started.elapsed().as_secs_f64()
    );

    let comparison = match &args.compare {
        Some(path) => {
            let other = load_deployment(path)?;
            let other_world = prepare(&network, &other, &calls, config.after_call)
                .with_context(|| format!("cannot prepare the simulation of {}", path.display()))?;
            let other_summary = summarise(&other_world, &sim::run(&other_world, &config));
            print_summary(&other_label, &other_summary);
            dispatch_delay_note(&[&summary, &other_summary], args.dispatch_delay);
            let seeds: Vec<u64> = (args.seed..args.seed + args.seeds.max(2)).collect();
            let comparison = compare(&world, &other_world, &config, &seeds);
            println!(
                "== {} minus {} over seeds {}..={} (95% confidence)",
                other_label,
                label,
                seeds[0],
                seeds[seeds.len() - 1]
            );
            for metric in &comparison.metrics {
                println!(
                    "{:<34} {:>8.2} -> {:>8.2}  {:+.2} ± {:.2}",
                    metric.name,
                    metric.baseline,
                    metric.other,
                    metric.difference,
                    metric.half_width
                );
            }
            Some(comparison)
        }
        None => None,
    };
    if let Some(path) = &args.report {
        let title = format!("pingan simulation: {label}");
        std::fs::write(
            path,
            sim::report::html(&title, &summary, comparison.as_ref()),
        )
        .with_context(|| format!("cannot write report {}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

/// A year of calls, about 500,000, against 100 units on the given city.
fn bench(args: &SimulateArgs) -> Result<()> {
    let network = load_network(&args.graph)?;
    let options = DeploymentOptions {
        n_workstations: 12,
        n_units: 100,
        ..DeploymentOptions::default()
    };
    let deployment = match &args.deployment {
        Some(path) => load_deployment(path)?,
        None => generate_deployment(&network, &options, args.seed)?,
    };
    let days = args.days.unwrap_or(365.0);
    let started = Instant::now();
    let calls = generate_calls(&network, GENERATED_START, days, 1370.0, args.seed)?;
    let generated = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let world = prepare(&network, &deployment, &calls, AfterCall::ResumePatrol)?;
    let prepared = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let outcome = sim::run(&world, &SimConfig::default());
    let simulated = started.elapsed().as_secs_f64();
    println!(
        "{} calls, {} units, {days} days: calls generated in {generated:.2} s; travel tables {prepared:.2} s; simulation {simulated:.2} s, {} events, {:.0} events/s; tables + simulation {:.2} s",
        calls.len(),
        deployment.units.len(),
        outcome.events,
        outcome.events as f64 / simulated.max(1e-9),
        prepared + simulated
    );
    Ok(())
}
