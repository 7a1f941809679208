//! Travel profiles: which OpenStreetMap ways a police unit may use, in which direction, and how
//! fast. The rules read OSM tags the way OSRM and GraphHopper do, tuned for police units.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// How a unit travels on the road network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// A patrol car on an urgent call: the drivable network, one-way streets respected.
    Car,
    /// A traffic motorcycle (铁骑): the car network, faster where traffic is dense.
    Motorcycle,
    /// A foot patrol at about 5 km/h: footways, pedestrian streets and steps; one-way ignored.
    Foot,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Car, Profile::Motorcycle, Profile::Foot];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Car => "car",
            Profile::Motorcycle => "motorcycle",
            Profile::Foot => "foot",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile '{0}': use car, motorcycle or foot")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "car" => Ok(Profile::Car),
            "motorcycle" | "motorbike" => Ok(Profile::Motorcycle),
            "foot" | "walk" => Ok(Profile::Foot),
            _ => Err(UnknownProfile(text.to_string())),
        }
    }
}

/// Road classes kept for display and statistics, in descending importance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum RoadClass {
    Motorway,
    Trunk,
    Primary,
    Secondary,
    Tertiary,
    Minor,
    Residential,
    Service,
    Footway,
}

impl RoadClass {
    fn of_highway(highway: &str) -> RoadClass {
        match highway {
            "motorway" | "motorway_link" => RoadClass::Motorway,
            "trunk" | "trunk_link" => RoadClass::Trunk,
            "primary" | "primary_link" => RoadClass::Primary,
            "secondary" | "secondary_link" => RoadClass::Secondary,
            "tertiary" | "tertiary_link" => RoadClass::Tertiary,
            "unclassified" | "road" => RoadClass::Minor,
            "residential" | "living_street" => RoadClass::Residential,
            "service" | "track" => RoadClass::Service,
            _ => RoadClass::Footway,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            RoadClass::Motorway => "motorway",
            RoadClass::Trunk => "trunk",
            RoadClass::Primary => "primary",
            RoadClass::Secondary => "secondary",
            RoadClass::Tertiary => "tertiary",
            RoadClass::Minor => "minor",
            RoadClass::Residential => "residential",
            RoadClass::Service => "service",
            RoadClass::Footway => "footway",
        }
    }
}

/// What a profile may do on one way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WayAccess {
    /// Along the way's node order.
    pub forward: bool,
    /// Against the way's node order.
    pub backward: bool,
    pub speed_kmh: f64,
}

/// The tags of one way that the profiles read.
#[derive(Debug, Clone, Default)]
pub struct WayTags<'a> {
    pub highway: &'a str,
    pub oneway: Option<&'a str>,
    pub junction: Option<&'a str>,
    pub maxspeed: Option<&'a str>,
    pub access: Option<&'a str>,
    pub motor_vehicle: Option<&'a str>,
    pub motorcar: Option<&'a str>,
    pub motorcycle: Option<&'a str>,
    pub foot: Option<&'a str>,
    pub emergency: Option<&'a str>,
    pub sidewalk: Option<&'a str>,
    pub area: Option<&'a str>,
}

impl<'a> WayTags<'a> {
    /// Collects the tags the profiles read; `None` when the way has no `highway` tag.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Self> {
        let mut tags = WayTags::default();
        for (key, value) in pairs {
            match key {
                "highway" => tags.highway = value,
                "oneway" => tags.oneway = Some(value),
                "junction" => tags.junction = Some(value),
                "maxspeed" => tags.maxspeed = Some(value),
                "access" => tags.access = Some(value),
                "motor_vehicle" => tags.motor_vehicle = Some(value),
                "motorcar" => tags.motorcar = Some(value),
                "motorcycle" => tags.motorcycle = Some(value),
                "foot" => tags.foot = Some(value),
                "emergency" => tags.emergency = Some(value),
                "sidewalk" => tags.sidewalk = Some(value),
                "area" => tags.area = Some(value),
                _ => {}
            }
        }
        (!tags.highway.is_empty()).then_some(tags)
    }

    pub fn road_class(&self) -> RoadClass {
        RoadClass::of_highway(self.highway)
    }
}

/// Free-flow car speed by highway class, km/h, for a car under lights and siren in town.
fn car_class_speed(highway: &str) -> Option<f64> {
    Some(match highway {
        "motorway" => 110.0,
        "motorway_link" => 60.0,
        "trunk" => 85.0,
        "trunk_link" => 50.0,
        "primary" => 60.0,
        "primary_link" => 45.0,
        "secondary" => 55.0,
        "secondary_link" => 40.0,
        "tertiary" => 45.0,
        "tertiary_link" => 35.0,
        "unclassified" => 40.0,
        "road" => 30.0,
        "residential" => 30.0,
        "living_street" => 10.0,
        "service" => 15.0,
        _ => return None,
    })
}

