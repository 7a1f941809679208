//! `pingan site`: where the next workstations go, on a city (demand and candidates from files
//! or generated on the roads, road travel times) or on a coverage-instance directory, printing
//! the one JSON line shared/formats/coverage-instance.md defines so answers compare across tools.
//! `--write-instance` writes a city's instance in that format.

use crate::city::{positive, refuse_with_instance, road_points, travel_times, City, CityArgs};
use crate::roads::SummaryFormat;
use anyhow::{bail, Context};
use formats::instance::{CoverageInstance, InstanceCost, InstanceDemand, InstanceSite};
use formats::points::read_points;
use measure::{Meters, Seconds};
use plan::{
    CandidateSite, DemandPoint, ExactOptions, HeuristicOptions, Instance, Model, Phases, Solution,
    Solver, Travel,
};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ModelName {
    /// Fewest sites so every weighted point is within --radius.
    Lscp,
    /// Exactly --p sites covering the most weight within --radius.
    Mclp,
    /// Exactly --p sites minimising weight x seconds to the nearest site.
    Pmedian,
    /// Exactly --p sites minimising the longest time to the nearest site.
    Pcenter,
}

#[derive(clap::Args, Debug)]
pub struct SiteArgs {
    /// Coverage-instance directory holding demand.csv, sites.csv and cost.csv (instead of a
    /// city given with --graph).
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with = "graph",
        required_unless_present = "graph"
    )]
    pub instance: Option<PathBuf>,
    #[command(flatten)]
    pub city: CityArgs,
    /// Candidate sites on the city: CSV id,lon,lat. Without it, candidates are generated on the
    /// roads, one per --spacing square.
    #[arg(long, value_name = "FILE")]
    pub candidates: Option<PathBuf>,
    /// Generated candidates: one per square of this side (metres) holding streets, at the street
    /// node nearest its centre.
    #[arg(long, value_name = "METERS", default_value_t = 500.0)]
    pub spacing: f64,
    /// Existing stations, CSV id,lon,lat: always open and counted toward --p.
    #[arg(long, value_name = "FILE")]
    pub fixed: Option<PathBuf>,
    /// Road times longer than this (seconds) are left out of the city's instance: unreachable.
    #[arg(long, value_name = "SECONDS", default_value_t = 1800.0)]
    pub max_seconds: f64,
    /// Write the city's instance (demand.csv, sites.csv, cost.csv) into this directory.
    #[arg(long, value_name = "DIR")]
    pub write_instance: Option<PathBuf>,
    /// The siting model: lscp, mclp, pmedian or pcenter.
    #[arg(long, value_enum)]
    pub model: ModelName,
    /// Sites to open, fixed ones included (mclp, pmedian, pcenter).
    #[arg(long)]
    pub p: Option<usize>,
    /// Coverage radius in seconds (required for lscp and mclp; for pmedian and pcenter it only
    /// sets what covered_weight counts).
    #[arg(long, value_name = "SECONDS")]
    pub radius: Option<f64>,
    /// Phased plan: this many years, each adding --per-year sites with earlier years' fixed.
    #[arg(long, requires = "per_year")]
    pub years: Option<usize>,
    /// Sites added each year of a phased plan.
    #[arg(long = "per-year", requires = "years")]
    pub per_year: Option<usize>,
    /// Seconds the exact solver may spend before it reports its best plan and gap.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    pub time_limit: f64,
    /// Use the fast heuristic (greedy + swaps, Lagrangian bound) instead of the MIP.
    #[arg(long)]
    pub heuristic: bool,
    /// What standard output shows: text (the chosen sites with positions and names) or json
    /// (the answer line of shared/formats/coverage-instance.md).
    #[arg(long, value_enum, default_value = "text")]
    pub format: SummaryFormat,
}

