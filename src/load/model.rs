//! What the allocator is given (circuits, EVSEs, settings) and what it returns (a
//! [`Plan`]). Plain data, no behaviour beyond small helpers: the store and the runtime
//! build these from their own records.
//!
//! Decisions:
//! - Currents are amperes per phase as `f64`; phases are indexed 0, 1, 2 = L1, L2, L3.
//! - Priorities arrive resolved (session > EVSE > charge point > 1.0); the allocator
//!   only multiplies in the circuit's SoC priority.
//! - A circuit without a meter reading (no meter linked, or none reported yet) is
//!   treated as a stale meter: its `offline_reserved` counts on every phase (0 if
//!   unset). [`MeterState::None`] tells the two cases apart in the plan.

pub use crate::load::key::{EvseKey, Timestamp};
use crate::load::phase::PhaseMap;

/// A circuit (breaker) of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Circuit {
    pub id: i64,
    /// The circuit this one hangs under; `None` for a root.
    pub parent: Option<i64>,
    /// Own phases → the parent's phases (ignored at a root).
    pub map: PhaseMap,
    /// The breaker's rating, A per phase.
    pub max_current: f64,
    /// `minChargePointCurrent`: no EVSE under this circuit gets strictly between 0 and
    /// this.
    pub min_current: Option<f64>,
    /// The linked meter's last reading, if any.
    pub meter: Option<MeterReading>,
    /// Reserved for non-managed loads while the meter is stale or absent, A per phase.
    pub offline_reserved: Option<f64>,
    pub soc: SocPriorities,
}

/// A meter's reading of a circuit's own phases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeterReading {
    pub currents: [f64; 3],
    pub at: Timestamp,
}

/// The circuit's SoC priorities: above `upper_threshold` percent the session's weight
/// is multiplied by `high_priority`, below `lower_threshold` by `low_priority`,
/// otherwise by 1. A threshold without its priority (or the reverse) is unset.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SocPriorities {
    pub lower_threshold: Option<f64>,
    pub low_priority: Option<f64>,
    pub upper_threshold: Option<f64>,
    pub high_priority: Option<f64>,
}

impl SocPriorities {
    /// The factor for a session at `soc` percent.
    pub fn factor(&self, soc: f64) -> f64 {
        if let (Some(t), Some(p)) = (self.upper_threshold, self.high_priority) {
            if soc > t {
                return p;
            }
        }
        if let (Some(t), Some(p)) = (self.lower_threshold, self.low_priority) {
            if soc < t {
                return p;
            }
        }
        1.0
    }
}

/// One EVSE under a circuit.
#[derive(Debug, Clone, PartialEq)]
pub struct Evse {
    pub key: EvseKey,
    pub circuit: i64,
    /// EVSE phases → the circuit's phases.
    pub map: PhaseMap,
    /// `maxAmperage`, A per phase.
    pub max_current: f64,
    /// Resolved priority: 1 is equal to anyone else, 2 twice as important.
    pub priority: f64,
    /// The charging session on it, if any.
    pub session: Option<Session>,
    /// What it was last measured drawing.
    pub drawn: Option<Drawn>,
    pub compliance: Compliance,
}

/// A charging session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Session {
    pub id: i64,
    pub started_at: Timestamp,
    /// State of charge, percent, when the charger reports it.
    pub soc: Option<f64>,
    pub requested_energy_wh: Option<f64>,
    pub departure: Option<Timestamp>,
}

/// An EVSE's measured current on its own phases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drawn {
    pub per_phase: [f64; 3],
    pub at: Timestamp,
}

/// Whether an EVSE follows the limits it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compliance {
    Compliant,
    /// Accepts limits and draws what it likes: counted at what it draws (its max while
    /// nothing was measured).
    Ignores,
    /// Takes no limits: counted at its max.
    Unsupported,
}

/// The allocator's tunables.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// A meter reading (or an EVSE's measured draw) older than this is stale.
    pub meter_stale_after_ms: i64,
    /// How long a session is held at its measured draw before it is offered its full
    /// share again, to see whether it takes more.
    pub probe_interval_ms: i64,
    /// How long after an offer a measurement must be taken to show what the vehicle
    /// takes (vehicles ramp over seconds, meters report every 10–60 s).
    pub settle_ms: i64,
    /// A session drawing this much less than it was offered is capped at its draw plus
    /// this.
    pub draw_margin: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            meter_stale_after_ms: 180_000,
            probe_interval_ms: 900_000,
            settle_ms: 20_000,
            draw_margin: 1.0,
        }
    }
}

/// The allocator's answer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// One per EVSE, by key.
    pub evses: Vec<Allowance>,
    /// One per circuit, by id.
    pub circuits: Vec<CircuitState>,
}

impl Plan {
    /// The allowance of `key`.
    pub fn evse(&self, key: EvseKey) -> Option<&Allowance> {
        self.evses
            .binary_search_by_key(&key, |a| a.key)
            .ok()
            .map(|i| &self.evses[i])
    }

    /// The state of circuit `id`.
    pub fn circuit(&self, id: i64) -> Option<&CircuitState> {
        self.circuits
            .binary_search_by_key(&id, |c| c.id)
            .ok()
            .map(|i| &self.circuits[i])
    }
}

/// What one EVSE may draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allowance {
    pub key: EvseKey,
    /// A per phase; 0 = wait. Exact: round down to the charger's resolution.
    pub limit: f64,
    pub reason: Reason,
    /// The circuit phase whose capacity set this limit, for `Share` and `Idle`.
    pub binding: Option<Binding>,
    /// Since when (about) this limit has been offered without a demand cap: a
    /// measurement taken `settle_ms` after it tells what the vehicle takes.
    pub offered_at: Timestamp,
    /// For `Demand`: when the session is next offered its full share.
    pub probe_due: Option<Timestamp>,
}

/// A circuit phase: `phase` 0, 1, 2 = the circuit's own L1, L2, L3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Binding {
    pub circuit: i64,
    pub phase: u8,
}

/// Why an EVSE got its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    /// Its weighted share of the binding circuit phase.
    Share,
    /// Capped at the EVSE's `max_current`.
    EvseMax,
    /// Capped at what the vehicle draws plus the margin.
    Demand,
    /// Waits at 0: there is not enough for the minimum current.
    BelowMinimum,
    /// No session: the default allowance out of what is left (0 when below the
    /// minimum).
    Idle,
    /// Counted at a fixed load (what it draws, or its max) since it does not follow
    /// limits; the limit is that load, so the minimum rule does not apply to it.
    NonCompliant,
}

/// One circuit's figures in a plan, per own phase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CircuitState {
    pub id: i64,
    /// `max_current` less the unmanaged load: what the EVSEs under it may use.
    pub available: [f64; 3],
    /// What the plan's allowances (non-compliant counted at their load) put on it.
    pub allocated: [f64; 3],
    /// Non-managed load under it (its subtree's included).
    pub unmanaged: [f64; 3],
    pub meter: MeterState,
}

/// Where a circuit's unmanaged load came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeterState {
    /// No reading: the reserve counts.
    None,
    /// Measured.
    Fresh,
    /// The reading is older than `meter_stale_after_ms`: the reserve counts.
    Stale,
}
