//! Places a patrol plan cares about: key places of three kinds (人员密集场所, 重点单位, 要害部位),
//! must-visit points (必到点) and must-patrol lines (必巡线).

use measure::LonLat;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// 人员密集场所: a crowded place (station, square, market, shopping street).
    CrowdedPlace,
    /// 重点单位: a key unit (school, hospital, government office).
    KeyUnit,
    /// 要害部位: a vital site (substation, waterworks, telecom hub).
    VitalSite,
    /// 必到点: a point every patrol shift must reach.
    MustVisit,
    /// 必巡线: a road route every patrol shift must drive or walk.
    MustPatrol,
}

impl PlaceKind {
    pub const ALL: [PlaceKind; 5] = [
        PlaceKind::CrowdedPlace,
        PlaceKind::KeyUnit,
        PlaceKind::VitalSite,
        PlaceKind::MustVisit,
        PlaceKind::MustPatrol,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PlaceKind::CrowdedPlace => "crowded place",
            PlaceKind::KeyUnit => "key unit",
            PlaceKind::VitalSite => "vital site",
            PlaceKind::MustVisit => "must-visit point",
            PlaceKind::MustPatrol => "must-patrol line",
        }
    }

    /// A must-patrol line is a line; every other kind is a point.
    pub fn is_line(self) -> bool {
        self == PlaceKind::MustPatrol
    }
}

impl fmt::Display for PlaceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a place is: a point, or for a must-patrol line the road route as a polyline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceShape {
    Point(LonLat),
    Line(Vec<LonLat>),
}

impl PlaceShape {
    /// The point itself, or the middle vertex of a line: where a map puts the label.
    pub fn label_point(&self) -> LonLat {
        match self {
            PlaceShape::Point(point) => *point,
            PlaceShape::Line(line) => line[line.len() / 2],
        }
    }

    pub fn points(&self) -> &[LonLat] {
        match self {
            PlaceShape::Point(point) => std::slice::from_ref(point),
            PlaceShape::Line(line) => line,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Place {
    pub id: String,
    pub name: String,
    pub kind: PlaceKind,
    pub shape: PlaceShape,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InvalidPlace {
    #[error("place '{id}' is a {kind} and needs a line of at least 2 points, got {points}")]
    LineTooShort {
        id: String,
        kind: PlaceKind,
        points: usize,
    },
    #[error("place '{id}' is a {kind}, which is a point, but was given a line; give `shape = {{ point = {{ lon, lat }} }}`")]
    LineForPoint { id: String, kind: PlaceKind },
    #[error("place '{id}' is a {kind}, which is a line, but was given a point; give `shape = {{ line = [...] }}`")]
    PointForLine { id: String, kind: PlaceKind },
}

impl Place {
    /// The shape fits the kind: a line of 2 or more points for must-patrol lines, else a point.
    pub fn check(&self) -> Result<(), InvalidPlace> {
        let (id, kind) = (self.id.clone(), self.kind);
        match (&self.shape, kind.is_line()) {
            (PlaceShape::Point(_), true) => Err(InvalidPlace::PointForLine { id, kind }),
            (PlaceShape::Line(_), false) => Err(InvalidPlace::LineForPoint { id, kind }),
            (PlaceShape::Line(line), true) if line.len() < 2 => Err(InvalidPlace::LineTooShort {
                id,
                kind,
                points: line.len(),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_serialise_in_snake_case_and_shapes_must_fit_the_kind() {
        let kinds: Vec<String> = PlaceKind::ALL
            .iter()
            .map(|kind| serde_json::to_string(kind).unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "\"crowded_place\"",
                "\"key_unit\"",
                "\"vital_site\"",
                "\"must_visit\"",
                "\"must_patrol\""
            ]
        );
        let point = LonLat::new(8.69, 49.41).unwrap();
        let mut place = Place {
            id: "MP-01".into(),
            name: "Hauptstraße必巡线".into(),
            kind: PlaceKind::MustPatrol,
            shape: PlaceShape::Point(point),
        };
        assert!(matches!(
            place.check(),
            Err(InvalidPlace::PointForLine { .. })
        ));
        place.shape = PlaceShape::Line(vec![point]);
        assert!(matches!(
            place.check(),
            Err(InvalidPlace::LineTooShort { points: 1, .. })
        ));
        place.shape = PlaceShape::Line(vec![point, LonLat::new(8.70, 49.41).unwrap()]);
        place.check().unwrap();
        let text = serde_json::to_string(&place).unwrap();
        assert!(text.contains("\"line\":[{"), "{text}");
        assert_eq!(serde_json::from_str::<Place>(&text).unwrap(), place);
        place.kind = PlaceKind::VitalSite;
        assert!(matches!(
            place.check(),
            Err(InvalidPlace::LineForPoint { .. })
        ));
    }
}
