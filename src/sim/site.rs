//! What a simulated charger with EVs knows: its EVSEs, the EV charging on each, the
//! charging profiles it holds. Pure (time is an argument); the connection task
//! answers SetChargingProfile, ClearChargingProfile and GetCompositeSchedule from it,
//! and the session driver steps the EVs and reads their meters from it.
//!
//! Before a profile is installed or cleared every EV is first stepped to that instant
//! under the old limit, so energy is integrated piecewise under the limit in force.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::ocpp::OcppVersion;

use super::ev::{Ev, EvSpec};
use super::profiles::{ProfileStore, Transaction};
use super::responder::Answer;

/// The smart-charging actions the site answers.
const ACTIONS: &[&str] = &[
    "SetChargingProfile",
    "ClearChargingProfile",
    "GetCompositeSchedule",
];

/// A session on one EVSE: its transaction and the EV plugged in.
#[derive(Clone, Debug)]
pub struct Session {
    /// The transaction, for TxProfiles and Relative schedules.
    pub tx: Transaction,
    /// The EV.
    pub ev: Ev,
    /// The EVSE's energy register when the session began, in Wh.
    pub register_start_wh: f64,
    /// The next TransactionEvent seqNo (2.0.1).
    pub seq_no: u32,
}

/// What a meter reads on an EVSE.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// The current per phase, L1 to L3, in A.
    pub currents: [f64; 3],
    /// The active power, in W.
    pub power_w: f64,
    /// The energy register, in Wh.
    pub register_wh: f64,
    /// The EV's state of charge, in %.
    pub soc: f64,
}

/// The charger's EVSEs, EVs and profiles.
#[derive(Debug)]
pub struct Site {
    version: OcppVersion,
    profiles: ProfileStore,
    /// Index `n - 1` is EVSE `n`: its energy register and its session.
    evses: Vec<(f64, Option<Session>)>,
    rating: f64,
    not_supported: bool,
}

impl Site {
    /// A charger with `evses` EVSEs rated `rating` A per phase. With `not_supported`
    /// it answers the smart-charging calls with a `NotSupported` CALLERROR.
    pub fn new(version: OcppVersion, evses: u32, rating: f64, not_supported: bool) -> Self {
        let evses = evses.max(1);
        Site {
            version,
            profiles: ProfileStore::new(version, evses),
            evses: (0..evses).map(|_| (1000.0, None)).collect(),
            rating,
            not_supported,
        }
    }

    /// The version spoken.
    pub fn version(&self) -> OcppVersion {
        self.version
    }

    /// How many EVSEs there are.
    pub fn evse_count(&self) -> u32 {
        self.evses.len() as u32
    }

    /// The answer to a smart-charging CALL at `now`; `None` for other actions.
    pub fn answer(&mut self, action: &str, request: &Value, now: DateTime<Utc>) -> Option<Answer> {
        if !ACTIONS.contains(&action) {
            return None;
        }
        if self.not_supported {
            return Some(Answer::Error {
                code: "NotSupported".to_owned(),
                description: format!("{action}: this charger does no smart charging"),
            });
        }
        self.advance(now);
        let payload = match action {
            "SetChargingProfile" => {
                let field = match self.version {
                    OcppVersion::V16 => "connectorId",
                    OcppVersion::V201 => "evseId",
                };
                let evse = request.get(field).and_then(Value::as_u64).unwrap_or(0);
                let running = u32::try_from(evse).ok().and_then(|e| self.tx(e)).cloned();
                let outcome = self.profiles.set(request, now, running.as_ref());
                if let Err(e) = &outcome {
                    tracing::debug!(reason = %e, "SetChargingProfile rejected");
                }
                self.profiles.set_answer(&outcome)
            }
            "ClearChargingProfile" => {
                let status = if self.profiles.clear(request) {
                    "Accepted"
                } else {
                    "Unknown"
                };
                json!({ "status": status })
            }
            _ => {
                let field = match self.version {
                    OcppVersion::V16 => "connectorId",
                    OcppVersion::V201 => "evseId",
                };
                let evse = request.get(field).and_then(Value::as_u64).unwrap_or(0);
                let session = u32::try_from(evse).ok().and_then(|e| self.session(e));
                let phases = session.map_or(3, |s| s.ev.spec().phases);
                let running = session.map(|s| &s.tx);
                self.profiles
                    .composite(request, now, running, phases, self.rating)
            }
        };
        Some(Answer::Result(payload))
    }

