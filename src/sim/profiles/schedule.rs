//! One profile's schedule at one instant (1.6 §3.13.2–3, 2.0.1 K01): whether it is in
//! force and the limit of its period then, in A per phase; and the instants at which
//! that can change, from which the composite schedule is built.

use chrono::{DateTime, TimeDelta, Utc};

use super::parse::{Kind, Profile, Unit};
use crate::sim::ev::VOLTAGE;

impl Profile {
    /// The instant the schedule's period 0 starts, for an evaluation at `at`;
    /// `origin` is the start of a Relative schedule (the transaction's start, or the
    /// evaluation's when none runs).
    fn schedule_start(&self, at: DateTime<Utc>, origin: DateTime<Utc>) -> DateTime<Utc> {
        let set = self.start_schedule.unwrap_or(self.received);
        match self.kind {
            Kind::Absolute => set,
            Kind::Relative => origin,
            Kind::Recurring(r) => {
                // The latest repeat that began at or before `at`.
                let elapsed = at.signed_duration_since(set).num_seconds();
                let repeats = elapsed.div_euclid(r.seconds());
                set + TimeDelta::seconds(repeats * r.seconds())
            }
        }
    }

    /// Whether `at` is inside validFrom..validTo.
    pub fn valid_at(&self, at: DateTime<Utc>) -> bool {
        self.valid_from.is_none_or(|from| from <= at) && self.valid_to.is_none_or(|to| at < to)
    }

    /// The limit in A per phase at `at`, or `None` when the profile is not in force then
    /// (not valid yet or any more, before its schedule starts, after its duration).
    /// W become A over the phases used: the EV's `phases`, or fewer if the period's
    /// numberPhases says so (1.6 §3.13.5; 2.0.1 K01 numberPhases).
    pub fn limit_at(&self, at: DateTime<Utc>, origin: DateTime<Utc>, phases: u8) -> Option<f64> {
        if !self.valid_at(at) {
            return None;
        }
        let start = self.schedule_start(at, origin);
        let elapsed = at.signed_duration_since(start).num_milliseconds() as f64 / 1000.0;
        if elapsed < 0.0 || self.duration.is_some_and(|d| elapsed >= d as f64) {
            return None;
        }
        let period = self
            .periods
            .iter()
            .rev()
            .find(|p| p.start as f64 <= elapsed)?;
        Some(match self.unit {
            Unit::A => period.limit,
            Unit::W => {
                let used = phases.min(period.phases.unwrap_or(3)).max(1);
                period.limit / (VOLTAGE * f64::from(used))
            }
        })
    }

    /// The instants in `from..to` at which this profile's limit may change.
    pub fn changes(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        origin: DateTime<Utc>,
    ) -> Vec<DateTime<Utc>> {
        let mut out: Vec<DateTime<Utc>> = Vec::new();
        out.extend(self.valid_from);
        out.extend(self.valid_to);
        let mut add_repeat = |start: DateTime<Utc>| {
            for p in &self.periods {
                out.push(start + TimeDelta::seconds(p.start));
            }
            if let Some(d) = self.duration {
                out.push(start + TimeDelta::seconds(d));
            }
        };
        match self.kind {
            Kind::Absolute | Kind::Relative => add_repeat(self.schedule_start(from, origin)),
            Kind::Recurring(r) => {
                // Every repeat overlapping the window, with a cap against silly windows.
                let mut start = self.schedule_start(from, origin);
                let mut repeats = 0;
                while start < to && repeats < 1000 {
                    add_repeat(start);
                    start += TimeDelta::seconds(r.seconds());
                    repeats += 1;
                }
            }
        }
        out.retain(|t| from < *t && *t < to);
        out
    }
}
