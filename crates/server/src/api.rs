//! The REST handlers and the router: each handler checks the token's rights, decides a change on
//! the current state through the dispatch core, and answers once the change is durable.

use crate::auth::{hash_token, new_token, Need, Principal};
use crate::clock;
use crate::error::{ApiError, ApiJson, ApiQuery};
use crate::state::AppState;
use crate::{eido, feed, openapi, validate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use dispatch::{
    kpis, plan_cutoff, recommend, Area, Call, Capability, CommandCentre, CutoffRequest,
    IncidentCategory, IncidentId, IncidentStatus, Jurisdiction, JurisdictionId, JurisdictionLevel,
    KpiGrouping, PositionFix, Priority, Profile, Recommendation, TravelError, Unit, UnitId,
    UnitKind, UnitStatus, Workstation, WorkstationCategory, WorkstationId,
};
use measure::{CoordinateSystem, LonLat, Seconds, Timestamp};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use store::{Change, Role};

type Reply = Result<(StatusCode, Json<Value>), ApiError>;

fn ok(value: Value) -> Reply {
    Ok((StatusCode::OK, Json(value)))
}

fn created(value: Value) -> Reply {
    Ok((StatusCode::CREATED, Json(value)))
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi_document))
        .route("/api/tokens", post(issue_token))
        .route(
            "/api/jurisdictions",
            get(list_jurisdictions).post(add_jurisdiction),
        )
        .route(
            "/api/workstations",
            get(list_workstations).post(add_workstation),
        )
        .route("/api/units", get(list_units).post(add_unit))
        .route("/api/units/{id}", get(get_unit))
        .route("/api/units/{id}/status", post(unit_status))
        .route("/api/positions", post(report_positions))
        .route("/api/incidents", get(list_incidents).post(receive_call))
        .route("/api/incidents/{id}", get(get_incident))
        .route("/api/incidents/{id}/recommendation", get(recommendation))
        .route("/api/incidents/{id}/dispatch", post(dispatch_units))
        .route("/api/incidents/{id}/status", post(incident_status))
        .route("/api/incidents/{id}/notes", post(add_note))
        .route("/api/incidents/{id}/merge", post(merge_duplicate))
        .route("/api/incidents/{id}/eido", get(export_eido))
        .route("/api/cutoff", post(cutoff))
        .route("/api/kpis", get(read_kpis))
        .route("/api/audit", get(audit_log))
        .route("/api/feed", get(feed::upgrade))
        .fallback(crate::web::dashboard_or_not_found)
        .with_state(state)
}

pub(crate) async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(
        "route_not_found",
        format!(
            "no API route {}; the routes are listed at /api/openapi.json",
            uri.path()
        ),
    )
}

async fn health(State(state): State<AppState>) -> Reply {
    let core = state.read();
    let healthy = !state.is_poisoned();
    let body = json!({
        "status": if healthy { "ok" } else { "storage_failed" },
        "events": core.projection.last_seq,
        "units": core.projection.centre.n_units(),
        "incidents": core.projection.centre.n_incidents(),
    });
    let status = if healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Ok((status, Json(body)))
}

async fn openapi_document(_principal: Principal) -> Reply {
    ok(openapi::document())
}

/// A position as clients send it: WGS-84 unless `system` says GCJ-02 or BD-09.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointInput {
    pub lon: f64,
    pub lat: f64,
    #[serde(default)]
    pub system: CoordinateSystem,
}

impl PointInput {
    pub fn to_wgs84(self, what: &str) -> Result<LonLat, ApiError> {
        let point = LonLat::new(self.lon, self.lat).map_err(|error| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_position",
                format!("{what}: {error}"),
            )
        })?;
        Ok(self.system.to_wgs84(point))
    }
}

fn parse_incident_id(text: &str) -> Result<IncidentId, ApiError> {
    text.parse::<u64>().map(IncidentId).map_err(|_| {
        ApiError::bad_request(
            "invalid_id",
            format!("'{text}' is not an incident id; incident ids are positive integers"),
        )
    })
}

