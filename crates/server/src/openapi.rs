//! The OpenAPI 3.1 document served at /api/openapi.json. Hand-written from one table of routes;
//! a test compares it with the committed `openapi.json` so that drift is caught in review.

use serde_json::{json, Map, Value};

struct Operation {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    roles: &'static str,
    body: Option<&'static str>,
    public: bool,
}

const fn op(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    roles: &'static str,
    body: Option<&'static str>,
) -> Operation {
    Operation {
        method,
        path,
        summary,
        roles,
        body,
        public: false,
    }
}

const ALL_ROLES: &str = "admin, dispatcher, workstation_officer (own jurisdiction), analyst";
const OPERATORS: &str = "admin, dispatcher, workstation_officer (own jurisdiction)";
const CONFIGURERS: &str = "admin, dispatcher";
const ANALYSTS: &str = "admin, dispatcher, analyst";

const OPERATIONS: &[Operation] = &[
    Operation {
        method: "get",
        path: "/api/health",
        summary: "Liveness and counts; the only route that needs no token",
        roles: "anyone",
        body: None,
        public: true,
    },
    op("get", "/api/openapi.json", "This document", ALL_ROLES, None),
    op("post", "/api/tokens", "Issue an API token with a role (shown once)", "admin", Some("TokenRequest")),
    op("get", "/api/jurisdictions", "The jurisdiction tree", ALL_ROLES, None),
    op("post", "/api/jurisdictions", "Add a police station, workstation, police office or patrol grid", CONFIGURERS, Some("JurisdictionInput")),
    op("get", "/api/workstations", "Workstations", ALL_ROLES, None),
    op("post", "/api/workstations", "Add a workstation", CONFIGURERS, Some("WorkstationInput")),
    op("get", "/api/units", "Units with status and latest position", ALL_ROLES, None),
    op("post", "/api/units", "Add a unit", CONFIGURERS, Some("UnitInput")),
    op("get", "/api/units/{id}", "One unit", ALL_ROLES, None),
    op("post", "/api/units/{id}/status", "Change a unit's status (validated lifecycle)", OPERATORS, Some("UnitStatusInput")),
    op("post", "/api/positions", "Report unit positions in a batch (WGS-84, GCJ-02 or BD-09)", OPERATORS, Some("PositionsInput")),
    op("get", "/api/incidents", "Incidents (?open=true for open ones)", ALL_ROLES, None),
    op("post", "/api/incidents", "Receive a call; answers with the incident and possible duplicates", OPERATORS, Some("CallInput")),
    op("get", "/api/incidents/{id}", "One incident", ALL_ROLES, None),
    op("get", "/api/incidents/{id}/recommendation", "Every eligible unit ranked by road ETA, the proposal and the excluded units with reasons", ALL_ROLES, None),
    op("post", "/api/incidents/{id}/dispatch", "Dispatch units (the proposal when none are named); recorded in the audit log with the ranking", OPERATORS, Some("DispatchInput")),
    op("post", "/api/incidents/{id}/status", "Change an incident's status (validated lifecycle)", OPERATORS, Some("IncidentStatusInput")),
    op("post", "/api/incidents/{id}/notes", "Add a note", OPERATORS, Some("NoteInput")),
    op("post", "/api/incidents/{id}/merge", "Merge a duplicate call into this incident", OPERATORS, Some("MergeInput")),
    op("get", "/api/incidents/{id}/eido", "The incident as a NENA EIDO JSON document", ALL_ROLES, None),
    op("post", "/api/cutoff", "Cut-off plan (围堵) for a fleeing vehicle", OPERATORS, Some("CutoffInput")),
    op("get", "/api/kpis", "Response KPIs (?group=priority|workstation|grid)", ANALYSTS, None),
    op("get", "/api/audit", "Dispatch decisions: ranking shown, units chosen, by whom (?after=SEQ&limit=N)", ANALYSTS, None),
    op("get", "/api/feed", "WebSocket live feed of every change (token as Bearer header or ?token=)", ALL_ROLES, None),
];

fn point_schema() -> Value {
    json!({"type": "object", "required": ["lon", "lat"], "properties": {
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "system": {"type": "string", "enum": ["wgs84", "gcj02", "bd09"], "default": "wgs84"}}})
}

