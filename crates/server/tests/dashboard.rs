//! The dashboard is served by the server itself, without a token, while its data still needs one.

mod common;

use common::temp_sqlite;
use dispatch::{TravelError, TravelRows, TravelTimes};
use measure::{LonLat, Seconds};
use roadnet::Profile;
use std::sync::Arc;

/// Serving files needs no roads; any request that did would fail loudly.
struct NoRoads;

impl TravelTimes for NoRoads {
    fn table(
        &self,
        profile: Profile,
        _: &[LonLat],
        _: &[LonLat],
    ) -> Result<TravelRows, TravelError> {
        Err(TravelError::NoGraph {
            profile,
            reason: "this test serves files only".into(),
        })
    }
    fn reach(
        &self,
        profile: Profile,
        _: LonLat,
        _: Seconds,
    ) -> Result<Vec<(LonLat, Seconds)>, TravelError> {
        Err(TravelError::NoGraph {
            profile,
            reason: "this test serves files only".into(),
        })
    }
}

#[tokio::test]
async fn root_serves_the_dashboard_and_its_bundle_without_a_token() {
    let (directory, db) = temp_sqlite();
    let running = server::start_with(
        server::ServeConfig {
            graph: Default::default(),
            db,
            listen: "127.0.0.1:0".parse().unwrap(),
            mqtt: None,
            admin_token: Some("dashboard-test-admin".into()),
            table_prefix: String::new(),
        },
        Arc::new(NoRoads),
    )
    .await
    .unwrap();
    let base = format!("http://{}", running.address);
    let client = reqwest::Client::new();

    let page = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page loads a script");
    assert!(
        script.starts_with("app-") && script.ends_with(".js"),
        "{script}"
    );

    let bundle = client.get(format!("{base}/{script}")).send().await.unwrap();
    assert_eq!(bundle.status(), 200);
    assert_eq!(
        bundle.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    assert!(bundle.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    assert!(
        bundle.bytes().await.unwrap().len() > 100_000,
        "the bundle holds MapLibre"
    );

    let data = client
        .get(format!("{base}/api/units"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        data.status(),
        401,
        "the dashboard is public, its data is not"
    );

    let missing = client
        .get(format!("{base}/no-such-file.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "route_not_found");
    let api_missing = client
        .get(format!("{base}/api/index.html"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_missing.status(),
        404,
        "API paths never fall through to files"
    );

    running.task.abort();
    let _ = std::fs::remove_dir_all(directory);
}
