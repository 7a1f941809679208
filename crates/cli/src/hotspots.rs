//! `pingan hotspots`: where calls will come next. Reads a calls file, forecasts the coming days on
//! a lattice (or ranks street blocks), writes the forecast in the shared format, and with
//! `--evaluate` scores every method against the naive baselines over rolling origins.

use crate::calls_input::{format_local_date, parse_local_date, CallsInput};
use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use formats::calls::CallRecord;
use hotspot::evaluate::{
    auto_forecast, evaluate, flag_cells, forecast_geojson, AutoCandidates, AutoModel, Evaluation,
    ForecastMeta,
};
use hotspot::forecast::{Event, Model, Window};
use hotspot::lattice::{Lattice, LatticeSpec, StudyArea};
use hotspot::models::{Kde, Kernel, NaiveCounts, Prospective};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Cross-validated on the training period: the best of every model below, single or paired,
    /// and the working cell size.
    Auto,
    /// All-history counts per cell.
    Naive,
    /// Kernel density with time decay.
    Kde,
    /// Prospective hotspots (Bowers, Johnson & Pease 2004).
    Prospective,
    /// A self-exciting point process on the lattice (ETAS-style).
    Sepp,
}

#[derive(Args)]
#[command(after_help = formats::calls::READING_RULES_HELP)]
pub struct HotspotsArgs {
    #[command(flatten)]
    pub input: CallsInput,
    /// First day of the training period (YYYY-MM-DD, local); default: the first call's day.
    #[arg(long)]
    pub train_from: Option<String>,
    /// First day of the forecast period (YYYY-MM-DD, local); training uses the calls before it.
    /// Default: the day after the last call.
    #[arg(long)]
    pub until: Option<String>,
    /// Days the forecast covers.
    #[arg(long, default_value_t = 7.0)]
    pub horizon_days: f64,
    /// Side of a lattice cell, metres (76.2 m = 250 ft, as the NIJ challenge).
    #[arg(long, default_value_t = 76.2)]
    pub cell_metres: f64,
    /// Counter-clockwise rotation of the lattice, degrees.
    #[arg(long, default_value_t = 0.0)]
    pub rotation: f64,
    /// Area budget of the flagged cells, km².
    #[arg(long, default_value_t = 0.6475)]
    pub area_km2: f64,
    /// Study area as W,S,E,N (degrees); default: the calls' bounding box.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "area")]
    pub bbox: Option<String>,
    /// Study area as a GeoJSON file of polygons.
    #[arg(long)]
    pub area: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Method::Auto)]
    pub method: Method,
    /// Kernel bandwidth of kde, metres; default two cells.
    #[arg(long)]
    pub bandwidth_metres: Option<f64>,
    /// Half-life of a call's weight in kde, days; default none (every call weighs alike).
    #[arg(long)]
    pub half_life_days: Option<f64>,
    /// Write the forecast here (GeoJSON, shared/formats/hotspot-forecast.md).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Score every method against the naive baselines over rolling origins before --until.
    #[arg(long)]
    pub evaluate: bool,
    /// Forecast origins of the evaluation (one every --every-days, the last one horizon days
    /// before --until).
    #[arg(long, default_value_t = 8)]
    pub origins: usize,
    /// Days between evaluation origins; default the horizon.
    #[arg(long)]
    pub every_days: Option<f64>,
    /// Write the evaluation (every method at every origin) here as JSON.
    #[arg(long)]
    pub evaluation_output: Option<PathBuf>,
    /// Street hotspots too: rank the street blocks of this graph (from `pingan import`) by calls
    /// per km, written to --streets-output.
    #[arg(long, requires = "streets_output")]
    pub streets: Option<PathBuf>,
    #[arg(long)]
    pub streets_output: Option<PathBuf>,
    /// How many street blocks the street forecast flags.
    #[arg(long, default_value_t = 50)]
    pub top_streets: usize,
}

const DAY_MS: f64 = 86_400_000.0;

/// A call on the models' clock: local days, with a date-only call at midday.
pub fn event_day(call: &CallRecord) -> f64 {
    let local_ms = call.at.0 as f64 + f64::from(call.utc_offset_minutes) * 60_000.0;
    let day = local_ms / DAY_MS;
    if call.time_of_day_known {
        day
    } else {
        day.floor() + 0.5
    }
}

