//! Street blocks: the stretches of road between junctions (or dead ends), the unit that
//! street-segment hotspot analyses count calls on (Weisburd's "street segments"). A graph's
//! edges are often much shorter (every bend of a way is a node), so chains of edges through
//! nodes with exactly two neighbours are merged into one block.

use crate::graph::ProfileGraph;
use std::collections::HashMap;

/// One street block: its nodes in order along the street, its length and the OSM road it
/// mostly belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct StreetBlock {
    pub nodes: Vec<u32>,
    pub meters: f64,
    /// The road (`RoadNetwork::road`) of the block's first edge.
    pub road: u32,
}

/// Every block of a graph, and which block each undirected node pair `(min, max)` lies on.
#[derive(Debug, Clone, Default)]
pub struct StreetBlocks {
    pub blocks: Vec<StreetBlock>,
    pub block_of_segment: HashMap<(u32, u32), usize>,
}

impl StreetBlocks {
    /// The block holding the segment between two neighbouring nodes, in either direction.
    pub fn block_of(&self, a: u32, b: u32) -> Option<usize> {
        self.block_of_segment.get(&(a.min(b), a.max(b))).copied()
    }
}

/// Splits the graph's roads (directions merged) into blocks between nodes whose number of
/// distinct neighbours is not two.
pub fn street_blocks(graph: &ProfileGraph) -> StreetBlocks {
    let n = graph.node_count();
    let mut neighbours: Vec<Vec<(u32, usize)>> = vec![Vec::new(); n];
    for node in 0..n as u32 {
        for edge in graph.out_edges(node) {
            let head = graph.edge_head(edge);
            if head == node {
                continue;
            }
            for (from, to) in [(node, head), (head, node)] {
                let list = &mut neighbours[from as usize];
                if !list.iter().any(|(other, _)| *other == to) {
                    list.push((to, edge));
                }
            }
        }
    }
    let is_junction = |node: u32| neighbours[node as usize].len() != 2;
    let mut result = StreetBlocks::default();
    let key = |a: u32, b: u32| (a.min(b), a.max(b));
    for start in 0..n as u32 {
        for &(first, first_edge) in &neighbours[start as usize] {
            if result.block_of_segment.contains_key(&key(start, first)) {
                continue;
            }
            // Walk only from junctions, or around a ring of degree-2 nodes from its lowest node.
            if !is_junction(start) && !is_ring_start(&neighbours, start) {
                continue;
            }
            let index = result.blocks.len();
            let mut nodes = vec![start, first];
            let mut meters = graph.edge_meters(first_edge).0;
            result.block_of_segment.insert(key(start, first), index);
            let (mut previous, mut current) = (start, first);
            while !is_junction(current) && current != start {
                let Some(&(next, edge)) = neighbours[current as usize]
                    .iter()
                    .find(|(other, _)| *other != previous)
                else {
                    break;
                };
                if result.block_of_segment.contains_key(&key(current, next)) {
                    break;
                }
                result.block_of_segment.insert(key(current, next), index);
                meters += graph.edge_meters(edge).0;
                nodes.push(next);
                (previous, current) = (current, next);
            }
            result.blocks.push(StreetBlock {
                nodes,
                meters,
                road: graph.edge_road(first_edge),
            });
        }
    }
    result
}

/// A node of degree two on a ring with no junction is walked from the ring's lowest node.
fn is_ring_start(neighbours: &[Vec<(u32, usize)>], start: u32) -> bool {
    let (mut previous, mut current) = (start, neighbours[start as usize][0].0);
    loop {
        if neighbours[current as usize].len() != 2 {
            return false;
        }
        if current == start {
            return true;
        }
        if current < start {
            return false;
        }
        let next = neighbours[current as usize]
            .iter()
            .find(|(other, _)| *other != previous)
            .map(|(other, _)| *other)
            .unwrap_or(start);
        (previous, current) = (current, next);
    }
}
