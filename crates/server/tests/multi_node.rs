//! Two server processes sharing one PostgreSQL log: changes made on both at once, the same unit
//! dispatched on both at the same moment, and both ending with the same state, which is the
//! replay of a log with no gap and no number twice.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::time::Duration;

fn call_at(lon: f64, lat: f64, address: &str) -> Value {
    json!({
        "category": "assistance", "priority": "P3",
        "location": {"lon": lon, "lat": lat}, "address": address,
    })
}

/// Waits until both servers report the same number of events, and returns it.
async fn converged(first: &Api, second: &Api) -> i64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let (_, a) = first.get("/api/health").await;
        let (_, b) = second.get("/api/health").await;
        if a["events"] == b["events"] {
            return a["events"].as_i64().unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the servers did not converge: {a} against {b}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn state_of(api: &Api) -> Value {
    json!({
        "units": api.ok(api.get("/api/units").await),
        "incidents": api.ok(api.get("/api/incidents").await),
        "workstations": api.ok(api.get("/api/workstations").await),
        "jurisdictions": api.ok(api.get("/api/jurisdictions").await),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_log_converge_without_gaps() {
    let prefix = format!("{}_", unique_name());
    let east = ServerProcess::start(&postgres_url(), &prefix, None);
    let west = ServerProcess::start(&postgres_url(), &prefix, None);
    let on_east = Api::new(&east.base, Some(ADMIN_TOKEN));
    let on_west = Api::new(&west.base, Some(ADMIN_TOKEN));

    set_up_city(&on_east).await;
    converged(&on_east, &on_west).await;
    let units = on_west.ok(on_west.get("/api/units").await);
    assert_eq!(
        units.as_array().unwrap().len(),
        4,
        "the west server follows the units added on the east server"
    );

    // Calls and positions on both servers at once: each decides on its own state, and the one
    // that finds its sequence numbers taken catches up and decides again.
    let mut tasks = Vec::new();
    for (name, api) in [("east", on_east.clone()), ("west", on_west.clone())] {
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for n in 0..15 {
                let address = format!("{name} {n}");
                let lon = 8.690 + 0.001 * n as f64;
                let body = api.ok(post_until_recorded(
                    &api,
                    "/api/incidents",
                    call_at(lon, 49.4095, &address),
                )
                .await);
                ids.push((body["incident"]["id"].as_u64().unwrap(), address));
                let unit = if name == "east" { "car-1" } else { "foot-1" };
                api.ok(post_until_recorded(
                    &api,
                    "/api/positions",
                    json!({"positions": [{"unit": unit, "lon": lon, "lat": 49.411}]}),
                )
                .await);
            }
            ids
        }));
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        acknowledged.extend(task.await.unwrap());
    }
    let mut ids: Vec<u64> = acknowledged.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 30, "every call got an incident id of its own");

    // The same unit sent to two incidents on two servers at the same moment: one dispatch wins.
    for round in 0..3 {
        let (first, second) = (ids[2 * round], ids[2 * round + 1]);
        let dispatch = |api: &Api, incident: u64| {
            let api = api.clone();
            async move {
                api.post(
                    &format!("/api/incidents/{incident}/dispatch"),
                    json!({"units": ["car-2"]}),
                )
                .await
            }
        };
        let (east_answer, west_answer) =
            tokio::join!(dispatch(&on_east, first), dispatch(&on_west, second));
        let statuses = [east_answer.0, west_answer.0];
        assert_eq!(
            statuses.iter().filter(|s| **s == StatusCode::OK).count(),
            1,
            "round {round}: exactly one dispatch of car-2 wins: {east_answer:?} {west_answer:?}"
        );
        let refused = if east_answer.0 == StatusCode::OK {
            &west_answer
        } else {
            &east_answer
        };
        assert_eq!(refused.0, StatusCode::CONFLICT, "{refused:?}");
        let winner = if east_answer.0 == StatusCode::OK {
            first
        } else {
            second
        };
        // Free car-2 again through the other server, once it has seen the dispatch.
        converged(&on_east, &on_west).await;
        on_west.ok(on_west
            .post(
                &format!("/api/incidents/{winner}/status"),
                json!({"status": "closed"}),
            )
            .await);
    }

    let n_events = converged(&on_east, &on_west).await;
    let east_state = state_of(&on_east).await;
    assert_eq!(east_state, state_of(&on_west).await);
    let incidents = east_state["incidents"].as_array().unwrap();
    for (id, address) in &acknowledged {
        assert!(
            incidents
                .iter()
                .any(|incident| incident["id"] == *id && incident["address"] == *address),
            "acknowledged call {id} ({address}) is in both states"
        );
    }

    let log = store::EventLog::open(&postgres_url(), &prefix)
        .await
        .unwrap();
    let events = log.load().await.unwrap();
    let seqs: Vec<i64> = events.iter().map(|event| event.seq).collect();
    assert_eq!(
        seqs,
        (1..=n_events).collect::<Vec<i64>>(),
        "the log holds 1..{n_events} once each"
    );
    let replayed = store::Projection::replay(&events).unwrap();
    let replayed_units: Vec<&dispatch::Unit> = replayed.centre.units().collect();
    let replayed_incidents: Vec<&dispatch::Incident> = replayed.centre.incidents().collect();
    assert_eq!(east_state["units"], json!(replayed_units));
    assert_eq!(east_state["incidents"], json!(replayed_incidents));

    drop(east);
    drop(west);
    log.destroy().await.unwrap();
}

/// Posts as a client should: an answer `overtaken` (503) recorded nothing and asks to send the
/// request again, which a busy, shared machine may well ask more than once.
async fn post_until_recorded(
    api: &common::Api,
    path: &str,
    body: serde_json::Value,
) -> (reqwest::StatusCode, serde_json::Value) {
    let mut answer = api.post(path, body.clone()).await;
    for _ in 0..10 {
        if answer.1["error"]["code"] != "overtaken" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        answer = api.post(path, body.clone()).await;
    }
    answer
}