/// Parses `maxspeed` values: `50`, `30 mph`, `DE:urban`, `walk`. Unknown forms give `None`.
pub fn parse_maxspeed(value: &str) -> Option<f64> {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    let implicit = match lower.as_str() {
        "walk" => Some(7.0),
        "none" | "signals" | "variable" => None,
        s if s.ends_with(":living_street") => Some(10.0),
        s if s.ends_with(":urban") => Some(50.0),
        s if s.ends_with(":rural") => Some(90.0),
        s if s.ends_with(":motorway") => Some(120.0),
        s if s.ends_with(":zone30") || s.ends_with(":zone:30") => Some(30.0),
        _ => None,
    };
    if implicit.is_some() {
        return implicit;
    }
    let first = lower.split(';').next()?.trim();
    let (number, factor) = match first.strip_suffix("mph") {
        Some(rest) => (rest.trim(), 1.609_344),
        None => (first.strip_suffix("km/h").unwrap_or(first).trim(), 1.0),
    };
    let speed: f64 = number.parse().ok()?;
    (speed > 0.0 && speed < 200.0).then_some(speed * factor)
}

fn is_no(value: Option<&str>) -> bool {
    matches!(value, Some("no") | Some("agricultural") | Some("forestry"))
}

fn is_yes(value: Option<&str>) -> bool {
    matches!(
        value,
        Some("yes")
            | Some("designated")
            | Some("permissive")
            | Some("destination")
            | Some("private")
    )
}

/// `(forward, backward)` allowed by the `oneway` and `junction` tags for vehicles.
fn vehicle_directions(tags: &WayTags) -> (bool, bool) {
    match tags.oneway {
        Some("yes") | Some("true") | Some("1") => return (true, false),
        Some("-1") | Some("reverse") => return (false, true),
        Some("no") | Some("false") | Some("0") => return (true, true),
        _ => {}
    }
    let implied = matches!(tags.junction, Some("roundabout") | Some("circular"))
        || matches!(tags.highway, "motorway" | "motorway_link");
    (true, !implied)
}

/// What `profile` may do on a way with these tags, or `None` when it may not use the way.
pub fn way_access(profile: Profile, tags: &WayTags) -> Option<WayAccess> {
    match profile {
        Profile::Car | Profile::Motorcycle => vehicle_access(profile, tags),
        Profile::Foot => foot_access(tags),
    }
}

fn vehicle_access(profile: Profile, tags: &WayTags) -> Option<WayAccess> {
    let class_speed = car_class_speed(tags.highway)?;
    if tags.area == Some("yes") {
        return None;
    }
    let specific = match profile {
        Profile::Motorcycle => tags.motorcycle.or(tags.motor_vehicle),
        _ => tags.motorcar.or(tags.motor_vehicle),
    };
    // Police may use private and destination-only roads on a call, but not roads closed to traffic.
    let emergency_allowed = is_yes(tags.emergency);
    let forbidden = if specific.is_some() {
        is_no(specific)
    } else {
        is_no(tags.access)
    };
    if forbidden && !emergency_allowed {
        return None;
    }
    let car_speed = tags
        .maxspeed
        .and_then(parse_maxspeed)
        .map(|limit| limit.min(class_speed * 1.5))
        .unwrap_or(class_speed);
    let speed_kmh = match profile {
        // Filtering through dense traffic gains a motorcycle time in town, not on fast roads.
        Profile::Motorcycle if car_speed <= 60.0 => car_speed * 1.15,
        _ => car_speed,
    };
    let (forward, backward) = vehicle_directions(tags);
    Some(WayAccess {
        forward,
        backward,
        speed_kmh,
    })
}

/// Walking speed, km/h.
pub const FOOT_SPEED_KMH: f64 = 5.0;
const STEPS_SPEED_KMH: f64 = 2.5;

