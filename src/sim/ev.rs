//! A simulated electric vehicle on one EVSE: how much current it draws, given the limit
//! the charger's charging profiles put on it, and what that adds to its battery.
//!
//! Pure, no tokio: time is an argument, so tests step it exactly. The model:
//!
//! - The EV wants its own maximum current per phase (`max_current`), on `phases` phases
//!   at a nominal 230 V, capped by the limit in force (unless `ignore_profiles`, a
//!   vehicle or charger that does not obey: then it draws its own maximum regardless).
//! - Below `min_current` (about 6 A, IEC 61851's lowest PWM duty) a vehicle cannot charge,
//!   so a target below it becomes 0 A.
//! - The draw moves toward the target at `ramp` A/s, both up and down.
//! - Energy is the trapezoid of the draw over each step; SoC grows by it over the
//!   battery capacity.
//! - Taper: above 80 % SoC the EV's own maximum falls linearly, reaching `min_current`
//!   at 100 %: `max × (100 − soc) / 20`, never below `min_current` while not full. A full
//!   battery draws 0 A.
//! - `stays_off_after_pause`: some vehicles, once held at 0 A, do not resume when the
//!   limit rises again (until replugged: a new session).

use chrono::{DateTime, Utc};

/// The nominal phase voltage, in V.
pub const VOLTAGE: f64 = 230.0;

/// The SoC above which the EV's acceptance tapers, in %.
pub const TAPER_FROM: f64 = 80.0;

/// What an EV is: its limits and its battery when it plugs in.
#[derive(Clone, Debug, PartialEq)]
pub struct EvSpec {
    /// The most current it draws per phase, in A.
    pub max_current: f64,
    /// The phases it charges on: 1 or 3.
    pub phases: u8,
    /// Its battery's usable capacity, in Wh.
    pub capacity_wh: f64,
    /// Its state of charge when it plugs in, in %.
    pub soc: f64,
    /// How fast its draw changes, in A/s.
    pub ramp: f64,
    /// Below this current per phase it draws nothing, in A.
    pub min_current: f64,
    /// Draw its own maximum whatever the limit (a non-compliant vehicle or charger).
    pub ignore_profiles: bool,
    /// Once a limit below `min_current` stopped it, never draw again.
    pub stays_off_after_pause: bool,
}

impl Default for EvSpec {
    /// A typical 11 kW car: 16 A on 3 phases, 60 kWh at 20 %, ramping at 5 A/s.
    fn default() -> Self {
        EvSpec {
            max_current: 16.0,
            phases: 3,
            capacity_wh: 60_000.0,
            soc: 20.0,
            ramp: 5.0,
            min_current: 6.0,
            ignore_profiles: false,
            stays_off_after_pause: false,
        }
    }
}

/// An EV charging: its spec, its draw now and what it has taken so far.
#[derive(Clone, Debug)]
pub struct Ev {
    spec: EvSpec,
    /// The draw per phase, in A.
    current: f64,
    /// The energy taken since it plugged in, in Wh.
    energy_wh: f64,
    soc: f64,
    /// The time of the last step; `None` before the first.
    last: Option<DateTime<Utc>>,
    /// It was held at 0 A and is one that does not resume.
    stalled: bool,
}

impl Ev {
    /// An EV drawing nothing yet. Phases other than 1 count as 3.
    pub fn new(mut spec: EvSpec) -> Self {
        spec.phases = if spec.phases == 1 { 1 } else { 3 };
        spec.max_current = spec.max_current.max(0.0);
        spec.ramp = spec.ramp.max(0.0);
        spec.capacity_wh = spec.capacity_wh.max(1.0);
        let soc = spec.soc.clamp(0.0, 100.0);
        Ev {
            spec,
            current: 0.0,
            energy_wh: 0.0,
            soc,
            last: None,
            stalled: false,
        }
    }

    /// The EV's spec.
    pub fn spec(&self) -> &EvSpec {
        &self.spec
    }