fn study_area(args: &HotspotsArgs, calls: &[CallRecord]) -> Result<StudyArea> {
    if let Some(path) = &args.area {
        return Ok(StudyArea::Polygons(formats::geojson::read_polygons(path)?));
    }
    if let Some(text) = &args.bbox {
        let numbers: Vec<f64> = text
            .split(',')
            .map(|part| part.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .ok()
            .filter(|numbers: &Vec<f64>| numbers.len() == 4)
            .with_context(|| {
                format!("--bbox '{text}' is not W,S,E,N: four numbers, e.g. -122.42,47.46,-122.24,47.77")
            })?;
        let (west, south, east, north) = (numbers[0], numbers[1], numbers[2], numbers[3]);
        if !(west < east && south < north)
            || measure::LonLat::new(west, south).is_err()
            || measure::LonLat::new(east, north).is_err()
        {
            bail!("--bbox '{text}' is not W,S,E,N with west < east and south < north, in degrees");
        }
        return Ok(StudyArea::BoundingBox {
            west,
            south,
            east,
            north,
        });
    }
    let mut bounds = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for call in calls {
        bounds.0 = bounds.0.min(call.location.lon);
        bounds.1 = bounds.1.min(call.location.lat);
        bounds.2 = bounds.2.max(call.location.lon);
        bounds.3 = bounds.3.max(call.location.lat);
    }
    let margin = 1e-6;
    Ok(StudyArea::BoundingBox {
        west: bounds.0 - margin,
        south: bounds.1 - margin,
        east: bounds.2 + margin,
        north: bounds.3 + margin,
    })
}

fn check_range(flag: &str, value: f64, low: f64, high: f64) -> Result<()> {
    if !(low..=high).contains(&value) {
        bail!("{flag} {value} is outside {low}..{high}");
    }
    Ok(())
}

fn model(args: &HotspotsArgs, area: &StudyArea, method: Method) -> Result<Box<dyn Model>> {
    Ok(match method {
        Method::Auto => Box::new(AutoModel {
            area: area.clone(),
            area_km2: args.area_km2,
            candidates: AutoCandidates::standard(vec![sepp_model()?]),
        }),
        Method::Naive => Box::new(NaiveCounts::all_history()),
        Method::Kde => {
            let bandwidth = args.bandwidth_metres.unwrap_or(2.0 * args.cell_metres);
            let kde = Kde::new(bandwidth, Kernel::Gaussian, args.half_life_days)?;
            let reach = kde.cells_per_call(args.cell_metres);
            if reach > 40_000.0 {
                bail!(
                    "--bandwidth-metres {bandwidth} spreads each call over {reach:.0} cells of {} m; choose a bandwidth under {:.0} m or larger cells",
                    args.cell_metres,
                    args.cell_metres * 35.0
                );
            }
            Box::new(kde)
        }
        Method::Prospective => {
            Box::new(Prospective::new((2.0 * args.cell_metres).max(400.0), 8.0)?)
        }
        Method::Sepp => sepp_model()?,
    })
}

fn sepp_model() -> Result<Box<dyn Model>> {
    Ok(Box::new(hotspot::sepp::Sepp::new(
        hotspot::sepp::SeppConfig::default(),
    )?))
}

fn method_name(method: Method) -> &'static str {
    match method {
        Method::Auto => "auto",
        Method::Naive => "naive",
        Method::Kde => "kde",
        Method::Prospective => "prospective",
        Method::Sepp => "sepp",
    }
}