    /// Steps every EV to `now` under the limit on its EVSE.
    pub fn advance(&mut self, now: DateTime<Utc>) {
        for (i, (_, session)) in self.evses.iter_mut().enumerate() {
            if let Some(s) = session {
                let evse = i as u32 + 1;
                // The EVSE's own rating caps the EV where no profile does.
                let limit = self
                    .profiles
                    .limit(evse, now, Some(&s.tx), s.ev.spec().phases)
                    .map_or(self.rating, |l| l.min(self.rating));
                s.ev.step(now, Some(limit));
            }
        }
    }

    /// Plugs an EV into `evse` for transaction `tx_id`; `false` if there is no such
    /// EVSE or a session runs on it.
    pub fn start(&mut self, evse: u32, spec: EvSpec, tx_id: String, now: DateTime<Utc>) -> bool {
        self.advance(now);
        let Some((register, slot @ None)) = self.slot(evse) else {
            return false;
        };
        let mut ev = Ev::new(spec);
        ev.step(now, None);
        *slot = Some(Session {
            tx: Transaction {
                id: tx_id,
                started: now,
            },
            ev,
            register_start_wh: *register,
            seq_no: 0,
        });
        true
    }

    /// Ends the session on `evse` at `now`: its last reading, and the session.
    pub fn stop(&mut self, evse: u32, now: DateTime<Utc>) -> Option<(Reading, Session)> {
        self.advance(now);
        let reading = self.reading(evse)?;
        let (register, slot) = self.slot(evse)?;
        let session = slot.take()?;
        *register = reading.register_wh;
        self.profiles.end_transaction(evse);
        Some((reading, session))
    }

    /// The session on `evse`.
    pub fn session(&self, evse: u32) -> Option<&Session> {
        let i = usize::try_from(evse.checked_sub(1)?).ok()?;
        self.evses.get(i)?.1.as_ref()
    }

    /// The session on `evse`, to change.
    pub fn session_mut(&mut self, evse: u32) -> Option<&mut Session> {
        self.slot(evse)?.1.as_mut()
    }

    fn tx(&self, evse: u32) -> Option<&Transaction> {
        self.session(evse).map(|s| &s.tx)
    }

    fn slot(&mut self, evse: u32) -> Option<(&mut f64, &mut Option<Session>)> {
        let i = usize::try_from(evse.checked_sub(1)?).ok()?;
        self.evses.get_mut(i).map(|(r, s)| (r, s))
    }

    /// The limit the profiles put on `evse` at `now`, in A per phase (for its EV's
    /// phases, 3 without one); `None` when none does.
    pub fn limit(&self, evse: u32, now: DateTime<Utc>) -> Option<f64> {
        let session = self.session(evse);
        let phases = session.map_or(3, |s| s.ev.spec().phases);
        self.profiles
            .limit(evse, now, session.map(|s| &s.tx), phases)
    }

    /// The meter of `evse` (as of the last step): `None` without a session.
    pub fn reading(&self, evse: u32) -> Option<Reading> {
        let s = self.session(evse)?;
        Some(Reading {
            currents: s.ev.phase_currents(),
            power_w: s.ev.power_w(),
            register_wh: s.register_start_wh + s.ev.energy_wh(),
            soc: s.ev.soc(),
        })
    }

    /// The energy register of `evse`, in Wh (0 for an unknown EVSE).
    pub fn register_wh(&self, evse: u32) -> f64 {
        if let Some(reading) = self.reading(evse) {
            return reading.register_wh;
        }
        let i = evse.saturating_sub(1) as usize;
        self.evses.get(i).map_or(0.0, |(register, _)| *register)
    }
}

