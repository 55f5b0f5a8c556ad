//! The identities and the clock the load manager works in: an EVSE is named by its
//! charge point and EVSE ids, time is milliseconds since the Unix epoch (an `i64`, not
//! `chrono`: the allocator only compares and subtracts times, and the caller owns the
//! clock).

use std::fmt;

/// Milliseconds since 1970-01-01T00:00:00Z. The allocator never reads a clock: `now` is
/// an argument.
pub type Timestamp = i64;

/// One EVSE: the charge point's id and the EVSE's id on it. Plans list EVSEs in this
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EvseKey {
    pub charge_point: i64,
    pub evse: i64,
}

impl EvseKey {
    pub fn new(charge_point: i64, evse: i64) -> EvseKey {
        EvseKey { charge_point, evse }
    }
}

impl fmt::Display for EvseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.charge_point, self.evse)
    }
}
