//! `pingan cover`: who is inside the rapid-response circles (快反圈) today, on a city (road travel
//! times from the workstations and unit homes) or on a coverage instance: weight covered within
//! 1, 3 and 5 minutes overall and per patrol grid, the uncovered key places, the worst-served
//! grids, and a self-contained HTML report (map, coverage curve, histogram) that needs no
//! internet.

use crate::city::{positive, refuse_with_instance, City, CityArgs};
use crate::roads::SummaryFormat;
use crate::site::plan_instance;
use anyhow::{bail, Context, Result};
use formats::geojson;
use formats::points::{read_points, read_tagged_points_csv, NamedPoint};
use measure::{LocalProjection, LonLat, Meters};
use roadnet::Snap;
use scenario::{Deployment, DeploymentOptions, PatrolGrid};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct CoverArgs {
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
    /// Existing workstations on the city: CSV id,lon,lat (or GeoJSON points with an id).
    #[arg(long, value_name = "FILE")]
    pub stations: Option<PathBuf>,
    /// Unit home positions on the city, CSV id,lon,lat: responses start there too.
    #[arg(long, value_name = "FILE")]
    pub units: Option<PathBuf>,
    /// Deployment TOML: its patrol grids and key places, and its workstations when --stations
    /// is not given.
    #[arg(long, value_name = "FILE")]
    pub deployment: Option<PathBuf>,
    /// Side of the square patrol grids laid over the built-up city when no deployment gives
    /// grids (metres), as `pingan simulate` lays them.
    #[arg(long, value_name = "METERS", default_value_t = 500.0)]
    pub grid_size: f64,
    /// Key places: CSV id,lon,lat,kind[,name] with kind crowded_place (人员密集场所), key_unit
    /// (重点单位), vital_site (要害部位) or must_visit (必到点).
    #[arg(long, value_name = "FILE")]
    pub key_places: Option<PathBuf>,
    /// Instance mode: site ids to treat as open, comma-separated (default: the fixed sites,
    /// i.e. today's stations). Pass the "selected" list of `pingan site` to see a plan.
    #[arg(long, value_delimiter = ',')]
    pub open: Vec<String>,
    /// Time limits in minutes, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1.0, 3.0, 5.0])]
    pub minutes: Vec<f64>,
    /// Write a self-contained HTML report (map and charts) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write demand points (with their time to the nearest open site), grids, stations and key
    /// places as GeoJSON.
    #[arg(long, value_name = "FILE")]
    pub geojson: Option<PathBuf>,
    /// How many uncovered points to list, heaviest first.
    #[arg(long, default_value_t = 20)]
    pub list: usize,
    /// How many worst-served grids to list.
    #[arg(long, default_value_t = 10)]
    pub worst: usize,
    /// What standard output shows: text (tables) or json (every figure, pretty-printed).
    #[arg(long, value_enum, default_value = "text")]
    pub format: SummaryFormat,
}

/// A place and how fast the nearest open site reaches it.
#[derive(Debug, Clone, PartialEq)]
struct Reached {
    id: String,
    position: LonLat,
    weight: f64,
    /// Seconds from the nearest open site (`None`: no open site reaches it).
    seconds: Option<f64>,
    /// Index into [`Report::sources`] of that site.
    by: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
struct KeyPlaceReached {
    place: Reached,
    name: String,
    kind: String,
}

/// Everything a coverage report shows, from a city or an instance.
struct Report {
    title: String,
    /// Where responses start: open sites, or workstations and unit homes.
    sources: Vec<(String, LonLat)>,
    demand: Vec<Reached>,
    grids: Vec<PatrolGrid>,
    key_places: Vec<KeyPlaceReached>,
    /// Ascending.
    minutes: Vec<f64>,
}

/// One grid's demand and how much of it each limit covers.
struct GridCoverage {
    grid: usize,
    weight: f64,
    points: usize,
    /// Per limit, the weight within it.
    covered: Vec<f64>,
    /// Weighted mean seconds to the nearest open site, over the points some site reaches.
    mean_seconds: Option<f64>,
}

impl Report {
    fn total_weight(&self) -> f64 {
        self.demand.iter().map(|point| point.weight).sum()
    }

    fn covered(&self, seconds: f64) -> (f64, usize) {
        let mut weight = 0.0;
        let mut points = 0;
        for point in &self.demand {
            if point.seconds.is_some_and(|time| time <= seconds) {
                weight += point.weight;
                points += 1;
            }
        }
        (weight, points)
    }

    /// The limit grids are ranked by: 3 minutes when asked for, else the middle one.
    fn target(&self) -> usize {
        self.minutes
            .iter()
            .position(|&limit| limit == 3.0)
            .unwrap_or(self.minutes.len() / 2)
    }

    /// Per grid, its demand and coverage; the weight of points outside every grid.
    fn grid_coverage(&self) -> (Vec<GridCoverage>, f64) {
        let mut rows: Vec<GridCoverage> = (0..self.grids.len())
            .map(|grid| GridCoverage {
                grid,
                weight: 0.0,
                points: 0,
                covered: vec![0.0; self.minutes.len()],
                mean_seconds: None,
            })
            .collect();
        let mut timed = vec![(0.0f64, 0.0f64); self.grids.len()];
        let mut outside = 0.0;
        for point in &self.demand {
            let Some(grid) = self.grids.iter().position(|g| g.contains(point.position)) else {
                outside += point.weight;
                continue;
            };
            let row = &mut rows[grid];
            row.weight += point.weight;
            row.points += 1;
            if let Some(time) = point.seconds {
                for (covered, &limit) in row.covered.iter_mut().zip(&self.minutes) {
                    if time <= limit * 60.0 {
                        *covered += point.weight;
                    }
                }
                timed[grid].0 += point.weight * time;
                timed[grid].1 += point.weight;
            }
        }
        for (row, (weighted, weight)) in rows.iter_mut().zip(timed) {
            row.mean_seconds = (weight > 0.0).then(|| weighted / weight);
        }
        (rows, outside)
    }

