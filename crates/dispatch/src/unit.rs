//! Units (警力): what they are, how they travel, what they can do, and the status lifecycle that
//! every change of theirs must follow.

use crate::ids::{IncidentId, UnitId, WorkstationId};
use measure::{CoordinateSystem, LonLat, Seconds, Timestamp};
use roadnet::Profile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    PatrolCar,
    ArmedPatrolCar,
    SwatTeam,
    /// 铁骑
    TrafficMotorcycle,
    FootPatrol,
    Drone,
    /// 群防群治: a volunteer patrol, for service calls only.
    VolunteerPatrol,
}

impl UnitKind {
    pub const ALL: [UnitKind; 7] = [
        UnitKind::PatrolCar,
        UnitKind::ArmedPatrolCar,
        UnitKind::SwatTeam,
        UnitKind::TrafficMotorcycle,
        UnitKind::FootPatrol,
        UnitKind::Drone,
        UnitKind::VolunteerPatrol,
    ];

    /// The travel profile a unit of this kind uses unless told otherwise.
    pub fn default_profile(self) -> Profile {
        match self {
            UnitKind::PatrolCar | UnitKind::ArmedPatrolCar | UnitKind::SwatTeam => Profile::Car,
            // FIXME: a drone flies; until the road engine has an air profile its car time is an
            // upper bound on its real time.
            UnitKind::Drone => Profile::Car,
            UnitKind::TrafficMotorcycle => Profile::Motorcycle,
            UnitKind::FootPatrol | UnitKind::VolunteerPatrol => Profile::Foot,
        }
    }

    /// Capabilities a unit of this kind always has.
    pub fn implied_capabilities(self) -> &'static [Capability] {
        match self {
            UnitKind::ArmedPatrolCar => &[Capability::Armed],
            UnitKind::SwatTeam => &[Capability::Armed, Capability::Negotiation],
            UnitKind::TrafficMotorcycle => &[Capability::TrafficControl],
            UnitKind::Drone => &[Capability::AerialView],
            _ => &[],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            UnitKind::PatrolCar => "patrol car",
            UnitKind::ArmedPatrolCar => "armed patrol car",
            UnitKind::SwatTeam => "SWAT team",
            UnitKind::TrafficMotorcycle => "traffic motorcycle",
            UnitKind::FootPatrol => "foot patrol",
            UnitKind::Drone => "drone",
            UnitKind::VolunteerPatrol => "volunteer patrol",
        }
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Armed,
    FirstAid,
    Negotiation,
    TrafficControl,
    PoliceDog,
    AerialView,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Capability::Armed => "armed",
            Capability::FirstAid => "first aid",
            Capability::Negotiation => "negotiation",
            Capability::TrafficControl => "traffic control",
            Capability::PoliceDog => "police dog",
            Capability::AerialView => "aerial view",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitStatus {
    Available,
    Patrolling,
    Dispatched,
    EnRoute,
    OnScene,
    Returning,
    OutOfService,
}

impl UnitStatus {
    /// The lifecycle: Available → Dispatched → EnRoute → OnScene → Available, with patrols,
    /// returns to base and time out of service around it. A dispatch may be called off at any
    /// point before arrival.
    pub fn may_become(self, to: UnitStatus) -> bool {
        use UnitStatus::*;
        matches!(
            (self, to),
            (Available, Dispatched | Patrolling | OutOfService)
                | (
                    Patrolling,
                    Dispatched | Available | Returning | OutOfService
                )
                | (Dispatched, EnRoute | OnScene | Available | Returning)
                | (EnRoute, OnScene | Available | Returning)
                | (OnScene, Available | Returning)
                | (
                    Returning,
                    Available | Dispatched | Patrolling | OutOfService
                )
                | (OutOfService, Available)
        )
    }

    /// Free to take a new incident.
    pub fn is_free(self) -> bool {
        matches!(self, UnitStatus::Available | UnitStatus::Patrolling)
    }

