//! The dispatch core (接处警): jurisdictions, workstations, units, incidents and their status
//! rules, recommendation of units by road ETA, cut-off plans and response KPIs. Pure: the caller
//! hands in the time and the road travel times.

pub mod area;
pub mod centre;
pub mod cutoff;
pub mod ids;
pub mod incident;
pub mod jurisdiction;
pub mod kpi;
pub mod place;
pub mod plan;
pub mod recommend;
pub mod road;
pub mod unit;
pub mod workstation;

pub use area::{Area, InvalidArea};
pub use centre::{CommandCentre, DispatchError};
pub use cutoff::{plan_cutoff, Checkpoint, CutoffError, CutoffPlan, CutoffRequest};
pub use ids::{IncidentId, JurisdictionId, UnitId, WorkstationId};
pub use incident::{
    change_incident_status, Call, Caller, Incident, IncidentCategory, IncidentStatus, Priority,
};
pub use jurisdiction::{Jurisdiction, JurisdictionError, JurisdictionLevel, JurisdictionTree};
pub use kpi::{kpis, KpiGrouping, KpiRow};
pub use place::{InvalidPlace, Place, PlaceKind, PlaceShape};
pub use plan::{response_plan, ResponsePlan};
pub use recommend::{
    recommend, Candidate, Excluded, Exclusion, RecommendError, Recommendation, Travel, TravelError,
    TravelRows, TravelTimes,
};
pub use road::RoadTravelTimes;
pub use roadnet::Profile;
pub use unit::{
    change_status, Capability, PositionFix, StatusChange, StatusError, Unit, UnitKind, UnitStatus,
};
pub use workstation::{Workstation, WorkstationCategory};