fn off_map(error: TravelError) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "off_map",
        error.to_string(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenInput {
    role: Role,
    #[serde(default)]
    jurisdiction: Option<JurisdictionId>,
    label: String,
}

async fn issue_token(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<TokenInput>,
) -> Reply {
    principal.require(Need::Administer)?;
    validate::line("token label", &input.label)?;
    let token = new_token();
    let token_hash = hash_token(&token);
    let (_, ()) = state
        .commit(&principal.label, |projection| {
            match (&input.role, &input.jurisdiction) {
                (Role::WorkstationOfficer, None) => {
                    return Err(ApiError::bad_request(
                        "invalid_token_request",
                        "a workstation_officer token needs the jurisdiction it may act in",
                    ))
                }
                (_, Some(id)) if projection.centre.jurisdictions().get(id).is_none() => {
                    return Err(ApiError::not_found(
                        "jurisdiction_not_found",
                        format!(
                            "jurisdiction '{id}' does not exist; create it first or check the id"
                        ),
                    ))
                }
                _ => {}
            }
            Ok((
                Change::TokenIssued {
                    token_hash: token_hash.clone(),
                    role: input.role,
                    jurisdiction: input.jurisdiction.clone(),
                    label: input.label.clone(),
                },
                (),
            ))
        })
        .await?;
    created(json!({
        "token": token,
        "role": input.role,
        "jurisdiction": input.jurisdiction,
        "label": input.label,
    }))
}

async fn list_jurisdictions(State(state): State<AppState>, principal: Principal) -> Reply {
    principal.require(Need::Read)?;
    let core = state.read();
    let all: Vec<&Jurisdiction> = core.projection.centre.jurisdictions().iter().collect();
    ok(json!(all))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JurisdictionInput {
    id: JurisdictionId,
    name: String,
    level: JurisdictionLevel,
    #[serde(default)]
    parent: Option<JurisdictionId>,
    /// The outer ring as [lon, lat] pairs, WGS-84.
    area: Vec<[f64; 2]>,
}

async fn add_jurisdiction(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<JurisdictionInput>,
) -> Reply {
    principal.require(Need::Configure)?;
    validate::id("jurisdiction id", input.id.as_str())?;
    validate::line("jurisdiction name", &input.name)?;
    let ring = input
        .area
        .iter()
        .enumerate()
        .map(|(index, [lon, lat])| {
            LonLat::new(*lon, *lat).map_err(|error| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_area",
                    format!("area corner {index}: {error}"),
                )
            })
        })
        .collect::<Result<Vec<LonLat>, ApiError>>()?;
    validate::simple_ring(&ring)?;
    let area = Area::new(ring).map_err(|error| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_area",
            error.to_string(),
        )
    })?;
    let jurisdiction = Jurisdiction {
        id: input.id,
        name: input.name,
        level: input.level,
        parent: input.parent,
        area,
    };
    let (event, ()) = state
        .commit(&principal.label, |projection| {
            let siblings = projection.centre.jurisdictions().iter().filter(|other| {
                other.parent == jurisdiction.parent && other.id != jurisdiction.id
            });
            for sibling in siblings {
                if validate::rings_overlap(sibling.area.ring(), jurisdiction.area.ring()) {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "overlapping_area",
                        format!(
                            "the area of jurisdiction '{}' overlaps that of '{}', which has the same parent; siblings may share edges but not area",
                            jurisdiction.id, sibling.id
                        ),
                    ));
                }
            }
            Ok((
                Change::JurisdictionAdded {
                    jurisdiction: jurisdiction.clone(),
                },
                (),
            ))
        })
        .await?;
    created(json!({"jurisdiction": jurisdiction, "seq": event.seq}))
}