    /// Tied to an incident.
    pub fn is_committed(self) -> bool {
        matches!(
            self,
            UnitStatus::Dispatched | UnitStatus::EnRoute | UnitStatus::OnScene
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            UnitStatus::Available => "available",
            UnitStatus::Patrolling => "patrolling",
            UnitStatus::Dispatched => "dispatched",
            UnitStatus::EnRoute => "en_route",
            UnitStatus::OnScene => "on_scene",
            UnitStatus::Returning => "returning",
            UnitStatus::OutOfService => "out_of_service",
        }
    }
}

impl fmt::Display for UnitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One validated status change, kept so that response times can be measured afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange<S> {
    pub to: S,
    pub at: Timestamp,
}

/// A position report, already converted to WGS-84.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PositionFix {
    pub point: LonLat,
    pub at: Timestamp,
}

impl PositionFix {
    /// Converts a reported position to WGS-84, the road network's datum.
    pub fn reported(point: LonLat, system: CoordinateSystem, at: Timestamp) -> PositionFix {
        PositionFix {
            point: system.to_wgs84(point),
            at,
        }
    }

    pub fn age(&self, now: Timestamp) -> Seconds {
        Seconds(now.seconds_since(self.at).0.max(0.0))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    pub name: String,
    pub kind: UnitKind,
    pub profile: Profile,
    pub home: WorkstationId,
    pub capabilities: BTreeSet<Capability>,
    pub status: UnitStatus,
    pub position: Option<PositionFix>,
    /// The incident the unit is committed to, while it is.
    pub incident: Option<IncidentId>,
    pub history: Vec<StatusChange<UnitStatus>>,
}

impl Unit {
    /// A new unit, available at its home workstation's location, with its kind's capabilities.
    pub fn new(
        id: UnitId,
        name: String,
        kind: UnitKind,
        home: WorkstationId,
        capabilities: impl IntoIterator<Item = Capability>,
    ) -> Unit {
        let mut capabilities: BTreeSet<Capability> = capabilities.into_iter().collect();
        capabilities.extend(kind.implied_capabilities().iter().copied());
        Unit {
            id,
            name,
            kind,
            profile: kind.default_profile(),
            home,
            capabilities,
            status: UnitStatus::Available,
            position: None,
            incident: None,
            history: Vec::new(),
        }
    }

    pub fn has(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatusError {
    #[error("unit {unit} is {from} and cannot become {to}; allowed next: {allowed}")]
    UnitForbidden {
        unit: UnitId,
        from: UnitStatus,
        to: UnitStatus,
        allowed: String,
    },
    #[error("incident {incident} is {from} and cannot become {to}; allowed next: {allowed}")]
    IncidentForbidden {
        incident: IncidentId,
        from: crate::incident::IncidentStatus,
        to: crate::incident::IncidentStatus,
        allowed: String,
    },
    #[error("the change to {to} at {at_ms} ms is earlier than the last change at {last_ms} ms; send changes in order")]
    OutOfOrder {
        to: String,
        at_ms: i64,
        last_ms: i64,
    },
}

pub(crate) fn allowed_unit_statuses(from: UnitStatus) -> String {
    let allowed: Vec<&str> = [
        UnitStatus::Available,
        UnitStatus::Patrolling,
        UnitStatus::Dispatched,
        UnitStatus::EnRoute,
        UnitStatus::OnScene,
        UnitStatus::Returning,
        UnitStatus::OutOfService,
    ]
    .into_iter()
    .filter(|to| from.may_become(*to))
    .map(UnitStatus::name)
    .collect();
    allowed.join(", ")
}

/// Moves a unit to `to`, or says why its lifecycle forbids that.
pub fn change_status(unit: &mut Unit, to: UnitStatus, now: Timestamp) -> Result<(), StatusError> {
    check_unit_change(unit, to, now)?;
    unit.history.push(StatusChange { to, at: now });
    unit.status = to;
    if !to.is_committed() {
        unit.incident = None;
    }
    Ok(())
}

/// The checks of [`change_status`] without the change.
pub fn check_unit_change(unit: &Unit, to: UnitStatus, now: Timestamp) -> Result<(), StatusError> {
    if !unit.status.may_become(to) {
        return Err(StatusError::UnitForbidden {
            unit: unit.id.clone(),
            from: unit.status,
            to,
            allowed: allowed_unit_statuses(unit.status),
        });
    }
    if let Some(last) = unit.history.last() {
        if now < last.at {
            return Err(StatusError::OutOfOrder {
                to: to.to_string(),
                at_ms: now.0,
                last_ms: last.at.0,
            });
        }
    }
    Ok(())
}
