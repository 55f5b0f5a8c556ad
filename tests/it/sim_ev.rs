//! The simulator's EVs against the real gateway, in both versions: a charging profile
//! sent through the API brings the draw the charger reports in its meter values (and
//! the session's power the gateway records) down to the limit; an EV that ignores
//! profiles keeps drawing its maximum; a charger without smart charging says
//! NotSupported; a TxProfile with no transaction is refused; `sim --ev` runs a session.

use std::time::Duration;

use serde_json::{json, Value};

use crate::actions_common::{charge_point_id, A};
use crate::common::reference::Api;
use crate::common::{schema, settings, start, TestGateway, WAIT};
use ocpp_gateway::ocpp::OcppVersion;
use ocpp_gateway::sim::{
    Answer, ConnectOptions, EvArgs, EvCharger, EvOptions, EvSpec, MeterReport, Outcome, Scenario,
    SimArgs,
};

/// The meter interval of these chargers: short, so a test takes a few seconds.
const METER: Duration = Duration::from_millis(200);

/// A gateway, its API, one connected charger with EVs and its charge point id.
struct Rig {
    _tg: TestGateway,
    api: Api,
    ev: EvCharger,
    cp: i64,
    version: OcppVersion,
}

async fn rig(version: OcppVersion, identity: &str, options: EvOptions) -> Rig {
    let tg = start(settings()).await;
    let base = format!("ws://{}/ocpp", tg.gw.ocpp_addr());
    let connect = ConnectOptions::new(&base, identity, version);
    let ev = tokio::time::timeout(WAIT, EvCharger::connect_with(connect, version, options))
        .await
        .expect("connects in time")
        .expect("connects and boots");
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    let cp = charge_point_id(&api, identity).await;
    Rig {
        _tg: tg,
        api,
        ev,
        cp,
        version,
    }
}

fn options() -> EvOptions {
    EvOptions {
        meter_interval: METER,
        ..EvOptions::default()
    }
}

/// A 32 A three-phase car that ramps within one meter interval.
fn car(ignore_profiles: bool) -> EvSpec {
    EvSpec {
        max_current: 32.0,
        phases: 3,
        ramp: 200.0,
        ignore_profiles,
        ..EvSpec::default()
    }
}

/// A TxDefaultProfile of `amps` per phase from now on.
fn limit_profile(amps: f64) -> Value {
    json!({
        "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}]
        }
    })
}

/// The numeric value of the report's sampled value of `measurand` (and `phase`).
fn sampled(report: &MeterReport, measurand: &str, phase: Option<&str>) -> Option<f64> {
    report.request["meterValue"][0]["sampledValue"]
        .as_array()?
        .iter()
        .find(|s| s["measurand"] == measurand && s.get("phase").and_then(Value::as_str) == phase)
        .and_then(|s| match &s["value"] {
            Value::String(t) => t.parse().ok(),
            v => v.as_f64(),
        })
}

/// The per-phase currents a report put on the wire.
fn currents(report: &MeterReport) -> Vec<Option<f64>> {
    ["L1", "L2", "L3"]
        .iter()
        .map(|p| sampled(report, "Current.Import", Some(p)))
        .collect()
}

impl Rig {
    /// The next meter report for which `pred` holds; each is checked against the
    /// official schema on the way. Panics when none comes in time.
    async fn report_where(
        &mut self,
        what: &str,
        pred: impl Fn(&MeterReport) -> bool,
    ) -> MeterReport {
        let deadline = tokio::time::Instant::now() + WAIT;
        while let Some(left) = deadline.checked_duration_since(tokio::time::Instant::now()) {
            let Some(report) = self.ev.next_report(left).await else {
                break;
            };
            self.check_schema(&report);
            if pred(&report) {
                return report;
            }
        }
        panic!("{}: no meter report in time where {what}", self.version);
    }

    fn check_schema(&self, report: &MeterReport) {
        let action = match self.version {
            OcppVersion::V16 => "MeterValues",
            OcppVersion::V201 => "TransactionEvent",
        };
        if schema::available() {
            if let Err(e) = schema::validate(self.version, action, false, &report.request) {
                panic!("{e}");
            }
        }
    }

    async fn set_profile(&self, body: Value) -> crate::common::reference::Reply {
        let path = format!("{A}/v1.0/{}/set-charging-profile/1", self.cp);
        self.api.post(&path, body).await
    }

    /// The power the gateway recorded for the running session, in W.
    async fn session_power(&self) -> Option<f64> {
        let reply = self
            .api
            .get(&format!(
                "/public-api/resources/sessions/v1.0?filter[chargePointId]={}",
                self.cp
            ))
            .await;
        reply.body["data"]
            .as_array()?
            .iter()
            .find(|s| s["status"] == "active")
            .and_then(|s| s["power"]["latest"].as_f64())
    }

