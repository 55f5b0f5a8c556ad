//! `[load]`: dynamic load management, how the gateway keeps every circuit under its
//! breaker (`crate::circuits`). The defaults suit chargers that report meter values every
//! 10–60 s and vehicles that ramp over seconds.

use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct LoadSettings {
    /// Whether circuits are managed at all. Off: circuits are stored and served, no
    /// charging profile is sent.
    pub enabled: bool,
    /// The stack level of the gateway's own profiles. Profiles the API sets at this level
    /// or above are refused: the circuit's limit must stay on top.
    pub stack_level: u32,
    /// The gateway's profile ids: this number plus the EVSE (or connector) id; far above
    /// the ids the API allocates (a sequence from 1), within 1.6's 32-bit integers.
    pub profile_id_base: i64,
    /// Changes of an EVSE's limit smaller than this many amperes are not sent (a change to
    /// or from 0 always is, and so is any decrease the breaker needs).
    pub min_change: f64,
    /// The least time between two increases sent to one EVSE (decreases are never held).
    #[serde(with = "humantime_serde")]
    pub min_interval: Duration,
    /// A meter whose last report is older than this is offline: its circuit reserves
    /// `offlineReservedCurrent` for the loads it does not manage.
    #[serde(with = "humantime_serde")]
    pub meter_stale_after: Duration,
    /// How often a vehicle that draws less than it is offered is offered its full share
    /// again, to see whether it takes more.
    #[serde(with = "humantime_serde")]
    pub probe_interval: Duration,
    /// Amperes above its limit an EVSE may draw before the report counts as an overdraw
    /// (meters and vehicles are not exact), and below its offer before the vehicle counts
    /// as taking less than it is offered.
    pub draw_margin: f64,
    /// Overdraws in a row that mark a charger non-compliant.
    pub overdraws: u32,
    /// How long an offline charger's last allowance stays reserved for it.
    #[serde(with = "humantime_serde")]
    pub offline_hold: Duration,
    /// Cluster mode: how long a node's lease on allocating a circuit tree lasts without
    /// renewal; when the node holding it stops, another takes the tree over this long
    /// after its last renewal at the latest (plus a tick).
    #[serde(with = "humantime_serde")]
    pub lease: Duration,
    /// The least time between two rounds that only new meter values call for (a start,
    /// a stop, a connection or an API change is allocated at once).
    #[serde(with = "humantime_serde")]
    pub round_interval: Duration,
    /// How often circuits are recomputed without any event (meters going stale, probes,
    /// offline holds running out).
    #[serde(with = "humantime_serde")]
    pub tick: Duration,
}
