//! The city behind the command map: the offline base map as vector tiles, the map's extent, and
//! every workstation's rapid-response circles (快反圈) by road. Nothing here leaves the machine,
//! so the dashboard works on a police network cut off from the internet.

use crate::auth::{Need, Principal};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use dispatch::{Profile, Workstation, WorkstationId};
use formats::geojson;
use measure::{Meters, Seconds};
use roadnet::RoadNetwork;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tiles::BaseMap;

/// Circles longer than this are a planning question for `pingan isochrone`, not a map layer.
pub const MAX_CIRCLE_MINUTES: f64 = 30.0;

/// A workstation this far from a car road has no circle (it lies off the map).
const WORKSTATION_SNAP: Meters = Meters(500.0);

/// The city's road network and what the map draws from it.
pub struct CityMap {
    pub name: String,
    pub network: Arc<RoadNetwork>,
    base: BaseMap,
    /// Circles per workstation and limit in whole seconds, keyed with the workstation's position
    /// so that a moved workstation gets fresh circles.
    circles: Mutex<HashMap<CircleKey, Value>>,
}

type CircleKey = (WorkstationId, u64, u64, u32);

impl CityMap {
    /// Merges the network's roads and water into the base map (about a second on Heidelberg).
    pub fn new(name: impl Into<String>, network: Arc<RoadNetwork>) -> CityMap {
        let base = BaseMap::build(&network);
        CityMap {
            name: name.into(),
            network,
            base,
            circles: Mutex::new(HashMap::new()),
        }
    }

    /// `[west, south, east, north]` in degrees.
    pub fn bounds(&self) -> [f64; 4] {
        self.base.bounds()
    }

    /// The circles of `workstation` for each limit, as GeoJSON features, computed once.
    pub fn circles(
        &self,
        workstation: &Workstation,
        limits: &[Seconds],
    ) -> Result<Vec<Value>, ApiError> {
        let key = |limit: Seconds| -> CircleKey {
            (
                workstation.id.clone(),
                workstation.location.lon.to_bits(),
                workstation.location.lat.to_bits(),
                limit.0.round() as u32,
            )
        };
        let missing: Vec<Seconds> = {
            let cache = self.circles.lock().expect("no panics under this lock");
            limits
                .iter()
                .copied()
                .filter(|limit| !cache.contains_key(&key(*limit)))
                .collect()
        };
        if !missing.is_empty() {
            let graph = self.network.graph(Profile::Car).map_err(|error| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "no_car_graph",
                    error.to_string(),
                )
            })?;
            let origin =
                roadnet::snap(graph, workstation.location, WORKSTATION_SNAP).map_err(|error| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "workstation_off_map",
                        format!("workstation {} has no circle: {error}", workstation.id),
                    )
                })?;
            let computed = roadnet::isochrone(graph, &origin, &missing);
            let mut cache = self.circles.lock().expect("no panics under this lock");
            for (limit, circle) in missing.iter().zip(computed) {
                let mut properties = Map::new();
                properties.insert("workstation_id".into(), json!(workstation.id));
                properties.insert("workstation_name".into(), json!(workstation.name));
                properties.insert("minutes".into(), json!(limit.0 / 60.0));
                properties.insert(
                    "road_km".into(),
                    json!((circle.road.0 / 10.0).round() / 100.0),
                );
                cache.insert(
                    key(*limit),
                    geojson::feature(geojson::multi_polygon(&circle.polygons), properties),
                );
            }
        }
        let cache = self.circles.lock().expect("no panics under this lock");
        Ok(limits
            .iter()
            .map(|limit| cache[&key(*limit)].clone())
            .collect())
    }
}

/// `/api/map`, `/tiles/{z}/{x}/{y}.pbf` and `/api/circles`, over the state's tokens.
pub fn routes(city: Arc<CityMap>) -> Router<AppState> {
    Router::new()
        .route("/api/map", get(map_meta))
        .route("/tiles/{z}/{x}/{y}", get(tile))
        .route("/api/circles", get(circles))
        .layer(Extension(city))
}

async fn map_meta(
    principal: Principal,
    Extension(city): Extension<Arc<CityMap>>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Need::Read)?;
    let [west, south, east, north] = city.bounds();
    Ok(Json(json!({
        "name": city.name,
        "bounds": [west, south, east, north],
        "center": [(west + east) / 2.0, (south + north) / 2.0],
        "max_zoom": tiles::MAX_ZOOM,
    })))
}

async fn tile(
    principal: Principal,
    Extension(city): Extension<Arc<CityMap>>,
    Path((z, x, y)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    principal.require(Need::Read)?;
    let bad = |what: &str, text: &str| {
        ApiError::bad_request(
            "bad_tile_address",
            format!("tile {what} '{text}' is not a whole number; ask for /tiles/Z/X/Y.pbf"),
        )
    };
    let y_text = y.strip_suffix(".pbf").ok_or_else(|| {
        ApiError::bad_request(
            "bad_tile_address",
            format!("'{y}' does not end in .pbf; ask for /tiles/Z/X/Y.pbf"),
        )
    })?;
    let z: u8 = z.parse().map_err(|_| bad("zoom", &z))?;
    let x: u32 = x.parse().map_err(|_| bad("column", &x))?;
    let y: u32 = y_text.parse().map_err(|_| bad("row", y_text))?;
    let bytes = tokio::task::spawn_blocking(move || city.base.tile(z, x, y))
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "tile_failed",
                "cutting the tile failed",
            )
        })?
        .map_err(|error| ApiError::not_found("tile_out_of_range", error.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile"),
            (header::CACHE_CONTROL, "private, max-age=3600"),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
struct CirclesQuery {
    /// Comma-separated minutes, e.g. `1,3,5`.
    minutes: Option<String>,
}

/// Parses `1,3,5` into limits, refusing what is not a positive number of minutes up to the cap.
pub fn parse_minutes(text: &str) -> Result<Vec<Seconds>, ApiError> {
    let mut limits = Vec::new();
    for part in text.split(',').map(str::trim) {
        let minutes: f64 = part.parse().map_err(|_| {
            ApiError::bad_request(
                "bad_minutes",
                format!("'{part}' in minutes={text} is not a number; give minutes like 1,3,5"),
            )
        })?;
        if !(minutes > 0.0 && minutes <= MAX_CIRCLE_MINUTES) {
            return Err(ApiError::bad_request(
                "bad_minutes",
                format!("{minutes} minutes is outside 0 < minutes <= {MAX_CIRCLE_MINUTES}"),
            ));
        }
        limits.push(Seconds::from_minutes(minutes));
    }
    Ok(limits)
}

async fn circles(
    State(state): State<AppState>,
    principal: Principal,
    Extension(city): Extension<Arc<CityMap>>,
    Query(query): Query<CirclesQuery>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Need::Read)?;
    let limits = parse_minutes(query.minutes.as_deref().unwrap_or("1,3,5"))?;
    let workstations: Vec<Workstation> = {
        let core = state.read();
        core.projection.centre.workstations().cloned().collect()
    };
    let features = tokio::task::spawn_blocking(move || {
        let mut features = Vec::new();
        for workstation in &workstations {
            features.extend(city.circles(workstation, &limits)?);
        }
        Ok::<_, ApiError>(features)
    })
    .await
    .map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "circles_failed",
            "computing the circles failed",
        )
    })??;
    Ok(Json(geojson::feature_collection(features)))
}