async fn list_workstations(State(state): State<AppState>, principal: Principal) -> Reply {
    principal.require(Need::Read)?;
    let core = state.read();
    let all: Vec<&Workstation> = core.projection.centre.workstations().collect();
    ok(json!(all))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkstationInput {
    id: WorkstationId,
    name: String,
    category: WorkstationCategory,
    location: PointInput,
    #[serde(default)]
    jurisdiction: Option<JurisdictionId>,
    #[serde(default)]
    staffing: u32,
}

async fn add_workstation(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<WorkstationInput>,
) -> Reply {
    principal.require(Need::Configure)?;
    validate::id("workstation id", input.id.as_str())?;
    validate::line("workstation name", &input.name)?;
    let location = input.location.to_wgs84("workstation location")?;
    // The same limit as calls: a workstation off the road network can send no unit anywhere.
    state
        .shared
        .travel
        .table(Profile::Car, &[], &[location])
        .map_err(|error| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "off_map",
                format!("workstation '{}': {error}", input.id),
            )
        })?;
    let workstation = Workstation {
        location,
        id: input.id,
        name: input.name,
        category: input.category,
        jurisdiction: input.jurisdiction,
        staffing: input.staffing,
    };
    state
        .commit(&principal.label, |_| {
            Ok((
                Change::WorkstationAdded {
                    workstation: workstation.clone(),
                },
                (),
            ))
        })
        .await?;
    created(json!(workstation))
}

fn visible_units<'a>(
    centre: &'a CommandCentre,
    principal: &'a Principal,
) -> impl Iterator<Item = &'a Unit> + 'a {
    centre
        .units()
        .filter(move |unit| principal.may_see_unit(centre, unit))
}

async fn list_units(State(state): State<AppState>, principal: Principal) -> Reply {
    principal.require(Need::Read)?;
    let core = state.read();
    let units: Vec<&Unit> = visible_units(&core.projection.centre, &principal).collect();
    ok(json!(units))
}

