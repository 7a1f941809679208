//! Seeded scenarios shared by the demo and the simulator: a believable deployment for any city
//! graph (workstations, units, patrol grids, key places) and a call generator with a real
//! time-of-day rhythm and a spatial pattern. Pure: the seed and the road network are handed in.

pub mod calls;
pub mod deployment;
pub mod error;
pub mod jurisdictions;
mod lattice;
pub mod rhythm;

pub use calls::{
    generate_calls, read_calls, write_calls, CallGenerator, CallMix, CallRecord, Recorded,
};
pub use deployment::{
    generate_deployment, Deployment, DeploymentOptions, PatrolGrid, PatrolGridId, UnitPlan,
};
pub use error::ScenarioError;
pub use jurisdictions::sector_id;
pub use rhythm::{format_time, hour_of_day, parse_time, SEATTLE_HOURLY_WEIGHTS};
