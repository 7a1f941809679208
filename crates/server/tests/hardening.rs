//! The findings of the attacker's trial (issue 14), each replayed against a real server on
//! Heidelberg with a real database (SQLite, or PostgreSQL where the finding was PostgreSQL's) and
//! a real MQTT broker: what was sent then, and the answer expected now.

mod common;

use common::*;
use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// The server in this process on a free port, so that tests can read its counters and caches.
async fn start_in_process(db: String, table_prefix: &str, mqtt: Option<&str>) -> server::Running {
    let network = Arc::new(fixtures::heidelberg().clone());
    let config = server::ServeConfig {
        graph: std::env::temp_dir().join("unused.graph"),
        db,
        listen: "127.0.0.1:0".parse().unwrap(),
        mqtt: mqtt.map(str::to_string),
        admin_token: Some(ADMIN_TOKEN.to_string()),
        table_prefix: table_prefix.to_string(),
    };
    server::start_on(config, network).await.unwrap()
}

async fn start_on_sqlite() -> (Api, server::Running) {
    let (directory, db) = temp_sqlite();
    let running = start_in_process(db, "", None).await;
    let _ = directory;
    let admin = Api::new(&format!("http://{}", running.address), Some(ADMIN_TOKEN));
    (admin, running)
}

#[track_caller]
fn check_error(
    (status, body): &(StatusCode, Value),
    expected_status: StatusCode,
    code: &str,
    says: &[&str],
) {
    assert_eq!(*status, expected_status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    let message = body["error"]["message"].as_str().unwrap_or_default();
    for part in says {
        assert!(message.contains(part), "'{message}' should say {part}");
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circles_with_many_distinct_limits_stay_bounded() {
    let (admin, running) = start_on_sqlite().await;
    set_up_city(&admin).await;
    let analyst = admin.with_token(&issue_token(&admin, "analyst", None).await);
    let city = running.city.clone().expect("the server has a road network");

    // The attack: 100 distinct limits in one request, then one request per odd limit.
    let hundred: Vec<String> = (1..=100).map(|minutes| minutes.to_string()).collect();
    check_error(
        &analyst
            .get(&format!("/api/circles?minutes={}", hundred.join(",")))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_minutes",
        &["more than 5", "whole minutes from 1 to 15"],
    );
    for minutes in ["1.5", "2.25", "16", "0", "-3", "1e3", "NaN", "4,5,6,7,8,9"] {
        check_error(
            &analyst
                .get(&format!("/api/circles?minutes={minutes}"))
                .await,
            StatusCode::BAD_REQUEST,
            "bad_minutes",
            &["whole minutes from 1 to 15"],
        );
    }
    assert_eq!(city.n_cached_circles(), 0, "refused limits compute nothing");

    // Every allowed limit, asked for many times: the cache holds each workstation's circle per
    // limit once.
    for _ in 0..3 {
        for group in ["1,2,3,4,5", "6,7,8,9,10", "11,12,13,14,15", "5,5,5,5,5"] {
            let body = analyst.ok(analyst.get(&format!("/api/circles?minutes={group}")).await);
            let n_limits = if group == "5,5,5,5,5" { 1 } else { 5 };
            assert_eq!(
                body["features"].as_array().unwrap().len(),
                2 * n_limits,
                "two workstations, {group}"
            );
        }
    }
    assert_eq!(city.n_cached_circles(), 2 * 15);
    running.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nul_in_a_token_label_is_refused_and_writing_goes_on_on_postgres() {
    let prefix = unique_name();
    let running = start_in_process(postgres_url(), &prefix, None).await;
    let admin = Api::new(&format!("http://{}", running.address), Some(ADMIN_TOKEN));

    check_error(
        &admin
            .post_raw("/api/tokens", r#"{"role":"dispatcher","label":"x\u0000"}"#)
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_text",
        &["token label", "U+0000"],
    );
    for (path, body, field) in [
        (
            "/api/jurisdictions",
            json!({"id": "PS-1", "name": "a\u{1b}[2J", "level": "police_station", "area": square(8.69, 49.41, 0.05)}),
            "jurisdiction name",
        ),
        (
            "/api/tokens",
            json!({"role": "analyst", "label": "l".repeat(201)}),
            "token label",
        ),
    ] {
        check_error(
            &admin.post(path, body).await,
            StatusCode::BAD_REQUEST,
            "invalid_text",
            &[field],
        );
    }
    // The next valid calls are written.
    set_up_city(&admin).await;
    let dispatcher = admin.with_token(&issue_token(&admin, "dispatcher", None).await);
    let call = json!({"category": "criminal", "priority": "P2",
        "location": {"lon": 8.7000, "lat": 49.4118},
        "notes": "first line\n\tsecond line, indented", "address": "Hauptstraße 120"});
    dispatcher.ok(dispatcher.post("/api/incidents", call).await);
    let bad_note = json!({"text": "x\u{0}y"});
    check_error(
        &dispatcher.post("/api/incidents/1/notes", bad_note).await,
        StatusCode::BAD_REQUEST,
        "invalid_text",
        &["note text", "U+0000", "line breaks"],
    );
    dispatcher.ok(dispatcher
        .post("/api/incidents/1/notes", json!({"text": "seen\nleaving"}))
        .await);
    let health = admin.ok(admin.get("/api/health").await);
    assert_eq!(health["status"], "ok");
    running.task.abort();
    let log = store::EventLog::open(&postgres_url(), &prefix)
        .await
        .unwrap();
    log.destroy().await.unwrap();
}

/// A token whose label PostgreSQL cannot store (issued before labels were checked): each change
/// it makes fails to append, and must leave the server writing everyone else's changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_append_does_not_stop_later_writes_on_postgres() {
    let prefix = unique_name();
    let log = store::EventLog::open(&postgres_url(), &prefix)
        .await
        .unwrap();
    let bad_token = "pa_label_with_a_nul";
    let issued = store::Event {
        seq: 1,
        at: measure::Timestamp(now_ms()),
        actor: "admin".to_string(),
        change: store::Change::TokenIssued {
            token_hash: server::auth::hash_token(bad_token),
            role: store::Role::Dispatcher,
            jurisdiction: None,
            label: "x\u{0}".to_string(),
        },
    };
    log.append(&[issued]).await.unwrap();
    log.close().await;

    let running = start_in_process(postgres_url(), &prefix, None).await;
    let admin = Api::new(&format!("http://{}", running.address), Some(ADMIN_TOKEN));
    let bad = admin.with_token(bad_token);
    // Stations side by side, 0.02° apart: siblings may not share area.
    let jurisdiction = |id: &str, column: u32| {
        let lon = 8.60 + 0.02 * f64::from(column);
        json!({"id": id, "name": id, "level": "police_station", "area": square(lon, 49.41, 0.005)})
    };
    for round in 0..3u32 {
        check_error(
            &bad.post(
                "/api/jurisdictions",
                jurisdiction(&format!("PS-bad-{round}"), 2 * round),
            )
            .await,
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_failed",
            &["not recorded"],
        );
        let (status, body) = admin
            .post(
                "/api/jurisdictions",
                jurisdiction(&format!("PS-{round}"), 2 * round + 1),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "round {round}: {body}");
        let health = admin.get("/api/health").await;
        assert_eq!(health.0, StatusCode::OK, "{}", health.1);
        assert_eq!(health.1["events"], 2 + round, "{}", health.1);
    }
    let listed = admin.ok(admin.get("/api/jurisdictions").await);
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|jurisdiction| jurisdiction["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["PS-0", "PS-1", "PS-2"],
        "the refused ones left no trace"
    );
    running.task.abort();
    let log = store::EventLog::open(&postgres_url(), &prefix)
        .await
        .unwrap();
    assert_eq!(log.count().await.unwrap(), 4);
    log.destroy().await.unwrap();
}

/// Reads the feed until a note with `marker` arrives; returns every message's text before it.
async fn feed_until_note<S>(feed: &mut S, marker: &str) -> Vec<String>
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    let mut texts = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = tokio::time::timeout_at(deadline, feed.next())
            .await
            .unwrap_or_else(|_| panic!("no note '{marker}' on the feed; got {texts:#?}"))
            .expect("the feed stays open")
            .unwrap();
        let Ok(text) = message.to_text() else {
            continue;
        };
        let value: Value = serde_json::from_str(text).unwrap();
        if value["change"]["type"] == "note_added" && value["change"]["text"] == marker {
            return texts;
        }
        texts.push(text.to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_sees_no_other_jurisdiction_in_feed_eido_or_duplicates() {
    let (admin, running) = start_on_sqlite().await;
    set_up_city(&admin).await;
    let dispatcher = admin.with_token(&issue_token(&admin, "dispatcher", None).await);
    let east_officer =
        admin.with_token(&issue_token(&admin, "workstation_officer", Some("WS-East")).await);
    let websocket = admin.base.replace("http://", "ws://");
    let connect = |token: String| {
        let url = format!("{websocket}/api/feed?token={token}");
        async move { tokio_tungstenite::connect_async(url).await.unwrap().0 }
    };
    let mut officer_feed = connect(east_officer.token.clone().unwrap()).await;
    let mut dispatcher_feed = connect(dispatcher.token.clone().unwrap()).await;

    // West (B): a call 90 m west of the border (8.69) the two workstations share.
    let call_at = |lon: f64| json!({"category": "criminal", "priority": "P1", "location": {"lon": lon, "lat": 49.4095}});
    let west = dispatcher.ok(dispatcher.post("/api/incidents", call_at(8.6888)).await);
    let west_id = west["incident"]["id"].as_u64().unwrap();
    // East (A): the officer's own call, 100 m away: a duplicate only a dispatcher may be told of.
    let east = east_officer.ok(east_officer.post("/api/incidents", call_at(8.6902)).await);
    let east_id = east["incident"]["id"].as_u64().unwrap();
    assert_eq!(east["possible_duplicates"], json!([]), "{east}");
    let seen_by_dispatcher =
        dispatcher.ok(dispatcher.post("/api/incidents", call_at(8.6903)).await);
    assert!(
        seen_by_dispatcher["possible_duplicates"]
            .as_array()
            .unwrap()
            .contains(&json!(west_id)),
        "{seen_by_dispatcher}"
    );

    // The dispatcher sends the proposal (West's armed car and car first) to the East call, and
    // merges the West call into it.
    let dispatched = dispatcher.ok(dispatcher
        .post(&format!("/api/incidents/{east_id}/dispatch"), json!({}))
        .await);
    let sent: Vec<&str> = dispatched["dispatched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|unit| unit.as_str().unwrap())
        .collect();
    assert!(
        sent.contains(&"armed-1") && sent.contains(&"car-1"),
        "{dispatched}"
    );
    dispatcher.ok(dispatcher
        .post(
            &format!("/api/incidents/{east_id}/merge"),
            json!({"duplicate": west_id}),
        )
        .await);
    dispatcher.ok(dispatcher
        .post(
            &format!("/api/incidents/{east_id}/notes"),
            json!({"text": "marker"}),
        )
        .await);

    let officer_saw = feed_until_note(&mut officer_feed, "marker").await;
    let dispatcher_saw = feed_until_note(&mut dispatcher_feed, "marker").await;
    let kinds = |texts: &[String]| -> Vec<String> {
        texts
            .iter()
            .map(|text| serde_json::from_str::<Value>(text).unwrap()["change"]["type"].to_string())
            .collect()
    };
    assert!(
        dispatcher_saw.iter().any(|text| text.contains("armed-1"))
            && kinds(&dispatcher_saw).contains(&"\"duplicate_merged\"".to_string()),
        "the dispatcher's feed shows the West units and the merge: {dispatcher_saw:#?}"
    );
    for text in &officer_saw {
        for west_unit in ["armed-1", "car-2"] {
            assert!(
                !text.contains(west_unit),
                "{west_unit} on the officer's feed: {text}"
            );
        }
    }
    let officer_kinds = kinds(&officer_saw);
    assert!(
        !officer_kinds.contains(&"\"duplicate_merged\"".to_string()),
        "{officer_saw:#?}"
    );
    let dispatch: Value = officer_saw
        .iter()
        .map(|text| serde_json::from_str::<Value>(text).unwrap())
        .find(|value| value["change"]["type"] == "units_dispatched")
        .expect("the officer sees the dispatch to its own call");
    assert_eq!(dispatch["change"]["units"], json!(["car-1"]));
    assert_eq!(dispatch["change"]["ranking"]["proposed"], json!(["car-1"]));
    assert!(!dispatch["change"]["ranking"]["ranked"]
        .as_array()
        .unwrap()
        .is_empty());

    // EIDO: the officer's export names no West unit and shows no West position.
    let eido = east_officer.ok(east_officer
        .get(&format!("/api/incidents/{east_id}/eido"))
        .await);
    let agents: Vec<&str> = eido["agentComponent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|agent| agent["agentIdentifier"].as_str().unwrap())
        .collect();
    assert_eq!(agents, ["car-1"], "{eido}");
    assert_eq!(
        eido["incidentComponent"]["mergedIncidentTrackingIdentifiers"],
        json!([]),
        "the merged West call is not the officer's: {eido}"
    );
    let full = dispatcher.ok(dispatcher
        .get(&format!("/api/incidents/{east_id}/eido"))
        .await);
    assert!(
        full["agentComponent"].as_array().unwrap().len() >= 3,
        "{full}"
    );
    assert_eq!(
        full["incidentComponent"]["mergedIncidentTrackingIdentifiers"],
        json!([west_id.to_string()]),
        "{full}"
    );
    running.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_dated_in_the_future_is_refused_and_does_not_freeze_the_unit() {
    let (admin, running) = start_on_sqlite().await;
    set_up_city(&admin).await;
    let body = admin.ok(admin
        .post(
            "/api/positions",
            json!({"positions": [
                {"unit": "car-1", "lon": 8.70, "lat": 49.41, "at": 2_111_542_675_368_i64},
                {"unit": "car-2", "lon": 8.69, "lat": 49.41, "at": now_ms() + 10_000},
                {"unit": "armed-1", "lon": 8.68, "lat": 49.40, "at": now_ms() + 3_600_000},
                {"unit": "foot-1", "lon": 8.70, "lat": 49.41, "at": -5},
            ]}),
        )
        .await);
    assert_eq!(
        (body["accepted"].clone(), body["rejected"].clone()),
        (json!(1), json!(3)),
        "{body}"
    );
    let results = body["results"].as_array().unwrap();
    for index in [0, 2] {
        assert_eq!(results[index]["accepted"], false, "{body}");
        assert_eq!(
            results[index]["error"]["code"], "position_in_future",
            "{body}"
        );
        let message = results[index]["error"]["message"].as_str().unwrap();
        assert!(message.contains("at most 30 s ahead"), "{message}");
    }
    assert_eq!(
        results[1]["accepted"], true,
        "10 s ahead is within the tolerance: {body}"
    );
    assert_eq!(results[3]["error"]["code"], "invalid_position", "{body}");

    // The next real fix is taken.
    admin.ok(admin
        .post(
            "/api/positions",
            json!({"positions": [{"unit": "car-1", "lon": 8.7012, "lat": 49.4121}]}),
        )
        .await);
    let unit = admin.ok(admin.get("/api/units/car-1").await);
    assert_eq!(
        unit["position"]["point"],
        json!({"lon": 8.7012, "lat": 49.4121}),
        "{unit}"
    );
    assert!(
        unit["position"]["at"].as_i64().unwrap() <= now_ms(),
        "{unit}"
    );
    running.task.abort();
}

/// A server with MQTT ingest and a publishing device that may send up to 1 MB.
async fn start_with_mqtt() -> (Api, server::Running, rumqttc::AsyncClient, String) {
    use rumqttc::{AsyncClient, MqttOptions};
    let (directory, db) = temp_sqlite();
    let _ = directory;
    let running = start_in_process(db, "", Some(common::mqtt_address())).await;
    let admin = Api::new(&format!("http://{}", running.address), Some(ADMIN_TOKEN));
    set_up_city(&admin).await;
    let unit = unique_name();
    admin.ok(admin
        .post(
            "/api/units",
            json!({"id": unit, "name": "mqtt car", "kind": "patrol_car", "home": "WS-Altstadt"}),
        )
        .await);
    let mut options = MqttOptions::new(format!("test-{unit}"), "127.0.0.1", 1883);
    options.set_max_packet_size(1 << 20, 1 << 20);
    let (client, mut event_loop) = AsyncClient::new(options, 16);
    tokio::spawn(async move { while event_loop.poll().await.is_ok() {} });
    (admin, running, client, unit)
}

async fn publish(client: &rumqttc::AsyncClient, unit: &str, payload: Vec<u8>) {
    client
        .publish(
            format!("pingan/units/{unit}/position"),
            rumqttc::QoS::AtLeastOnce,
            false,
            payload,
        )
        .await
        .unwrap();
}

/// Publishes `lon, lat` until the unit shows it (the server may still be subscribing), or, with
/// `once`, publishes it once and waits for it.
async fn publish_until_shown(
    admin: &Api,
    client: &rumqttc::AsyncClient,
    unit: &str,
    (lon, lat): (f64, f64),
    once: bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let mut published = false;
    loop {
        if !(once && published) {
            publish(
                client,
                unit,
                json!({"lon": lon, "lat": lat}).to_string().into_bytes(),
            )
            .await;
            published = true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        let body = admin.ok(admin.get(&format!("/api/units/{unit}")).await);
        if body["position"]["point"] == json!({"lon": lon, "lat": lat}) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no MQTT position ({lon}, {lat}) arrived: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fix_dated_in_the_future_over_mqtt_is_dropped_and_counted() {
    let (admin, running, client, unit) = start_with_mqtt().await;
    publish_until_shown(&admin, &client, &unit, (8.6931, 49.4094), false).await;
    let counters = &running.state.shared.mqtt;
    let refused_before = counters.n_refused.load(Ordering::Relaxed);
    let future = json!({"lon": 8.70, "lat": 49.41, "at": 2_111_542_675_368_i64});
    publish(&client, &unit, future.to_string().into_bytes()).await;
    publish_until_shown(&admin, &client, &unit, (8.6945, 49.4101), true).await;
    // At least: a server in another test of this run refuses that test's units the same way.
    assert!(counters.n_refused.load(Ordering::Relaxed) > refused_before);
    running.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_payloads_over_10_kb_are_skipped_and_the_connection_stays() {
    let (admin, running, client, unit) = start_with_mqtt().await;
    publish_until_shown(&admin, &client, &unit, (8.6931, 49.4094), false).await;
    let counters = &running.state.shared.mqtt;
    for size in [20 * 1024, 200 * 1024] {
        let mut payload = json!({"lon": 8.70, "lat": 49.41}).to_string().into_bytes();
        payload.resize(size, b' ');
        publish(&client, &unit, payload).await;
    }
    // Published once right behind them: it arrives only if the connection stayed up.
    publish_until_shown(&admin, &client, &unit, (8.6945, 49.4101), true).await;
    // At least: the other MQTT test's server is subscribed to the same topics.
    assert!(counters.n_oversize.load(Ordering::Relaxed) >= 2);
    running.task.abort();
}

async fn raw(
    api: &Api,
    method: reqwest::Method,
    path: &str,
    body: Vec<u8>,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let response = api
        .client
        .request(method, format!("{}{path}", api.base))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{status} {path}: not JSON: {text:?}"));
    (status, headers, value)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_method_and_size_errors_are_json() {
    let (admin, running) = start_on_sqlite().await;
    set_up_city(&admin).await;
    for path in [
        "/api/incidents?open=maybe",
        "/api/audit?limit=abc",
        "/api/audit?after=1e99",
    ] {
        let (status, _, body) = raw(&admin, reqwest::Method::GET, path, Vec::new()).await;
        check_error(
            &(status, body),
            StatusCode::BAD_REQUEST,
            "invalid_query",
            &["openapi.json"],
        );
    }
    let (status, headers, body) =
        raw(&admin, reqwest::Method::DELETE, "/api/units", Vec::new()).await;
    check_error(
        &(status, body),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &["/api/units", "DELETE", "POST"],
    );
    assert!(headers.contains_key("allow"));
    let (status, _, body) = raw(&admin, reqwest::Method::PUT, "/api/circles", Vec::new()).await;
    check_error(
        &(status, body),
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        &["GET"],
    );

    let mut too_big = br#"{"units": ["car-1"], "pad": ""#.to_vec();
    too_big.resize(2 * 1024 * 1024 + 100, b'x');
    too_big.extend_from_slice(b"\"}");
    for path in [
        "/api/incidents/1/dispatch",
        "/api/incidents",
        "/api/positions",
    ] {
        let (status, _, body) = raw(&admin, reqwest::Method::POST, path, too_big.clone()).await;
        check_error(
            &(status, body),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            &["2 MiB"],
        );
    }
    let (status, _, body) = raw(&admin, reqwest::Method::GET, "/api/feed", Vec::new()).await;
    assert!(status.is_client_error(), "{status}");
    assert!(body["error"]["code"].is_string(), "{body}");
    running.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_ids_crossed_or_overlapping_areas_and_far_workstations_are_refused() {
    let (admin, running) = start_on_sqlite().await;
    set_up_city(&admin).await;
    let long = "u".repeat(100 * 1024);
    for id in ["", "a/b", "a b", "car\u{0}", long.as_str()] {
        check_error(
            &admin
                .post(
                    "/api/units",
                    json!({"id": id, "name": "x", "kind": "patrol_car", "home": "WS-Altstadt"}),
                )
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_id",
            &["unit id", "1 to 64 characters", "- _ . :"],
        );
    }
    for id in ["派出所-1", "car.7:b_2"] {
        admin.ok(admin
            .post(
                "/api/units",
                json!({"id": id, "name": "x", "kind": "patrol_car", "home": "WS-Altstadt"}),
            )
            .await);
    }
    check_error(
        &admin
            .post(
                "/api/workstations",
                json!({"id": "WS/1", "name": "x", "category": "public_security_patrol",
                       "location": {"lon": 8.70, "lat": 49.41}}),
            )
            .await,
        StatusCode::BAD_REQUEST,
        "invalid_id",
        &["workstation id"],
    );

    let bow_tie = json!([[8.60, 49.30], [8.62, 49.32], [8.62, 49.30], [8.60, 49.32]]);
    check_error(
        &admin
            .post(
                "/api/jurisdictions",
                json!({"id": "PS-Bow", "name": "bow tie", "level": "police_station", "area": bow_tie}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_area",
        &["crosses itself"],
    );
    // Under PS-Mitte, West and East share the meridian 8.69: a third sibling over East overlaps.
    check_error(
        &admin
            .post(
                "/api/jurisdictions",
                json!({"id": "WS-Over", "name": "over", "level": "workstation", "parent": "PS-Mitte",
                       "area": [[8.72, 49.37], [8.73, 49.37], [8.73, 49.38], [8.72, 49.38]]}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "overlapping_area",
        &["WS-East"],
    );
    // A station beside PS-Mitte, sharing its eastern edge, is fine.
    admin.ok(admin
        .post(
            "/api/jurisdictions",
            json!({"id": "PS-Ost", "name": "Ost", "level": "police_station",
                       "area": [[8.74, 49.36], [8.78, 49.36], [8.78, 49.46], [8.74, 49.46]]}),
        )
        .await);

    // 5,500 km east of Heidelberg.
    check_error(
        &admin
            .post(
                "/api/workstations",
                json!({"id": "WS-Far", "name": "far", "category": "public_security_patrol",
                       "location": {"lon": 84.0, "lat": 49.41}}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "off_map",
        &["WS-Far"],
    );
    running.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_misspelt_body_field_is_named_with_the_nearest_field_issue_15() {
    let (admin, running) = start_on_sqlite().await;
    set_up_city(&admin).await;
    check_error(
        &admin
            .post(
                "/api/units",
                json!({"id": "car-9", "name": "x", "kind": "patrol_car", "hmoe": "WS-Altstadt"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
        &["unknown field `hmoe`", "did you mean 'home'?"],
    );
    check_error(
        &admin
            .post(
                "/api/units",
                json!({"id": "car-9", "name": "x", "kind": "patrol_cra", "home": "WS-Altstadt"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_body",
        &["patrol_cra", "did you mean 'patrol_car'?"],
    );
    running.task.abort();
}
