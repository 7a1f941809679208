//! Recommendation (就近调度): every unit that may take an incident, ranked by road ETA from its
//! latest position, with the units the response plan asks for proposed, and the others explained.

use crate::ids::{IncidentId, UnitId};
use crate::incident::Incident;
use crate::plan::{response_plan, ResponsePlan};
use crate::unit::{Unit, UnitKind, UnitStatus};
use measure::{LonLat, Meters, Seconds, Timestamp};
use roadnet::Profile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Road time and length of one trip.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Travel {
    pub seconds: Seconds,
    pub meters: Meters,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TravelError {
    #[error("{point} is off the {profile} road map: {reason}")]
    OffMap {
        point: LonLat,
        profile: Profile,
        reason: String,
    },
    #[error("the road network has no {profile} graph: {reason}")]
    NoGraph { profile: Profile, reason: String },
}

/// Per origin: its trips to each target (`None`: no road leads there), or why the origin itself
/// is off the map.
pub type TravelRows = Vec<Result<Vec<Option<Travel>>, String>>;

/// Road travel times, from the road network in production and from a table in unit tests.
pub trait TravelTimes {
    /// Trips from each origin to each target. An error means a target is off the map.
    fn table(
        &self,
        profile: Profile,
        origins: &[LonLat],
        targets: &[LonLat],
    ) -> Result<TravelRows, TravelError>;

    /// Road points reachable from `origin` within `within`, each with its earliest time.
    fn reach(
        &self,
        profile: Profile,
        origin: LonLat,
        within: Seconds,
    ) -> Result<Vec<(LonLat, Seconds)>, TravelError>;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub unit: UnitId,
    pub kind: UnitKind,
    pub profile: Profile,
    pub status: UnitStatus,
    /// Road time from the unit's latest position.
    pub eta: Seconds,
    /// Road length of that trip.
    pub distance: Meters,
    /// How old the position the ETA starts from is.
    pub fix_age: Seconds,
    /// The plan slot the unit is proposed for, if it is.
    pub proposed_as: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Exclusion {
    Busy {
        status: UnitStatus,
    },
    NotCalledFor {
        kind: UnitKind,
        plan: String,
    },
    NoPosition,
    OffMap {
        message: String,
    },
    NoRoad,
    /// The incident is off this unit's road map (a motorway has no footpath nearby).
    IncidentOffMap {
        profile: Profile,
        message: String,
    },
}

impl Exclusion {
    /// A stable name for the kind of exclusion, as the serialized `why`.
    pub fn code(&self) -> &'static str {
        match self {
            Exclusion::Busy { .. } => "busy",
            Exclusion::NotCalledFor { .. } => "not_called_for",
            Exclusion::NoPosition => "no_position",
            Exclusion::OffMap { .. } => "off_map",
            Exclusion::NoRoad => "no_road",
            Exclusion::IncidentOffMap { .. } => "incident_off_map",
        }
    }
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exclusion::Busy { status } => write!(f, "not free: {status}"),
            Exclusion::NotCalledFor { kind, plan } => {
                write!(f, "a {kind} is not called for by the plan ({plan})")
            }
            Exclusion::NoPosition => f.write_str("no position reported yet"),
            Exclusion::OffMap { message } => write!(f, "position off the road map: {message}"),
            Exclusion::NoRoad => f.write_str("no road leads from its position to the incident"),
            Exclusion::IncidentOffMap { profile, message } => {
                write!(f, "the incident is off the {profile} road map: {message}")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Excluded {
    pub unit: UnitId,
    pub kind: UnitKind,
    pub exclusion: Exclusion,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub incident: IncidentId,
    pub plan: ResponsePlan,
    /// Every eligible unit, nearest by road first.
    pub ranked: Vec<Candidate>,
    /// The units that fill the plan, in slot order.
    pub proposed: Vec<UnitId>,
    /// Plan slots no free unit could fill, e.g. "1 armed unit".
    pub unfilled: Vec<String>,
    pub excluded: Vec<Excluded>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RecommendError {
    #[error("incident {incident} is {status}; only open incidents get recommendations")]
    IncidentFinished {
        incident: IncidentId,
        status: crate::incident::IncidentStatus,
    },
    #[error("incident {incident} cannot be reached by road: {source}")]
    IncidentOffMap {
        incident: IncidentId,
        source: TravelError,
    },
}

/// A position fix older than this is flagged in the reason.
pub const STALE_FIX: Seconds = Seconds(120.0);

/// Ranks every unit that may take `incident` by road ETA and proposes the nearest ones that fill
/// its response plan. Units already sent to the incident are not proposed again.
pub fn recommend<'a>(
    incident: &Incident,
    units: impl IntoIterator<Item = &'a Unit>,
    travel: &dyn TravelTimes,
    now: Timestamp,
) -> Result<Recommendation, RecommendError> {
    if !incident.status.is_open() {
        return Err(RecommendError::IncidentFinished {
            incident: incident.id,
            status: incident.status,
        });
    }
    let plan = response_plan(incident.category, incident.priority);
    let mut excluded = Vec::new();
    let mut by_profile: BTreeMap<Profile, Vec<&Unit>> = BTreeMap::new();
    for unit in units {
        let exclusion = if !unit.status.is_free() {
            Some(Exclusion::Busy {
                status: unit.status,
            })
        } else if !plan.accepts(unit) {
            Some(Exclusion::NotCalledFor {
                kind: unit.kind,
                plan: plan.describe(),
            })
        } else if unit.position.is_none() {
            Some(Exclusion::NoPosition)
        } else {
            None
        };
        match exclusion {
            Some(exclusion) => excluded.push(excluded_unit(unit, exclusion)),
            None => by_profile.entry(unit.profile).or_default().push(unit),
        }
    }

    let mut ranked = Vec::new();
    let mut eligible: BTreeMap<UnitId, &Unit> = BTreeMap::new();
    let n_profiles = by_profile.len();
    let mut off_map = Vec::new();
    for (profile, group) in by_profile {
        let origins: Vec<LonLat> = group
            .iter()
            .map(|unit| {
                unit.position
                    .expect("units without a fix were excluded")
                    .point
            })
            .collect();
        let rows = match travel.table(profile, &origins, &[incident.location]) {
            Ok(rows) => rows,
            Err(error) => {
                // Units of other profiles may still reach it; only when none can is it an error.
                let message = match &error {
                    TravelError::OffMap { reason, .. } | TravelError::NoGraph { reason, .. } => {
                        reason.clone()
                    }
                };
                for unit in group {
                    excluded.push(excluded_unit(
                        unit,
                        Exclusion::IncidentOffMap {
                            profile,
                            message: message.clone(),
                        },
                    ));
                }
                off_map.push(error);
                continue;
            }
        };
        for (unit, row) in group.into_iter().zip(rows) {
            let trip = match row {
                Err(message) => {
                    excluded.push(excluded_unit(unit, Exclusion::OffMap { message }));
                    continue;
                }
                Ok(trips) => trips.first().copied().flatten(),
            };
            let Some(trip) = trip else {
                excluded.push(excluded_unit(unit, Exclusion::NoRoad));
                continue;
            };
            let fix = unit.position.expect("units without a fix were excluded");
            eligible.insert(unit.id.clone(), unit);
            ranked.push(Candidate {
                unit: unit.id.clone(),
                kind: unit.kind,
                profile,
                status: unit.status,
                eta: trip.seconds,
                distance: trip.meters,
                fix_age: fix.age(now),
                proposed_as: None,
                reason: String::new(),
            });
        }
    }
    if n_profiles > 0 && off_map.len() == n_profiles {
        return Err(RecommendError::IncidentOffMap {
            incident: incident.id,
            source: off_map.swap_remove(0),
        });
    }
    ranked.sort_by(|a, b| {
        a.eta
            .0
            .total_cmp(&b.eta.0)
            .then_with(|| a.unit.cmp(&b.unit))
    });

    let mut proposed = Vec::new();
    let mut unfilled = Vec::new();
    for requirement in &plan.requirements {
        let mut filled = 0;
        for candidate in ranked.iter_mut() {
            if filled == requirement.count {
                break;
            }
            if candidate.proposed_as.is_some()
                || incident.units.contains(&candidate.unit)
                || !requirement.accepts(eligible[&candidate.unit])
            {
                continue;
            }
            filled += 1;
            candidate.proposed_as = Some(requirement.label.clone());
            proposed.push(candidate.unit.clone());
        }
        if filled < requirement.count {
            unfilled.push(format!(
                "{} {}",
                requirement.count - filled,
                requirement.label
            ));
        }
    }
    let mut rank_of_kind: BTreeMap<UnitKind, usize> = BTreeMap::new();
    for (rank, candidate) in ranked.iter_mut().enumerate() {
        let kind_rank = rank_of_kind.entry(candidate.kind).or_default();
        *kind_rank += 1;
        let mut reason = format!(
            "{:.1} min by road ({}); #{} overall, #{} {}",
            candidate.eta.minutes(),
            candidate.distance,
            rank + 1,
            kind_rank,
            candidate.kind
        );
        match &candidate.proposed_as {
            Some(label) => reason.push_str(&format!("; proposed as {label}")),
            None if incident.units.contains(&candidate.unit) => {
                reason.push_str("; already sent to this incident")
            }
            None => reason.push_str("; not needed: nearer units fill the plan"),
        }
        if candidate.fix_age.0 > STALE_FIX.0 {
            reason.push_str(&format!(
                "; position is {:.0} min old",
                candidate.fix_age.minutes()
            ));
        }
        candidate.reason = reason;
    }
    excluded.sort_by(|a, b| a.unit.cmp(&b.unit));
    Ok(Recommendation {
        incident: incident.id,
        plan,
        ranked,
        proposed,
        unfilled,
        excluded,
    })
}

fn excluded_unit(unit: &Unit, exclusion: Exclusion) -> Excluded {
    Excluded {
        unit: unit.id.clone(),
        kind: unit.kind,
        reason: exclusion.to_string(),
        exclusion,
    }
}
