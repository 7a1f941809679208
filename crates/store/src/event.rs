//! The events of the log: every accepted change, with who made it and when.

use dispatch::{
    Call, IncidentId, IncidentStatus, Jurisdiction, JurisdictionId, Place, PositionFix, Unit,
    UnitId, UnitStatus, Workstation,
};
use measure::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What an API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    /// Everything operational: calls, dispatch, statuses, positions.
    Dispatcher,
    /// Only the incidents and units of one jurisdiction.
    WorkstationOfficer,
    /// Read-only, with KPIs and the audit log.
    Analyst,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dispatcher => "dispatcher",
            Role::WorkstationOfficer => "workstation_officer",
            Role::Analyst => "analyst",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One change to the command centre's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Change {
    JurisdictionAdded {
        jurisdiction: Jurisdiction,
    },
    WorkstationAdded {
        workstation: Workstation,
    },
    UnitAdded {
        unit: Unit,
    },
    PlaceAdded {
        place: Place,
    },
    PositionReported {
        unit: UnitId,
        fix: PositionFix,
    },
    CallReceived {
        incident: IncidentId,
        call: Call,
    },
    NoteAdded {
        incident: IncidentId,
        text: String,
    },
    /// A dispatch decision: the units chosen and the ranking the dispatcher saw.
    UnitsDispatched {
        incident: IncidentId,
        units: Vec<UnitId>,
        #[serde(default)]
        ranking: serde_json::Value,
    },
    UnitStatusChanged {
        unit: UnitId,
        to: UnitStatus,
    },
    IncidentStatusChanged {
        incident: IncidentId,
        to: IncidentStatus,
    },
    DuplicateMerged {
        primary: IncidentId,
        duplicate: IncidentId,
    },
    /// Tokens are kept as a SHA-256 hash; the token itself is shown once, when issued.
    TokenIssued {
        token_hash: String,
        role: Role,
        jurisdiction: Option<JurisdictionId>,
        label: String,
    },
    TokenRevoked {
        token_hash: String,
    },
}

impl Change {
    /// The `kind` column of the log, for filtering (the audit log reads `units_dispatched`).
    pub fn kind(&self) -> &'static str {
        match self {
            Change::JurisdictionAdded { .. } => "jurisdiction_added",
            Change::WorkstationAdded { .. } => "workstation_added",
            Change::UnitAdded { .. } => "unit_added",
            Change::PlaceAdded { .. } => "place_added",
            Change::PositionReported { .. } => "position_reported",
            Change::CallReceived { .. } => "call_received",
            Change::NoteAdded { .. } => "note_added",
            Change::UnitsDispatched { .. } => "units_dispatched",
            Change::UnitStatusChanged { .. } => "unit_status_changed",
            Change::IncidentStatusChanged { .. } => "incident_status_changed",
            Change::DuplicateMerged { .. } => "duplicate_merged",
            Change::TokenIssued { .. } => "token_issued",
            Change::TokenRevoked { .. } => "token_revoked",
        }
    }
}

/// A change as recorded: its place in the log, when, and by whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: i64,
    pub at: Timestamp,
    /// The token label, "mqtt", or "system".
    pub actor: String,
    pub change: Change,
}
