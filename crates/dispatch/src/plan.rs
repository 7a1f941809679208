//! Response plans (处警预案): how many units of which kinds a category and priority call for.

use crate::incident::{IncidentCategory, Priority};
use crate::unit::{Capability, Unit, UnitKind};
use serde::{Deserialize, Serialize};

/// Which units may fill a slot of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Accepts {
    Kinds(Vec<UnitKind>),
    Capability(Capability),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Requirement {
    /// What the dispatcher reads: "patrol car", "armed unit".
    pub label: String,
    pub count: usize,
    pub accepts: Accepts,
}

impl Requirement {
    pub fn accepts(&self, unit: &Unit) -> bool {
        match &self.accepts {
            Accepts::Kinds(kinds) => kinds.contains(&unit.kind),
            Accepts::Capability(capability) => unit.has(*capability),
        }
    }
}

/// The slots are filled in order, so the most specific comes first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponsePlan {
    pub category: IncidentCategory,
    pub priority: Priority,
    pub requirements: Vec<Requirement>,
}

impl ResponsePlan {
    pub fn accepts(&self, unit: &Unit) -> bool {
        self.requirements
            .iter()
            .any(|requirement| requirement.accepts(unit))
    }

    pub fn n_units(&self) -> usize {
        self.requirements.iter().map(|r| r.count).sum()
    }

    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .requirements
            .iter()
            .map(|r| format!("{} {}", r.count, r.label))
            .collect();
        format!("{} {}: {}", self.priority, self.category, parts.join(" + "))
    }
}

const CARS: &[UnitKind] = &[UnitKind::PatrolCar, UnitKind::ArmedPatrolCar];
const ROAD_PATROLS: &[UnitKind] = &[
    UnitKind::PatrolCar,
    UnitKind::ArmedPatrolCar,
    UnitKind::TrafficMotorcycle,
];
const ANY_PATROL: &[UnitKind] = &[
    UnitKind::PatrolCar,
    UnitKind::ArmedPatrolCar,
    UnitKind::TrafficMotorcycle,
    UnitKind::FootPatrol,
];
const SERVICE: &[UnitKind] = &[
    UnitKind::PatrolCar,
    UnitKind::ArmedPatrolCar,
    UnitKind::TrafficMotorcycle,
    UnitKind::FootPatrol,
    UnitKind::VolunteerPatrol,
];

fn slot(label: &str, count: usize, kinds: &[UnitKind]) -> Requirement {
    Requirement {
        label: label.to_string(),
        count,
        accepts: Accepts::Kinds(kinds.to_vec()),
    }
}

fn armed() -> Requirement {
    Requirement {
        label: "armed unit".to_string(),
        count: 1,
        accepts: Accepts::Capability(Capability::Armed),
    }
}

/// The standing plan for a category and priority: a P1 robbery gets the nearest armed unit and two
/// cars; a P4 service call the nearest patrol of any kind, volunteers included.
pub fn response_plan(category: IncidentCategory, priority: Priority) -> ResponsePlan {
    use IncidentCategory::*;
    use Priority::*;
    let requirements = match (category, priority) {
        (Criminal | PublicOrder, P1) => vec![armed(), slot("patrol car", 2, CARS)],
        (Criminal, P2) => vec![slot("patrol car", 1, CARS), slot("patrol", 1, ANY_PATROL)],
        (Traffic, P1) => vec![
            slot("traffic motorcycle", 1, &[UnitKind::TrafficMotorcycle]),
            slot("patrol car", 1, CARS),
        ],
        (Traffic, P2) => vec![slot("road patrol", 1, ROAD_PATROLS)],
        (Dispute | Assistance, P1) => vec![slot("patrol car", 2, CARS)],
        (_, P1 | P2) => vec![slot("patrol car", 1, CARS)],
        (_, P3) => vec![slot("patrol", 1, ANY_PATROL)],
        (_, P4) => vec![slot("patrol", 1, SERVICE)],
    };
    ResponsePlan {
        category,
        priority,
        requirements,
    }
}
