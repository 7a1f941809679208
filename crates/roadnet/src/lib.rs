//! The road network: OSM import, routing graph per travel profile, snapping, contraction
//! hierarchies, routes, matrices, isochrones and reach.
//!
//! Invariant: every travel time here is a road time; straight-line distance only prunes.

pub mod blocks;
pub mod ch;
pub mod dijkstra;
pub mod graph;
pub mod import;
pub mod isochrone;
pub mod network;
pub mod profile;
pub mod query;
pub mod reach;
pub mod scc;
pub mod snap;

pub use blocks::{street_blocks, StreetBlock, StreetBlocks};
pub use graph::{millis_to_seconds, Millis, ProfileGraph, Road};
pub use import::{
    build_network, build_profile, import_pbf, read_osm, ImportError, ImportStage, OsmRoads,
};
pub use isochrone::{isochrone, Isochrone};
pub use network::{GraphFileError, MissingProfile, RoadNetwork, Water, GRAPH_FILE_VERSION};
pub use profile::{Profile, RoadClass, UnknownProfile};
pub use query::{many_to_one, matrix, route, Matrix, Route};
pub use reach::{nearest_station, NearestStation};
pub use snap::{snap, Snap, SnapError, DEFAULT_MAX_SNAP};
