//! Shared by the end-to-end tests: a Heidelberg graph file, the server as a child process, an HTTP
//! client with a token, and a small command centre set up over the API.

#![allow(dead_code)]

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

pub const ADMIN_TOKEN: &str = "test-admin-token";

#[allow(unused_imports)] // not every test file uses both
pub use fixtures::services::{mqtt_address, postgres_url};

pub fn unique_name() -> String {
    use rand::Rng;
    format!(
        "e2e{}_{:08x}",
        std::process::id(),
        rand::thread_rng().gen::<u32>()
    )
}

/// Heidelberg's graph, imported once per test process and saved where the server can load it.
pub fn graph_file() -> &'static Path {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        remove_graphs_of_finished_runs();
        let directory =
            std::env::temp_dir().join(format!("pingan-e2e-graph-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let file = directory.join("heidelberg.graph");
        fixtures::heidelberg().save(&file).unwrap();
        file
    })
}

/// Each test process leaves its 45 MB graph behind (tests have no exit hook); the next run
/// removes those whose process has ended.
fn remove_graphs_of_finished_runs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if let Some(pid) = name.strip_prefix("pingan-e2e-graph-") {
            if !Path::new("/proc").join(pid).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

pub fn temp_sqlite() -> (PathBuf, String) {
    let directory = std::env::temp_dir().join(format!("pingan-e2e-{}", unique_name()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("pingan.db");
    let url = format!("sqlite://{}", file.display());
    (directory, url)
}

/// The server as a child process on a free port.
pub struct ServerProcess {
    pub child: Child,
    pub base: String,
}

impl ServerProcess {
    pub fn start(db: &str, table_prefix: &str, mqtt: Option<&str>) -> ServerProcess {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pingan-server"));
        command
            .args(["--graph", graph_file().to_str().unwrap()])
            .args(["--db", db])
            .args(["--listen", "127.0.0.1:0"])
            .args(["--admin-token", ADMIN_TOKEN])
            .args(["--table-prefix", table_prefix])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(mqtt) = mqtt {
            command.args(["--mqtt", mqtt]);
        }
        let mut child = command.spawn().expect("the server binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server says where it listens, got {line:?}"))
            .to_string();
        ServerProcess { child, base }
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone)]
pub struct Api {
    pub client: Client,
    pub base: String,
    pub token: Option<String>,
}

impl Api {
    pub fn new(base: &str, token: Option<&str>) -> Api {
        Api {
            client: Client::new(),
            base: base.to_string(),
            token: token.map(str::to_string),
        }
    }

    pub fn with_token(&self, token: &str) -> Api {
        Api {
            token: Some(token.to_string()),
            ..self.clone()
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        let response = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .request(reqwest::Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_raw(&self, path: &str, body: &'static str) -> (StatusCode, Value) {
        let response = self
            .request(reqwest::Method::POST, path)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    #[track_caller]
    pub fn ok(&self, (status, body): (StatusCode, Value)) -> Value {
        assert!(status.is_success(), "{status}: {body}");
        body
    }
}

/// A square around (lon, lat), `half` degrees each way, as [lon, lat] pairs.
pub fn square(lon: f64, lat: f64, half: f64) -> Value {
    json!([
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half]
    ])
}

/// Altstadt station with two workstations (west: Bergheim, east: Altstadt), each with a police
/// office and a grid; cars, an armed car and a foot patrol.
pub async fn set_up_city(api: &Api) {
    let jurisdictions = [
        json!({"id": "PS-Mitte", "name": "Polizeirevier Mitte", "level": "police_station", "area": square(8.69, 49.41, 0.05)}),
        json!({"id": "WS-West", "name": "Bergheim", "level": "workstation", "parent": "PS-Mitte",
               "area": [[8.64, 49.36], [8.69, 49.36], [8.69, 49.46], [8.64, 49.46]]}),
        json!({"id": "WS-East", "name": "Altstadt", "level": "workstation", "parent": "PS-Mitte",
               "area": [[8.69, 49.36], [8.74, 49.36], [8.74, 49.46], [8.69, 49.46]]}),
        json!({"id": "PO-East", "name": "Marktplatz", "level": "police_office", "parent": "WS-East",
               "area": [[8.69, 49.40], [8.72, 49.40], [8.72, 49.42], [8.69, 49.42]]}),
        json!({"id": "G-East-1", "name": "Grid Hauptstraße", "level": "patrol_grid", "parent": "PO-East",
               "area": [[8.69, 49.405], [8.71, 49.405], [8.71, 49.415], [8.69, 49.415]]}),
    ];
    for jurisdiction in jurisdictions {
        api.ok(api.post("/api/jurisdictions", jurisdiction).await);
    }
    api.ok(
        api.post(
            "/api/workstations",
            json!({"id": "WS-Altstadt", "name": "Altstadt", "category": "public_security_patrol",
                   "location": {"lon": 8.7035, "lat": 49.4108}, "jurisdiction": "WS-East", "staffing": 12}),
        )
        .await,
    );
    api.ok(
        api.post(
            "/api/workstations",
            json!({"id": "WS-Bergheim", "name": "Bergheim", "category": "counter_terror",
                   "location": {"lon": 8.6890, "lat": 49.4095}, "jurisdiction": "WS-West", "staffing": 20}),
        )
        .await,
    );
    let units = [
        ("car-1", "patrol_car", "WS-Altstadt", 8.7000, 49.4155),
        ("car-2", "patrol_car", "WS-Bergheim", 8.6890, 49.4095),
        (
            "armed-1",
            "armed_patrol_car",
            "WS-Bergheim",
            8.6756,
            49.4037,
        ),
        ("foot-1", "foot_patrol", "WS-Altstadt", 8.7060, 49.4110),
    ];
    for (id, kind, home, lon, lat) in units {
        api.ok(api
            .post(
                "/api/units",
                json!({"id": id, "name": id, "kind": kind, "home": home}),
            )
            .await);
        api.ok(api
            .post(
                "/api/positions",
                json!({"positions": [{"unit": id, "lon": lon, "lat": lat}]}),
            )
            .await);
    }
}

pub async fn issue_token(api: &Api, role: &str, jurisdiction: Option<&str>) -> String {
    let body = api.ok(api
        .post(
            "/api/tokens",
            json!({"role": role, "jurisdiction": jurisdiction, "label": format!("{role}-1")}),
        )
        .await);
    body["token"].as_str().unwrap().to_string()
}