    /// Grids with demand, worst first: lowest share within the target limit, then most
    /// uncovered weight.
    fn worst_grids(&self, rows: &[GridCoverage]) -> Vec<usize> {
        let target = self.target();
        let mut order: Vec<usize> = (0..rows.len()).filter(|&r| rows[r].weight > 0.0).collect();
        order.sort_by(|&a, &b| {
            let share = |row: &GridCoverage| row.covered[target] / row.weight;
            let uncovered = |row: &GridCoverage| row.weight - row.covered[target];
            share(&rows[a])
                .total_cmp(&share(&rows[b]))
                .then(uncovered(&rows[b]).total_cmp(&uncovered(&rows[a])))
                .then(a.cmp(&b))
        });
        order
    }

    fn source_name(&self, by: Option<usize>) -> Value {
        json!(by.map(|source| self.sources[source].0.clone()))
    }

    fn summary(&self, list: usize, worst: usize) -> Value {
        let total = self.total_weight();
        let limits: Vec<Value> = self
            .minutes
            .iter()
            .map(|&limit| {
                let (weight, points) = self.covered(limit * 60.0);
                json!({
                    "minutes": limit,
                    "covered_weight": rounded(weight),
                    "share": share_rounded(share(weight, total)),
                    "points": points,
                })
            })
            .collect();
        let uncovered = self.uncovered();
        let listed: Vec<Value> = uncovered
            .iter()
            .take(list)
            .map(|&demand| {
                let point = &self.demand[demand];
                json!({"id": point.id, "weight": point.weight, "seconds": point.seconds.map(tenth)})
            })
            .collect();
        let unreached = self.demand.iter().filter(|p| p.seconds.is_none()).count();
        let mut line = Map::new();
        line.insert("open_sites".into(), json!(self.sources.len()));
        line.insert("demand_points".into(), json!(self.demand.len()));
        line.insert("total_weight".into(), json!(rounded(total)));
        line.insert("limits".into(), json!(limits));
        line.insert("uncovered_points".into(), json!(uncovered.len()));
        line.insert("unreached_points".into(), json!(unreached));
        line.insert("uncovered".into(), json!(listed));
        if !self.grids.is_empty() {
            let (rows, outside) = self.grid_coverage();
            let grid_json = |row: &GridCoverage| {
                let grid = &self.grids[row.grid];
                json!({
                    "id": grid.id.0,
                    "workstation": grid.workstation.0,
                    "weight": rounded(row.weight),
                    "points": row.points,
                    "shares": row.covered.iter().map(|&c| share_rounded(share(c, row.weight))).collect::<Vec<_>>(),
                    "mean_seconds": row.mean_seconds.map(tenth),
                })
            };
            line.insert(
                "grids".into(),
                json!(rows.iter().map(grid_json).collect::<Vec<_>>()),
            );
            line.insert("outside_grids_weight".into(), json!(rounded(outside)));
            line.insert(
                "worst_grids".into(),
                json!(self
                    .worst_grids(&rows)
                    .iter()
                    .take(worst)
                    .map(|&row| grid_json(&rows[row]))
                    .collect::<Vec<_>>()),
            );
        }
        if !self.key_places.is_empty() {
            let widest = self.widest();
            let places: Vec<Value> = self
                .key_places
                .iter()
                .map(|key| {
                    json!({
                        "id": key.place.id,
                        "name": key.name,
                        "kind": key.kind,
                        "seconds": key.place.seconds.map(tenth),
                        "nearest": self.source_name(key.place.by),
                        "within": self.minutes.iter().map(|&m| key.place.seconds.is_some_and(|s| s <= m * 60.0)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let uncovered: Vec<&str> = self
                .key_places
                .iter()
                .filter(|key| !key.place.seconds.is_some_and(|s| s <= widest))
                .map(|key| key.place.id.as_str())
                .collect();
            line.insert("key_places".into(), json!(places));
            line.insert("uncovered_key_places".into(), json!(uncovered));
        }
        Value::Object(line)
    }

    /// The summary for people: overall shares, the worst-served grids, the uncovered key
    /// places and the heaviest uncovered points.
    fn text(&self, list: usize, worst: usize) -> String {
        let total = self.total_weight();
        let percent = |part: f64, whole: f64| format!("{:.1} %", 100.0 * share(part, whole));
        let mut text = String::new();
        let _ = writeln!(
            text,
            "{}: {} open sites, {} demand points (weight {:.1})",
            self.title,
            self.sources.len(),
            self.demand.len(),
            total
        );
        let _ = writeln!(text, "{:<10} {:>10} {:>8}", "within", "of weight", "points");
        for &limit in &self.minutes {
            let (weight, points) = self.covered(limit * 60.0);
            let _ = writeln!(
                text,
                "{:<10} {:>10} {:>8}",
                format!("{} min", number_label(limit)),
                percent(weight, total),
                points
            );
        }
        if !self.grids.is_empty() {
            let (rows, outside) = self.grid_coverage();
            let order = self.worst_grids(&rows);
            let _ = writeln!(
                text,
                "\nworst-served patrol grids ({} of {} with demand; weight outside every grid {:.1}):",
                worst.min(order.len()),
                order.len(),
                outside
            );
            let _ = write!(text, "{:<16} {:<14} {:>8}", "grid", "workstation", "weight");
            for &limit in &self.minutes {
                let _ = write!(text, " {:>8}", format!("{} min", number_label(limit)));
            }
            let _ = writeln!(text, " {:>10}", "mean min");
            for &row in order.iter().take(worst) {
                let row = &rows[row];
                let grid = &self.grids[row.grid];
                let _ = write!(
                    text,
                    "{:<16} {:<14} {:>8.1}",
                    grid.id.0, grid.workstation.0, row.weight
                );
                for &covered in &row.covered {
                    let _ = write!(text, " {:>8}", percent(covered, row.weight));
                }
                let _ = writeln!(
                    text,
                    " {:>10}",
                    row.mean_seconds
                        .map(|s| format!("{:.1}", s / 60.0))
                        .unwrap_or_else(|| "unreached".into())
                );
            }
        }
        if !self.key_places.is_empty() {
            let widest = self.widest();
            let uncovered: Vec<&KeyPlaceReached> = self
                .key_places
                .iter()
                .filter(|key| !key.place.seconds.is_some_and(|s| s <= widest))
                .collect();
            let _ = writeln!(
                text,
                "\nkey places beyond {} min: {} of {}",
                number_label(widest / 60.0),
                uncovered.len(),
                self.key_places.len()
            );
            for key in uncovered {
                let _ = writeln!(
                    text,
                    "  {} {} ({}): {}",
                    key.place.id,
                    key.name,
                    key.kind,
                    self.time_from(&key.place)
                );
            }
        }
        let uncovered = self.uncovered();
        let _ = writeln!(
            text,
            "\ndemand points beyond {} min: {} (heaviest {} listed)",
            number_label(self.widest() / 60.0),
            uncovered.len(),
            list.min(uncovered.len())
        );
        for &demand in uncovered.iter().take(list) {
            let point = &self.demand[demand];
            let _ = writeln!(
                text,
                "  {} weight {:.2}: {}",
                point.id,
                point.weight,
                self.time_from(point)
            );
        }
        text
    }

    /// "6.2 min from HD-03", or "reached by no open site".
    fn time_from(&self, place: &Reached) -> String {
        match (place.seconds, place.by) {
            (Some(seconds), Some(source)) => {
                format!("{:.1} min from {}", seconds / 60.0, self.sources[source].0)
            }
            _ => "reached by no open site".into(),
        }
    }

    fn widest(&self) -> f64 {
        self.minutes.last().expect("checked non-empty") * 60.0
    }

    /// Demand points beyond the widest limit, heaviest first.
    fn uncovered(&self) -> Vec<usize> {
        let widest = self.widest();
        let mut uncovered: Vec<usize> = (0..self.demand.len())
            .filter(|&d| !self.demand[d].seconds.is_some_and(|time| time <= widest))
            .collect();
        uncovered.sort_by(|a, b| {
            self.demand[*b]
                .weight
                .total_cmp(&self.demand[*a].weight)
                .then(a.cmp(b))
        });
        uncovered
    }

    fn geojson(&self) -> Value {
        let mut features = Vec::new();
        for point in &self.demand {
            let mut properties = Map::new();
            properties.insert("layer".into(), json!("demand"));
            properties.insert("id".into(), json!(point.id));
            properties.insert("weight".into(), json!(point.weight));
            properties.insert("seconds".into(), json!(point.seconds));
            properties.insert("nearest".into(), self.source_name(point.by));
            for &limit in &self.minutes {
                properties.insert(
                    format!("within_{limit}_min"),
                    json!(point.seconds.is_some_and(|time| time <= limit * 60.0)),
                );
            }
            features.push(geojson::feature(point_geometry(point.position), properties));
        }
        if !self.grids.is_empty() {
            let (rows, _) = self.grid_coverage();
            for row in &rows {
                let grid = &self.grids[row.grid];
                let mut properties = Map::new();
                properties.insert("layer".into(), json!("grid"));
                properties.insert("id".into(), json!(grid.id.0));
                properties.insert("workstation".into(), json!(grid.workstation.0));
                properties.insert("weight".into(), json!(rounded(row.weight)));
                for (&limit, &covered) in self.minutes.iter().zip(&row.covered) {
                    properties.insert(
                        format!("share_within_{limit}_min"),
                        json!(rounded(share(covered, row.weight))),
                    );
                }
                let (sw, ne) = (grid.south_west, grid.north_east);
                let ring = vec![
                    sw,
                    LonLat {
                        lon: ne.lon,
                        lat: sw.lat,
                    },
                    ne,
                    LonLat {
                        lon: sw.lon,
                        lat: ne.lat,
                    },
                    sw,
                ];
                features.push(geojson::feature(
                    geojson::multi_polygon(&[vec![ring]]),
                    properties,
                ));
            }
        }
        for (id, position) in &self.sources {
            let mut properties = Map::new();
            properties.insert("layer".into(), json!("station"));
            properties.insert("id".into(), json!(id));
            features.push(geojson::feature(point_geometry(*position), properties));
        }
        for key in &self.key_places {
            let mut properties = Map::new();
            properties.insert("layer".into(), json!("key_place"));
            properties.insert("id".into(), json!(key.place.id));
            properties.insert("name".into(), json!(key.name));
            properties.insert("kind".into(), json!(key.kind));
            properties.insert("seconds".into(), json!(key.place.seconds));
            properties.insert("nearest".into(), self.source_name(key.place.by));
            features.push(geojson::feature(
                point_geometry(key.place.position),
                properties,
            ));
        }
        geojson::feature_collection(features)
    }
}

/// 3 for 3.0, 2.5 for 2.5.
fn number_label(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    }
}

fn point_geometry(position: LonLat) -> Value {
    json!({"type": "Point", "coordinates": geojson::position(position)})
}

pub fn run(args: CoverArgs) -> Result<()> {
    let mut minutes = args.minutes.clone();
    if minutes.is_empty() || minutes.iter().any(|m| !(m.is_finite() && *m > 0.0)) {
        bail!("--minutes needs positive numbers, e.g. --minutes 1,3,5");
    }
    minutes.sort_by(f64::total_cmp);
    minutes.dedup();
    let report = match &args.instance {
        Some(directory) => instance_report(&args, directory, minutes)?,
        None => city_report(&args, minutes)?,
    };
    match args.format {
        SummaryFormat::Text => print!("{}", report.text(args.list, args.worst)),
        SummaryFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report.summary(args.list, args.worst))?
        ),
    }
    if let Some(path) = &args.geojson {
        geojson::write(path, &report.geojson())?;
    }
    if let Some(path) = &args.html {
        std::fs::write(path, html_report(&report))
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    Ok(())
}

fn instance_report(args: &CoverArgs, directory: &Path, minutes: Vec<f64>) -> Result<Report> {
    refuse_with_instance(&[
        ("--demand", args.city.demand.is_some()),
        ("--stations", args.stations.is_some()),
        ("--units", args.units.is_some()),
        ("--deployment", args.deployment.is_some()),
        ("--key-places", args.key_places.is_some()),
    ])?;
    let files = formats::instance::read_instance(directory)?;
    let instance = plan_instance(&files)
        .with_context(|| format!("{} is not a valid instance", directory.display()))?;
    let open: Vec<usize> = if args.open.is_empty() {
        (0..files.sites.len())
            .filter(|&site| files.sites[site].fixed)
            .collect()
    } else {
        args.open
            .iter()
            .map(|id| {
                instance.site_index(id.trim()).with_context(|| {
                    format!(
                        "--open names site '{id}', which is not in {}",
                        directory.join("sites.csv").display()
                    )
                })
            })
            .collect::<Result<_>>()?
    };
    if open.is_empty() {
        bail!(
            "no site is open: {} marks no site fixed=1; name the open sites with --open ID,ID",
            directory.join("sites.csv").display()
        );
    }
    let mut source_of = vec![None; files.sites.len()];
    for (source, &site) in open.iter().enumerate() {
        source_of[site] = Some(source);
    }
    let demand = files
        .demand
        .iter()
        .enumerate()
        .map(|(index, point)| {
            let (sites, seconds) = instance.sites_reaching(index);
            let nearest = sites
                .iter()
                .zip(seconds)
                .find_map(|(site, &time)| source_of[*site as usize].map(|source| (time, source)));
            Reached {
                id: point.id.clone(),
                position: point.position,
                weight: point.weight,
                seconds: nearest.map(|(time, _)| time),
                by: nearest.map(|(_, source)| source),
            }
        })
        .collect();
    Ok(Report {
        title: format!("Coverage of {}", directory.display()),
        sources: open
            .iter()
            .map(|&site| (files.sites[site].id.clone(), files.sites[site].position))
            .collect(),
        demand,
        grids: Vec::new(),
        key_places: Vec::new(),
        minutes,
    })
}

const NO_STATIONS: &str =
    "give today's workstations with --stations existing.csv (or --deployment FILE.toml)";

/// The point kinds of `dispatch::PlaceKind`, as the CSV spells them.
const KEY_PLACE_KINDS: [&str; 4] = ["crowded_place", "key_unit", "vital_site", "must_visit"];

fn city_report(args: &CoverArgs, minutes: Vec<f64>) -> Result<Report> {
    if !args.open.is_empty() {
        bail!("--open picks sites of an --instance; on a city, give the open stations with --stations");
    }
    positive("--grid-size", args.grid_size)?;
    let city = City::load(&args.city)?;
    let graph = city.graph();
    let deployment = args
        .deployment
        .as_ref()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read deployment {}", path.display()))?;
            Ok::<_, anyhow::Error>(Deployment::from_toml(&text, &path.display().to_string())?)
        })
        .transpose()?;
    let (stations, stations_file): (Vec<NamedPoint>, PathBuf) =
        match (&args.stations, &deployment, &args.deployment) {
            (Some(path), _, _) => (read_points(path)?, path.clone()),
            (None, Some(deployment), Some(path)) => (
                deployment
                    .workstations
                    .iter()
                    .map(|station| NamedPoint {
                        id: station.id.0.clone(),
                        position: station.location,
                        weight: None,
                    })
                    .collect(),
                path.clone(),
            ),
            _ => bail!(NO_STATIONS),
        };
    let mut sources: Vec<(String, LonLat)> = stations
        .iter()
        .map(|station| (station.id.clone(), station.position))
        .collect();
    let mut source_snaps = city.snap_all(&stations, &stations_file, "station")?;
    if let Some(path) = &args.units {
        let units = read_points(path)?;
        source_snaps.extend(city.snap_all(&units, path, "unit")?);
        sources.extend(units.iter().map(|unit| (unit.id.clone(), unit.position)));
    }

    let demand_points = city.demand(&args.city)?;
    let demand_file = args
        .city
        .demand
        .clone()
        .unwrap_or_else(|| PathBuf::from("generated demand"));
    let demand_snaps = city.snap_all(&demand_points, &demand_file, "demand point")?;
    let reached = |points: &[NamedPoint], snaps: &[Snap]| -> Vec<Reached> {
        let nearest = roadnet::nearest_station(graph, &source_snaps, snaps);
        points
            .iter()
            .zip(nearest)
            .map(|(point, nearest)| Reached {
                id: point.id.clone(),
                position: point.position,
                weight: point.weight.unwrap_or(1.0),
                seconds: nearest.map(|n| n.seconds.0),
                by: nearest.map(|n| n.station),
            })
            .collect()
    };
    let demand = reached(&demand_points, &demand_snaps);

    let grids = match &deployment {
        Some(deployment) if !deployment.grids.is_empty() => deployment.grids.clone(),
        _ => {
            let grids = generated_grids(&city, &stations, Meters(args.grid_size))?;
            eprintln!(
                "no patrol grids given (--deployment): laid {} squares of {} m over the city, each guarded by the nearest workstation",
                grids.len(),
                args.grid_size
            );
            grids
        }
    };
    let key_places = match (&args.key_places, &deployment) {
        (Some(path), _) => {
            let tagged = read_tagged_points_csv(path, "kind", &KEY_PLACE_KINDS)?;
            let points: Vec<NamedPoint> = tagged.iter().map(|t| t.point.clone()).collect();
            let snaps = city.snap_all(&points, path, "key place")?;
            reached(&points, &snaps)
                .into_iter()
                .zip(tagged)
                .map(|(place, tagged)| KeyPlaceReached {
                    place,
                    name: tagged.name,
                    kind: tagged.tag,
                })
                .collect()
        }
        (None, Some(deployment)) => {
            // Must-patrol lines are routes, not places to reach: only point places count.
            let point_places: Vec<(&dispatch::Place, measure::LonLat)> = deployment
                .places
                .iter()
                .filter_map(|place| match place.shape {
                    dispatch::PlaceShape::Point(at) => Some((place, at)),
                    dispatch::PlaceShape::Line(_) => None,
                })
                .collect();
            let points: Vec<NamedPoint> = point_places
                .iter()
                .map(|(place, at)| NamedPoint {
                    id: place.id.clone(),
                    position: *at,
                    weight: None,
                })
                .collect();
            let file = args.deployment.clone().expect("a deployment was read");
            let snaps = city.snap_all(&points, &file, "key place")?;
            reached(&points, &snaps)
                .into_iter()
                .zip(&point_places)
                .map(|(place, (key, _))| KeyPlaceReached {
                    place,
                    name: key.name.clone(),
                    kind: serde_json::to_value(key.kind)
                        .ok()
                        .and_then(|kind| kind.as_str().map(str::to_string))
                        .unwrap_or_default(),
                })
                .collect()
        }
        (None, None) => Vec::new(),
    };
    Ok(Report {
        title: format!(
            "Coverage of {} by {} road",
            args.city.graph.as_ref().expect("checked on load").display(),
            city.profile.name()
        ),
        sources,
        demand,
        grids,
        key_places,
        minutes,
    })
}

/// Square grids over the built-up city, each guarded by the workstation nearest by road: the
/// grids `pingan simulate` generates around the same workstations.
fn generated_grids(city: &City, stations: &[NamedPoint], size: Meters) -> Result<Vec<PatrolGrid>> {
    let options = DeploymentOptions {
        n_workstations: stations.len(),
        grid_size: size,
        existing_workstations: stations
            .iter()
            .map(|station| (station.id.clone(), station.id.clone(), station.position))
            .collect(),
        ..DeploymentOptions::default()
    };
    let deployment = scenario::generate_deployment(&city.network, &options, 1)
        .context("cannot lay patrol grids over the city; give them with --deployment FILE.toml")?;
    Ok(deployment.grids)
}

fn share(part: f64, total: f64) -> f64 {
    if total > 0.0 {
        part / total
    } else {
        0.0
    }
}

/// A share to 0.1 %.
fn share_rounded(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// Seconds to 0.1 s.
fn tenth(seconds: f64) -> f64 {
    (seconds * 10.0).round() / 10.0
}

/// Six decimals: hides summation noise without touching real digits.
fn rounded(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const COLORS: [&str; 4] = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59"];
const OUTSIDE: &str = "#d73027";

/// The color of a point: the first limit it meets, red beyond all.
fn color(seconds: Option<f64>, minutes: &[f64]) -> &'static str {
    match seconds {
        Some(time) => minutes
            .iter()
            .position(|&limit| time <= limit * 60.0)
            .map(|index| COLORS[index.min(COLORS.len() - 1)])
            .unwrap_or(OUTSIDE),
        None => OUTSIDE,
    }
}

/// Red (0) through yellow to green (1).
fn share_color(fraction: f64) -> String {
    let fraction = fraction.clamp(0.0, 1.0);
    let (red, green) = if fraction < 0.5 {
        (215.0, 48.0 + (224.0 - 48.0) * fraction * 2.0)
    } else {
        (
            215.0 - (215.0 - 26.0) * (fraction - 0.5) * 2.0,
            224.0 - (224.0 - 152.0) * (fraction - 0.5) * 2.0,
        )
    };
    format!("rgb({:.0},{:.0},60)", red, green)
}

fn html_report(report: &Report) -> String {
    let minutes = &report.minutes;
    let total = report.total_weight();
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title><style>\
         body{{font-family:sans-serif;margin:2em;max-width:1100px}}table{{border-collapse:collapse;margin-bottom:1em}}\
         td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}svg{{background:#fafafa;border:1px solid #ddd}}\
         .charts{{display:flex;gap:2em;flex-wrap:wrap}}</style></head><body><h1>{}</h1>",
        escape(&report.title),
        escape(&report.title)
    );
    let _ = write!(
        html,
        "<p>{} open sites, {} demand points, total weight {:.1}.</p><table><tr><th>within</th><th>weight covered</th><th>share</th><th>points</th></tr>",
        report.sources.len(),
        report.demand.len(),
        total
    );
    for &limit in minutes {
        let (weight, points) = report.covered(limit * 60.0);
        let _ = write!(
            html,
            "<tr><td>{limit} min</td><td>{weight:.1}</td><td>{:.1} %</td><td>{points}</td></tr>",
            100.0 * share(weight, total)
        );
    }
    html.push_str("</table>");

    html.push_str("<h2>Map</h2>");
    html.push_str(&map_svg(report));
    html.push_str("<p>");
    for (index, &limit) in minutes.iter().enumerate() {
        let _ = write!(
            html,
            "<span style=\"color:{}\">&#9679;</span> within {limit} min &nbsp; ",
            COLORS[index.min(COLORS.len() - 1)]
        );
    }
    let _ = write!(
        html,
        "<span style=\"color:{OUTSIDE}\">&#9679;</span> beyond &nbsp; &#9632; open site"
    );
    if !report.grids.is_empty() {
        let _ = write!(
            html,
            " &nbsp; squares: patrol grids, red to green by share within {} min",
            minutes[report.target()]
        );
    }
    if !report.key_places.is_empty() {
        html.push_str(" &nbsp; &#9650; key place");
    }
    html.push_str("</p>");

    html.push_str("<div class=\"charts\"><div><h2>Coverage against minutes</h2>");
    html.push_str(&curve_svg(report));
    html.push_str("</div><div><h2>Time to the nearest open site</h2>");
    html.push_str(&histogram_svg(report));
    html.push_str("</div></div>");

    if !report.grids.is_empty() {
        let (rows, outside) = report.grid_coverage();
        let worst = report.worst_grids(&rows);
        let _ = write!(
            html,
            "<h2>Worst-served patrol grids ({} grids with demand; weight outside every grid {:.1})</h2><table><tr><th>grid</th><th>workstation</th><th>weight</th>",
            worst.len(),
            outside
        );
        for &limit in minutes {
            let _ = write!(html, "<th>within {limit} min</th>");
        }
        html.push_str("<th>mean seconds</th></tr>");
        for &row in worst.iter().take(25) {
            let row = &rows[row];
            let grid = &report.grids[row.grid];
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{:.1}</td>",
                escape(&grid.id.0),
                escape(&grid.workstation.0),
                row.weight
            );
            for &covered in &row.covered {
                let _ = write!(html, "<td>{:.0} %</td>", 100.0 * share(covered, row.weight));
            }
            let _ = write!(
                html,
                "<td>{}</td></tr>",
                row.mean_seconds
                    .map(|s| format!("{s:.0}"))
                    .unwrap_or_else(|| "unreachable".into())
            );
        }
        html.push_str("</table>");
    }
    if !report.key_places.is_empty() {
        let widest = report.widest();
        let mut places: Vec<&KeyPlaceReached> = report.key_places.iter().collect();
        places.sort_by(|a, b| {
            let time = |key: &KeyPlaceReached| key.place.seconds.unwrap_or(f64::INFINITY);
            time(b).total_cmp(&time(a))
        });
        let uncovered = places
            .iter()
            .filter(|key| !key.place.seconds.is_some_and(|s| s <= widest))
            .count();
        let _ = write!(
            html,
            "<h2>Key places ({} of {} beyond {} min), slowest first</h2><table><tr><th>id</th><th>name</th><th>kind</th><th>seconds</th><th>nearest</th></tr>",
            uncovered,
            places.len(),
            minutes.last().expect("checked non-empty")
        );
        for key in places {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&key.place.id),
                escape(&key.name),
                escape(&key.kind),
                key.place
                    .seconds
                    .map(|s| format!("{s:.0}"))
                    .unwrap_or_else(|| "unreachable".into()),
                key.place
                    .by
                    .map(|source| escape(&report.sources[source].0))
                    .unwrap_or_default()
            );
        }
        html.push_str("</table>");
    }

