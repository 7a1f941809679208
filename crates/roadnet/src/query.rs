//! Point-to-point routes and many-to-many travel-time matrices on the contraction hierarchy.
//!
//! Matrices use bucket many-to-many (Knopp et al. 2007): one upward search per target fills
//! buckets at the nodes it settles, then one upward search per source scans the buckets it meets.
//! Both phases run in parallel.

use crate::ch::{shortest, Direction, Seed, UpwardSearch};
use crate::graph::{millis_to_seconds, Millis, ProfileGraph, UNREACHABLE};
use crate::snap::Snap;
use measure::{LonLat, Meters, Seconds};
use rayon::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;

/// A route between two snapped points.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub seconds: Seconds,
    pub meters: Meters,
    /// From the start's road point to the end's road point, along the roads.
    pub geometry: Vec<LonLat>,
    /// The graph nodes passed, in order.
    pub nodes: Vec<u32>,
}

thread_local! {
    static SEARCHES: RefCell<Option<(UpwardSearch, UpwardSearch)>> = const { RefCell::new(None) };
}

/// Runs `body` with a forward and a backward search sized for `graph`, reused across calls on
/// this thread: allocating them costs more than a query.
fn with_searches<R>(
    graph: &ProfileGraph,
    body: impl FnOnce(&mut UpwardSearch, &mut UpwardSearch) -> R,
) -> R {
    SEARCHES.with(|cell| {
        let mut slot = cell.borrow_mut();
        let n = graph.node_count();
        if slot
            .as_ref()
            .is_none_or(|(forward, _)| forward.dist.len() != n)
        {
            *slot = Some((UpwardSearch::new(n), UpwardSearch::new(n)));
        }
        let (forward, backward) = slot.as_mut().expect("just filled");
        body(forward, backward)
    })
}

/// The fastest route from `from` to `to`, or `None` when no road leads there.
pub fn route(graph: &ProfileGraph, from: &Snap, to: &Snap) -> Option<Route> {
    let ch = &graph.ch;
    let sources = from.departure_seeds(graph);
    let targets = to.arrival_seeds(graph);
    let via_graph = with_searches(graph, |forward, backward| {
        let meeting = shortest(ch, forward, backward, &sources, &targets)?;
        let mut up_chain = Vec::new();
        let mut rank = meeting.rank;
        while forward.parent[rank as usize].0 != u32::MAX {
            let (previous, middle) = forward.parent[rank as usize];
            up_chain.push((previous, rank, middle));
            rank = previous;
        }
        let mut nodes = vec![ch.node_at(rank)];
        for &(from_rank, to_rank, middle) in up_chain.iter().rev() {
            ch.unpack(from_rank, to_rank, middle, &mut nodes);
        }
        let mut rank = meeting.rank;
        while backward.parent[rank as usize].0 != u32::MAX {
            let (next, middle) = backward.parent[rank as usize];
            ch.unpack(rank, next, middle, &mut nodes);
            rank = next;
        }
        Some((meeting.millis, meeting.meters, nodes))
    });
    let direct = from.along_same_segment(to, graph);
    let (millis, meters, nodes) = match (via_graph, direct) {
        (Some(path), Some((millis, meters))) if millis <= path.0 => (millis, meters, Vec::new()),
        (Some(path), _) => path,
        (None, Some((millis, meters))) => (millis, meters, Vec::new()),
        (None, None) => return None,
    };
    let mut geometry = Vec::with_capacity(nodes.len() + 2);
    geometry.push(from.on_road);
    geometry.extend(nodes.iter().map(|&v| graph.position(v)));
    geometry.push(to.on_road);
    geometry.dedup();
    Some(Route {
        seconds: millis_to_seconds(millis),
        meters: Meters(meters as f64),
        geometry,
        nodes,
    })
}

/// Travel times and lengths from every source to every target.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub n_sources: usize,
    pub n_targets: usize,
    millis: Vec<Millis>,
    meters: Vec<f32>,
}

