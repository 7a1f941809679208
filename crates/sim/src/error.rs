//! The simulator's errors: what input is wrong and what to change.

use measure::LonLat;
use roadnet::Profile;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("rest point {point} (a workstation or patrol-grid centre) is off the {profile} road map: {reason}; move it onto the map")]
    RestPointOffMap {
        point: LonLat,
        profile: Profile,
        reason: String,
    },
    #[error(transparent)]
    MissingProfile(#[from] roadnet::MissingProfile),
    #[error("the deployment has no units; add [[units]] to it")]
    NoUnits,
    #[error("deployment: {0}")]
    Deployment(String),
}
