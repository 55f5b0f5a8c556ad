//! Which phases of its parent a circuit, charge point or EVSE loads, read from the
//! reference's `phases`, `phaseRotation` and `connectedPhase`.
//!
//! Decisions:
//! - A map says, for each of the thing's own conductors (own L1, L2, L3), how many
//!   times its current appears on each parent phase. Kept as counts, not one phase per
//!   conductor, so that a load between two lines counts on both.
//! - `three_phase`: own L1, L2, L3 go to the parent phases the rotation's letters name
//!   (`R` = L1, `S` = L2, `T` = L3; `RTS` = own L1→L1, L2→L3, L3→L2). No rotation is
//!   `RST`. A `connectedPhase` given with `three_phase` is ignored.
//! - `single_phase`: own L1 goes to `connectedPhase`. Without `connectedPhase`, the
//!   line is the first letter of `phaseRotation` (`S…` = L2), else L1.
//!   `single_phase` with two lines (`L1_L2`: a delta-connected load between two lines)
//!   counts its current on both lines, which is what the line conductors carry at most.
//! - `split_phase` with `L1_L2` (etc.): own L1 → the first line, own L2 → the second.
//!   It needs two lines: anything else is [`ModelError::SplitPhaseNeedsTwoLines`].

use crate::load::error::ModelError;

/// For each own conductor (index 0, 1, 2 = L1, L2, L3), the parent phases it loads as a
/// bit mask (bit 0 = parent L1). Zero: the conductor is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PhaseMap {
    to_parent: [u8; 3],
}

impl PhaseMap {
    /// Three phases, own L1→L1, L2→L2, L3→L3 (`three_phase`, `RST`).
    pub const STRAIGHT: PhaseMap = PhaseMap {
        to_parent: [0b001, 0b010, 0b100],
    };

    /// A map from masks: `masks[i]` are the parent phases own conductor `i` loads.
    pub fn from_masks(masks: [u8; 3]) -> Result<PhaseMap, ModelError> {
        match masks.iter().find(|m| **m > 0b111) {
            Some(m) => Err(ModelError::InvalidPhaseMask(*m)),
            None => Ok(PhaseMap { to_parent: masks }),
        }
    }

    /// One conductor (own L1) on the given parent phase (0, 1, 2 = L1, L2, L3).
    pub fn single(line: usize) -> PhaseMap {
        let mut to_parent = [0; 3];
        to_parent[0] = 1 << line.min(2);
        PhaseMap { to_parent }
    }

    /// Three conductors in the order a rotation names them (`RST`, `RTS`, ...).
    pub fn three_phase(rotation: &str) -> Result<PhaseMap, ModelError> {
        let lines = rotation_lines(rotation)?;
        Ok(PhaseMap {
            to_parent: lines.map(|l| 1 << l),
        })
    }

    /// The map of a circuit or charge point as the reference describes it: `phases`
    /// (`single_phase`, `split_phase`, `three_phase`), `phaseRotation` and
    /// `connectedPhase` (see the module doc for the defaults).
    pub fn from_reference(
        phases: &str,
        rotation: Option<&str>,
        connected: Option<&str>,
    ) -> Result<PhaseMap, ModelError> {
        match phases {
            "three_phase" => PhaseMap::three_phase(rotation.unwrap_or("RST")),
            "single_phase" => {
                let lines = match connected {
                    Some(c) => connected_lines(c)?,
                    None => {
                        let first = match rotation {
                            Some(r) => rotation_lines(r)?[0],
                            None => 0,
                        };
                        vec![first]
                    }
                };
                let mask = lines.iter().fold(0u8, |m, l| m | 1 << l);
                Ok(PhaseMap {
                    to_parent: [mask, 0, 0],
                })
            }
            "split_phase" => match connected.map(connected_lines).transpose()? {
                Some(lines) if lines.len() == 2 => Ok(PhaseMap {
                    to_parent: [1 << lines[0], 1 << lines[1], 0],
                }),
                _ => Err(ModelError::SplitPhaseNeedsTwoLines(
                    connected.map(str::to_owned),
                )),
            },
            other => Err(ModelError::UnknownPhases(other.to_owned())),
        }
    }

    /// The parent phases own conductor `own` loads (a bit mask).
    pub fn parents_of(&self, own: usize) -> u8 {
        self.to_parent.get(own).copied().unwrap_or(0)
    }

    /// Whether own conductor `own` is used.
    pub fn uses(&self, own: usize) -> bool {
        self.parents_of(own) != 0
    }