impl Matrix {
    /// Time and length from source `s` to target `t`; `None` when unreachable.
    pub fn get(&self, s: usize, t: usize) -> Option<(Seconds, Meters)> {
        let cell = s * self.n_targets + t;
        (self.millis[cell] != UNREACHABLE).then(|| {
            (
                millis_to_seconds(self.millis[cell]),
                Meters(self.meters[cell] as f64),
            )
        })
    }

    pub fn millis(&self, s: usize, t: usize) -> Option<Millis> {
        let value = self.millis[s * self.n_targets + t];
        (value != UNREACHABLE).then_some(value)
    }
}

#[derive(Clone, Copy)]
struct BucketEntry {
    target: u32,
    millis: Millis,
    meters: f32,
}

/// The upward search space of `seeds`: every settled, unstalled node with its distance.
fn search_space(
    graph: &ProfileGraph,
    search: &mut UpwardSearch,
    seeds: &[Seed],
    direction: Direction,
) -> Vec<(u32, Millis, f32)> {
    search.reset(seeds);
    let mut space = Vec::new();
    while let Some(settled) = search.settle_next(&graph.ch, direction) {
        if let Some(v) = settled {
            space.push((v, search.dist[v as usize], search.meters[v as usize]));
        }
    }
    space
}

/// All travel times from `sources` to `targets`.
pub fn matrix(graph: &ProfileGraph, sources: &[Snap], targets: &[Snap]) -> Matrix {
    let n = graph.node_count();
    let (n_sources, n_targets) = (sources.len(), targets.len());

    let spaces: Vec<Vec<(u32, Millis, f32)>> = targets
        .par_iter()
        .map(|target| {
            with_searches(graph, |_, backward| {
                search_space(
                    graph,
                    backward,
                    &target.arrival_seeds(graph),
                    Direction::Backward,
                )
            })
        })
        .collect();
    let mut first = vec![0u32; n + 1];
    for space in &spaces {
        for &(v, _, _) in space {
            first[v as usize + 1] += 1;
        }
    }
    for v in 0..n {
        first[v + 1] += first[v];
    }
    let mut fill = first.clone();
    let mut buckets = vec![
        BucketEntry {
            target: 0,
            millis: 0,
            meters: 0.0
        };
        first[n] as usize
    ];
    for (target, space) in spaces.iter().enumerate() {
        for &(v, millis, meters) in space {
            buckets[fill[v as usize] as usize] = BucketEntry {
                target: target as u32,
                millis,
                meters,
            };
            fill[v as usize] += 1;
        }
    }
    drop(spaces);

    let mut on_segment: HashMap<(u32, u32), Vec<usize>> = HashMap::new();
    for (index, target) in targets.iter().enumerate() {
        on_segment
            .entry(target.segment_nodes())
            .or_default()
            .push(index);
    }

    let rows: Vec<(Vec<Millis>, Vec<f32>)> = sources
        .par_iter()
        .map(|source| {
            with_searches(graph, |search, _| {
                let mut millis = vec![UNREACHABLE; n_targets];
                let mut meters = vec![0f32; n_targets];
                for (v, d, m) in search_space(
                    graph,
                    search,
                    &source.departure_seeds(graph),
                    Direction::Forward,
                ) {
                    for entry in
                        &buckets[first[v as usize] as usize..first[v as usize + 1] as usize]
                    {
                        let total = d.saturating_add(entry.millis);
                        let slot = entry.target as usize;
                        if total < millis[slot] {
                            millis[slot] = total;
                            meters[slot] = m + entry.meters;
                        }
                    }
                }
                for &t in on_segment
                    .get(&source.segment_nodes())
                    .into_iter()
                    .flatten()
                {
                    if let Some((d, m)) = source.along_same_segment(&targets[t], graph) {
                        if d < millis[t] {
                            millis[t] = d;
                            meters[t] = m;
                        }
                    }
                }
                (millis, meters)
            })
        })
        .collect();
    let mut matrix = Matrix {
        n_sources,
        n_targets,
        millis: Vec::with_capacity(n_sources * n_targets),
        meters: Vec::new(),
    };
    matrix.meters.reserve(n_sources * n_targets);
    for (millis, meters) in rows {
        matrix.millis.extend(millis);
        matrix.meters.extend(meters);
    }
    matrix
}
