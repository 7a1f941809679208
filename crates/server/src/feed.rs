//! The WebSocket live feed: every durable change, as JSON, for the map. A workstation officer's
//! feed carries only the units and incidents of the token's jurisdiction.

use crate::auth::{Need, Principal};
use crate::clock;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use dispatch::{IncidentId, UnitId};
use serde_json::{json, Value};
use std::sync::Arc;
use store::{Change, Event};
use tokio::sync::broadcast::error::RecvError;

pub async fn upgrade(
    State(state): State<AppState>,
    principal: Principal,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    principal.require(Need::Read)?;
    Ok(upgrade.on_upgrade(move |socket| follow(socket, state, principal)))
}

/// The event's change as this token may see it, or `None` when it may not see the event. A
/// workstation officer sees the units and incidents of the token's jurisdiction only: a dispatch
/// there lists only those units (in what was sent and in the ranking shown), and a merge shows
/// only when both incidents lie there.
fn shown_change(state: &AppState, principal: &Principal, event: &Event) -> Option<Value> {
    if principal.jurisdiction.is_none() || principal.role != store::Role::WorkstationOfficer {
        let visible = !matches!(
            event.change,
            Change::TokenIssued { .. } | Change::TokenRevoked { .. }
        ) || principal.role == store::Role::Admin;
        return visible.then(|| json!(event.change));
    }
    let core = state.read();
    let centre = &core.projection.centre;
    let sees_unit = |unit: &UnitId| {
        centre
            .unit(unit)
            .is_ok_and(|unit| principal.may_see_unit(centre, unit))
    };
    let sees_incident = |incident: IncidentId| {
        centre
            .incident(incident)
            .is_ok_and(|incident| principal.may_see_incident(centre, incident))
    };
    let visible = match &event.change {
        Change::PositionReported { unit, .. } | Change::UnitStatusChanged { unit, .. } => {
            sees_unit(unit)
        }
        Change::UnitsDispatched {
            incident,
            units,
            ranking,
        } => {
            if !sees_incident(*incident) {
                return None;
            }
            let change = Change::UnitsDispatched {
                incident: *incident,
                units: units
                    .iter()
                    .filter(|unit| sees_unit(unit))
                    .cloned()
                    .collect(),
                ranking: ranking_within(ranking, &sees_unit),
            };
            return Some(json!(change));
        }
        Change::CallReceived { incident, .. }
        | Change::NoteAdded { incident, .. }
        | Change::IncidentStatusChanged { incident, .. } => sees_incident(*incident),
        Change::DuplicateMerged { primary, duplicate } => {
            sees_incident(*primary) && sees_incident(*duplicate)
        }
        Change::UnitAdded { unit } => principal.may_see_unit(centre, unit),
        Change::TokenIssued { .. } | Change::TokenRevoked { .. } => false,
        Change::JurisdictionAdded { .. }
        | Change::WorkstationAdded { .. }
        | Change::PlaceAdded { .. } => true,
    };
    visible.then(|| json!(event.change))
}

/// The audit record of a ranking (see `api::audit_ranking`) with only the units `sees` allows.
fn ranking_within(ranking: &Value, sees: &impl Fn(&UnitId) -> bool) -> Value {
    let mut ranking = ranking.clone();
    let Some(fields) = ranking.as_object_mut() else {
        return Value::Null;
    };
    let sees_value = |value: &Value| {
        value
            .as_str()
            .is_some_and(|unit| sees(&UnitId(unit.to_string())))
    };
    for list in ["ranked", "excluded"] {
        if let Some(Value::Array(items)) = fields.get_mut(list) {
            items.retain(|item| sees_value(&item["unit"]));
        }
    }
    if let Some(Value::Array(units)) = fields.get_mut("proposed") {
        units.retain(sees_value);
    }
    ranking
}

async fn follow(mut socket: WebSocket, state: AppState, principal: Principal) {
    let mut events = state.shared.feed.subscribe();
    let hello =
        json!({"type": "hello", "role": principal.role, "at": clock::rfc3339(clock::now())});
    if socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            received = events.recv() => {
                let event: Arc<Event> = match received {
                    Ok(event) => event,
                    Err(RecvError::Lagged(n_missed)) => {
                        let notice = json!({"type": "lagged", "missed": n_missed});
                        if socket.send(Message::Text(notice.to_string().into())).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    Err(RecvError::Closed) => return,
                };
                let Some(change) = shown_change(&state, &principal, &event) else {
                    continue;
                };
                let message = json!({
                    "type": "event",
                    "seq": event.seq,
                    "at": event.at.0,
                    "actor": event.actor,
                    "change": change,
                });
                if socket.send(Message::Text(message.to_string().into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => {
                match incoming {
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(_)) => {}
                }
            }
        }
    }
}
