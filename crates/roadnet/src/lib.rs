//! The road network: OSM import, routing graph per travel profile, snapping, contraction
//! hierarchies, routes, matrices, isochrones and reach.

pub mod profile;

pub use profile::{Profile, RoadClass, UnknownProfile};
