//! Position ingest from MQTT: devices publish `{"lon", "lat", "system"?, "at"?}` to
//! `pingan/units/{unit_id}/position`; each valid report becomes a position event, like a POST.

use crate::api::{position_change, PointInput};
use crate::state::AppState;
use dispatch::UnitId;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde::Deserialize;
use std::time::Duration;

pub const POSITION_TOPIC: &str = "pingan/units/+/position";

#[derive(Deserialize)]
struct Report {
    lon: f64,
    lat: f64,
    #[serde(default)]
    system: measure::CoordinateSystem,
    #[serde(default)]
    at: Option<i64>,
}

/// The unit id of a position topic, or `None` for any other topic.
pub fn unit_of_topic(topic: &str) -> Option<UnitId> {
    let unit = topic
        .strip_prefix("pingan/units/")?
        .strip_suffix("/position")?;
    (!unit.is_empty() && !unit.contains('/')).then(|| UnitId(unit.to_string()))
}

/// Parses `host:port` (port 1883 when absent).
pub fn parse_address(address: &str) -> anyhow::Result<(String, u16)> {
    let address = address.strip_prefix("mqtt://").unwrap_or(address);
    match address.rsplit_once(':') {
        Some((host, port)) => Ok((
            host.to_string(),
            port.parse().map_err(|_| {
                anyhow::anyhow!("MQTT address '{address}' has no valid port; write HOST:PORT, e.g. 127.0.0.1:1883")
            })?,
        )),
        None => Ok((address.to_string(), 1883)),
    }
}

/// Subscribes and ingests until the process ends, reconnecting after broker outages.
pub async fn ingest(state: AppState, address: String) -> anyhow::Result<()> {
    let (host, port) = parse_address(&address)?;
    let client_id = format!("pingan-server-{}", std::process::id());
    let mut options = MqttOptions::new(client_id, host, port);
    options.set_keep_alive(Duration::from_secs(30));
    let (client, mut event_loop) = AsyncClient::new(options, 1024);
    let mut n_errors_logged = 0u32;
    loop {
        match event_loop.poll().await {
            Ok(Event::Incoming(Packet::ConnAck(_))) => {
                client.subscribe(POSITION_TOPIC, QoS::AtLeastOnce).await?;
            }
            Ok(Event::Incoming(Packet::Publish(publish))) => {
                handle(&state, &publish.topic, &publish.payload).await;
            }
            Ok(_) => {}
            Err(error) => {
                if n_errors_logged < 5 {
                    eprintln!("pingan: MQTT broker {address}: {error}; retrying");
                    n_errors_logged += 1;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

async fn handle(state: &AppState, topic: &str, payload: &[u8]) {
    let Some(unit) = unit_of_topic(topic) else {
        return;
    };
    let report: Report = match serde_json::from_slice(payload) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("pingan: MQTT {topic}: not a position ({error}); expected {{\"lon\": .., \"lat\": ..}}");
            return;
        }
    };
    let point = PointInput {
        lon: report.lon,
        lat: report.lat,
        system: report.system,
    };
    let change = match position_change(unit, point, report.at) {
        Ok(change) => change,
        Err(error) => {
            eprintln!("pingan: MQTT {topic}: {}", error.message);
            return;
        }
    };
    match state.commit_batch("mqtt", vec![change]).await {
        Ok(results) => {
            if let Some(Err(error)) = results.into_iter().next() {
                eprintln!("pingan: MQTT {topic}: {}", error.message);
            }
        }
        Err(error) => eprintln!("pingan: MQTT {topic}: {}", error.message),
    }
}