/// The sampled values of a periodic meter report: the current on each phase the EV
/// uses, the power, the energy register and the SoC (1.6 writes values as strings).
pub fn samples(version: OcppVersion, reading: &Reading, phases: u8) -> Vec<Value> {
    let value = |x: f64, decimals: i32| {
        let scale = 10f64.powi(decimals);
        let x = (x * scale).round() / scale;
        match version {
            OcppVersion::V16 => json!(x.to_string()),
            OcppVersion::V201 => json!(x),
        }
    };
    let sample = |v: Value, measurand: &str, unit: &str, phase: Option<&str>| {
        let mut s = json!({
            "value": v,
            "context": "Sample.Periodic",
            "measurand": measurand,
        });
        if measurand != "SoC" {
            s["location"] = json!("Outlet");
        } else {
            s["location"] = json!("EV");
        }
        match version {
            OcppVersion::V16 => s["unit"] = json!(unit),
            OcppVersion::V201 => s["unitOfMeasure"] = json!({ "unit": unit }),
        }
        if let Some(phase) = phase {
            s["phase"] = json!(phase);
        }
        s
    };
    let used = if phases == 1 { 1 } else { 3 };
    let mut out: Vec<Value> = ["L1", "L2", "L3"]
        .iter()
        .zip(reading.currents)
        .take(used)
        .map(|(phase, a)| sample(value(a, 1), "Current.Import", "A", Some(phase)))
        .collect();
    out.push(sample(
        value(reading.power_w, 0),
        "Power.Active.Import",
        "W",
        None,
    ));
    out.push(sample(
        value(reading.register_wh, 0),
        "Energy.Active.Import.Register",
        "Wh",
        None,
    ));
    out.push(sample(value(reading.soc, 1), "SoC", "Percent", None));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T08:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
            + TimeDelta::seconds(secs)
    }

    fn fast() -> EvSpec {
        EvSpec {
            ramp: 1000.0,
            ..EvSpec::default()
        }
    }

    fn tx_profile(amps: f64) -> Value {
        json!({
            "connectorId": 1,
            "csChargingProfiles": {
                "chargingProfileId": 1, "stackLevel": 0, "transactionId": 7,
                "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Relative",
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}],
                },
            },
        })
    }

    #[test]
    fn a_profile_limits_the_draw_from_the_instant_it_arrives() {
        let mut site = Site::new(OcppVersion::V16, 1, 32.0, false);
        assert!(site.start(1, fast(), "7".to_owned(), at(0)));
        site.advance(at(3600));
        let full = site.reading(1).map(|r| r.register_wh).unwrap_or_default();
        let answer = site.answer("SetChargingProfile", &tx_profile(10.0), at(3600));
        assert_eq!(answer, Some(Answer::Result(json!({"status": "Accepted"}))));
        site.advance(at(7200));
        let reading = site.reading(1).expect("a session");
        assert_eq!(reading.currents, [10.0; 3]);
        assert_eq!(reading.power_w, 6900.0);
        // The first hour at 16 A (the EV's own max), the second at 10 A.
        assert!((full - 1000.0 - 16.0 * 690.0).abs() < 1.0, "{full}");
        assert!((reading.register_wh - full - 10.0 * 690.0).abs() < 1.0);
        // The TxProfile goes with its transaction; the register stays.
        let (last, _) = site.stop(1, at(7200)).expect("stopped");
        assert_eq!(site.limit(1, at(7200)), None);
        assert_eq!(site.register_wh(1), last.register_wh);
    }

    #[test]
    fn the_rating_caps_an_ev_without_a_profile() {
        let mut site = Site::new(OcppVersion::V201, 2, 10.0, false);
        let big = EvSpec {
            max_current: 32.0,
            ..fast()
        };
        assert!(site.start(2, big, "tx".to_owned(), at(0)));
        assert!(!site.start(2, fast(), "tx2".to_owned(), at(0)), "busy");
        assert!(!site.start(3, fast(), "tx3".to_owned(), at(0)), "no EVSE 3");
        site.advance(at(10));
        assert_eq!(site.reading(2).map(|r| r.currents), Some([10.0; 3]));
    }

    #[test]
    fn without_smart_charging_the_calls_are_not_supported() {
        let mut site = Site::new(OcppVersion::V16, 1, 32.0, true);
        for action in ACTIONS {
            let answer = site.answer(action, &json!({}), at(0));
            assert!(
                matches!(&answer, Some(Answer::Error { code, .. }) if code == "NotSupported"),
                "{action}: {answer:?}"
            );
        }
        assert_eq!(site.answer("Reset", &json!({}), at(0)), None);
    }

    #[test]
    fn samples_name_each_phase_used_in_the_version_s_types() {
        let reading = Reading {
            currents: [15.96, 0.0, 0.0],
            power_w: 3670.8,
            register_wh: 1234.4,
            soc: 55.55,
        };
        let v16 = samples(OcppVersion::V16, &reading, 1);
        let phases: Vec<&Value> = v16.iter().filter_map(|s| s.get("phase")).collect();
        assert_eq!(phases, [&json!("L1")]);
        assert_eq!(v16[0]["value"], "16");
        assert_eq!(v16[0]["unit"], "A");
        assert_eq!(v16[1]["value"], "3671");
        assert_eq!(v16[2]["measurand"], "Energy.Active.Import.Register");
        assert_eq!(v16[3]["location"], "EV");
        let v201 = samples(OcppVersion::V201, &reading, 3);
        assert_eq!(v201.len(), 6, "three currents, power, energy, SoC");
        assert_eq!(v201[5]["value"], json!(55.6));
        assert_eq!(v201[5]["unitOfMeasure"]["unit"], "Percent");
    }
}
