//! Rapid-response circles (快反圈): the area reachable by road within a time limit, traced from the
//! roads actually reached (partial edges included), never a circle or a hull.
//!
//! The reached road pieces are drawn on a raster of small cells, widened by one cell (a place
//! beside a reached road is reached), small enclosed gaps such as city blocks are filled, and the
//! cell boundaries are traced into polygons with holes (rivers, parks and rail yards stay out).

use crate::dijkstra::{forward_search, Origin};
use crate::graph::{Millis, ProfileGraph};
use crate::snap::Snap;
use measure::{LonLat, Meters, Seconds};

/// Raster cell side, metres: fine enough to follow streets, coarse enough to stay fast.
const CELL_METERS: f64 = 15.0;
/// The smallest distance at which a reached and an unreached node are told apart: nodes that share a
/// raster cell share its fate, and a reached node keeps its cell inside.
pub const RESOLUTION: Meters = Meters(CELL_METERS * std::f64::consts::SQRT_2);
/// Enclosed unreached areas up to this size are filled (a city block, a courtyard).
const MAX_FILLED_HOLE_SQUARE_METERS: f64 = 40_000.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Isochrone {
    pub limit: Seconds,
    /// Polygons, each an outer ring (counter-clockwise) followed by its holes (clockwise); rings
    /// are closed (first point repeated last).
    pub polygons: Vec<Vec<Vec<LonLat>>>,
    /// Length of road reached within the limit (each road counted once, whatever its directions).
    pub road: Meters,
}

/// A straight piece of reached road in the projected plane.
type Piece = ([f64; 2], [f64; 2]);

/// The areas reachable from `origin` within each of `limits`.
pub fn isochrone(graph: &ProfileGraph, origin: &Snap, limits: &[Seconds]) -> Vec<Isochrone> {
    let max_limit = limits.iter().map(|l| to_millis(*l)).max().unwrap_or(0);
    let origins: Vec<Origin> = origin.departure_origins(graph, 0);
    let tree = forward_search(graph, &origins, max_limit);
    limits
        .iter()
        .map(|&limit| {
            let limit_millis = to_millis(limit);
            let (pieces, road) =
                reached_pieces(graph, origin, &tree.settled, &tree.millis, limit_millis);
            let polygons = trace(graph, &pieces, &tree.millis, limit_millis);
            Isochrone {
                limit,
                polygons,
                road,
            }
        })
        .collect()
}

fn to_millis(limit: Seconds) -> Millis {
    (limit.0.max(0.0) * 1000.0)
        .round()
        .min(u32::MAX as f64 - 1.0) as Millis
}

/// The road pieces reached within `limit` and their total length.
fn reached_pieces(
    graph: &ProfileGraph,
    origin: &Snap,
    settled: &[u32],
    millis: &[Millis],
    limit: Millis,
) -> (Vec<Piece>, Meters) {
    let xy = |v: u32| graph.xy[v as usize];
    let share = |from: u32, edge: usize| -> f64 {
        let d = millis[from as usize];
        if d > limit {
            return 0.0;
        }
        let w = graph.edge_millis(edge).max(1) as f64;
        ((limit - d) as f64 / w).min(1.0)
    };
    let mut pieces = Vec::new();
    let mut road_meters = 0.0;
    for &u in settled {
        if millis[u as usize] > limit {
            break; // settled in distance order
        }
        let pu = xy(u);
        pieces.push((pu, pu));
        for edge in graph.out_edges(u) {
            let v = graph.edge_head(edge);
            let forward = share(u, edge);
            let length = graph.edge_meters(edge).0;
            let pv = xy(v);
            pieces.push((pu, lerp(pu, pv, forward)));
            match graph.find_edge(v, u) {
                // A two-way road: count it once, from the lower-numbered end or from the only end reached.
                Some(back) => {
                    let backward = share(v, back);
                    if backward == 0.0 || u < v {
                        road_meters += length.min((forward + backward) * length);
                    }
                }
                None => road_meters += forward * length,
            }
        }
    }
    // The stretch from the origin to the ends of its own segment.
    let start = graph.projection.to_xy(origin.on_road);
    pieces.push((start, start));
    for (node, millis_to_end, _) in origin.departure_points(graph) {
        let end = xy(node);
        let share = if millis_to_end <= limit || millis_to_end == 0 {
            1.0
        } else {
            limit as f64 / millis_to_end as f64
        };
        pieces.push((start, lerp(start, end, share)));
    }
    (pieces, Meters(road_meters))
}

