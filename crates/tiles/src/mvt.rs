//! Mapbox Vector Tile 2.1 encoding (protobuf wire format by hand) and clipping to the tile.

use std::collections::HashMap;

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;
const LINESTRING: u64 = 2;
const POLYGON: u64 = 3;

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn key(out: &mut Vec<u8>, field: u32, wire_type: u32) {
    varint(out, ((field << 3) | wire_type) as u64);
}

fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    key(out, field, 2);
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn packed(out: &mut Vec<u8>, field: u32, values: &[u32]) {
    let mut body = Vec::with_capacity(values.len() * 2);
    for &v in values {
        varint(&mut body, v as u64);
    }
    bytes_field(out, field, &body);
}

fn zigzag(value: i32) -> u32 {
    ((value << 1) ^ (value >> 31)) as u32
}

fn command(id: u32, count: usize) -> u32 {
    (id & 7) | ((count as u32) << 3)
}

/// Collects one layer's features with shared key and value tables.
pub struct LayerBuilder {
    keys: Vec<String>,
    values: Vec<String>,
    key_index: HashMap<String, u32>,
    value_index: HashMap<String, u32>,
    features: Vec<Vec<u8>>,
}

impl LayerBuilder {
    pub fn new() -> Self {
        LayerBuilder {
            keys: Vec::new(),
            values: Vec::new(),
            key_index: HashMap::new(),
            value_index: HashMap::new(),
            features: Vec::new(),
        }
    }

    fn tags(&mut self, properties: &[(&str, &str)]) -> Vec<u32> {
        let mut tags = Vec::new();
        for &(k, v) in properties {
            if v.is_empty() {
                continue;
            }
            let next_key = self.keys.len() as u32;
            let k_index = *self.key_index.entry(k.to_string()).or_insert(next_key);
            if k_index == next_key {
                self.keys.push(k.to_string());
            }
            let next_value = self.values.len() as u32;
            let v_index = *self.value_index.entry(v.to_string()).or_insert(next_value);
            if v_index == next_value {
                self.values.push(v.to_string());
            }
            tags.extend([k_index, v_index]);
        }
        tags
    }

    fn add(&mut self, geometry_type: u64, geometry: Vec<u32>, properties: &[(&str, &str)]) {
        let tags = self.tags(properties);
        let mut feature = Vec::new();
        packed(&mut feature, 2, &tags);
        key(&mut feature, 3, 0);
        varint(&mut feature, geometry_type);
        packed(&mut feature, 4, &geometry);
        self.features.push(feature);
    }

    /// Adds a line; points closer than a tile unit merge, and a line of one point is dropped.
    pub fn add_line(&mut self, points: &[[f64; 2]], properties: &[(&str, &str)]) {
        let mut cursor = [0i32; 2];
        let path = quantize(points);
        if path.len() < 2 {
            return;
        }
        let mut geometry = vec![command(MOVE_TO, 1)];
        push_delta(&mut geometry, &mut cursor, path[0]);
        geometry.push(command(LINE_TO, path.len() - 1));
        for &p in &path[1..] {
            push_delta(&mut geometry, &mut cursor, p);
        }
        self.add(LINESTRING, geometry, properties);
    }

    /// Adds an area bounded by one ring, wound clockwise on screen as MVT exterior rings are.
    pub fn add_polygon(&mut self, ring: &[[f64; 2]], properties: &[(&str, &str)]) {
        let mut path = quantize(ring);
        if path.first() == path.last() {
            path.pop();
        }
        if path.len() < 3 {
            return;
        }
        let twice_area: i64 = (0..path.len())
            .map(|i| {
                let (a, b) = (path[i], path[(i + 1) % path.len()]);
                a[0] as i64 * b[1] as i64 - b[0] as i64 * a[1] as i64
            })
            .sum();
        if twice_area == 0 {
            return;
        }
        if twice_area < 0 {
            path.reverse();
        }
        let mut cursor = [0i32; 2];
        let mut geometry = vec![command(MOVE_TO, 1)];
        push_delta(&mut geometry, &mut cursor, path[0]);
        geometry.push(command(LINE_TO, path.len() - 1));
        for &p in &path[1..] {
            push_delta(&mut geometry, &mut cursor, p);
        }
        geometry.push(command(CLOSE_PATH, 1));
        self.add(POLYGON, geometry, properties);
    }
}

fn quantize(points: &[[f64; 2]]) -> Vec<[i32; 2]> {
    let mut path: Vec<[i32; 2]> = points
        .iter()
        .map(|p| [p[0].round() as i32, p[1].round() as i32])
        .collect();
    path.dedup();
    path
}

fn push_delta(geometry: &mut Vec<u32>, cursor: &mut [i32; 2], p: [i32; 2]) {
    geometry.push(zigzag(p[0] - cursor[0]));
    geometry.push(zigzag(p[1] - cursor[1]));
    *cursor = p;
}