    /// The platform's id of the running session.
    async fn session_id(&self) -> i64 {
        let reply = self
            .api
            .get(&format!(
                "/public-api/resources/sessions/v1.0?filter[chargePointId]={}",
                self.cp
            ))
            .await;
        reply.body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["status"] == "active")
            .and_then(|s| s["id"].as_str().and_then(|i| i.parse().ok()))
            .unwrap_or_else(|| panic!("no running session: {}", reply.text))
    }

    /// Waits until the gateway's session shows `watts`.
    async fn wait_session_power(&self, watts: f64) {
        let deadline = tokio::time::Instant::now() + WAIT;
        let mut seen = None;
        while tokio::time::Instant::now() < deadline {
            seen = self.session_power().await;
            if seen == Some(watts) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{}: session power {seen:?}, wanted {watts}", self.version);
    }
}

#[tokio::test]
async fn a_profile_through_the_api_brings_the_reported_draw_down_to_its_limit() {
    for version in [OcppVersion::V16, OcppVersion::V201] {
        let identity = format!("EV-OBEY-{}", version.subprotocol().replace('.', ""));
        let mut r = rig(version, &identity, options()).await;
        r.ev.start_session(1, car(false))
            .await
            .expect("session starts");
        let full = r
            .report_where("32 A on every phase", |m| currents(m) == [Some(32.0); 3])
            .await;
        assert_eq!(sampled(&full, "Power.Active.Import", None), Some(22080.0));
        assert!(sampled(&full, "SoC", None).is_some_and(|s| s >= 20.0));
        r.wait_session_power(22080.0).await;

        let reply = r.set_profile(limit_profile(10.0)).await;
        assert_eq!(reply.status, 202, "{version}: {}", reply.text);
        assert_eq!(r.ev.limit(1), Some(10.0));
        let limited = r
            .report_where("10 A on every phase", |m| currents(m) == [Some(10.0); 3])
            .await;
        assert_eq!(limited.limit, Some(10.0));
        assert_eq!(sampled(&limited, "Power.Active.Import", None), Some(6900.0));
        r.wait_session_power(6900.0).await;
        assert_eq!(r.ev.drawn(1), Some([10.0; 3]));

        // The charger's composite schedule says the same.
        let composite = r
            .api
            .post(
                &format!("{A}/v1.0/{}/get-composite-schedule", r.cp),
                json!({"evseNetworkId": 1, "duration": 600}),
            )
            .await;
        assert_eq!(composite.status, 200, "{version}: {}", composite.text);
        let schedule = match version {
            OcppVersion::V16 => &composite.body["data"]["chargingSchedule"],
            OcppVersion::V201 => &composite.body["data"]["schedule"],
        };
        assert_eq!(
            schedule["chargingSchedulePeriod"],
            json!([{"startPeriod": 0, "limit": 10.0}]),
            "{version}: {}",
            composite.text
        );

        // Cleared, the EV goes back to its own maximum.
        let clear = r
            .api
            .post(
                &format!("{A}/v1.0/{}/clear-charging-profile", r.cp),
                json!({}),
            )
            .await;
        assert_eq!(clear.status, 202, "{version}: {}", clear.text);
        assert_eq!(r.ev.limit(1), None);
        r.report_where("32 A again", |m| currents(m) == [Some(32.0); 3])
            .await;
        r.ev.stop_session(1).await.expect("session stops");
        // What the charger answered the smart-charging calls is schema-valid.
        let calls = r.ev.received_calls();
        for action in [
            "SetChargingProfile",
            "GetCompositeSchedule",
            "ClearChargingProfile",
        ] {
            let call = calls.iter().find(|c| c.action == action).expect("called");
            let Some(Answer::Result(payload)) = &call.answer else {
                panic!("{version}: {action} answered {:?}", call.answer);
            };
            assert_eq!(payload["status"], "Accepted", "{version}: {action}");
            if schema::available() {
                if let Err(e) = schema::validate(version, action, true, payload) {
                    panic!("{e}");
                }
            }
        }
        r.ev.close().await.expect("closes");
    }
}

#[tokio::test]
async fn a_tx_profile_for_the_running_session_overrules_the_default() {
    for version in [OcppVersion::V16, OcppVersion::V201] {
        let identity = format!("EV-TXP-{}", version.subprotocol().replace('.', ""));
        let mut r = rig(version, &identity, options()).await;
        r.ev.start_session(1, car(false))
            .await
            .expect("session starts");
        let reply = r.set_profile(limit_profile(16.0)).await;
        assert_eq!(reply.status, 202, "{version}: {}", reply.text);
        r.report_where("16 A", |m| currents(m) == [Some(16.0); 3])
            .await;
        let session = r.session_id().await;
        let mut body = limit_profile(8.0);
        body["chargingProfilePurpose"] = json!("TxProfile");
        body["stackLevel"] = json!(0);
        body["transactionId"] = json!(session);
        let reply = r.set_profile(body).await;
        assert_eq!(reply.status, 202, "{version}: {}", reply.text);
        let report = r
            .report_where("8 A", |m| currents(m) == [Some(8.0); 3])
            .await;
        assert_eq!(sampled(&report, "Power.Active.Import", None), Some(5520.0));
        r.wait_session_power(5520.0).await;
        // Once the transaction ends its TxProfile is gone; the default stays.
        r.ev.stop_session(1).await.expect("session stops");
        assert_eq!(r.ev.limit(1), Some(16.0));
        r.ev.close().await.expect("closes");
    }
}

