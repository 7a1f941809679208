//! The dispatch server: REST/JSON with an OpenAPI document, a WebSocket live feed, MQTT position
//! ingest and API tokens with roles, over the durable event log. `pingan serve` and the demo both
//! start it through [`serve`] or [`start`].

pub mod api;
pub mod auth;
pub mod clock;
pub mod eido;
pub mod error;
pub mod feed;
pub mod map;
pub mod mqtt;
pub mod openapi;
pub mod places;
pub mod state;
pub mod validate;
pub mod web;

pub use api::router;
pub use error::ApiError;
pub use state::{AppState, SharedTravel};

use anyhow::Context;
use dispatch::RoadTravelTimes;
use roadnet::RoadNetwork;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use store::EventLog;

#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The road graph file from `pingan import`.
    pub graph: PathBuf,
    /// `sqlite://FILE` or `postgres://USER@HOST:PORT/DB`.
    pub db: String,
    /// Where to listen; port 0 picks a free port.
    pub listen: SocketAddr,
    /// The MQTT broker for position reports, `HOST:PORT`.
    pub mqtt: Option<String>,
    /// A token that acts as admin without being stored; one is generated and printed when absent
    /// and the log holds no admin token yet.
    pub admin_token: Option<String>,
    /// Prefix of the log's table, so that several servers can share one database.
    pub table_prefix: String,
}

/// A started server.
pub struct Running {
    pub address: SocketAddr,
    pub state: AppState,
    /// The admin token, if one was generated at start.
    pub generated_admin_token: Option<String>,
    /// The command map, when the server has a road network.
    pub city: Option<Arc<map::CityMap>>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Loads the graph, restores the state from the log, and starts listening; returns once the
/// server accepts connections.
pub async fn start(config: ServeConfig) -> anyhow::Result<Running> {
    let graph_file = config.graph.clone();
    let network = tokio::task::spawn_blocking(move || RoadNetwork::load(&graph_file))
        .await?
        .with_context(|| format!("loading the road graph {}", config.graph.display()))?;
    start_on(config, Arc::new(network)).await
}

/// As [`start`], on a network already loaded (the demo shares it with its units' driving):
/// road travel times, and the command map's tiles and circles.
pub async fn start_on(config: ServeConfig, network: Arc<RoadNetwork>) -> anyhow::Result<Running> {
    let travel: SharedTravel = Arc::new(RoadTravelTimes::new(network.clone()));
    let name = city_name(&network.source);
    let city = tokio::task::spawn_blocking(move || map::CityMap::new(name, network)).await?;
    start_inner(config, travel, Some(Arc::new(city))).await
}

/// The extract's file name without directories and `.osm.pbf`: "heidelberg".
fn city_name(source: &str) -> String {
    let file = source.rsplit(['/', '\\']).next().unwrap_or(source);
    file.trim_end_matches(".pbf")
        .trim_end_matches(".osm")
        .to_string()
}

/// As [`start`], with travel times handed in and no map (the load benchmark).
pub async fn start_with(config: ServeConfig, travel: SharedTravel) -> anyhow::Result<Running> {
    start_inner(config, travel, None).await
}

async fn start_inner(
    config: ServeConfig,
    travel: SharedTravel,
    city: Option<Arc<map::CityMap>>,
) -> anyhow::Result<Running> {
    let log = EventLog::open(&config.db, &config.table_prefix)
        .await
        .with_context(|| format!("opening the event log {}", store::redact(&config.db)))?;
    let mut generated_admin_token = None;
    let admin_token = match &config.admin_token {
        Some(token) => Some(token.clone()),
        None => {
            let events = log.read(Some("token_issued"), 0, i64::MAX).await?;
            let has_admin = events.iter().any(|event| {
                matches!(
                    event.change,
                    store::Change::TokenIssued {
                        role: store::Role::Admin,
                        ..
                    }
                )
            });
            (!has_admin).then(|| {
                let token = auth::new_token();
                generated_admin_token = Some(token.clone());
                token
            })
        }
    };
    let state = AppState::restore(log, travel, admin_token.as_deref().map(auth::hash_token))
        .await
        .context("restoring the state from the event log")?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let address = listener.local_addr()?;
    if let Some(mqtt) = &config.mqtt {
        mqtt::parse_address(mqtt)?;
        let ingest_state = state.clone();
        let mqtt = mqtt.clone();
        tokio::spawn(async move {
            if let Err(error) = mqtt::ingest(ingest_state, mqtt).await {
                eprintln!("pingan: MQTT ingest stopped: {error:#}");
            }
        });
    }
    let mut app = router(state.clone()).merge(places::routes().with_state(state.clone()));
    if let Some(city) = &city {
        app = app.merge(map::routes(city.clone()).with_state(state.clone()));
    }
    // Around the whole router, not each route: a 405's Allow header is set after the route's own
    // layers run.
    let app = axum::Router::new()
        .fallback_service(app)
        .layer(axum::middleware::from_fn(error::json_errors));
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(Running {
        address,
        state,
        generated_admin_token,
        city,
        task,
    })
}

/// Runs the server until it fails or the process is stopped.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let running = start(config).await?;
    if let Some(token) = &running.generated_admin_token {
        eprintln!("pingan: admin token for this run (not stored): {token}");
    }
    eprintln!("pingan: listening on http://{}", running.address);
    println!("listening on http://{}", running.address);
    running.task.await??;
    Ok(())
}
