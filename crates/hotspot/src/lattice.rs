//! The study area and the square lattice laid over it (any cell size, rotated and shifted), on
//! which forecasts flag cells and scores count calls.

use measure::{LocalProjection, LonLat};

/// Where calls are counted: a bounding box or a polygon (outer rings with holes, as GeoJSON).
#[derive(Debug, Clone, PartialEq)]
pub enum StudyArea {
    BoundingBox {
        west: f64,
        south: f64,
        east: f64,
        north: f64,
    },
    /// Polygons, each a list of rings: the outer ring first, then its holes (WGS-84).
    Polygons(Vec<Vec<Vec<LonLat>>>),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LatticeError {
    #[error("the study area is empty: a bounding box needs west < east and south < north, a polygon at least three corners")]
    EmptyArea,
    #[error("cell size {0} m is not usable: give a size between 1 m and 100 km")]
    CellSize(f64),
    #[error("a {cell_metres} m lattice over this area has {cells} cells, more than the limit of {limit}; choose larger cells or a smaller area")]
    TooManyCells {
        cell_metres: f64,
        cells: usize,
        limit: usize,
    },
}

/// The most cells one lattice may have: bounds the work (and memory) one request can cause.
pub const MAX_CELLS: usize = 4_000_000;

impl StudyArea {
    /// (west, south, east, north) in degrees.
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        match self {
            StudyArea::BoundingBox {
                west,
                south,
                east,
                north,
            } => (*west, *south, *east, *north),
            StudyArea::Polygons(polygons) => {
                let mut bounds = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
                for point in polygons.iter().flatten().flatten() {
                    bounds.0 = bounds.0.min(point.lon);
                    bounds.1 = bounds.1.min(point.lat);
                    bounds.2 = bounds.2.max(point.lon);
                    bounds.3 = bounds.3.max(point.lat);
                }
                bounds
            }
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            StudyArea::BoundingBox {
                west,
                south,
                east,
                north,
            } => !(west < east && south < north),
            StudyArea::Polygons(polygons) => {
                polygons.is_empty()
                    || polygons
                        .iter()
                        .any(|rings| rings.first().is_none_or(|outer| outer.len() < 3))
            }
        }
    }

    /// Whether a point lies inside (even-odd rule over every ring, so holes are outside).
    pub fn contains(&self, point: LonLat) -> bool {
        match self {
            StudyArea::BoundingBox {
                west,
                south,
                east,
                north,
            } => (*west..=*east).contains(&point.lon) && (*south..=*north).contains(&point.lat),
            StudyArea::Polygons(polygons) => polygons.iter().any(|rings| {
                rings
                    .iter()
                    .filter(|ring| ring_contains(ring, point))
                    .count()
                    % 2
                    == 1
            }),
        }
    }

    /// Area in km², on the local projection around the area's centre.
    pub fn area_km2(&self) -> f64 {
        let (west, south, east, north) = self.bounds();
        let projection = LocalProjection::around(LonLat {
            lon: (west + east) / 2.0,
            lat: (south + north) / 2.0,
        });
        let ring_area = |ring: &[LonLat]| -> f64 {
            let xy: Vec<[f64; 2]> = ring.iter().map(|p| projection.to_xy(*p)).collect();
            let mut twice = 0.0;
            for i in 0..xy.len() {
                let (a, b) = (xy[i], xy[(i + 1) % xy.len()]);
                twice += a[0] * b[1] - b[0] * a[1];
            }
            (twice / 2.0).abs()
        };
        let square_metres = match self {
            StudyArea::BoundingBox { .. } => {
                let [x0, y0] = projection.to_xy(LonLat {
                    lon: west,
                    lat: south,
                });
                let [x1, y1] = projection.to_xy(LonLat {
                    lon: east,
                    lat: north,
                });
                (x1 - x0) * (y1 - y0)
            }
            StudyArea::Polygons(polygons) => polygons
                .iter()
                .map(|rings| {
                    let outer = rings.first().map_or(0.0, |ring| ring_area(ring));
                    let holes: f64 = rings.iter().skip(1).map(|ring| ring_area(ring)).sum();
                    outer - holes
                })
                .sum(),
        };
        square_metres / 1e6
    }
}

