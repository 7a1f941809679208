//! Load benchmark (issue 3 §9): 1,000 units reporting positions every second and 50 calls a second
//! (call, recommendation, dispatch, close) over loopback on Heidelberg, for 60 s by default
//! (`PINGAN_LOAD_SECONDS`). Prints accepted events per second, recommendation and API latency
//! p50/p99, and counts that prove nothing acknowledged was lost.
//!
//! `cargo bench -p server --bench load`

use dispatch::{recommend, RoadTravelTimes};
use measure::LonLat;
use rand::{Rng, SeedableRng};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use server::{ServeConfig, SharedTravel};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const N_UNITS: usize = 1000;
const CALLS_PER_SECOND: u64 = 50;
const POSITION_BATCH: usize = 100;
const TOKEN: &str = "load-bench-admin";

#[derive(Default)]
struct Tally {
    positions_accepted: AtomicU64,
    calls_acknowledged: AtomicU64,
    dispatches: AtomicU64,
    closes: AtomicU64,
    failures: AtomicU64,
    recommendation_ms: Mutex<Vec<f64>>,
    call_ms: Mutex<Vec<f64>>,
    position_batch_ms: Mutex<Vec<f64>>,
    dispatch_ms: Mutex<Vec<f64>>,
}

fn percentile(values: &[f64], fraction: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((fraction * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn summary(name: &str, values: &[f64]) {
    println!(
        "{name:<34} n={:>6}  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        values.len(),
        percentile(values, 0.5),
        percentile(values, 0.99),
        values.iter().copied().fold(f64::NAN, f64::max)
    );
}

fn main() -> anyhow::Result<()> {
    let seconds: u64 = std::env::var("PINGAN_LOAD_SECONDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(60);
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(Duration::from_secs(seconds)))
}

/// Sends a request and times it until its whole body has arrived. Parsing the body is the
/// client's work, after the clock stops, and only where the client needs it.
async fn timed(
    samples: &Mutex<Vec<f64>>,
    request: reqwest::RequestBuilder,
) -> Option<(StatusCode, Vec<u8>)> {
    let start = Instant::now();
    let response = request.send().await.ok()?;
    let status = response.status();
    let body = response.bytes().await.ok()?.to_vec();
    samples
        .lock()
        .unwrap()
        .push(start.elapsed().as_secs_f64() * 1000.0);
    Some((status, body))
}

fn parse(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or(Value::Null)
}

async fn run(duration: Duration) -> anyhow::Result<()> {
    let import_start = Instant::now();
    let network = fixtures::heidelberg();
    println!(
        "heidelberg imported in {:.1} s",
        import_start.elapsed().as_secs_f64()
    );
    let graph = network.graph(roadnet::Profile::Car)?;
    let spots: Vec<LonLat> = (0..graph.node_count() as u32)
        .step_by(7)
        .map(|node| graph.position(node))
        .collect();
    let travel: SharedTravel = Arc::new(RoadTravelTimes::new(network));
    let directory = std::env::temp_dir().join(format!("pingan-load-{}", std::process::id()));
    std::fs::create_dir_all(&directory)?;
    let db = format!("sqlite://{}", directory.join("load.db").display());
    let running = server::start_with(
        ServeConfig {
            graph: Default::default(),
            db: db.clone(),
            listen: "127.0.0.1:0".parse()?,
            mqtt: None,
            admin_token: Some(TOKEN.to_string()),
            table_prefix: String::new(),
        },
        travel.clone(),
    )
    .await?;
    let base = format!("http://{}", running.address);
    let client = Client::builder().pool_max_idle_per_host(256).build()?;
    let post = |path: &str, body: Value| {
        client
            .post(format!("{base}{path}"))
            .bearer_auth(TOKEN)
            .json(&body)
    };

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(110);
    let mut n_setup = 0u64;
    for index in 0..10 {
        let spot = spots[rng.gen_range(0..spots.len())];
        let response = post(
            "/api/workstations",
            json!({"id": format!("WS-{index}"), "name": format!("Workstation {index}"),
                   "category": "public_security_patrol", "location": {"lon": spot.lon, "lat": spot.lat}}),
        )
        .send()
        .await?;
        anyhow::ensure!(response.status().is_success(), "workstation setup failed");
        n_setup += 1;
    }
    for index in 0..N_UNITS {
        let kind = match index % 10 {
            0 => "armed_patrol_car",
            1 => "traffic_motorcycle",
            2 => "foot_patrol",
            _ => "patrol_car",
        };
        let response = post(
            "/api/units",
            json!({"id": format!("U{index:04}"), "name": format!("Unit {index}"), "kind": kind,
                   "home": format!("WS-{}", index % 10)}),
        )
        .send()
        .await?;
        anyhow::ensure!(response.status().is_success(), "unit setup failed");
        n_setup += 1;
    }
    let events_before = running.state.shared.n_committed.load(Ordering::Relaxed);
    println!(
        "set up 10 workstations and {N_UNITS} units; running {} s of load",
        duration.as_secs()
    );

    let tally = Arc::new(Tally::default());
    let spots = Arc::new(spots);
    let start = Instant::now();
    let mut tasks = Vec::new();

    // Positions: every unit once a second, in batches of 100.
    {
        let tally = tally.clone();
        let spots = spots.clone();
        let client = client.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            let mut inflight = Vec::new();
            while start.elapsed() < duration {
                tick.tick().await;
                for batch in 0..N_UNITS / POSITION_BATCH {
                    let positions: Vec<Value> = (0..POSITION_BATCH)
                        .map(|offset| {
                            let spot = spots[rng.gen_range(0..spots.len())];
                            json!({"unit": format!("U{:04}", batch * POSITION_BATCH + offset),
                                   "lon": spot.lon, "lat": spot.lat})
                        })
                        .collect();
                    let request = client
                        .post(format!("{base}/api/positions"))
                        .bearer_auth(TOKEN)
                        .json(&json!({"positions": positions}));
                    let tally = tally.clone();
                    inflight.push(tokio::spawn(async move {
                        match timed(&tally.position_batch_ms, request).await {
                            Some((status, body)) if status.is_success() => {
                                tally.positions_accepted.fetch_add(
                                    parse(&body)["accepted"].as_u64().unwrap_or(0),
                                    Ordering::Relaxed,
                                );
                            }
                            _ => {
                                tally.failures.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }));
                }
            }
            for task in inflight {
                let _ = task.await;
            }
        }));
    }

    // Calls: 50 a second, each received, recommended, dispatched and closed.
    {
        let tally = tally.clone();
        let spots = spots.clone();
        let client = client.clone();
        let base = base.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
            let mut tick =
                tokio::time::interval(Duration::from_micros(1_000_000 / CALLS_PER_SECOND));
            let mut inflight = Vec::new();
            let categories = [
                "criminal",
                "public_order",
                "traffic",
                "dispute",
                "assistance",
                "referral",
            ];
            let priorities = ["P1", "P2", "P3", "P4"];
            while start.elapsed() < duration {
                tick.tick().await;
                let spot = spots[rng.gen_range(0..spots.len())];
                let call = json!({
                    "category": categories[rng.gen_range(0..categories.len())],
                    "priority": priorities[rng.gen_range(0..priorities.len())],
                    "location": {"lon": spot.lon, "lat": spot.lat},
                    "address": "load",
                });
                let client = client.clone();
                let base = base.clone();
                let tally = tally.clone();
                inflight.push(tokio::spawn(async move {
                    let request =
                        |path: String| client.post(format!("{base}{path}")).bearer_auth(TOKEN);
                    let Some((StatusCode::CREATED, body)) =
                        timed(&tally.call_ms, request("/api/incidents".into()).json(&call)).await
                    else {
                        tally.failures.fetch_add(1, Ordering::Relaxed);
                        return;
                    };
                    tally.calls_acknowledged.fetch_add(1, Ordering::Relaxed);
                    let id = parse(&body)["incident"]["id"].as_u64().unwrap();
                    let recommendation = client
                        .get(format!("{base}/api/incidents/{id}/recommendation"))
                        .bearer_auth(TOKEN);
                    match timed(&tally.recommendation_ms, recommendation).await {
                        Some((StatusCode::OK, _)) => {}
                        _ => {
                            tally.failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    match timed(
                        &tally.dispatch_ms,
                        request(format!("/api/incidents/{id}/dispatch")),
                    )
                    .await
                    {
                        Some((StatusCode::OK, _)) => {
                            tally.dispatches.fetch_add(1, Ordering::Relaxed);
                            let close = request(format!("/api/incidents/{id}/status"))
                                .json(&json!({"status": "closed"}));
                            if let Ok(response) = close.send().await {
                                if response.status().is_success() {
                                    tally.closes.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        // No free unit fits the plan: cancel, as a dispatcher would reassign.
                        _ => {
                            let cancel = request(format!("/api/incidents/{id}/status"))
                                .json(&json!({"status": "cancelled"}));
                            if let Ok(response) = cancel.send().await {
                                if response.status().is_success() {
                                    tally.closes.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    }
                }));
            }
            for task in inflight {
                let _ = task.await;
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let events_after = running.state.shared.n_committed.load(Ordering::Relaxed);

    // The recommendation itself, without HTTP: the core on the live state.
    let mut compute_ms = Vec::new();
    {
        let core = running.state.read();
        let centre = &core.projection.centre;
        let incidents: Vec<&dispatch::Incident> = centre.incidents().collect();
        let mut reopened = Vec::new();
        for incident in incidents.iter().step_by((incidents.len() / 500).max(1)) {
            let mut open = (*incident).clone();
            open.status = dispatch::IncidentStatus::Received;
            open.units.clear();
            reopened.push(open);
        }
        for incident in &reopened {
            let begin = Instant::now();
            let _ = recommend(
                incident,
                centre.units(),
                travel.as_ref(),
                server::clock::now(),
            );
            compute_ms.push(begin.elapsed().as_secs_f64() * 1000.0);
        }
    }

    let positions = tally.positions_accepted.load(Ordering::Relaxed);
    let calls = tally.calls_acknowledged.load(Ordering::Relaxed);
    let dispatches = tally.dispatches.load(Ordering::Relaxed);
    let closes = tally.closes.load(Ordering::Relaxed);
    println!();
    println!("load: {N_UNITS} units, {CALLS_PER_SECOND} calls/s, {elapsed:.1} s on Heidelberg, SQLite (WAL, synchronous=FULL)");
    println!(
        "accepted events: {} in {elapsed:.1} s = {:.0} events/s",
        events_after - events_before,
        (events_after - events_before) as f64 / elapsed
    );
    println!("acknowledged: {positions} positions, {calls} calls, {dispatches} dispatches, {closes} closes/cancels; {} failed requests", tally.failures.load(Ordering::Relaxed));
    summary("recommendation, core only", &compute_ms);
    summary(
        "GET recommendation (HTTP)",
        &tally.recommendation_ms.lock().unwrap(),
    );
    summary("POST call (HTTP, durable)", &tally.call_ms.lock().unwrap());
    summary(
        "POST dispatch (HTTP, durable)",
        &tally.dispatch_ms.lock().unwrap(),
    );
    summary(
        "POST 100 positions (HTTP, durable)",
        &tally.position_batch_ms.lock().unwrap(),
    );

    // Nothing lost: the log holds exactly what was acknowledged, and replays to it.
    let log = store::EventLog::open(&db, "").await?;
    let logged = log.count().await? as u64;
    let expected = n_setup + positions + calls + dispatches + closes;
    let restored = store::Projection::replay(&log.load().await?)?;
    println!(
        "log: {logged} events, acknowledged {expected}: {}; replay restores {} incidents (acknowledged calls {calls})",
        if logged == expected { "none lost" } else { "MISMATCH" },
        restored.centre.n_incidents()
    );
    anyhow::ensure!(
        logged == expected,
        "the log and the acknowledgements disagree"
    );
    anyhow::ensure!(restored.centre.n_incidents() as u64 == calls);
    let from_snapshot = log.restore().await?;
    println!(
        "restart: newest snapshot at event {}, restored state equals the full replay: {}",
        log.latest_snapshot()
            .await?
            .map_or(0, |snapshot| snapshot.last_seq),
        from_snapshot == restored
    );
    anyhow::ensure!(
        from_snapshot == restored,
        "the snapshot restore differs from the replay"
    );
    running.task.abort();
    std::fs::remove_dir_all(&directory)?;
    Ok(())
}
