//! Workstations (警务站): the staffed posts units start from.

use crate::ids::{JurisdictionId, WorkstationId};
use measure::LonLat;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkstationCategory {
    /// 反恐处突: counter-terror and emergency response.
    CounterTerror,
    /// 治安防控: public-security patrol.
    PublicSecurityPatrol,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workstation {
    pub id: WorkstationId,
    pub name: String,
    pub category: WorkstationCategory,
    /// WGS-84.
    pub location: LonLat,
    /// The node of the jurisdiction tree the workstation guards, if the tree is loaded.
    pub jurisdiction: Option<JurisdictionId>,
    /// Officers on the roster.
    pub staffing: u32,
}
