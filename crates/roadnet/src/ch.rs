//! Contraction hierarchies (Geisberger et al. 2008), written here rather than taken from a crate
//! because the matrix and dispatch paths need control over memory layout, stalling and bucket
//! many-to-many that no maintained crate offers together.
//!
//! Nodes are contracted one by one in order of a lazily updated priority; shortcuts preserve
//! shortest paths among the remaining nodes. Queries only go upward, so a search settles a few
//! hundred nodes instead of a city. Nodes are renumbered by rank so that the upper levels, which
//! every search touches, share cache lines.

use crate::graph::{Millis, ProfileGraph, UNREACHABLE};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const NO_MIDDLE: u32 = u32::MAX;
/// Witness searches stop after settling this many nodes; a missed witness only adds a shortcut.
const WITNESS_SETTLE_LIMIT: usize = 400;

/// An upward arc in rank space.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Arc {
    /// The other end, by rank (always higher than the node that owns the arc).
    pub other: u32,
    pub millis: Millis,
    pub meters: f32,
    /// The contracted node (by rank) this shortcut bypasses, or `NO_MIDDLE` for a road edge.
    pub middle: u32,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ContractionHierarchy {
    /// `rank[node]`: position in the contraction order.
    pub(crate) rank: Vec<u32>,
    /// `node_at[rank]`: the graph node with that rank.
    pub(crate) node_at: Vec<u32>,
    /// For rank r, arcs r → higher: `up[first_up[r]..first_up[r + 1]]`.
    pub(crate) first_up: Vec<u32>,
    pub(crate) up: Vec<Arc>,
    /// For rank r, arcs higher → r, stored with `other` = the higher tail.
    pub(crate) first_down: Vec<u32>,
    pub(crate) down: Vec<Arc>,
}

#[derive(Clone, Copy)]
struct DynamicArc {
    other: u32,
    millis: Millis,
    meters: f32,
    middle: u32,
}

/// Reusable Dijkstra state for witness searches over the not yet contracted nodes.
struct WitnessSearch {
    dist: Vec<Millis>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(Millis, u32)>>,
}

