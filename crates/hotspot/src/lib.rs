//! Analyses of past calls for analysts (研判): what happened (statistics by case type, area and
//! period), where it keeps happening (repeat-call places) and where it will happen next (hotspot
//! forecasts, scored as the NIJ challenge scored them). Pure: calls and settings in, figures out;
//! the CLI and the server read the files and the log.

pub mod evaluate;
pub mod forecast;
pub mod lattice;
pub mod models;
pub mod repeat;
pub mod sepp;
pub mod stats;
pub mod taxonomy;
