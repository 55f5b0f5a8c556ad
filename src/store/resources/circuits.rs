//! The rows of load management: circuits, what is attached to them and their
//! priorities, electricity meters and their last report, EVSE power options, and
//! [`LoadInputs`], everything the load manager reads at once. Plain data: the store
//! knows nothing of how current is allocated.
//!
//! Currents are in amperes (`f64`, the API's multiples of 0.1) except meter reports,
//! which keep the milliamperes the meter sent. Enumerations (`phases`, `connectedPhase`,
//! ...) are kept as the API spells them; times are ISO 8601 UTC text.

use super::Window;

/// A circuit of dynamic load management, every field the API manages.
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitView {
    pub id: i64,
    pub name: String,
    /// The circuit's limit (its breaker), A.
    pub max_current: f64,
    /// The lowest current a charge point may be given (other than 0), A.
    pub min_charge_point_current: Option<f64>,
    /// Kept for unmanaged loads while the meter is offline, A.
    pub offline_reserved_current: Option<f64>,
    /// `single_phase`, `split_phase` or `three_phase`.
    pub phases: String,
    /// `RST`, `RTS`, ... (three-phase circuits).
    pub phase_rotation: Option<String>,
    /// `L1`..`L3`, `L1_L2`, `L1_L3`, `L2_L3` (single and split phase circuits).
    pub connected_phase: Option<String>,
    /// `star` or `delta`.
    pub electrical_configuration: String,
    pub max_voltage: Option<String>,
    pub parent_circuit_id: Option<i64>,
    pub electricity_meter_id: Option<i64>,
    /// `setSessionLimitToZeroOnIdle`.
    pub zero_on_idle: bool,
    /// The `loadBalancingIntegration` object as JSON text, served back as given.
    pub load_balancing_integration: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The settable fields of a circuit (a create, or a stored circuit with a patch applied).
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitSpec {
    pub name: String,
    pub max_current: f64,
    pub min_charge_point_current: Option<f64>,
    pub offline_reserved_current: Option<f64>,
    pub phases: String,
    pub phase_rotation: Option<String>,
    pub connected_phase: Option<String>,
    pub electrical_configuration: String,
    pub max_voltage: Option<String>,
    pub parent_circuit_id: Option<i64>,
    pub electricity_meter_id: Option<i64>,
    pub zero_on_idle: bool,
    pub load_balancing_integration: Option<String>,
}

impl CircuitView {
    /// The stored fields as a spec, to apply a patch to.
    pub fn spec(&self) -> CircuitSpec {
        CircuitSpec {
            name: self.name.clone(),
            max_current: self.max_current,
            min_charge_point_current: self.min_charge_point_current,
            offline_reserved_current: self.offline_reserved_current,
            phases: self.phases.clone(),
            phase_rotation: self.phase_rotation.clone(),
            connected_phase: self.connected_phase.clone(),
            electrical_configuration: self.electrical_configuration.clone(),
            max_voltage: self.max_voltage.clone(),
            parent_circuit_id: self.parent_circuit_id,
            electricity_meter_id: self.electricity_meter_id,
            zero_on_idle: self.zero_on_idle,
            load_balancing_integration: self.load_balancing_integration.clone(),
        }
    }
}

/// Filters of the circuit list.
#[derive(Clone, Debug, Default)]
pub struct CircuitFilter {
    pub updated: Window,
}

/// A priority of one EVSE of an attached charge point.
#[derive(Clone, Debug, PartialEq)]
pub struct EvsePriority {
    /// The EVSE's own id (as `evses/v2.1` knows it).
    pub evse_id: i64,
    pub priority: f64,
}

/// A charge point attached to a circuit, with its priority and its EVSEs' priorities
/// (only the EVSEs given one).
#[derive(Clone, Debug, PartialEq)]
pub struct AttachedChargePoint {
    pub circuit_id: i64,
    pub charge_point_id: i64,
    /// The charge point's OCPP identity.
    pub identity: String,
    pub priority: f64,
    pub evses: Vec<EvsePriority>,
}

/// A circuit's state-of-charge priorities: below `lower_threshold` % the session gets
/// `low_priority`, above `upper_threshold` % `high_priority`, otherwise 1. A threshold
/// that is none is not used.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SocPriorities {
    pub lower_threshold: Option<f64>,
    pub low_priority: Option<f64>,
    pub upper_threshold: Option<f64>,
    pub high_priority: Option<f64>,
}

