//! A seeded city that runs by itself against a pingan server: its deployment (jurisdictions,
//! workstations, units, places) is entered through the API, then citizens call, units drive the
//! real roads to their incidents and on patrol, and an auto-dispatcher may take the calls nobody
//! took. The demo runs it beside the server; it only ever talks to the server's public API, so it
//! can drive any server, local or not.

pub mod client;
pub mod driver;
pub mod trip;

pub use client::Api;
pub use driver::{run, City, LiveOptions};
pub use trip::Trip;

use anyhow::{Context, Result};
use dispatch::Unit;
use scenario::Deployment;
use serde_json::{json, Value};

/// Enters `deployment` on an empty server: workstations, units and their first positions (at
/// their workstation, or a patrol grid's centre). A server that already has units was restored
/// from its log and is left as it is; returns whether anything was entered.
pub async fn seed(api: &Api, deployment: &Deployment) -> Result<bool> {
    let existing: Vec<Unit> = api.get("/api/units").await?;
    if !existing.is_empty() {
        return Ok(false);
    }
    for workstation in &deployment.workstations {
        let body = json!({
            "id": workstation.id,
            "name": workstation.name,
            "category": workstation.category,
            "location": {"lon": workstation.location.lon, "lat": workstation.location.lat},
            "jurisdiction": workstation.jurisdiction,
            "staffing": workstation.staffing,
        });
        let _: Value = api
            .post("/api/workstations", &body)
            .await
            .with_context(|| format!("entering workstation {}", workstation.id))?;
    }
    let mut positions = Vec::new();
    for plan in &deployment.units {
        let body = json!({
            "id": plan.id,
            "name": plan.name,
            "kind": plan.kind,
            "home": plan.home,
            "capabilities": plan.capabilities,
        });
        let _: Value = api
            .post("/api/units", &body)
            .await
            .with_context(|| format!("entering unit {}", plan.id))?;
        let start = plan
            .grid
            .as_ref()
            .and_then(|grid| deployment.grid_index(grid))
            .map(|index| deployment.grids[index].centre())
            .or_else(|| {
                deployment
                    .workstation_index(&plan.home)
                    .map(|index| deployment.workstations[index].location)
            });
        if let Some(point) = start {
            positions.push(json!({"unit": plan.id, "lon": point.lon, "lat": point.lat}));
        }
    }
    let _: Value = api
        .post("/api/positions", &json!({ "positions": positions }))
        .await
        .context("reporting the units' first positions")?;
    Ok(true)
}
