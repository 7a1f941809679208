//! Base-map tiles of the real Heidelberg extract, decoded by an independent MVT reader.

use measure::LonLat;
use mvt_reader::feature::Value;
use mvt_reader::Reader;
use tiles::{mercator, BaseMap, TileError, EXTENT};

fn tile_of(point: LonLat, z: u8) -> (u32, u32) {
    let [x, y] = mercator(point);
    let scale = (1u32 << z) as f64;
    ((x * scale) as u32, (y * scale) as u32)
}

struct Decoded {
    layer: String,
    name: Option<String>,
    class: Option<String>,
    coordinates: Vec<(f32, f32)>,
}

fn decode(bytes: Vec<u8>) -> Vec<Decoded> {
    let reader = Reader::new(bytes).expect("a valid vector tile");
    let mut decoded = Vec::new();
    for (index, layer) in reader
        .get_layer_names()
        .expect("layer names")
        .into_iter()
        .enumerate()
    {
        for feature in reader.get_features(index).expect("features") {
            let text = |key: &str| match feature.properties.as_ref().and_then(|p| p.get(key)) {
                Some(Value::String(s)) => Some(s.clone()),
                _ => None,
            };
            let coordinates = match &feature.geometry {
                geo_types::Geometry::LineString(line) => {
                    line.0.iter().map(|c| (c.x, c.y)).collect()
                }
                geo_types::Geometry::MultiLineString(lines) => lines
                    .0
                    .iter()
                    .flat_map(|l| l.0.iter().map(|c| (c.x, c.y)))
                    .collect(),
                geo_types::Geometry::Polygon(polygon) => {
                    polygon.exterior().0.iter().map(|c| (c.x, c.y)).collect()
                }
                geo_types::Geometry::MultiPolygon(polygons) => polygons
                    .0
                    .iter()
                    .flat_map(|p| p.exterior().0.iter().map(|c| (c.x, c.y)))
                    .collect(),
                other => panic!("unexpected geometry {other:?}"),
            };
            decoded.push(Decoded {
                layer: layer.clone(),
                name: text("name"),
                class: text("class"),
                coordinates,
            });
        }
    }
    decoded
}

#[test]
fn the_old_town_tile_has_its_streets_and_the_neckar() {
    let base_map = BaseMap::build(fixtures::heidelberg());
    let bismarckplatz = LonLat::new(8.6931, 49.4094).unwrap();
    let (x, y) = tile_of(bismarckplatz, 15);
    let features = decode(base_map.tile(15, x, y).unwrap());
    let roads: Vec<&Decoded> = features.iter().filter(|f| f.layer == "roads").collect();
    assert!(roads.len() > 50, "{} roads", roads.len());
    assert!(
        roads
            .iter()
            .any(|r| r.name.as_deref() == Some("Sofienstraße")),
        "Sofienstraße runs through Bismarckplatz"
    );
    assert!(roads.iter().all(|r| r.class.is_some()));
    let limit = (EXTENT as f32) + 64.5;
    for feature in &features {
        for &(px, py) in &feature.coordinates {
            assert!(
                (-64.5..=limit).contains(&px) && (-64.5..=limit).contains(&py),
                "({px}, {py}) escapes the buffer"
            );
        }
    }
    assert!(
        fixtures::heidelberg().water.is_empty(),
        "this routing extract carries no water; see the Andorra test"
    );
}

#[test]
fn andorra_rivers_are_drawn_where_the_data_has_them() {
    let network = fixtures::andorra();
    let rivers: Vec<_> = network.water.iter().filter(|w| !w.area).collect();
    let areas: Vec<_> = network.water.iter().filter(|w| w.area).collect();
    assert!(
        !rivers.is_empty() && !areas.is_empty(),
        "{} river lines, {} water areas",
        rivers.len(),
        areas.len()
    );
    let base_map = BaseMap::build(network);
    for (water, layer) in [(rivers[0], "waterway"), (areas[0], "water")] {
        let (x, y) = tile_of(water.points[1], 14);
        let features = decode(base_map.tile(14, x, y).unwrap());
        assert!(
            features.iter().any(|f| f.layer == layer),
            "no {layer} in tile 14/{x}/{y}"
        );
    }
}

#[test]
fn low_zooms_keep_only_main_roads_and_far_tiles_are_empty() {
    let base_map = BaseMap::build(fixtures::heidelberg());
    let (x, y) = tile_of(LonLat::new(8.69, 49.41).unwrap(), 10);
    let features = decode(base_map.tile(10, x, y).unwrap());
    assert!(!features.is_empty());
    for feature in features.iter().filter(|f| f.layer == "roads") {
        let class = feature.class.as_deref().unwrap();
        assert!(
            ["motorway", "trunk", "primary"].contains(&class),
            "{class} at zoom 10"
        );
    }
    let (x, y) = tile_of(LonLat::new(116.39, 39.91).unwrap(), 12);
    assert!(
        base_map.tile(12, x, y).unwrap().is_empty(),
        "Beijing is not on Heidelberg's map"
    );
    let [west, south, east, north] = base_map.bounds();
    assert!(west < 8.69 && east > 8.69 && south < 49.41 && north > 49.41);
}

#[test]
fn a_tile_outside_the_world_is_refused() {
    let base_map = BaseMap::build(fixtures::shenzhen());
    let error = base_map.tile(3, 8, 0).unwrap_err();
    assert_eq!(error, TileError::OutOfRange { z: 3, x: 8, y: 0 });
    assert_eq!(
        error.to_string(),
        "tile 3/8/0 does not exist: zoom must be at most 20 and x, y below 2^zoom"
    );
}
