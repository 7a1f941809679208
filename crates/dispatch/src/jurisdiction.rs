//! The jurisdiction tree: police station (派出所) → workstation (警务站) → police office (警务室)
//! → patrol grid (网格). It decides which grid a call falls in and what an officer may see.

use crate::area::Area;
use crate::ids::JurisdictionId;
use measure::LonLat;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JurisdictionLevel {
    /// 派出所: controls an area.
    PoliceStation,
    /// 警务站: guards a sector of a station's area.
    Workstation,
    /// 警务室: guards a grid group within a sector.
    PoliceOffice,
    /// 网格: the smallest patrol area.
    PatrolGrid,
}

impl JurisdictionLevel {
    /// The level a node of this level hangs under; `None` for the root level.
    pub fn parent_level(self) -> Option<JurisdictionLevel> {
        match self {
            JurisdictionLevel::PoliceStation => None,
            JurisdictionLevel::Workstation => Some(JurisdictionLevel::PoliceStation),
            JurisdictionLevel::PoliceOffice => Some(JurisdictionLevel::Workstation),
            JurisdictionLevel::PatrolGrid => Some(JurisdictionLevel::PoliceOffice),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            JurisdictionLevel::PoliceStation => "police station",
            JurisdictionLevel::Workstation => "workstation",
            JurisdictionLevel::PoliceOffice => "police office",
            JurisdictionLevel::PatrolGrid => "patrol grid",
        }
    }
}

impl fmt::Display for JurisdictionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jurisdiction {
    pub id: JurisdictionId,
    pub name: String,
    pub level: JurisdictionLevel,
    pub parent: Option<JurisdictionId>,
    pub area: Area,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JurisdictionError {
    #[error("jurisdiction '{0}' already exists; choose another id")]
    AlreadyExists(JurisdictionId),
    #[error("jurisdiction '{0}' does not exist; create it first or check the id")]
    NotFound(JurisdictionId),
    #[error("a {level} hangs under a {expected}, but '{parent}' is a {actual}")]
    WrongParentLevel {
        level: JurisdictionLevel,
        parent: JurisdictionId,
        expected: JurisdictionLevel,
        actual: JurisdictionLevel,
    },
    #[error("a {level} needs a parent {expected}; give its id as parent")]
    MissingParent {
        level: JurisdictionLevel,
        expected: JurisdictionLevel,
    },
    #[error("a police station is the root of the tree and takes no parent, got '{parent}'")]
    StationWithParent { parent: JurisdictionId },
}

/// Every jurisdiction by id; parents are always inserted before their children.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JurisdictionTree {
    nodes: BTreeMap<JurisdictionId, Jurisdiction>,
}

impl JurisdictionTree {
    pub fn add(&mut self, jurisdiction: Jurisdiction) -> Result<(), JurisdictionError> {
        if self.nodes.contains_key(&jurisdiction.id) {
            return Err(JurisdictionError::AlreadyExists(jurisdiction.id));
        }
        match (jurisdiction.level.parent_level(), &jurisdiction.parent) {
            (None, Some(parent)) => {
                return Err(JurisdictionError::StationWithParent {
                    parent: parent.clone(),
                })
            }
            (Some(expected), None) => {
                return Err(JurisdictionError::MissingParent {
                    level: jurisdiction.level,
                    expected,
                })
            }
            (Some(expected), Some(parent_id)) => {
                let parent = self
                    .nodes
                    .get(parent_id)
                    .ok_or_else(|| JurisdictionError::NotFound(parent_id.clone()))?;
                if parent.level != expected {
                    return Err(JurisdictionError::WrongParentLevel {
                        level: jurisdiction.level,
                        parent: parent_id.clone(),
                        expected,
                        actual: parent.level,
                    });
                }
            }
            (None, None) => {}
        }
        self.nodes.insert(jurisdiction.id.clone(), jurisdiction);
        Ok(())
    }

    pub fn get(&self, id: &JurisdictionId) -> Option<&Jurisdiction> {
        self.nodes.get(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Jurisdiction> {
        self.nodes.values()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn children<'a>(
        &'a self,
        parent: &'a JurisdictionId,
    ) -> impl Iterator<Item = &'a Jurisdiction> + 'a {
        self.nodes
            .values()
            .filter(move |node| node.parent.as_ref() == Some(parent))
    }

    /// True when `id` is `ancestor` or lies beneath it.
    pub fn is_within(&self, id: &JurisdictionId, ancestor: &JurisdictionId) -> bool {
        let mut current = Some(id);
        while let Some(node_id) = current {
            if node_id == ancestor {
                return true;
            }
            current = self
                .nodes
                .get(node_id)
                .and_then(|node| node.parent.as_ref());
        }
        false
    }

    /// The chain from police station down to the deepest node whose area holds `point`.
    pub fn locate(&self, point: LonLat) -> Vec<&Jurisdiction> {
        let mut chain = Vec::new();
        let mut candidates: Vec<&Jurisdiction> = self
            .nodes
            .values()
            .filter(|node| node.parent.is_none())
            .collect();
        while let Some(found) = candidates.iter().find(|node| node.area.contains(point)) {
            chain.push(*found);
            candidates = self.children(&found.id).collect();
        }
        chain
    }

    /// The deepest jurisdiction of `level` holding `point`, if any.
    pub fn locate_level(&self, point: LonLat, level: JurisdictionLevel) -> Option<&Jurisdiction> {
        self.locate(point)
            .into_iter()
            .find(|node| node.level == level)
    }

    /// True when `point` lies in the area of `ancestor`.
    pub fn covers(&self, ancestor: &JurisdictionId, point: LonLat) -> bool {
        self.nodes
            .get(ancestor)
            .is_some_and(|node| node.area.contains(point))
    }
}
