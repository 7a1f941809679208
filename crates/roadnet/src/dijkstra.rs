//! Plain Dijkstra on the road graph: the reference the fast queries are tested against, and the
//! engine of bounded searches (isochrones, nearest station) where it is the right tool.

use crate::graph::{Millis, ProfileGraph, UNREACHABLE};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A start of the search: a node, the cost to reach it, and a label (which origin it stands for).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Origin {
    pub node: u32,
    pub millis: Millis,
    pub meters: f32,
    pub label: u32,
}

/// Shortest-path distances from the nearest origin.
#[derive(Debug, Clone)]
pub struct ShortestPathTree {
    pub millis: Vec<Millis>,
    pub meters: Vec<f32>,
    /// The label of the origin each node is nearest to.
    pub label: Vec<u32>,
    /// Nodes settled within the limit, in order of distance.
    pub settled: Vec<u32>,
}

impl ShortestPathTree {
    /// Distance to `node`, if it was settled within the limit.
    pub fn millis_to(&self, node: u32) -> Option<Millis> {
        let d = self.millis[node as usize];
        (d != UNREACHABLE).then_some(d)
    }
}

/// Forward Dijkstra from `origins`, settling every node within `limit`.
pub fn forward_search(graph: &ProfileGraph, origins: &[Origin], limit: Millis) -> ShortestPathTree {
    let n = graph.node_count();
    let mut tree = ShortestPathTree {
        millis: vec![UNREACHABLE; n],
        meters: vec![0.0; n],
        label: vec![u32::MAX; n],
        settled: Vec::new(),
    };
    let mut heap = BinaryHeap::new();
    for origin in origins {
        let slot = origin.node as usize;
        if origin.millis < tree.millis[slot] {
            tree.millis[slot] = origin.millis;
            tree.meters[slot] = origin.meters;
            tree.label[slot] = origin.label;
            heap.push(Reverse((origin.millis, origin.node)));
        }
    }
    while let Some(Reverse((d, v))) = heap.pop() {
        if d > tree.millis[v as usize] {
            continue;
        }
        if d > limit {
            break;
        }
        tree.settled.push(v);
        let (label, meters) = (tree.label[v as usize], tree.meters[v as usize]);
        for edge in graph.out_edges(v) {
            let head = graph.head[edge];
            let nd = d.saturating_add(graph.millis[edge]);
            if nd < tree.millis[head as usize] {
                tree.millis[head as usize] = nd;
                tree.meters[head as usize] = meters + graph.meters[edge];
                tree.label[head as usize] = label;
                heap.push(Reverse((nd, head)));
            }
        }
    }
    // Tentative distances beyond the limit were never confirmed: clear them.
    for d in tree.millis.iter_mut() {
        if *d > limit {
            *d = UNREACHABLE;
        }
    }
    tree
}
