//! `pingan site`: where the next workstations go, on a coverage-instance directory, printing the
//! one JSON line shared/formats/coverage-instance.md defines so answers compare across tools.

use anyhow::{bail, Context};
use formats::instance::CoverageInstance;
use measure::Seconds;
use plan::{
    CandidateSite, DemandPoint, ExactOptions, HeuristicOptions, Instance, Model, Phases, Solution,
    Solver, Travel,
};
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
    /// Coverage-instance directory holding demand.csv, sites.csv and cost.csv.
    #[arg(long, value_name = "DIR")]
    pub instance: PathBuf,
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
}

pub fn run(args: SiteArgs) -> anyhow::Result<()> {
    let instance = load_instance(&args.instance)?;
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
    let context = || {
        format!(
            "cannot plan {} on {}",
            model.name(),
            args.instance.display()
        )
    };
    match (args.years, args.per_year) {
        (Some(years), Some(per_year)) => {
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
                        "{{\"year\": {}, \"added\": {}, \"objective\": {}, \"covered_weight\": {}, \"gap\": {}}}",
                        year.year,
                        ids(&instance, &year.added),
                        rounded(year.solution.objective),
                        rounded(covered(&year.solution)),
                        year.solution.gap.map(number).unwrap_or_else(|| "null".into()),
                    )
                })
                .collect();
            let line = answer_line(&instance, last, covered(last), seconds);
            println!(
                "{}, \"years\": [{}]}}",
                line.trim_end_matches('}'),
                years.join(", ")
            );
        }
        _ => {
            let solution = plan::solve(&instance, model, &solver).with_context(context)?;
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "{}",
                answer_line(&instance, &solution, covered(&solution), seconds)
            );
        }
    }
    Ok(())
}

/// Reads a coverage-instance directory into the planner's instance.
pub fn load_instance(directory: &Path) -> anyhow::Result<Instance> {
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