impl WitnessSearch {
    fn new(n: usize) -> Self {
        WitnessSearch {
            dist: vec![UNREACHABLE; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Settles nodes from `source` around `avoid` until every target is settled, the distance
    /// passes `max_dist` or the settle limit is hit.
    fn run(
        &mut self,
        out: &[Vec<DynamicArc>],
        source: u32,
        avoid: u32,
        max_dist: Millis,
        targets: &[DynamicArc],
    ) {
        for &v in &self.touched {
            self.dist[v as usize] = UNREACHABLE;
        }
        self.touched.clear();
        self.heap.clear();
        self.dist[source as usize] = 0;
        self.touched.push(source);
        self.heap.push(Reverse((0, source)));
        let mut settled = 0;
        let mut unsettled_targets = targets.iter().filter(|t| t.other != source).count();
        while let Some(Reverse((d, v))) = self.heap.pop() {
            if d > self.dist[v as usize] {
                continue;
            }
            if d > max_dist || settled >= WITNESS_SETTLE_LIMIT || unsettled_targets == 0 {
                break;
            }
            settled += 1;
            if targets.iter().any(|t| t.other == v) {
                unsettled_targets -= 1;
            }
            for arc in &out[v as usize] {
                if arc.other == avoid {
                    continue;
                }
                let nd = d.saturating_add(arc.millis);
                let slot = &mut self.dist[arc.other as usize];
                if nd < *slot {
                    if *slot == UNREACHABLE {
                        self.touched.push(arc.other);
                    }
                    *slot = nd;
                    self.heap.push(Reverse((nd, arc.other)));
                }
            }
        }
    }
}

struct Contraction {
    out: Vec<Vec<DynamicArc>>,
    inc: Vec<Vec<DynamicArc>>,
    contracted: Vec<bool>,
    contracted_neighbours: Vec<u32>,
    level: Vec<u32>,
    witness: WitnessSearch,
}

impl Contraction {
    /// The shortcuts contracting `v` would need: `(from, to, millis, meters)`.
    fn needed_shortcuts(&mut self, v: u32, shortcuts: &mut Vec<(u32, u32, Millis, f32)>) {
        shortcuts.clear();
        let v_index = v as usize;
        let max_out = self.out[v_index]
            .iter()
            .map(|a| a.millis)
            .max()
            .unwrap_or(0);
        for incoming in 0..self.inc[v_index].len() {
            let into = self.inc[v_index][incoming];
            if self.out[v_index].iter().all(|a| a.other == into.other) {
                continue;
            }
            self.witness.run(
                &self.out,
                into.other,
                v,
                into.millis.saturating_add(max_out),
                &self.out[v_index],
            );
            for outgoing in &self.out[v_index] {
                if outgoing.other == into.other {
                    continue;
                }
                let via = into.millis.saturating_add(outgoing.millis);
                if self.witness.dist[outgoing.other as usize] > via {
                    shortcuts.push((
                        into.other,
                        outgoing.other,
                        via,
                        into.meters + outgoing.meters,
                    ));
                }
            }
        }
    }

    fn priority(&mut self, v: u32, scratch: &mut Vec<(u32, u32, Millis, f32)>) -> i64 {
        self.needed_shortcuts(v, scratch);
        let degree = (self.out[v as usize].len() + self.inc[v as usize].len()) as i64;
        let edge_difference = scratch.len() as i64 - degree;
        4 * edge_difference
            + 2 * self.contracted_neighbours[v as usize] as i64
            + self.level[v as usize] as i64
    }

    fn add_or_improve(list: &mut Vec<DynamicArc>, arc: DynamicArc) {
        match list.iter_mut().find(|a| a.other == arc.other) {
            Some(existing) if existing.millis > arc.millis => *existing = arc,
            Some(_) => {}
            None => list.push(arc),
        }
    }

    fn contract(&mut self, v: u32, shortcuts: &[(u32, u32, Millis, f32)]) {
        for &(from, to, millis, meters) in shortcuts {
            Self::add_or_improve(
                &mut self.out[from as usize],
                DynamicArc {
                    other: to,
                    millis,
                    meters,
                    middle: v,
                },
            );
            Self::add_or_improve(
                &mut self.inc[to as usize],
                DynamicArc {
                    other: from,
                    millis,
                    meters,
                    middle: v,
                },
            );
        }
        self.contracted[v as usize] = true;
        let v_level = self.level[v as usize];
        let neighbours: Vec<u32> = self.out[v as usize]
            .iter()
            .chain(self.inc[v as usize].iter())
            .map(|a| a.other)
            .collect();
        for &u in &neighbours {
            self.out[u as usize].retain(|a| a.other != v);
            self.inc[u as usize].retain(|a| a.other != v);
            self.contracted_neighbours[u as usize] += 1;
            self.level[u as usize] = self.level[u as usize].max(v_level + 1);
        }
    }
}

impl ContractionHierarchy {
    pub(crate) fn build(
        graph: &ProfileGraph,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> ContractionHierarchy {
        let n = graph.node_count();
        let mut out: Vec<Vec<DynamicArc>> = vec![Vec::new(); n];
        let mut inc: Vec<Vec<DynamicArc>> = vec![Vec::new(); n];
        for tail in 0..n as u32 {
            for edge in graph.out_edges(tail) {
                let head = graph.head[edge];
                let arc = |other| DynamicArc {
                    other,
                    millis: graph.millis[edge],
                    meters: graph.meters[edge],
                    middle: NO_MIDDLE,
                };
                out[tail as usize].push(arc(head));
                inc[head as usize].push(arc(tail));
            }
        }
        let mut state = Contraction {
            out,
            inc,
            contracted: vec![false; n],
            contracted_neighbours: vec![0; n],
            level: vec![0; n],
            witness: WitnessSearch::new(n),
        };
        let mut scratch = Vec::new();
        let mut queue: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::with_capacity(n);
        for v in 0..n as u32 {
            let priority = state.priority(v, &mut scratch);
            queue.push(Reverse((priority, v)));
        }

        let mut rank = vec![u32::MAX; n];
        let mut final_up: Vec<Vec<DynamicArc>> = vec![Vec::new(); n];
        let mut final_down: Vec<Vec<DynamicArc>> = vec![Vec::new(); n];
        let mut next_rank = 0u32;
        while let Some(Reverse((priority, v))) = queue.pop() {
            if state.contracted[v as usize] {
                continue;
            }
            // Lazy update: contract only if the node is still the cheapest after recomputation.
            let current = state.priority(v, &mut scratch);
            if current > priority {
                if let Some(&Reverse((next, _))) = queue.peek() {
                    if current > next {
                        queue.push(Reverse((current, v)));
                        continue;
                    }
                }
            }
            state.needed_shortcuts(v, &mut scratch);
            final_up[v as usize] = state.out[v as usize].clone();
            final_down[v as usize] = state.inc[v as usize].clone();
            let neighbours: Vec<u32> = state.out[v as usize]
                .iter()
                .chain(state.inc[v as usize].iter())
                .map(|a| a.other)
                .collect();
            state.contract(v, &scratch);
            rank[v as usize] = next_rank;
            next_rank += 1;
            if next_rank.is_multiple_of(4096) || next_rank as usize == n {
                progress(next_rank as usize, n);
            }
            for u in neighbours {
                if !state.contracted[u as usize] {
                    let priority = state.priority(u, &mut scratch);
                    queue.push(Reverse((priority, u)));
                }
            }
        }

        let mut node_at = vec![0u32; n];
        for (node, &r) in rank.iter().enumerate() {
            node_at[r as usize] = node as u32;
        }
        let to_rank_space = |lists: &[Vec<DynamicArc>]| {
            let mut first = Vec::with_capacity(n + 1);
            let mut arcs = Vec::new();
            first.push(0u32);
            for &node in &node_at {
                let mut list: Vec<Arc> = lists[node as usize]
                    .iter()
                    .map(|a| Arc {
                        other: rank[a.other as usize],
                        millis: a.millis,
                        meters: a.meters,
                        middle: if a.middle == NO_MIDDLE {
                            NO_MIDDLE
                        } else {
                            rank[a.middle as usize]
                        },
                    })
                    .collect();
                list.sort_unstable_by_key(|a| a.other);
                arcs.extend(list);
                first.push(arcs.len() as u32);
            }
            (first, arcs)
        };
        let (first_up, up) = to_rank_space(&final_up);
        let (first_down, down) = to_rank_space(&final_down);
        ContractionHierarchy {
            rank,
            node_at,
            first_up,
            up,
            first_down,
            down,
        }
    }

    pub fn node_count(&self) -> usize {
        self.rank.len()
    }

    pub fn shortcut_count(&self) -> usize {
        self.up
            .iter()
            .chain(self.down.iter())
            .filter(|a| a.middle != NO_MIDDLE)
            .count()
    }

    pub fn rank(&self, node: u32) -> u32 {
        self.rank[node as usize]
    }

    pub fn node_at(&self, rank: u32) -> u32 {
        self.node_at[rank as usize]
    }

    pub(crate) fn up_arcs(&self, rank: u32) -> &[Arc] {
        &self.up[self.first_up[rank as usize] as usize..self.first_up[rank as usize + 1] as usize]
    }

    pub(crate) fn down_arcs(&self, rank: u32) -> &[Arc] {
        &self.down
            [self.first_down[rank as usize] as usize..self.first_down[rank as usize + 1] as usize]
    }

    /// Appends to `path` the graph nodes after `from` on the arc `from → to` (ranks), expanding
    /// shortcuts recursively.
    pub(crate) fn unpack(&self, from: u32, to: u32, middle: u32, path: &mut Vec<u32>) {
        if middle == NO_MIDDLE {
            path.push(self.node_at(to));
            return;
        }
        // from → middle is stored at `middle` among the arcs coming down from higher nodes.
        let first = self
            .down_arcs(middle)
            .iter()
            .filter(|a| a.other == from)
            .min_by_key(|a| a.millis)
            .expect("a shortcut's first half is stored at its middle node");
        let second = self
            .up_arcs(middle)
            .iter()
            .filter(|a| a.other == to)
            .min_by_key(|a| a.millis)
            .expect("a shortcut's second half is stored at its middle node");
        let (first_middle, second_middle) = (first.middle, second.middle);
        self.unpack(from, middle, first_middle, path);
        self.unpack(middle, to, second_middle, path);
    }
}

/// A start or end point of a search: a node (by rank) reached with an initial cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Seed {
    pub rank: u32,
    pub millis: Millis,
    pub meters: f32,
}

/// Upward Dijkstra with stall-on-demand, reusable across queries.
pub(crate) struct UpwardSearch {
    pub dist: Vec<Millis>,
    pub meters: Vec<f32>,
    /// Predecessor rank and the arc's middle, for path unpacking.
    pub parent: Vec<(u32, u32)>,
    pub touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(Millis, u32)>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Forward,
    Backward,
}

impl UpwardSearch {
    pub fn new(n: usize) -> Self {
        UpwardSearch {
            dist: vec![UNREACHABLE; n],
            meters: vec![0.0; n],
            parent: vec![(u32::MAX, NO_MIDDLE); n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    pub fn reset(&mut self, seeds: &[Seed]) {
        for &v in &self.touched {
            self.dist[v as usize] = UNREACHABLE;
            self.parent[v as usize] = (u32::MAX, NO_MIDDLE);
        }
        self.touched.clear();
        self.heap.clear();
        for seed in seeds {
            let slot = seed.rank as usize;
            if seed.millis < self.dist[slot] {
                if self.dist[slot] == UNREACHABLE {
                    self.touched.push(seed.rank);
                }
                self.dist[slot] = seed.millis;
                self.meters[slot] = seed.meters;
                self.heap.push(Reverse((seed.millis, seed.rank)));
            }
        }
    }

    pub fn min_key(&self) -> Millis {
        self.heap
            .peek()
            .map(|Reverse((d, _))| *d)
            .unwrap_or(UNREACHABLE)
    }

    /// Settles the next node; returns it unless it was stalled (then `Some(None)`), or `None` when
    /// the queue is empty.
    pub fn settle_next(
        &mut self,
        ch: &ContractionHierarchy,
        direction: Direction,
    ) -> Option<Option<u32>> {
        let Reverse((d, v)) = self.heap.pop()?;
        if d > self.dist[v as usize] {
            return Some(None);
        }
        let (relax, stall) = match direction {
            Direction::Forward => (ch.up_arcs(v), ch.down_arcs(v)),
            Direction::Backward => (ch.down_arcs(v), ch.up_arcs(v)),
        };
        // Stall-on-demand: a higher node already offers a shorter way here, so nothing found from
        // this node can be part of a shortest path.
        if stall
            .iter()
            .any(|a| self.dist[a.other as usize].saturating_add(a.millis) < d)
        {
            return Some(None);
        }
        let v_meters = self.meters[v as usize];
        for arc in relax {
            let nd = d.saturating_add(arc.millis);
            let slot = arc.other as usize;
            if nd < self.dist[slot] {
                if self.dist[slot] == UNREACHABLE {
                    self.touched.push(arc.other);
                }
                self.dist[slot] = nd;
                self.meters[slot] = v_meters + arc.meters;
                self.parent[slot] = (v, arc.middle);
                self.heap.push(Reverse((nd, arc.other)));
            }
        }
        Some(Some(v))
    }
}

/// The best meeting of a forward and a backward upward search.
pub(crate) struct Meeting {
    pub millis: Millis,
    pub meters: f32,
    pub rank: u32,
}

/// Bidirectional upward search between seed sets; both searches are left filled for unpacking.
pub(crate) fn shortest(
    ch: &ContractionHierarchy,
    forward: &mut UpwardSearch,
    backward: &mut UpwardSearch,
    sources: &[Seed],
    targets: &[Seed],
) -> Option<Meeting> {
    forward.reset(sources);
    backward.reset(targets);
    let mut best: Option<Meeting> = None;
    for seed in sources {
        let b = backward.dist[seed.rank as usize];
        if b != UNREACHABLE {
            let total = forward.dist[seed.rank as usize].saturating_add(b);
            if best.as_ref().is_none_or(|m| total < m.millis) {
                let meters =
                    forward.meters[seed.rank as usize] + backward.meters[seed.rank as usize];
                best = Some(Meeting {
                    millis: total,
                    meters,
                    rank: seed.rank,
                });
            }
        }
    }
    loop {
        let bound = best.as_ref().map_or(UNREACHABLE, |m| m.millis);
        let (f_min, b_min) = (forward.min_key(), backward.min_key());
        if f_min.min(b_min) >= bound {
            break;
        }
        let (search, other, direction) = if f_min <= b_min {
            (&mut *forward, &*backward, Direction::Forward)
        } else {
            (&mut *backward, &*forward, Direction::Backward)
        };
        if let Some(Some(v)) = search.settle_next(ch, direction) {
            let o = other.dist[v as usize];
            if o != UNREACHABLE {
                let total = search.dist[v as usize].saturating_add(o);
                if total < bound {
                    let meters = search.meters[v as usize] + other.meters[v as usize];
                    best = Some(Meeting {
                        millis: total,
                        meters,
                        rank: v,
                    });
                }
            }
        }
    }
    best
}
