//! `pingan bench`: the road engine's speed on a real city, printed as figures (never asserted in
//! tests, since this machine is shared and noisy).

use anyhow::{Context, Result};
use clap::Args;
use measure::Seconds;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roadnet::{Profile, ProfileGraph, Snap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Args)]
pub struct BenchArgs {
    /// The OpenStreetMap extract to measure on.
    #[arg(long, default_value = "tests/data/heidelberg.osm.pbf")]
    pub pbf: PathBuf,
    #[arg(long, default_value = "car")]
    pub profile: String,
    /// Seed for the random points.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn percentile(mut samples: Vec<Duration>, share: f64) -> Duration {
    samples.sort();
    samples[((samples.len() - 1) as f64 * share).round() as usize]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Random road points: positions of random graph nodes, nudged off the road by up to ~30 m.
fn random_points(graph: &ProfileGraph, count: usize, rng: &mut ChaCha8Rng) -> Vec<Snap> {
    (0..count)
        .map(|_| {
            let node = rng.gen_range(0..graph.node_count() as u32);
            let mut point = graph.position(node);
            point.lon += rng.gen_range(-0.0003..0.0003);
            point.lat += rng.gen_range(-0.0002..0.0002);
            roadnet::snap(graph, point, roadnet::DEFAULT_MAX_SNAP)
                .expect("a point next to a graph node snaps")
        })
        .collect()
}

pub fn run(args: BenchArgs) -> Result<()> {
    let profile: Profile = args.profile.parse()?;
    println!(
        "pingan bench on {} ({} profile)",
        args.pbf.display(),
        profile
    );
    println!(
        "machine: {} logical cores; figures are wall-clock on a shared machine",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    let started = Instant::now();
    let roads = roadnet::read_osm(&args.pbf, &|_, _, _| {})
        .with_context(|| format!("reading {}", args.pbf.display()))?;
    let read = started.elapsed();
    println!(
        "import (parse OSM, {} routable ways): {:.2} s",
        roads.way_count(),
        read.as_secs_f64()
    );

    let started = Instant::now();
    let graph_alone = roadnet::build_profile(&roads, profile, &|_, _, _| {})?;
    let one_profile = started.elapsed();
    println!(
        "preprocessing {profile} (largest component, layout, contraction): {:.2} s; {} nodes, {} edges, {} shortcuts",
        one_profile.as_secs_f64(),
        graph_alone.node_count(),
        graph_alone.edge_count(),
        graph_alone.contraction_hierarchy().shortcut_count()
    );
    drop(graph_alone);
    let started = Instant::now();
    let network = roadnet::build_network(roads, &|_, _, _| {})?;
    let all_profiles = started.elapsed();
    println!(
        "preprocessing all three profiles (in parallel): {:.2} s",
        all_profiles.as_secs_f64()
    );
    println!(
        "import + preprocessing, all profiles: {:.2} s",
        (read + all_profiles).as_secs_f64()
    );

    let file = std::env::temp_dir().join(format!("pingan-bench-{}.graph", std::process::id()));
    network.save(&file)?;
    let size = std::fs::metadata(&file)?.len();
    let loads: Vec<Duration> = (0..3)
        .map(|_| {
            let started = Instant::now();
            roadnet::RoadNetwork::load(&file).map(|_| started.elapsed())
        })
        .collect::<Result<_, _>>()?;
    std::fs::remove_file(&file).ok();
    println!(
        "graph file: {:.1} MB, load median {:.0} ms",
        size as f64 / 1e6,
        ms(median(loads))
    );

    let graph = network.graph(profile)?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);

    let pairs = random_points(graph, 2000, &mut rng);
    let mut route_times = Vec::with_capacity(1000);
    for pair in pairs.chunks(2) {
        let started = Instant::now();
        let route = roadnet::route(graph, &pair[0], &pair[1]);
        route_times.push(started.elapsed());
        std::hint::black_box(route);
    }
    println!(
        "one-to-one route with geometry (1,000 random pairs): median {:.3} ms, p99 {:.3} ms",
        ms(median(route_times.clone())),
        ms(percentile(route_times, 0.99))
    );

    let stations = random_points(graph, 100, &mut rng);
    let limit = [Seconds::from_minutes(5.0)];
    let mut circle_times = Vec::with_capacity(stations.len());
    let mut road_km = Vec::with_capacity(stations.len());
    for station in &stations {
        let started = Instant::now();
        let circles = roadnet::isochrone(graph, station, &limit);
        circle_times.push(started.elapsed());
        road_km.push(circles[0].road.0 / 1000.0);
    }
    road_km.sort_by(f64::total_cmp);
    println!(
        "5-minute isochrone polygon per station (100 stations): median {:.2} ms, p90 {:.2} ms (median road reached {:.0} km)",
        ms(median(circle_times.clone())),
        ms(percentile(circle_times, 0.9)),
        road_km[road_km.len() / 2]
    );

    let sources = random_points(graph, 100, &mut rng);
    let targets = random_points(graph, 10_000, &mut rng);
    let mut matrix_times = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let matrix = roadnet::matrix(graph, &sources, &targets);
        matrix_times.push(started.elapsed());
        std::hint::black_box(matrix);
    }
    println!(
        "100 x 10,000 matrix: median of 3 runs {:.0} ms",
        ms(median(matrix_times))
    );

    let units = random_points(graph, 100, &mut rng);
    let incidents = random_points(graph, 200, &mut rng);
    let mut dispatch_times = Vec::new();
    for incident in &incidents {
        let started = Instant::now();
        let ranking = roadnet::matrix(graph, &units, std::slice::from_ref(incident));
        dispatch_times.push(started.elapsed());
        std::hint::black_box(ranking);
    }
    println!(
        "100 units -> 1 incident (dispatch ranking): median {:.3} ms, p99 {:.3} ms",
        ms(median(dispatch_times.clone())),
        ms(percentile(dispatch_times, 0.99))
    );
    Ok(())
}