    /// Moves the model to `now`: the draw ramps toward min(own max, `limit`) (per phase,
    /// in A; `None` is no limit) and the energy of the interval is added. A `now` before
    /// the last step changes nothing.
    pub fn step(&mut self, now: DateTime<Utc>, limit: Option<f64>) {
        let Some(last) = self.last.replace(now) else {
            return;
        };
        let dt = now.signed_duration_since(last).num_milliseconds() as f64 / 1000.0;
        if dt <= 0.0 {
            self.last = Some(last.max(now));
            return;
        }
        let target = self.target(limit);
        if target == 0.0 && self.spec.stays_off_after_pause && self.soc < 100.0 {
            self.stalled = true;
        }
        let before = self.current;
        let reach = self.spec.ramp * dt;
        let after = if target > before {
            (before + reach).min(target)
        } else {
            (before - reach).max(target)
        };
        // The draw is linear in time until it reaches the target, then flat.
        let ramp_time = if self.spec.ramp > 0.0 {
            ((after - before).abs() / self.spec.ramp).min(dt)
        } else {
            0.0
        };
        let amp_seconds = (before + after) / 2.0 * ramp_time + after * (dt - ramp_time);
        let wh = amp_seconds * VOLTAGE * f64::from(self.spec.phases) / 3600.0;
        self.current = after;
        self.energy_wh += wh;
        self.soc = (self.soc + wh / self.spec.capacity_wh * 100.0).min(100.0);
    }

    /// The current the EV heads for under `limit`.
    pub fn target(&self, limit: Option<f64>) -> f64 {
        if self.stalled {
            return 0.0;
        }
        let own = self.acceptance();
        let wanted = match limit {
            Some(limit) if !self.spec.ignore_profiles => own.min(limit.max(0.0)),
            _ => own,
        };
        if wanted < self.spec.min_current {
            0.0
        } else {
            wanted
        }
    }

    /// The EV's own maximum at its SoC: its `max_current`, tapering above 80 %.
    pub fn acceptance(&self) -> f64 {
        let max = self.spec.max_current;
        if self.soc >= 100.0 {
            0.0
        } else if self.soc > TAPER_FROM {
            let tapered = max * (100.0 - self.soc) / (100.0 - TAPER_FROM);
            tapered.max(self.spec.min_current.min(max))
        } else {
            max
        }
    }

    /// The draw per phase, in A: L1, L2, L3 (a 1-phase EV draws on L1 only).
    pub fn phase_currents(&self) -> [f64; 3] {
        match self.spec.phases {
            1 => [self.current, 0.0, 0.0],
            _ => [self.current; 3],
        }
    }

    /// The draw per phase, in A.
    pub fn current(&self) -> f64 {
        self.current
    }

    /// The active power, in W.
    pub fn power_w(&self) -> f64 {
        self.current * VOLTAGE * f64::from(self.spec.phases)
    }

    /// The energy taken since it plugged in, in Wh.
    pub fn energy_wh(&self) -> f64 {
        self.energy_wh
    }

