//! The command centre's state (指挥中心): jurisdictions, workstations, units and incidents, and the
//! operations that change them. Every operation checks everything before it changes anything, so
//! a rejected one leaves the state as it was; the store replays accepted ones to rebuild it.

use crate::area::InvalidArea;
use crate::ids::{IncidentId, JurisdictionId, UnitId, WorkstationId};
use crate::incident::{
    change_incident_status, check_incident_change, Call, Incident, IncidentStatus, Note,
};
use crate::jurisdiction::{Jurisdiction, JurisdictionError, JurisdictionLevel, JurisdictionTree};
use crate::place::{InvalidPlace, Place};
use crate::unit::{change_status, check_unit_change, PositionFix, StatusError, Unit, UnitStatus};
use crate::workstation::Workstation;
use measure::{LonLat, Meters, Seconds, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DispatchError {
    #[error("unit '{0}' does not exist; list units with GET /api/units")]
    UnitNotFound(UnitId),
    #[error("incident {0} does not exist; list incidents with GET /api/incidents")]
    IncidentNotFound(IncidentId),
    #[error("workstation '{0}' does not exist; create it first or check the id")]
    WorkstationNotFound(WorkstationId),
    #[error("unit '{0}' already exists; choose another id")]
    UnitExists(UnitId),
    #[error("workstation '{0}' already exists; choose another id")]
    WorkstationExists(WorkstationId),
    #[error("incident {0} already exists")]
    IncidentExists(IncidentId),
    #[error(transparent)]
    Jurisdiction(#[from] JurisdictionError),
    #[error(transparent)]
    Area(#[from] InvalidArea),
    #[error("workstation '{workstation}' must guard a workstation-level jurisdiction, but '{jurisdiction}' is a {level}")]
    WorkstationJurisdiction {
        workstation: WorkstationId,
        jurisdiction: JurisdictionId,
        level: JurisdictionLevel,
    },
    #[error(transparent)]
    Status(#[from] StatusError),
    #[error("a dispatch names no units; give at least one unit id")]
    NoUnits,
    #[error("unit '{0}' is named twice in one dispatch")]
    UnitTwice(UnitId),
    #[error("a unit becomes {0} only through a dispatch to an incident: POST /api/incidents/{{id}}/dispatch")]
    NeedsDispatch(UnitStatus),
    #[error("incident {incident} becomes {to} only when a unit {how}")]
    IncidentStatusByUnits {
        incident: IncidentId,
        to: IncidentStatus,
        how: &'static str,
    },
    #[error("incident {incident} cannot be merged into itself")]
    MergeIntoItself { incident: IncidentId },
    #[error("place '{0}' already exists; choose another id")]
    PlaceExists(String),
    #[error(transparent)]
    Place(#[from] InvalidPlace),
}

impl DispatchError {
    /// A stable code for API clients, which match on it instead of the message.
    pub fn code(&self) -> &'static str {
        match self {
            DispatchError::UnitNotFound(_) => "unit_not_found",
            DispatchError::IncidentNotFound(_) => "incident_not_found",
            DispatchError::WorkstationNotFound(_) => "workstation_not_found",
            DispatchError::UnitExists(_) => "unit_exists",
            DispatchError::WorkstationExists(_) => "workstation_exists",
            DispatchError::IncidentExists(_) => "incident_exists",
            DispatchError::Jurisdiction(JurisdictionError::NotFound(_)) => "jurisdiction_not_found",
            DispatchError::Jurisdiction(JurisdictionError::AlreadyExists(_)) => {
                "jurisdiction_exists"
            }
            DispatchError::Jurisdiction(_) => "invalid_jurisdiction",
            DispatchError::Area(_) => "invalid_area",
            DispatchError::WorkstationJurisdiction { .. } => "invalid_jurisdiction",
            DispatchError::Status(_) => "invalid_transition",
            DispatchError::NoUnits | DispatchError::UnitTwice(_) => "invalid_dispatch",
            DispatchError::NeedsDispatch(_) | DispatchError::IncidentStatusByUnits { .. } => {
                "invalid_transition"
            }
            DispatchError::MergeIntoItself { .. } => "invalid_merge",
            DispatchError::PlaceExists(_) => "place_exists",
            DispatchError::Place(_) => "invalid_place",
        }
    }

    /// True when the error says something named does not exist (HTTP 404).
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            DispatchError::UnitNotFound(_)
                | DispatchError::IncidentNotFound(_)
                | DispatchError::WorkstationNotFound(_)
                | DispatchError::Jurisdiction(JurisdictionError::NotFound(_))
        )
    }
}

/// Calls of the same category this close in place and time are offered as duplicates.
pub const DUPLICATE_DISTANCE: Meters = Meters(200.0);
pub const DUPLICATE_WINDOW: Seconds = Seconds(1800.0);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommandCentre {
    jurisdictions: JurisdictionTree,
    workstations: BTreeMap<WorkstationId, Workstation>,
    units: BTreeMap<UnitId, Unit>,
    incidents: BTreeMap<IncidentId, Incident>,
    /// Key places, must-visit points and must-patrol lines, by id.
    #[serde(default)]
    places: BTreeMap<String, Place>,
}

impl CommandCentre {
    pub fn places(&self) -> impl Iterator<Item = &Place> {
        self.places.values()
    }

    /// Adds a key place, must-visit point or must-patrol line whose shape fits its kind.
    pub fn add_place(&mut self, place: Place) -> Result<(), DispatchError> {
        if self.places.contains_key(&place.id) {
            return Err(DispatchError::PlaceExists(place.id));
        }
        place.check()?;
        self.places.insert(place.id.clone(), place);
        Ok(())
    }

    pub fn jurisdictions(&self) -> &JurisdictionTree {
        &self.jurisdictions
    }
    pub fn workstations(&self) -> impl Iterator<Item = &Workstation> {
        self.workstations.values()
    }
    pub fn workstation(&self, id: &WorkstationId) -> Option<&Workstation> {
        self.workstations.get(id)
    }
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.units.values()
    }
    pub fn unit(&self, id: &UnitId) -> Result<&Unit, DispatchError> {
        self.units
            .get(id)
            .ok_or_else(|| DispatchError::UnitNotFound(id.clone()))
    }
    pub fn incidents(&self) -> impl Iterator<Item = &Incident> {
        self.incidents.values()
    }
    pub fn incident(&self, id: IncidentId) -> Result<&Incident, DispatchError> {
        self.incidents
            .get(&id)
            .ok_or(DispatchError::IncidentNotFound(id))
    }
    pub fn n_units(&self) -> usize {
        self.units.len()
    }
    pub fn n_incidents(&self) -> usize {
        self.incidents.len()
    }

    /// The id the next call gets.
    pub fn next_incident_id(&self) -> IncidentId {
        IncidentId(self.incidents.keys().next_back().map_or(1, |id| id.0 + 1))
    }

    pub fn add_jurisdiction(&mut self, jurisdiction: Jurisdiction) -> Result<(), DispatchError> {
        Ok(self.jurisdictions.add(jurisdiction)?)
    }

    pub fn add_workstation(&mut self, workstation: Workstation) -> Result<(), DispatchError> {
        if self.workstations.contains_key(&workstation.id) {
            return Err(DispatchError::WorkstationExists(workstation.id));
        }
        if let Some(jurisdiction_id) = &workstation.jurisdiction {
            let jurisdiction = self
                .jurisdictions
                .get(jurisdiction_id)
                .ok_or_else(|| JurisdictionError::NotFound(jurisdiction_id.clone()))?;
            if jurisdiction.level != JurisdictionLevel::Workstation {
                return Err(DispatchError::WorkstationJurisdiction {
                    workstation: workstation.id,
                    jurisdiction: jurisdiction_id.clone(),
                    level: jurisdiction.level,
                });
            }
        }
        self.workstations
            .insert(workstation.id.clone(), workstation);
        Ok(())
    }

    /// Adds a unit, placed at its home workstation until it reports a position.
    pub fn add_unit(&mut self, mut unit: Unit, now: Timestamp) -> Result<(), DispatchError> {
        if self.units.contains_key(&unit.id) {
            return Err(DispatchError::UnitExists(unit.id));
        }
        let home = self
            .workstations
            .get(&unit.home)
            .ok_or_else(|| DispatchError::WorkstationNotFound(unit.home.clone()))?;
        if unit.position.is_none() {
            unit.position = Some(PositionFix {
                point: home.location,
                at: now,
            });
        }
        self.units.insert(unit.id.clone(), unit);
        Ok(())
    }

    /// Records a position fix; a fix older than the one held is ignored (returns false), since
    /// devices resend after losing the network.
    pub fn report_position(
        &mut self,
        unit_id: &UnitId,
        fix: PositionFix,
    ) -> Result<bool, DispatchError> {
        let unit = self
            .units
            .get_mut(unit_id)
            .ok_or_else(|| DispatchError::UnitNotFound(unit_id.clone()))?;
        if unit.position.is_some_and(|held| held.at > fix.at) {
            return Ok(false);
        }
        unit.position = Some(fix);
        Ok(true)
    }

    /// The jurisdictions holding `point`, police station first.
    pub fn locate(&self, point: LonLat) -> Vec<JurisdictionId> {
        self.jurisdictions
            .locate(point)
            .into_iter()
            .map(|node| node.id.clone())
            .collect()
    }

    pub fn receive_call(
        &mut self,
        id: IncidentId,
        call: Call,
        now: Timestamp,
    ) -> Result<&Incident, DispatchError> {
        if self.incidents.contains_key(&id) {
            return Err(DispatchError::IncidentExists(id));
        }
        let jurisdictions = self.locate(call.location);
        let incident = Incident::new(id, call, jurisdictions, now);
        Ok(self.incidents.entry(id).or_insert(incident))
    }

    /// Open incidents of the same category near `call`, received shortly before `now`.
    pub fn possible_duplicates(&self, call: &Call, now: Timestamp) -> Vec<IncidentId> {
        self.incidents
            .values()
            .filter(|incident| {
                incident.status.is_open()
                    && incident.category == call.category
                    && now.seconds_since(incident.received_at).0 <= DUPLICATE_WINDOW.0
                    && incident.location.distance_to(call.location).0 <= DUPLICATE_DISTANCE.0
            })
            .map(|incident| incident.id)
            .collect()
    }

    pub fn add_note(
        &mut self,
        incident_id: IncidentId,
        text: String,
        now: Timestamp,
    ) -> Result<(), DispatchError> {
        let incident = self
            .incidents
            .get_mut(&incident_id)
            .ok_or(DispatchError::IncidentNotFound(incident_id))?;
        incident.notes.push(Note { at: now, text });
        Ok(())
    }

    /// Sends units to an incident: each becomes Dispatched, the incident Dispatched if it was
    /// only Received. More units may join an incident already dispatched or on scene.
    pub fn dispatch(
        &mut self,
        incident_id: IncidentId,
        unit_ids: &[UnitId],
        now: Timestamp,
    ) -> Result<(), DispatchError> {
        let incident = self.incident(incident_id)?;
        if unit_ids.is_empty() {
            return Err(DispatchError::NoUnits);
        }
        let becomes_dispatched = incident.status == IncidentStatus::Received;
        if becomes_dispatched || !incident.status.is_open() {
            check_incident_change(incident, IncidentStatus::Dispatched, now)?;
        }
        for (index, unit_id) in unit_ids.iter().enumerate() {
            if unit_ids[..index].contains(unit_id) {
                return Err(DispatchError::UnitTwice(unit_id.clone()));
            }
            check_unit_change(self.unit(unit_id)?, UnitStatus::Dispatched, now)?;
        }
        for unit_id in unit_ids {
            let unit = self.units.get_mut(unit_id).expect("checked above");
            change_status(unit, UnitStatus::Dispatched, now).expect("checked above");
            unit.incident = Some(incident_id);
        }
        let incident = self.incidents.get_mut(&incident_id).expect("checked above");
        if becomes_dispatched {
            change_incident_status(incident, IncidentStatus::Dispatched, now)
                .expect("checked above");
        }
        incident.units.extend(unit_ids.iter().cloned());
        Ok(())
    }

    /// Changes a unit's status. The first unit on scene puts its incident on scene.
    pub fn change_unit_status(
        &mut self,
        unit_id: &UnitId,
        to: UnitStatus,
        now: Timestamp,
    ) -> Result<(), DispatchError> {
        if to == UnitStatus::Dispatched {
            return Err(DispatchError::NeedsDispatch(to));
        }
        let unit = self.unit(unit_id)?;
        check_unit_change(unit, to, now)?;
        let arriving_at = match (to, unit.incident) {
            (UnitStatus::OnScene, Some(incident_id)) => self
                .incidents
                .get(&incident_id)
                .filter(|incident| incident.status == IncidentStatus::Dispatched)
                .map(|incident| incident.id),
            _ => None,
        };
        if let Some(incident_id) = arriving_at {
            check_incident_change(&self.incidents[&incident_id], IncidentStatus::OnScene, now)?;
        }
        let unit = self.units.get_mut(unit_id).expect("checked above");
        change_status(unit, to, now).expect("checked above");
        if let Some(incident_id) = arriving_at {
            let incident = self.incidents.get_mut(&incident_id).expect("checked above");
            change_incident_status(incident, IncidentStatus::OnScene, now).expect("checked above");
        }
        Ok(())
    }

    /// Changes an incident's status. Closing or cancelling frees the units still on it.
    pub fn change_incident_status(
        &mut self,
        incident_id: IncidentId,
        to: IncidentStatus,
        now: Timestamp,
    ) -> Result<(), DispatchError> {
        let incident = self.incident(incident_id)?;
        match to {
            IncidentStatus::Dispatched => {
                return Err(DispatchError::IncidentStatusByUnits {
                    incident: incident_id,
                    to,
                    how: "is dispatched to it: POST /api/incidents/{id}/dispatch",
                })
            }
            _ => check_incident_change(incident, to, now)?,
        }
        let releasing = self.committed_units(incident_id);
        if !to.is_open() {
            for unit_id in &releasing {
                check_unit_change(&self.units[unit_id], UnitStatus::Available, now)?;
            }
        }
        let incident = self.incidents.get_mut(&incident_id).expect("checked above");
        change_incident_status(incident, to, now).expect("checked above");
        if !to.is_open() {
            for unit_id in releasing {
                let unit = self.units.get_mut(&unit_id).expect("checked above");
                change_status(unit, UnitStatus::Available, now).expect("checked above");
            }
        }
        Ok(())
    }

    fn committed_units(&self, incident_id: IncidentId) -> Vec<UnitId> {
        self.incidents
            .get(&incident_id)
            .map(|incident| {
                incident
                    .units
                    .iter()
                    .filter(|unit_id| {
                        self.units.get(*unit_id).is_some_and(|unit| {
                            unit.incident == Some(incident_id) && unit.status.is_committed()
                        })
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Merges a duplicate call into `primary`: its callers, notes and units move over and the
    /// duplicate is cancelled, pointing at the incident it joined.
    pub fn merge_duplicate(
        &mut self,
        primary_id: IncidentId,
        duplicate_id: IncidentId,
        now: Timestamp,
    ) -> Result<(), DispatchError> {
        if primary_id == duplicate_id {
            return Err(DispatchError::MergeIntoItself {
                incident: primary_id,
            });
        }
        let primary = self.incident(primary_id)?;
        if !primary.status.is_open() {
            check_incident_change(primary, IncidentStatus::Dispatched, now)?;
        }
        let duplicate = self.incident(duplicate_id)?;
        check_incident_change(duplicate, IncidentStatus::Cancelled, now)?;
        let moving_units = self.committed_units(duplicate_id);

        let duplicate = self
            .incidents
            .get_mut(&duplicate_id)
            .expect("checked above");
        change_incident_status(duplicate, IncidentStatus::Cancelled, now).expect("checked above");
        duplicate.merged_into = Some(primary_id);
        let callers = duplicate.callers.clone();
        let mut notes = duplicate.notes.clone();
        for note in &mut notes {
            note.text = format!("[from incident {duplicate_id}] {}", note.text);
        }
        for unit_id in &moving_units {
            self.units.get_mut(unit_id).expect("listed above").incident = Some(primary_id);
        }
        let primary = self.incidents.get_mut(&primary_id).expect("checked above");
        primary.callers.extend(callers);
        primary.notes.extend(notes);
        primary.merged_from.push(duplicate_id);
        for unit_id in moving_units {
            if !primary.units.contains(&unit_id) {
                primary.units.push(unit_id);
            }
        }
        Ok(())
    }
}