    let uncovered = report.uncovered();
    let _ = write!(
        html,
        "<h2>Uncovered within {} min ({} points, heaviest first)</h2><table><tr><th>id</th><th>weight</th><th>seconds to nearest</th></tr>",
        minutes.last().expect("checked non-empty"),
        uncovered.len()
    );
    for &demand in uncovered.iter().take(100) {
        let point = &report.demand[demand];
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&point.id),
            point.weight,
            point
                .seconds
                .map(|time| format!("{time:.0}"))
                .unwrap_or_else(|| "unreachable".into())
        );
    }
    html.push_str("</table></body></html>\n");
    html
}

fn map_svg(report: &Report) -> String {
    let (width, height) = (800.0, 600.0);
    let all: Vec<LonLat> = report
        .demand
        .iter()
        .map(|point| point.position)
        .chain(report.sources.iter().map(|(_, position)| *position))
        .chain(report.key_places.iter().map(|key| key.place.position))
        .collect();
    let centre = LonLat {
        lon: all.iter().map(|p| p.lon).sum::<f64>() / all.len().max(1) as f64,
        lat: all.iter().map(|p| p.lat).sum::<f64>() / all.len().max(1) as f64,
    };
    let projection = LocalProjection::around(centre);
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &point in &all {
        let [x, y] = projection.to_xy(point);
        min_x = min_x.min(x);
        max_x = max_x.max(x);
        min_y = min_y.min(y);
        max_y = max_y.max(y);
    }
    let scale =
        ((width - 20.0) / (max_x - min_x).max(1.0)).min((height - 20.0) / (max_y - min_y).max(1.0));
    let place = |point: LonLat| {
        let [x, y] = projection.to_xy(point);
        (
            10.0 + (x - min_x) * scale,
            height - 10.0 - (y - min_y) * scale,
        )
    };
    let mut svg =
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\">");
    if !report.grids.is_empty() {
        let (rows, _) = report.grid_coverage();
        let target = report.target();
        for row in &rows {
            let grid = &report.grids[row.grid];
            let (x0, y0) = place(LonLat {
                lon: grid.south_west.lon,
                lat: grid.north_east.lat,
            });
            let (x1, y1) = place(LonLat {
                lon: grid.north_east.lon,
                lat: grid.south_west.lat,
            });
            let fill = if row.weight > 0.0 {
                share_color(row.covered[target] / row.weight)
            } else {
                "#eeeeee".to_string()
            };
            let _ = write!(
                svg,
                "<rect x=\"{x0:.1}\" y=\"{y0:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{fill}\" fill-opacity=\"0.35\" stroke=\"#999\" stroke-width=\"0.5\"><title>{}</title></rect>",
                x1 - x0,
                y1 - y0,
                escape(&grid.id.0)
            );
        }
    }
    for point in &report.demand {
        let (x, y) = place(point.position);
        let _ = write!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2\" fill=\"{}\"/>",
            color(point.seconds, &report.minutes)
        );
    }
    for (id, position) in &report.sources {
        let (x, y) = place(*position);
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"7\" height=\"7\" fill=\"#222\"><title>{}</title></rect>",
            x - 3.5,
            y - 3.5,
            escape(id)
        );
    }
    for key in &report.key_places {
        let (x, y) = place(key.place.position);
        let _ = write!(
            svg,
            "<polygon points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" fill=\"{}\" stroke=\"#000\"><title>{}</title></polygon>",
            x,
            y - 6.0,
            x - 5.0,
            y + 4.0,
            x + 5.0,
            y + 4.0,
            color(key.place.seconds, &report.minutes),
            escape(&key.place.id)
        );
    }
    let bar = 1000.0 * scale;
    let _ = write!(
        svg,
        "<line x1=\"10\" y1=\"{0}\" x2=\"{1:.1}\" y2=\"{0}\" stroke=\"#000\" stroke-width=\"2\"/><text x=\"12\" y=\"{2}\" font-size=\"11\">1 km</text></svg>",
        height - 4.0,
        10.0 + bar,
        height - 8.0
    );
    svg
}

