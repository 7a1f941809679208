//! `pingan demo`: the main job on the bundled real city, with no setup. Builds the graph if needed,
//! deploys workstations, units, patrol grids and places, starts the dispatch server with the
//! command map, and lets the city run: calls at the day's rhythm, units driving real roads.

use anyhow::{bail, Context, Result};
use clap::Args;
use live::{Api, LiveOptions};
use measure::{LonLat, Meters, Seconds};
use roadnet::{Profile, RoadNetwork};
use scenario::{generate_deployment, Deployment, DeploymentOptions};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The bundled city and its illustrative workstations.
const BUNDLED_CITY: &str = "tests/data/heidelberg.osm.pbf";
const BUNDLED_WORKSTATIONS: &str = "data/heidelberg-workstations.csv";

#[derive(Args)]
pub struct DemoArgs {
    /// The city: an OpenStreetMap extract (.osm.pbf).
    #[arg(long, default_value = BUNDLED_CITY)]
    pub city: PathBuf,
    /// Existing workstations: CSV with header id,name,lon,lat (or id,lon,lat). Defaults to the
    /// bundled Heidelberg set for the bundled city; other cities get generated ones.
    #[arg(long)]
    pub stations: Option<PathBuf>,
    /// Workstations to place when none are given.
    #[arg(long, default_value_t = 10)]
    pub workstations: usize,
    /// Units spread over the workstations.
    #[arg(long, default_value_t = 50)]
    pub units: usize,
    /// Seed of the deployment and the calls: the same seed, the same city.
    #[arg(long, default_value_t = 110)]
    pub seed: u64,
    /// Calls per hour on average, following the day's rhythm; 0 for none.
    #[arg(long, default_value_t = 90.0)]
    pub calls_per_hour: f64,
    /// Seconds after which a call nobody dispatched gets the server's proposal; "off" leaves
    /// every call to the dispatcher.
    #[arg(long, default_value = "45")]
    pub auto_dispatch: String,
    /// Where the dashboard and API listen: HOST:PORT or a port alone (8081); port 0 picks a free
    /// port.
    #[arg(long, default_value = "127.0.0.1:8080", value_parser = crate::serve::parse_listen)]
    pub listen: SocketAddr,
    /// MQTT broker for unit positions, HOST:PORT (optional).
    #[arg(long)]
    pub mqtt: Option<String>,
    /// Where the graph, the deployment and the event log go, each named after the city
    /// (CITY.graph, CITY-deployment.toml, CITY-demo.db; the log starts afresh each run).
    /// Default: target/pingan-demo in the repository.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Loads the city's graph, importing it first when it is missing or older than the extract.
pub fn city_graph(pbf: &Path, out: &Path) -> Result<RoadNetwork> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let stem = pbf
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("city")
        .trim_end_matches(".osm.pbf");
    let graph = out.join(format!("{stem}.graph"));
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    let fresh = matches!((modified(&graph), modified(pbf)), (Some(g), Some(p)) if g >= p);
    if fresh {
        match RoadNetwork::load(&graph) {
            Ok(network) => return Ok(network),
            Err(error) => eprintln!("rebuilding the graph: {error}"),
        }
    }
    eprintln!(
        "importing {} (once; later runs reuse {})",
        pbf.display(),
        graph.display()
    );
    let started = Instant::now();
    let network = roadnet::import_pbf(pbf, &|_, _, _| {})?;
    network.save(&graph)?;
    eprintln!("imported in {:.1} s", started.elapsed().as_secs_f64());
    Ok(network)
}

/// Reads workstations as `(id, name, location)`; the name column is optional.
fn read_workstations(path: &Path) -> Result<Vec<(String, String, LonLat)>> {
    let points = formats::points::read_points(path)?;
    let mut names = std::collections::HashMap::new();
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        let mut reader = csv::Reader::from_path(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let headers = reader.headers()?.clone();
        if let (Some(id), Some(name)) = (
            headers.iter().position(|h| h == "id"),
            headers.iter().position(|h| h == "name"),
        ) {
            for record in reader.records() {
                let record = record?;
                names.insert(record[id].to_string(), record[name].to_string());
            }
        }
    }
    Ok(points
        .into_iter()
        .map(|point| {
            let name = names
                .get(&point.id)
                .cloned()
                .unwrap_or_else(|| point.id.clone());
            (point.id, name, point.position)
        })
        .collect())
}

fn parse_auto_dispatch(text: &str) -> Result<Option<Seconds>> {
    if text.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(seconds) if seconds >= 0.0 => Ok(Some(Seconds(seconds))),
        _ => bail!("--auto-dispatch '{text}': give seconds (e.g. 45) or off"),
    }
}

