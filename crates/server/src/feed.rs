//! The WebSocket live feed: every durable change, as JSON, for the map. A workstation officer's
//! feed carries only the units and incidents of the token's jurisdiction.

use crate::auth::{Need, Principal};
use crate::clock;
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use serde_json::json;
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

fn visible(state: &AppState, principal: &Principal, event: &Event) -> bool {
    if principal.jurisdiction.is_none() || principal.role != store::Role::WorkstationOfficer {
        return !matches!(
            event.change,
            Change::TokenIssued { .. } | Change::TokenRevoked { .. }
        ) || principal.role == store::Role::Admin;
    }
    let core = state.read();
    let centre = &core.projection.centre;
    match &event.change {
        Change::PositionReported { unit, .. } | Change::UnitStatusChanged { unit, .. } => centre
            .unit(unit)
            .is_ok_and(|unit| principal.may_see_unit(centre, unit)),
        Change::CallReceived { incident, .. }
        | Change::NoteAdded { incident, .. }
        | Change::UnitsDispatched { incident, .. }
        | Change::IncidentStatusChanged { incident, .. }
        | Change::DuplicateMerged {
            primary: incident, ..
        } => centre
            .incident(*incident)
            .is_ok_and(|incident| principal.may_see_incident(centre, incident)),
        Change::UnitAdded { unit } => principal.may_see_unit(centre, unit),
        Change::TokenIssued { .. } | Change::TokenRevoked { .. } => false,
        Change::JurisdictionAdded { .. }
        | Change::WorkstationAdded { .. }
        | Change::PlaceAdded { .. } => true,
    }
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
                if !visible(&state, &principal, &event) {
                    continue;
                }
                let message = json!({
                    "type": "event",
                    "seq": event.seq,
                    "at": event.at.0,
                    "actor": event.actor,
                    "change": event.change,
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
