//! Units and coordinates shared by every pingan crate, so that a time is never mistaken for a
//! distance and a GCJ-02 point never for a WGS-84 one.

mod china;
mod civil;

pub use china::{bd09_to_wgs84, gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02, CoordinateSystem};
pub use civil::CivilTime;

use serde::{Deserialize, Serialize};
use std::fmt;

/// A duration in seconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
pub struct Seconds(pub f64);

impl Seconds {
    pub fn from_minutes(minutes: f64) -> Self {
        Seconds(minutes * 60.0)
    }
    pub fn minutes(self) -> f64 {
        self.0 / 60.0
    }
}

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} s", self.0)
    }
}

/// A length in metres.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
pub struct Meters(pub f64);

impl fmt::Display for Meters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >= 10_000.0 {
            write!(f, "{:.1} km", self.0 / 1000.0)
        } else {
            write!(f, "{:.0} m", self.0)
        }
    }
}

/// Milliseconds since the Unix epoch, UTC. Handed in by the shell crates; cores never read a clock.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn seconds_since(self, earlier: Timestamp) -> Seconds {
        Seconds((self.0 - earlier.0) as f64 / 1000.0)
    }
    pub fn plus(self, duration: Seconds) -> Timestamp {
        Timestamp(self.0 + (duration.0 * 1000.0).round() as i64)
    }
}

/// A WGS-84 position, longitude first as in GeoJSON.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("({lon}, {lat}) is not a longitude,latitude pair: longitude must lie in -180..180 and latitude in -90..90")]
pub struct InvalidLonLat {
    pub lon: f64,
    pub lat: f64,
}

/// Mean Earth radius in metres (IUGG).
pub const EARTH_RADIUS: f64 = 6_371_008.8;

impl LonLat {
    pub fn new(lon: f64, lat: f64) -> Result<Self, InvalidLonLat> {
        if lon.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lon)
            && (-90.0..=90.0).contains(&lat)
        {
            Ok(LonLat { lon, lat })
        } else {
            Err(InvalidLonLat { lon, lat })
        }
    }

    /// Great-circle distance (haversine). Used to prune and to measure road geometry, never as a
    /// travel time.
    pub fn distance_to(self, other: LonLat) -> Meters {
        let (phi1, phi2) = (self.lat.to_radians(), other.lat.to_radians());
        let d_phi = phi2 - phi1;
        let d_lambda = (other.lon - self.lon).to_radians();
        let a =
            (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
        Meters(2.0 * EARTH_RADIUS * a.sqrt().asin())
    }

    /// Parses `"LON,LAT"`, the form the CLI takes.
    pub fn parse(text: &str) -> Result<Self, ParseLonLatError> {
        let (lon, lat) = text
            .split_once(',')
            .ok_or_else(|| ParseLonLatError::Shape(text.to_string()))?;
        let lon: f64 = lon
            .trim()
            .parse()
            .map_err(|_| ParseLonLatError::Shape(text.to_string()))?;
        let lat: f64 = lat
            .trim()
            .parse()
            .map_err(|_| ParseLonLatError::Shape(text.to_string()))?;
        Ok(LonLat::new(lon, lat)?)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseLonLatError {
    #[error(
        "'{0}' is not LON,LAT (two decimal numbers separated by a comma, e.g. 8.6934,49.4093)"
    )]
    Shape(String),
    #[error(transparent)]
    Range(#[from] InvalidLonLat),
}

impl fmt::Display for LonLat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:.6}, {:.6})", self.lon, self.lat)
    }
}

/// A local equirectangular projection to metres around a reference latitude: exact enough (well
/// under 0.1 %) across a city, and far cheaper than a true projection on hot paths.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LocalProjection {
    origin: LonLat,
    meters_per_degree_lon: f64,
    meters_per_degree_lat: f64,
}

impl LocalProjection {
    pub fn around(origin: LonLat) -> Self {
        let meters_per_degree_lat = EARTH_RADIUS.to_radians();
        LocalProjection {
            origin,
            meters_per_degree_lon: meters_per_degree_lat * origin.lat.to_radians().cos(),
            meters_per_degree_lat,
        }
    }
    /// (x east, y north) in metres from the origin.
    pub fn to_xy(&self, point: LonLat) -> [f64; 2] {
        [
            (point.lon - self.origin.lon) * self.meters_per_degree_lon,
            (point.lat - self.origin.lat) * self.meters_per_degree_lat,
        ]
    }
    pub fn to_lonlat(&self, xy: [f64; 2]) -> LonLat {
        LonLat {
            lon: self.origin.lon + xy[0] / self.meters_per_degree_lon,
            lat: self.origin.lat + xy[1] / self.meters_per_degree_lat,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_swapped_or_out_of_range_coordinates() {
        assert!(LonLat::new(8.69, 49.41).is_ok());
        assert_eq!(
            LonLat::new(200.0, 49.41),
            Err(InvalidLonLat {
                lon: 200.0,
                lat: 49.41
            })
        );
        assert!(LonLat::new(8.69, f64::NAN).is_err());
        assert!(matches!(
            LonLat::parse("8.69;49.41"),
            Err(ParseLonLatError::Shape(_))
        ));
        assert!(matches!(
            LonLat::parse("8.69,149.41"),
            Err(ParseLonLatError::Range(_))
        ));
        assert_eq!(
            LonLat::parse(" 8.5, 49.25").unwrap(),
            LonLat {
                lon: 8.5,
                lat: 49.25
            }
        );
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // Heidelberg Hauptbahnhof to Bismarckplatz: about 1.06 km as the crow flies.
        let station = LonLat::new(8.6756, 49.4037).unwrap();
        let bismarckplatz = LonLat::new(8.6931, 49.4094).unwrap();
        let d = station.distance_to(bismarckplatz).0;
        assert!((1_300.0..1_450.0).contains(&d), "{d}");
    }

    #[test]
    fn local_projection_round_trips_and_agrees_with_haversine() {
        let origin = LonLat::new(8.69, 49.41).unwrap();
        let projection = LocalProjection::around(origin);
        let point = LonLat::new(8.72, 49.39).unwrap();
        let xy = projection.to_xy(point);
        let back = projection.to_lonlat(xy);
        assert!((back.lon - point.lon).abs() < 1e-12 && (back.lat - point.lat).abs() < 1e-12);
        let planar = (xy[0].powi(2) + xy[1].powi(2)).sqrt();
        let great_circle = origin.distance_to(point).0;
        assert!(
            (planar - great_circle).abs() / great_circle < 1e-3,
            "{planar} vs {great_circle}"
        );
    }
}