/// A priority given to one session under a circuit.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionPriority {
    pub circuit_id: i64,
    pub session_id: i64,
    pub priority: f64,
}

/// One phase's current, A, and when it was measured.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseCurrent {
    /// `L1`, `L2` or `L3`.
    pub phase: String,
    pub amps: f64,
    pub at: String,
}

/// A priority for the sessions of a user group's members or a partner's invitees. Kept
/// and served; the gateway does not know the platform's users, so it does not apply them.
#[derive(Clone, Debug, PartialEq)]
pub struct UserPriorityView {
    pub id: i64,
    pub circuit_id: i64,
    pub target_id: i64,
    /// `userGroup` or `partner`.
    pub kind: String,
    pub priority: f64,
    pub created_at: String,
    pub updated_at: String,
}

/// The fields of a user priority (a create, or a stored one with a patch applied).
#[derive(Clone, Debug, PartialEq)]
pub struct UserPrioritySpec {
    pub target_id: i64,
    pub kind: String,
    pub priority: f64,
}

/// A meter's report: the current on each line, mA (none: not reported), and its time.
#[derive(Clone, Debug, PartialEq)]
pub struct MeterReport {
    pub currents_ma: [Option<i64>; 3],
    pub at: String,
}

/// An electricity meter and its last report.
#[derive(Clone, Debug, PartialEq)]
pub struct MeterView {
    pub id: i64,
    pub name: String,
    pub integration_id: i64,
    /// `integrationParameters`, a JSON object of strings, as text.
    pub integration_parameters: String,
    pub last_report: Option<MeterReport>,
    pub created_at: String,
    pub updated_at: String,
}

/// The fields of a meter (a create, or a stored one with a patch applied).
#[derive(Clone, Debug, PartialEq)]
pub struct MeterSpec {
    pub name: String,
    pub integration_id: i64,
    pub integration_parameters: String,
}

/// An EVSE's power options (`powerOptions`); every field may be unknown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PowerOptions {
    pub phases: Option<String>,
    pub connected_phase: Option<String>,
    pub phase_rotation: Option<String>,
    /// A.
    pub max_amperage: Option<f64>,
    pub max_voltage: Option<String>,
    /// W.
    pub max_power: Option<i64>,
}

/// Changes to an EVSE's power options: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PowerOptionsPatch {
    pub phases: Option<Option<String>>,
    pub connected_phase: Option<Option<String>>,
    pub phase_rotation: Option<Option<String>>,
    pub max_amperage: Option<Option<f64>>,
    pub max_voltage: Option<Option<String>>,
    pub max_power: Option<Option<i64>>,
}

impl PowerOptions {
    /// These options with `patch` applied.
    pub fn patched(&self, patch: &PowerOptionsPatch) -> PowerOptions {
        fn pick<T: Clone>(old: &Option<T>, new: &Option<Option<T>>) -> Option<T> {
            match new {
                Some(v) => v.clone(),
                None => old.clone(),
            }
        }
        PowerOptions {
            phases: pick(&self.phases, &patch.phases),
            connected_phase: pick(&self.connected_phase, &patch.connected_phase),
            phase_rotation: pick(&self.phase_rotation, &patch.phase_rotation),
            max_amperage: pick(&self.max_amperage, &patch.max_amperage),
            max_voltage: pick(&self.max_voltage, &patch.max_voltage),
            max_power: pick(&self.max_power, &patch.max_power),
        }
    }
}

/// An EVSE with its power options, as the load manager sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct EvsePower {
    /// The EVSE's own id.
    pub evse_id: i64,
    pub charge_point_id: i64,
    /// The charge point's OCPP identity.
    pub identity: String,
    /// The OCPP EVSE id (2.0.1) or connector id (1.6) the charger reports and is sent.
    pub network_id: i64,
    /// Its connectors' ids (2.0.1; a 1.6 connector is its own single connector).
    pub connectors: Vec<i64>,
    pub power: PowerOptions,
}

/// Everything load management is configured with, read in one snapshot:
///
/// - `circuits`: every circuit, by id (parents through `parent_circuit_id`);
/// - `attachments`: every attached charge point with its circuit, identity, priority and
///   EVSE priorities;
/// - `evses`: the power options of every EVSE of an attached charge point (also those
///   without options: all fields none), with the numbers chargers know them by;
/// - `session_priorities`: every session priority (the sessions may have ended);
/// - `soc_priorities`: per circuit id, those set;
/// - `meters`: every meter with its last report (the circuits name theirs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadInputs {
    pub circuits: Vec<CircuitView>,
    pub attachments: Vec<AttachedChargePoint>,
    pub evses: Vec<EvsePower>,
    pub session_priorities: Vec<SessionPriority>,
    pub soc_priorities: Vec<(i64, SocPriorities)>,
    pub meters: Vec<MeterView>,
}