/// A file of the repository: as given when it exists from here, else under the repository this
/// binary was built from, so the defaults work from any directory.
fn in_repository(relative: &str) -> PathBuf {
    let here = PathBuf::from(relative);
    if here.exists() {
        return here;
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    if built_from.exists() {
        built_from
    } else {
        here
    }
}

pub fn run(mut args: DemoArgs) -> Result<()> {
    crate::serve::check_listen_free(args.listen)?;
    let auto_dispatch_after = parse_auto_dispatch(&args.auto_dispatch)?;
    let bundled_city = args.city == Path::new(BUNDLED_CITY);
    if bundled_city {
        args.city = in_repository(BUNDLED_CITY);
    }
    if !args.city.exists() {
        bail!(
            "the city {} does not exist; give an OpenStreetMap extract with --city FILE.osm.pbf",
            args.city.display()
        );
    }
    let out = match &args.out {
        Some(out) => out.clone(),
        None => {
            let target = in_repository("target");
            if target.exists() {
                target.join("pingan-demo")
            } else {
                PathBuf::from("target/pingan-demo")
            }
        }
    };
    if !(0.0..=10_000.0).contains(&args.calls_per_hour) {
        bail!(
            "--calls-per-hour {} is outside 0 to 10000",
            args.calls_per_hour
        );
    }
    let network = Arc::new(city_graph(&args.city, &out)?);
    let stations = match &args.stations {
        Some(path) => Some(path.clone()),
        None if bundled_city => Some(in_repository(BUNDLED_WORKSTATIONS)),
        None => None,
    };
    let existing_workstations = match &stations {
        Some(path) => read_workstations(path)?,
        None => Vec::new(),
    };
    let options = DeploymentOptions {
        name: format!("{} demo (seed {})", city_label(&args.city), args.seed),
        n_workstations: args.workstations,
        n_units: args.units,
        existing_workstations,
        ..DeploymentOptions::default()
    };
    let started = Instant::now();
    let deployment = generate_deployment(&network, &options, args.seed)?;
    let deployment_file = out.join(format!("{}-deployment.toml", city_label(&args.city)));
    std::fs::write(&deployment_file, deployment.to_toml())
        .with_context(|| format!("cannot write {}", deployment_file.display()))?;
    eprintln!(
        "deployed {} workstations, {} units, {} patrol grids, {} places in {:.1} s -> {}",
        deployment.workstations.len(),
        deployment.units.len(),
        deployment.grids.len(),
        deployment.places.len(),
        started.elapsed().as_secs_f64(),
        deployment_file.display()
    );
    print_coverage(&network, &deployment)?;

    let db_file = out.join(format!("{}-demo.db", city_label(&args.city)));
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", db_file.display()));
        if file.exists() {
            std::fs::remove_file(&file)
                .with_context(|| format!("cannot remove the last run's log {}", file.display()))?;
        }
    }
    let admin_token = server::auth::new_token();
    let config = server::ServeConfig {
        graph: out.join(format!("{}.graph", city_label(&args.city))),
        db: format!("sqlite://{}", db_file.display()),
        listen: args.listen,
        mqtt: args.mqtt.clone(),
        admin_token: Some(admin_token.clone()),
        table_prefix: String::new(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let running = server::start_on(config, network.clone()).await?;
        let base = format!("http://{}", running.address);
        let admin = Api::new(&base, &admin_token);
        let token = |label: &'static str| {
            let admin = admin.clone();
            async move {
                let answer: Value = admin
                    .post(
                        "/api/tokens",
                        &json!({"role": "dispatcher", "label": label}),
                    )
                    .await?;
                let token = answer["token"]
                    .as_str()
                    .context("the token answer has a token")?;
                Ok::<String, anyhow::Error>(token.to_string())
            }
        };
        let dispatcher_token = token("dispatcher").await?;
        let units = admin.with_token(token("field-units").await?);
        let auto_dispatcher = admin.with_token(token("auto-dispatcher").await?);
        live::seed(&admin, &deployment).await?;
        println!(
            "pingan demo: the command map of {} is at",
            city_label(&args.city)
        );
        println!("  {base}/?token={dispatcher_token}");
        println!("  dispatcher token: {dispatcher_token}");
        println!("  admin token (this run only): {admin_token}");
        println!(
            "  calls: {} per hour; auto-dispatch: {}; stop with Ctrl-C",
            args.calls_per_hour,
            auto_dispatch_after
                .map_or("off".to_string(), |after| format!("after {:.0} s", after.0))
        );
        let city = live::City::new(network.clone(), &deployment);
        let options = LiveOptions {
            seed: args.seed,
            calls_per_hour: args.calls_per_hour,
            auto_dispatch_after,
            ..LiveOptions::default()
        };
        let driver = tokio::spawn(live::run(city, units, auto_dispatcher, options));
        tokio::select! {
            served = running.task => served?.context("the server stopped")?,
            driven = driver => driven?.context("the city stopped")?,
        }
        Ok(())
    })
}

fn city_label(pbf: &Path) -> String {
    pbf.file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("city")
        .trim_end_matches(".osm.pbf")
        .to_string()
}

/// How much of the road network each limit covers from the workstations, by road.
fn print_coverage(network: &RoadNetwork, deployment: &Deployment) -> Result<()> {
    let graph = network.graph(Profile::Car)?;
    let snaps = deployment
        .workstations
        .iter()
        .map(|workstation| {
            roadnet::snap(graph, workstation.location, Meters(500.0))
                .with_context(|| format!("workstation '{}'", workstation.id))
        })
        .collect::<Result<Vec<_>>>()?;
    let every_node: Vec<roadnet::Snap> = (0..graph.node_count() as u32)
        .map(|v| {
            roadnet::snap(graph, graph.position(v), Meters(1.0))
                .expect("a node lies on its own road")
        })
        .collect();
    let nearest = roadnet::nearest_station(graph, &snaps, &every_node);
    let shares: Vec<String> = [1.0, 3.0, 5.0]
        .iter()
        .map(|&minutes| {
            let limit = Seconds::from_minutes(minutes);
            let covered = nearest
                .iter()
                .flatten()
                .filter(|n| n.seconds.0 <= limit.0)
                .count();
            format!(
                "{minutes:.0} min {:.1} %",
                100.0 * covered as f64 / every_node.len() as f64
            )
        })
        .collect();
    eprintln!(
        "rapid-response circles by road cover of the car-road network: {}",
        shares.join(", ")
    );
    Ok(())
}
