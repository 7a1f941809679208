//! The city behind the command map: the offline base map as vector tiles, the map's extent, and
//! every workstation's rapid-response circles (快反圈) by road. Nothing here leaves the machine,
//! so the dashboard works on a police network cut off from the internet.

use crate::auth::{Need, Principal};
use crate::error::{ApiError, ApiQuery};
use crate::state::AppState;
use axum::extract::{Path, State};
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
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tiles::BaseMap;

/// Circles are drawn for whole minutes 1 to this: the rapid-response targets are 1, 3 and 5
/// minutes, and longer circles are a planning question for `pingan isochrone`, not a map layer.
/// A fixed set keeps what callers can make the server compute and keep bounded.
pub const MAX_CIRCLE_MINUTES: u32 = 15;

/// One request asks for at most this many limits.
pub const MAX_LIMITS_PER_REQUEST: usize = 5;

/// The circle cache keeps at most this many circles (each workstation has at most
/// [`MAX_CIRCLE_MINUTES`]); beyond it the oldest go first.
pub const MAX_CACHED_CIRCLES: usize = 512;

/// A workstation this far from a car road has no circle (it lies off the map).
const WORKSTATION_SNAP: Meters = Meters(500.0);

/// The city's road network and what the map draws from it.
pub struct CityMap {
    pub name: String,
    pub network: Arc<RoadNetwork>,
    base: BaseMap,
    /// Circles per workstation and limit in whole seconds, keyed with the workstation's position
    /// so that a moved workstation gets fresh circles.
    circles: Mutex<CircleCache>,
}

/// Circles by key, with their insertion order for evicting the oldest.
#[derive(Default)]
struct CircleCache {
    circles: HashMap<CircleKey, Value>,
    order: VecDeque<CircleKey>,
}

impl CircleCache {
    fn insert(&mut self, key: CircleKey, circle: Value) {
        if self.circles.insert(key.clone(), circle).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > MAX_CACHED_CIRCLES {
            if let Some(oldest) = self.order.pop_front() {
                self.circles.remove(&oldest);
            }
        }
    }
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
            circles: Mutex::new(CircleCache::default()),
        }
    }

    /// `[west, south, east, north]` in degrees.
    pub fn bounds(&self) -> [f64; 4] {
        self.base.bounds()
    }

    /// How many circles the cache holds now.
    pub fn n_cached_circles(&self) -> usize {
        self.circles
            .lock()
            .expect("no panics under this lock")
            .circles
            .len()
    }

    /// The circles of `workstation` for each limit, as GeoJSON features, computed once while
    /// the cache keeps them.
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
        let mut found: HashMap<u32, Value> = HashMap::new();
        let missing: Vec<Seconds> = {
            let cache = self.circles.lock().expect("no panics under this lock");
            limits
                .iter()
                .copied()
                .filter(|limit| !cache.circles.contains_key(&key(*limit)))
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
                let feature =
                    geojson::feature(geojson::multi_polygon(&circle.polygons), properties);
                found.insert(key(*limit).3, feature.clone());
                cache.insert(key(*limit), feature);
            }
        }
        // Another request may have evicted a circle since; what this one computed it keeps.
        let cache = self.circles.lock().expect("no panics under this lock");
        Ok(limits
            .iter()
            .map(|limit| {
                let key = key(*limit);
                found
                    .remove(&key.3)
                    .or_else(|| cache.circles.get(&key).cloned())
                    .expect("each limit was found in the cache or computed")
            })
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

fn bad_minutes(message: String) -> ApiError {
    ApiError::bad_request(
        "bad_minutes",
        format!("{message}; give up to {MAX_LIMITS_PER_REQUEST} whole minutes from 1 to {MAX_CIRCLE_MINUTES}, e.g. minutes=1,3,5"),
    )
}

/// Parses `1,3,5` into limits: up to [`MAX_LIMITS_PER_REQUEST`] whole minutes from 1 to
/// [`MAX_CIRCLE_MINUTES`], each once.
pub fn parse_minutes(text: &str) -> Result<Vec<Seconds>, ApiError> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() > MAX_LIMITS_PER_REQUEST {
        return Err(bad_minutes(format!(
            "minutes= lists {} limits, more than {MAX_LIMITS_PER_REQUEST}",
            parts.len()
        )));
    }
    let mut minutes_seen: Vec<u32> = Vec::new();
    for part in parts {
        let shown: String = part.chars().take(20).collect();
        let minutes: u32 = part
            .parse()
            .map_err(|_| bad_minutes(format!("'{shown}' in minutes= is not a whole number")))?;
        if !(1..=MAX_CIRCLE_MINUTES).contains(&minutes) {
            return Err(bad_minutes(format!("{minutes} minutes is not allowed")));
        }
        if !minutes_seen.contains(&minutes) {
            minutes_seen.push(minutes);
        }
    }
    Ok(minutes_seen
        .into_iter()
        .map(|minutes| Seconds::from_minutes(f64::from(minutes)))
        .collect())
}

async fn circles(
    State(state): State<AppState>,
    principal: Principal,
    Extension(city): Extension<Arc<CityMap>>,
    ApiQuery(query): ApiQuery<CirclesQuery>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_circle_cache_keeps_at_most_its_bound_and_drops_the_oldest() {
        let mut cache = CircleCache::default();
        let key = |n: u32| (WorkstationId::from("WS-1"), 0, 0, n);
        for n in 0..(MAX_CACHED_CIRCLES as u32 + 100) {
            cache.insert(key(n), json!(n));
        }
        cache.insert(key(MAX_CACHED_CIRCLES as u32 + 99), json!("again"));
        assert_eq!(cache.circles.len(), MAX_CACHED_CIRCLES);
        assert_eq!(cache.order.len(), MAX_CACHED_CIRCLES);
        assert!(!cache.circles.contains_key(&key(99)));
        assert!(cache.circles.contains_key(&key(100)));
    }

    #[test]
    fn minutes_come_from_the_fixed_set() {
        let limits = parse_minutes("1, 3,5,3").unwrap();
        assert_eq!(limits, [Seconds(60.0), Seconds(180.0), Seconds(300.0)]);
        for bad in ["1,2,3,4,5,6", "0", "16", "2.5", "x", ""] {
            let error = parse_minutes(bad).unwrap_err();
            assert_eq!(error.code, "bad_minutes", "{bad}");
            assert!(error.message.contains("from 1 to 15"), "{}", error.message);
        }
    }
}