    /// The state of charge, in %.
    pub fn soc(&self) -> f64 {
        self.soc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T08:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn at(secs: f64) -> DateTime<Utc> {
        t0() + TimeDelta::milliseconds((secs * 1000.0) as i64)
    }

    fn ev(spec: EvSpec) -> Ev {
        let mut ev = Ev::new(spec);
        ev.step(t0(), None);
        ev
    }

    #[test]
    fn ramps_up_to_its_own_max_at_the_ramp_rate() {
        let mut ev = ev(EvSpec::default());
        ev.step(at(1.0), None);
        assert_eq!(ev.current(), 5.0);
        ev.step(at(2.0), None);
        assert_eq!(ev.current(), 10.0);
        ev.step(at(10.0), None);
        assert_eq!(ev.current(), 16.0);
        assert_eq!(ev.power_w(), 16.0 * 230.0 * 3.0);
        assert_eq!(ev.phase_currents(), [16.0; 3]);
    }

    #[test]
    fn follows_a_limit_down_and_up() {
        let mut ev = ev(EvSpec::default());
        ev.step(at(10.0), None);
        ev.step(at(11.0), Some(10.0));
        assert_eq!(ev.current(), 11.0, "ramps down at 5 A/s");
        ev.step(at(12.0), Some(10.0));
        assert_eq!(ev.current(), 10.0);
        ev.step(at(20.0), Some(32.0));
        assert_eq!(ev.current(), 16.0, "never above its own max");
    }

    #[test]
    fn a_limit_below_the_minimum_stops_it() {
        let mut ev = ev(EvSpec::default());
        ev.step(at(10.0), None);
        ev.step(at(20.0), Some(5.0));
        assert_eq!(ev.current(), 0.0);
        assert_eq!(ev.target(Some(6.0)), 6.0);
        assert_eq!(ev.target(Some(0.0)), 0.0);
    }

    #[test]
    fn ignoring_profiles_draws_its_own_max() {
        let mut ev = ev(EvSpec {
            ignore_profiles: true,
            ..EvSpec::default()
        });
        ev.step(at(10.0), Some(6.0));
        assert_eq!(ev.current(), 16.0);
    }

    #[test]
    fn energy_is_the_area_under_the_draw() {
        let mut ev = ev(EvSpec {
            max_current: 10.0,
            phases: 1,
            ramp: 10.0,
            ..EvSpec::default()
        });
        // 0 → 10 A in 1 s (5 A·s), then 10 A for 359 s (3590 A·s): 3595 A·s at 230 V.
        ev.step(at(360.0), None);
        let want = 3595.0 * 230.0 / 3600.0;
        assert!((ev.energy_wh() - want).abs() < 1e-9, "{}", ev.energy_wh());
        assert_eq!(ev.phase_currents(), [10.0, 0.0, 0.0]);
        let soc = 20.0 + want / 60_000.0 * 100.0;
        assert!((ev.soc() - soc).abs() < 1e-9);
    }

    #[test]
    fn tapers_above_80_percent_and_stops_when_full() {
        let spec = EvSpec {
            max_current: 32.0,
            soc: 90.0,
            ..EvSpec::default()
        };
        assert_eq!(Ev::new(spec.clone()).acceptance(), 16.0, "half way: half");
        let at_99 = Ev::new(EvSpec {
            soc: 99.0,
            ..spec.clone()
        });
        assert_eq!(at_99.acceptance(), 6.0, "never below the minimum");
        let full = Ev::new(EvSpec {
            soc: 100.0,
            ..spec.clone()
        });
        assert_eq!(full.target(None), 0.0);
        let mut small = ev(EvSpec {
            capacity_wh: 100.0,
            ..spec
        });
        small.step(at(3600.0), None);
        assert_eq!(small.soc(), 100.0);
        small.step(at(3700.0), None);
        assert_eq!(small.current(), 0.0);
    }

    #[test]
    fn some_evs_do_not_resume_after_a_pause() {
        let spec = EvSpec {
            stays_off_after_pause: true,
            ..EvSpec::default()
        };
        let mut ev = ev(spec.clone());
        ev.step(at(10.0), Some(10.0));
        assert_eq!(ev.current(), 10.0, "a limit above the minimum is followed");
        ev.step(at(20.0), Some(3.0));
        ev.step(at(30.0), Some(16.0));
        assert_eq!(ev.current(), 0.0, "held at 0 A, it stays there");
        let mut resumes = self::ev(EvSpec::default());
        resumes.step(at(10.0), Some(3.0));
        resumes.step(at(20.0), Some(16.0));
        assert_eq!(resumes.current(), 16.0, "most EVs resume");
    }

    #[test]
    fn time_going_back_changes_nothing() {
        let mut ev = ev(EvSpec::default());
        ev.step(at(2.0), None);
        ev.step(at(1.0), None);
        assert_eq!(ev.current(), 10.0);
        ev.step(at(3.0), None);
        assert_eq!(ev.current(), 15.0);
    }
}
