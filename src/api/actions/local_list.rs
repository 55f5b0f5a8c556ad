//! Local authorization lists by hand: `send-local-list` installs a list (`Full`) or
//! changes entries of it (`Differential`) exactly as given, `clear-local-list` sends an
//! empty full list (OCPP 1.6 §5.15 SendLocalList, 2.0.1 D01). `get-local-list-version`
//! is in `charge_point`.
//!
//! The gateway also keeps lists in step with the id tags by itself (`local_list.enabled`,
//! `charger::local_list`). A charger whose list it keeps is refused here with 409: a list
//! sent by hand would be overwritten by the next sync, or would make the sync's
//! differential updates wrong. Change the id tags instead, or turn the sync off.
//!
//! Without `listVersion` the list gets the charger's version plus one, asked with
//! GetLocalListVersion first (a charger without a list answers 0 or -1: the list gets 1).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::{body, perform, target, Target};
use crate::api::error::ApiError;
use crate::api::extract::{ApiJson, NoBody, OptionalJson};
use crate::api::ApiState;
use crate::domain::action::{Action, ListEntry, TokenType};
use crate::store::local_list::ListSupport;

/// The most entries one request may carry (a charger takes far fewer per message).
const MAX_ENTRIES: usize = 10_000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendBody {
    update_type: UpdateType,
    list_version: Option<i32>,
    #[serde(default)]
    entries: Vec<EntryBody>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
enum UpdateType {
    Full,
    Differential,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EntryBody {
    id_tag: String,
    id_token_type: Option<TokenType>,
    /// Absent: the tag is removed (a differential update).
    status: Option<String>,
    expiry_date: Option<DateTime<Utc>>,
    parent_id_tag: Option<String>,
}

/// `POST charge-point/v1.0/{cp}/send-local-list` → 200 `{listVersion, updateType}` when
/// the charger accepted; 406 with its status (`Failed`, `VersionMismatch`) when not.
pub async fn send(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    ApiJson(b): ApiJson<SendBody>,
) -> Result<Response, ApiError> {
    let full = b.update_type == UpdateType::Full;
    if !full && b.entries.is_empty() {
        return Err(ApiError::field(
            "entries",
            "A differential update needs at least one entry.",
        ));
    }
    if b.entries.len() > MAX_ENTRIES {
        return Err(ApiError::field(
            "entries",
            format!("At most {MAX_ENTRIES} entries may be sent at once."),
        ));
    }
    if b.list_version.is_some_and(|v| v < 1) {
        return Err(ApiError::field(
            "listVersion",
            "The listVersion must be 1 or more.",
        ));
    }
    let mut entries = Vec::with_capacity(b.entries.len());
    for (i, e) in b.entries.into_iter().enumerate() {
        if e.id_tag.is_empty() || e.id_tag.chars().count() > 36 {
            return Err(ApiError::field(
                &format!("entries[{i}].idTag"),
                "An idTag is 1 to 36 characters long.",
            ));
        }
        if full && e.status.is_none() {
            return Err(ApiError::field(
                &format!("entries[{i}].status"),
                "Every entry of a full list needs a status.",
            ));
        }
        entries.push(ListEntry {
            id_tag: e.id_tag,
            token_type: e.id_token_type,
            status: e.status,
            expiry: e.expiry_date,
            group: e.parent_id_tag,
        });
    }
    let t = target(&state, &cp).await?;
    install(&state, &t, full, b.list_version, entries).await
}

/// `POST charge-point/v1.0/{cp}/clear-local-list`: an empty full list.
pub async fn clear(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    _: OptionalJson<NoBody>,
) -> Result<Response, ApiError> {
    let t = target(&state, &cp).await?;
    install(&state, &t, true, None, Vec::new()).await
}

async fn install(
    state: &ApiState,
    t: &Target,
    full: bool,
    version: Option<i32>,
    entries: Vec<ListEntry>,
) -> Result<Response, ApiError> {
    if state.shared.settings.local_list.enabled {
        if let Some(lists) = state.shared.store.clone().local_lists() {
            if lists.list_state(&t.cp.identity).await?.support == ListSupport::Supported {
                return Err(ApiError::Conflict(
                    "The gateway keeps this charger's local list in step with the id tags \
                     (local_list.enabled): change the id tags, or turn the sync off to send a \
                     list by hand."
                        .into(),
                ));
            }
        }
    }
    let version = match version {
        Some(v) => v,
        None => current_version(t).await?.max(0).saturating_add(1),
    };
    let action = Action::SendLocalList {
        full,
        version,
        entries,
    };
    perform(t, &action).await?;
    Ok(body(
        StatusCode::OK,
        json!({
            "listVersion": version,
            "updateType": if full { "Full" } else { "Differential" },
        }),
    ))
}

/// The charger's list version (GetLocalListVersion; `outbound` answers it as
/// `listVersion` on both versions).
async fn current_version(t: &Target) -> Result<i32, ApiError> {
    let outcome = perform(t, &Action::GetLocalListVersion).await?;
    let v = outcome.answer()["listVersion"].as_i64().unwrap_or(0);
    Ok(i32::try_from(v).unwrap_or(0))
}
