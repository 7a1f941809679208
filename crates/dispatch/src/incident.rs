//! Incidents (警情): a call's category, priority, place and people, and its status lifecycle from
//! receipt to closure.

use crate::ids::{IncidentId, JurisdictionId, UnitId};
use crate::unit::{StatusChange, StatusError};
use measure::{LonLat, Seconds, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentCategory {
    /// 刑事: robbery, assault, burglary in progress.
    Criminal,
    /// 治安: fights, disturbances.
    PublicOrder,
    /// 交通: collisions, obstructions.
    Traffic,
    /// 纠纷: disputes between neighbours, customers, families.
    Dispute,
    /// 求助: help for a person.
    Assistance,
    /// Referred on to fire or medical services; police attend in support.
    Referral,
}

impl IncidentCategory {
    pub const ALL: [IncidentCategory; 6] = [
        IncidentCategory::Criminal,
        IncidentCategory::PublicOrder,
        IncidentCategory::Traffic,
        IncidentCategory::Dispute,
        IncidentCategory::Assistance,
        IncidentCategory::Referral,
    ];

    pub fn name(self) -> &'static str {
        match self {
            IncidentCategory::Criminal => "criminal",
            IncidentCategory::PublicOrder => "public order",
            IncidentCategory::Traffic => "traffic",
            IncidentCategory::Dispute => "dispute",
            IncidentCategory::Assistance => "assistance",
            IncidentCategory::Referral => "referral",
        }
    }
}

impl fmt::Display for IncidentCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// P1 (major: arrive within 3 minutes) to P4 (service).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl Priority {
    pub const ALL: [Priority; 4] = [Priority::P1, Priority::P2, Priority::P3, Priority::P4];

    /// The arrival target after the call; `None` for service calls.
    pub fn arrival_target(self) -> Option<Seconds> {
        match self {
            Priority::P1 => Some(Seconds::from_minutes(3.0)),
            Priority::P2 => Some(Seconds::from_minutes(5.0)),
            Priority::P3 => Some(Seconds::from_minutes(15.0)),
            Priority::P4 => None,
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Received,
    Dispatched,
    OnScene,
    Closed,
    Cancelled,
}

impl IncidentStatus {
    /// Received → Dispatched → OnScene → Closed; a call may be cancelled until a unit is on scene,
    /// and closed without arrival when the units find nothing to do on the way.
    pub fn may_become(self, to: IncidentStatus) -> bool {
        use IncidentStatus::*;
        matches!(
            (self, to),
            (Received, Dispatched | Cancelled)
                | (Dispatched, OnScene | Closed | Cancelled)
                | (OnScene, Closed)
        )
    }

    pub fn is_open(self) -> bool {
        !matches!(self, IncidentStatus::Closed | IncidentStatus::Cancelled)
    }

    pub fn name(self) -> &'static str {
        match self {
            IncidentStatus::Received => "received",
            IncidentStatus::Dispatched => "dispatched",
            IncidentStatus::OnScene => "on_scene",
            IncidentStatus::Closed => "closed",
            IncidentStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Caller {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub at: Timestamp,
    pub text: String,
}

/// What the call taker records: everything the dispatcher needs to choose units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub category: IncidentCategory,
    pub priority: Priority,
    /// WGS-84.
    pub location: LonLat,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub caller: Caller,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub category: IncidentCategory,
    pub priority: Priority,
    /// WGS-84.
    pub location: LonLat,
    pub address: String,
    pub callers: Vec<Caller>,
    pub notes: Vec<Note>,
    pub status: IncidentStatus,
    pub received_at: Timestamp,
    /// The jurisdictions holding the location, police station first, patrol grid last.
    pub jurisdictions: Vec<JurisdictionId>,
    /// Every unit ever sent, in dispatch order.
    pub units: Vec<UnitId>,
    /// Duplicate calls merged into this incident.
    pub merged_from: Vec<IncidentId>,
    /// Set when this call was a duplicate, merged into another incident.
    pub merged_into: Option<IncidentId>,
    pub history: Vec<StatusChange<IncidentStatus>>,
}

impl Incident {
    pub fn new(
        id: IncidentId,
        call: Call,
        jurisdictions: Vec<JurisdictionId>,
        now: Timestamp,
    ) -> Incident {
        let notes = if call.notes.trim().is_empty() {
            Vec::new()
        } else {
            vec![Note {
                at: now,
                text: call.notes,
            }]
        };
        Incident {
            id,
            category: call.category,
            priority: call.priority,
            location: call.location,
            address: call.address,
            callers: vec![call.caller],
            notes,
            status: IncidentStatus::Received,
            received_at: now,
            jurisdictions,
            units: Vec::new(),
            merged_from: Vec::new(),
            merged_into: None,
            history: vec![StatusChange {
                to: IncidentStatus::Received,
                at: now,
            }],
        }
    }

    /// When the incident first reached `status`.
    pub fn first_time(&self, status: IncidentStatus) -> Option<Timestamp> {
        self.history
            .iter()
            .find(|change| change.to == status)
            .map(|change| change.at)
    }
}

fn allowed_incident_statuses(from: IncidentStatus) -> String {
    let allowed: Vec<&str> = [
        IncidentStatus::Received,
        IncidentStatus::Dispatched,
        IncidentStatus::OnScene,
        IncidentStatus::Closed,
        IncidentStatus::Cancelled,
    ]
    .into_iter()
    .filter(|to| from.may_become(*to))
    .map(IncidentStatus::name)
    .collect();
    if allowed.is_empty() {
        "none, the incident is finished".to_string()
    } else {
        allowed.join(", ")
    }
}

/// The checks of [`change_incident_status`] without the change.
pub fn check_incident_change(
    incident: &Incident,
    to: IncidentStatus,
    now: Timestamp,
) -> Result<(), StatusError> {
    if !incident.status.may_become(to) {
        return Err(StatusError::IncidentForbidden {
            incident: incident.id,
            from: incident.status,
            to,
            allowed: allowed_incident_statuses(incident.status),
        });
    }
    if let Some(last) = incident.history.last() {
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

/// Moves an incident to `to`, or says why its lifecycle forbids that.
pub fn change_incident_status(
    incident: &mut Incident,
    to: IncidentStatus,
    now: Timestamp,
) -> Result<(), StatusError> {
    check_incident_change(incident, to, now)?;
    incident.history.push(StatusChange { to, at: now });
    incident.status = to;
    Ok(())
}
