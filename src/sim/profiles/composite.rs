//! GetCompositeSchedule (1.6 §5.7, 2.0.1 K08): the limit on an EVSE over the coming
//! `duration` seconds as one schedule, built by evaluating the profiles at every
//! instant one of them may change and merging equal neighbours. Where no profile
//! limits, the EVSE's own rating stands in (a schedule period needs a limit).

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value};

use super::{ProfileError, ProfileStore, Transaction};
use crate::ocpp::OcppVersion;
use crate::sim::ev::VOLTAGE;

/// The longest window computed, in seconds (a week).
const MAX_DURATION: i64 = 7 * 86_400;

impl ProfileStore {
    /// The answer to a GetCompositeSchedule `request` at `now`. `running` is the
    /// transaction on the EVSE, `phases` the phases of its EV (3 without one),
    /// `rating` the EVSE's own maximum in A per phase.
    pub fn composite(
        &self,
        request: &Value,
        now: DateTime<Utc>,
        running: Option<&Transaction>,
        phases: u8,
        rating: f64,
    ) -> Value {
        let evse_field = match self.version {
            OcppVersion::V16 => "connectorId",
            OcppVersion::V201 => "evseId",
        };
        let evse = request
            .get(evse_field)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok());
        let Some(evse) = evse.filter(|e| *e <= self.evses) else {
            let e = ProfileError::UnknownEvse(evse.unwrap_or(u32::MAX));
            return self.set_answer(&Err(e));
        };
        let duration = request
            .get("duration")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .clamp(0, MAX_DURATION);
        let watts = request.get("chargingRateUnit").and_then(Value::as_str) == Some("W");
        let periods = self.periods(evse, now, duration, running, phases, rating);
        let periods: Vec<Value> = periods
            .into_iter()
            .map(|(start, amps)| {
                let limit = if watts {
                    amps * VOLTAGE * f64::from(phases)
                } else {
                    amps
                };
                json!({ "startPeriod": start, "limit": (limit * 10.0).round() / 10.0 })
            })
            .collect();
        let start = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let unit = if watts { "W" } else { "A" };
        match self.version {
            OcppVersion::V16 => json!({
                "status": "Accepted",
                "connectorId": evse,
                "scheduleStart": start,
                "chargingSchedule": {
                    "duration": duration,
                    "startSchedule": start,
                    "chargingRateUnit": unit,
                    "chargingSchedulePeriod": periods,
                },
            }),
            OcppVersion::V201 => json!({
                "status": "Accepted",
                "schedule": {
                    "evseId": evse,
                    "duration": duration,
                    "scheduleStart": start,
                    "chargingRateUnit": unit,
                    "chargingSchedulePeriod": periods,
                },
            }),
        }
    }

    /// (seconds from `now`, A per phase) from `now` for `duration` seconds.
    fn periods(
        &self,
        evse: u32,
        now: DateTime<Utc>,
        duration: i64,
        running: Option<&Transaction>,
        phases: u8,
        rating: f64,
    ) -> Vec<(i64, f64)> {
        let end = now + TimeDelta::seconds(duration);
        let origin = running.map_or(now, |t| t.started);
        let mut instants = vec![now];
        for (e, p) in &self.profiles {
            if *e == evse || *e == 0 {
                instants.extend(p.changes(now, end, origin));
            }
        }
        instants.sort();
        let mut out: Vec<(i64, f64)> = Vec::new();
        for at in instants {
            let start = at.signed_duration_since(now).num_seconds();
            let amps = self
                .limit_from(evse, at, origin, running, phases)
                .map_or(rating, |l| l.min(rating));
            match out.last_mut() {
                Some(last) if last.0 == start => last.1 = amps,
                _ => out.push((start, amps)),
            }
        }
        out.dedup_by(|later, earlier| later.1 == earlier.1);
        out
    }
}
