//! Export of an incident as a NENA EIDO JSON document (NENA-STA-021), so that other centres'
//! systems can take it over.

use crate::clock::rfc3339;
use dispatch::{CommandCentre, Incident, IncidentId, IncidentStatus, Unit};
use measure::Timestamp;
use serde_json::{json, Value};

pub const EIDO_VERSION: &str = "1.0";
pub const ELEMENT_ID: &str = "pingan.command-centre";

fn eido_status(status: IncidentStatus) -> &'static str {
    match status {
        IncidentStatus::Received => "Received",
        IncidentStatus::Dispatched => "Dispatched",
        IncidentStatus::OnScene => "OnScene",
        IncidentStatus::Closed => "Closed",
        IncidentStatus::Cancelled => "Cancelled",
    }
}

/// The document of `incident`, with the units and merged incidents `may_see_unit` and
/// `may_see_incident` allow (a workstation officer's token exports only its jurisdiction's units,
/// none of another's positions, and no merged incident of another jurisdiction).
pub fn document(
    centre: &CommandCentre,
    incident: &Incident,
    now: Timestamp,
    may_see_unit: impl Fn(&Unit) -> bool,
    may_see_incident: impl Fn(&Incident) -> bool,
) -> Value {
    let visible_incident = |id: IncidentId| centre.incident(id).is_ok_and(&may_see_incident);
    let incident_ref = format!("urn:pingan:incident:{}", incident.id);
    let location_ref = format!("urn:pingan:location:{}", incident.id);
    let agents: Vec<Value> = incident
        .units
        .iter()
        .filter_map(|unit_id| centre.unit(unit_id).ok())
        .filter(|unit| may_see_unit(unit))
        .map(|unit| {
            json!({
                "$id": format!("urn:pingan:unit:{}", unit.id),
                "agentIdentifier": unit.id,
                "agentName": unit.name,
                "agentTypeText": unit.kind.name(),
                "agencyReference": "urn:pingan:agency:command-centre",
                "agentStatus": {
                    "statusText": unit.status.name(),
                    "assignedToThisIncident": unit.incident == Some(incident.id),
                    "lastUpdateTimeStamp": unit.history.last().map(|change| rfc3339(change.at)),
                },
                "locationByValue": unit.position.map(|fix| json!({
                    "type": "Point", "coordinates": [fix.point.lon, fix.point.lat],
                    "timeStamp": rfc3339(fix.at),
                })),
            })
        })
        .collect();
    let persons: Vec<Value> = incident
        .callers
        .iter()
        .enumerate()
        .map(|(index, caller)| {
            json!({
                "$id": format!("urn:pingan:person:{}:{index}", incident.id),
                "personRoleText": "caller",
                "personName": caller.name,
                "personTelephone": caller.phone,
            })
        })
        .collect();
    let notes: Vec<Value> = incident
        .notes
        .iter()
        .map(|note| json!({"noteText": note.text, "noteDateTimeStamp": rfc3339(note.at)}))
        .collect();
    json!({
        "eidoVersion": EIDO_VERSION,
        "$id": format!("urn:pingan:eido:{}:{}", incident.id, now.0),
        "lastUpdateTimeStamp": rfc3339(now),
        "issuingElementIdentification": {
            "elementIdentifier": ELEMENT_ID,
            "elementTypeText": "CAD",
        },
        "agencyComponent": [{
            "$id": "urn:pingan:agency:command-centre",
            "agencyIdentifier": "pingan",
            "agencyName": "pingan command centre",
            "agencyTypeText": "Police",
        }],
        "incidentComponent": {
            "$id": incident_ref,
            "incidentTrackingIdentifier": incident.id.to_string(),
            "incidentStatusCommonRegistryText": [eido_status(incident.status)],
            "incidentTypeCommonRegistryText": [incident.category.name()],
            "incidentPriorityText": incident.priority.to_string(),
            "incidentCreationTimeStamp": rfc3339(incident.received_at),
            "locationReference": location_ref,
            "mergedIntoIncidentTrackingIdentifier": incident.merged_into.filter(|id| visible_incident(*id)).map(|id| id.to_string()),
            "mergedIncidentTrackingIdentifiers": incident.merged_from.iter().filter(|id| visible_incident(**id)).map(|id| id.to_string()).collect::<Vec<_>>(),
        },
        "locationComponent": [{
            "$id": location_ref,
            "locationByValue": {
                "type": "Point",
                "coordinates": [incident.location.lon, incident.location.lat],
                "crs": "urn:ogc:def:crs:OGC::CRS84",
            },
            "civicAddressText": incident.address,
            "jurisdictionText": incident.jurisdictions.iter().map(|id| id.to_string()).collect::<Vec<_>>(),
        }],
        "agentComponent": agents,
        "personComponent": persons,
        "notesComponent": notes,
    })
}