fn lerp(a: [f64; 2], b: [f64; 2], t: f64) -> [f64; 2] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
}

/// A boolean raster over a window of the projected plane.
struct Raster {
    origin: [f64; 2],
    width: usize,
    height: usize,
    cells: Vec<bool>,
}

impl Raster {
    fn covering(pieces: &[Piece]) -> Raster {
        let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
        for (a, b) in pieces {
            for p in [a, b] {
                min = [min[0].min(p[0]), min[1].min(p[1])];
                max = [max[0].max(p[0]), max[1].max(p[1])];
            }
        }
        // Two cells of margin: one for widening, one so the border is always empty.
        let origin = [min[0] - 2.0 * CELL_METERS, min[1] - 2.0 * CELL_METERS];
        let width = ((max[0] - origin[0]) / CELL_METERS).ceil() as usize + 3;
        let height = ((max[1] - origin[1]) / CELL_METERS).ceil() as usize + 3;
        Raster {
            origin,
            width,
            height,
            cells: vec![false; width * height],
        }
    }

    fn cell_of(&self, p: [f64; 2]) -> (usize, usize) {
        (
            ((p[0] - self.origin[0]) / CELL_METERS) as usize,
            ((p[1] - self.origin[1]) / CELL_METERS) as usize,
        )
    }

    /// The cell holding `p`, if it lies in the raster.
    fn index_of(&self, p: [f64; 2]) -> Option<usize> {
        let (x, y) = (
            (p[0] - self.origin[0]) / CELL_METERS,
            (p[1] - self.origin[1]) / CELL_METERS,
        );
        (x >= 0.0 && y >= 0.0 && x < self.width as f64 && y < self.height as f64)
            .then(|| y as usize * self.width + x as usize)
    }

    fn draw(&mut self, (a, b): Piece) {
        let length = ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt();
        let steps = (length / (CELL_METERS * 0.5)).ceil() as usize;
        for step in 0..=steps {
            let t = if steps == 0 {
                0.0
            } else {
                step as f64 / steps as f64
            };
            let (x, y) = self.cell_of(lerp(a, b, t));
            self.cells[y * self.width + x] = true;
        }
    }

