//! The current state, derived from the log by applying every event in order.

use crate::event::{Change, Event, Role};
use dispatch::{CommandCentre, DispatchError, JurisdictionId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenGrant {
    pub role: Role,
    pub jurisdiction: Option<JurisdictionId>,
    pub label: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    pub centre: CommandCentre,
    /// By SHA-256 hash of the token, hex.
    pub tokens: BTreeMap<String, TokenGrant>,
    /// The last event applied; the next gets `last_seq + 1`.
    pub last_seq: i64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Dispatch(#[from] DispatchError),
    #[error("token {0} is not issued; nothing to revoke")]
    UnknownToken(String),
}

impl Projection {
    /// Applies one change at `event.at`; a rejected change leaves the projection as it was.
    pub fn apply(&mut self, event: &Event) -> Result<(), ApplyError> {
        let now = event.at;
        let centre = &mut self.centre;
        match &event.change {
            Change::JurisdictionAdded { jurisdiction } => {
                centre.add_jurisdiction(jurisdiction.clone())?
            }
            Change::WorkstationAdded { workstation } => {
                centre.add_workstation(workstation.clone())?
            }
            Change::UnitAdded { unit } => centre.add_unit(unit.clone(), now)?,
            Change::PlaceAdded { place } => centre.add_place(place.clone())?,
            Change::PositionReported { unit, fix } => {
                centre.report_position(unit, *fix)?;
            }
            Change::CallReceived { incident, call } => {
                centre.receive_call(*incident, call.clone(), now)?;
            }
            Change::NoteAdded { incident, text } => {
                centre.add_note(*incident, text.clone(), now)?
            }
            Change::UnitsDispatched {
                incident, units, ..
            } => centre.dispatch(*incident, units, now)?,
            Change::UnitStatusChanged { unit, to } => centre.change_unit_status(unit, *to, now)?,
            Change::IncidentStatusChanged { incident, to } => {
                centre.change_incident_status(*incident, *to, now)?
            }
            Change::DuplicateMerged { primary, duplicate } => {
                centre.merge_duplicate(*primary, *duplicate, now)?
            }
            Change::TokenIssued {
                token_hash,
                role,
                jurisdiction,
                label,
            } => {
                self.tokens.insert(
                    token_hash.clone(),
                    TokenGrant {
                        role: *role,
                        jurisdiction: jurisdiction.clone(),
                        label: label.clone(),
                    },
                );
            }
            Change::TokenRevoked { token_hash } => {
                if self.tokens.remove(token_hash).is_none() {
                    return Err(ApplyError::UnknownToken(token_hash.clone()));
                }
            }
        }
        self.last_seq = event.seq;
        Ok(())
    }

    /// Rebuilds the state from the whole log.
    pub fn replay(events: &[Event]) -> Result<Projection, ReplayError> {
        Projection::default().resume(events)
    }

    /// Applies the events that follow this state (a snapshot's) in the log.
    pub fn resume(mut self, events: &[Event]) -> Result<Projection, ReplayError> {
        for event in events {
            self.apply(event).map_err(|source| ReplayError {
                seq: event.seq,
                source,
            })?;
        }
        Ok(self)
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("event {seq} of the log does not apply to the state before it ({source}); the log was changed outside pingan")]
pub struct ReplayError {
    pub seq: i64,
    pub source: ApplyError,
}
