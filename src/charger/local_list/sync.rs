//! One sync pass for one charger: (after a boot) find out its support and limits, ask
//! its list version (1.6 §5.10 GetLocalListVersion, 2.0.1 D02), then send what its list
//! lacks: a Full update when it has none from the gateway, when its version is not the
//! one it last accepted, or when a Differential one is answered VersionMismatch (1.6
//! §5.15: "the Central System SHOULD retry sending the full local authorization list");
//! otherwise a Differential update with the tags changed since.

use serde_json::Value;

use super::support;
use super::wire::{self, UpdateKind};
use crate::charger::{CallError, ChargerHandle};
use crate::domain::AuthStatus;
use crate::store::local_list::{ListState, ListSupport};
use crate::store::LocalListStore;
use crate::store::StoreError;

/// Why a pass ended before the charger's list was in step.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("could not ask the charger: {0}")]
    Call(#[from] CallError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a pass ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Done {
    /// The charger keeps no list (or is not to be sent one until it boots again).
    NotKept,
    /// Its list was already in step.
    InStep,
    /// Updates were sent and accepted.
    Sent { full: bool, messages: usize },
    /// The charger refused an update (Failed, NotSupported, a CALLERROR).
    Refused(String),
}

/// Runs one pass; `discover` asks the charger's support and limits first (after a
/// boot), otherwise the stored ones are used.
pub async fn pass(
    store: &dyn LocalListStore,
    handle: &ChargerHandle,
    discover: bool,
) -> Result<Done, SyncError> {
    let identity = handle.identity();
    let mut state = store.list_state(identity).await?;
    if discover {
        let found = support::discover(handle).await?;
        // Unchanged (the usual boot): no write, which a reconnect storm would multiply.
        if (found.support, found.limits) != (state.support, state.limits) {
            store
                .set_list_support(identity, found.support, found.limits, found.reason.clone())
                .await?;
        }
        state.support = found.support;
        state.limits = found.limits;
    }
    if state.support != ListSupport::Supported {
        return Ok(Done::NotKept);
    }
    let charger_version = match list_version(handle).await? {
        Some(v) => v,
        None => {
            // 1.6 §5.10: -1 means the charger has no local list.
            store
                .set_list_support(
                    identity,
                    ListSupport::Unsupported,
                    state.limits,
                    Some("GetLocalListVersion answered -1".into()),
                )
                .await?;
            return Ok(Done::NotKept);
        }
    };
    let full = state.full_needed || charger_version != state.version;
    if !full {
        match differential(store, handle, &state).await? {
            Sent::Done(done) => return Ok(done),
            Sent::Mismatch => {
                tracing::info!(
                    identity,
                    "differential local list answered VersionMismatch; sending the full list"
                );
            }
        }
    }
    if !state.full_needed {
        // A full update cut short must be sent again in full.
        store.list_needs_full(identity, "Pending").await?;
    }
    let base = state.version.max(charger_version).max(0);
    state.version = base;
    full_update(store, handle, &state).await
}

enum Sent {
    Done(Done),
    Mismatch,
}

