//! What an EVSE draws, per phase, read from the samples of its meter values.
//!
//! - `Current.Import` with a phase (`L1`, `L2`, `L3`, or `L1-N` style) is taken as it is,
//!   in amperes (a `mA` unit is divided out).
//! - `Current.Import` without a phase is the current on each conductor the EVSE uses.
//! - Otherwise `Power.Active.Import` (W, or kW) is divided by the voltage (the sampled
//!   `Voltage`, else 230 V) and shared evenly over the EVSE's phases; a power sample per
//!   phase is divided by that phase's voltage.
//! - Only the newest sample time counts: a message may carry several sampled values at
//!   different times (a charger catching up), and the draw now is the latest one.
//! - Samples with a context of `Transaction.Begin` or `Transaction.End` say what was drawn
//!   at an edge, not now: they are skipped. So is a negative or non-finite value.

use chrono::{DateTime, Utc};

use crate::domain::session::base_value;
use crate::domain::MeterSample;

/// The nominal line-to-neutral voltage when a charger reports none.
pub const NOMINAL_VOLTS: f64 = 230.0;

/// An EVSE's draw: amperes on each of its own conductors (index 0 = its L1), and when.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Draw {
    pub amps: [f64; 3],
    pub at: DateTime<Utc>,
}

impl Draw {
    /// The highest of the three currents.
    pub fn peak(&self) -> f64 {
        self.amps.iter().copied().fold(0.0, f64::max)
    }
}

fn phase_index(phase: &str) -> Option<usize> {
    match phase.get(..2)? {
        "L1" => Some(0),
        "L2" => Some(1),
        "L3" => Some(2),
        _ => None,
    }
}

fn amps(sample: &MeterSample) -> f64 {
    match sample.unit.as_deref() {
        Some("mA") => sample.value / 1000.0,
        _ => sample.value,
    }
}

/// The draw the samples tell, for an EVSE using `phases` conductors (1 to 3); `None`
/// when they carry neither current nor power.
pub fn from_samples(samples: &[MeterSample], phases: usize) -> Option<Draw> {
    let phases = phases.clamp(1, 3);
    let live = |s: &&MeterSample| {
        s.value.is_finite()
            && s.value >= 0.0
            && !matches!(
                s.context.as_deref(),
                Some("Transaction.Begin" | "Transaction.End")
            )
    };
    let at = samples
        .iter()
        .filter(live)
        .filter(|s| {
            matches!(
                s.measurand.as_str(),
                "Current.Import" | "Power.Active.Import"
            )
        })
        .map(|s| s.timestamp)
        .max()?;
    let now: Vec<&MeterSample> = samples
        .iter()
        .filter(live)
        .filter(|s| s.timestamp == at)
        .collect();
    fn of<'a>(
        now: &'a [&'a MeterSample],
        measurand: &'a str,
    ) -> impl Iterator<Item = &'a &'a MeterSample> + 'a {
        now.iter().filter(move |s| s.measurand == measurand)
    }
    let mut out = [0.0; 3];
    let mut per_phase = false;
    for s in of(&now, "Current.Import") {
        match s.phase.as_deref().and_then(phase_index) {
            Some(i) => {
                out[i] = amps(s);
                per_phase = true;
            }
            None if !per_phase => out[..phases].fill(amps(s)),
            None => {}
        }
    }
    if of(&now, "Current.Import").next().is_some() {
        return Some(Draw { amps: out, at });
    }
    let volts = |phase: Option<usize>| {
        of(&now, "Voltage")
            .find(|v| v.phase.as_deref().and_then(phase_index) == phase)
            .or_else(|| of(&now, "Voltage").find(|v| v.phase.is_none()))
            .map(|v| base_value(v))
            .filter(|v| *v > 50.0)
            .unwrap_or(NOMINAL_VOLTS)
    };
    let mut total = None;
    for s in of(&now, "Power.Active.Import") {
        match s.phase.as_deref().and_then(phase_index) {
            Some(i) => {
                out[i] = base_value(s) / volts(Some(i));
                per_phase = true;
            }
            None => total = Some(base_value(s)),
        }
    }
    if !per_phase {
        let watts = total?;
        out[..phases].fill(watts / (volts(None) * phases as f64));
    }
    Some(Draw { amps: out, at })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(measurand: &str, value: f64, unit: &str, phase: Option<&str>) -> MeterSample {
        MeterSample {
            timestamp: DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
                .expect("time")
                .with_timezone(&Utc),
            measurand: measurand.into(),
            value,
            unit: Some(unit.into()),
            phase: phase.map(Into::into),
            context: Some("Sample.Periodic".into()),
        }
    }

    #[test]
    fn per_phase_current_is_taken_as_it_is() {
        let d = from_samples(
            &[
                s("Current.Import", 16.0, "A", Some("L1")),
                s("Current.Import", 15.5, "A", Some("L2")),
                s("Current.Import", 14000.0, "mA", Some("L3-N")),
                s("Power.Active.Import", 99999.0, "W", None),
            ],
            3,
        )
        .expect("draw");
        assert_eq!(d.amps, [16.0, 15.5, 14.0]);
        assert_eq!(d.peak(), 16.0);
    }

    #[test]
    fn a_current_without_phase_is_on_each_conductor_used() {
        let d = from_samples(&[s("Current.Import", 10.0, "A", None)], 1).expect("draw");
        assert_eq!(d.amps, [10.0, 0.0, 0.0]);
    }

    #[test]
    fn power_alone_is_divided_by_voltage_and_phases() {
        let d = from_samples(&[s("Power.Active.Import", 11.04, "kW", None)], 3).expect("draw");
        assert!(d.amps.iter().all(|a| (a - 16.0).abs() < 1e-9), "{d:?}");
        let d = from_samples(
            &[
                s("Power.Active.Import", 4600.0, "W", None),
                s("Voltage", 230.0, "V", None),
            ],
            1,
        )
        .expect("draw");
        assert_eq!(d.amps, [20.0, 0.0, 0.0]);
    }

    #[test]
    fn only_the_newest_sample_time_counts_and_edges_are_skipped() {
        let mut old = s("Current.Import", 32.0, "A", Some("L1"));
        old.timestamp -= chrono::Duration::seconds(60);
        let mut end = s("Current.Import", 30.0, "A", Some("L1"));
        end.context = Some("Transaction.End".into());
        end.timestamp += chrono::Duration::seconds(60);
        let d =
            from_samples(&[old, s("Current.Import", 8.0, "A", Some("L1")), end], 1).expect("draw");
        assert_eq!(d.amps[0], 8.0);
        assert!(from_samples(&[s("Energy.Active.Import.Register", 1.0, "Wh", None)], 1).is_none());
    }
}
