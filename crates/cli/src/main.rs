//! The `pingan` command: one binary, a subcommand per job. Arguments, progress and exit codes
//! live here; the work is done by the library crates.

mod bench;
mod city;
mod cover;
mod demo;
mod roads;
mod serve;
mod simulate;
mod site;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pingan",
    version,
    about = "平安 pingan: road-network planning and dispatch for police workstation networks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The main job on the bundled real city (Heidelberg): the command map with a live city.
    Demo(demo::DemoArgs),
    /// Import an OpenStreetMap extract into a routing graph for every travel profile.
    Import(roads::ImportArgs),
    /// Fastest road route between two points.
    Route(roads::RouteArgs),
    /// Travel times from every source to every target.
    Matrix(roads::MatrixArgs),
    /// Rapid-response circles (快反圈): the area each station reaches by road within N minutes.
    Isochrone(roads::IsochroneArgs),
    /// For each point, the nearest station by road time and whether it lies within each limit.
    Reach(roads::ReachArgs),
    /// Measure import, preprocessing and query speed on a city.
    Bench(bench::BenchArgs),
    /// The dispatch server: REST, WebSocket feed, MQTT positions, durable event log.
    Serve(serve::ServeArgs),
    /// Where the next workstations go: LSCP, MCLP, p-median or p-center on a city or a coverage
    /// instance, exact (MIP) or heuristic, with the proven gap; phased plans year by year.
    Site(site::SiteArgs),
    /// Who is inside the rapid-response circles: coverage within 1/3/5 minutes overall and per
    /// patrol grid on a city or a coverage instance, uncovered key places, GeoJSON and an HTML
    /// report.
    Cover(cover::CoverArgs),
    /// Response simulation: replay or generate calls against a deployment, with dispatch's own
    /// rules; call-to-arrival, queues, utilisation, comparisons and an HTML report.
    Simulate(simulate::SimulateArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Import(args) => roads::import(args),
        Command::Route(args) => roads::route(args),
        Command::Matrix(args) => roads::matrix(args),
        Command::Isochrone(args) => roads::isochrone(args),
        Command::Reach(args) => roads::reach(args),
        Command::Bench(args) => bench::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Site(args) => site::run(args),
        Command::Cover(args) => cover::run(args),
        Command::Simulate(args) => simulate::run(args),
    };
    if let Err(error) = result {
        eprintln!("error: {}", one_line(&error));
        std::process::exit(1);
    }
}

/// The error and its causes on one line, each said once: many messages already quote their
/// source ("cannot read F: No such file"), and anyhow's chain would repeat it.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}