pub fn run(args: HotspotsArgs) -> Result<()> {
    check_range("--horizon-days", args.horizon_days, 0.1, 366.0)?;
    check_range("--cell-metres", args.cell_metres, 5.0, 5_000.0)?;
    check_range("--rotation", args.rotation, -360.0, 360.0)?;
    check_range("--area-km2", args.area_km2, 0.0001, 100_000.0)?;
    if args.output.is_none() && !args.evaluate {
        bail!("say where the forecast goes (-o FILE.geojson), or ask for --evaluate");
    }
    let calls = args.input.read()?;
    let area = study_area(&args, &calls)?;
    let spec = LatticeSpec {
        cell_metres: args.cell_metres,
        rotation_degrees: args.rotation,
        offset: [0.0, 0.0],
    };
    let lattice = Lattice::new(&area, spec)?;
    let mut events: Vec<Event> = calls
        .iter()
        .map(|call| Event {
            xy: lattice.to_xy(call.location),
            day: event_day(call),
        })
        .collect();
    events.sort_by(|a, b| a.day.total_cmp(&b.day));
    let first_day = events.first().map_or(0.0, |event| event.day.floor());
    let last_day = events.last().map_or(0.0, |event| event.day.floor());
    let train_from = match &args.train_from {
        Some(text) => parse_local_date("--train-from", text)? as f64,
        None => first_day,
    };
    let until = match &args.until {
        Some(text) => parse_local_date("--until", text)? as f64,
        None => last_day + 1.0,
    };
    if until <= train_from {
        bail!(
            "--until {} is not after --train-from {}",
            format_local_date(until as i64),
            format_local_date(train_from as i64)
        );
    }
    let training = events
        .iter()
        .filter(|event| event.day >= train_from && event.day < until)
        .count();
    if training == 0 {
        bail!(
            "no call falls in the training period {} to {} (exclusive); the calls run from {} to {}",
            format_local_date(train_from as i64),
            format_local_date(until as i64),
            format_local_date(first_day as i64),
            format_local_date(last_day as i64)
        );
    }
    let window = Window {
        train_from,
        until,
        horizon_days: args.horizon_days,
    };
    let study_area_km2 = area.area_km2();
    let inside_cells = lattice.inside.iter().filter(|inside| **inside).count();
    eprintln!(
        "study area {:.2} km², {} cells of {} m inside; budget {} km² = {} cells; training {} calls from {} to {}",
        study_area_km2,
        inside_cells,
        args.cell_metres,
        args.area_km2,
        hotspot::evaluate::cells_in_budget(&lattice, args.area_km2),
        training,
        format_local_date(train_from as i64),
        format_local_date(until as i64 - 1)
    );

    if args.evaluate {
        run_evaluation(&args, &area, &events, spec, window)?;
    }

    if let Some(output) = &args.output {
        let started = Instant::now();
        let (scores, method) = if args.method == Method::Auto {
            let result = auto_forecast(
                &area,
                &events,
                window,
                spec,
                args.area_km2,
                &AutoCandidates::standard(vec![sepp_model()?]),
            )?;
            eprintln!(
                "auto chose {} (cross-validated mean PEI* {}, PAI {} over {} folds)",
                result.chosen.description,
                optional(result.chosen.mean_pei_star, 3),
                optional(result.chosen.mean_pai, 1),
                result.fold_origins.len()
            );
            (result.scores, result.chosen.description)
        } else {
            let model = model(&args, &area, args.method)?;
            (model.score(&lattice, &events, window), model.name())
        };
        let flagged = flag_cells(&lattice, &scores, args.area_km2)?;
        let meta = ForecastMeta {
            train_from: format_local_date(train_from as i64),
            train_until: format_local_date(until as i64),
            horizon_days: args.horizon_days,
            cell_metres: args.cell_metres,
            area_km2: args.area_km2,
            method,
            study_area_km2,
        };
        formats::geojson::write(output, &forecast_geojson(&lattice, &flagged, &meta))?;
        let flagged_km2 = flagged.len() as f64 * lattice.cell_area_km2();
        println!(
            "forecast {} to {} by {}: {} cells flagged ({:.4} km² of {} km²) in {:.1} s -> {}",
            meta.train_until,
            format_local_date(until as i64 + args.horizon_days.ceil() as i64 - 1),
            method_name(args.method),
            flagged.len(),
            flagged_km2,
            args.area_km2,
            started.elapsed().as_secs_f64(),
            output.display()
        );
    }

    if let (Some(graph), Some(output)) = (&args.streets, &args.streets_output) {
        crate::streets::street_hotspots(graph, output, &calls, window, args.top_streets)?;
    }
    Ok(())
}

