//! End to end: the server as a real process on a free port with a fresh database, driven over
//! HTTP, WebSocket and MQTT; killed with SIGKILL in a burst of calls and restarted.

mod common;

use common::*;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CALL_ON_HAUPTSTRASSE: (f64, f64) = (8.7000, 49.4118);

fn robbery() -> Value {
    json!({
        "category": "criminal", "priority": "P1",
        "location": {"lon": CALL_ON_HAUPTSTRASSE.0, "lat": CALL_ON_HAUPTSTRASSE.1},
        "address": "Hauptstraße 120", "caller": {"name": "Li Wei", "phone": "+49 170 000"},
        "notes": "two men with a knife in a shop"
    })
}

/// Reads feed messages until one of each wanted change type has arrived.
async fn expect_on_feed<S>(feed: &mut S, wanted: &[&str])
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    let mut missing: Vec<&str> = wanted.to_vec();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !missing.is_empty() {
        let message = tokio::time::timeout_at(deadline, feed.next())
            .await
            .unwrap_or_else(|_| panic!("the feed did not show {missing:?}"))
            .expect("the feed stays open")
            .unwrap();
        let Ok(text) = message.to_text() else {
            continue;
        };
        let value: Value = serde_json::from_str(text).unwrap();
        if let Some(kind) = value["change"]["type"].as_str() {
            missing.retain(|wanted| *wanted != kind);
        }
    }
}