/// Axes with ticks for a 490 x 300 chart.
fn axes(svg: &mut String, x_label: &str, y_label: &str, x_max: f64, y_max: f64, y_percent: bool) {
    let _ = write!(
        svg,
        "<line x1=\"50\" y1=\"250\" x2=\"470\" y2=\"250\" stroke=\"#000\"/><line x1=\"50\" y1=\"20\" x2=\"50\" y2=\"250\" stroke=\"#000\"/>\
         <text x=\"260\" y=\"290\" font-size=\"12\" text-anchor=\"middle\">{x_label}</text>\
         <text x=\"12\" y=\"135\" font-size=\"12\" transform=\"rotate(-90 12 135)\" text-anchor=\"middle\">{y_label}</text>"
    );
    for tick in 0..=5 {
        let fraction = tick as f64 / 5.0;
        let x = 50.0 + 420.0 * fraction;
        let y = 250.0 - 230.0 * fraction;
        let _ = write!(
            svg,
            "<text x=\"{x:.0}\" y=\"266\" font-size=\"10\" text-anchor=\"middle\">{:.1}</text>",
            x_max * fraction
        );
        let label = if y_percent {
            format!("{:.0}%", 100.0 * y_max * fraction)
        } else {
            format!("{:.0}", y_max * fraction)
        };
        let _ = write!(
            svg,
            "<text x=\"46\" y=\"{:.0}\" font-size=\"10\" text-anchor=\"end\">{label}</text><line x1=\"50\" y1=\"{y:.0}\" x2=\"470\" y2=\"{y:.0}\" stroke=\"#eee\"/>",
            y + 3.0
        );
    }
}

