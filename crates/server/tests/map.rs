//! The command map's endpoints on Heidelberg: the extent, vector tiles of our own roads, and
//! rapid-response circles by road, each behind a token and refusing bad requests clearly.

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

const ADMIN: &str = "map-admin";

async fn start() -> (String, server::Running) {
    let network = Arc::new(fixtures::heidelberg().clone());
    let directory = std::env::temp_dir().join(format!(
        "pingan-map-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&directory).unwrap();
    let config = server::ServeConfig {
        graph: directory.join("heidelberg.graph"),
        db: format!("sqlite://{}", directory.join("map.db").display()),
        listen: "127.0.0.1:0".parse().unwrap(),
        mqtt: None,
        admin_token: Some(ADMIN.to_string()),
        table_prefix: String::new(),
    };
    let running = server::start_on(config, network).await.unwrap();
    (format!("http://{}", running.address), running)
}

async fn get(client: &Client, url: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn error_code(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_serves_its_extent_tiles_and_circles() {
    let (base, running) = start().await;
    let client = Client::new();

    let meta: Value = get(&client, &format!("{base}/api/map"), Some(ADMIN))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(meta["name"], "heidelberg");
    let bounds: Vec<f64> = serde_json::from_value(meta["bounds"].clone()).unwrap();
    assert!(bounds[0] < 8.69 && 8.69 < bounds[2], "{meta}");
    assert!(bounds[1] < 49.41 && 49.41 < bounds[3], "{meta}");

    // Zoom 14 tile holding Bismarckplatz.
    let (z, x, y) = (14u8, 8587u32, 5598u32);
    let response = get(
        &client,
        &format!("{base}/tiles/{z}/{x}/{y}.pbf"),
        Some(ADMIN),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    let bytes = response.bytes().await.unwrap();
    let expected = tiles::BaseMap::build(fixtures::heidelberg())
        .tile(z, x, y)
        .unwrap();
    assert!(!bytes.is_empty());
    assert_eq!(
        bytes.as_ref(),
        expected.as_slice(),
        "the served tile is the base map's"
    );

    let workstation = json!({"id": "WS-1", "name": "Bismarckplatz", "category": "public_security_patrol",
        "location": {"lon": 8.6931, "lat": 49.4094}});
    let added = client
        .post(format!("{base}/api/workstations"))
        .bearer_auth(ADMIN)
        .json(&workstation)
        .send()
        .await
        .unwrap();
    assert_eq!(
        added.status(),
        StatusCode::CREATED,
        "{:?}",
        added.text().await
    );
    let circles: Value = get(
        &client,
        &format!("{base}/api/circles?minutes=1,3"),
        Some(ADMIN),
    )
    .await
    .json()
    .await
    .unwrap();
    let features = circles["features"].as_array().unwrap();
    assert_eq!(features.len(), 2);
    assert_eq!(features[0]["properties"]["workstation_id"], "WS-1");
    assert_eq!(features[0]["properties"]["minutes"], 1.0);
    assert_eq!(features[1]["properties"]["minutes"], 3.0);
    assert_eq!(features[0]["geometry"]["type"], "MultiPolygon");
    let km = |i: usize| features[i]["properties"]["road_km"].as_f64().unwrap();
    assert!(
        0.0 < km(0) && km(0) < km(1),
        "3 minutes reach more road than 1"
    );
    running.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn places_are_entered_and_drawn_as_geojson() {
    let (base, running) = start().await;
    let client = Client::new();
    let post = |body: Value| {
        client
            .post(format!("{base}/api/places"))
            .bearer_auth(ADMIN)
            .json(&body)
            .send()
    };
    let market = json!({"id": "P-1", "name": "Marktplatz", "kind": "crowded_place",
        "point": {"lon": 8.7103, "lat": 49.4120}});
    assert_eq!(
        post(market.clone()).await.unwrap().status(),
        StatusCode::CREATED
    );
    let line = json!({"id": "L-1", "name": "Hauptstraße必巡线", "kind": "must_patrol",
        "line": [{"lon": 8.6931, "lat": 49.4094}, {"lon": 8.7103, "lat": 49.4120}]});
    assert_eq!(post(line).await.unwrap().status(), StatusCode::CREATED);
    // A GCJ-02 point (as Chinese map services give) is stored in WGS-84.
    let gcj = measure::wgs84_to_gcj02(measure::LonLat::new(8.70, 49.41).unwrap());
    let converted = json!({"id": "P-2", "name": "Rathaus", "kind": "key_unit",
        "point": {"lon": gcj.lon, "lat": gcj.lat, "system": "gcj02"}});
    assert_eq!(post(converted).await.unwrap().status(), StatusCode::CREATED);

    let places: Value = get(&client, &format!("{base}/api/places"), Some(ADMIN))
        .await
        .json()
        .await
        .unwrap();
    let features = places["features"].as_array().unwrap();
    assert_eq!(features.len(), 3);
    let by_id = |id: &str| {
        features
            .iter()
            .find(|f| f["properties"]["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("P-1")["geometry"]["type"], "Point");
    assert_eq!(by_id("P-1")["properties"]["kind"], "crowded_place");
    assert_eq!(by_id("L-1")["geometry"]["type"], "LineString");
    let stored: Vec<f64> =
        serde_json::from_value(by_id("P-2")["geometry"]["coordinates"].clone()).unwrap();
    assert!(
        (stored[0] - 8.70).abs() < 1e-5 && (stored[1] - 49.41).abs() < 1e-5,
        "{stored:?}"
    );

    for (body, status, code) in [
        (market, StatusCode::CONFLICT, "place_exists"),
        (
            json!({"id": "L-2", "name": "x", "kind": "must_patrol", "point": {"lon": 8.7, "lat": 49.4}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_place",
        ),
        (
            json!({"id": "P-3", "name": "x", "kind": "vital_site"}),
            StatusCode::BAD_REQUEST,
            "invalid_place",
        ),
        (
            json!({"id": "P-4", "name": "x", "kind": "castle", "point": {"lon": 8.7, "lat": 49.4}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            json!({"id": "P-5", "name": "x", "kind": "vital_site", "point": {"lon": 200.0, "lat": 49.4}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_position",
        ),
    ] {
        let (got_status, got_code, message) = error_code(post(body.clone()).await.unwrap()).await;
        assert_eq!(
            (got_status, got_code.as_str()),
            (status, code),
            "{body}: {message}"
        );
    }
    let after: Value = get(&client, &format!("{base}/api/places"), Some(ADMIN))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        after["features"].as_array().unwrap().len(),
        3,
        "refused places change nothing"
    );
    running.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_refuses_bad_requests_with_a_reason() {
    let (base, running) = start().await;
    let client = Client::new();
    for path in [
        "/api/map",
        "/tiles/14/8587/5598.pbf",
        "/api/circles",
        "/api/places",
    ] {
        let (status, code, _) =
            error_code(get(&client, &format!("{base}{path}"), None).await).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "unauthorized"),
            "{path}"
        );
    }
    for (path, status, code, says) in [
        (
            "/tiles/14/8587/5598.png",
            StatusCode::BAD_REQUEST,
            "bad_tile_address",
            ".pbf",
        ),
        (
            "/tiles/x/8587/5598.pbf",
            StatusCode::BAD_REQUEST,
            "bad_tile_address",
            "zoom",
        ),
        (
            "/tiles/3/9/1.pbf",
            StatusCode::NOT_FOUND,
            "tile_out_of_range",
            "3/9/1",
        ),
        (
            "/api/circles?minutes=1,x",
            StatusCode::BAD_REQUEST,
            "bad_minutes",
            "'x'",
        ),
        (
            "/api/circles?minutes=90",
            StatusCode::BAD_REQUEST,
            "bad_minutes",
            "90",
        ),
    ] {
        let (got_status, got_code, message) =
            error_code(get(&client, &format!("{base}{path}"), Some(ADMIN)).await).await;
        assert_eq!(
            (got_status, got_code.as_str()),
            (status, code),
            "{path}: {message}"
        );
        assert!(
            message.contains(says),
            "{path}: '{message}' should name {says}"
        );
    }
    running.task.abort();
}
