//! Response simulation (推演): replays or generates a year of calls against a deployment, with
//! dispatch's own recommendation and status rules, and measures call-to-arrival times, queue
//! waits and unit utilisation. Pure: the calls, the seed and the road network are handed in.

pub mod engine;
pub mod error;
pub mod report;
pub mod stats;
pub mod travel;

pub use engine::{
    decide, prepare, run, run_with, AfterCall, CallEnd, CallOutcome, OnSceneDistribution,
    SimConfig, SimOutcome, World,
};
pub use error::SimError;
pub use stats::{compare, summarise, Comparison, Distribution, Summary};
pub use travel::FastTravel;
