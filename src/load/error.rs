//! The load manager's errors: input the allocator cannot plan for (a phase description
//! it does not know, a circuit tree that is no tree, an EVSE on a circuit it was not
//! given, a current or priority that is no positive number).

use crate::load::key::EvseKey;

/// Why `allocate` (or a `PhaseMap` constructor) refused
/// its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// `phases` is none of `single_phase`, `split_phase`, `three_phase`.
    #[error("unknown phases {0:?} (expected single_phase, split_phase or three_phase)")]
    UnknownPhases(String),
    /// `phaseRotation` is not a permutation of `RST`.
    #[error("unknown phaseRotation {0:?} (expected RST, RTS, SRT, STR, TRS or TSR)")]
    UnknownRotation(String),
    /// `connectedPhase` is none of `L1`, `L2`, `L3`, `L1_L2`, `L1_L3`, `L2_L3`.
    #[error("unknown connectedPhase {0:?}")]
    UnknownConnectedPhase(String),
    /// `split_phase` needs two lines (`L1_L2`, `L1_L3`, `L2_L3`).
    #[error("split_phase needs connectedPhase L1_L2, L1_L3 or L2_L3, got {0:?}")]
    SplitPhaseNeedsTwoLines(Option<String>),
    /// A phase mask names a phase past L3.
    #[error("phase mask {0:#b} names a phase past L3")]
    InvalidPhaseMask(u8),
    /// Two circuits share an id.
    #[error("circuit {0} is given twice")]
    DuplicateCircuit(i64),
    /// A circuit's parent is not among the circuits.
    #[error("circuit {circuit} has parent {parent}, which is not among the circuits")]
    UnknownParent { circuit: i64, parent: i64 },
    /// Following parents from this circuit comes back to it.
    #[error("circuit {0} is its own ancestor")]
    Cycle(i64),
    /// Two EVSEs share a key.
    #[error("EVSE {0} is given twice")]
    DuplicateEvse(EvseKey),
    /// An EVSE names a circuit that is not among the circuits.
    #[error("EVSE {evse} is on circuit {circuit}, which is not among the circuits")]
    UnknownCircuit { evse: EvseKey, circuit: i64 },
    /// A current (max, min, reserve) is negative or not a number.
    #[error("{what} is {value}: a current must be a finite number of amperes, 0 or more")]
    InvalidCurrent { what: String, value: f64 },
    /// A priority (or SoC priority) is not a positive finite number.
    #[error("priority of {what} is {value}: it must be a positive finite number")]
    InvalidPriority { what: String, value: f64 },
}
