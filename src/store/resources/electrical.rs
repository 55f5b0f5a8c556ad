//! The electrical rules of load management, pure: which `connectedPhase` goes with
//! which `phases`, what makes a circuit consistent, and when an EVSE may be under a
//! circuit ("an identical electrical configuration", as the attach action puts it).
//!
//! Lines: a `three_phase` circuit carries L1, L2 and L3; a `single_phase` or
//! `split_phase` one the lines of its `connectedPhase` (unknown when it has none). In a
//! `star` (TN) circuit a single-phase load sits between one line and the neutral
//! (`L1`, `L2`, `L3`) and a split-phase one between two lines (`L1_L2`, ...); a `delta`
//! (IT) circuit has no neutral, so its single-phase loads sit between two lines.
//!
//! An EVSE fits a circuit when, from what both say (an unknown field proves nothing):
//! 1. it needs no more conductors than the circuit has (`three_phase` 3, `split_phase`
//!    2, `single_phase` 1 — 2 when connected between two lines): a three-phase EVSE on a
//!    single-phase circuit does not fit, a single-phase one on a three-phase circuit does;
//! 2. it needs no neutral the circuit lacks: an EVSE connected line-to-neutral (`L1`)
//!    does not fit a `delta` circuit;
//! 3. the lines it is connected to are lines the circuit carries: `L3` does not fit a
//!    circuit on `L1`, nor `L1_L3` one on `L1_L2`.
//!
//! Voltages are not compared: the same installation is 230 V line-to-neutral and 400 V
//! line-to-line, and the API names both.

use super::{CircuitSpec, PowerOptions};

pub const PHASES: &[&str] = &["single_phase", "three_phase", "split_phase"];
pub const CONNECTED_PHASES: &[&str] = &["L1", "L2", "L3", "L1_L2", "L1_L3", "L2_L3"];
pub const PHASE_ROTATIONS: &[&str] = &["RST", "RTS", "SRT", "STR", "TRS", "TSR"];
pub const CONFIGURATIONS: &[&str] = &["star", "delta"];
pub const VOLTAGES: &[&str] = &[
    "230", "380", "400", "480", "120", "208", "240", "110-130", "220-240", "277",
];

/// A refusal naming the field at fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fault {
    pub field: &'static str,
    pub message: String,
}

fn fault(field: &'static str, message: impl Into<String>) -> Result<(), Fault> {
    Err(Fault {
        field,
        message: message.into(),
    })
}

/// The line numbers of a `connectedPhase` (`L1_L3` → 1, 3).
fn lines(connected: &str) -> Vec<u8> {
    connected
        .split('_')
        .filter_map(|l| l.strip_prefix('L')?.parse().ok())
        .collect()
}

/// How many lines a circuit or an EVSE of `phases` uses (`pair`: it sits between two).
fn conductors(phases: &str, pair: bool) -> usize {
    match phases {
        "three_phase" => 3,
        "split_phase" => 2,
        _ if pair => 2,
        _ => 1,
    }
}

/// A circuit's fields that must agree with each other (their values are already
/// known to be in range).
pub fn check_circuit(c: &CircuitSpec) -> Result<(), Fault> {
    let delta = c.electrical_configuration == "delta";
    if let Some(connected) = &c.connected_phase {
        let pair = lines(connected).len() == 2;
        match (c.phases.as_str(), delta, pair) {
            ("three_phase", _, _) => {
                return fault(
                    "connectedPhase",
                    "A three_phase circuit carries every line: connectedPhase is only for \
                     single_phase and split_phase circuits.",
                )
            }
            ("single_phase", false, true) => {
                return fault(
                    "connectedPhase",
                    "A single_phase star circuit is connected to one line (L1, L2 or L3).",
                )
            }
            ("single_phase", true, false) => {
                return fault(
                    "connectedPhase",
                    "A single_phase delta circuit is connected between two lines \
                     (L1_L2, L1_L3 or L2_L3).",
                )
            }
            ("split_phase", true, _) => {
                return fault("connectedPhase", "A split_phase circuit is a star circuit.")
            }
            ("split_phase", false, false) => {
                return fault(
                    "connectedPhase",
                    "A split_phase circuit is connected to two lines (L1_L2, L1_L3 or L2_L3).",
                )
            }
            _ => {}
        }
    }
    if c.parent_circuit_id.is_some() {
        if c.phases == "three_phase" && c.phase_rotation.is_none() {
            return fault(
                "phaseRotation",
                "A three_phase circuit under a parent needs its phaseRotation.",
            );
        }
        if c.phases != "three_phase" && c.connected_phase.is_none() {
            return fault(
                "connectedPhase",
                "A single_phase or split_phase circuit under a parent needs its connectedPhase.",
            );
        }
    }
    for (field, value) in [
        ("minChargePointCurrent", c.min_charge_point_current),
        ("offlineReservedCurrent", c.offline_reserved_current),
    ] {
        if value.is_some_and(|v| v > c.max_current) {
            return fault(field, format!("The {field} may not exceed the maxCurrent."));
        }
    }
    Ok(())
}

