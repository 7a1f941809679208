//! The OpenAPI 3.1 document served at /api/openapi.json. Hand-written from one table of routes;
//! a test compares it with the committed `openapi.json` so that drift is caught in review.

use crate::validate;
use serde_json::{json, Map, Value};

struct Operation {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    roles: &'static str,
    body: Option<&'static str>,
    /// The success status and the schema of its body: a component name, `[Name]` for an array.
    answer: (u16, &'static str),
    public: bool,
}

const fn op(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    roles: &'static str,
    body: Option<&'static str>,
    answer: (u16, &'static str),
) -> Operation {
    Operation {
        method,
        path,
        summary,
        roles,
        body,
        answer,
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
        answer: (200, "Health"),
        public: true,
    },
    op("get", "/api/openapi.json", "This document", ALL_ROLES, None, (200, "OpenApiDocument")),
    op("post", "/api/tokens", "Issue an API token with a role (shown once)", "admin", Some("TokenRequest"), (201, "TokenIssued")),
    op("get", "/api/jurisdictions", "The jurisdiction tree", ALL_ROLES, None, (200, "[Jurisdiction]")),
    op("post", "/api/jurisdictions", "Add a police station, workstation, police office or patrol grid", CONFIGURERS, Some("JurisdictionInput"), (201, "JurisdictionAdded")),
    op("get", "/api/workstations", "Workstations", ALL_ROLES, None, (200, "[Workstation]")),
    op("post", "/api/workstations", "Add a workstation", CONFIGURERS, Some("WorkstationInput"), (201, "Workstation")),
    op("get", "/api/units", "Units with status and latest position", ALL_ROLES, None, (200, "[Unit]")),
    op("post", "/api/units", "Add a unit", CONFIGURERS, Some("UnitInput"), (201, "Unit")),
    op("get", "/api/units/{id}", "One unit", ALL_ROLES, None, (200, "Unit")),
    op("post", "/api/units/{id}/status", "Change a unit's status (validated lifecycle)", OPERATORS, Some("UnitStatusInput"), (200, "Unit")),
    op("post", "/api/positions", "Report unit positions in a batch (WGS-84, GCJ-02 or BD-09); each item is accepted or refused on its own, e.g. a fix dated more than 30 s ahead of the server's clock (position_in_future)", OPERATORS, Some("PositionsInput"), (200, "PositionsResult")),
    op("get", "/api/incidents", "Incidents (?open=true for open ones)", ALL_ROLES, None, (200, "[Incident]")),
    op("post", "/api/incidents", "Receive a call; answers with the incident and possible duplicates", OPERATORS, Some("CallInput"), (201, "CallReceived")),
    op("get", "/api/incidents/{id}", "One incident", ALL_ROLES, None, (200, "Incident")),
    op("get", "/api/incidents/{id}/recommendation", "Every eligible unit ranked by road ETA, the proposal and the excluded units with reasons", ALL_ROLES, None, (200, "Recommendation")),
    op("post", "/api/incidents/{id}/dispatch", "Dispatch units (the proposal when none are named); recorded in the audit log with the ranking", OPERATORS, Some("DispatchInput"), (200, "Dispatched")),
    op("post", "/api/incidents/{id}/status", "Change an incident's status (validated lifecycle)", OPERATORS, Some("IncidentStatusInput"), (200, "Incident")),
    op("post", "/api/incidents/{id}/notes", "Add a note", OPERATORS, Some("NoteInput"), (201, "Incident")),
    op("post", "/api/incidents/{id}/merge", "Merge a duplicate call into this incident", OPERATORS, Some("MergeInput"), (200, "Incident")),
    op("get", "/api/incidents/{id}/eido", "The incident as a NENA EIDO JSON document", ALL_ROLES, None, (200, "EidoDocument")),
    op("post", "/api/cutoff", "Cut-off plan (围堵) for a fleeing vehicle", OPERATORS, Some("CutoffInput"), (200, "CutoffPlan")),
    op("get", "/api/kpis", "Response KPIs (?group=priority|workstation|grid)", ANALYSTS, None, (200, "KpiReport")),
    op("get", "/api/audit", "Dispatch decisions: ranking shown, units chosen, by whom (?after=SEQ&limit=N)", ANALYSTS, None, (200, "[AuditEntry]")),
    op("get", "/api/feed", "WebSocket live feed of every change (token as Bearer header or ?token=)", ALL_ROLES, None, (101, "FeedMessage")),
    op("get", "/api/places", "Key places, must-visit points and must-patrol lines as GeoJSON", ALL_ROLES, None, (200, "FeatureCollection")),
    op("post", "/api/places", "Add a key place, must-visit point (point) or must-patrol line (line)", CONFIGURERS, Some("PlaceInput"), (201, "Feature")),
    op("get", "/api/map", "The command map's city: name, bounds and centre (servers started with a road network)", ALL_ROLES, None, (200, "MapMeta")),
    op("get", "/tiles/{z}/{x}/{y}.pbf", "The offline base map: a Mapbox vector tile (layers roads, water, waterway)", ALL_ROLES, None, (200, VECTOR_TILE)),
    op("get", "/api/circles", "Every workstation's rapid-response circles by road as GeoJSON (?minutes=1,3,5: up to 5 whole minutes from 1 to 15)", ALL_ROLES, None, (200, "FeatureCollection")),
];

/// The answer of the tile route: bytes, not JSON.
pub const VECTOR_TILE: &str = "application/vnd.mapbox-vector-tile";

fn point_schema() -> Value {
    json!({"type": "object", "required": ["lon", "lat"], "properties": {
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "system": {"type": "string", "enum": ["wgs84", "gcj02", "bd09"], "default": "wgs84"}}})
}

/// An id as [`validate::id`] takes it.
fn id() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": validate::MAX_ID_CHARS, "description": validate::ID_RULE})
}

/// One line of printable text (no control characters).
fn line() -> Value {
    json!({"type": "string", "maxLength": validate::MAX_NAME_CHARS, "description": "one line, no control characters"})
}

/// Text that may hold line breaks and tabs, but no other control characters.
fn note() -> Value {
    json!({"type": "string", "maxLength": validate::MAX_NOTE_CHARS, "description": "no control characters but line breaks and tabs"})
}

/// The bodies clients send.
fn schemas() -> Value {
    let unit_kinds = json!(UNIT_KINDS);
    let unit_statuses = json!(UNIT_STATUSES);
    let incident_statuses = json!(INCIDENT_STATUSES);
    json!({
        "Point": point_schema(),
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "examples": ["unit_not_found", "invalid_transition", "off_map", "malformed_json", "unauthorized", "outside_jurisdiction", "invalid_id", "invalid_text", "invalid_query", "method_not_allowed", "payload_too_large"]},
                "message": {"type": "string"}}}}},
        "TokenRequest": {"type": "object", "required": ["role", "label"], "properties": {
            "role": {"type": "string", "enum": ["admin", "dispatcher", "workstation_officer", "analyst"]},
            "jurisdiction": {"type": "string"}, "label": line()}},
        "JurisdictionInput": {"type": "object", "required": ["id", "name", "level", "area"], "properties": {
            "id": id(), "name": line(),
            "level": {"type": "string", "enum": ["police_station", "workstation", "police_office", "patrol_grid"]},
            "parent": {"type": "string"},
            "area": {"type": "array", "minItems": 3, "maxItems": validate::MAX_AREA_CORNERS, "description": "a simple ring (its edges do not cross) that shares no area with its siblings", "items": {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}]}}}},
        "WorkstationInput": {"type": "object", "required": ["id", "name", "category", "location"], "properties": {
            "id": id(), "name": line(),
            "category": {"type": "string", "enum": ["counter_terror", "public_security_patrol"]},
            "location": {"$ref": "#/components/schemas/Point"},
            "jurisdiction": {"type": "string"}, "staffing": {"type": "integer", "minimum": 0}}},
        "UnitInput": {"type": "object", "required": ["id", "name", "kind", "home"], "properties": {
            "id": id(), "name": line(), "kind": {"type": "string", "enum": unit_kinds},
            "home": {"type": "string"}, "profile": {"type": "string", "enum": ["car", "motorcycle", "foot"]},
            "capabilities": {"type": "array", "items": {"type": "string", "enum": CAPABILITIES}}}},
        "UnitStatusInput": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": unit_statuses}}},
        "PositionsInput": {"type": "object", "required": ["positions"], "properties": {"positions": {"type": "array", "items": {
            "type": "object", "required": ["unit", "lon", "lat"], "properties": {
                "unit": {"type": "string"}, "lon": {"type": "number"}, "lat": {"type": "number"},
                "system": {"type": "string", "enum": ["wgs84", "gcj02", "bd09"]},
                "at": {"type": "integer", "minimum": 0, "description": "milliseconds since the Unix epoch, at most 30 s ahead of the server's clock; the server's time when absent"}}}}}},
        "CallInput": {"type": "object", "required": ["category", "priority", "location"], "properties": {
            "category": {"type": "string", "enum": ["criminal", "public_order", "traffic", "dispute", "assistance", "referral"]},
            "priority": {"type": "string", "enum": ["P1", "P2", "P3", "P4"]},
            "location": {"$ref": "#/components/schemas/Point"}, "address": line(),
            "caller": {"type": "object", "properties": {"name": line(), "phone": line()}},
            "notes": note()}},
        "DispatchInput": {"type": "object", "properties": {"units": {"type": "array", "items": {"type": "string"}}}},
        "IncidentStatusInput": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": incident_statuses}}},
        "NoteInput": {"type": "object", "required": ["text"], "properties": {"text": note()}},
        "MergeInput": {"type": "object", "required": ["duplicate"], "properties": {"duplicate": {"type": "integer"}}},
        "CutoffInput": {"type": "object", "required": ["last_seen", "minutes_since", "horizon_minutes"], "properties": {
            "last_seen": {"$ref": "#/components/schemas/Point"},
            "minutes_since": {"type": "number", "minimum": 0, "maximum": 60},
            "horizon_minutes": {"type": "number", "exclusiveMinimum": 0, "maximum": 30},
            "profile": {"type": "string", "enum": ["car", "motorcycle", "foot"], "default": "car"}}},
        "PlaceInput": {"type": "object", "required": ["id", "name", "kind"], "properties": {
            "id": id(), "name": line(),
            "kind": {"type": "string", "enum": ["crowded_place", "key_unit", "vital_site", "must_visit", "must_patrol"]},
            "point": {"$ref": "#/components/schemas/Point", "description": "every kind but must_patrol"},
            "line": {"type": "array", "minItems": 2, "maxItems": validate::MAX_LINE_POINTS, "items": {"$ref": "#/components/schemas/Point"}, "description": "must_patrol: the route"}}},
    })
}