fn curve_svg(report: &Report) -> String {
    let minutes = &report.minutes;
    let x_max = (minutes.last().expect("checked non-empty") * 2.0).max(10.0);
    let total = report.total_weight();
    let mut svg =
        String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"490\" height=\"300\">");
    axes(&mut svg, "minutes", "weight covered", x_max, 1.0, true);
    let steps = 200;
    let points: Vec<String> = (0..=steps)
        .map(|step| {
            let limit = x_max * step as f64 / steps as f64;
            let (weight, _) = report.covered(limit * 60.0);
            format!(
                "{:.1},{:.1}",
                50.0 + 420.0 * step as f64 / steps as f64,
                250.0 - 230.0 * share(weight, total)
            )
        })
        .collect();
    let _ = write!(
        svg,
        "<polyline fill=\"none\" stroke=\"#2166ac\" stroke-width=\"2\" points=\"{}\"/>",
        points.join(" ")
    );
    for &limit in minutes {
        let x = 50.0 + 420.0 * limit / x_max;
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"20\" x2=\"{x:.1}\" y2=\"250\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
        );
    }
    svg.push_str("</svg>");
    svg
}

fn histogram_svg(report: &Report) -> String {
    const BIN: f64 = 30.0;
    const BINS: usize = 20;
    // The last bar holds everything beyond 10 minutes and the unreachable points.
    let mut weights = [0.0f64; BINS + 1];
    for point in &report.demand {
        let bin = point
            .seconds
            .map(|time| ((time / BIN) as usize).min(BINS))
            .unwrap_or(BINS);
        weights[bin] += point.weight;
    }
    let y_max = weights.iter().copied().fold(0.0, f64::max).max(1e-9);
    let mut svg =
        String::from("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"490\" height=\"300\">");
    axes(
        &mut svg,
        "minutes to the nearest open site (last bar: beyond 10 or unreachable)",
        "weight",
        (BINS + 1) as f64 * BIN / 60.0,
        y_max,
        false,
    );
    let bar_width = 420.0 / (BINS + 1) as f64;
    for (bin, &weight) in weights.iter().enumerate() {
        let bar_height = 230.0 * weight / y_max;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bar_height:.1}\" fill=\"{}\"/>",
            50.0 + bar_width * bin as f64 + 1.0,
            250.0 - bar_height,
            bar_width - 2.0,
            if bin == BINS { OUTSIDE } else { "#4393c3" }
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use scenario::PatrolGridId;

    fn reached(id: &str, lon: f64, weight: f64, seconds: Option<f64>) -> Reached {
        Reached {
            id: id.into(),
            position: LonLat { lon, lat: 39.9 },
            weight,
            seconds,
            by: seconds.map(|_| 0),
        }
    }

    fn grid(id: &str, west: f64, east: f64) -> PatrolGrid {
        PatrolGrid {
            id: PatrolGridId(id.into()),
            workstation: dispatch::WorkstationId("s".into()),
            south_west: LonLat {
                lon: west,
                lat: 39.8,
            },
            north_east: LonLat {
                lon: east,
                lat: 40.0,
            },
        }
    }

    fn report() -> Report {
        Report {
            title: "city".into(),
            sources: vec![(
                "s".into(),
                LonLat {
                    lon: 116.40,
                    lat: 39.9,
                },
            )],
            demand: vec![
                reached("a", 116.401, 1.0, Some(50.0)),
                reached("b", 116.402, 2.0, Some(150.0)),
                reached("c", 116.411, 4.0, Some(400.0)),
                reached("d", 116.412, 8.0, None),
                reached("e", 116.50, 5.0, Some(30.0)),
            ],
            grids: vec![
                grid("G-west", 116.395, 116.405),
                grid("G-east", 116.405, 116.415),
            ],
            key_places: vec![KeyPlaceReached {
                place: reached("KP-1", 116.413, 0.0, Some(500.0)),
                name: "Market".into(),
                kind: "key_place".into(),
            }],
            minutes: vec![1.0, 3.0, 5.0],
        }
    }

    #[test]
    fn counts_weight_per_limit_and_per_grid_and_ranks_the_worst_grid_first() {
        let report = report();
        assert_eq!(report.covered(60.0), (6.0, 2));
        assert_eq!(report.covered(180.0), (8.0, 3));
        let (rows, outside) = report.grid_coverage();
        assert_eq!(outside, 5.0);
        assert_eq!((rows[0].weight, rows[0].points), (3.0, 2));
        assert_eq!(rows[0].covered, vec![1.0, 3.0, 3.0]);
        assert_eq!(rows[1].covered, vec![0.0, 0.0, 0.0]);
        // Only c (weight 4, 400 s) is timed in the east grid; d is unreachable.
        assert_eq!(rows[1].mean_seconds, Some(400.0));
        assert_eq!(report.worst_grids(&rows), vec![1, 0]);
        let summary = report.summary(10, 1);
        assert_eq!(summary["worst_grids"][0]["id"], "G-east");
        assert_eq!(summary["worst_grids"].as_array().unwrap().len(), 1);
        assert_eq!(summary["grids"][0]["shares"], json!([0.333, 1.0, 1.0]));
        assert_eq!(summary["uncovered_key_places"], json!(["KP-1"]));
        assert_eq!(
            summary["key_places"][0]["within"],
            json!([false, false, false])
        );
        assert_eq!(summary["uncovered_points"], 2);
        assert_eq!(summary["uncovered"][0]["id"], "d");
    }

    #[test]
    fn the_html_report_is_self_contained() {
        let html = html_report(&report());
        assert_eq!(html.matches("<svg").count(), 3);
        assert!(html.contains("<td>3 min</td><td>8.0</td><td>40.0 %</td><td>3</td>"));
        assert!(html.contains("<td>d</td><td>8</td><td>unreachable</td>"));
        assert!(html.contains("<td>G-east</td><td>s</td><td>12.0</td><td>0 %</td>"));
        assert!(html.contains("<td>KP-1</td><td>Market</td><td>key_place</td><td>500</td>"));
        // Self-contained: no scripts, styles or images fetched from anywhere.
        assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    }
}
