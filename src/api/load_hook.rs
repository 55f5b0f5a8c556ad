//! The load manager's cue: every successful write of load management through the API
//! (circuits, attachments, priorities, meters and their reports, EVSE power options)
//! calls [`changed`] with the circuit it touched (none when it cannot tell which, e.g. a
//! meter several circuits share). The load manager recomputes its allocation from it;
//! until it is running, nothing happens here.

use super::ApiState;

/// Load management's configuration changed (for `circuit`, or anywhere when none).
pub fn changed(state: &ApiState, circuit: Option<i64>) {
    let _ = (state, circuit);
}