/// An object whose every property is listed and required (`optional` ones may be absent).
fn record(properties: Value, optional: &[&str]) -> Value {
    let required: Vec<&String> = properties
        .as_object()
        .expect("properties are an object")
        .keys()
        .filter(|name| !optional.contains(&name.as_str()))
        .collect();
    json!({"type": "object", "required": required, "properties": properties, "additionalProperties": false})
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn nullable(schema: Value) -> Value {
    json!({"oneOf": [schema, {"type": "null"}]})
}

fn list(schema: Value) -> Value {
    json!({"type": "array", "items": schema})
}

fn text_enum(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

const UNIT_KINDS: &[&str] = &[
    "patrol_car",
    "armed_patrol_car",
    "swat_team",
    "traffic_motorcycle",
    "foot_patrol",
    "drone",
    "volunteer_patrol",
];
const UNIT_STATUSES: &[&str] = &[
    "available",
    "patrolling",
    "dispatched",
    "en_route",
    "on_scene",
    "returning",
    "out_of_service",
];
const INCIDENT_STATUSES: &[&str] = &["received", "dispatched", "on_scene", "closed", "cancelled"];
const CATEGORIES: &[&str] = &[
    "criminal",
    "public_order",
    "traffic",
    "dispute",
    "assistance",
    "referral",
];
const PRIORITIES: &[&str] = &["P1", "P2", "P3", "P4"];
const PROFILES: &[&str] = &["car", "motorcycle", "foot"];
const CAPABILITIES: &[&str] = &[
    "armed",
    "first_aid",
    "negotiation",
    "traffic_control",
    "police_dog",
    "aerial_view",
];

/// The bodies the server answers with. Times: `*_at` and `at` are milliseconds since the Unix
/// epoch unless the schema says date-time; durations are seconds, distances metres.
fn response_schemas() -> Value {
    let seconds = json!({"type": "number", "description": "seconds"});
    let meters = json!({"type": "number", "description": "metres"});
    let millis = json!({"type": "integer", "description": "milliseconds since the Unix epoch"});
    let text = json!({"type": "string"});
    let count = json!({"type": "integer", "minimum": 0});
    let status_change =
        |statuses: &[&str]| record(json!({"to": text_enum(statuses), "at": millis}), &[]);
    let durations = record(
        json!({"n": count, "median": nullable(seconds.clone()), "p90": nullable(seconds.clone())}),
        &[],
    );
    let number = json!({"type": "number"});
    json!({
        "LonLat": record(json!({"lon": {"type": "number"}, "lat": {"type": "number"}}), &[]),
        "MapMeta": record(json!({
            "name": text,
            "bounds": {"type": "array", "items": number, "minItems": 4, "maxItems": 4, "description": "west, south, east, north in degrees"},
            "center": {"type": "array", "items": number, "minItems": 2, "maxItems": 2},
            "max_zoom": count}), &[]),
        "Feature": record(json!({
            "type": text_enum(&["Feature"]),
            "geometry": {"type": "object", "required": ["type", "coordinates"], "properties": {
                "type": text_enum(&["Point", "LineString", "MultiPolygon"]), "coordinates": {"type": "array"}}},
            "properties": {"type": "object", "description": "places: id, name, kind; circles: workstation_id, workstation_name, minutes, road_km"}}), &[]),
        "FeatureCollection": record(json!({
            "type": text_enum(&["FeatureCollection"]), "features": list(reference("Feature"))}), &[]),
        "Health": record(json!({
            "status": text_enum(&["ok", "storage_failed"]),
            "events": {"type": "integer", "description": "the sequence number of the last event in this server's state"},
            "units": count, "incidents": count}), &[]),
        "OpenApiDocument": {"type": "object", "required": ["openapi", "paths", "components"]},
        "TokenIssued": record(json!({
            "token": {"type": "string", "description": "shown only in this answer; the server keeps its SHA-256"},
            "role": text_enum(&["admin", "dispatcher", "workstation_officer", "analyst"]),
            "jurisdiction": nullable(text.clone()), "label": text}), &[]),
        "Jurisdiction": record(json!({
            "id": text, "name": text,
            "level": text_enum(&["police_station", "workstation", "police_office", "patrol_grid"]),
            "parent": nullable(text.clone()),
            "area": {"type": "array", "items": reference("LonLat"), "description": "the outer ring, WGS-84"}}), &[]),
        "JurisdictionAdded": record(json!({"jurisdiction": reference("Jurisdiction"), "seq": {"type": "integer"}}), &[]),
        "Workstation": record(json!({
            "id": text, "name": text,
            "category": text_enum(&["counter_terror", "public_security_patrol"]),
            "location": reference("LonLat"), "jurisdiction": nullable(text.clone()), "staffing": count}), &[]),
        "PositionFix": record(json!({"point": reference("LonLat"), "at": millis}), &[]),
        "Unit": record(json!({
            "id": text, "name": text, "kind": text_enum(UNIT_KINDS), "profile": text_enum(PROFILES),
            "home": text, "capabilities": list(text_enum(CAPABILITIES)),
            "status": text_enum(UNIT_STATUSES),
            "position": nullable(reference("PositionFix")),
            "incident": nullable(json!({"type": "integer"})),
            "history": list(status_change(UNIT_STATUSES))}), &[]),
        "PositionsResult": record(json!({
            "accepted": count, "rejected": count,
            "results": list(record(json!({"unit": text, "accepted": {"type": "boolean"}, "error": reference("ErrorDetail")}), &["error"]))}), &[]),
        "ErrorDetail": record(json!({"code": text, "message": text}), &[]),
        "Incident": record(json!({
            "id": {"type": "integer"}, "category": text_enum(CATEGORIES), "priority": text_enum(PRIORITIES),
            "location": reference("LonLat"), "address": text,
            "callers": list(record(json!({"name": text, "phone": text}), &[])),
            "notes": list(record(json!({"at": millis, "text": text}), &[])),
            "status": text_enum(INCIDENT_STATUSES), "received_at": millis,
            "jurisdictions": {"type": "array", "items": text, "description": "police station first, patrol grid last"},
            "units": {"type": "array", "items": text, "description": "every unit ever sent, in dispatch order"},
            "merged_from": list(json!({"type": "integer"})),
            "merged_into": nullable(json!({"type": "integer"})),
            "history": list(status_change(INCIDENT_STATUSES))}), &[]),
        "CallReceived": record(json!({"incident": reference("Incident"), "possible_duplicates": list(json!({"type": "integer"}))}), &[]),
        "ResponsePlan": record(json!({
            "category": text_enum(CATEGORIES), "priority": text_enum(PRIORITIES),
            "requirements": list(record(json!({
                "label": text, "count": count,
                "accepts": {"type": "object", "description": "{\"kinds\": [unit kinds]} or {\"capability\": capability}"}}), &[]))}), &[]),
        "Candidate": record(json!({
            "unit": text, "kind": text_enum(UNIT_KINDS), "profile": text_enum(PROFILES),
            "status": text_enum(UNIT_STATUSES),
            "eta": {"type": "number", "description": "seconds by road from the latest position"},
            "distance": meters, "fix_age": seconds,
            "proposed_as": nullable(text.clone()), "reason": text}), &[]),
        "Excluded": record(json!({
            "unit": text, "kind": text_enum(UNIT_KINDS),
            "exclusion": {"type": "object", "required": ["why"], "properties": {
                "why": text_enum(&["busy", "not_called_for", "no_position", "off_map", "no_road", "incident_off_map"])}},
            "reason": text}), &[]),
        "Recommendation": record(json!({
            "incident": {"type": "integer"}, "plan": reference("ResponsePlan"),
            "ranked": {"type": "array", "items": reference("Candidate"), "description": "every eligible unit, nearest by road first"},
            "proposed": {"type": "array", "items": text, "description": "the units that fill the plan, in slot order"},
            "unfilled": {"type": "array", "items": text, "description": "plan slots no free unit could fill"},
            "excluded": list(reference("Excluded"))}), &[]),
        "Dispatched": record(json!({"incident": reference("Incident"), "dispatched": list(text.clone()), "audit_seq": {"type": "integer"}}), &[]),
        "EidoDocument": {"type": "object", "description": "NENA-STA-021 EIDO",
            "required": ["eidoVersion", "issuingElementIdentification", "agencyComponent", "incidentComponent", "locationComponent", "agentComponent"],
            "properties": {"eidoVersion": text, "issuingElementIdentification": {"type": "object"},
                "agencyComponent": {"type": "array"}, "incidentComponent": {"type": "object"},
                "locationComponent": {"type": "array"}, "agentComponent": {"type": "array"}}},
        "CutoffPlan": record(json!({
            "request": record(json!({"last_seen": reference("LonLat"), "elapsed": seconds, "horizon": seconds,
                "profile": text_enum(PROFILES), "max_checkpoints": count, "spacing": meters}), &[]),
            "checkpoints": list(record(json!({
                "point": reference("LonLat"),
                "vehicle_earliest": {"type": "number", "description": "seconds from now"},
                "assignment": nullable(record(json!({"unit": text, "kind": text_enum(UNIT_KINDS), "eta": seconds,
                    "margin": {"type": "number", "description": "seconds the unit arrives before the vehicle could"}}), &[]))}), &[])),
            "n_uncovered": count, "n_reachable_now": count}), &[]),
        "KpiReport": record(json!({
            "group": text_enum(&["priority", "workstation", "grid"]),
            "rows": list(record(json!({
                "group": text, "n_incidents": count,
                "call_to_dispatch": durations, "dispatch_to_arrival": durations, "call_to_arrival": durations,
                "within_1_min": nullable(json!({"type": "number"})), "within_3_min": nullable(json!({"type": "number"})),
                "within_5_min": nullable(json!({"type": "number"}))}), &[]))}), &[]),
        "AuditEntry": record(json!({
            "seq": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "by": text,
            "incident": {"type": "integer"}, "chosen": list(text.clone()),
            "ranking_shown": record(json!({
                "plan": text,
                "ranked": list(record(json!({"unit": text, "eta": seconds, "distance": meters, "fix_age": seconds, "proposed_as": nullable(text.clone())}), &[])),
                "proposed": list(text.clone()), "unfilled": list(text.clone()),
                "excluded": list(record(json!({"unit": text, "why": text}), &[]))}), &[])}), &[]),
        "FeedMessage": {"type": "object", "description": "{\"type\": \"hello\"}, then {\"type\": \"event\", \"seq\", \"at\", \"actor\", \"change\"} per change, or {\"type\": \"lagged\", \"missed\"}",
            "required": ["type"], "properties": {"type": text_enum(&["hello", "event", "lagged"])}},
    })
}

pub fn document() -> Value {
    let mut paths = Map::new();
    for operation in OPERATIONS {
        let (status, answer) = operation.answer;
        let answer_schema = match answer
            .strip_prefix('[')
            .and_then(|name| name.strip_suffix(']'))
        {
            Some(name) => list(reference(name)),
            None => reference(answer),
        };
        let content = if answer == VECTOR_TILE {
            json!({VECTOR_TILE: {"schema": {"type": "string", "format": "binary"}}})
        } else {
            json!({"application/json": {"schema": answer_schema}})
        };
        let mut responses = Map::new();
        responses.insert(
            status.to_string(),
            json!({"description": if status == 101 { "Switching to WebSocket; each message is a FeedMessage" } else { "OK" },
                   "content": content}),
        );
        responses.insert(
            "4XX".to_string(),
            json!({"description": "What is wrong with the request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
        let mut entry = json!({
            "summary": operation.summary,
            "description": format!("Roles: {}.", operation.roles),
            "responses": responses,
        });
        if operation.public {
            entry["security"] = json!([]);
        }
        let parameters: Vec<Value> = operation
            .path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .map(|name| {
                let schema = if name == "id" {
                    json!({"type": "string"})
                } else {
                    json!({"type": "integer", "minimum": 0})
                };
                json!({"name": name, "in": "path", "required": true, "schema": schema})
            })
            .collect();
        if !parameters.is_empty() {
            entry["parameters"] = json!(parameters);
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
            "description": "Calls, units, recommendation by road ETA, dispatch, live feed and KPIs. Errors, also 405, 413 and malformed query strings, are {\"error\": {\"code\", \"message\"}} with a stable code.",
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": all_schemas(),
        },
    })
}

fn all_schemas() -> Value {
    let mut all = schemas();
    let answers = response_schemas();
    for (name, schema) in answers.as_object().expect("schemas are an object") {
        all[name] = schema.clone();
    }
    all
}
