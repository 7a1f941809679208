//! The road-network subcommands: import, route, matrix, isochrone, reach.

use anyhow::{bail, Context, Result};
use clap::Args;
use formats::geojson;
use formats::points::{read_points, NamedPoint};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use measure::{LonLat, Meters, Seconds};
use roadnet::{ImportStage, Profile, ProfileGraph, RoadNetwork, Snap};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

#[derive(Args)]
pub struct ImportArgs {
    /// The OpenStreetMap extract (.osm.pbf).
    pub pbf: PathBuf,
    /// Where to write the graph.
    #[arg(short, long)]
    pub output: PathBuf,
}

/// Shared by the query commands: which graph and profile, and how far a point may lie off-road.
#[derive(Args, Clone)]
pub struct GraphArgs {
    /// A graph file written by `pingan import`.
    #[arg(long)]
    pub graph: PathBuf,
    /// car, motorcycle or foot.
    #[arg(long, default_value = "car")]
    pub profile: String,
    /// Points farther than this from a road (metres) are refused as off the map.
    #[arg(long, default_value_t = roadnet::DEFAULT_MAX_SNAP.0)]
    pub max_snap: f64,
}

#[derive(Args)]
pub struct RouteArgs {
    #[command(flatten)]
    pub graph: GraphArgs,
    /// Start, as LON,LAT.
    #[arg(long, allow_hyphen_values = true)]
    pub from: String,
    /// Destination, as LON,LAT.
    #[arg(long, allow_hyphen_values = true)]
    pub to: String,
    /// What standard output shows: text (time and length) or geojson (the route line).
    #[arg(long, value_enum, default_value = "text")]
    pub format: RouteFormat,
    /// Also write the route as a GeoJSON feature to this file.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum RouteFormat {
    /// One line: minutes, kilometres and profile.
    Text,
    /// The route as a GeoJSON feature with seconds and metres.
    Geojson,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SummaryFormat {
    /// A table for people.
    Text,
    /// Pretty-printed JSON for programs.
    Json,
}

#[derive(Args)]
pub struct MatrixArgs {
    #[command(flatten)]
    pub graph: GraphArgs,
    /// CSV with header id,lon,lat.
    #[arg(long)]
    pub sources: PathBuf,
    /// CSV with header id,lon,lat.
    #[arg(long)]
    pub targets: PathBuf,
    /// Output CSV: source_id,target_id,seconds,metres.
    #[arg(short, long)]
    pub output: PathBuf,
}

#[derive(Args)]
pub struct IsochroneArgs {
    #[command(flatten)]
    pub graph: GraphArgs,
    /// Stations: CSV with header id,lon,lat, or GeoJSON points with an `id` property.
    #[arg(long)]
    pub stations: PathBuf,
    /// Time limits in minutes, comma-separated.
    #[arg(long, default_value = "1,3,5")]
    pub minutes: String,
    /// Output GeoJSON.
    #[arg(short, long)]
    pub output: PathBuf,
}

#[derive(Args)]
pub struct ReachArgs {
    #[command(flatten)]
    pub graph: GraphArgs,
    /// Stations: CSV with header id,lon,lat, or GeoJSON points with an `id` property.
    #[arg(long)]
    pub stations: PathBuf,
    /// Points to check: CSV with header id,lon,lat and an optional weight.
    #[arg(long)]
    pub points: PathBuf,
    /// Time limits in minutes, comma-separated.
    #[arg(long, default_value = "1,3,5")]
    pub minutes: String,
    /// Per-point CSV: point_id,station_id,seconds,metres,within_<m>min...
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// What standard output shows: text (a table per limit) or json (the summary).
    #[arg(long, value_enum, default_value = "text")]
    pub format: SummaryFormat,
}

pub fn import(args: ImportArgs) -> Result<()> {
    let started = Instant::now();
    let bars = MultiProgress::new();
    let style = ProgressStyle::with_template("{prefix:>24} [{bar:40}] {pos}/{len}")
        .expect("valid template")
        .progress_chars("=> ");
    let by_stage: Mutex<HashMap<String, ProgressBar>> = Mutex::new(HashMap::new());
    let progress = |stage: ImportStage, done: usize, total: usize| {
        let name = match stage {
            ImportStage::ReadingWays => "reading ways".to_string(),
            ImportStage::ReadingNodes => "reading nodes".to_string(),
            ImportStage::Contracting(profile) => format!("contracting {profile}"),
        };
        let mut bars_by_stage = by_stage.lock().expect("progress lock");
        let bar = bars_by_stage.entry(name.clone()).or_insert_with(|| {
            let bar = bars.add(ProgressBar::new(total as u64));
            bar.set_style(style.clone());
            bar.set_prefix(name);
            bar
        });
        bar.set_position(done as u64);
        if done >= total {
            bar.finish();
        }
    };
    let network = roadnet::import_pbf(&args.pbf, &progress)?;
    let imported = started.elapsed();
    network.save(&args.output)?;
    println!(
        "imported {} in {:.1} s, wrote {}",
        args.pbf.display(),
        imported.as_secs_f64(),
        args.output.display()
    );
    for graph in network.graphs() {
        println!(
            "  {:<10} {:>8} nodes {:>8} edges {:>8} shortcuts",
            graph.profile.name(),
            graph.node_count(),
            graph.edge_count(),
            graph.contraction_hierarchy().shortcut_count()
        );
    }
    Ok(())
}

struct Loaded {
    network: RoadNetwork,
    profile: Profile,
    max_snap: Meters,
}

impl Loaded {
    fn graph(&self) -> &ProfileGraph {
        self.network.graph(self.profile).expect("checked on load")
    }
}

fn load(args: &GraphArgs) -> Result<Loaded> {
    let profile: Profile = args.profile.parse()?;
    if args.max_snap.is_nan() || args.max_snap <= 0.0 {
        bail!(
            "--max-snap must be a positive number of metres, not {}",
            args.max_snap
        );
    }
    let network = RoadNetwork::load(&args.graph)?;
    network.graph(profile)?;
    Ok(Loaded {
        network,
        profile,
        max_snap: Meters(args.max_snap),
    })
}

/// Snaps named points, naming the file and the point when one is off the map.
fn snap_points(
    graph: &ProfileGraph,
    points: &[NamedPoint],
    file: &Path,
    limit: Meters,
) -> Result<Vec<Snap>> {
    points
        .iter()
        .map(|point| {
            roadnet::snap(graph, point.position, limit)
                .with_context(|| format!("{}: point '{}'", file.display(), point.id))
        })
        .collect()
}

fn parse_minutes(text: &str) -> Result<Vec<f64>> {
    let minutes = text
        .split(',')
        .map(|m| {
            let value: f64 = m
                .trim()
                .parse()
                .with_context(|| format!("--minutes: '{m}' is not a number of minutes"))?;
            if value.is_nan() || value <= 0.0 || value > 240.0 {
                bail!("--minutes: {value} is outside 0-240 minutes");
            }
            Ok(value)
        })
        .collect::<Result<Vec<_>>>()?;
    if minutes.is_empty() {
        bail!("--minutes needs at least one limit, e.g. 1,3,5");
    }
    Ok(minutes)
}

fn minutes_label(minutes: f64) -> String {
    if minutes.fract() == 0.0 {
        format!("{minutes:.0}")
    } else {
        format!("{minutes}")
    }
}

pub fn route(args: RouteArgs) -> Result<()> {
    let from = LonLat::parse(&args.from).context("--from")?;
    let to = LonLat::parse(&args.to).context("--to")?;
    let loaded = load(&args.graph)?;
    let graph = loaded.graph();
    let from = roadnet::snap(graph, from, loaded.max_snap).context("--from")?;
    let to = roadnet::snap(graph, to, loaded.max_snap).context("--to")?;
    let route = roadnet::route(graph, &from, &to).context("no road leads from --from to --to")?;
    let mut properties = Map::new();
    properties.insert("profile".into(), json!(loaded.profile.name()));
    properties.insert(
        "seconds".into(),
        json!((route.seconds.0 * 10.0).round() / 10.0),
    );
    properties.insert("metres".into(), json!(route.meters.0.round()));
    let feature = geojson::feature(geojson::line_string(&route.geometry), properties);
    if let Some(path) = &args.output {
        geojson::write(path, &feature)?;
        eprintln!("wrote {}", path.display());
    }
    match args.format {
        RouteFormat::Text => println!(
            "{}",
            route_line(route.seconds, route.meters, loaded.profile)
        ),
        RouteFormat::Geojson => println!("{feature}"),
    }
    Ok(())
}

/// "12.4 min, 8.31 km by car": what a person asks of a route first.
fn route_line(seconds: Seconds, meters: Meters, profile: Profile) -> String {
    format!(
        "{:.1} min, {:.2} km by {}",
        seconds.0 / 60.0,
        meters.0 / 1000.0,
        profile.name()
    )
}

pub fn matrix(args: MatrixArgs) -> Result<()> {
    let loaded = load(&args.graph)?;
    let graph = loaded.graph();
    let sources = read_points(&args.sources)?;
    let targets = read_points(&args.targets)?;
    let source_snaps = snap_points(graph, &sources, &args.sources, loaded.max_snap)?;
    let target_snaps = snap_points(graph, &targets, &args.targets, loaded.max_snap)?;
    let started = Instant::now();
    let matrix = roadnet::matrix(graph, &source_snaps, &target_snaps);
    let elapsed = started.elapsed();
    let file = std::fs::File::create(&args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "source_id,target_id,seconds,metres")?;
    for (s, source) in sources.iter().enumerate() {
        for (t, target) in targets.iter().enumerate() {
            match matrix.get(s, t) {
                Some((seconds, meters)) => writeln!(
                    out,
                    "{},{},{:.3},{:.1}",
                    source.id, target.id, seconds.0, meters.0
                )?,
                None => writeln!(out, "{},{},,", source.id, target.id)?,
            }
        }
    }
    out.flush()?;
    eprintln!(
        "{} x {} matrix in {:.3} s, wrote {}",
        sources.len(),
        targets.len(),
        elapsed.as_secs_f64(),
        args.output.display()
    );
    Ok(())
}

pub fn isochrone(args: IsochroneArgs) -> Result<()> {
    let loaded = load(&args.graph)?;
    let graph = loaded.graph();
    let minutes = parse_minutes(&args.minutes)?;
    let limits: Vec<Seconds> = minutes.iter().map(|&m| Seconds::from_minutes(m)).collect();
    let stations = read_points(&args.stations)?;
    let snaps = snap_points(graph, &stations, &args.stations, loaded.max_snap)?;
    let mut features = Vec::new();
    for (station, snap) in stations.iter().zip(&snaps) {
        for (circle, &m) in roadnet::isochrone(graph, snap, &limits)
            .iter()
            .zip(&minutes)
        {
            let mut properties = Map::new();
            properties.insert("station_id".into(), json!(station.id));
            properties.insert("minutes".into(), json!(m));
            properties.insert(
                "road_km".into(),
                json!((circle.road.0 / 10.0).round() / 100.0),
            );
            properties.insert("profile".into(), json!(loaded.profile.name()));
            features.push(geojson::feature(
                geojson::multi_polygon(&circle.polygons),
                properties,
            ));
        }
    }
    geojson::write(&args.output, &geojson::feature_collection(features))?;
    eprintln!(
        "{} stations x {} limits, wrote {}",
        stations.len(),
        minutes.len(),
        args.output.display()
    );
    Ok(())
}

pub fn reach(args: ReachArgs) -> Result<()> {
    let loaded = load(&args.graph)?;
    let graph = loaded.graph();
    let minutes = parse_minutes(&args.minutes)?;
    let stations = read_points(&args.stations)?;
    let points = read_points(&args.points)?;
    let station_snaps = snap_points(graph, &stations, &args.stations, loaded.max_snap)?;
    let point_snaps = snap_points(graph, &points, &args.points, loaded.max_snap)?;
    let nearest = roadnet::nearest_station(graph, &station_snaps, &point_snaps);

    if let Some(output) = &args.output {
        let file = std::fs::File::create(output)
            .with_context(|| format!("cannot write {}", output.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let within: Vec<String> = minutes
            .iter()
            .map(|m| format!("within_{}min", minutes_label(*m)))
            .collect();
        writeln!(
            out,
            "point_id,station_id,seconds,metres,{}",
            within.join(",")
        )?;
        for (point, found) in points.iter().zip(&nearest) {
            match found {
                Some(found) => {
                    let flags: Vec<&str> = minutes
                        .iter()
                        .map(|m| {
                            if found.seconds.0 <= m * 60.0 {
                                "1"
                            } else {
                                "0"
                            }
                        })
                        .collect();
                    writeln!(
                        out,
                        "{},{},{:.1},{:.1},{}",
                        point.id,
                        stations[found.station].id,
                        found.seconds.0,
                        found.meters.0,
                        flags.join(",")
                    )?;
                }
                None => writeln!(
                    out,
                    "{},,,,{}",
                    point.id,
                    vec!["0"; minutes.len()].join(",")
                )?,
            }
        }
        out.flush()?;
    }
    let summary = reach_summary(&points, &nearest, &minutes);
    match args.format {
        SummaryFormat::Text => print!("{}", reach_table(&summary)),
        SummaryFormat::Json => println!("{}", serde_json::to_string_pretty(&summary)?),
    }
    Ok(())
}

/// Share of points, and of weight when the points carry one, inside each limit.
fn reach_summary(
    points: &[NamedPoint],
    nearest: &[Option<roadnet::NearestStation>],
    minutes: &[f64],
) -> Value {
    let weighted = points.iter().all(|p| p.weight.is_some());
    let total_weight: f64 = points.iter().map(|p| p.weight.unwrap_or(1.0)).sum();
    let limits: Vec<Value> = minutes
        .iter()
        .map(|&m| {
            let inside: Vec<usize> = nearest
                .iter()
                .enumerate()
                .filter(|(_, n)| n.is_some_and(|n| n.seconds.0 <= m * 60.0))
                .map(|(i, _)| i)
                .collect();
            let mut limit = Map::new();
            limit.insert("minutes".into(), json!(m));
            limit.insert("points_within".into(), json!(inside.len()));
            limit.insert(
                "share_of_points".into(),
                json!(share_rounded(inside.len() as f64 / points.len() as f64)),
            );
            if weighted {
                let weight: f64 = inside
                    .iter()
                    .map(|&i| points[i].weight.unwrap_or(0.0))
                    .sum();
                limit.insert(
                    "share_of_weight".into(),
                    json!(share_rounded(if total_weight > 0.0 {
                        weight / total_weight
                    } else {
                        0.0
                    })),
                );
            }
            Value::Object(limit)
        })
        .collect();
    let mut times: Vec<f64> = nearest.iter().flatten().map(|n| n.seconds.0).collect();
    times.sort_by(f64::total_cmp);
    let median = times
        .get(times.len() / 2)
        .map(|seconds| (seconds * 10.0).round() / 10.0);
    json!({"points": points.len(), "unreached": nearest.iter().filter(|n| n.is_none()).count(), "median_seconds": median, "limits": limits})
}

/// A share rounded to 0.1 %: finer digits are noise to a planner.
fn share_rounded(share: f64) -> f64 {
    (share * 1000.0).round() / 1000.0
}

/// The reach summary as a small table: one row per limit, shares in percent.
fn reach_table(summary: &Value) -> String {
    let mut text = format!(
        "{} points, {} reached by no station; median {} to the nearest station\n",
        summary["points"],
        summary["unreached"],
        summary["median_seconds"]
            .as_f64()
            .map(|seconds| format!("{:.1} min", seconds / 60.0))
            .unwrap_or_else(|| "(none reached)".into())
    );
    let limits = summary["limits"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let weighted = limits
        .first()
        .is_some_and(|limit| limit.get("share_of_weight").is_some());
    text.push_str(&format!(
        "{:<10} {:>8} {:>10}{}\n",
        "within",
        "points",
        "of points",
        if weighted {
            format!(" {:>11}", "of weight")
        } else {
            String::new()
        }
    ));
    let percent = |value: &Value| format!("{:.1} %", value.as_f64().unwrap_or(0.0) * 100.0);
    for limit in limits {
        let minutes = minutes_label(limit["minutes"].as_f64().unwrap_or(0.0));
        text.push_str(&format!(
            "{:<10} {:>8} {:>10}{}\n",
            format!("{minutes} min"),
            limit["points_within"].as_u64().unwrap_or(0),
            percent(&limit["share_of_points"]),
            if weighted {
                format!(" {:>11}", percent(&limit["share_of_weight"]))
            } else {
                String::new()
            }
        ));
    }
    text
}