/// Whether a child circuit of `phases` can hang under a parent: it needs no more lines
/// than the parent carries, and those the parent carries.
pub fn check_child(child: &CircuitSpec, parent: &CircuitSpec) -> Result<(), Fault> {
    let pair = |c: &CircuitSpec| {
        c.connected_phase
            .as_deref()
            .is_some_and(|p| lines(p).len() == 2)
    };
    if conductors(&child.phases, pair(child)) > conductors(&parent.phases, pair(parent)) {
        return fault(
            "phases",
            format!(
                "A {} circuit cannot be under a {} parent.",
                child.phases, parent.phases
            ),
        );
    }
    if let (Some(c), Some(p)) = (&child.connected_phase, circuit_lines(parent)) {
        if !lines(c).iter().all(|l| p.contains(l)) {
            return fault(
                "connectedPhase",
                format!("The parent circuit does not carry {c}."),
            );
        }
    }
    Ok(())
}

/// The lines a circuit carries, when known.
fn circuit_lines(c: &CircuitSpec) -> Option<Vec<u8>> {
    match (c.phases.as_str(), &c.connected_phase) {
        ("three_phase", _) => Some(vec![1, 2, 3]),
        (_, Some(p)) => Some(lines(p)),
        _ => None,
    }
}

/// An EVSE's power options that must agree with each other: the `connectedPhase` its
/// `phases` allows (`L1`..`L3` for single phase in star; a pair of lines for split phase
/// in star or single phase in delta; none for three phase).
pub fn check_power(p: &PowerOptions) -> Result<(), Fault> {
    let (Some(phases), Some(connected)) = (&p.phases, &p.connected_phase) else {
        return Ok(());
    };
    let pair = lines(connected).len() == 2;
    match (phases.as_str(), pair) {
        ("three_phase", _) => fault(
            "powerOptions.connectedPhase",
            "A three_phase EVSE uses every line: connectedPhase is only for single_phase \
             and split_phase EVSEs.",
        ),
        ("split_phase", false) => fault(
            "powerOptions.connectedPhase",
            "A split_phase EVSE is connected to two lines (L1_L2, L1_L3 or L2_L3).",
        ),
        _ => Ok(()),
    }
}

