//! The routing graph of one travel profile: nodes with coordinates and directed edges with travel
//! time and length, stored as compressed adjacency arrays (forward and backward) for cache-friendly
//! searches.

use crate::ch::ContractionHierarchy;
use crate::profile::{Profile, RoadClass};
use crate::snap::SnapIndex;
use measure::{LocalProjection, LonLat, Meters, Seconds};
use serde::{Deserialize, Serialize};

/// Travel time on the graph, in milliseconds: integral so that searches compare exactly.
pub type Millis = u32;

pub const UNREACHABLE: Millis = Millis::MAX;

pub fn millis_to_seconds(millis: Millis) -> Seconds {
    Seconds(millis as f64 / 1000.0)
}

/// A directed edge as the importer produces it, before the graph is laid out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EdgeInput {
    pub tail: u32,
    pub head: u32,
    pub millis: Millis,
    pub meters: f32,
    pub road: u32,
}

/// The street a stretch of road belongs to, for display and statistics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Road {
    pub class: RoadClass,
    pub name: String,
}

/// One profile's routing graph and its contraction hierarchy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProfileGraph {
    pub profile: Profile,
    pub(crate) lon: Vec<f64>,
    pub(crate) lat: Vec<f64>,
    pub(crate) osm_node: Vec<i64>,
    /// Forward adjacency: the edges leaving node `v` are `first_out[v]..first_out[v + 1]`.
    pub(crate) first_out: Vec<u32>,
    pub(crate) head: Vec<u32>,
    pub(crate) millis: Vec<Millis>,
    pub(crate) meters: Vec<f32>,
    pub(crate) road: Vec<u32>,
    /// Backward adjacency: the edges entering `v`, as `(tail, forward edge index)`.
    pub(crate) first_in: Vec<u32>,
    pub(crate) tail: Vec<u32>,
    pub(crate) in_edge: Vec<u32>,
    pub(crate) ch: ContractionHierarchy,
    /// Metric plane for snapping and isochrone rasters, centred on the graph.
    pub(crate) projection: LocalProjection,
    #[serde(skip)]
    pub(crate) snap_index: SnapIndex,
    /// Node positions in the projected plane, metres.
    #[serde(skip)]
    pub(crate) xy: Vec<[f64; 2]>,
}

impl ProfileGraph {
    /// Lays out a graph from nodes and edges; duplicate edges keep the fastest.
    pub(crate) fn build(
        profile: Profile,
        nodes: Vec<(i64, LonLat)>,
        mut edges: Vec<EdgeInput>,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> ProfileGraph {
        let n = nodes.len();
        let (mut min, mut max) = (
            LonLat {
                lon: 180.0,
                lat: 90.0,
            },
            LonLat {
                lon: -180.0,
                lat: -90.0,
            },
        );
        for (_, p) in &nodes {
            min = LonLat {
                lon: min.lon.min(p.lon),
                lat: min.lat.min(p.lat),
            };
            max = LonLat {
                lon: max.lon.max(p.lon),
                lat: max.lat.max(p.lat),
            };
        }
        let centre = LonLat {
            lon: (min.lon + max.lon) / 2.0,
            lat: (min.lat + max.lat) / 2.0,
        };
        edges.retain(|e| e.tail != e.head);
        edges.sort_unstable_by_key(|e| (e.tail, e.head, e.millis));
        edges.dedup_by_key(|e| (e.tail, e.head));

        let mut first_out = vec![0u32; n + 1];
        for e in &edges {
            first_out[e.tail as usize + 1] += 1;
        }
        for v in 0..n {
            first_out[v + 1] += first_out[v];
        }
        let head = edges.iter().map(|e| e.head).collect();
        let millis = edges.iter().map(|e| e.millis).collect();
        let meters = edges.iter().map(|e| e.meters).collect();
        let road = edges.iter().map(|e| e.road).collect();

        let mut first_in = vec![0u32; n + 1];
        for e in &edges {
            first_in[e.head as usize + 1] += 1;
        }
        for v in 0..n {
            first_in[v + 1] += first_in[v];
        }
        let mut fill = first_in.clone();
        let mut tail = vec![0u32; edges.len()];
        let mut in_edge = vec![0u32; edges.len()];
        for (index, e) in edges.iter().enumerate() {
            let slot = fill[e.head as usize] as usize;
            tail[slot] = e.tail;
            in_edge[slot] = index as u32;
            fill[e.head as usize] += 1;
        }

        let mut graph = ProfileGraph {
            profile,
            lon: nodes.iter().map(|(_, p)| p.lon).collect(),
            lat: nodes.iter().map(|(_, p)| p.lat).collect(),
            osm_node: nodes.iter().map(|(id, _)| *id).collect(),
            first_out,
            head,
            millis,
            meters,
            road,
            first_in,
            tail,
            in_edge,
            ch: ContractionHierarchy::default(),
            projection: LocalProjection::around(centre),
            snap_index: SnapIndex::default(),
            xy: Vec::new(),
        };
        graph.ch = ContractionHierarchy::build(&graph, progress);
        graph.prepare();
        graph
    }

    /// Builds what is derived rather than stored: projected positions and the snapping index.
    pub(crate) fn prepare(&mut self) {
        self.xy = (0..self.node_count() as u32)
            .map(|v| self.projection.to_xy(self.position(v)))
            .collect();
        self.snap_index = SnapIndex::build(self, &self.projection);
    }

    pub fn projection(&self) -> &LocalProjection {
        &self.projection
    }

    pub fn node_count(&self) -> usize {
        self.lon.len()
    }

    pub fn edge_count(&self) -> usize {
        self.head.len()
    }

    pub fn position(&self, node: u32) -> LonLat {
        LonLat {
            lon: self.lon[node as usize],
            lat: self.lat[node as usize],
        }
    }

    pub fn osm_node_id(&self, node: u32) -> i64 {
        self.osm_node[node as usize]
    }

    /// The node with this OpenStreetMap id, if the profile's graph kept it.
    pub fn node_of_osm(&self, osm_id: i64) -> Option<u32> {
        self.osm_node
            .iter()
            .position(|&id| id == osm_id)
            .map(|v| v as u32)
    }

    /// Edge indices leaving `node`.
    pub fn out_edges(&self, node: u32) -> std::ops::Range<usize> {
        self.first_out[node as usize] as usize..self.first_out[node as usize + 1] as usize
    }

    /// `(tail, forward edge index)` of the edges entering `node`.
    pub fn in_edges(&self, node: u32) -> impl Iterator<Item = (u32, usize)> + '_ {
        let range =
            self.first_in[node as usize] as usize..self.first_in[node as usize + 1] as usize;
        range.map(|slot| (self.tail[slot], self.in_edge[slot] as usize))
    }

    pub fn edge_head(&self, edge: usize) -> u32 {
        self.head[edge]
    }

    pub fn edge_millis(&self, edge: usize) -> Millis {
        self.millis[edge]
    }

    pub fn edge_meters(&self, edge: usize) -> Meters {
        Meters(self.meters[edge] as f64)
    }

    pub fn edge_road(&self, edge: usize) -> u32 {
        self.road[edge]
    }

    /// The edge `tail → head`, if there is one.
    pub fn find_edge(&self, tail: u32, head: u32) -> Option<usize> {
        self.out_edges(tail).find(|&e| self.head[e] == head)
    }

    pub fn contraction_hierarchy(&self) -> &ContractionHierarchy {
        &self.ch
    }
}