/// The unmanaged load of a circuit's meter's last report (the meter measures the whole
/// circuit; nothing is subtracted yet): one reading per phase the meter reported, A
/// rounded to 0.1; empty without a meter or a report.
pub fn unmanaged_load(meter: Option<&MeterView>) -> Vec<PhaseCurrent> {
    let Some(report) = meter.and_then(|m| m.last_report.as_ref()) else {
        return Vec::new();
    };
    ["L1", "L2", "L3"]
        .iter()
        .zip(report.currents_ma)
        .filter_map(|(phase, ma)| {
            ma.map(|ma| PhaseCurrent {
                phase: (*phase).to_owned(),
                amps: (ma as f64 / 100.0).round() / 10.0,
                at: report.at.clone(),
            })
        })
        .collect()
}

/// Changes to a circuit: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CircuitPatch {
    pub name: Option<String>,
    pub max_current: Option<f64>,
    pub min_charge_point_current: Option<Option<f64>>,
    pub offline_reserved_current: Option<Option<f64>>,
    pub phases: Option<String>,
    pub phase_rotation: Option<Option<String>>,
    pub connected_phase: Option<Option<String>>,
    pub electrical_configuration: Option<String>,
    pub max_voltage: Option<Option<String>>,
    pub parent_circuit_id: Option<Option<i64>>,
    pub electricity_meter_id: Option<Option<i64>>,
    pub zero_on_idle: Option<bool>,
    pub load_balancing_integration: Option<Option<String>>,
}

/// `new` when given, else `old`.
fn pick<T: Clone>(old: &T, new: &Option<T>) -> T {
    new.as_ref().unwrap_or(old).clone()
}

impl CircuitPatch {
    /// The circuit `old` with these changes.
    pub fn apply(&self, old: &CircuitSpec) -> CircuitSpec {
        CircuitSpec {
            name: pick(&old.name, &self.name),
            max_current: pick(&old.max_current, &self.max_current),
            min_charge_point_current: pick(
                &old.min_charge_point_current,
                &self.min_charge_point_current,
            ),
            offline_reserved_current: pick(
                &old.offline_reserved_current,
                &self.offline_reserved_current,
            ),
            phases: pick(&old.phases, &self.phases),
            phase_rotation: pick(&old.phase_rotation, &self.phase_rotation),
            connected_phase: pick(&old.connected_phase, &self.connected_phase),
            electrical_configuration: pick(
                &old.electrical_configuration,
                &self.electrical_configuration,
            ),
            max_voltage: pick(&old.max_voltage, &self.max_voltage),
            parent_circuit_id: pick(&old.parent_circuit_id, &self.parent_circuit_id),
            electricity_meter_id: pick(&old.electricity_meter_id, &self.electricity_meter_id),
            zero_on_idle: pick(&old.zero_on_idle, &self.zero_on_idle),
            load_balancing_integration: pick(
                &old.load_balancing_integration,
                &self.load_balancing_integration,
            ),
        }
    }
}

/// Changes to a user priority; `None` leaves a field alone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UserPriorityPatch {
    pub target_id: Option<i64>,
    pub kind: Option<String>,
    pub priority: Option<f64>,
}

impl UserPriorityPatch {
    pub fn apply(&self, old: &UserPrioritySpec) -> UserPrioritySpec {
        UserPrioritySpec {
            target_id: pick(&old.target_id, &self.target_id),
            kind: pick(&old.kind, &self.kind),
            priority: pick(&old.priority, &self.priority),
        }
    }
}

/// Changes to a meter; `None` leaves a field alone.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MeterPatch {
    pub name: Option<String>,
    pub integration_id: Option<i64>,
    pub integration_parameters: Option<String>,
}

impl MeterPatch {
    pub fn apply(&self, old: &MeterSpec) -> MeterSpec {
        MeterSpec {
            name: pick(&old.name, &self.name),
            integration_id: pick(&old.integration_id, &self.integration_id),
            integration_parameters: pick(&old.integration_parameters, &self.integration_parameters),
        }
    }
}