fn schemas() -> Value {
    let unit_kinds = json!([
        "patrol_car",
        "armed_patrol_car",
        "swat_team",
        "traffic_motorcycle",
        "foot_patrol",
        "drone",
        "volunteer_patrol"
    ]);
    let unit_statuses = json!([
        "available",
        "patrolling",
        "dispatched",
        "en_route",
        "on_scene",
        "returning",
        "out_of_service"
    ]);
    let incident_statuses = json!(["received", "dispatched", "on_scene", "closed", "cancelled"]);
    json!({
        "Point": point_schema(),
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "examples": ["unit_not_found", "invalid_transition", "off_map", "malformed_json", "unauthorized", "outside_jurisdiction"]},
                "message": {"type": "string"}}}}},
        "TokenRequest": {"type": "object", "required": ["role", "label"], "properties": {
            "role": {"type": "string", "enum": ["admin", "dispatcher", "workstation_officer", "analyst"]},
            "jurisdiction": {"type": "string"}, "label": {"type": "string"}}},
        "JurisdictionInput": {"type": "object", "required": ["id", "name", "level", "area"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"},
            "level": {"type": "string", "enum": ["police_station", "workstation", "police_office", "patrol_grid"]},
            "parent": {"type": "string"},
            "area": {"type": "array", "minItems": 3, "items": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}]}}}},
        "WorkstationInput": {"type": "object", "required": ["id", "name", "category", "location"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"},
            "category": {"type": "string", "enum": ["counter_terror", "public_security_patrol"]},
            "location": {"$ref": "#/components/schemas/Point"},
            "jurisdiction": {"type": "string"}, "staffing": {"type": "integer", "minimum": 0}}},
        "UnitInput": {"type": "object", "required": ["id", "name", "kind", "home"], "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string", "enum": unit_kinds},
            "home": {"type": "string"}, "profile": {"type": "string", "enum": ["car", "motorcycle", "foot"]},
            "capabilities": {"type": "array", "items": {"type": "string", "enum": ["armed", "first_aid", "negotiation", "traffic_control", "police_dog", "aerial_view"]}}}},
        "UnitStatusInput": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": unit_statuses}}},
        "PositionsInput": {"type": "object", "required": ["positions"], "properties": {"positions": {"type": "array", "items": {
            "type": "object", "required": ["unit", "lon", "lat"], "properties": {
                "unit": {"type": "string"}, "lon": {"type": "number"}, "lat": {"type": "number"},
                "system": {"type": "string", "enum": ["wgs84", "gcj02", "bd09"]},
                "at": {"type": "integer", "description": "milliseconds since the Unix epoch"}}}}}},
        "CallInput": {"type": "object", "required": ["category", "priority", "location"], "properties": {
            "category": {"type": "string", "enum": ["criminal", "public_order", "traffic", "dispute", "assistance", "referral"]},
            "priority": {"type": "string", "enum": ["P1", "P2", "P3", "P4"]},
            "location": {"$ref": "#/components/schemas/Point"}, "address": {"type": "string"},
            "caller": {"type": "object", "properties": {"name": {"type": "string"}, "phone": {"type": "string"}}},
            "notes": {"type": "string"}}},
        "DispatchInput": {"type": "object", "properties": {"units": {"type": "array", "items": {"type": "string"}}}},
        "IncidentStatusInput": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": incident_statuses}}},
        "NoteInput": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        "MergeInput": {"type": "object", "required": ["duplicate"], "properties": {"duplicate": {"type": "integer"}}},
        "CutoffInput": {"type": "object", "required": ["last_seen", "minutes_since", "horizon_minutes"], "properties": {
            "last_seen": {"$ref": "#/components/schemas/Point"},
            "minutes_since": {"type": "number", "minimum": 0, "maximum": 60},
            "horizon_minutes": {"type": "number", "exclusiveMinimum": 0, "maximum": 30},
            "profile": {"type": "string", "enum": ["car", "motorcycle", "foot"], "default": "car"}}},
    })
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for operation in OPERATIONS {
        let mut entry = json!({
            "summary": operation.summary,
            "description": format!("Roles: {}.", operation.roles),
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {}}},
                "4XX": {"description": "What is wrong with the request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
        });
        if operation.public {
            entry["security"] = json!([]);
        }
        if operation.path.contains("{id}") {
            entry["parameters"] = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
        }
        if let Some(body) = operation.body {
            entry["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{body}")}}}});
        }
        let path = paths
            .entry(operation.path)
            .or_insert_with(|| Value::Object(Map::new()));
        path[operation.method] = entry;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "pingan dispatch server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Calls, units, recommendation by road ETA, dispatch, live feed and KPIs. Errors are {\"error\": {\"code\", \"message\"}} with a stable code.",
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas(),
        },
    })
}
