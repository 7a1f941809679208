//! Minimal GeoJSON (RFC 7946) reading and writing on serde_json values: points with an `id`
//! property in, features out. Coordinates are WGS-84 longitude, latitude.

use crate::points::NamedPoint;
use crate::FormatError;
use measure::LonLat;
use serde_json::{json, Map, Value};
use std::path::Path;

/// Reads Point features that carry an `id` property (string or number); an optional numeric
/// `weight` property becomes the point's weight.
pub fn read_point_features(path: &Path) -> Result<Vec<NamedPoint>, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|source| FormatError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    let document: Value = serde_json::from_str(&text).map_err(|e| {
        FormatError::invalid(
            path,
            e.line() as u64,
            e.column() as u64,
            format!("not JSON: {e}"),
        )
    })?;
    let features = document
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            FormatError::invalid(
                path,
                1,
                0,
                "not a GeoJSON FeatureCollection (no 'features' array)",
            )
        })?;
    let mut points = Vec::with_capacity(features.len());
    for (index, feature) in features.iter().enumerate() {
        let problem = |message: String| {
            FormatError::invalid(path, 0, 0, format!("feature {index}: {message}"))
        };
        let geometry = feature
            .get("geometry")
            .ok_or_else(|| problem("has no geometry".into()))?;
        if geometry.get("type").and_then(Value::as_str) != Some("Point") {
            return Err(problem("is not a Point".into()));
        }
        let coordinates = geometry
            .get("coordinates")
            .and_then(Value::as_array)
            .filter(|c| c.len() >= 2)
            .ok_or_else(|| problem("has no [lon, lat] coordinates".into()))?;
        let lon = coordinates[0]
            .as_f64()
            .ok_or_else(|| problem("longitude is not a number".into()))?;
        let lat = coordinates[1]
            .as_f64()
            .ok_or_else(|| problem("latitude is not a number".into()))?;
        let position = LonLat::new(lon, lat).map_err(|e| problem(e.to_string()))?;
        let properties = feature.get("properties");
        let id = match properties
            .and_then(|p| p.get("id"))
            .or_else(|| feature.get("id"))
        {
            Some(Value::String(id)) => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            _ => return Err(problem("has no 'id' property".into())),
        };
        let weight = properties
            .and_then(|p| p.get("weight"))
            .and_then(Value::as_f64);
        points.push(NamedPoint {
            id,
            position,
            weight,
        });
    }
    Ok(points)
}

pub fn position(point: LonLat) -> Value {
    json!([round7(point.lon), round7(point.lat)])
}

/// Seven decimals is a centimetre: enough for any road geometry, and it keeps files small.
fn round7(value: f64) -> f64 {
    (value * 1e7).round() / 1e7
}

pub fn line_string(points: &[LonLat]) -> Value {
    json!({"type": "LineString", "coordinates": points.iter().map(|p| position(*p)).collect::<Vec<_>>()})
}

/// A MultiPolygon from polygons given as rings (first outer, then holes).
pub fn multi_polygon(polygons: &[Vec<Vec<LonLat>>]) -> Value {
    let coordinates: Vec<Value> = polygons
        .iter()
        .map(|rings| {
            Value::Array(
                rings
                    .iter()
                    .map(|ring| Value::Array(ring.iter().map(|p| position(*p)).collect()))
                    .collect(),
            )
        })
        .collect();
    json!({"type": "MultiPolygon", "coordinates": coordinates})
}

pub fn feature(geometry: Value, properties: Map<String, Value>) -> Value {
    json!({"type": "Feature", "geometry": geometry, "properties": properties})
}

pub fn feature_collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

/// Writes a GeoJSON document to `path`.
pub fn write(path: &Path, document: &Value) -> Result<(), FormatError> {
    let text = serde_json::to_string(document).expect("serde_json values always serialise");
    std::fs::write(path, text).map_err(|source| FormatError::Write {
        file: path.to_path_buf(),
        source,
    })
}