/// Whether an EVSE with these power options fits the circuit (see the module
/// documentation); the fault names the circuit's field that does not match.
pub fn evse_fits(circuit: &CircuitSpec, p: &PowerOptions) -> Result<(), Fault> {
    let connected = p.connected_phase.as_deref();
    let pair = connected.is_some_and(|c| lines(c).len() == 2);
    let circuit_pair = circuit
        .connected_phase
        .as_deref()
        .is_some_and(|c| lines(c).len() == 2);
    let delta = circuit.electrical_configuration == "delta";
    if let Some(phases) = &p.phases {
        let have = conductors(&circuit.phases, circuit_pair || delta);
        if conductors(phases, pair) > have {
            return fault(
                "phases",
                format!("A {phases} EVSE does not fit a {} circuit.", circuit.phases),
            );
        }
    }
    if let Some(c) = connected {
        if !pair && delta {
            return fault(
                "electricalConfiguration",
                format!("An EVSE connected to {c} and the neutral does not fit a delta circuit."),
            );
        }
        if let Some(have) = circuit_lines(circuit) {
            if !lines(c).iter().all(|l| have.contains(l)) {
                return fault(
                    "connectedPhase",
                    format!("The circuit does not carry {c}, which an EVSE is connected to."),
                );
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circuit(phases: &str, connected: Option<&str>, config: &str) -> CircuitSpec {
        CircuitSpec {
            name: "c".into(),
            max_current: 32.0,
            min_charge_point_current: None,
            offline_reserved_current: None,
            phases: phases.into(),
            phase_rotation: None,
            connected_phase: connected.map(Into::into),
            electrical_configuration: config.into(),
            max_voltage: None,
            parent_circuit_id: None,
            electricity_meter_id: None,
            zero_on_idle: false,
            load_balancing_integration: None,
        }
    }

    fn evse(phases: Option<&str>, connected: Option<&str>) -> PowerOptions {
        PowerOptions {
            phases: phases.map(Into::into),
            connected_phase: connected.map(Into::into),
            ..PowerOptions::default()
        }
    }

    #[test]
    fn an_evse_fits_a_circuit_with_the_lines_it_needs() {
        let three = circuit("three_phase", None, "star");
        let l1 = circuit("single_phase", Some("L1"), "star");
        let delta = circuit("single_phase", Some("L1_L2"), "delta");
        assert!(evse_fits(&three, &evse(Some("three_phase"), None)).is_ok());
        assert!(evse_fits(&three, &evse(Some("single_phase"), Some("L2"))).is_ok());
        assert!(evse_fits(&l1, &evse(None, None)).is_ok());
        assert!(evse_fits(&l1, &evse(Some("single_phase"), Some("L1"))).is_ok());
        assert!(evse_fits(&delta, &evse(Some("single_phase"), Some("L1_L2"))).is_ok());

        let f = evse_fits(&l1, &evse(Some("three_phase"), None)).unwrap_err();
        assert_eq!(f.field, "phases");
        let f = evse_fits(&l1, &evse(Some("single_phase"), Some("L3"))).unwrap_err();
        assert_eq!(f.field, "connectedPhase");
        let f = evse_fits(&delta, &evse(Some("single_phase"), Some("L1"))).unwrap_err();
        assert_eq!(f.field, "electricalConfiguration");
        let split = circuit("split_phase", Some("L1_L2"), "star");
        assert!(evse_fits(&split, &evse(Some("split_phase"), Some("L1_L3"))).is_err());
        assert!(evse_fits(&split, &evse(Some("single_phase"), Some("L2"))).is_ok());
    }

    #[test]
    fn connected_phases_must_suit_the_phases() {
        assert!(check_circuit(&circuit("single_phase", Some("L2"), "star")).is_ok());
        assert!(check_circuit(&circuit("single_phase", Some("L1_L2"), "star")).is_err());
        assert!(check_circuit(&circuit("single_phase", Some("L1_L2"), "delta")).is_ok());
        assert!(check_circuit(&circuit("three_phase", Some("L1"), "star")).is_err());
        assert!(check_circuit(&circuit("split_phase", Some("L1"), "star")).is_err());
        let mut child = circuit("three_phase", None, "star");
        child.parent_circuit_id = Some(1);
        assert_eq!(check_circuit(&child).unwrap_err().field, "phaseRotation");
        assert!(check_power(&evse(Some("three_phase"), Some("L1"))).is_err());
        assert!(check_power(&evse(Some("single_phase"), Some("L1_L3"))).is_ok());
        assert!(check_power(&evse(Some("split_phase"), Some("L3"))).is_err());
        let parent = circuit("single_phase", Some("L1"), "star");
        assert!(check_child(&circuit("three_phase", None, "star"), &parent).is_err());
        assert!(check_child(&circuit("single_phase", Some("L2"), "star"), &parent).is_err());
        assert!(check_child(&circuit("single_phase", Some("L1"), "star"), &parent).is_ok());
    }
}