/// The charger's list version; `None` for 1.6's -1 (no list).
async fn list_version(handle: &ChargerHandle) -> Result<Option<i32>, CallError> {
    let answer = handle
        .call("GetLocalListVersion", serde_json::json!({}))
        .await?;
    let v = answer
        .get("listVersion")
        .or_else(|| answer.get("versionNumber"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    Ok((v >= 0).then(|| i32::try_from(v).unwrap_or(i32::MAX)))
}

async fn differential(
    store: &dyn LocalListStore,
    handle: &ChargerHandle,
    state: &ListState,
) -> Result<Sent, SyncError> {
    let version = handle.version();
    let changes = store.list_changes(state.cursor).await?;
    let now = chrono::Utc::now();
    let entries: Vec<Value> = changes
        .items
        .iter()
        .filter_map(|c| wire::entry(version, &c.uid, c.tag.as_ref(), now))
        .collect();
    let messages = wire::updates(
        version,
        UpdateKind::Differential,
        entries,
        &state.limits,
        state.version.saturating_add(1),
    );
    if messages.is_empty() {
        if changes.head > state.cursor {
            // Changes only of tags this version cannot carry: nothing to send.
            store
                .list_accepted(handle.identity(), state.version, Some(changes.head))
                .await?;
        }
        return Ok(Sent::Done(Done::InStep));
    }
    send(store, handle, messages, changes.head, false).await
}

async fn full_update(
    store: &dyn LocalListStore,
    handle: &ChargerHandle,
    state: &ListState,
) -> Result<Done, SyncError> {
    let version = handle.version();
    let mut tags = store.list_tags().await?;
    let now = chrono::Utc::now();
    if let Some(max) = state.limits.max_entries.map(|m| m as usize) {
        if tags.items.len() > max {
            // The list holds at most `max` (1.6 LocalAuthListMaxLength): the tags that
            // admit come first.
            tracing::warn!(
                identity = handle.identity(),
                tags = tags.items.len(),
                max,
                "more id tags than the charger's local list holds; sending the first ones"
            );
            let admits = |t: &crate::store::local_list::ListTag| {
                t.record().decide(now) == AuthStatus::Accepted
            };
            tags.items.sort_by_key(|t| !admits(t));
            tags.items.truncate(max);
        }
    }
    let entries: Vec<Value> = tags
        .items
        .iter()
        .filter_map(|t| wire::entry(version, &t.uid, Some(t), now))
        .collect();
    let messages = wire::updates(
        version,
        UpdateKind::Full,
        entries,
        &state.limits,
        state.version.saturating_add(1),
    );
    match send(store, handle, messages, tags.head, true).await? {
        Sent::Done(done) => Ok(done),
        Sent::Mismatch => Ok(Done::Refused("VersionMismatch".into())),
    }
}

/// Sends `messages` in order, recording each accepted one; the last one completes the
/// update up to `head`.
async fn send(
    store: &dyn LocalListStore,
    handle: &ChargerHandle,
    messages: Vec<(i32, Value)>,
    head: i64,
    full: bool,
) -> Result<Sent, SyncError> {
    let identity = handle.identity();
    let count = messages.len();
    for (i, (list_version, payload)) in messages.into_iter().enumerate() {
        let first = i == 0;
        let answer = match handle.call("SendLocalList", payload).await {
            Ok(a) => a,
            Err(CallError::CallError { code, .. }) => {
                let why = format!("CALLERROR {code}");
                refuse(store, handle, ListSupport::Unsupported, &why).await?;
                return Ok(Sent::Done(Done::Refused(why)));
            }
            Err(e) => return Err(e.into()),
        };
        let status = answer
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        match status.as_str() {
            "Accepted" => {
                let complete = (i + 1 == count).then_some(head);
                store
                    .list_accepted(identity, list_version, complete)
                    .await?;
            }
            "VersionMismatch" if !full && first => return Ok(Sent::Mismatch),
            "NotSupported" => {
                refuse(store, handle, ListSupport::Unsupported, &status).await?;
                return Ok(Sent::Done(Done::Refused(status)));
            }
            _ => {
                refuse(store, handle, ListSupport::Failed, &status).await?;
                return Ok(Sent::Done(Done::Refused(status)));
            }
        }
    }
    Ok(Sent::Done(Done::Sent {
        full,
        messages: count,
    }))
}

/// Records a refusal: the next update is a full one, and nothing is sent until the
/// charger boots again (its support is asked anew then).
async fn refuse(
    store: &dyn LocalListStore,
    handle: &ChargerHandle,
    support: ListSupport,
    status: &str,
) -> Result<(), StoreError> {
    tracing::warn!(
        identity = handle.identity(),
        status,
        "the charger refused a local list update; none is sent until it boots again"
    );
    let state = store.list_state(handle.identity()).await?;
    store
        .set_list_support(
            handle.identity(),
            support,
            state.limits,
            Some(status.into()),
        )
        .await?;
    store.list_needs_full(handle.identity(), status).await
}
