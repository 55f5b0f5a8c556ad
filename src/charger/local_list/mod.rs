//! Local authorization lists kept in step with the gateway's id tags (OCPP 1.6 §3.5.3
//! and §5.15 SendLocalList, §5.10 GetLocalListVersion; 2.0.1 use cases D01 and D02), for
//! the chargers that keep one.
//!
//! - **What is sent.** Every `rfid` and `mac_address` id tag, with the status the
//!   gateway's own Authorize would answer (enabled: Accepted, or Expired past its
//!   expiry; disabled and suspended: Blocked) and its expiry; a deleted tag is removed.
//!   One function makes every entry ([`wire::entry`]).
//! - **When.** After a BootNotification is answered Accepted ([`boot_accepted`], the one
//!   hook a boot policy calls), after the first message of a connection that did not
//!   begin with one (a charger back from a network loss), and after an id tag is created,
//!   updated, disabled or deleted through the API ([`tags_changed`], which returns at
//!   once: the API never waits on chargers). A charger offline at the time gets the
//!   change at its next connection: the change stays pending in the store.
//! - **State, per charger, in the store** (`store::local_list`): whether it keeps a
//!   list, its limits, the version it last accepted from the gateway, and how far it is
//!   into the log of id-tag changes (the changes after that are its pending ones).
//! - **Full or differential** (see `sync`): Full on the first sync, when the charger's
//!   version is not the one it last accepted, after VersionMismatch, or after a Full
//!   update was cut short; Differential with just the pending changes otherwise. Updates
//!   are cut to the charger's `SendLocalListMaxLength` (1.6) or `ItemsPerMessage` and
//!   `BytesPerMessage` (2.0.1 D01.FR.11), 100 entries when it reports none; a Full update
//!   in several messages is Full first and Differential after. Each message has its own
//!   version, one above the last: versions only grow and are never 0 (D01.FR.18).
//! - **Who keeps one.** 1.6: `LocalAuthListEnabled` true (and GetLocalListVersion not
//!   -1); 2.0.1: `LocalAuthListCtrlr.Enabled` true and `Available` not false. Asked after
//!   every boot; a charger that does not report the key gets nothing. An update answered
//!   Failed or NotSupported (or a CALLERROR) is recorded and nothing more is sent to that
//!   charger until it boots again. A call that gets no answer leaves the changes pending
//!   for the next connection or change.
//! - One pass per charger at a time (more requests meanwhile fold into one more pass),
//!   and at most [`PASSES`] at once across the gateway. In cluster mode, a change reaches
//!   chargers on other nodes through their node, like an action; a pass started on one
//!   node and a boot's pass on another may overlap, which at worst costs a Full update.
//! - `local_list.enabled` turns it all off.

pub mod passes;
mod support;
mod sync;
mod wire;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::context::ChargerContext;
use super::ChargerHandle;
use crate::gateway::Shared;
use passes::Next;
pub use passes::{LocalLists, PASSES};
pub use sync::{Done, SyncError};

/// The hook of a BootNotification answered Accepted: the charger's list is synced once
/// the answer is out (its support asked anew). Call it only for an Accepted boot.
pub fn boot_accepted(ctx: &ChargerContext) {
    ctx.list_started.store(true, Ordering::Relaxed);
    if let Some(handle) = ctx.shared.registry.get(&ctx.identity) {
        request(&ctx.shared, handle, true);
    }
}

/// After a message of the charger was answered: the first of a connection that did not
/// begin with a BootNotification starts a sync (the charger was accepted before and
/// came back without rebooting). Once a BootNotification was answered on a connection,
/// only [`boot_accepted`] starts one: a charger held in Pending gets nothing.
pub fn message_answered(ctx: &ChargerContext, action: &str) {
    if action == "BootNotification" {
        ctx.list_started.store(true, Ordering::Relaxed);
        return;
    }
    if ctx.list_started.swap(true, Ordering::Relaxed) {
        return;
    }
    if let Some(handle) = ctx.shared.registry.get(&ctx.identity) {
        request(&ctx.shared, handle, true);
    }
}

/// Id tags changed: every connected charger whose list is kept gets a pass. Returns at
/// once; the passes run on their own.
pub fn tags_changed(shared: &Arc<Shared>) {
    if !shared.local_lists.enabled {
        return;
    }
    let Some(store) = shared.store.clone().local_lists() else {
        return;
    };
    let shared = shared.clone();
    tokio::spawn(async move {
        let chargers = match store.list_chargers().await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "could not list the chargers to send id-tag changes to");
                return;
            }
        };
        for (identity, protocol) in chargers {
            match shared.handle_of(&identity, protocol.as_deref()).await {
                Some(handle) => request(&shared, handle, false),
                None => tracing::debug!(
                    identity,
                    "charger not reachable; its list is synced at its next connection"
                ),
            }
        }
    });
}

/// Asks for a pass for the charger behind `handle`: now, or after the one running.
pub fn request(shared: &Arc<Shared>, handle: ChargerHandle, discover: bool) {
    let lists = &shared.local_lists;
    if !lists.enabled {
        return;
    }
    let Some(store) = shared.store.clone().local_lists() else {
        return;
    };
    let identity: Arc<str> = Arc::from(handle.identity());
    {
        let mut running = lists.lock();
        if let Some(next) = running.get_mut(&identity) {
            // A boot's question about support is kept when requests fold together.
            let discover = discover || next.as_ref().is_some_and(|n| n.discover);
            *next = Some(Next { handle, discover });
            return;
        }
        running.insert(identity.clone(), None);
    }
    let shared = shared.clone();
    tokio::spawn(async move {
        let mut next = Some(Next { handle, discover });
        while let Some(Next { handle, discover }) = next.take() {
            let permit = shared.local_lists.permits.clone().acquire_owned().await;
            tokio::select! {
                outcome = sync::pass(&*store, &handle, discover) => log(&handle, outcome),
                _ = shared.cancel.cancelled() => {}
            }
            drop(permit);
            let mut running = shared.local_lists.lock();
            match running.get_mut(&identity).and_then(Option::take) {
                Some(n) if !shared.cancel.is_cancelled() => next = Some(n),
                _ => {
                    running.remove(&identity);
                }
            }
        }
    });
}

fn log(handle: &ChargerHandle, outcome: Result<Done, SyncError>) {
    let identity = handle.identity();
    match outcome {
        Ok(Done::Sent { full, messages }) => {
            tracing::info!(identity, full, messages, "local authorization list updated")
        }
        Ok(Done::Refused(status)) => tracing::warn!(
            identity,
            %status,
            "local authorization list update refused"
        ),
        Ok(Done::InStep | Done::NotKept) => {}
        Err(e) => tracing::info!(
            identity,
            error = %e,
            "local authorization list not synced; retried at the next connection or change"
        ),
    }
}