pub fn run(args: SiteArgs) -> anyhow::Result<()> {
    let (files, source) = match &args.instance {
        Some(directory) => {
            refuse_with_instance(&[
                ("--demand", args.city.demand.is_some()),
                ("--candidates", args.candidates.is_some()),
                ("--fixed", args.fixed.is_some()),
                ("--write-instance", args.write_instance.is_some()),
            ])?;
            (
                formats::instance::read_instance(directory)?,
                directory.display().to_string(),
            )
        }
        None => {
            let files = city_instance(&args)?;
            if let Some(directory) = &args.write_instance {
                formats::instance::write_instance(directory, &files)?;
                eprintln!(
                    "wrote {} demand points, {} sites and {} travel times to {}",
                    files.demand.len(),
                    files.sites.len(),
                    files.costs.len(),
                    directory.display()
                );
            }
            let graph = args.city.graph.as_ref().expect("city mode has a graph");
            (files, graph.display().to_string())
        }
    };
    let instance =
        plan_instance(&files).with_context(|| format!("{source} is not a valid instance"))?;
    let names: HashMap<String, String> = [&args.fixed, &args.candidates]
        .into_iter()
        .flatten()
        .flat_map(|path| names_in(path))
        .collect();
    let places: Vec<Place> = files
        .sites
        .iter()
        .map(|site| Place {
            position: site.position,
            name: names.get(&site.id).cloned(),
        })
        .collect();
    let radius = args.radius.map(Seconds);
    let need_p = |name: &str| {
        args.p
            .or(args.years.map(|_| 0))
            .with_context(|| format!("{name} needs --p N (sites to open, fixed ones included)"))
    };
    let need_radius = |name: &str| {
        radius.with_context(|| format!("{name} needs --radius SECONDS (the coverage time)"))
    };
    let model = match args.model {
        ModelName::Lscp => Model::Lscp {
            radius: need_radius("lscp")?,
        },
        ModelName::Mclp => Model::Mclp {
            p: need_p("mclp")?,
            radius: need_radius("mclp")?,
        },
        ModelName::Pmedian => Model::PMedian {
            p: need_p("pmedian")?,
        },
        ModelName::Pcenter => Model::PCenter {
            p: need_p("pcenter")?,
        },
    };
    if !(args.time_limit.is_finite() && args.time_limit > 0.0) {
        bail!(
            "--time-limit {} is not a positive number of seconds",
            args.time_limit
        );
    }
    let started = Instant::now();
    let solver = if args.heuristic {
        Solver::Heuristic(HeuristicOptions::default())
    } else {
        let mut options = ExactOptions::new(Seconds(args.time_limit));
        options.elapsed = Some(Arc::new(move || Seconds(started.elapsed().as_secs_f64())));
        Solver::Exact(options)
    };
    let covered = |solution: &Solution| match (model, radius) {
        (Model::PMedian { .. } | Model::PCenter { .. }, Some(radius)) => {
            plan::coverage(&instance, &solution.selected, radius)
        }
        _ => solution.covered_weight,
    };
    let context = || format!("cannot plan {} on {source}", model.name());
    match (args.years, args.per_year) {
        (Some(years_count), Some(per_year)) => {
            let years = years_count;
            let plan = plan::solve_phased(&instance, model, Phases { years, per_year }, &solver)
                .with_context(context)?;
            let seconds = started.elapsed().as_secs_f64();
            let last = &plan
                .years
                .last()
                .context("--years must be at least 1")?
                .solution;
            let years: Vec<String> = plan
                .years
                .iter()
                .map(|year| {
                    format!(
                        "{{\"year\": {}, \"added\": {}, \"objective\": {}, \"covered_weight\": {}, \"gap\": {}, \"coverage\": {}}}",
                        year.year,
                        ids(&instance, &year.added),
                        rounded(year.solution.objective),
                        rounded(covered(&year.solution)),
                        year.solution.gap.map(number).unwrap_or_else(|| "null".into()),
                        coverage_json(&instance, &year.solution.selected),
                    )
                })
                .collect();
            let fixed = instance.fixed_flags().iter().filter(|&&f| f).count();
            let asked = fixed + years_count * per_year;
            if let Some(p) = args.p {
                if p != last.selected.len() {
                    eprintln!(
                        "--p {p} is not used by a phased plan: it opens the {fixed} fixed sites plus --years {years_count} x --per-year {per_year}, {} sites in all",
                        last.selected.len()
                    );
                }
            }
            if last.selected.len() < asked {
                eprintln!(
                    "the phased plan opens {} sites, not {asked}: the instance has only {} sites",
                    last.selected.len(),
                    instance.sites().len()
                );
            }
            match args.format {
                SummaryFormat::Json => {
                    let line = answer_line(&instance, last, covered(last), seconds);
                    println!(
                        "{}, \"years\": [{}]}}",
                        line.trim_end_matches('}'),
                        years.join(", ")
                    );
                }
                SummaryFormat::Text => {
                    let mut text = solution_text(&instance, &places, last, covered(last), seconds);
                    for year in &plan.years {
                        let _ = writeln!(
                            text,
                            "year {}: adds {}; objective {}, gap {}, within 1/3/5 min {}",
                            year.year,
                            year.added
                                .iter()
                                .map(|&site| instance.sites()[site].id.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            objective_text(year.solution.objective),
                            gap_text(year.solution.gap),
                            coverage_text(&instance, &year.solution.selected)
                        );
                    }
                    print!("{text}");
                }
            }
        }
        _ => {
            let solution = plan::solve(&instance, model, &solver).with_context(context)?;
            let seconds = started.elapsed().as_secs_f64();
            match args.format {
                SummaryFormat::Json => println!(
                    "{}",
                    answer_line(&instance, &solution, covered(&solution), seconds)
                ),
                SummaryFormat::Text => print!(
                    "{}",
                    solution_text(&instance, &places, &solution, covered(&solution), seconds)
                ),
            }
        }
    }
    Ok(())
}

/// Where each site is and what it is called, for the text output.
struct Place {
    position: measure::LonLat,
    name: Option<String>,
}

/// The chosen sites, one a line with id, lon,lat and name, after the model's figures.
fn solution_text(
    instance: &Instance,
    places: &[Place],
    solution: &Solution,
    covered: f64,
    seconds: f64,
) -> String {
    let fixed = solution
        .selected
        .iter()
        .filter(|&&site| instance.sites()[site].fixed)
        .count();
    let mut text = format!(
        "{}: {} sites ({} fixed, {} new); objective {}, gap {}, covered weight {:.1}; solved in {:.1} s\n",
        solution.model.name(),
        solution.selected.len(),
        fixed,
        solution.selected.len() - fixed,
        objective_text(solution.objective),
        gap_text(solution.gap),
        covered,
        seconds
    );
    let _ = writeln!(
        text,
        "within 1/3/5 min: {}",
        coverage_text(instance, &solution.selected)
    );
    for &site in &solution.selected {
        let place = &places[site];
        let fixed = instance.sites()[site].fixed.then_some("(fixed)");
        let about: Vec<&str> = place.name.as_deref().into_iter().chain(fixed).collect();
        let line = format!(
            "{:<12} {:.6},{:.6}  {}",
            instance.sites()[site].id,
            place.position.lon,
            place.position.lat,
            about.join(" ")
        );
        let _ = writeln!(text, "{}", line.trim_end());
    }
    text
}

fn objective_text(objective: f64) -> String {
    if objective.fract() == 0.0 {
        format!("{objective:.0}")
    } else {
        format!("{objective:.1}")
    }
}

/// "0.0 % (optimal)", "2.3 %", or "unknown (no bound)".
fn gap_text(gap: Option<f64>) -> String {
    match gap {
        Some(gap) if gap <= 0.0 => "0.0 % (optimal)".into(),
        Some(gap) => format!("{:.1} %", gap * 100.0),
        None => "unknown (no bound)".into(),
    }
}

/// "31.2 % / 78.0 % / 95.1 %" of the weight within 1, 3 and 5 minutes.
fn coverage_text(instance: &Instance, selected: &[usize]) -> String {
    let total = instance.total_weight();
    [1.0, 3.0, 5.0]
        .iter()
        .map(|&minutes| {
            let covered = plan::coverage(instance, selected, Seconds::from_minutes(minutes));
            format!(
                "{:.1} %",
                if total > 0.0 {
                    100.0 * covered / total
                } else {
                    0.0
                }
            )
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Names from the `name` column of a CSV of points (the bundled workstations have one), by id.
/// Files without the column, or not CSV, give none.
fn names_in(path: &Path) -> HashMap<String, String> {
    let mut names = HashMap::new();
    let Ok(mut reader) = csv::Reader::from_path(path) else {
        return names;
    };
    let Ok(headers) = reader.headers().cloned() else {
        return names;
    };
    let column = |name: &str| headers.iter().position(|header| header.trim() == name);
    let (Some(id), Some(name)) = (column("id"), column("name")) else {
        return names;
    };
    for record in reader.records().map_while(Result::ok) {
        if let (Some(id), Some(name)) = (record.get(id), record.get(name)) {
            if !name.trim().is_empty() {
                names.insert(id.trim().to_string(), name.trim().to_string());
            }
        }
    }
    names
}

/// Shares of the weight within 1, 3 and 5 minutes of `selected`, to 0.1 %, as a JSON array.
fn coverage_json(instance: &Instance, selected: &[usize]) -> String {
    let total = instance.total_weight();
    let shares: Vec<String> = [1.0, 3.0, 5.0]
        .iter()
        .map(|&minutes| {
            let covered = plan::coverage(instance, selected, Seconds::from_minutes(minutes));
            let share = if total > 0.0 { covered / total } else { 0.0 };
            format!(
                "{{\"minutes\": {}, \"share\": {}}}",
                number(minutes),
                number((share * 1000.0).round() / 1000.0)
            )
        })
        .collect();
    format!("[{}]", shares.join(", "))
}

/// The city's siting instance: demand (read or generated), the fixed stations and the
/// candidates (read or generated) with road travel times from each site to each demand point
/// up to --max-seconds.
fn city_instance(args: &SiteArgs) -> anyhow::Result<CoverageInstance> {
    positive("--spacing", args.spacing)?;
    positive("--max-seconds", args.max_seconds)?;
    let city = City::load(&args.city)?;
    let graph = city.graph();
    let demand = city.demand(&args.city)?;
    let demand_file = args
        .city
        .demand
        .clone()
        .unwrap_or_else(|| PathBuf::from("generated demand"));
    let demand_snaps = city.snap_all(&demand, &demand_file, "demand point")?;
    let mut sites: Vec<InstanceSite> = Vec::new();
    let mut site_snaps = Vec::new();
    if let Some(path) = &args.fixed {
        let stations = read_points(path)?;
        site_snaps.extend(city.snap_all(&stations, path, "station")?);
        sites.extend(stations.into_iter().map(|station| InstanceSite {
            id: station.id,
            position: station.position,
            fixed: true,
        }));
    }
    match &args.candidates {
        Some(path) => {
            let candidates = read_points(path)?;
            site_snaps.extend(city.snap_all(&candidates, path, "candidate site")?);
            sites.extend(candidates.into_iter().map(|site| InstanceSite {
                id: site.id,
                position: site.position,
                fixed: false,
            }));
        }
        None => {
            let generated = road_points(&city.network, graph, Meters(args.spacing));
            let generated: Vec<formats::points::NamedPoint> = generated
                .into_iter()
                .enumerate()
                .map(|(index, point)| formats::points::NamedPoint {
                    id: format!("C-{:04}", index + 1),
                    position: point.position,
                    weight: None,
                })
                .collect();
            site_snaps.extend(city.snap_all(
                &generated,
                Path::new("generated candidates"),
                "candidate site",
            )?);
            eprintln!(
                "no --candidates: generated {} candidate sites on the roads, one per {} m square",
                generated.len(),
                args.spacing
            );
            sites.extend(generated.into_iter().map(|site| InstanceSite {
                id: site.id,
                position: site.position,
                fixed: false,
            }));
        }
    }
    let costs = travel_times(graph, &site_snaps, &demand_snaps, Seconds(args.max_seconds))
        .into_iter()
        .map(|(demand, site, seconds)| InstanceCost {
            demand,
            site,
            seconds,
        })
        .collect();
    Ok(CoverageInstance {
        demand: demand
            .into_iter()
            .map(|point| InstanceDemand {
                id: point.id,
                position: point.position,
                weight: point.weight.unwrap_or(1.0),
            })
            .collect(),
        sites,
        costs,
    })
}

/// Reads a coverage-instance directory into the planner's instance.
#[cfg(test)]
fn load_instance(directory: &Path) -> anyhow::Result<Instance> {
    let files = formats::instance::read_instance(directory)?;
    plan_instance(&files)
        .with_context(|| format!("{} is not a valid instance", directory.display()))
}

/// The planner's view of an instance read from files (positions dropped).
pub fn plan_instance(files: &CoverageInstance) -> Result<Instance, plan::PlanError> {
    let demand = files
        .demand
        .iter()
        .map(|point| DemandPoint {
            id: point.id.clone(),
            weight: point.weight,
        })
        .collect();
    let sites = files
        .sites
        .iter()
        .map(|site| CandidateSite {
            id: site.id.clone(),
            fixed: site.fixed,
        })
        .collect();
    let travel = files
        .costs
        .iter()
        .map(|cost| Travel {
            demand: cost.demand,
            site: cost.site,
            seconds: cost.seconds,
        })
        .collect();
    Instance::new(demand, sites, travel)
}

/// The answer line of coverage-instance.md, keys in its order.
fn answer_line(instance: &Instance, solution: &Solution, covered: f64, seconds: f64) -> String {
    format!(
        "{{\"model\": {}, \"objective\": {}, \"selected\": {}, \"covered_weight\": {}, \"seconds\": {}, \"gap\": {}}}",
        serde_json::to_string(solution.model.name()).expect("a string serialises"),
        rounded(solution.objective),
        ids(instance, &solution.selected),
        rounded(covered),
        number((seconds * 1000.0).round() / 1000.0),
        solution.gap.map(number).unwrap_or_else(|| "null".into()),
    )
}

/// A JSON array of site ids, spaced like the format document's example.
fn ids(instance: &Instance, sites: &[usize]) -> String {
    let ids: Vec<String> = sites
        .iter()
        .map(|&site| serde_json::to_string(&instance.sites()[site].id).expect("strings serialise"))
        .collect();
    format!("[{}]", ids.join(", "))
}

fn number(value: f64) -> String {
    serde_json::to_string(&value).expect("numbers serialise")
}

/// Six decimals: hides summation noise (3607773.3999999957) without touching real digits.
fn rounded(value: f64) -> String {
    number((value * 1e6).round() / 1e6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use formats::instance::{
        write_instance, CoverageInstance, InstanceCost, InstanceDemand, InstanceSite,
    };
    use measure::LonLat;

    /// Three points on a line, two candidate sites and one fixed station far away.
    fn write_small_instance() -> PathBuf {
        let directory =
            std::env::temp_dir().join(format!("pingan-site-test-{}", std::process::id()));
        let position = LonLat::new(116.4, 39.9).unwrap();
        let demand = ["a", "b", "c"]
            .iter()
            .map(|id| InstanceDemand {
                id: id.to_string(),
                position,
                weight: 2.0,
            })
            .collect();
        let sites = [("old", true), ("west", false), ("east", false)]
            .iter()
            .map(|(id, fixed)| InstanceSite {
                id: id.to_string(),
                position,
                fixed: *fixed,
            })
            .collect();
        let costs = [
            (0, 0, 500.0),
            (1, 0, 600.0),
            (2, 0, 700.0),
            (0, 1, 60.0),
            (1, 1, 120.0),
            (1, 2, 100.0),
            (2, 2, 50.0),
        ]
        .iter()
        .map(|&(demand, site, seconds)| InstanceCost {
            demand,
            site,
            seconds: Seconds(seconds),
        })
        .collect();
        write_instance(
            &directory,
            &CoverageInstance {
                demand,
                sites,
                costs,
            },
        )
        .unwrap();
        directory
    }

    #[test]
    fn answer_line_has_the_documented_keys_in_order() {
        let directory = write_small_instance();
        let instance = load_instance(&directory).unwrap();
        std::fs::remove_dir_all(&directory).unwrap();
        let model = Model::Mclp {
            p: 2,
            radius: Seconds(110.0),
        };
        let solution = plan::solve(
            &instance,
            model,
            &Solver::Exact(ExactOptions::new(Seconds(10.0))),
        )
        .unwrap();
        let line = answer_line(&instance, &solution, solution.covered_weight, 0.25);
        assert_eq!(
            line,
            r#"{"model": "mclp", "objective": 4.0, "selected": ["old", "east"], "covered_weight": 4.0, "seconds": 0.25, "gap": 0.0}"#
        );
        let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(parsed["selected"][1], "east");

        let median = plan::solve(
            &instance,
            Model::PMedian { p: 3 },
            &Solver::Heuristic(HeuristicOptions::default()),
        )
        .unwrap();
        // a->west 60, b->east 100, c->east 50, weight 2 each.
        assert_eq!(median.objective, 420.0);
        assert_eq!(median.selected, vec![0, 1, 2]);
    }
}
