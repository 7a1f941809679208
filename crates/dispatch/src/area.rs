//! Area polygons of jurisdictions, with the point-in-polygon test that assigns a call to its grid.

use measure::LonLat;
use serde::{Deserialize, Serialize};

/// A simple polygon in WGS-84: the outer ring, not closed (the last point joins the first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<LonLat>", into = "Vec<LonLat>")]
pub struct Area {
    ring: Vec<LonLat>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("an area needs at least 3 distinct corners, got {corners}; give the outer ring as [lon, lat] points")]
pub struct InvalidArea {
    pub corners: usize,
}

impl Area {
    pub fn new(mut ring: Vec<LonLat>) -> Result<Self, InvalidArea> {
        if ring.len() > 1 && ring.first() == ring.last() {
            ring.pop();
        }
        if ring.len() < 3 {
            return Err(InvalidArea {
                corners: ring.len(),
            });
        }
        Ok(Area { ring })
    }

    pub fn ring(&self) -> &[LonLat] {
        &self.ring
    }

    /// Even-odd rule; planar in degrees, which is exact enough at city scale.
    pub fn contains(&self, point: LonLat) -> bool {
        let mut inside = false;
        let mut previous = self.ring[self.ring.len() - 1];
        for &corner in &self.ring {
            if (corner.lat > point.lat) != (previous.lat > point.lat) {
                let crossing_lon = corner.lon
                    + (point.lat - corner.lat) * (previous.lon - corner.lon)
                        / (previous.lat - corner.lat);
                if point.lon < crossing_lon {
                    inside = !inside;
                }
            }
            previous = corner;
        }
        inside
    }

    /// The mean of the corners: a label point, not a centroid.
    pub fn center(&self) -> LonLat {
        let n = self.ring.len() as f64;
        LonLat {
            lon: self.ring.iter().map(|p| p.lon).sum::<f64>() / n,
            lat: self.ring.iter().map(|p| p.lat).sum::<f64>() / n,
        }
    }
}

impl TryFrom<Vec<LonLat>> for Area {
    type Error = InvalidArea;
    fn try_from(ring: Vec<LonLat>) -> Result<Self, Self::Error> {
        Area::new(ring)
    }
}

impl From<Area> for Vec<LonLat> {
    fn from(area: Area) -> Self {
        area.ring
    }
}
