//! Key places (crowded places, key units, vital sites), must-visit points (必到点) and must-patrol
//! lines (必巡线): entered by planners, drawn on the command map as GeoJSON.

use crate::api::PointInput;
use crate::auth::{Need, Principal};
use crate::error::{ApiError, ApiJson};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use dispatch::{Place, PlaceKind, PlaceShape};
use formats::geojson;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use store::Change;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/places", get(list_places).post(add_place))
}

/// A place as GeoJSON: a Point, or a LineString for a must-patrol line.
pub fn place_feature(place: &Place) -> Value {
    let geometry = match &place.shape {
        PlaceShape::Point(point) => {
            json!({"type": "Point", "coordinates": geojson::position(*point)})
        }
        PlaceShape::Line(line) => geojson::line_string(line),
    };
    let mut properties = Map::new();
    properties.insert("id".into(), json!(place.id));
    properties.insert("name".into(), json!(place.name));
    properties.insert("kind".into(), json!(place.kind));
    geojson::feature(geometry, properties)
}

async fn list_places(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(Need::Read)?;
    let core = state.read();
    let features = core.projection.centre.places().map(place_feature).collect();
    Ok(Json(geojson::feature_collection(features)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceInput {
    id: String,
    name: String,
    kind: PlaceKind,
    /// For every kind but must_patrol.
    #[serde(default)]
    point: Option<PointInput>,
    /// For must_patrol: the route, two points or more.
    #[serde(default)]
    line: Option<Vec<PointInput>>,
}

async fn add_place(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<PlaceInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    principal.require(Need::Configure)?;
    crate::validate::id("place id", &input.id)?;
    crate::validate::line("place name", &input.name)?;
    if let Some(line) = &input.line {
        if line.len() > crate::validate::MAX_LINE_POINTS {
            return Err(ApiError::bad_request(
                "invalid_place",
                format!(
                    "place '{}': the line has {} points; the limit is {}",
                    input.id,
                    line.len(),
                    crate::validate::MAX_LINE_POINTS
                ),
            ));
        }
    }
    let what = format!("place '{}'", input.id);
    let shape = match (input.point, input.line) {
        (Some(point), None) => PlaceShape::Point(point.to_wgs84(&what)?),
        (None, Some(line)) => PlaceShape::Line(
            line.into_iter()
                .map(|point| point.to_wgs84(&what))
                .collect::<Result<_, _>>()?,
        ),
        _ => {
            return Err(ApiError::bad_request(
                "invalid_place",
                format!("{what}: give either \"point\": {{\"lon\", \"lat\"}} or, for a must_patrol line, \"line\": [points]"),
            ))
        }
    };
    let place = Place {
        id: input.id,
        name: input.name,
        kind: input.kind,
        shape,
    };
    state
        .commit(&principal.label, |_| {
            Ok((
                Change::PlaceAdded {
                    place: place.clone(),
                },
                (),
            ))
        })
        .await?;
    Ok((StatusCode::CREATED, Json(place_feature(&place))))
}
