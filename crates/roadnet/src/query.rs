//! Point-to-point routes and many-to-many travel-time matrices on the contraction hierarchy.
//!
//! Matrices use bucket many-to-many (Knopp et al. 2007): one upward search per target fills
//! buckets at the nodes it settles, then one upward search per source scans the buckets it meets.
//! Both phases run in parallel. Many sources to one target (ranking units for a call) is one
//! backward upward search and one sweep over the sources' upward closure instead (RPHAST,
//! Delling et al. 2011): its cost grows with the part of the hierarchy above the sources, not
//! with their number.

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

/// Searches kept per thread, one pair per graph size: a ranking alternates between the car,
/// motorcycle and foot graphs, and reallocating for each costs more than the query.
const SEARCHES_KEPT: usize = 4;

thread_local! {
    static SEARCHES: RefCell<Vec<(UpwardSearch, UpwardSearch)>> = const { RefCell::new(Vec::new()) };
    static SWEEPS: RefCell<Vec<Sweep>> = const { RefCell::new(Vec::new()) };
}

/// Runs `body` with a forward and a backward search sized for `graph`, reused across calls on
/// this thread: allocating them costs more than a query.
fn with_searches<R>(
    graph: &ProfileGraph,
    body: impl FnOnce(&mut UpwardSearch, &mut UpwardSearch) -> R,
) -> R {
    SEARCHES.with(|cell| {
        let mut kept = cell.borrow_mut();
        let n = graph.node_count();
        let index = match kept.iter().position(|(forward, _)| forward.dist.len() == n) {
            Some(index) => index,
            None => {
                if kept.len() == SEARCHES_KEPT {
                    kept.remove(0);
                }
                kept.push((UpwardSearch::new(n), UpwardSearch::new(n)));
                kept.len() - 1
            }
        };
        let (forward, backward) = &mut kept[index];
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

/// Per-thread state of [`many_to_one`]: distances to the target by rank, and the closure order.
struct Sweep {
    to_target: Vec<Millis>,
    meters: Vec<f32>,
    /// The sources' upward closure, each node after every node its upward arcs lead to (to reset
    /// `to_target` afterwards).
    order: Vec<u32>,
    /// Depth-first search: a rank and the index of its next upward arc.
    stack: Vec<(u32, u32)>,
}

impl Sweep {
    fn new(n: usize) -> Self {
        Sweep {
            to_target: vec![UNREACHABLE; n],
            meters: vec![0.0; n],
            order: Vec::new(),
            stack: Vec::new(),
        }
    }
}

fn with_sweep<R>(graph: &ProfileGraph, body: impl FnOnce(&mut Sweep) -> R) -> R {
    SWEEPS.with(|cell| {
        let mut kept = cell.borrow_mut();
        let n = graph.node_count();
        let index = match kept.iter().position(|sweep| sweep.to_target.len() == n) {
            Some(index) => index,
            None => {
                if kept.len() == SEARCHES_KEPT {
                    kept.remove(0);
                }
                kept.push(Sweep::new(n));
                kept.len() - 1
            }
        };
        body(&mut kept[index])
    })
}

/// Marker for a node in the closure whose distance is not computed yet.
const IN_CLOSURE: Millis = UNREACHABLE - 1;

/// Travel time and length from every source to one target (`None`: no road leads there), exactly
/// as [`matrix`] gives them.
///
/// The backward upward search from the target gives every node's distance over downward paths;
/// then each node of the sources' upward closure, higher nodes first, takes the better of that and
/// its upward arcs into nodes already done. A shortest path in a contraction hierarchy goes up and
/// then down, so every closure node ends with its exact distance to the target.
pub fn many_to_one(
    graph: &ProfileGraph,
    sources: &[Snap],
    target: &Snap,
) -> Vec<Option<(Seconds, Meters)>> {
    let ch = &graph.ch;
    let mut seeds = Vec::with_capacity(2 * sources.len());
    let mut first_seed = Vec::with_capacity(sources.len() + 1);
    for source in sources {
        first_seed.push(seeds.len());
        source.push_departure_seeds(graph, &mut seeds);
    }
    first_seed.push(seeds.len());
    with_searches(graph, |_, backward| {
        backward.reset(&target.arrival_seeds(graph));
        while backward.settle_next(ch, Direction::Backward).is_some() {}
        with_sweep(graph, |sweep| {
            // Depth-first over upward arcs; a node is done once every node above it is, since
            // arcs only go up. Its distance then is the better of the downward search's and
            // its arcs into done nodes.
            for seed in &seeds {
                if sweep.to_target[seed.rank as usize] != UNREACHABLE {
                    continue;
                }
                sweep.to_target[seed.rank as usize] = IN_CLOSURE;
                sweep.stack.push((seed.rank, 0));
                while let Some((rank, next_arc)) = sweep.stack.pop() {
                    let arcs = ch.up_arcs(rank);
                    let unvisited = arcs[next_arc as usize..]
                        .iter()
                        .position(|arc| sweep.to_target[arc.other as usize] == UNREACHABLE);
                    if let Some(offset) = unvisited {
                        let arc_index = next_arc as usize + offset;
                        let higher = arcs[arc_index].other;
                        sweep.to_target[higher as usize] = IN_CLOSURE;
                        sweep.stack.push((rank, arc_index as u32 + 1));
                        sweep.stack.push((higher, 0));
                        continue;
                    }
                    let slot = rank as usize;
                    let mut best = backward.dist[slot];
                    let mut meters = backward.meters[slot];
                    for arc in arcs {
                        let via = sweep.to_target[arc.other as usize];
                        debug_assert!(via != IN_CLOSURE, "higher nodes are done first");
                        let total = via.saturating_add(arc.millis);
                        if total < best {
                            best = total;
                            meters = arc.meters + sweep.meters[arc.other as usize];
                        }
                    }
                    sweep.to_target[slot] = best;
                    sweep.meters[slot] = meters;
                    sweep.order.push(rank);
                }
            }
            let trips = sources
                .iter()
                .enumerate()
                .map(|(index, source)| {
                    let mut best = source.along_same_segment(target, graph);
                    for seed in &seeds[first_seed[index]..first_seed[index + 1]] {
                        let via = sweep.to_target[seed.rank as usize];
                        let total = via.saturating_add(seed.millis);
                        if via != UNREACHABLE && best.is_none_or(|(known, _)| total < known) {
                            best = Some((total, seed.meters + sweep.meters[seed.rank as usize]));
                        }
                    }
                    best.map(|(millis, meters)| (millis_to_seconds(millis), Meters(meters as f64)))
                })
                .collect();
            for &rank in &sweep.order {
                sweep.to_target[rank as usize] = UNREACHABLE;
            }
            sweep.order.clear();
            trips
        })
    })
}
