//! Sets of square lattice cells, as patrol grids form them: connected pieces, whether a set's
//! outline is one simple ring, the ring itself, and the repairs and splits that keep every
//! jurisdiction's area one simple ring.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A lattice cell as (row, column); rows run south to north, columns west to east.
pub type Cell = (i64, i64);

/// A lattice corner as (column, row): cell (r, c) spans corners (c, r) to (c + 1, r + 1).
pub type Corner = (i64, i64);

pub fn neighbours((row, column): Cell) -> [Cell; 4] {
    [
        (row - 1, column),
        (row, column + 1),
        (row + 1, column),
        (row, column - 1),
    ]
}

/// The 4-connected pieces of `cells`, each listed once, in the order of their first cell.
pub fn components(cells: &BTreeSet<Cell>) -> Vec<BTreeSet<Cell>> {
    let mut seen = BTreeSet::new();
    let mut pieces = Vec::new();
    for &start in cells {
        if !seen.insert(start) {
            continue;
        }
        let mut piece = BTreeSet::from([start]);
        let mut queue = VecDeque::from([start]);
        while let Some(cell) = queue.pop_front() {
            for next in neighbours(cell) {
                if cells.contains(&next) && seen.insert(next) {
                    piece.insert(next);
                    queue.push_back(next);
                }
            }
        }
        pieces.push(piece);
    }
    pieces
}

/// The bounding rows and columns, grown by one cell on every side.
fn frame(cells: &BTreeSet<Cell>) -> (i64, i64, i64, i64) {
    let rows = cells.iter().map(|c| c.0);
    let columns = cells.iter().map(|c| c.1);
    (
        rows.clone().min().unwrap_or(0) - 1,
        rows.max().unwrap_or(0) + 1,
        columns.clone().min().unwrap_or(0) - 1,
        columns.max().unwrap_or(0) + 1,
    )
}

/// The cells outside `cells` that no 4-connected path leads from to the outside: its holes.
pub fn enclosed(cells: &BTreeSet<Cell>) -> BTreeSet<Cell> {
    let (south, north, west, east) = frame(cells);
    let mut outside = BTreeSet::from([(south, west)]);
    let mut queue = VecDeque::from([(south, west)]);
    while let Some(cell) = queue.pop_front() {
        for next in neighbours(cell) {
            let in_frame = (south..=north).contains(&next.0) && (west..=east).contains(&next.1);
            if in_frame && !cells.contains(&next) && outside.insert(next) {
                queue.push_back(next);
            }
        }
    }
    let mut holes = BTreeSet::new();
    for row in south..=north {
        for column in west..=east {
            if !cells.contains(&(row, column)) && !outside.contains(&(row, column)) {
                holes.insert((row, column));
            }
        }
    }
    holes
}

/// The 2×2 blocks where `cells` holds one diagonal and not the other, as their south-west cell:
/// there the outline would touch itself at a corner.
pub fn pinches(cells: &BTreeSet<Cell>) -> Vec<Cell> {
    let (south, north, west, east) = frame(cells);
    let mut found = Vec::new();
    for row in south..north {
        for column in west..east {
            let [a, b, c, d] = [
                (row, column),
                (row, column + 1),
                (row + 1, column),
                (row + 1, column + 1),
            ]
            .map(|cell| cells.contains(&cell));
            if a == d && b == c && a != b {
                found.push((row, column));
            }
        }
    }
    found
}

/// True when the outline of `cells` is one simple ring: one 4-connected piece, no holes, and no
/// corner where two of its cells touch only diagonally.
pub fn is_simple(cells: &BTreeSet<Cell>) -> bool {
    !cells.is_empty()
        && components(cells).len() == 1
        && pinches(cells).is_empty()
        && enclosed(cells).is_empty()
}

/// The outline of a simple set of cells, counter-clockwise from its lowest corner, with only
/// the corners where the outline turns.
pub fn outline(cells: &BTreeSet<Cell>) -> Vec<Corner> {
    assert!(is_simple(cells), "outline of a set that is not simple");
    let mut next: BTreeMap<Corner, Corner> = BTreeMap::new();
    for &(row, column) in cells {
        let [south, east, north, west] = neighbours((row, column));
        let sides = [
            (south, (column, row), (column + 1, row)),
            (east, (column + 1, row), (column + 1, row + 1)),
            (north, (column + 1, row + 1), (column, row + 1)),
            (west, (column, row + 1), (column, row)),
        ];
        for (neighbour, from, to) in sides {
            if !cells.contains(&neighbour) {
                next.insert(from, to);
            }
        }
    }
    let start = *next.keys().next().expect("a simple set has cells");
    let mut corners = vec![start];
    let mut at = next[&start];
    while at != start {
        corners.push(at);
        at = next[&at];
    }
    assert_eq!(corners.len(), next.len(), "a simple outline is one ring");
    let n = corners.len();
    (0..n)
        .filter(|&i| {
            let (before, here, after) =
                (corners[(i + n - 1) % n], corners[i], corners[(i + 1) % n]);
            let turn =
                (here.0 - before.0) * (after.1 - here.1) - (here.1 - before.1) * (after.0 - here.0);
            turn != 0
        })
        .map(|i| corners[i])
        .collect()
}

