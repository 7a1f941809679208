//! Position ingest from MQTT: devices publish `{"lon", "lat", "system"?, "at"?}` to
//! `pingan/units/{unit_id}/position`; each valid report becomes a position event, like a POST.

use crate::api::{position_change, PointInput};
use crate::state::AppState;
use dispatch::UnitId;
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde::Deserialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub const POSITION_TOPIC: &str = "pingan/units/+/position";

/// A position report is under 200 bytes; bigger payloads are skipped and counted.
pub const MAX_POSITION_PAYLOAD: usize = 4 * 1024;

/// The largest MQTT packet the client takes. rumqttc's default (10 KB) drops the connection on
/// anything bigger, and with it the messages around it; this bound is what a broker's
/// `message_size_limit` should be set to at most.
pub const MAX_PACKET_BYTES: usize = 1024 * 1024;

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
    // Unique per server, also for several servers in one process: the broker drops the older
    // connection of a client id used twice.
    let client_id = format!(
        "pingan-server-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    );
    let mut options = MqttOptions::new(client_id, host, port);
    options.set_keep_alive(Duration::from_secs(30));
    options.set_max_packet_size(MAX_PACKET_BYTES, MAX_PACKET_BYTES);
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
    let counters = &state.shared.mqtt;
    if payload.len() > MAX_POSITION_PAYLOAD {
        let n_oversize = counters.n_oversize.fetch_add(1, Ordering::Relaxed) + 1;
        if n_oversize.is_power_of_two() {
            eprintln!(
                "pingan: MQTT {}: a payload of {} bytes skipped (limit {MAX_POSITION_PAYLOAD}); {n_oversize} skipped so far",
                shown_topic(topic),
                payload.len()
            );
        }
        return;
    }
    let refuse = |why: &str| {
        let n_refused = counters.n_refused.fetch_add(1, Ordering::Relaxed) + 1;
        if n_refused.is_power_of_two() || n_refused < 100 {
            eprintln!(
                "pingan: MQTT {}: {why}; {n_refused} reports refused so far",
                shown_topic(topic)
            );
        }
    };
    let report: Report = match serde_json::from_slice(payload) {
        Ok(report) => report,
        Err(error) => {
            refuse(&format!(
                "not a position ({error}); expected {{\"lon\": .., \"lat\": ..}}"
            ));
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
            refuse(&error.message);
            return;
        }
    };
    match state.commit_batch("mqtt", vec![change]).await {
        Ok(results) => match results.into_iter().next() {
            Some(Err(error)) => refuse(&error.message),
            _ => {
                counters.n_accepted.fetch_add(1, Ordering::Relaxed);
            }
        },
        Err(error) => refuse(&error.message),
    }
}

/// The topic for a log line, cut short: a device picks it.
fn shown_topic(topic: &str) -> String {
    topic
        .chars()
        .take(100)
        .collect::<String>()
        .escape_debug()
        .to_string()
}

/// What became of the reports that arrived over MQTT.
#[derive(Debug, Default)]
pub struct IngestCounters {
    pub n_accepted: AtomicU64,
    /// Not a valid position, an unknown unit, a fix dated ahead of the clock, …
    pub n_refused: AtomicU64,
    /// Payloads over [`MAX_POSITION_PAYLOAD`].
    pub n_oversize: AtomicU64,
}
