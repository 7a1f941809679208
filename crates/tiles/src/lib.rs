//! The offline base map: the city's own roads and water as Mapbox vector tiles (MVT 2.1), so the
//! command map needs no tile server and works on a network cut off from the internet.
//!
//! The encoder is written here: the format is a few protobuf messages, and owning it keeps the
//! dependency tree free of a protobuf toolchain.

mod mvt;

use measure::LonLat;
use roadnet::{Profile, RoadClass, RoadNetwork};
use rstar::{RTree, RTreeObject, AABB};
use std::collections::HashMap;
use std::f64::consts::PI;

/// Tile coordinates span 0..EXTENT; geometry is kept up to BUFFER beyond, so lines join smoothly.
pub const EXTENT: u32 = 4096;
const BUFFER: f64 = 64.0;
pub const MAX_ZOOM: u8 = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error(
        "tile {z}/{x}/{y} does not exist: zoom must be at most {MAX_ZOOM} and x, y below 2^zoom"
    )]
    OutOfRange { z: u8, x: u32, y: u32 },
}

/// A drawable line or area with the properties the style reads.
struct Shape {
    layer: Layer,
    class: &'static str,
    name: String,
    points: Vec<[f64; 2]>, // web-mercator, 0..1 on both axes
    min_zoom: u8,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layer {
    Roads,
    Water,
    WaterLines,
}

struct Indexed {
    shape: u32,
    envelope: AABB<[f64; 2]>,
}

impl RTreeObject for Indexed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.envelope
    }
}

/// The base map of one city, indexed for cutting tiles on request.
pub struct BaseMap {
    shapes: Vec<Shape>,
    index: RTree<Indexed>,
}

/// Web-mercator position scaled to the unit square (x east, y south).
pub fn mercator(point: LonLat) -> [f64; 2] {
    let lat = point.lat.clamp(-85.05112878, 85.05112878).to_radians();
    [
        (point.lon + 180.0) / 360.0,
        (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0,
    ]
}

/// The least zoom at which a road class is drawn: main roads first, footways only up close.
fn road_min_zoom(class: RoadClass) -> u8 {
    match class {
        RoadClass::Motorway | RoadClass::Trunk | RoadClass::Primary => 0,
        RoadClass::Secondary | RoadClass::Tertiary => 11,
        RoadClass::Minor | RoadClass::Residential => 13,
        RoadClass::Service | RoadClass::Footway => 15,
    }
}

impl BaseMap {
    /// Collects the roads of every profile (each stretch once) and the water of `network`.
    pub fn build(network: &RoadNetwork) -> BaseMap {
        // Undirected stretches keyed by their OSM node ids, so car and foot graphs merge.
        let mut stretches: HashMap<(i64, i64), (u32, LonLat, LonLat)> = HashMap::new();
        for profile in [Profile::Car, Profile::Foot] {
            let Ok(graph) = network.graph(profile) else {
                continue;
            };
            for tail in 0..graph.node_count() as u32 {
                for edge in graph.out_edges(tail) {
                    let head = graph.edge_head(edge);
                    let (a, b) = (graph.osm_node_id(tail), graph.osm_node_id(head));
                    let key = (a.min(b), a.max(b));
                    let (pa, pb) = if a < b {
                        (graph.position(tail), graph.position(head))
                    } else {
                        (graph.position(head), graph.position(tail))
                    };
                    stretches
                        .entry(key)
                        .or_insert((graph.edge_road(edge), pa, pb));
                }
            }
        }
        let mut shapes: Vec<Shape> = chain_roads(&stretches)
            .into_iter()
            .map(|(road, points)| {
                let road = network.road(road);
                Shape {
                    layer: Layer::Roads,
                    class: road.class.name(),
                    name: road.name.clone(),
                    points: points.iter().map(|p| mercator(*p)).collect(),
                    min_zoom: road_min_zoom(road.class),
                }
            })
            .collect();
        for water in &network.water {
            shapes.push(Shape {
                layer: if water.area {
                    Layer::Water
                } else {
                    Layer::WaterLines
                },
                class: if water.area { "water" } else { "river" },
                name: water.name.clone(),
                points: water.points.iter().map(|p| mercator(*p)).collect(),
                min_zoom: 0,
            });
        }
        let index = RTree::bulk_load(
            shapes
                .iter()
                .enumerate()
                .map(|(i, shape)| {
                    let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
                    for p in &shape.points {
                        min = [min[0].min(p[0]), min[1].min(p[1])];
                        max = [max[0].max(p[0]), max[1].max(p[1])];
                    }
                    Indexed {
                        shape: i as u32,
                        envelope: AABB::from_corners(min, max),
                    }
                })
                .collect(),
        );
        BaseMap { shapes, index }
    }

    /// The base map's bounds as (west, south, east, north) in degrees.
    pub fn bounds(&self) -> [f64; 4] {
        let envelope = self.index.root().envelope();
        let (lower, upper) = (envelope.lower(), envelope.upper());
        let lon = |x: f64| x * 360.0 - 180.0;
        let lat = |y: f64| (PI * (1.0 - 2.0 * y)).sinh().atan().to_degrees();
        [lon(lower[0]), lat(upper[1]), lon(upper[0]), lat(lower[1])]
    }

    /// The tile `z/x/y` as MVT bytes (uncompressed); an empty tile has no layers.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Vec<u8>, TileError> {
        if z > MAX_ZOOM || x >= 1 << z || y >= 1 << z {
            return Err(TileError::OutOfRange { z, x, y });
        }
        let scale = (1u64 << z) as f64;
        let to_tile = |p: [f64; 2]| {
            [
                (p[0] * scale - x as f64) * EXTENT as f64,
                (p[1] * scale - y as f64) * EXTENT as f64,
            ]
        };
        let margin = BUFFER / EXTENT as f64 / scale;
        let window = AABB::from_corners(
            [x as f64 / scale - margin, y as f64 / scale - margin],
            [
                (x + 1) as f64 / scale + margin,
                (y + 1) as f64 / scale + margin,
            ],
        );
        let mut layers: Vec<(Layer, &str, mvt::LayerBuilder)> = vec![
            (Layer::Water, "water", mvt::LayerBuilder::new()),
            (Layer::WaterLines, "waterway", mvt::LayerBuilder::new()),
            (Layer::Roads, "roads", mvt::LayerBuilder::new()),
        ];
        let mut hits: Vec<u32> = self
            .index
            .locate_in_envelope_intersecting(&window)
            .map(|i| i.shape)
            .collect();
        hits.sort_unstable();
        for shape in hits.into_iter().map(|i| &self.shapes[i as usize]) {
            if shape.min_zoom > z {
                continue;
            }
            let points: Vec<[f64; 2]> = shape.points.iter().map(|&p| to_tile(p)).collect();
            let (_, _, builder) = layers
                .iter_mut()
                .find(|(layer, _, _)| *layer == shape.layer)
                .expect("every layer is listed");
            let properties = [("class", shape.class), ("name", shape.name.as_str())];
            match shape.layer {
                Layer::Water => {
                    let ring = mvt::clip_ring(&points, -BUFFER, EXTENT as f64 + BUFFER);
                    builder.add_polygon(&ring, &properties);
                }
                Layer::Roads | Layer::WaterLines => {
                    for part in mvt::clip_line(&points, -BUFFER, EXTENT as f64 + BUFFER) {
                        builder.add_line(&part, &properties);
                    }
                }
            }
        }
        Ok(mvt::encode_tile(
            layers.into_iter().map(|(_, name, builder)| (name, builder)),
        ))
    }
}

