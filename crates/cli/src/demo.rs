//! `pingan demo`: the main job on the bundled real city, with no setup. Builds the graph if needed,
//! draws every workstation's 1/3/5-minute rapid-response circles and reports how much of the road
//! network each limit covers.

use anyhow::{Context, Result};
use clap::Args;
use formats::geojson;
use formats::points::read_points;
use measure::{Meters, Seconds};
use roadnet::{Profile, RoadNetwork};
use serde_json::{json, Map};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args)]
pub struct DemoArgs {
    /// The city: an OpenStreetMap extract.
    #[arg(long, default_value = "tests/data/heidelberg.osm.pbf")]
    pub city: PathBuf,
    /// Workstations: CSV with header id,lon,lat (defaults to the bundled Heidelberg set).
    #[arg(long, default_value = "data/heidelberg-workstations.csv")]
    pub stations: PathBuf,
    /// Where the graph and the results go.
    #[arg(long, default_value = "target/pingan-demo")]
    pub out: PathBuf,
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

pub fn run(args: DemoArgs) -> Result<()> {
    let network = city_graph(&args.city, &args.out)?;
    let graph = network.graph(Profile::Car)?;
    let stations = read_points(&args.stations)?;
    let snaps = stations
        .iter()
        .map(|s| {
            roadnet::snap(graph, s.position, Meters(500.0))
                .with_context(|| format!("station '{}'", s.id))
        })
        .collect::<Result<Vec<_>>>()?;

    let minutes = [1.0, 3.0, 5.0];
    let limits = minutes.map(Seconds::from_minutes);
    let started = Instant::now();
    let mut features = Vec::new();
    for (station, snap) in stations.iter().zip(&snaps) {
        for (circle, m) in roadnet::isochrone(graph, snap, &limits).iter().zip(minutes) {
            let mut properties = Map::new();
            properties.insert("station_id".into(), json!(station.id));
            properties.insert("minutes".into(), json!(m));
            properties.insert(
                "road_km".into(),
                json!((circle.road.0 / 10.0).round() / 100.0),
            );
            features.push(geojson::feature(
                geojson::multi_polygon(&circle.polygons),
                properties,
            ));
        }
    }
    let circles_time = started.elapsed();
    let circles_file = args.out.join("circles.geojson");
    geojson::write(&circles_file, &geojson::feature_collection(features))?;

    // Every road node of the city stands for a place that may call: how many does each limit cover?
    let every_node: Vec<roadnet::Snap> = (0..graph.node_count() as u32)
        .map(|v| {
            roadnet::snap(graph, graph.position(v), Meters(1.0))
                .expect("a node lies on its own road")
        })
        .collect();
    let nearest = roadnet::nearest_station(graph, &snaps, &every_node);
    println!(
        "pingan demo: {} workstations on {} ({} car-road nodes)",
        stations.len(),
        network.source,
        graph.node_count()
    );
    println!(
        "rapid-response circles (1, 3, 5 min by road) in {:.0} ms -> {}",
        circles_time.as_secs_f64() * 1000.0,
        circles_file.display()
    );
    for m in minutes {
        let covered = nearest
            .iter()
            .flatten()
            .filter(|n| n.seconds.0 <= m * 60.0)
            .count();
        println!(
            "  within {m:.0} min: {:5.1} % of road nodes",
            100.0 * covered as f64 / every_node.len() as f64
        );
    }
    Ok(())
}
