//! The coordinate systems of Chinese map services. Positions from devices and apps in China often
//! come as GCJ-02 (the state's obfuscated datum, used by Amap and Tencent) or BD-09 (Baidu's
//! further offset); the road network is WGS-84, so positions are converted at the edge.

use crate::LonLat;
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoordinateSystem {
    #[default]
    Wgs84,
    Gcj02,
    Bd09,
}

impl CoordinateSystem {
    /// Converts a position given in this system to WGS-84.
    pub fn to_wgs84(self, point: LonLat) -> LonLat {
        match self {
            CoordinateSystem::Wgs84 => point,
            CoordinateSystem::Gcj02 => gcj02_to_wgs84(point),
            CoordinateSystem::Bd09 => bd09_to_wgs84(point),
        }
    }
}

// Krasovsky 1940 ellipsoid, as the GCJ-02 algorithm defines it.
const SEMI_MAJOR_AXIS: f64 = 6_378_245.0;
const ECCENTRICITY_SQUARED: f64 = 0.006_693_421_622_965_943;
const BD_X_PI: f64 = PI * 3000.0 / 180.0;

/// GCJ-02 applies only inside China's rough bounding box; elsewhere it equals WGS-84.
fn outside_china(point: LonLat) -> bool {
    !(72.004..=137.8347).contains(&point.lon) || !(0.8293..=55.8271).contains(&point.lat)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    let mut v = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    v += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    v += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    v += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    v
}

fn offset_lon(x: f64, y: f64) -> f64 {
    let mut v = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    v += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    v += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    v += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    v
}

pub fn wgs84_to_gcj02(point: LonLat) -> LonLat {
    if outside_china(point) {
        return point;
    }
    let d_lat = offset_lat(point.lon - 105.0, point.lat - 35.0);
    let d_lon = offset_lon(point.lon - 105.0, point.lat - 35.0);
    let rad_lat = point.lat.to_radians();
    let magic = 1.0 - ECCENTRICITY_SQUARED * rad_lat.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    let d_lat = (d_lat * 180.0)
        / ((SEMI_MAJOR_AXIS * (1.0 - ECCENTRICITY_SQUARED)) / (magic * sqrt_magic) * PI);
    let d_lon = (d_lon * 180.0) / (SEMI_MAJOR_AXIS / sqrt_magic * rad_lat.cos() * PI);
    LonLat {
        lon: point.lon + d_lon,
        lat: point.lat + d_lat,
    }
}

/// Inverts GCJ-02 by fixed-point iteration: the forward offset varies slowly, so a few rounds reach
/// millimetres, where the common one-step inverse leaves metres of error.
pub fn gcj02_to_wgs84(point: LonLat) -> LonLat {
    if outside_china(point) {
        return point;
    }
    let mut guess = point;
    for _ in 0..8 {
        let forward = wgs84_to_gcj02(guess);
        let (err_lon, err_lat) = (forward.lon - point.lon, forward.lat - point.lat);
        guess = LonLat {
            lon: guess.lon - err_lon,
            lat: guess.lat - err_lat,
        };
        if err_lon.abs() < 1e-10 && err_lat.abs() < 1e-10 {
            break;
        }
    }
    guess
}

fn gcj02_to_bd09(point: LonLat) -> LonLat {
    let (x, y) = (point.lon, point.lat);
    let z = (x * x + y * y).sqrt() + 0.000_02 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) + 0.000_003 * (x * BD_X_PI).cos();
    LonLat {
        lon: z * theta.cos() + 0.0065,
        lat: z * theta.sin() + 0.006,
    }
}

fn bd09_to_gcj02(point: LonLat) -> LonLat {
    let (x, y) = (point.lon - 0.0065, point.lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.000_02 * (y * BD_X_PI).sin();
    let theta = y.atan2(x) - 0.000_003 * (x * BD_X_PI).cos();
    LonLat {
        lon: z * theta.cos(),
        lat: z * theta.sin(),
    }
}

pub fn wgs84_to_bd09(point: LonLat) -> LonLat {
    gcj02_to_bd09(wgs84_to_gcj02(point))
}

/// Inverts BD-09 the same way: the closed-form inverse alone is off by a few centimetres.
pub fn bd09_to_wgs84(point: LonLat) -> LonLat {
    let mut guess = bd09_to_gcj02(point);
    for _ in 0..4 {
        let forward = gcj02_to_bd09(guess);
        guess = LonLat {
            lon: guess.lon - (forward.lon - point.lon),
            lat: guess.lat - (forward.lat - point.lat),
        };
    }
    gcj02_to_wgs84(guess)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check_close(a: LonLat, b: LonLat, tolerance_m: f64) {
        let d = a.distance_to(b).0;
        assert!(d <= tolerance_m, "{a} vs {b}: {d} m apart");
    }

    #[test]
    fn gcj02_offsets_futian_by_hundreds_of_metres_and_round_trips() {
        // 深南大道 at 香蜜湖: GCJ-02 shifts points in Shenzhen by roughly 500 m.
        let wgs = LonLat::new(114.0246, 22.5405).unwrap();
        let gcj = wgs84_to_gcj02(wgs);
        let shift = wgs.distance_to(gcj).0;
        assert!((200.0..800.0).contains(&shift), "{shift}");
        check_close(gcj02_to_wgs84(gcj), wgs, 0.01);
        check_close(bd09_to_wgs84(wgs84_to_bd09(wgs)), wgs, 0.01);
        assert_eq!(CoordinateSystem::Gcj02.to_wgs84(gcj), gcj02_to_wgs84(gcj));
    }

    #[test]
    fn known_reference_point_from_published_tables() {
        // Tiananmen: WGS-84 (116.391305, 39.907333) is GCJ-02 (116.397547, 39.908735) in the
        // widely published conversion tables.
        let gcj = wgs84_to_gcj02(LonLat::new(116.391305, 39.907333).unwrap());
        check_close(gcj, LonLat::new(116.397547, 39.908735).unwrap(), 5.0);
    }

    #[test]
    fn outside_china_is_unchanged() {
        let heidelberg = LonLat::new(8.69, 49.41).unwrap();
        assert_eq!(wgs84_to_gcj02(heidelberg), heidelberg);
        assert_eq!(gcj02_to_wgs84(heidelberg), heidelberg);
    }
}