/// A whole call: received, recommended, dispatched, en route, on scene, closed; with the feed,
/// the audit log, KPIs, EIDO and roles checked along the way. Returns the incident id.
async fn check_lifecycle(base: &str) -> u64 {
    let admin = Api::new(base, Some(ADMIN_TOKEN));
    set_up_city(&admin).await;
    let dispatcher = admin.with_token(&issue_token(&admin, "dispatcher", None).await);
    let analyst = admin.with_token(&issue_token(&admin, "analyst", None).await);
    let west_officer =
        admin.with_token(&issue_token(&admin, "workstation_officer", Some("WS-West")).await);

    let feed_url = format!(
        "{}/api/feed?token={}",
        base.replace("http://", "ws://"),
        dispatcher.token.as_deref().unwrap()
    );
    let (mut feed, _) = tokio_tungstenite::connect_async(feed_url).await.unwrap();

    let received = dispatcher.ok(dispatcher.post("/api/incidents", robbery()).await);
    let incident = &received["incident"];
    let id = incident["id"].as_u64().unwrap();
    assert_eq!(incident["status"], "received");
    assert_eq!(
        incident["jurisdictions"],
        json!(["PS-Mitte", "WS-East", "PO-East", "G-East-1"])
    );

    let recommendation = dispatcher.ok(dispatcher
        .get(&format!("/api/incidents/{id}/recommendation"))
        .await);
    let ranked: Vec<&str> = recommendation["ranked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|candidate| candidate["unit"].as_str().unwrap())
        .collect();
    assert_eq!(
        ranked,
        ["car-2", "car-1", "armed-1"],
        "south bank first, by road"
    );
    assert!(recommendation["ranked"][0]["eta"].as_f64().unwrap() > 60.0);
    assert!(recommendation["ranked"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("min by road"));
    assert_eq!(
        recommendation["proposed"],
        json!(["armed-1", "car-2", "car-1"])
    );
    assert_eq!(recommendation["excluded"][0]["unit"], "foot-1");

    let dispatched = dispatcher.ok(dispatcher
        .post(&format!("/api/incidents/{id}/dispatch"), json!({}))
        .await);
    assert_eq!(
        dispatched["dispatched"],
        json!(["armed-1", "car-2", "car-1"])
    );
    assert_eq!(dispatched["incident"]["status"], "dispatched");

    for status in ["en_route", "on_scene"] {
        dispatcher.ok(dispatcher
            .post("/api/units/car-2/status", json!({"status": status}))
            .await);
    }
    let incident = dispatcher.ok(dispatcher.get(&format!("/api/incidents/{id}")).await);
    assert_eq!(incident["status"], "on_scene");

    let (status, body) = dispatcher
        .post("/api/units/car-2/status", json!({"status": "en_route"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "invalid_transition");
    assert_eq!(
        body["error"]["message"],
        "unit car-2 is on_scene and cannot become en_route; allowed next: available, returning"
    );

    let eido = dispatcher.ok(dispatcher.get(&format!("/api/incidents/{id}/eido")).await);
    assert_eq!(eido["eidoVersion"], "1.0");
    assert_eq!(
        eido["incidentComponent"]["incidentTrackingIdentifier"],
        id.to_string()
    );
    assert_eq!(
        eido["incidentComponent"]["incidentStatusCommonRegistryText"],
        json!(["OnScene"])
    );
    assert_eq!(eido["agentComponent"].as_array().unwrap().len(), 3);
    assert_eq!(eido["personComponent"][0]["personName"], "Li Wei");
    assert!(eido["issuingElementIdentification"]["elementIdentifier"].is_string());

    let closed = dispatcher.ok(dispatcher
        .post(
            &format!("/api/incidents/{id}/status"),
            json!({"status": "closed"}),
        )
        .await);
    assert_eq!(closed["status"], "closed");
    let car = dispatcher.ok(dispatcher.get("/api/units/car-2").await);
    assert_eq!(car["status"], "available", "closing frees the units");

    expect_on_feed(
        &mut feed,
        &[
            "call_received",
            "units_dispatched",
            "unit_status_changed",
            "incident_status_changed",
        ],
    )
    .await;

    let kpis = analyst.ok(analyst.get("/api/kpis?group=priority").await);
    let row = &kpis["rows"][0];
    assert_eq!(row["group"], "P1");
    assert_eq!(row["n_incidents"], 1);
    assert_eq!(row["within_5_min"], 1.0);
    let by_grid = analyst.ok(analyst.get("/api/kpis?group=grid").await);
    assert_eq!(by_grid["rows"][0]["group"], "G-East-1");

    let audit = analyst.ok(analyst.get("/api/audit").await);
    assert_eq!(audit.as_array().unwrap().len(), 1);
    assert_eq!(audit[0]["by"], "dispatcher-1");
    assert_eq!(audit[0]["chosen"], json!(["armed-1", "car-2", "car-1"]));
    assert_eq!(
        audit[0]["ranking_shown"]["ranked"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    let (status, body) = analyst.post("/api/incidents", robbery()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "forbidden");

    let (status, body) = west_officer.get(&format!("/api/incidents/{id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "outside_jurisdiction");
    assert_eq!(
        body["error"]["message"],
        format!("incident {id} lies outside jurisdiction 'WS-West' of this token")
    );
    let visible = west_officer.ok(west_officer.get("/api/units").await);
    let visible: Vec<&str> = visible
        .as_array()
        .unwrap()
        .iter()
        .map(|unit| unit["id"].as_str().unwrap())
        .collect();
    assert_eq!(visible, ["armed-1", "car-2"], "Bergheim's units only");
    id
}

/// Everything a client can read, for comparing before and after a restart.
async fn snapshot(api: &Api) -> Value {
    json!({
        "units": api.ok(api.get("/api/units").await),
        "incidents": api.ok(api.get("/api/incidents").await),
        "workstations": api.ok(api.get("/api/workstations").await),
        "jurisdictions": api.ok(api.get("/api/jurisdictions").await),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_lifecycle_on_sqlite_survives_a_restart_exactly() {
    let (directory, db) = temp_sqlite();
    let server = ServerProcess::start(&db, "", None);
    check_lifecycle(&server.base).await;
    let admin = Api::new(&server.base, Some(ADMIN_TOKEN));
    // Enough positions for the server to keep a snapshot, and a few after it.
    let n_batches = server::state::SNAPSHOT_EVERY as usize / 1000 + 1;
    for batch in 0..n_batches {
        let positions: Vec<Value> = (0..1000)
            .map(|n| {
                let step = (batch * 1000 + n) as f64 * 1e-7;
                json!({"unit": "foot-1", "lon": 8.7060 + step, "lat": 49.4110 + step / 3.0})
            })
            .collect();
        admin.ok(admin
            .post("/api/positions", json!({"positions": positions}))
            .await);
    }
    let before = snapshot(&admin).await;
    server.kill();

    let log = store::EventLog::open(&db, "").await.unwrap();
    let kept = log
        .latest_snapshot()
        .await
        .unwrap()
        .expect("a snapshot was kept");
    let events = log.load().await.unwrap();
    assert!(kept.last_seq >= server::state::SNAPSHOT_EVERY && kept.last_seq < events.len() as i64);
    let full_replay = store::Projection::replay(&events).unwrap();
    assert_eq!(log.restore().await.unwrap(), full_replay);
    log.close().await;

    let server = ServerProcess::start(&db, "", None);
    let admin = Api::new(&server.base, Some(ADMIN_TOKEN));
    assert_eq!(snapshot(&admin).await, before);
    drop(server);
    std::fs::remove_dir_all(directory).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_lifecycle_on_postgres_survives_a_restart_exactly() {
    let prefix = format!("{}_", unique_name());
    let server = ServerProcess::start(&postgres_url(), &prefix, None);
    check_lifecycle(&server.base).await;
    let admin = Api::new(&server.base, Some(ADMIN_TOKEN));
    let before = snapshot(&admin).await;
    server.kill();

    let server = ServerProcess::start(&postgres_url(), &prefix, None);
    let admin = Api::new(&server.base, Some(ADMIN_TOKEN));
    assert_eq!(snapshot(&admin).await, before);
    drop(server);
    store::EventLog::open(&postgres_url(), &prefix)
        .await
        .unwrap()
        .destroy()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_call_survives_sigkill_in_a_burst() {
    let (directory, db) = temp_sqlite();
    let server = ServerProcess::start(&db, "", None);
    let admin = Api::new(&server.base, Some(ADMIN_TOKEN));
    let acknowledged: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
    let mut callers = Vec::new();
    for caller in 0..8 {
        let api = admin.clone();
        let acknowledged = acknowledged.clone();
        callers.push(tokio::spawn(async move {
            for n in 0.. {
                let address = format!("burst {caller}-{n}");
                let mut call = robbery();
                call["address"] = json!(address);
                let sent = api
                    .client
                    .post(format!("{}/api/incidents", api.base))
                    .bearer_auth(ADMIN_TOKEN)
                    .json(&call)
                    .send()
                    .await;
                let Ok(response) = sent else { return };
                if response.status() != StatusCode::CREATED {
                    return;
                }
                let Ok(body) = response.json::<Value>().await else {
                    return;
                };
                let id = body["incident"]["id"].as_u64().unwrap();
                acknowledged.lock().unwrap().push((id, address));
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill();
    for caller in callers {
        caller.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 20,
        "only {} calls went through",
        acknowledged.len()
    );

    let server = ServerProcess::start(&db, "", None);
    let admin = Api::new(&server.base, Some(ADMIN_TOKEN));
    let incidents = admin.ok(admin.get("/api/incidents").await);
    let restored: std::collections::HashMap<u64, String> = incidents
        .as_array()
        .unwrap()
        .iter()
        .map(|incident| {
            (
                incident["id"].as_u64().unwrap(),
                incident["address"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (id, address) in &acknowledged {
        assert_eq!(
            restored.get(id),
            Some(address),
            "acknowledged call {id} was lost"
        );
    }
    eprintln!(
        "burst: {} calls acknowledged before SIGKILL, {} restored (unacknowledged ones may also land)",
        acknowledged.len(),
        restored.len()
    );
    drop(server);
    std::fs::remove_dir_all(directory).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_4xx_that_says_what_is_wrong() {
    let (directory, db) = temp_sqlite();
    let server = ServerProcess::start(&db, "", None);
    let admin = Api::new(&server.base, Some(ADMIN_TOKEN));
    set_up_city(&admin).await;
    let anonymous = Api::new(&server.base, None);

    #[track_caller]
    fn check(response: (StatusCode, Value), status: StatusCode, code: &str, says: &str) {
        let (actual, body) = response;
        assert_eq!(actual, status, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message:?} should say {says:?}");
    }

    let (status, health) = anonymous.get("/api/health").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["status"], "ok");
    check(
        anonymous.get("/api/units").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "Authorization: Bearer",
    );
    check(
        anonymous.with_token("nonsense").get("/api/units").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "not valid",
    );
    check(
        admin.get("/api/units/ghost").await,
        StatusCode::NOT_FOUND,
        "unit_not_found",
        "unit 'ghost' does not exist",
    );
    check(
        admin.post("/api/incidents/999/dispatch", json!({})).await,
        StatusCode::NOT_FOUND,
        "incident_not_found",
        "incident 999 does not exist",
    );
    check(
        admin.get("/api/incidents/abc").await,
        StatusCode::BAD_REQUEST,
        "invalid_id",
        "'abc' is not an incident id",
    );
    check(
        admin
            .post("/api/units/car-1/status", json!({"status": "on_scene"}))
            .await,
        StatusCode::CONFLICT,
        "invalid_transition",
        "unit car-1 is available and cannot become on_scene",
    );
    check(
        admin
            .post("/api/units/car-1/status", json!({"status": "flying"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
        "unknown variant `flying`",
    );
    let mut off_map = robbery();
    off_map["location"] = json!({"lon": 9.5, "lat": 49.9});
    check(
        admin.post("/api/incidents", off_map).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "off_map",
        "(9.500000, 49.900000) is off the car road map",
    );
    let mut out_of_range = robbery();
    out_of_range["location"] = json!({"lon": 200.0, "lat": 49.4});
    check(
        admin.post("/api/incidents", out_of_range).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_position",
        "longitude must lie in -180..180",
    );
    check(
        admin
            .post_raw("/api/incidents", "{\"category\": \"criminal\",")
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
        "EOF while parsing",
    );
    check(
        admin
            .post(
                "/api/positions",
                json!({"positions": [{"unit": "car-1", "lon": 8.7}]}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
        "missing field `lat`",
    );
    let batch = admin.ok(admin
        .post(
            "/api/positions",
            json!({"positions": [
                    {"unit": "car-1", "lon": 8.70, "lat": 49.41},
                    {"unit": "ghost", "lon": 8.70, "lat": 49.41}]}),
        )
        .await);
    assert_eq!(batch["accepted"], 1);
    assert_eq!(batch["results"][1]["error"]["code"], "unit_not_found");
    check(
        admin.get("/api/nowhere").await,
        StatusCode::NOT_FOUND,
        "route_not_found",
        "/api/openapi.json",
    );
    check(
        admin.get("/api/kpis?group=weekday").await,
        StatusCode::BAD_REQUEST,
        "invalid_query",
        "use priority, workstation or grid",
    );

    let east_call = admin.ok(admin.post("/api/incidents", robbery()).await);
    let id = east_call["incident"]["id"].as_u64().unwrap();
    let west_officer =
        admin.with_token(&issue_token(&admin, "workstation_officer", Some("WS-West")).await);
    check(
        west_officer
            .post(
                &format!("/api/incidents/{id}/dispatch"),
                json!({"units": ["car-2"]}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "outside_jurisdiction",
        "outside jurisdiction 'WS-West'",
    );
    check(
        west_officer
            .post("/api/tokens", json!({"role": "admin", "label": "me"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "may not issue or revoke tokens",
    );
    drop(server);
    std::fs::remove_dir_all(directory).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn positions_arrive_over_mqtt() {
    use rumqttc::{AsyncClient, MqttOptions, QoS};
    let (directory, db) = temp_sqlite();
    let server = ServerProcess::start(&db, "", Some(common::mqtt_address()));
    let admin = Api::new(&server.base, Some(ADMIN_TOKEN));
    set_up_city(&admin).await;
    let unit = unique_name();
    admin.ok(admin
        .post(
            "/api/units",
            json!({"id": unit, "name": "mqtt car", "kind": "patrol_car", "home": "WS-Altstadt"}),
        )
        .await);
    let (client, mut event_loop) = AsyncClient::new(
        MqttOptions::new(format!("test-{unit}"), "127.0.0.1", 1883),
        16,
    );
    tokio::spawn(async move { while event_loop.poll().await.is_ok() {} });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        // The server may still be subscribing: publish until the position shows.
        client
            .publish(
                format!("pingan/units/{unit}/position"),
                QoS::AtLeastOnce,
                false,
                json!({"lon": 8.6931, "lat": 49.4094}).to_string(),
            )
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let body = admin.ok(admin.get(&format!("/api/units/{unit}")).await);
        if body["position"]["point"] == json!({"lon": 8.6931, "lat": 49.4094}) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no MQTT position arrived: {body}"
        );
    }
    drop(server);
    std::fs::remove_dir_all(directory).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_calls_merge_and_cutoff_plans_come_back_over_http() {
    let (directory, db) = temp_sqlite();
    let server = ServerProcess::start(&db, "", None);
    let admin = Api::new(&server.base, Some(ADMIN_TOKEN));
    set_up_city(&admin).await;

    let first = admin.ok(admin.post("/api/incidents", robbery()).await);
    let first_id = first["incident"]["id"].as_u64().unwrap();
    assert_eq!(first["possible_duplicates"], json!([]));
    let mut again = robbery();
    again["location"] = json!({"lon": 8.7004, "lat": 49.4119});
    again["caller"] = json!({"name": "Wang Fang", "phone": "+49 171 000"});
    let second = admin.ok(admin.post("/api/incidents", again).await);
    let second_id = second["incident"]["id"].as_u64().unwrap();
    assert_eq!(second["possible_duplicates"], json!([first_id]));

    let merged = admin.ok(admin
        .post(
            &format!("/api/incidents/{first_id}/merge"),
            json!({"duplicate": second_id}),
        )
        .await);
    assert_eq!(merged["merged_from"], json!([second_id]));
    assert_eq!(merged["callers"].as_array().unwrap().len(), 2);
    let duplicate = admin.ok(admin.get(&format!("/api/incidents/{second_id}")).await);
    assert_eq!(duplicate["status"], "cancelled");
    assert_eq!(duplicate["merged_into"], first_id);

    let noted = admin.ok(admin
        .post(
            &format!("/api/incidents/{first_id}/notes"),
            json!({"text": "suspects left towards Bismarckplatz in a grey van"}),
        )
        .await);
    assert!(noted["notes"].as_array().unwrap().len() >= 2);

    let plan = admin.ok(admin
        .post(
            "/api/cutoff",
            json!({"last_seen": {"lon": 8.6931, "lat": 49.4094}, "minutes_since": 0.5,
                       "horizon_minutes": 3, "profile": "car"}),
        )
        .await);
    let checkpoints = plan["checkpoints"].as_array().unwrap();
    assert!(!checkpoints.is_empty());
    for checkpoint in checkpoints {
        if let Some(eta) = checkpoint["assignment"]["eta"].as_f64() {
            assert!(eta + 30.0 < checkpoint["vehicle_earliest"].as_f64().unwrap());
        }
    }
    let (status, body) = admin
        .post(
            "/api/cutoff",
            json!({"last_seen": {"lon": 8.6931, "lat": 49.4094}, "minutes_since": 0.5, "horizon_minutes": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "invalid_cutoff");
    drop(server);
    std::fs::remove_dir_all(directory).unwrap();
}