/// The number of cell sides `a` and `b` share.
pub fn shared_border(a: &BTreeSet<Cell>, b: &BTreeSet<Cell>) -> usize {
    a.iter()
        .map(|&cell| neighbours(cell).iter().filter(|n| b.contains(n)).count())
        .sum()
}

/// Most repair rounds before the sectors are taken as they are.
const REPAIR_ROUNDS: usize = 40;

/// Reassigns cells until every sector is one simple ring where the lattice allows: a piece cut
/// off from a sector's main piece (the one holding its anchor, else the largest) joins the sector
/// it shares the longest border with, or is dropped when it touches no other sector; cells a
/// sector encloses join it (empty cells too, so the sector gains cells); a diagonal touch is
/// closed with one of the two other cells of its block, an empty one when there is one.
/// `owner` maps every cell to its sector; returns the cells dropped.
pub fn repair_sectors(
    owner: &mut BTreeMap<Cell, usize>,
    anchors: &[Option<Cell>],
) -> BTreeSet<Cell> {
    repair(owner, anchors, true)
}

/// [`repair_sectors`]; with `may_grow` false no empty cell is ever added.
fn repair(
    owner: &mut BTreeMap<Cell, usize>,
    anchors: &[Option<Cell>],
    may_grow: bool,
) -> BTreeSet<Cell> {
    let n_sectors = anchors.len();
    let mut dropped = BTreeSet::new();
    let cells_of = |owner: &BTreeMap<Cell, usize>| {
        let mut sets = vec![BTreeSet::new(); n_sectors];
        for (&cell, &sector) in owner {
            sets[sector].insert(cell);
        }
        sets
    };
    for _ in 0..REPAIR_ROUNDS {
        let mut changed = false;
        for sector in 0..n_sectors {
            let sets = cells_of(owner);
            let pieces = components(&sets[sector]);
            if pieces.len() < 2 {
                continue;
            }
            let main = anchors[sector]
                .and_then(|anchor| pieces.iter().position(|p| p.contains(&anchor)))
                .unwrap_or_else(|| {
                    (0..pieces.len())
                        .max_by_key(|&i| (pieces[i].len(), std::cmp::Reverse(i)))
                        .expect("two pieces or more")
                });
            for (index, piece) in pieces.iter().enumerate() {
                if index == main {
                    continue;
                }
                let joins = (0..n_sectors)
                    .filter(|&other| other != sector)
                    .map(|other| (shared_border(piece, &sets[other]), other))
                    .filter(|&(border, _)| border > 0)
                    .max_by_key(|&(border, other)| (border, std::cmp::Reverse(other)));
                for cell in piece {
                    match joins {
                        Some((_, other)) => {
                            owner.insert(*cell, other);
                        }
                        None => {
                            owner.remove(cell);
                            dropped.insert(*cell);
                        }
                    }
                }
                changed = true;
            }
        }
        for sector in 0..n_sectors {
            let sets = cells_of(owner);
            if sets[sector].is_empty() {
                continue;
            }
            let holes = enclosed(&sets[sector]);
            let swallows_a_sector = (0..n_sectors)
                .any(|other| !sets[other].is_empty() && sets[other].is_subset(&holes));
            let grows = holes.iter().any(|cell| !owner.contains_key(cell));
            if holes.is_empty() || swallows_a_sector || (grows && !may_grow) {
                continue;
            }
            for cell in holes {
                owner.insert(cell, sector);
                dropped.remove(&cell);
            }
            changed = true;
        }
        for sector in 0..n_sectors {
            let sets = cells_of(owner);
            let Some(&(row, column)) = pinches(&sets[sector]).first() else {
                continue;
            };
            let outside: Vec<Cell> = [
                (row, column),
                (row, column + 1),
                (row + 1, column),
                (row + 1, column + 1),
            ]
            .into_iter()
            .filter(|cell| !sets[sector].contains(cell))
            .filter(|cell| may_grow || owner.contains_key(cell))
            .collect();
            let take = outside
                .iter()
                .copied()
                .min_by_key(|cell| match owner.get(cell) {
                    None => 0,
                    Some(&other) => usize::MAX - sets[other].len(),
                });
            let Some(take) = take else {
                continue;
            };
            if owner.get(&take).is_some_and(|&other| sets[other].len() < 2) {
                continue;
            }
            owner.insert(take, sector);
            dropped.remove(&take);
            changed = true;
        }
        if !changed {
            break;
        }
    }
    dropped
}