/// Encodes the tile; layers without features are left out.
pub fn encode_tile<'a>(layers: impl Iterator<Item = (&'a str, LayerBuilder)>) -> Vec<u8> {
    let mut tile = Vec::new();
    for (name, layer) in layers {
        if layer.features.is_empty() {
            continue;
        }
        let mut body = Vec::new();
        key(&mut body, 15, 0);
        varint(&mut body, 2);
        bytes_field(&mut body, 1, name.as_bytes());
        for feature in &layer.features {
            bytes_field(&mut body, 2, feature);
        }
        for k in &layer.keys {
            bytes_field(&mut body, 3, k.as_bytes());
        }
        for v in &layer.values {
            let mut value = Vec::new();
            bytes_field(&mut value, 1, v.as_bytes());
            bytes_field(&mut body, 4, &value);
        }
        key(&mut body, 5, 0);
        varint(&mut body, super::EXTENT as u64);
        bytes_field(&mut tile, 3, &body);
    }
    tile
}

/// Liang–Barsky: the part of segment a→b inside the square [low, high]², if any.
fn clip_segment(a: [f64; 2], b: [f64; 2], low: f64, high: f64) -> Option<([f64; 2], [f64; 2])> {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a[0] - low),
        (dx, high - a[0]),
        (-dy, a[1] - low),
        (dy, high - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then(|| {
        (
            [a[0] + t0 * dx, a[1] + t0 * dy],
            [a[0] + t1 * dx, a[1] + t1 * dy],
        )
    })
}

/// The parts of a polyline inside the square [low, high]².
pub fn clip_line(points: &[[f64; 2]], low: f64, high: f64) -> Vec<Vec<[f64; 2]>> {
    let mut parts: Vec<Vec<[f64; 2]>> = Vec::new();
    let mut current: Vec<[f64; 2]> = Vec::new();
    for pair in points.windows(2) {
        match clip_segment(pair[0], pair[1], low, high) {
            Some((start, end)) => {
                if current.last() != Some(&start) {
                    if current.len() >= 2 {
                        parts.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(start);
                }
                current.push(end);
            }
            None => {
                if current.len() >= 2 {
                    parts.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        parts.push(current);
    }
    parts
}

/// Sutherland–Hodgman: a ring clipped to the square [low, high]² (the square is convex, so the
/// result is one ring, possibly empty).
pub fn clip_ring(ring: &[[f64; 2]], low: f64, high: f64) -> Vec<[f64; 2]> {
    let mut output: Vec<[f64; 2]> = ring.to_vec();
    let edges: [(usize, f64, bool); 4] = [
        (0, low, true),
        (0, high, false),
        (1, low, true),
        (1, high, false),
    ];
    for (axis, bound, keep_above) in edges {
        let input = std::mem::take(&mut output);
        if input.is_empty() {
            break;
        }
        let inside = |p: &[f64; 2]| {
            if keep_above {
                p[axis] >= bound
            } else {
                p[axis] <= bound
            }
        };
        for i in 0..input.len() {
            let (current, previous) = (input[i], input[(i + input.len() - 1) % input.len()]);
            let crossing = || {
                let t = (bound - previous[axis]) / (current[axis] - previous[axis]);
                [
                    previous[0] + t * (current[0] - previous[0]),
                    previous[1] + t * (current[1] - previous[1]),
                ]
            };
            match (inside(&previous), inside(&current)) {
                (true, true) => output.push(current),
                (true, false) => output.push(crossing()),
                (false, true) => {
                    output.push(crossing());
                    output.push(current);
                }
                (false, false) => {}
            }
        }
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_zigzag_follow_the_protobuf_spec() {
        let mut out = Vec::new();
        varint(&mut out, 300);
        assert_eq!(out, [0xAC, 0x02]);
        assert_eq!([zigzag(0), zigzag(-1), zigzag(1), zigzag(-2)], [0, 1, 2, 3]);
        assert_eq!(command(MOVE_TO, 1), 9);
        assert_eq!(command(LINE_TO, 3), 26);
    }

    #[test]
    fn lines_are_cut_at_the_square() {
        let parts = clip_line(
            &[
                [-10.0, 5.0],
                [5.0, 5.0],
                [5.0, 20.0],
                [8.0, 20.0],
                [8.0, 5.0],
            ],
            0.0,
            10.0,
        );
        assert_eq!(
            parts,
            vec![
                vec![[0.0, 5.0], [5.0, 5.0], [5.0, 10.0]],
                vec![[8.0, 10.0], [8.0, 5.0]]
            ]
        );
        assert!(clip_line(&[[20.0, 20.0], [30.0, 30.0]], 0.0, 10.0).is_empty());
    }

    #[test]
    fn rings_are_cut_at_the_square() {
        let clipped = clip_ring(
            &[[-5.0, -5.0], [5.0, -5.0], [5.0, 5.0], [-5.0, 5.0]],
            0.0,
            10.0,
        );
        let mut corners = clipped.clone();
        corners.sort_by(|a, b| a.partial_cmp(b).unwrap());
        corners.dedup();
        assert_eq!(
            corners,
            vec![[0.0, 0.0], [0.0, 5.0], [5.0, 0.0], [5.0, 5.0]]
        );
    }
}
