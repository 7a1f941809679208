//! Minimal GeoJSON (RFC 7946) reading and writing on serde_json values: points with an `id`
//! property in, features out. Coordinates are WGS-84 longitude, latitude.

use crate::points::NamedPoint;
use crate::FormatError;
use measure::LonLat;
use serde_json::{json, Map, Value};
use std::path::Path;

/// Reads Point features that carry an `id` property (string or number); an optional numeric
/// `weight` property becomes the point's weight. A leading byte order mark is skipped.
pub fn read_point_features(path: &Path) -> Result<Vec<NamedPoint>, FormatError> {
    let text = std::fs::read_to_string(path).map_err(|source| FormatError::Io {
        file: path.to_path_buf(),
        source,
    })?;
    parse_point_features(path, &text)
}

/// Parses GeoJSON point text as [`read_point_features`] does; `path` only names the file in errors.
pub fn parse_point_features(path: &Path, text: &str) -> Result<Vec<NamedPoint>, FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let document: Value = serde_json::from_str(text).map_err(|e| {
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
        let position = LonLat::new(lon, lat).map_err(|e| {
            if LonLat::new(lat, lon).is_ok() {
                problem(format!("coordinates [{lon}, {lat}]: lon and lat look swapped (GeoJSON gives [lon, lat]); a latitude lies in -90..90, so swap the two numbers"))
            } else {
                problem(e.to_string())
            }
        })?;
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

/// The most corners one polygon file may hold: bounds the work a hostile file can cause.
pub const MAX_POLYGON_CORNERS: usize = 2_000_000;

/// Reads every Polygon and MultiPolygon of a GeoJSON file (a FeatureCollection, a Feature or a
/// bare geometry) as polygons, each a list of rings, outer ring first. Rings must close and have
/// at least four corners; a feature that is not a polygon is named with its number.
pub fn read_polygons(path: &Path) -> Result<Vec<Vec<Vec<LonLat>>>, FormatError> {
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
    let geometries: Vec<(String, &Value)> = match document.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => document
            .get("features")
            .and_then(Value::as_array)
            .map(|features| {
                features
                    .iter()
                    .enumerate()
                    .map(|(index, feature)| {
                        (
                            format!("feature {index}"),
                            feature.get("geometry").unwrap_or(&Value::Null),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Some("Feature") => vec![(
            "the feature".to_string(),
            document.get("geometry").unwrap_or(&Value::Null),
        )],
        Some(_) => vec![("the geometry".to_string(), &document)],
        None => return Err(FormatError::invalid(
            path,
            1,
            0,
            "not GeoJSON: no 'type' member (FeatureCollection, Feature, Polygon or MultiPolygon)",
        )),
    };
    let mut polygons = Vec::new();
    let mut corners = 0usize;
    for (name, geometry) in geometries {
        let problem =
            |message: String| FormatError::invalid(path, 0, 0, format!("{name}: {message}"));
        let coordinates = geometry.get("coordinates");
        let shapes: Vec<&Value> = match geometry.get("type").and_then(Value::as_str) {
            Some("Polygon") => coordinates.into_iter().collect(),
            Some("MultiPolygon") => coordinates
                .and_then(Value::as_array)
                .map(|many| many.iter().collect())
                .unwrap_or_default(),
            other => {
                return Err(problem(format!(
                    "is a {}, not a Polygon or MultiPolygon",
                    other.unwrap_or("geometry of no type")
                )))
            }
        };
        for shape in shapes {
            let rings = shape
                .as_array()
                .filter(|rings| !rings.is_empty())
                .ok_or_else(|| problem("a polygon has no rings".into()))?;
            let mut polygon = Vec::with_capacity(rings.len());
            for (ring_index, ring) in rings.iter().enumerate() {
                let points = ring.as_array().ok_or_else(|| {
                    problem(format!("ring {ring_index} is not a list of positions"))
                })?;
                corners += points.len();
                if corners > MAX_POLYGON_CORNERS {
                    return Err(problem(format!(
                        "the file has more than {MAX_POLYGON_CORNERS} corners; simplify the polygons"
                    )));
                }
                let mut ring_points = Vec::with_capacity(points.len());
                for point in points {
                    let pair = point
                        .as_array()
                        .filter(|pair| pair.len() >= 2)
                        .and_then(|pair| Some((pair[0].as_f64()?, pair[1].as_f64()?)))
                        .ok_or_else(|| {
                            problem(format!(
                                "ring {ring_index} has a position that is not [lon, lat]"
                            ))
                        })?;
                    ring_points.push(
                        LonLat::new(pair.0, pair.1)
                            .map_err(|e| problem(format!("ring {ring_index}: {e}")))?,
                    );
                }
                if ring_points.len() < 4 || ring_points.first() != ring_points.last() {
                    return Err(problem(format!(
                        "ring {ring_index} is not closed (at least four positions, the last equal to the first)"
                    )));
                }
                polygon.push(ring_points);
            }
            polygons.push(polygon);
        }
    }
    if polygons.is_empty() {
        return Err(FormatError::invalid(
            path,
            1,
            0,
            "holds no Polygon or MultiPolygon",
        ));
    }
    Ok(polygons)
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