    /// Per-parent-phase counts of per-own-phase counts: what `counts` on the own
    /// conductors amount to on the parent's phases.
    pub fn lift(&self, counts: [f64; 3]) -> [f64; 3] {
        let mut up = [0.0; 3];
        for (own, c) in counts.iter().enumerate() {
            if *c == 0.0 {
                continue;
            }
            for (p, u) in up.iter_mut().enumerate() {
                if self.to_parent[own] & (1 << p) != 0 {
                    *u += c;
                }
            }
        }
        up
    }
}

/// The parent lines of a rotation's three letters.
fn rotation_lines(rotation: &str) -> Result<[usize; 3], ModelError> {
    let bad = || ModelError::UnknownRotation(rotation.to_owned());
    let mut lines = [0usize; 3];
    let mut seen = 0u8;
    let letters: Vec<char> = rotation.chars().collect();
    if letters.len() != 3 {
        return Err(bad());
    }
    for (i, c) in letters.iter().enumerate() {
        let l = match c {
            'R' => 0,
            'S' => 1,
            'T' => 2,
            _ => return Err(bad()),
        };
        if seen & (1 << l) != 0 {
            return Err(bad());
        }
        seen |= 1 << l;
        lines[i] = l;
    }
    Ok(lines)
}

/// The lines a `connectedPhase` names, in its order.
fn connected_lines(connected: &str) -> Result<Vec<usize>, ModelError> {
    Ok(match connected {
        "L1" => vec![0],
        "L2" => vec![1],
        "L3" => vec![2],
        "L1_L2" => vec![0, 1],
        "L1_L3" => vec![0, 2],
        "L2_L3" => vec![1, 2],
        other => return Err(ModelError::UnknownConnectedPhase(other.to_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masks(m: PhaseMap) -> [u8; 3] {
        [m.parents_of(0), m.parents_of(1), m.parents_of(2)]
    }

    #[test]
    fn three_phase_follows_the_rotation_letters() {
        let rst = PhaseMap::from_reference("three_phase", Some("RST"), None).unwrap();
        assert_eq!(masks(rst), [0b001, 0b010, 0b100]);
        let rts = PhaseMap::from_reference("three_phase", Some("RTS"), None).unwrap();
        assert_eq!(masks(rts), [0b001, 0b100, 0b010]);
        let tsr = PhaseMap::from_reference("three_phase", Some("TSR"), Some("L2")).unwrap();
        assert_eq!(masks(tsr), [0b100, 0b010, 0b001]);
        let none = PhaseMap::from_reference("three_phase", None, None).unwrap();
        assert_eq!(none, PhaseMap::STRAIGHT);
    }

    #[test]
    fn single_phase_takes_the_connected_line_or_the_rotations_first_letter() {
        let l2 = PhaseMap::from_reference("single_phase", None, Some("L2")).unwrap();
        assert_eq!(masks(l2), [0b010, 0, 0]);
        let by_rotation = PhaseMap::from_reference("single_phase", Some("TRS"), None).unwrap();
        assert_eq!(masks(by_rotation), [0b100, 0, 0]);
        let default = PhaseMap::from_reference("single_phase", None, None).unwrap();
        assert_eq!(masks(default), [0b001, 0, 0]);
        let delta = PhaseMap::from_reference("single_phase", None, Some("L1_L3")).unwrap();
        assert_eq!(masks(delta), [0b101, 0, 0]);
        assert_eq!(delta.lift([16.0, 0.0, 0.0]), [16.0, 0.0, 16.0]);
    }

    #[test]
    fn split_phase_puts_two_conductors_on_two_lines() {
        let split = PhaseMap::from_reference("split_phase", None, Some("L2_L3")).unwrap();
        assert_eq!(masks(split), [0b010, 0b100, 0]);
        assert_eq!(split.lift([10.0, 10.0, 10.0]), [0.0, 10.0, 10.0]);
    }

    #[test]
    fn invalid_combinations_are_named() {
        assert_eq!(
            PhaseMap::from_reference("split_phase", None, Some("L1")),
            Err(ModelError::SplitPhaseNeedsTwoLines(Some("L1".into())))
        );
        assert_eq!(
            PhaseMap::from_reference("split_phase", Some("RST"), None),
            Err(ModelError::SplitPhaseNeedsTwoLines(None))
        );
        assert_eq!(
            PhaseMap::from_reference("three_phase", Some("RSS"), None),
            Err(ModelError::UnknownRotation("RSS".into()))
        );
        assert_eq!(
            PhaseMap::from_reference("two_phase", None, None),
            Err(ModelError::UnknownPhases("two_phase".into()))
        );
        assert_eq!(
            PhaseMap::from_reference("single_phase", None, Some("L4")),
            Err(ModelError::UnknownConnectedPhase("L4".into()))
        );
        assert_eq!(
            PhaseMap::from_masks([0b1000, 0, 0]),
            Err(ModelError::InvalidPhaseMask(0b1000))
        );
    }
}