/// Splits a simple set into two simple halves of about equal size, grown from its west end (or
/// south end, when it is taller than wide), taking cells west to east or nearest first, and from
/// the next cells inward when that fails; `None` when no split leaves both halves a third or more
/// of the cells.
pub fn split_in_two(cells: &BTreeSet<Cell>) -> Option<(BTreeSet<Cell>, BTreeSet<Cell>)> {
    let (south, north, west, east) = frame(cells);
    let along_columns = east - west >= north - south;
    let key = |cell: &Cell| {
        if along_columns {
            (cell.1, cell.0)
        } else {
            (cell.0, cell.1)
        }
    };
    let mut sweep: Vec<Cell> = cells.iter().copied().collect();
    sweep.sort_by_key(key);
    let balanced = |first: &BTreeSet<Cell>, rest: &BTreeSet<Cell>| {
        first.len() * 3 >= cells.len() && rest.len() * 3 >= cells.len()
    };
    // Cut across the middle, then repair both halves like sectors.
    let mut owner: BTreeMap<Cell, usize> = sweep
        .iter()
        .enumerate()
        .map(|(rank, &cell)| (cell, usize::from(rank * 2 >= sweep.len())))
        .collect();
    repair(
        &mut owner,
        &[sweep.first().copied(), sweep.last().copied()],
        false,
    );
    let (first, rest): (BTreeSet<Cell>, BTreeSet<Cell>) = {
        let first: BTreeSet<Cell> = owner
            .iter()
            .filter(|(_, &h)| h == 0)
            .map(|(&c, _)| c)
            .collect();
        let rest = cells.difference(&first).copied().collect();
        (first, rest)
    };
    if is_simple(&first) && is_simple(&rest) && balanced(&first, &rest) {
        return Some((first, rest));
    }
    let mut starts = sweep;
    starts.truncate(SPLIT_STARTS);
    let tries = starts
        .into_iter()
        .flat_map(|start| [(start, false), (start, true)]);
    tries.into_iter().find_map(|(start, nearest_first)| {
        let steps = steps_from(start, cells);
        let mut first = BTreeSet::from([start]);
        let mut rest: BTreeSet<Cell> = cells.clone();
        rest.remove(&start);
        if !is_simple(&rest) {
            return None;
        }
        while first.len() < cells.len() / 2 {
            let mut candidates: Vec<Cell> = rest
                .iter()
                .copied()
                .filter(|&cell| neighbours(cell).iter().any(|n| first.contains(n)))
                .collect();
            if nearest_first {
                candidates.sort_by_key(|cell| (steps[cell], key(cell)));
            } else {
                candidates.sort_by_key(key);
            }
            let grown = candidates.into_iter().find(|cell| {
                let mut bigger = first.clone();
                bigger.insert(*cell);
                let mut smaller = rest.clone();
                smaller.remove(cell);
                is_simple(&bigger) && is_simple(&smaller)
            });
            match grown {
                Some(cell) => {
                    first.insert(cell);
                    rest.remove(&cell);
                }
                None => break,
            }
        }
        balanced(&first, &rest).then_some((first, rest))
    })
}

/// Cells a split tries to grow its first half from.
const SPLIT_STARTS: usize = 6;

/// Steps from `start` to every cell of `cells`, moving between side neighbours.
fn steps_from(start: Cell, cells: &BTreeSet<Cell>) -> BTreeMap<Cell, usize> {
    let mut steps = BTreeMap::from([(start, 0)]);
    let mut queue = VecDeque::from([start]);
    while let Some(cell) = queue.pop_front() {
        let here = steps[&cell];
        for next in neighbours(cell) {
            if cells.contains(&next) && !steps.contains_key(&next) {
                steps.insert(next, here + 1);
                queue.push_back(next);
            }
        }
    }
    steps
}

