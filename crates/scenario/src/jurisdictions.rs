//! A deployment's jurisdiction tree: police stations (派出所) of about four workstations each,
//! one sector per workstation (警务站), one or two police offices (警务室) per sector, and the
//! patrol grids (网格). Every area is the outline of lattice cells, one simple ring; a police
//! station's may take in empty cells (a river, a park) that its sectors surround.

use crate::deployment::Deployment;
use crate::error::ScenarioError;
use crate::lattice::{group_sectors, is_simple, outline, split_in_two, Cell, Corner};
use dispatch::{Area, Jurisdiction, JurisdictionId, JurisdictionLevel, WorkstationId};
use measure::LonLat;
use std::collections::{BTreeMap, BTreeSet};

/// Workstations a police station groups, about.
const WORKSTATIONS_PER_STATION: usize = 4;
/// A sector with this many grids or more gets two police offices.
const GRIDS_FOR_TWO_OFFICES: usize = 12;

/// The jurisdiction id of the sector a workstation guards, as [`Deployment::jurisdictions`]
/// names it: the workstation's own id.
pub fn sector_id(workstation: &WorkstationId) -> JurisdictionId {
    JurisdictionId(workstation.0.clone())
}

/// The place a workstation is named after: "Workstation 3 (Hauptstraße)" → "Hauptstraße".
fn place_of(workstation_name: &str) -> &str {
    let name = workstation_name.trim();
    match (name.rfind('('), name.ends_with(')')) {
        (Some(open), true) if open + 1 < name.len() - 1 => &name[open + 1..name.len() - 1],
        _ => name.trim_end_matches("警务站"),
    }
}

/// The lattice the grids form: the distinct meridians and parallels of their sides.
struct Lattice {
    meridians: Vec<f64>,
    parallels: Vec<f64>,
}

impl Lattice {
    fn corner(&self, (column, row): Corner) -> LonLat {
        LonLat {
            lon: self.meridians[column as usize],
            lat: self.parallels[row as usize],
        }
    }

    fn area(&self, cells: &BTreeSet<Cell>) -> Area {
        Area::new(outline(cells).into_iter().map(|c| self.corner(c)).collect())
            .expect("a simple outline has 4 corners or more")
    }
}

fn lines(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut lines: Vec<f64> = values.collect();
    lines.sort_by(f64::total_cmp);
    lines.dedup();
    lines
}

fn centre(cells: &BTreeSet<Cell>) -> (f64, f64) {
    let n = cells.len().max(1) as f64;
    (
        cells.iter().map(|c| c.0 as f64).sum::<f64>() / n,
        cells.iter().map(|c| c.1 as f64).sum::<f64>() / n,
    )
}

