//! API tokens and roles: who may read, operate, see KPIs or administer, and, for a workstation
//! officer, which incidents and units lie in the token's jurisdiction.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use dispatch::{CommandCentre, Incident, JurisdictionId, Unit};
use sha2::{Digest, Sha256};
use store::Role;

/// The holder of a valid token.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub role: Role,
    pub jurisdiction: Option<JurisdictionId>,
    /// Recorded as the actor of every change this token makes.
    pub label: String,
}

/// What a request needs to be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Read,
    /// Calls, dispatch, statuses, positions.
    Operate,
    /// KPIs and the audit log.
    Analyse,
    /// Jurisdictions, workstations and units.
    Configure,
    /// Tokens.
    Administer,
}

pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A fresh random token: 32 hex digits from the OS's random source.
pub fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let digits: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("pa_{digits}")
}

impl Principal {
    pub fn require(&self, need: Need) -> Result<(), ApiError> {
        let allowed = match (self.role, need) {
            (Role::Admin, _) => true,
            (Role::Dispatcher, Need::Administer) => false,
            (Role::Dispatcher, _) => true,
            (Role::WorkstationOfficer, Need::Read | Need::Operate) => true,
            (Role::Analyst, Need::Read | Need::Analyse) => true,
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "forbidden",
                format!(
                    "a {} token may not {}; ask an administrator for a token with that right",
                    self.role,
                    match need {
                        Need::Read => "read",
                        Need::Operate => "change calls, dispatches, statuses or positions",
                        Need::Analyse => "read KPIs or the audit log",
                        Need::Configure => "change jurisdictions, workstations or units",
                        Need::Administer => "issue or revoke tokens",
                    }
                ),
            ))
        }
    }

    fn officer_jurisdiction(&self) -> Option<&JurisdictionId> {
        match self.role {
            Role::WorkstationOfficer => self.jurisdiction.as_ref(),
            _ => None,
        }
    }

    pub fn may_see_incident(&self, centre: &CommandCentre, incident: &Incident) -> bool {
        match self.officer_jurisdiction() {
            None => true,
            Some(own) => centre.jurisdictions().covers(own, incident.location),
        }
    }

    pub fn may_see_unit(&self, centre: &CommandCentre, unit: &Unit) -> bool {
        match self.officer_jurisdiction() {
            None => true,
            Some(own) => centre
                .workstation(&unit.home)
                .and_then(|workstation| workstation.jurisdiction.as_ref())
                .is_some_and(|guarded| centre.jurisdictions().is_within(guarded, own)),
        }
    }

    pub fn check_incident(
        &self,
        centre: &CommandCentre,
        incident: &Incident,
    ) -> Result<(), ApiError> {
        if self.may_see_incident(centre, incident) {
            return Ok(());
        }
        Err(ApiError::forbidden(
            "outside_jurisdiction",
            format!(
                "incident {} lies outside jurisdiction '{}' of this token",
                incident.id,
                self.jurisdiction.as_ref().map_or("", |id| id.as_str())
            ),
        ))
    }

    pub fn check_unit(&self, centre: &CommandCentre, unit: &Unit) -> Result<(), ApiError> {
        if self.may_see_unit(centre, unit) {
            return Ok(());
        }
        Err(ApiError::forbidden(
            "outside_jurisdiction",
            format!(
                "unit '{}' belongs to workstation '{}', outside jurisdiction '{}' of this token",
                unit.id,
                unit.home,
                self.jurisdiction.as_ref().map_or("", |id| id.as_str())
            ),
        ))
    }
}

fn token_of(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let text = value.to_str().ok()?;
        return text
            .strip_prefix("Bearer ")
            .map(|token| token.trim().to_string());
    }
    // Browsers cannot set headers on a WebSocket, so the feed also takes ?token=.
    parts.uri.query().and_then(|query| {
        query
            .split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .map(str::to_string)
    })
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = token_of(parts).ok_or_else(|| {
            ApiError::unauthorized(
                "this request needs an API token: send the header Authorization: Bearer TOKEN",
            )
        })?;
        let hash = hash_token(&token);
        if state.shared.admin_token_hash.as_deref() == Some(hash.as_str()) {
            return Ok(Principal {
                role: Role::Admin,
                jurisdiction: None,
                label: "admin".to_string(),
            });
        }
        let core = state.read();
        let grant = core.projection.tokens.get(&hash).ok_or_else(|| {
            ApiError::unauthorized("the API token is not valid (unknown or revoked)")
        })?;
        Ok(Principal {
            role: grant.role,
            jurisdiction: grant.jurisdiction.clone(),
            label: grant.label.clone(),
        })
    }
}