fn ring_contains(ring: &[LonLat], point: LonLat) -> bool {
    let mut inside = false;
    let n = ring.len();
    let mut j = n.wrapping_sub(1);
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a.lat > point.lat) != (b.lat > point.lat) {
            let lon_at = a.lon + (point.lat - a.lat) / (b.lat - a.lat) * (b.lon - a.lon);
            if point.lon < lon_at {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

/// How a lattice is laid: cell size, rotation and shift of its origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatticeSpec {
    pub cell_metres: f64,
    /// Counter-clockwise rotation of the lattice's axes from east/north, in degrees.
    pub rotation_degrees: f64,
    /// Shift of the lattice's origin, as fractions of a cell along its own axes (0..1).
    pub offset: [f64; 2],
}

impl LatticeSpec {
    pub fn square(cell_metres: f64) -> LatticeSpec {
        LatticeSpec {
            cell_metres,
            rotation_degrees: 0.0,
            offset: [0.0, 0.0],
        }
    }
}

/// A square lattice over a study area. Cells are numbered row by row from the lattice's origin;
/// a cell belongs to the study area when its centre lies inside it.
#[derive(Debug, Clone)]
pub struct Lattice {
    pub spec: LatticeSpec,
    pub projection: LocalProjection,
    cos: f64,
    sin: f64,
    /// Lower-left corner of cell 0 in lattice coordinates (metres along the rotated axes).
    origin: [f64; 2],
    pub columns: usize,
    pub rows: usize,
    /// Whether each cell's centre lies inside the study area.
    pub inside: Vec<bool>,
}

impl Lattice {
    pub fn new(area: &StudyArea, spec: LatticeSpec) -> Result<Lattice, LatticeError> {
        if area.is_empty() {
            return Err(LatticeError::EmptyArea);
        }
        if !(1.0..=100_000.0).contains(&spec.cell_metres) {
            return Err(LatticeError::CellSize(spec.cell_metres));
        }
        let (west, south, east, north) = area.bounds();
        let projection = LocalProjection::around(LonLat {
            lon: (west + east) / 2.0,
            lat: (south + north) / 2.0,
        });
        let angle = spec.rotation_degrees.to_radians();
        let (sin, cos) = angle.sin_cos();
        let corners = [(west, south), (east, south), (east, north), (west, north)];
        let (mut min, mut max) = ([f64::MAX; 2], [f64::MIN; 2]);
        for (lon, lat) in corners {
            let [x, y] = projection.to_xy(LonLat { lon, lat });
            let (u, v) = (x * cos + y * sin, -x * sin + y * cos);
            min = [min[0].min(u), min[1].min(v)];
            max = [max[0].max(u), max[1].max(v)];
        }
        let cell = spec.cell_metres;
        let offset = [
            spec.offset[0].rem_euclid(1.0) * cell,
            spec.offset[1].rem_euclid(1.0) * cell,
        ];
        let origin = [
            ((min[0] - offset[0]) / cell).floor() * cell + offset[0],
            ((min[1] - offset[1]) / cell).floor() * cell + offset[1],
        ];
        let columns = ((max[0] - origin[0]) / cell).ceil().max(1.0) as usize;
        let rows = ((max[1] - origin[1]) / cell).ceil().max(1.0) as usize;
        let cells = columns.saturating_mul(rows);
        if cells > MAX_CELLS {
            return Err(LatticeError::TooManyCells {
                cell_metres: cell,
                cells,
                limit: MAX_CELLS,
            });
        }
        let mut lattice = Lattice {
            spec,
            projection,
            cos,
            sin,
            origin,
            columns,
            rows,
            inside: Vec::new(),
        };
        lattice.inside = (0..cells)
            .map(|index| area.contains(lattice.centre(index)))
            .collect();
        Ok(lattice)
    }

    pub fn len(&self) -> usize {
        self.columns * self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn cell_area_km2(&self) -> f64 {
        self.spec.cell_metres * self.spec.cell_metres / 1e6
    }

    /// Projected metres (east, north) around the area's centre: the plane models work in.
    pub fn to_xy(&self, point: LonLat) -> [f64; 2] {
        self.projection.to_xy(point)
    }

    /// The cell holding a projected point, if the point lies on the lattice.
    pub fn cell_of_xy(&self, [x, y]: [f64; 2]) -> Option<usize> {
        let u = (x * self.cos + y * self.sin - self.origin[0]) / self.spec.cell_metres;
        let v = (-x * self.sin + y * self.cos - self.origin[1]) / self.spec.cell_metres;
        if u < 0.0 || v < 0.0 || !u.is_finite() || !v.is_finite() {
            return None;
        }
        let (column, row) = (u as usize, v as usize);
        (column < self.columns && row < self.rows).then_some(row * self.columns + column)
    }

    pub fn cell_of(&self, point: LonLat) -> Option<usize> {
        self.cell_of_xy(self.to_xy(point))
    }

    /// Centre of a cell in projected metres.
    pub fn centre_xy(&self, cell: usize) -> [f64; 2] {
        let (column, row) = (cell % self.columns, cell / self.columns);
        let cell_metres = self.spec.cell_metres;
        self.lattice_to_xy([
            self.origin[0] + (column as f64 + 0.5) * cell_metres,
            self.origin[1] + (row as f64 + 0.5) * cell_metres,
        ])
    }

    pub fn centre(&self, cell: usize) -> LonLat {
        self.projection.to_lonlat(self.centre_xy(cell))
    }

    /// The cell's closed outline (five corners, counter-clockwise), WGS-84.
    pub fn outline(&self, cell: usize) -> [LonLat; 5] {
        let (column, row) = ((cell % self.columns) as f64, (cell / self.columns) as f64);
        let size = self.spec.cell_metres;
        let corner = |du: f64, dv: f64| {
            self.projection.to_lonlat(self.lattice_to_xy([
                self.origin[0] + (column + du) * size,
                self.origin[1] + (row + dv) * size,
            ]))
        };
        let first = corner(0.0, 0.0);
        [
            first,
            corner(1.0, 0.0),
            corner(1.0, 1.0),
            corner(0.0, 1.0),
            first,
        ]
    }

    /// (column, row) of a cell.
    pub fn position(&self, cell: usize) -> (usize, usize) {
        (cell % self.columns, cell / self.columns)
    }

    fn lattice_to_xy(&self, [u, v]: [f64; 2]) -> [f64; 2] {
        [u * self.cos - v * self.sin, u * self.sin + v * self.cos]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bbox() -> StudyArea {
        StudyArea::BoundingBox {
            west: -122.36,
            south: 47.60,
            east: -122.32,
            north: 47.63,
        }
    }

    #[test]
    fn every_cell_centre_maps_back_to_its_cell_on_rotated_and_shifted_lattices() {
        for spec in [
            LatticeSpec::square(76.2),
            LatticeSpec {
                cell_metres: 150.0,
                rotation_degrees: 30.0,
                offset: [0.25, 0.75],
            },
        ] {
            let lattice = Lattice::new(&bbox(), spec).unwrap();
            assert!(lattice.inside.iter().filter(|inside| **inside).count() > 100);
            for cell in (0..lattice.len()).step_by(7) {
                assert_eq!(lattice.cell_of(lattice.centre(cell)), Some(cell));
            }
        }
    }

    #[test]
    fn polygon_with_a_hole_excludes_the_hole_and_measures_its_area() {
        let ring = |w: f64, s: f64, e: f64, n: f64| {
            vec![
                LonLat { lon: w, lat: s },
                LonLat { lon: e, lat: s },
                LonLat { lon: e, lat: n },
                LonLat { lon: w, lat: n },
                LonLat { lon: w, lat: s },
            ]
        };
        let area = StudyArea::Polygons(vec![vec![
            ring(0.0, 0.0, 0.02, 0.02),
            ring(0.005, 0.005, 0.015, 0.015),
        ]]);
        assert!(area.contains(LonLat {
            lon: 0.001,
            lat: 0.001
        }));
        assert!(!area.contains(LonLat {
            lon: 0.01,
            lat: 0.01
        }));
        // 2.226 km square minus a 1.113 km square: 4.955 - 1.239 km².
        assert!(
            (area.area_km2() - 3.716).abs() < 0.01,
            "{}",
            area.area_km2()
        );
    }

    #[test]
    fn refuses_lattices_that_would_be_too_large() {
        assert!(matches!(
            Lattice::new(&bbox(), LatticeSpec::square(1.0)),
            Err(LatticeError::TooManyCells { .. })
        ));
        assert_eq!(
            Lattice::new(&bbox(), LatticeSpec::square(0.0)).unwrap_err(),
            LatticeError::CellSize(0.0)
        );
    }
}
