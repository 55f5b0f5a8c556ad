//! The load manager's cue: every successful write of load management through the API
//! (circuits, attachments, priorities, meters and their reports, EVSE power options)
//! calls [`changed`] with the circuit it touched (none when it cannot tell which, e.g. a
//! meter several circuits share). The load manager (`crate::circuits`) reads the store
//! again and recomputes every circuit tree from it, at once, without the request
//! waiting for it.

use super::ApiState;

/// Load management's configuration changed (for `circuit`, or anywhere when none).
pub fn changed(state: &ApiState, circuit: Option<i64>) {
    tracing::debug!(?circuit, "load management configuration changed");
    state.shared.circuits.changed();
}
