//! Response-time KPIs (到场率): call→dispatch, dispatch→arrival and call→arrival, median and p90,
//! and the share of calls reached within 1, 3 and 5 minutes, per priority, workstation or grid.

use crate::centre::CommandCentre;
use crate::incident::{Incident, IncidentStatus};
use crate::jurisdiction::JurisdictionLevel;
use measure::Seconds;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiGrouping {
    Priority,
    /// The home workstation of the first unit sent.
    Workstation,
    /// The patrol grid holding the incident.
    Grid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Durations {
    pub n: usize,
    pub median: Option<Seconds>,
    pub p90: Option<Seconds>,
}

impl Durations {
    fn of(mut values: Vec<f64>) -> Durations {
        values.sort_by(f64::total_cmp);
        Durations {
            n: values.len(),
            median: percentile(&values, 0.5).map(Seconds),
            p90: percentile(&values, 0.9).map(Seconds),
        }
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], fraction: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (fraction * sorted.len() as f64).ceil().max(1.0) as usize;
    Some(sorted[rank.min(sorted.len()) - 1])
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiRow {
    pub group: String,
    pub n_incidents: usize,
    pub call_to_dispatch: Durations,
    pub dispatch_to_arrival: Durations,
    pub call_to_arrival: Durations,
    /// Shares of the incidents that are finished or have a unit on scene; one never reached
    /// counts as late.
    pub within_1_min: Option<f64>,
    pub within_3_min: Option<f64>,
    pub within_5_min: Option<f64>,
}

fn group_of(centre: &CommandCentre, incident: &Incident, grouping: KpiGrouping) -> String {
    match grouping {
        KpiGrouping::Priority => incident.priority.to_string(),
        KpiGrouping::Workstation => incident
            .units
            .first()
            .and_then(|unit_id| centre.unit(unit_id).ok())
            .map_or_else(|| "(none sent)".to_string(), |unit| unit.home.to_string()),
        KpiGrouping::Grid => incident
            .jurisdictions
            .iter()
            .find(|id| {
                centre
                    .jurisdictions()
                    .get(id)
                    .is_some_and(|node| node.level == JurisdictionLevel::PatrolGrid)
            })
            .map_or_else(|| "(no grid)".to_string(), |id| id.to_string()),
    }
}

/// KPIs over every incident that was not a cancelled or merged call.
pub fn kpis(centre: &CommandCentre, grouping: KpiGrouping) -> Vec<KpiRow> {
    let mut groups: BTreeMap<String, Vec<&Incident>> = BTreeMap::new();
    for incident in centre.incidents() {
        if incident.status == IncidentStatus::Cancelled {
            continue;
        }
        groups
            .entry(group_of(centre, incident, grouping))
            .or_default()
            .push(incident);
    }
    groups
        .into_iter()
        .map(|(group, incidents)| kpi_row(group, &incidents))
        .collect()
}

fn kpi_row(group: String, incidents: &[&Incident]) -> KpiRow {
    let mut call_to_dispatch = Vec::new();
    let mut dispatch_to_arrival = Vec::new();
    let mut call_to_arrival = Vec::new();
    let mut n_judged = 0usize;
    let mut within = [0usize; 3];
    for incident in incidents {
        let dispatched = incident.first_time(IncidentStatus::Dispatched);
        let arrived = incident.first_time(IncidentStatus::OnScene);
        if let Some(dispatched) = dispatched {
            call_to_dispatch.push(dispatched.seconds_since(incident.received_at).0);
            if let Some(arrived) = arrived {
                dispatch_to_arrival.push(arrived.seconds_since(dispatched).0);
            }
        }
        if arrived.is_some() || !incident.status.is_open() {
            n_judged += 1;
        }
        if let Some(arrived) = arrived {
            let seconds = arrived.seconds_since(incident.received_at).0;
            call_to_arrival.push(seconds);
            for (slot, minutes) in [1.0, 3.0, 5.0].into_iter().enumerate() {
                if seconds <= minutes * 60.0 {
                    within[slot] += 1;
                }
            }
        }
    }
    let share = |count: usize| (n_judged > 0).then(|| count as f64 / n_judged as f64);
    KpiRow {
        group,
        n_incidents: incidents.len(),
        call_to_dispatch: Durations::of(call_to_dispatch),
        dispatch_to_arrival: Durations::of(dispatch_to_arrival),
        call_to_arrival: Durations::of(call_to_arrival),
        within_1_min: share(within[0]),
        within_3_min: share(within[1]),
        within_5_min: share(within[2]),
    }
}