/// Joins stretches of the same street into polylines, breaking at junctions.
fn chain_roads(stretches: &HashMap<(i64, i64), (u32, LonLat, LonLat)>) -> Vec<(u32, Vec<LonLat>)> {
    let mut by_road: HashMap<u32, Vec<(i64, i64, LonLat, LonLat)>> = HashMap::new();
    for (&(a, b), &(road, pa, pb)) in stretches {
        by_road.entry(road).or_default().push((a, b, pa, pb));
    }
    let mut roads: Vec<u32> = by_road.keys().copied().collect();
    roads.sort_unstable();
    let mut lines = Vec::new();
    for road in roads {
        let mut pieces = by_road.remove(&road).expect("listed key");
        pieces.sort_unstable_by_key(|p| (p.0, p.1));
        let mut around: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, p) in pieces.iter().enumerate() {
            around.entry(p.0).or_default().push(i);
            around.entry(p.1).or_default().push(i);
        }
        let mut used = vec![false; pieces.len()];
        let walk = |start_node: i64, first: usize, used: &mut Vec<bool>| {
            let mut points = Vec::new();
            let (mut node, mut piece) = (start_node, first);
            loop {
                used[piece] = true;
                let (a, b, pa, pb) = pieces[piece];
                let (from, to, next) = if a == node { (pa, pb, b) } else { (pb, pa, a) };
                if points.is_empty() {
                    points.push(from);
                }
                points.push(to);
                node = next;
                let neighbours = &around[&node];
                match neighbours.iter().find(|&&i| !used[i]) {
                    Some(&i) if neighbours.len() == 2 => piece = i,
                    _ => break,
                }
            }
            points
        };
        let mut ends: Vec<i64> = around
            .iter()
            .filter(|(_, at)| at.len() != 2)
            .map(|(&n, _)| n)
            .collect();
        ends.sort_unstable();
        for node in ends {
            for &piece in &around[&node] {
                if !used[piece] {
                    lines.push((road, walk(node, piece, &mut used)));
                }
            }
        }
        for piece in 0..pieces.len() {
            if !used[piece] {
                lines.push((road, walk(pieces[piece].0, piece, &mut used)));
            }
        }
    }
    lines
}