async fn get_unit(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Reply {
    principal.require(Need::Read)?;
    let core = state.read();
    let centre = &core.projection.centre;
    let unit = centre.unit(&UnitId(id))?;
    principal.check_unit(centre, unit)?;
    ok(json!(unit))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitInput {
    id: UnitId,
    name: String,
    kind: UnitKind,
    home: WorkstationId,
    #[serde(default)]
    profile: Option<Profile>,
    #[serde(default)]
    capabilities: Vec<Capability>,
}

async fn add_unit(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<UnitInput>,
) -> Reply {
    principal.require(Need::Configure)?;
    validate::id("unit id", input.id.as_str())?;
    validate::line("unit name", &input.name)?;
    let mut unit = Unit::new(
        input.id,
        input.name,
        input.kind,
        input.home,
        input.capabilities,
    );
    if let Some(profile) = input.profile {
        unit.profile = profile;
    }
    let (_, unit) = state
        .commit(&principal.label, |_| {
            Ok((Change::UnitAdded { unit: unit.clone() }, unit.id.clone()))
        })
        .await?;
    let core = state.read();
    created(json!(core.projection.centre.unit(&unit)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitStatusInput {
    status: UnitStatus,
}

async fn unit_status(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<UnitStatusInput>,
) -> Reply {
    principal.require(Need::Operate)?;
    let unit_id = UnitId(id);
    state
        .commit(&principal.label, |projection| {
            let centre = &projection.centre;
            principal.check_unit(centre, centre.unit(&unit_id)?)?;
            Ok((
                Change::UnitStatusChanged {
                    unit: unit_id.clone(),
                    to: input.status,
                },
                (),
            ))
        })
        .await?;
    let core = state.read();
    ok(json!(core.projection.centre.unit(&unit_id)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PositionInput {
    unit: UnitId,
    lon: f64,
    lat: f64,
    #[serde(default)]
    system: CoordinateSystem,
    /// Milliseconds since the Unix epoch; the server's time when absent.
    #[serde(default)]
    at: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PositionsInput {
    positions: Vec<PositionInput>,
}

/// A fix may be dated at most this far ahead of the server's clock, for devices whose clocks run
/// a little fast. A unit keeps its newest fix, so a fix dated far ahead would hide every real one
/// that follows until that date.
pub const MAX_FIX_AHEAD: Seconds = Seconds(30.0);

/// Turns a reported position into a change, or says what is wrong with it.
pub fn position_change(
    unit: UnitId,
    point: PointInput,
    at: Option<i64>,
) -> Result<Change, ApiError> {
    let wgs84 = point.to_wgs84(&format!("position of unit '{unit}'"))?;
    let now = clock::now();
    let at = match at {
        None => now,
        Some(at) if at < 0 => {
            return Err(ApiError::bad_request(
                "invalid_position",
                format!("the fix of unit '{unit}' is dated {at}, before 1970; give \"at\" in milliseconds since 1970-01-01 UTC, or leave it out for the server's time"),
            ))
        }
        Some(at) if Timestamp(at).seconds_since(now).0 > MAX_FIX_AHEAD.0 => {
            return Err(ApiError::bad_request(
                "position_in_future",
                format!(
                    "the fix of unit '{unit}' is dated {at} ms, {:.0} s ahead of the server's clock ({}); fixes may be at most {} s ahead: check the device's clock, or leave \"at\" out for the server's time",
                    Timestamp(at).seconds_since(now).0,
                    now.0,
                    MAX_FIX_AHEAD.0
                ),
            ))
        }
        Some(at) => Timestamp(at),
    };
    Ok(Change::PositionReported {
        unit,
        fix: PositionFix { point: wgs84, at },
    })
}

async fn report_positions(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<PositionsInput>,
) -> Reply {
    principal.require(Need::Operate)?;
    let mut results: Vec<Option<Result<(), ApiError>>> = Vec::new();
    let mut changes = Vec::new();
    {
        let core = state.read();
        let centre = &core.projection.centre;
        for position in &input.positions {
            let checked = centre
                .unit(&position.unit)
                .map_err(ApiError::from)
                .and_then(|unit| principal.check_unit(centre, unit))
                .and_then(|()| {
                    position_change(
                        position.unit.clone(),
                        PointInput {
                            lon: position.lon,
                            lat: position.lat,
                            system: position.system,
                        },
                        position.at,
                    )
                });
            match checked {
                Ok(change) => {
                    changes.push(change);
                    results.push(None);
                }
                Err(error) => results.push(Some(Err(error))),
            }
        }
    }
    let mut committed = state
        .commit_batch(&principal.label, changes)
        .await?
        .into_iter();
    let mut n_accepted = 0;
    let items: Vec<Value> = input
        .positions
        .iter()
        .zip(results)
        .map(|(position, early)| {
            let result = early
                .unwrap_or_else(|| committed.next().expect("one result per change").map(|_| ()));
            match result {
                Ok(()) => {
                    n_accepted += 1;
                    json!({"unit": position.unit, "accepted": true})
                }
                Err(error) => json!({"unit": position.unit, "accepted": false,
                    "error": {"code": error.code, "message": error.message}}),
            }
        })
        .collect();
    ok(json!({"accepted": n_accepted, "rejected": items.len() - n_accepted, "results": items}))
}

#[derive(Deserialize)]
struct IncidentQuery {
    #[serde(default)]
    open: Option<bool>,
}

async fn list_incidents(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<IncidentQuery>,
) -> Reply {
    principal.require(Need::Read)?;
    let core = state.read();
    let centre = &core.projection.centre;
    let incidents: Vec<&dispatch::Incident> = centre
        .incidents()
        .filter(|incident| principal.may_see_incident(centre, incident))
        .filter(|incident| query.open != Some(true) || incident.status.is_open())
        .collect();
    ok(json!(incidents))
}

async fn get_incident(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Reply {
    principal.require(Need::Read)?;
    let id = parse_incident_id(&id)?;
    let core = state.read();
    let centre = &core.projection.centre;
    let incident = centre.incident(id)?;
    principal.check_incident(centre, incident)?;
    ok(json!(incident))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallInput {
    category: IncidentCategory,
    priority: Priority,
    location: PointInput,
    #[serde(default)]
    address: String,
    #[serde(default)]
    caller: dispatch::Caller,
    #[serde(default)]
    notes: String,
}

async fn receive_call(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<CallInput>,
) -> Reply {
    principal.require(Need::Operate)?;
    validate::line("address", &input.address)?;
    validate::line("caller name", &input.caller.name)?;
    validate::line("caller phone", &input.caller.phone)?;
    validate::note("notes", &input.notes)?;
    let location = input.location.to_wgs84("call location")?;
    state
        .shared
        .travel
        .table(Profile::Car, &[], &[location])
        .map_err(off_map)?;
    let call = Call {
        category: input.category,
        priority: input.priority,
        location,
        address: input.address,
        caller: input.caller,
        notes: input.notes,
    };
    let now = clock::now();
    let (_, (id, duplicates)) = state
        .commit(&principal.label, |projection| {
            let centre = &projection.centre;
            if let Role::WorkstationOfficer = principal.role {
                let own = principal
                    .jurisdiction
                    .clone()
                    .unwrap_or(JurisdictionId::from(""));
                if !centre.jurisdictions().covers(&own, location) {
                    return Err(ApiError::forbidden(
                        "outside_jurisdiction",
                        format!("{location} lies outside jurisdiction '{own}' of this token"),
                    ));
                }
            }
            let id = centre.next_incident_id();
            let duplicates: Vec<IncidentId> = centre
                .possible_duplicates(&call, now)
                .into_iter()
                .filter(|duplicate| {
                    centre
                        .incident(*duplicate)
                        .is_ok_and(|incident| principal.may_see_incident(centre, incident))
                })
                .collect();
            Ok((
                Change::CallReceived {
                    incident: id,
                    call: call.clone(),
                },
                (id, duplicates),
            ))
        })
        .await?;
    let core = state.read();
    created(json!({
        "incident": core.projection.centre.incident(id)?,
        "possible_duplicates": duplicates,
    }))
}

/// Ranks units for an incident on a copy of the state, off the lock and off the async workers, so
/// that one ranking never holds up other requests.
async fn rank_units(
    state: &AppState,
    principal: &Principal,
    id: IncidentId,
) -> Result<Recommendation, ApiError> {
    let (incident, units) = {
        let core = state.read();
        let centre = &core.projection.centre;
        let incident = centre.incident(id)?;
        principal.check_incident(centre, incident)?;
        let units: Vec<Unit> = visible_units(centre, principal)
            .map(|unit| Unit {
                history: Vec::new(),
                id: unit.id.clone(),
                name: String::new(),
                kind: unit.kind,
                profile: unit.profile,
                home: unit.home.clone(),
                capabilities: unit.capabilities.clone(),
                status: unit.status,
                position: unit.position,
                incident: unit.incident,
            })
            .collect();
        (incident.clone(), units)
    };
    let travel = state.shared.travel.clone();
    // As many rankings at once as there are cores: more would only share them out slower.
    let _permit = state
        .shared
        .rankings
        .acquire()
        .await
        .expect("the semaphore is never closed");
    tokio::task::spawn_blocking(move || recommend(&incident, &units, travel.as_ref(), clock::now()))
        .await
        .expect("ranking does not panic")
        .map_err(ApiError::from)
}

async fn recommendation(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<axum::response::Response, ApiError> {
    principal.require(Need::Read)?;
    let id = parse_incident_id(&id)?;
    let ranking = Arc::new(rank_units(&state, &principal, id).await?);
    state.remember_shown(&principal.label, ranking.clone(), clock::now());
    // Straight to bytes: a ranking of a thousand units is too big to build as a JSON tree first.
    Ok(Json(&*ranking).into_response())
}

/// The ranking as the audit log keeps it: every unit's place, ETA, distance and fix age, what was
/// proposed and what could not be filled, and why each excluded unit was. The reasons shown to
/// the dispatcher are written from exactly these.
fn audit_ranking(ranking: &Recommendation) -> Value {
    let ranked: Vec<Value> = ranking
        .ranked
        .iter()
        .map(|candidate| {
            json!({
                "unit": candidate.unit,
                "eta": candidate.eta,
                "distance": candidate.distance,
                "fix_age": candidate.fix_age,
                "proposed_as": candidate.proposed_as,
            })
        })
        .collect();
    let excluded: Vec<Value> = ranking
        .excluded
        .iter()
        .map(|excluded| json!({"unit": excluded.unit, "why": excluded.exclusion.code()}))
        .collect();
    json!({
        "plan": ranking.plan.describe(),
        "ranked": ranked,
        "proposed": ranking.proposed,
        "unfilled": ranking.unfilled,
        "excluded": excluded,
    })
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DispatchInput {
    /// The units to send; the recommendation's proposal when absent.
    #[serde(default)]
    units: Option<Vec<UnitId>>,
}

async fn dispatch_units(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Reply {
    principal.require(Need::Operate)?;
    let id = parse_incident_id(&id)?;
    let input: DispatchInput = if body.iter().all(u8::is_ascii_whitespace) {
        DispatchInput::default()
    } else {
        serde_json::from_slice(&body).map_err(|error| {
            ApiError::bad_request(
                "malformed_json",
                format!("the dispatch body is not valid: {error}; send {{\"units\": [\"unit id\", ...]}} or nothing"),
            )
        })?
    };
    // The ranking is what the dispatcher saw; the dispatch itself is checked again on the state
    // under the lock, so a unit taken meanwhile is refused, not sent twice.
    let ranking = match state.take_shown(&principal.label, id, clock::now()) {
        Some(shown) => shown,
        None => Arc::new(rank_units(&state, &principal, id).await?),
    };
    let ranking_record = audit_ranking(&ranking);
    let (event, units) = state
        .commit(&principal.label, |projection| {
            let centre = &projection.centre;
            let incident = centre.incident(id)?;
            principal.check_incident(centre, incident)?;
            let units = match &input.units {
                Some(units) => units.clone(),
                None if ranking.proposed.is_empty() => {
                    return Err(ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "no_unit_available",
                        format!(
                        "no free unit fills the plan for incident {id} ({}); name units to send",
                        ranking.plan.describe()
                    ),
                    ))
                }
                None => ranking.proposed.clone(),
            };
            for unit_id in &units {
                principal.check_unit(centre, centre.unit(unit_id)?)?;
            }
            Ok((
                Change::UnitsDispatched {
                    incident: id,
                    units: units.clone(),
                    ranking: ranking_record.clone(),
                },
                units,
            ))
        })
        .await?;
    let core = state.read();
    ok(json!({
        "incident": core.projection.centre.incident(id)?,
        "dispatched": units,
        "audit_seq": event.seq,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IncidentStatusInput {
    status: IncidentStatus,
}

async fn incident_status(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<IncidentStatusInput>,
) -> Reply {
    principal.require(Need::Operate)?;
    let id = parse_incident_id(&id)?;
    state
        .commit(&principal.label, |projection| {
            let centre = &projection.centre;
            principal.check_incident(centre, centre.incident(id)?)?;
            Ok((
                Change::IncidentStatusChanged {
                    incident: id,
                    to: input.status,
                },
                (),
            ))
        })
        .await?;
    let core = state.read();
    ok(json!(core.projection.centre.incident(id)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteInput {
    text: String,
}

async fn add_note(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NoteInput>,
) -> Reply {
    principal.require(Need::Operate)?;
    let id = parse_incident_id(&id)?;
    validate::note("note text", &input.text)?;
    state
        .commit(&principal.label, |projection| {
            let centre = &projection.centre;
            principal.check_incident(centre, centre.incident(id)?)?;
            Ok((
                Change::NoteAdded {
                    incident: id,
                    text: input.text.clone(),
                },
                (),
            ))
        })
        .await?;
    let core = state.read();
    created(json!(core.projection.centre.incident(id)?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeInput {
    duplicate: IncidentId,
}

async fn merge_duplicate(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MergeInput>,
) -> Reply {
    principal.require(Need::Operate)?;
    let id = parse_incident_id(&id)?;
    state
        .commit(&principal.label, |projection| {
            let centre = &projection.centre;
            principal.check_incident(centre, centre.incident(id)?)?;
            principal.check_incident(centre, centre.incident(input.duplicate)?)?;
            Ok((
                Change::DuplicateMerged {
                    primary: id,
                    duplicate: input.duplicate,
                },
                (),
            ))
        })
        .await?;
    let core = state.read();
    ok(json!(core.projection.centre.incident(id)?))
}

async fn export_eido(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<String>,
) -> Reply {
    principal.require(Need::Read)?;
    let id = parse_incident_id(&id)?;
    let core = state.read();
    let centre = &core.projection.centre;
    let incident = centre.incident(id)?;
    principal.check_incident(centre, incident)?;
    ok(eido::document(
        centre,
        incident,
        clock::now(),
        |unit| principal.may_see_unit(centre, unit),
        |incident| principal.may_see_incident(centre, incident),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CutoffInput {
    last_seen: PointInput,
    minutes_since: f64,
    horizon_minutes: f64,
    #[serde(default = "car")]
    profile: Profile,
}

fn car() -> Profile {
    Profile::Car
}

async fn cutoff(
    State(state): State<AppState>,
    principal: Principal,
    ApiJson(input): ApiJson<CutoffInput>,
) -> Reply {
    principal.require(Need::Operate)?;
    if !(input.minutes_since.is_finite()
        && input.minutes_since >= 0.0
        && input.minutes_since <= 60.0)
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_cutoff",
            format!(
                "minutes_since is {}; give 0 to 60 minutes",
                input.minutes_since
            ),
        ));
    }
    if !(input.horizon_minutes.is_finite()
        && input.horizon_minutes > 0.0
        && input.horizon_minutes <= 30.0)
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_cutoff",
            format!(
                "horizon_minutes is {}; give more than 0 and at most 30 minutes",
                input.horizon_minutes
            ),
        ));
    }
    let request = CutoffRequest::new(
        input.last_seen.to_wgs84("last seen position")?,
        Seconds::from_minutes(input.minutes_since),
        Seconds::from_minutes(input.horizon_minutes),
        input.profile,
    );
    let core = state.read();
    let centre = &core.projection.centre;
    let plan = plan_cutoff(
        &request,
        visible_units(centre, &principal),
        state.shared.travel.as_ref(),
    )?;
    ok(json!(plan))
}

#[derive(Deserialize)]
struct KpiQuery {
    #[serde(default)]
    group: Option<String>,
}

async fn read_kpis(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<KpiQuery>,
) -> Reply {
    principal.require(Need::Analyse)?;
    let grouping = match query.group.as_deref().unwrap_or("priority") {
        "priority" => KpiGrouping::Priority,
        "workstation" => KpiGrouping::Workstation,
        "grid" => KpiGrouping::Grid,
        other => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("group '{other}' is not known: use priority, workstation or grid"),
            ))
        }
    };
    let core = state.read();
    ok(json!({"group": grouping, "rows": kpis(&core.projection.centre, grouping)}))
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

async fn audit_log(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Reply {
    principal.require(Need::Analyse)?;
    let events = state
        .shared
        .log
        .read(
            Some("units_dispatched"),
            query.after.unwrap_or(0),
            query.limit.unwrap_or(100).clamp(1, 1000),
        )
        .await
        .map_err(|error| {
            eprintln!("pingan: reading the audit log failed: {error}");
            ApiError::storage_failed()
        })?;
    let entries: Vec<Value> = events
        .iter()
        .map(|event| {
            let (incident, units, ranking) = match &event.change {
                Change::UnitsDispatched {
                    incident,
                    units,
                    ranking,
                } => (json!(incident), json!(units), ranking.clone()),
                _ => (Value::Null, Value::Null, Value::Null),
            };
            json!({
                "seq": event.seq,
                "at": clock::rfc3339(event.at),
                "by": event.actor,
                "incident": incident,
                "chosen": units,
                "ranking_shown": ranking,
            })
        })
        .collect();
    ok(json!(entries))
}