impl Deployment {
    /// The jurisdiction tree over the patrol grids, parents before children, ready to add to a
    /// `JurisdictionTree` in order: police stations "PS-1"…, sectors with their workstation's id
    /// (see [`sector_id`]), police offices "PO-<workstation>-1" (and "-2" for large sectors),
    /// and one node per grid with the grid's id. A workstation without grids has no sector.
    /// Fails when the grids are not one lattice of squares or a workstation's grids are not one
    /// piece without holes; `generate_deployment` always makes them so.
    pub fn jurisdictions(&self) -> Result<Vec<Jurisdiction>, ScenarioError> {
        let problem = |problem: String| ScenarioError::Jurisdictions {
            deployment: self.name.clone(),
            problem,
        };
        let lattice = Lattice {
            meridians: lines(
                self.grids
                    .iter()
                    .flat_map(|g| [g.south_west.lon, g.north_east.lon]),
            ),
            parallels: lines(
                self.grids
                    .iter()
                    .flat_map(|g| [g.south_west.lat, g.north_east.lat]),
            ),
        };
        let index = |lines: &[f64], value: f64| {
            lines
                .binary_search_by(|line| line.total_cmp(&value))
                .expect("every side is a line") as i64
        };
        let mut grid_at: BTreeMap<Cell, usize> = BTreeMap::new();
        let mut sectors: BTreeMap<usize, BTreeSet<Cell>> = BTreeMap::new();
        for (grid_index, grid) in self.grids.iter().enumerate() {
            let column = index(&lattice.meridians, grid.south_west.lon);
            let row = index(&lattice.parallels, grid.south_west.lat);
            if index(&lattice.meridians, grid.north_east.lon) != column + 1
                || index(&lattice.parallels, grid.north_east.lat) != row + 1
            {
                return Err(problem(format!(
                    "patrol grid '{}' overlaps other grids' sides; grids must be squares of one lattice, as generate_deployment makes them",
                    grid.id
                )));
            }
            if let Some(&other) = grid_at.get(&(row, column)) {
                return Err(problem(format!(
                    "patrol grids '{}' and '{}' cover the same square",
                    self.grids[other].id, grid.id
                )));
            }
            grid_at.insert((row, column), grid_index);
            let workstation = self
                .workstation_index(&grid.workstation)
                .ok_or_else(|| problem(format!("patrol grid '{}' belongs to workstation '{}', which is not in [[workstations]]", grid.id, grid.workstation)))?;
            sectors
                .entry(workstation)
                .or_default()
                .insert((row, column));
        }
        for (&workstation, cells) in &sectors {
            if !is_simple(cells) {
                return Err(problem(format!(
                    "the grids of workstation '{}' are not one piece without holes, so no single ring outlines them; move grids between workstations until each one's grids are contiguous",
                    self.workstations[workstation].id
                )));
            }
        }
        let sector_list: Vec<(usize, &BTreeSet<Cell>)> =
            sectors.iter().map(|(&w, cells)| (w, cells)).collect();
        let sector_cells: Vec<BTreeSet<Cell>> = sector_list
            .iter()
            .map(|(_, cells)| (*cells).clone())
            .collect();
        let mut groups = group_sectors(&sector_cells, WORKSTATIONS_PER_STATION);
        for (group, _) in &mut groups {
            group.sort_unstable();
        }
        groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));

        let mut tree = Vec::with_capacity(2 * self.grids.len());
        for (number, (group, station_cells)) in groups.iter().enumerate() {
            let station_id = JurisdictionId(format!("PS-{}", number + 1));
            let first = &self.workstations[sector_list[group[0]].0];
            tree.push(Jurisdiction {
                id: station_id.clone(),
                name: format!("{}派出所", place_of(&first.name)),
                level: JurisdictionLevel::PoliceStation,
                parent: None,
                area: lattice.area(station_cells),
            });
            for &sector in group {
                let (workstation_index, cells) = sector_list[sector];
                let workstation = &self.workstations[workstation_index];
                let place = place_of(&workstation.name);
                let workstation_node = sector_id(&workstation.id);
                tree.push(Jurisdiction {
                    id: workstation_node.clone(),
                    name: format!("{place}警务站"),
                    level: JurisdictionLevel::Workstation,
                    parent: Some(station_id.clone()),
                    area: lattice.area(cells),
                });
                let offices: Vec<(BTreeSet<Cell>, &str)> = match (cells.len()
                    >= GRIDS_FOR_TWO_OFFICES)
                    .then(|| split_in_two(cells))
                    .flatten()
                {
                    None => vec![(cells.clone(), "")],
                    Some((a, b)) => {
                        let (ca, cb) = (centre(&a), centre(&b));
                        let names = if (ca.1 - cb.1).abs() >= (ca.0 - cb.0).abs() {
                            if ca.1 < cb.1 {
                                ["西", "东"]
                            } else {
                                ["东", "西"]
                            }
                        } else if ca.0 < cb.0 {
                            ["南", "北"]
                        } else {
                            ["北", "南"]
                        };
                        vec![(a, names[0]), (b, names[1])]
                    }
                };
                for (office_number, (office_cells, direction)) in offices.iter().enumerate() {
                    let office_id =
                        JurisdictionId(format!("PO-{}-{}", workstation.id, office_number + 1));
                    tree.push(Jurisdiction {
                        id: office_id.clone(),
                        name: format!("{place}{direction}警务室"),
                        level: JurisdictionLevel::PoliceOffice,
                        parent: Some(workstation_node.clone()),
                        area: lattice.area(office_cells),
                    });
                    for cell in office_cells {
                        let grid = &self.grids[grid_at[cell]];
                        tree.push(Jurisdiction {
                            id: JurisdictionId(grid.id.0.clone()),
                            name: format!("网格 {}", grid.id),
                            level: JurisdictionLevel::PatrolGrid,
                            parent: Some(office_id.clone()),
                            area: lattice.area(&BTreeSet::from([*cell])),
                        });
                    }
                }
            }
        }
        Ok(tree)
    }
}