fn run_evaluation(
    args: &HotspotsArgs,
    area: &StudyArea,
    events: &[Event],
    spec: LatticeSpec,
    window: Window,
) -> Result<()> {
    if args.origins == 0 || args.origins > hotspot::evaluate::MAX_ORIGINS {
        bail!(
            "--origins {} is outside 1..{}",
            args.origins,
            hotspot::evaluate::MAX_ORIGINS
        );
    }
    let every = args.every_days.unwrap_or(args.horizon_days);
    check_range("--every-days", every, 1.0, 366.0)?;
    let origins: Vec<f64> = (0..args.origins)
        .rev()
        .map(|back| window.until - args.horizon_days - back as f64 * every)
        .filter(|origin| *origin > window.train_from)
        .collect();
    if origins.is_empty() {
        bail!(
            "no evaluation origin fits between --train-from and --until: shorten --horizon-days or --every-days, or train from earlier"
        );
    }
    let mut models: Vec<Box<dyn Model>> = Vec::new();
    for method in [Method::Kde, Method::Prospective, Method::Sepp] {
        models.push(model(args, area, method)?);
    }
    if args.method == Method::Auto {
        models.push(model(args, area, Method::Auto)?);
    }
    let started = Instant::now();
    let training: Vec<Event> = events
        .iter()
        .copied()
        .filter(|event| event.day >= window.train_from && event.day < window.until)
        .collect();
    let evaluation = evaluate(
        area,
        &training,
        &models,
        &origins,
        args.horizon_days,
        spec,
        args.area_km2,
    )?;
    println!(
        "evaluation: {} origins from {} to {}, every {} days, {}-day horizon, {} cells of {} m flagged ({:.1} s)",
        origins.len(),
        format_local_date(origins[0] as i64),
        format_local_date(*origins.last().unwrap_or(&origins[0]) as i64),
        every,
        args.horizon_days,
        evaluation.flagged_cells,
        evaluation.cell_metres,
        started.elapsed().as_secs_f64()
    );
    print!("{}", evaluation_table(&evaluation));
    if let Some(path) = &args.evaluation_output {
        formats::geojson::write(path, &serde_json::to_value(&evaluation)?)?;
        println!("every method at every origin -> {}", path.display());
    }
    Ok(())
}

fn optional(value: Option<f64>, decimals: usize) -> String {
    value.map_or("–".to_string(), |value| format!("{value:.decimals$}"))
}

/// The summary per method, then PEI* per origin and method.
fn evaluation_table(evaluation: &Evaluation) -> String {
    let width = evaluation
        .methods
        .iter()
        .map(|method| method.method.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut text = format!(
        "{:width$}  {:>9}  {:>9}  {:>9}  {:>9}  {:>8}  beats both baselines\n",
        "method", "mean PAI", "mean PEI*", "med PEI*", "hit rate", "won"
    );
    for method in &evaluation.methods {
        let baseline = method.method == "naive" || method.method.starts_with("naive-");
        text.push_str(&format!(
            "{:width$}  {:>9}  {:>9}  {:>9}  {:>9}  {:>8}  {}\n",
            method.method,
            optional(method.mean_pai, 2),
            optional(method.mean_pei_star, 3),
            optional(method.median_pei_star, 3),
            optional(method.mean_hit_rate, 3),
            if baseline {
                "–".to_string()
            } else {
                format!("{}/{}", method.origins_won, method.origins_scored)
            },
            if baseline {
                "(baseline)"
            } else if method.beats_baselines {
                "yes"
            } else {
                "no"
            }
        ));
    }
    text.push_str("\nPEI* per origin:\n");
    text.push_str(&format!("{:10}", "origin"));
    for method in &evaluation.methods {
        text.push_str(&format!("  {:>width$}", method.method));
    }
    text.push('\n');
    for chunk in evaluation.rows.chunks(evaluation.methods.len().max(1)) {
        text.push_str(&format!("{:10}", format_local_date(chunk[0].origin as i64)));
        for row in chunk {
            text.push_str(&format!("  {:>width$}", optional(row.score.pei_star, 3)));
        }
        text.push('\n');
    }
    text
}