#[tokio::test]
async fn an_ev_ignoring_profiles_keeps_drawing_its_maximum() {
    for version in [OcppVersion::V16, OcppVersion::V201] {
        let identity = format!("EV-IGNORE-{}", version.subprotocol().replace('.', ""));
        let mut r = rig(version, &identity, options()).await;
        r.ev.start_session(1, car(true))
            .await
            .expect("session starts");
        r.report_where("32 A on every phase", |m| currents(m) == [Some(32.0); 3])
            .await;
        let reply = r.set_profile(limit_profile(10.0)).await;
        assert_eq!(
            reply.status, 202,
            "{version}: accepted all the same: {}",
            reply.text
        );
        // Three reports made under the accepted limit all still show the maximum.
        for _ in 0..3 {
            let report = r
                .report_where("under the limit", |m| m.limit.is_some())
                .await;
            assert_eq!(report.limit, Some(10.0));
            assert_eq!(currents(&report), [Some(32.0); 3], "{version}");
        }
        r.wait_session_power(22080.0).await;
        r.ev.close().await.expect("closes");
    }
}

#[tokio::test]
async fn a_charger_without_smart_charging_answers_not_supported() {
    for version in [OcppVersion::V16, OcppVersion::V201] {
        let identity = format!("EV-NOSC-{}", version.subprotocol().replace('.', ""));
        let unsupported = EvOptions {
            profiles_not_supported: true,
            ..options()
        };
        let r = rig(version, &identity, unsupported).await;
        let reply = r.set_profile(limit_profile(10.0)).await;
        assert_eq!(reply.status, 502, "{version}: {}", reply.text);
        assert!(
            reply.text.contains("NotSupported"),
            "{version}: {}",
            reply.text
        );
        let calls = r.ev.received_calls();
        let call = calls
            .iter()
            .find(|c| c.action == "SetChargingProfile")
            .expect("the call arrived");
        assert!(
            matches!(&call.answer, Some(Answer::Error { code, .. }) if code == "NotSupported"),
            "{:?}",
            call.answer
        );
        assert_eq!(r.ev.limit(1), None, "nothing installed");
        r.ev.close().await.expect("closes");
    }
}

#[tokio::test]
async fn a_tx_profile_without_a_transaction_is_refused() {
    for version in [OcppVersion::V16, OcppVersion::V201] {
        let identity = format!("EV-NOTX-{}", version.subprotocol().replace('.', ""));
        let r = rig(version, &identity, options()).await;
        let mut body = limit_profile(10.0);
        body["chargingProfilePurpose"] = json!("TxProfile");
        let reply = r.set_profile(body).await;
        assert_eq!(reply.status, 406, "{version}: {}", reply.text);
        assert!(reply.text.contains("Rejected"), "{version}: {}", reply.text);
        assert_eq!(r.ev.limit(1), None);
        let calls = r.ev.received_calls();
        let Some(Answer::Result(answer)) = calls.iter().find_map(|c| c.answer.clone()) else {
            panic!("{version}: no answer recorded");
        };
        if version == OcppVersion::V201 {
            assert_eq!(answer["statusInfo"]["reasonCode"], "TxNotFound", "{answer}");
        }
        if schema::available() {
            if let Err(e) = schema::validate(version, "SetChargingProfile", true, &answer) {
                panic!("{e}");
            }
        }
        r.ev.close().await.expect("closes");
    }
}

#[tokio::test]
async fn the_command_line_ev_session_reports_and_ends() {
    let tg = start(settings()).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    for protocol in [OcppVersion::V16, OcppVersion::V201] {
        let identity = format!("EV-CLI-{}", protocol.subprotocol().replace('.', ""));
        let args = SimArgs {
            url: format!("ws://{}/ocpp", tg.gw.ocpp_addr()),
            identity: identity.clone(),
            protocol,
            password: None,
            scenario: Scenario::Session,
            meter_values: 2,
            meter_interval: 0.05,
            respond: Outcome::Accepted,
            ev: EvArgs {
                enabled: true,
                ev_max_current: Some(10.0),
                ev_phases: Some(1),
                ..EvArgs::default()
            },
            load: Default::default(),
        };
        tokio::time::timeout(WAIT, ocpp_gateway::sim::run(args))
            .await
            .expect("the simulator ends in time")
            .unwrap_or_else(|e| panic!("{protocol}: {e:#}"));
        // The gateway saw a finished session with the EV's energy and power in it.
        let cp = charge_point_id(&api, &identity).await;
        let reply = api
            .get(&format!(
                "/public-api/resources/sessions/v1.0?filter[chargePointId]={cp}"
            ))
            .await;
        let session = &reply.body["data"][0];
        assert_eq!(session["status"], "finished", "{protocol}: {}", reply.text);
        let peak = session["power"]["peak"].as_f64().unwrap_or_default();
        assert!(
            peak > 0.0 && peak <= 2300.0,
            "{protocol}: 10 A on one phase: {}",
            reply.text
        );
    }
}