/// `cells` with the empty cells it encloses or touches diagonally around added, so that its
/// outline is one simple ring, when that needs no cell of `occupied`; `None` otherwise.
pub fn close_over_empty(
    cells: &BTreeSet<Cell>,
    occupied: &BTreeSet<Cell>,
) -> Option<BTreeSet<Cell>> {
    let mut closed = cells.clone();
    for _ in 0..REPAIR_ROUNDS {
        if components(&closed).len() != 1 {
            return None;
        }
        let holes = enclosed(&closed);
        if !holes.is_empty() {
            if !holes.is_disjoint(occupied) {
                return None;
            }
            closed.extend(holes);
            continue;
        }
        let Some(&(row, column)) = pinches(&closed).first() else {
            return Some(closed);
        };
        let fill = [
            (row, column),
            (row, column + 1),
            (row + 1, column),
            (row + 1, column + 1),
        ]
        .into_iter()
        .find(|cell| !closed.contains(cell) && !occupied.contains(cell))?;
        closed.insert(fill);
    }
    None
}

/// Groups sectors into about `sectors.len() / per_group` groups (at least one) whose unions are
/// simple: grown from seeds spread far apart, each taking the neighbouring sector it shares the
/// longest border with, up to `per_group`; a sector left over joins the group it borders most
/// (up to twice `per_group`), or is a group of its own. Each group comes with its area: its
/// sectors' cells and the empty cells (no sector's) needed to close its outline.
pub fn group_sectors(
    sectors: &[BTreeSet<Cell>],
    per_group: usize,
) -> Vec<(Vec<usize>, BTreeSet<Cell>)> {
    let n = sectors.len();
    let occupied: BTreeSet<Cell> = sectors.iter().flatten().copied().collect();
    let joined = |union: &BTreeSet<Cell>, sector: &BTreeSet<Cell>| {
        let mut both = union.clone();
        both.extend(sector.iter().copied());
        close_over_empty(&both, &occupied)
    };
    let n_groups = n.div_ceil(per_group).max(1);
    let centre = |sector: &BTreeSet<Cell>| {
        let k = sector.len().max(1) as f64;
        (
            sector.iter().map(|c| c.0 as f64).sum::<f64>() / k,
            sector.iter().map(|c| c.1 as f64).sum::<f64>() / k,
        )
    };
    let centres: Vec<(f64, f64)> = sectors.iter().map(centre).collect();
    let distance = |a: usize, b: usize| {
        (centres[a].0 - centres[b].0).powi(2) + (centres[a].1 - centres[b].1).powi(2)
    };
    let mut seeds = vec![0];
    while seeds.len() < n_groups {
        let farthest = (0..n)
            .filter(|i| !seeds.contains(i))
            .max_by(|&a, &b| {
                let nearest = |i: usize| {
                    seeds
                        .iter()
                        .map(|&s| distance(i, s))
                        .fold(f64::MAX, f64::min)
                };
                nearest(a).total_cmp(&nearest(b)).then(b.cmp(&a))
            })
            .expect("fewer seeds than sectors");
        seeds.push(farthest);
    }
    let mut groups: Vec<Vec<usize>> = seeds.iter().map(|&s| vec![s]).collect();
    let mut unions: Vec<BTreeSet<Cell>> = seeds.iter().map(|&s| sectors[s].clone()).collect();
    let best_join =
        |group: usize, unions: &[BTreeSet<Cell>], candidates: &mut dyn Iterator<Item = usize>| {
            let mut best: Option<(usize, usize, BTreeSet<Cell>)> = None;
            for sector in candidates {
                let border = shared_border(&unions[group], &sectors[sector]);
                if border == 0 || best.as_ref().is_some_and(|(b, _, _)| *b >= border) {
                    continue;
                }
                if let Some(closed) = joined(&unions[group], &sectors[sector]) {
                    best = Some((border, sector, closed));
                }
            }
            best.map(|(_, sector, closed)| (sector, closed))
        };
    let mut taken: BTreeSet<usize> = seeds.iter().copied().collect();
    let mut grew = true;
    while grew {
        grew = false;
        for group in 0..groups.len() {
            if groups[group].len() >= per_group {
                continue;
            }
            let mut candidates = (0..n).filter(|i| !taken.contains(i));
            if let Some((sector, closed)) = best_join(group, &unions, &mut candidates) {
                groups[group].push(sector);
                unions[group] = closed;
                taken.insert(sector);
                grew = true;
            }
        }
    }
    // A sector left over joins the group it borders most, if the union stays simple.
    for (sector, cells) in sectors.iter().enumerate() {
        if taken.contains(&sector) {
            continue;
        }
        let mut best: Option<(usize, usize, BTreeSet<Cell>)> = None;
        for group in (0..groups.len()).filter(|&g| groups[g].len() < 2 * per_group) {
            let border = shared_border(&unions[group], cells);
            if border == 0 || best.as_ref().is_some_and(|(b, _, _)| *b >= border) {
                continue;
            }
            if let Some(closed) = joined(&unions[group], cells) {
                best = Some((border, group, closed));
            }
        }
        match best {
            Some((_, group, closed)) => {
                groups[group].push(sector);
                unions[group] = closed;
            }
            None => {
                groups.push(vec![sector]);
                unions.push(cells.clone());
            }
        }
        taken.insert(sector);
    }
    groups.into_iter().zip(unions).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(rows: &[&str]) -> BTreeSet<Cell> {
        let mut set = BTreeSet::new();
        for (row, line) in rows.iter().rev().enumerate() {
            for (column, mark) in line.chars().enumerate() {
                if mark == '#' {
                    set.insert((row as i64, column as i64));
                }
            }
        }
        set
    }

    #[test]
    fn outlines_keep_only_the_turns() {
        assert_eq!(outline(&cells(&["##"])), [(0, 0), (2, 0), (2, 1), (0, 1)]);
        let ell = cells(&["#.", "##"]);
        assert_eq!(
            outline(&ell),
            [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)]
        );
    }

    #[test]
    fn holes_pinches_and_pieces_are_not_simple() {
        assert!(is_simple(&cells(&["###", "#.#", "#.#"])));
        let ring = cells(&["###", "#.#", "###"]);
        assert_eq!(enclosed(&ring), BTreeSet::from([(1, 1)]));
        assert!(!is_simple(&ring));
        // The empty centre touches the outside only at a corner.
        let diagonal = cells(&["##.", "#.#", "###"]);
        assert_eq!(enclosed(&diagonal), BTreeSet::from([(1, 1)]));
        assert_eq!(pinches(&diagonal), [(1, 1)]);
        let corner_touch = cells(&["#.", ".#"]);
        assert!(enclosed(&corner_touch).is_empty());
        assert_eq!(pinches(&corner_touch), [(0, 0)]);
        assert!(!is_simple(&corner_touch));
        assert_eq!(components(&cells(&["#.#"])).len(), 2);
    }

    #[test]
    fn repairs_join_strays_fill_holes_and_close_touches() {
        // Sector 0 is a ring around one cell of sector 1, whose main piece lies east; sector 0
        // also has a stray cell inside sector 1.
        let mut owner = BTreeMap::new();
        for cell in cells(&["###..", "#.#..", "###.."]) {
            owner.insert(cell, 0);
        }
        owner.insert((1, 1), 1);
        for cell in cells(&["...##", "...##", "...##", "...##"]) {
            owner.insert((cell.0 - 1, cell.1), 1);
        }
        owner.insert((3, 4), 0);
        let dropped = repair_sectors(&mut owner, &[Some((0, 0)), Some((0, 4))]);
        assert!(dropped.is_empty());
        assert_eq!(owner[&(1, 1)], 0, "the enclosed cell joins the ring");
        assert_eq!(owner[&(3, 4)], 1, "the stray joins its neighbour");
        for sector in 0..2 {
            let set: BTreeSet<Cell> = owner
                .iter()
                .filter(|(_, &s)| s == sector)
                .map(|(&c, _)| c)
                .collect();
            assert!(is_simple(&set), "{sector}: {set:?}");
        }
    }

    #[test]
    fn splits_and_groups_are_simple() {
        let blob = cells(&["#####", "#####", "###.."]);
        let (west, east) = split_in_two(&blob).unwrap();
        assert!(is_simple(&west) && is_simple(&east));
        assert_eq!(west.len() + east.len(), blob.len());
        assert!(west.iter().all(|c| c.1 <= 2));
        let sectors: Vec<BTreeSet<Cell>> =
            (0..8).map(|i| BTreeSet::from([(0, i), (1, i)])).collect();
        let groups = group_sectors(&sectors, 4);
        assert_eq!(groups.len(), 2, "{groups:?}");
        for (group, area) in groups {
            let union: BTreeSet<Cell> = group.iter().flat_map(|&s| sectors[s].clone()).collect();
            assert_eq!(area, union);
            assert!(is_simple(&area));
        }
        // Two sectors around an empty cell: the group's area takes the cell in.
        let around = [cells(&["###", "#..", "###"]), cells(&["...", "..#", "..."])];
        let groups = group_sectors(&around, 4);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].1, cells(&["###", "###", "###"]));
    }
}
