//! Registration at boot (OCPP 2.0.1 B01–B03, 1.6 §4.2): the answer to a
//! BootNotification, what a connection may carry until its boot is Accepted, and the
//! "boot accepted" hook where features that bring a charger in step start.
//!
//! The state is the connection's: a charger held Pending or Rejected on this connection
//! is answered `SecurityError` for any CALL but BootNotification and the messages the
//! gateway asked it for (B01.FR.10, B02.FR.09, B03.FR.07); one that reconnects without a
//! new BootNotification (as OCPP-J lets an accepted charger do) is served as before.

use serde_json::{json, Value};

use super::context::{internal, now_text, ChargerContext};
use crate::domain::{BootAnswer, Registration};
use crate::ocpp::DecodeError;

/// Answers a BootNotification that was recorded: Accepted, Pending or Rejected as the
/// charge point's registration and system status say; a Pending or Rejected answer's
/// `interval` is `ocpp.boot_retry_interval`, the wait before the next BootNotification.
pub async fn answer(ctx: &ChargerContext) -> Result<Value, DecodeError> {
    let standing = ctx
        .shared
        .store
        .standing(&ctx.identity)
        .await
        .map_err(internal)?;
    let answer = match standing {
        Some(s) => BootAnswer::decide(s.registration, &s.system_status),
        // Deleted while connected: nothing to accept.
        None => BootAnswer::Rejected,
    };
    let settings = &ctx.shared.settings.ocpp;
    let interval = match answer {
        BootAnswer::Accepted => settings.heartbeat_interval,
        _ => settings.boot_retry_interval,
    };
    {
        let mut state = ctx.boot.lock().unwrap_or_else(|p| p.into_inner());
        state.answer = Some(answer);
        state.instructed.clear();
    }
    match answer {
        BootAnswer::Accepted => boot_accepted(ctx),
        other => tracing::info!(status = other.status(), "BootNotification not accepted"),
    }
    Ok(
        json!({"currentTime": now_text(), "interval": interval.as_secs(), "status": answer.status()}),
    )
}

/// The "boot accepted" hook: runs once a charger's BootNotification is answered Accepted
/// (its answer goes out before any call started here reaches the charger, since calls
/// queue behind it in the charger's actor). What brings a charger in step after a boot —
/// local authorization lists, configuration — starts from here, each in a task of its own
/// so that the boot's answer never waits on it.
pub fn boot_accepted(ctx: &ChargerContext) {
    tracing::debug!("boot accepted");
    super::local_list::boot_accepted(ctx);
}

/// The registration a charger added at its first connection gets under
/// `ocpp.boot_policy`.
pub fn for_new_charger(policy: crate::config::BootPolicy) -> Registration {
    match policy {
        crate::config::BootPolicy::Accept => Registration::Accepted,
        crate::config::BootPolicy::PendingNew => Registration::Pending,
    }
}
