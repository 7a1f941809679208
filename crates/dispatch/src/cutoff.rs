//! The cut-off plan (围堵): where a fleeing vehicle can be over the next minutes, and which units
//! reach road points on that frontier before it could.

use crate::ids::UnitId;
use crate::recommend::{TravelError, TravelTimes};
use crate::unit::{Unit, UnitKind};
use measure::{LonLat, Meters, Seconds};
use roadnet::Profile;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutoffRequest {
    /// Where the vehicle was last seen, WGS-84.
    pub last_seen: LonLat,
    /// Time since it was seen.
    pub elapsed: Seconds,
    /// How far ahead to plan, counted from now.
    pub horizon: Seconds,
    /// How the vehicle travels.
    pub profile: Profile,
    /// At most this many checkpoints.
    pub max_checkpoints: usize,
    /// Checkpoints at least this far apart, so that one road is not blocked twice.
    pub spacing: Meters,
}

impl CutoffRequest {
    pub fn new(last_seen: LonLat, elapsed: Seconds, horizon: Seconds, profile: Profile) -> Self {
        CutoffRequest {
            last_seen,
            elapsed,
            horizon,
            profile,
            max_checkpoints: 12,
            spacing: Meters(300.0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutoffAssignment {
    pub unit: UnitId,
    pub kind: UnitKind,
    /// Road time from the unit's position to the checkpoint.
    pub eta: Seconds,
    /// How much earlier than the vehicle the unit can be there.
    pub margin: Seconds,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub point: LonLat,
    /// The vehicle's earliest arrival, counted from when it was seen.
    pub vehicle_earliest: Seconds,
    pub assignment: Option<CutoffAssignment>,
}

/// A proposal: the dispatcher accepts or edits it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutoffPlan {
    pub request: CutoffRequest,
    pub checkpoints: Vec<Checkpoint>,
    /// Checkpoints no free unit reaches in time.
    pub n_uncovered: usize,
    /// Road points the vehicle could have reached by now.
    pub n_reachable_now: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CutoffError {
    #[error("the last seen position cannot be placed on the road map: {0}")]
    OffMap(#[from] TravelError),
    #[error("the horizon must be positive, got {horizon}; give the minutes to plan ahead")]
    NoHorizon { horizon: Seconds },
}

/// Kinds that can block a road.
fn blocks_roads(kind: UnitKind) -> bool {
    matches!(
        kind,
        UnitKind::PatrolCar
            | UnitKind::ArmedPatrolCar
            | UnitKind::SwatTeam
            | UnitKind::TrafficMotorcycle
    )
}

/// Proposes free road units to checkpoints on the vehicle's frontier `request.horizon` from now,
/// each unit where it arrives with the largest lead, nearest-threatened checkpoints first.
pub fn plan_cutoff<'a>(
    request: &CutoffRequest,
    units: impl IntoIterator<Item = &'a Unit>,
    travel: &dyn TravelTimes,
) -> Result<CutoffPlan, CutoffError> {
    if request.horizon.0 <= 0.0 {
        return Err(CutoffError::NoHorizon {
            horizon: request.horizon,
        });
    }
    let limit = Seconds(request.elapsed.0 + request.horizon.0);
    let reach = travel.reach(request.profile, request.last_seen, limit)?;
    let n_reachable_now = reach
        .iter()
        .filter(|(_, time)| time.0 <= request.elapsed.0)
        .count();
    // The outer band of the reach: where the vehicle is heading, not where it may already be.
    let band_start = request.elapsed.0 + request.horizon.0 * 0.75;
    let mut band: Vec<(LonLat, Seconds)> = reach
        .into_iter()
        .filter(|(_, time)| time.0 >= band_start && time.0 <= limit.0)
        .collect();
    band.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0));
    let chosen = spread(&band, request.spacing, request.max_checkpoints);

    let free: Vec<&Unit> = units
        .into_iter()
        .filter(|unit| unit.status.is_free() && blocks_roads(unit.kind) && unit.position.is_some())
        .collect();
    let targets: Vec<LonLat> = chosen.iter().map(|(point, _)| *point).collect();
    // eta[unit][checkpoint]
    let mut etas: Vec<Vec<Option<Seconds>>> = vec![vec![None; targets.len()]; free.len()];
    for profile in Profile::ALL {
        let members: Vec<usize> = (0..free.len())
            .filter(|&i| free[i].profile == profile)
            .collect();
        if members.is_empty() || targets.is_empty() {
            continue;
        }
        let origins: Vec<LonLat> = members
            .iter()
            .map(|&i| free[i].position.expect("filtered on position").point)
            .collect();
        let rows = travel.table(profile, &origins, &targets)?;
        for (&i, row) in members.iter().zip(rows) {
            if let Ok(trips) = row {
                etas[i] = trips.iter().map(|trip| trip.map(|t| t.seconds)).collect();
            }
        }
    }

    let mut checkpoints: Vec<Checkpoint> = chosen
        .iter()
        .map(|&(point, vehicle_earliest)| Checkpoint {
            point,
            vehicle_earliest,
            assignment: None,
        })
        .collect();
    let mut order: Vec<usize> = (0..checkpoints.len()).collect();
    order.sort_by(|&a, &b| {
        checkpoints[a]
            .vehicle_earliest
            .0
            .total_cmp(&checkpoints[b].vehicle_earliest.0)
    });
    let mut used = vec![false; free.len()];
    for checkpoint_index in order {
        let vehicle_from_now = checkpoints[checkpoint_index].vehicle_earliest.0 - request.elapsed.0;
        let best = (0..free.len())
            .filter(|&i| !used[i])
            .filter_map(|i| etas[i][checkpoint_index].map(|eta| (i, eta)))
            .filter(|(_, eta)| eta.0 < vehicle_from_now)
            .min_by(|a, b| a.1 .0.total_cmp(&b.1 .0));
        if let Some((unit_index, eta)) = best {
            used[unit_index] = true;
            checkpoints[checkpoint_index].assignment = Some(CutoffAssignment {
                unit: free[unit_index].id.clone(),
                kind: free[unit_index].kind,
                eta,
                margin: Seconds(vehicle_from_now - eta.0),
            });
        }
    }
    let n_uncovered = checkpoints
        .iter()
        .filter(|checkpoint| checkpoint.assignment.is_none())
        .count();
    Ok(CutoffPlan {
        request: request.clone(),
        checkpoints,
        n_uncovered,
        n_reachable_now,
    })
}

/// Greedy farthest-first thinning: keeps points at least `spacing` apart, at most `max`.
fn spread(points: &[(LonLat, Seconds)], spacing: Meters, max: usize) -> Vec<(LonLat, Seconds)> {
    let mut kept: Vec<(LonLat, Seconds)> = Vec::new();
    for &(point, time) in points {
        if kept.len() == max {
            break;
        }
        if kept
            .iter()
            .all(|(other, _)| point.distance_to(*other).0 >= spacing.0)
        {
            kept.push((point, time));
        }
    }
    kept
}