    fn widen(&mut self) {
        let (w, h) = (self.width, self.height);
        let mut widened = self.cells.clone();
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                if self.cells[y * w + x] {
                    for dy in [y - 1, y, y + 1] {
                        widened[dy * w + x - 1..=dy * w + x + 1].fill(true);
                    }
                }
            }
        }
        self.cells = widened;
    }

    /// Where two filled cells touch only at a corner, fills one of the two empty cells beside them
    /// or, when both hold unreached nodes, empties one of the two that holds no reached node.
    /// Without such touches every traced ring is simple and no two rings meet, as valid polygons
    /// require. Filling only unblocked cells and blocking every emptied one keeps the loop finite.
    fn remove_diagonal_touches(&mut self, blocked: &mut [bool], pinned: &[bool]) {
        let w = self.width;
        loop {
            let mut changed = false;
            for y in 0..self.height - 1 {
                for x in 0..w - 1 {
                    let block = [
                        y * w + x,
                        y * w + x + 1,
                        (y + 1) * w + x,
                        (y + 1) * w + x + 1,
                    ];
                    let [a, b, c, d] = block.map(|i| self.cells[i]);
                    let (filled_pair, empty_pair) = if a && d && !b && !c {
                        ([block[0], block[3]], [block[1], block[2]])
                    } else if b && c && !a && !d {
                        ([block[1], block[2]], [block[0], block[3]])
                    } else {
                        continue;
                    };
                    if let Some(&cell) = empty_pair.iter().find(|&&i| !blocked[i]) {
                        self.cells[cell] = true;
                        changed = true;
                    } else if let Some(&cell) = filled_pair.iter().find(|&&i| !pinned[i]) {
                        self.cells[cell] = false;
                        blocked[cell] = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Fills enclosed empty areas smaller than `max_cells` that hold no blocked cell. Empty cells
    /// connect diagonally too, the dual of the 4-connected filled cells that `trace` outlines.
    fn fill_small_holes(&mut self, max_cells: usize, blocked: &[bool]) {
        let (w, h) = (self.width, self.height);
        let mut component = vec![u32::MAX; w * h];
        let mut stack = Vec::new();
        let mut members = Vec::new();
        let mut next = 0u32;
        for start in 0..w * h {
            if self.cells[start] || component[start] != u32::MAX {
                continue;
            }
            let touches_border =
                |i: usize| i.is_multiple_of(w) || i % w == w - 1 || i / w == 0 || i / w == h - 1;
            let mut keep_open = false;
            members.clear();
            component[start] = next;
            stack.push(start);
            while let Some(i) = stack.pop() {
                members.push(i);
                keep_open |= touches_border(i) || blocked[i];
                let (x, y) = ((i % w) as isize, (i / w) as isize);
                for dy in -1..=1isize {
                    for dx in -1..=1isize {
                        let (nx, ny) = (x + dx, y + dy);
                        if nx < 0 || ny < 0 || nx >= w as isize || ny >= h as isize {
                            continue;
                        }
                        let j = ny as usize * w + nx as usize;
                        if !self.cells[j] && component[j] == u32::MAX {
                            component[j] = next;
                            stack.push(j);
                        }
                    }
                }
            }
            if !keep_open && members.len() <= max_cells {
                for &i in &members {
                    self.cells[i] = true;
                }
            }
            next += 1;
        }
    }
}

fn trace(
    graph: &ProfileGraph,
    pieces: &[Piece],
    millis: &[Millis],
    limit: Millis,
) -> Vec<Vec<Vec<LonLat>>> {
    let mut raster = Raster::covering(pieces);
    for &piece in pieces {
        raster.draw(piece);
    }
    raster.widen();
    // Widening must not swallow a node that is not reached, such as one on the far carriageway of
    // a divided road; a reached node always stays in.
    let mut blocked = vec![false; raster.cells.len()];
    let mut reached_cells = Vec::new();
    for node in 0..graph.node_count() as u32 {
        let Some(cell) = raster.index_of(graph.xy[node as usize]) else {
            continue;
        };
        if millis[node as usize] <= limit {
            reached_cells.push(cell);
        } else if graph
            .in_edges(node)
            .all(|(tail, _)| millis[tail as usize] > limit)
        {
            blocked[cell] = true;
        }
    }
    for (cell, &is_blocked) in blocked.iter().enumerate() {
        if is_blocked {
            raster.cells[cell] = false;
        }
    }
    let mut pinned = vec![false; raster.cells.len()];
    for cell in reached_cells {
        raster.cells[cell] = true;
        blocked[cell] = false;
        pinned[cell] = true;
    }
    raster.fill_small_holes(
        (MAX_FILLED_HOLE_SQUARE_METERS / (CELL_METERS * CELL_METERS)) as usize,
        &blocked,
    );
    raster.remove_diagonal_touches(&mut blocked, &pinned);
    outline(&raster)
        .into_iter()
        .map(|rings| {
            rings
                .into_iter()
                .map(|ring| {
                    ring.into_iter()
                        .map(|(x, y)| {
                            let point = [
                                raster.origin[0] + x as f64 * CELL_METERS,
                                raster.origin[1] + y as f64 * CELL_METERS,
                            ];
                            graph.projection.to_lonlat(point)
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Directions along cell edges, in counter-clockwise order: east, north, west, south.
const STEPS: [(i32, i32); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];

/// Traces the boundaries of the filled cells into polygons (outer ring first, then holes), in
/// grid-corner coordinates. Filled cells lie left of every boundary edge, so outer rings run
/// counter-clockwise and holes clockwise; at a corner where two filled cells touch only
/// diagonally the trace turns left, keeping 4-connected regions apart.
fn outline(raster: &Raster) -> Vec<Vec<Vec<(i32, i32)>>> {
    let (w, h) = (raster.width as i32, raster.height as i32);
    let filled =
        |x: i32, y: i32| x >= 0 && y >= 0 && x < w && y < h && raster.cells[(y * w + x) as usize];
    // Boundary edges keyed by start corner: up to two leave a corner (at diagonal touches).
    let corner = |x: i32, y: i32| (y * (w + 1) + x) as usize;
    let mut leaving: Vec<[u8; 2]> = vec![[u8::MAX; 2]; ((w + 1) * (h + 1)) as usize];
    let mut edge_count = 0usize;
    let mut add = |x: i32, y: i32, direction: u8| {
        let slot = &mut leaving[corner(x, y)];
        if slot[0] == u8::MAX {
            slot[0] = direction;
        } else {
            slot[1] = direction;
        }
        edge_count += 1;
    };
    for y in 0..h {
        for x in 0..w {
            if !filled(x, y) {
                continue;
            }
            if !filled(x, y - 1) {
                add(x, y, 0);
            }
            if !filled(x + 1, y) {
                add(x + 1, y, 1);
            }
            if !filled(x, y + 1) {
                add(x + 1, y + 1, 2);
            }
            if !filled(x - 1, y) {
                add(x, y + 1, 3);
            }
        }
    }

    // Label 4-connected filled regions so each ring can be given to its polygon.
    let mut region = vec![u32::MAX; (w * h) as usize];
    let mut n_regions = 0u32;
    let mut stack = Vec::new();
    for start in 0..(w * h) as usize {
        if !raster.cells[start] || region[start] != u32::MAX {
            continue;
        }
        region[start] = n_regions;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = ((i as i32) % w, (i as i32) / w);
            for (dx, dy) in STEPS {
                if filled(x + dx, y + dy) {
                    let j = ((y + dy) * w + x + dx) as usize;
                    if region[j] == u32::MAX {
                        region[j] = n_regions;
                        stack.push(j);
                    }
                }
            }
        }
        n_regions += 1;
    }

    let mut outers: Vec<Option<Vec<(i32, i32)>>> = vec![None; n_regions as usize];
    let mut holes: Vec<Vec<Vec<(i32, i32)>>> = vec![Vec::new(); n_regions as usize];
    let mut used = 0;
    while used < edge_count {
        let start_corner = leaving
            .iter()
            .position(|slot| slot[0] != u8::MAX)
            .expect("an unused edge remains");
        let (sx, sy) = (
            (start_corner as i32) % (w + 1),
            (start_corner as i32) / (w + 1),
        );
        let first_direction = take(&mut leaving[start_corner], None);
        // The filled cell left of the first edge names the region this ring bounds.
        let (dx, dy) = STEPS[first_direction as usize];
        let left_cell = match first_direction {
            0 => (sx, sy),
            1 => (sx - 1, sy),
            2 => (sx - 1, sy - 1),
            _ => (sx, sy - 1),
        };
        let ring_region = region[(left_cell.1 * w + left_cell.0) as usize] as usize;
        let mut ring = vec![(sx, sy)];
        let (mut x, mut y, mut direction) = (sx + dx, sy + dy, first_direction);
        used += 1;
        while (x, y) != (sx, sy) {
            let next = take(&mut leaving[corner(x, y)], Some(direction));
            if next != direction {
                ring.push((x, y));
            }
            direction = next;
            let (dx, dy) = STEPS[direction as usize];
            x += dx;
            y += dy;
            used += 1;
        }
        if direction == first_direction {
            ring.remove(0); // the start lies mid-way along a straight run, not at a corner
        }
        let closing = ring[0];
        ring.push(closing);
        let twice_area: i64 = ring
            .windows(2)
            .map(|p| p[0].0 as i64 * p[1].1 as i64 - p[1].0 as i64 * p[0].1 as i64)
            .sum();
        if twice_area > 0 {
            outers[ring_region] = Some(ring);
        } else {
            holes[ring_region].push(ring);
        }
    }
    outers
        .into_iter()
        .zip(holes)
        .filter_map(|(outer, holes)| {
            let mut rings = vec![outer?];
            rings.extend(holes);
            Some(rings)
        })
        .collect()
}

/// Removes and returns an edge leaving a corner: the only one, or at a diagonal touch the left
/// turn from `arriving`.
fn take(slot: &mut [u8; 2], arriving: Option<u8>) -> u8 {
    let pick = if slot[1] == u8::MAX {
        0
    } else {
        let left = arriving.map(|d| (d + 1) % 4);
        if Some(slot[1]) == left {
            1
        } else {
            0
        }
    };
    let direction = slot[pick];
    assert_ne!(
        direction,
        u8::MAX,
        "boundary edges always continue at a corner"
    );
    if pick == 0 {
        slot[0] = slot[1];
    }
    slot[1] = u8::MAX;
    direction
}