fn foot_access(tags: &WayTags) -> Option<WayAccess> {
    let explicitly_allowed = is_yes(tags.foot);
    if is_no(tags.foot) || tags.foot == Some("use_sidepath") {
        return None;
    }
    if is_no(tags.access) && !explicitly_allowed {
        return None;
    }
    let walkable = match tags.highway {
        "footway" | "pedestrian" | "steps" | "path" | "living_street" | "residential"
        | "service" | "unclassified" | "road" | "track" | "tertiary" | "tertiary_link"
        | "secondary" | "secondary_link" | "primary" | "primary_link" | "cycleway"
        | "bridleway" | "corridor" | "platform" => true,
        "trunk" | "trunk_link" => {
            explicitly_allowed || matches!(tags.sidewalk, Some(s) if s != "no" && s != "none")
        }
        _ => explicitly_allowed && tags.highway != "motorway" && tags.highway != "motorway_link",
    };
    if !walkable {
        return None;
    }
    let speed_kmh = if tags.highway == "steps" {
        STEPS_SPEED_KMH
    } else {
        FOOT_SPEED_KMH
    };
    Some(WayAccess {
        forward: true,
        backward: true,
        speed_kmh,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags<'a>(pairs: &[(&'a str, &'a str)]) -> WayTags<'a> {
        WayTags::from_pairs(pairs.iter().copied()).expect("test ways have a highway tag")
    }

    #[test]
    fn profile_names_parse_and_unknown_names_are_explained() {
        assert_eq!("Car".parse::<Profile>(), Ok(Profile::Car));
        assert_eq!("motorcycle".parse::<Profile>(), Ok(Profile::Motorcycle));
        let error = "bicycle".parse::<Profile>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "unknown profile 'bicycle': use car, motorcycle or foot"
        );
    }

    #[test]
    fn maxspeed_forms() {
        assert_eq!(parse_maxspeed("50"), Some(50.0));
        assert_eq!(parse_maxspeed("DE:urban"), Some(50.0));
        assert!((parse_maxspeed("30 mph").unwrap() - 48.28).abs() < 0.01);
        assert_eq!(parse_maxspeed("walk"), Some(7.0));
        assert_eq!(parse_maxspeed("none"), None);
        assert_eq!(parse_maxspeed("fast"), None);
    }

    #[test]
    fn one_way_streets_bind_vehicles_but_not_walkers() {
        let street = tags(&[("highway", "residential"), ("oneway", "yes")]);
        let car = way_access(Profile::Car, &street).unwrap();
        assert!(car.forward && !car.backward);
        let foot = way_access(Profile::Foot, &street).unwrap();
        assert!(foot.forward && foot.backward);
        let reverse = way_access(
            Profile::Car,
            &tags(&[("highway", "primary"), ("oneway", "-1")]),
        )
        .unwrap();
        assert!(!reverse.forward && reverse.backward);
        let roundabout = way_access(
            Profile::Car,
            &tags(&[("highway", "tertiary"), ("junction", "roundabout")]),
        )
        .unwrap();
        assert!(roundabout.forward && !roundabout.backward);
    }

    #[test]
    fn footways_are_for_walkers_and_motorways_for_vehicles() {
        let footway = tags(&[("highway", "footway")]);
        assert!(way_access(Profile::Car, &footway).is_none());
        assert!(way_access(Profile::Foot, &footway).is_some());
        let motorway = tags(&[("highway", "motorway")]);
        assert!(way_access(Profile::Foot, &motorway).is_none());
        let on_motorway = way_access(Profile::Car, &motorway).unwrap();
        assert!(on_motorway.forward && !on_motorway.backward);
        let steps = way_access(Profile::Foot, &tags(&[("highway", "steps")])).unwrap();
        assert_eq!(steps.speed_kmh, STEPS_SPEED_KMH);
    }

    #[test]
    fn closed_roads_are_closed_but_private_roads_open_to_police() {
        assert!(way_access(
            Profile::Car,
            &tags(&[("highway", "service"), ("access", "no")])
        )
        .is_none());
        assert!(way_access(
            Profile::Car,
            &tags(&[("highway", "service"), ("access", "private")])
        )
        .is_some());
        assert!(way_access(
            Profile::Car,
            &tags(&[
                ("highway", "service"),
                ("access", "no"),
                ("emergency", "yes")
            ])
        )
        .is_some());
        assert!(way_access(
            Profile::Car,
            &tags(&[("highway", "residential"), ("motor_vehicle", "no")])
        )
        .is_none());
    }

    #[test]
    fn motorcycles_gain_in_town_only() {
        let town = tags(&[("highway", "secondary"), ("maxspeed", "50")]);
        let car = way_access(Profile::Car, &town).unwrap().speed_kmh;
        let motorcycle = way_access(Profile::Motorcycle, &town).unwrap().speed_kmh;
        assert!(motorcycle > car);
        let motorway = tags(&[("highway", "motorway"), ("maxspeed", "100")]);
        assert_eq!(
            way_access(Profile::Car, &motorway).unwrap().speed_kmh,
            way_access(Profile::Motorcycle, &motorway)
                .unwrap()
                .speed_kmh
        );
    }
}
