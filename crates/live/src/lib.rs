//! A seeded city that runs by itself against a pingan server: its deployment (jurisdictions,
//! workstations, units, places) is entered through the API, then citizens call, units drive the
//! real roads to their incidents and on patrol, and an auto-dispatcher may take the calls nobody
//! took. The demo runs it beside the server; it only ever talks to the server's public API, so it
//! can drive any server, local or not.

pub mod client;
pub mod driver;
pub mod trip;

pub use client::Api;
pub use driver::{calls_inside_grids, run, City, LiveOptions};
pub use trip::Trip;

use anyhow::{Context, Result};
use dispatch::{PlaceShape, Unit};
use scenario::Deployment;
use serde_json::{json, Value};

/// Enters `deployment` on an empty server: the jurisdiction tree (police stations down to patrol
/// grids), workstations guarding their sectors, places, units and their first positions (at their
/// workstation, or a patrol grid's centre). A server that already has units was restored from its
/// log and is left as it is; returns whether anything was entered.
pub async fn seed(api: &Api, deployment: &Deployment) -> Result<bool> {
    let existing: Vec<Unit> = api.get("/api/units").await?;
    if !existing.is_empty() {
        return Ok(false);
    }
    let jurisdictions = deployment.jurisdictions()?;
    for jurisdiction in &jurisdictions {
        let area: Vec<[f64; 2]> = jurisdiction
            .area
            .ring()
            .iter()
            .map(|corner| [corner.lon, corner.lat])
            .collect();
        let body = json!({
            "id": jurisdiction.id,
            "name": jurisdiction.name,
            "level": jurisdiction.level,
            "parent": jurisdiction.parent,
            "area": area,
        });
        let _: Value = api
            .post("/api/jurisdictions", &body)
            .await
            .with_context(|| format!("entering jurisdiction {}", jurisdiction.id))?;
    }
    for workstation in &deployment.workstations {
        let sector = scenario::sector_id(&workstation.id);
        let guards = jurisdictions.iter().any(|j| j.id == sector);
        let body = json!({
            "id": workstation.id,
            "name": workstation.name,
            "category": workstation.category,
            "location": {"lon": workstation.location.lon, "lat": workstation.location.lat},
            "jurisdiction": workstation.jurisdiction.clone().or(guards.then_some(sector)),
            "staffing": workstation.staffing,
        });
        let _: Value = api
            .post("/api/workstations", &body)
            .await
            .with_context(|| format!("entering workstation {}", workstation.id))?;
    }
    for place in &deployment.places {
        let point = |p: &measure::LonLat| json!({"lon": p.lon, "lat": p.lat});
        let mut body = json!({"id": place.id, "name": place.name, "kind": place.kind});
        match &place.shape {
            PlaceShape::Point(at) => body["point"] = point(at),
            PlaceShape::Line(line) => body["line"] = line.iter().map(point).collect(),
        }
        let _: Value = api
            .post("/api/places", &body)
            .await
            .with_context(|| format!("entering place {}", place.id))?;
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
