//! Every route's real answer, from the running server, against the response schema the served
//! OpenAPI document gives for it: each required property is there, no property is undocumented,
//! and types and enums hold. Every documented route is called once.

mod common;

use common::*;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The subset of JSON Schema the document uses: $ref, oneOf, type, enum, required, properties,
/// additionalProperties: false, items.
fn violations(schema: &Value, value: &Value, document: &Value, at: &str, found: &mut Vec<String>) {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| {
                panic!("{at}: only local schema references are used, not {reference}")
            });
        let target = &document["components"]["schemas"][name];
        assert!(
            target.is_object(),
            "{at}: {reference} is not in the document"
        );
        return violations(target, value, document, at, found);
    }
    if let Some(branches) = schema["oneOf"].as_array() {
        let fits = branches.iter().any(|branch| {
            let mut branch_found = Vec::new();
            violations(branch, value, document, at, &mut branch_found);
            branch_found.is_empty()
        });
        if !fits {
            found.push(format!("{at}: {value} fits none of {schema}"));
        }
        return;
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            other => panic!("{at}: type {other} is neither a name nor a list"),
        };
        let fits = types.iter().any(|name| match *name {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            other => panic!("{at}: unknown type {other}"),
        });
        if !fits {
            found.push(format!("{at}: {value} is not of type {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            found.push(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().unwrap();
            if !object.contains_key(name) {
                found.push(format!("{at}: the documented property '{name}' is missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (name, property) in object {
            match properties.and_then(|properties| properties.get(name)) {
                Some(property_schema) => violations(
                    property_schema,
                    property,
                    document,
                    &format!("{at}.{name}"),
                    found,
                ),
                None if schema["additionalProperties"] == json!(false) => {
                    found.push(format!("{at}: the property '{name}' is not documented"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(elements)) = (schema.get("items"), value.as_array()) {
        for (index, element) in elements.iter().enumerate() {
            violations(items, element, document, &format!("{at}[{index}]"), found);
        }
    }
}

/// Calls routes and checks each answer against the document.
struct Checker {
    api: Api,
    document: Value,
    checked: BTreeSet<(String, String)>,
}

impl Checker {
    /// The documented success status and schema of `method` on the route `template`.
    fn documented(&self, method: &str, template: &str) -> (u16, Value) {
        let responses = &self.document["paths"][template][method]["responses"];
        let (status, response) = responses
            .as_object()
            .unwrap_or_else(|| panic!("{method} {template} is not documented"))
            .iter()
            .find(|(status, _)| status.starts_with('1') || status.starts_with('2'))
            .unwrap_or_else(|| panic!("{method} {template} documents no success"));
        (
            status.parse().unwrap(),
            response["content"]["application/json"]["schema"].clone(),
        )
    }

    fn check(&mut self, method: &str, template: &str, status: StatusCode, body: &Value) {
        let (documented_status, schema) = self.documented(method, template);
        assert_eq!(
            status.as_u16(),
            documented_status,
            "{method} {template}: {body}"
        );
        let mut found = Vec::new();
        violations(&schema, body, &self.document, "body", &mut found);
        assert!(
            found.is_empty(),
            "{method} {template} answers outside its schema:\n{}",
            found.join("\n")
        );
        self.checked
            .insert((method.to_string(), template.to_string()));
    }

    async fn get(&mut self, template: &str, path: &str) -> Value {
        let (status, body) = self.api.get(path).await;
        self.check("get", template, status, &body);
        body
    }

    async fn post(&mut self, template: &str, path: &str, body: Value) -> Value {
        let (status, answer) = self.api.post(path, body).await;
        self.check("post", template, status, &answer);
        answer
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_fits_its_documented_schema() {
    let (directory, db) = temp_sqlite();
    let server = ServerProcess::start(&db, "", None);
    let admin = Api::new(&server.base, Some(ADMIN_TOKEN));
    let document = admin.ok(admin.get("/api/openapi.json").await);
    let mut checker = Checker {
        api: admin.clone(),
        document: document.clone(),
        checked: BTreeSet::new(),
    };
    checker.check("get", "/api/openapi.json", StatusCode::OK, &document);
    let (status, health) = Api::new(&server.base, None).get("/api/health").await;
    checker.check("get", "/api/health", status, &health);

    checker
        .post(
            "/api/jurisdictions",
            "/api/jurisdictions",
            json!({"id": "PS-Mitte", "name": "Polizeirevier Mitte", "level": "police_station",
                   "area": square(8.69, 49.41, 0.05)}),
        )
        .await;
    checker
        .post(
            "/api/jurisdictions",
            "/api/jurisdictions",
            json!({"id": "WS-East", "name": "Altstadt", "level": "workstation", "parent": "PS-Mitte",
                   "area": [[8.69, 49.36], [8.74, 49.36], [8.74, 49.46], [8.69, 49.46]]}),
        )
        .await;
    checker
        .get("/api/jurisdictions", "/api/jurisdictions")
        .await;
    checker
        .post(
            "/api/tokens",
            "/api/tokens",
            json!({"role": "workstation_officer", "jurisdiction": "WS-East", "label": "officer-1"}),
        )
        .await;
    checker
        .post(
            "/api/workstations",
            "/api/workstations",
            json!({"id": "WS-Altstadt", "name": "Altstadt", "category": "public_security_patrol",
                   "location": {"lon": 8.7035, "lat": 49.4108}, "jurisdiction": "WS-East", "staffing": 12}),
        )
        .await;
    checker.get("/api/workstations", "/api/workstations").await;
    for (id, kind) in [
        ("car-1", "patrol_car"),
        ("armed-1", "armed_patrol_car"),
        ("foot-1", "foot_patrol"),
    ] {
        checker
            .post(
                "/api/units",
                "/api/units",
                json!({"id": id, "name": id, "kind": kind, "home": "WS-Altstadt"}),
            )
            .await;
    }
    checker
        .post(
            "/api/positions",
            "/api/positions",
            json!({"positions": [
                {"unit": "car-1", "lon": 8.7000, "lat": 49.4155},
                {"unit": "armed-1", "lon": 8.6756, "lat": 49.4037},
                {"unit": "foot-1", "lon": 8.7060, "lat": 49.4110},
                {"unit": "nobody", "lon": 8.7060, "lat": 49.4110}]}),
        )
        .await;
    checker.get("/api/units", "/api/units").await;
    checker.get("/api/units/{id}", "/api/units/car-1").await;

    let robbery = json!({"category": "criminal", "priority": "P1",
        "location": {"lon": 8.7000, "lat": 49.4118}, "address": "Hauptstraße 120",
        "caller": {"name": "Li Wei", "phone": "+49 170 000"}, "notes": "knife"});
    let first = checker
        .post("/api/incidents", "/api/incidents", robbery.clone())
        .await;
    let id = first["incident"]["id"].as_u64().unwrap();
    let second = checker
        .post("/api/incidents", "/api/incidents", robbery)
        .await;
    assert_eq!(second["possible_duplicates"], json!([id]));
    let duplicate = second["incident"]["id"].as_u64().unwrap();
    checker.get("/api/incidents", "/api/incidents").await;
    checker
        .get("/api/incidents/{id}", &format!("/api/incidents/{id}"))
        .await;
    let ranking = checker
        .get(
            "/api/incidents/{id}/recommendation",
            &format!("/api/incidents/{id}/recommendation"),
        )
        .await;
    assert!(!ranking["ranked"].as_array().unwrap().is_empty());
    assert!(!ranking["excluded"].as_array().unwrap().is_empty());
    checker
        .post(
            "/api/incidents/{id}/dispatch",
            &format!("/api/incidents/{id}/dispatch"),
            json!({}),
        )
        .await;
    checker
        .post(
            "/api/units/{id}/status",
            "/api/units/car-1/status",
            json!({"status": "en_route"}),
        )
        .await;
    checker
        .post(
            "/api/incidents/{id}/notes",
            &format!("/api/incidents/{id}/notes"),
            json!({"text": "suspect fled east"}),
        )
        .await;
    checker
        .post(
            "/api/incidents/{id}/merge",
            &format!("/api/incidents/{id}/merge"),
            json!({"duplicate": duplicate}),
        )
        .await;
    checker
        .get(
            "/api/incidents/{id}/eido",
            &format!("/api/incidents/{id}/eido"),
        )
        .await;
    checker
        .post(
            "/api/cutoff",
            "/api/cutoff",
            json!({"last_seen": {"lon": 8.6930, "lat": 49.4100}, "minutes_since": 1.0, "horizon_minutes": 3.0}),
        )
        .await;
    checker
        .post(
            "/api/incidents/{id}/status",
            &format!("/api/incidents/{id}/status"),
            json!({"status": "closed"}),
        )
        .await;
    let kpis = checker.get("/api/kpis", "/api/kpis").await;
    assert_eq!(kpis["rows"].as_array().unwrap().len(), 1);
    let audit = checker.get("/api/audit", "/api/audit").await;
    assert_eq!(audit.as_array().unwrap().len(), 1);

    checker
        .post(
            "/api/places",
            "/api/places",
            json!({"id": "MV-1", "name": "Bismarckplatz必到点", "kind": "must_visit",
                   "point": {"lon": 8.6931, "lat": 49.4094}}),
        )
        .await;
    checker
        .post(
            "/api/places",
            "/api/places",
            json!({"id": "MP-1", "name": "Hauptstraße必巡线", "kind": "must_patrol",
                   "line": [{"lon": 8.6931, "lat": 49.4094}, {"lon": 8.7103, "lat": 49.4120}]}),
        )
        .await;
    let places = checker.get("/api/places", "/api/places").await;
    assert_eq!(places["features"].as_array().unwrap().len(), 2);
    checker.get("/api/map", "/api/map").await;
    let circles = checker
        .get("/api/circles", "/api/circles?minutes=1,3")
        .await;
    assert!(!circles["features"].as_array().unwrap().is_empty());
    let tile = reqwest::Client::new()
        .get(format!("{}/tiles/14/8587/5598.pbf", server.base))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(tile.status(), StatusCode::OK);
    let documented_type = document["paths"]["/tiles/{z}/{x}/{y}.pbf"]["get"]["responses"]["200"]
        ["content"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert_eq!(tile.headers()["content-type"], documented_type.as_str());
    assert!(!tile.bytes().await.unwrap().is_empty());
    checker
        .checked
        .insert(("get".to_string(), "/tiles/{z}/{x}/{y}.pbf".to_string()));

    let feed_url = format!(
        "{}/api/feed?token={ADMIN_TOKEN}",
        server.base.replace("http://", "ws://")
    );
    let (mut feed, handshake) = tokio_tungstenite::connect_async(feed_url).await.unwrap();
    let hello: Value =
        serde_json::from_str(feed.next().await.unwrap().unwrap().to_text().unwrap()).unwrap();
    checker.check("get", "/api/feed", handshake.status(), &hello);

    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, methods)| {
            methods
                .as_object()
                .unwrap()
                .keys()
                .map(|method| (method.clone(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let unchecked: Vec<&(String, String)> = documented.difference(&checker.checked).collect();
    assert!(unchecked.is_empty(), "routes not checked: {unchecked:?}");
    drop(server);
    std::fs::remove_dir_all(directory).unwrap();
}

#[test]
fn the_checker_names_what_does_not_fit() {
    let document = server::openapi::document();
    let unit = json!({"$ref": "#/components/schemas/Unit"});
    let mut found = Vec::new();
    violations(
        &unit,
        &json!({"id": "car-1", "name": "Car 1", "kind": "tank", "profile": "car", "home": "WS-1",
                "capabilities": [], "status": "available", "position": {"point": {"lon": 8.7}, "at": 5},
                "incident": null, "colour": "blue"}),
        &document,
        "body",
        &mut found,
    );
    assert_eq!(
        found,
        [
            "body: the documented property 'history' is missing",
            "body: the property 'colour' is not documented",
            "body.kind: \"tank\" is not one of [String(\"patrol_car\"), String(\"armed_patrol_car\"), String(\"swat_team\"), String(\"traffic_motorcycle\"), String(\"foot_patrol\"), String(\"drone\"), String(\"volunteer_patrol\")]",
            "body.position: {\"at\":5,\"point\":{\"lon\":8.7}} fits none of {\"oneOf\":[{\"$ref\":\"#/components/schemas/PositionFix\"},{\"type\":\"null\"}]}",
        ]
    );
}
