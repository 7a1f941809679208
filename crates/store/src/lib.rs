//! The durable store: every change is an append-only event (who, when, what) in SQLite or
//! PostgreSQL, and the current state is the projection of the whole log.

pub mod event;
pub mod log;
pub mod projection;

pub use event::{Change, Event, Role};
pub use log::{redact, Backend, EventLog, RestoreError, StoreError};
pub use projection::{ApplyError, Projection, ReplayError, TokenGrant};
