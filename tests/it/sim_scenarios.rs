//! The simulator's scenarios against the real gateway, in both versions: every frame
//! the simulated charger sends, every answer it gets, and every call the gateway makes
//! (with the simulator's answer) is valid against the official schemas.

use crate::common::pg;
use crate::common::schema;
use crate::common::store;

use std::time::Duration;

use ocpp_gateway::config::Settings;
use ocpp_gateway::ocpp::OcppVersion;
use ocpp_gateway::sim::{
    run_scenario, Answer, ConnectOptions, Outcome, Scenario, ScenarioOptions, ScenarioReport,
    SimArgs, SimCharger,
};
use ocpp_gateway::Gateway;
use serde_json::Value;

/// Every await in these tests is bounded by this.
const WAIT: Duration = Duration::from_secs(20);

/// The gateway on loopback port 0 with a temporary store, open to any identity (and the
/// PostgreSQL database it runs on, on such a run).
async fn gateway(store: &tempfile::TempDir) -> (Gateway, Option<pg::TestDatabase>) {
    let mut settings = Settings::embedded().expect("embedded settings");
    settings.ocpp.listen = "127.0.0.1:0".parse().expect("addr");
    settings.api.listen = "127.0.0.1:0".parse().expect("addr");
    settings.store.path = store.path().join("gateway.db");
    settings.ocpp.auto_register = true;
    settings.ocpp.allow_unauthenticated = true;
    settings.auth.unknown = ocpp_gateway::config::Policy::Accept;
    let db = store::database_for(&mut settings).await;
    let gw = tokio::time::timeout(WAIT, Gateway::start(settings))
        .await
        .expect("gateway starts in time")
        .expect("gateway starts");
    (gw, db)
}

/// Connects `identity` offering `version` and runs `scenario` to its end.
async fn play(
    gw: &Gateway,
    identity: &str,
    version: OcppVersion,
    scenario: Scenario,
    options: &ScenarioOptions,
) -> (SimCharger, ScenarioReport) {
    let base = format!("ws://{}/ocpp", gw.ocpp_addr());
    let options_connect = ConnectOptions::new(&base, identity, version);
    let mut sim = tokio::time::timeout(WAIT, SimCharger::connect(options_connect))
        .await
        .expect("connects in time")
        .expect("connects");
    assert_eq!(
        sim.negotiated(),
        Some(version),
        "the offered version is chosen"
    );
    let report = tokio::time::timeout(WAIT, run_scenario(&mut sim, version, scenario, options))
        .await
        .expect("the scenario ends in time")
        .unwrap_or_else(|e| panic!("{scenario:?} in {version}: {e}"));
    (sim, report)
}

/// Checks every exchange of the report and every call the gateway made.
fn validate_all(sim: &SimCharger, report: &ScenarioReport) {
    let version = report.version;
    let mut failures = Vec::new();
    for step in &report.steps {
        let checks = [
            schema::validate(version, &step.action, false, &step.request),
            schema::validate(version, &step.action, true, &step.response),
        ];
        failures.extend(checks.into_iter().filter_map(Result::err));
    }
    for call in sim.received_calls() {
        if let Err(e) = schema::validate(version, &call.action, false, &call.payload) {
            failures.push(format!("the gateway's call: {e}"));
        }
        if let Some(Answer::Result(answer)) = &call.answer {
            failures.extend(schema::validate(version, &call.action, true, answer).err());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// What a session sends, in order, with three meter value reports.
fn expected_actions(version: OcppVersion) -> Vec<&'static str> {
    let (boot, status) = ("BootNotification", "StatusNotification");
    match version {
        OcppVersion::V16 => [
            boot,
            status,
            "Authorize",
            status,
            "StartTransaction",
            status,
        ]
        .into_iter()
        .chain(["MeterValues"; 3])
        .chain(["StopTransaction", status, status])
        .collect(),
        // Started, Charging, three periodic reports, Ended.
        OcppVersion::V201 => [boot, status, "Authorize", status]
            .into_iter()
            .chain(["TransactionEvent"; 6])
            .chain([status])
            .collect(),
    }
}

/// The requests of the steps of `action`.
fn requests<'a>(report: &'a ScenarioReport, action: &str) -> Vec<&'a Value> {
    let steps = report.steps.iter().filter(|s| s.action == action);
    steps.map(|s| &s.request).collect()
}

/// 1.6: meter values and the stop carry the gateway's transaction id, and the energy
/// register only grows.
fn check_transaction_16(report: &ScenarioReport) {
    let id = report.transaction_id.as_deref().expect("a transaction id");
    let id: i64 = id.parse().expect("an integer transaction id");
    let mut last = 1000;
    for meter in requests(report, "MeterValues") {
        assert_eq!(meter["transactionId"], id);
        let energy = &meter["meterValue"][0]["sampledValue"][0];
        assert_eq!(energy["measurand"], "Energy.Active.Import.Register");
        let wh: i64 = energy["value"]
            .as_str()
            .and_then(|v| v.parse().ok())
            .expect("Wh");
        assert!(wh > last, "the register grows: {wh} after {last}");
        last = wh;
    }
    let stop = requests(report, "StopTransaction")[0];
    assert_eq!(
        (stop["transactionId"].as_i64(), stop["meterStop"].as_i64()),
        (Some(id), Some(1750))
    );
}

/// 2.0.1: one transaction id throughout, `seqNo` from 0, Started/Updated/Ended.
fn check_transaction_201(report: &ScenarioReport) {
    let events = requests(report, "TransactionEvent");
    let seq: Vec<u64> = events.iter().filter_map(|e| e["seqNo"].as_u64()).collect();
    assert_eq!(seq, [0, 1, 2, 3, 4, 5]);
    let kinds: Vec<&str> = events
        .iter()
        .filter_map(|e| e["eventType"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["Started", "Updated", "Updated", "Updated", "Updated", "Ended"]
    );
    let id = report.transaction_id.as_deref();
    assert!(events
        .iter()
        .all(|e| e["transactionInfo"]["transactionId"].as_str() == id));
    assert_eq!(events[1]["transactionInfo"]["chargingState"], "Charging");
    let ended = events[5];
    assert_eq!(ended["transactionInfo"]["stoppedReason"], "Local");
    assert_eq!(ended["meterValue"][0]["sampledValue"][0]["value"], 1750);
}

async fn session(version: OcppVersion, identity: &str) {
    if !schema::available() {
        return;
    }
    let store = tempfile::tempdir().expect("tempdir");
    let (gw, _db) = gateway(&store).await;
    let options = ScenarioOptions::default();
    let (mut sim, report) = play(&gw, identity, version, Scenario::Session, &options).await;
    validate_all(&sim, &report);

    let actions: Vec<&str> = report.steps.iter().map(|s| s.action.as_str()).collect();
    assert_eq!(actions, expected_actions(version));
    match version {
        OcppVersion::V16 => check_transaction_16(&report),
        OcppVersion::V201 => check_transaction_201(&report),
    }
    assert!(report.transaction_id.is_some());
    assert_eq!(report.meter_wh, Some((1000, 1750)));
    assert!(report
        .heartbeat_interval
        .is_some_and(|i| i > Duration::ZERO));

    tokio::time::timeout(WAIT, sim.close())
        .await
        .expect("closes in time")
        .expect("closes");
    tokio::time::timeout(WAIT, gw.shutdown())
        .await
        .expect("shuts down in time");
}

#[tokio::test]
async fn session_in_ocpp16_is_schema_valid_both_ways() {
    session(OcppVersion::V16, "SIM-SESSION-16").await;
}

#[tokio::test]
async fn session_in_ocpp201_is_schema_valid_both_ways() {
    session(OcppVersion::V201, "SIM-SESSION-201").await;
}

#[tokio::test]
async fn boot_and_idle_are_schema_valid_and_idle_stops() {
    if !schema::available() {
        return;
    }
    let store = tempfile::tempdir().expect("tempdir");
    let (gw, _db) = gateway(&store).await;
    for (version, identity) in [
        (OcppVersion::V16, "SIM-IDLE-16"),
        (OcppVersion::V201, "SIM-IDLE-201"),
    ] {
        let options = ScenarioOptions {
            heartbeat_interval: Some(Duration::from_millis(1)),
            heartbeats: Some(2),
            ..ScenarioOptions::default()
        };
        let (mut sim, report) = play(&gw, identity, version, Scenario::Idle, &options).await;
        validate_all(&sim, &report);
        let beats = report
            .steps
            .iter()
            .filter(|s| s.action == "Heartbeat")
            .count();
        assert_eq!(beats, 2, "{version}");
        // Boot again on the same link: the gateway accepts a repeated boot.
        let boot = run_scenario(&mut sim, version, Scenario::Boot, &options);
        let report = tokio::time::timeout(WAIT, boot)
            .await
            .expect("boot in time")
            .expect("boot");
        validate_all(&sim, &report);
        // A stopped idle charger boots, reports its status, and beats no more.
        let stopped = ScenarioOptions::default();
        stopped.stop.cancel();
        let idle = run_scenario(&mut sim, version, Scenario::Idle, &stopped);
        let report = tokio::time::timeout(WAIT, idle)
            .await
            .expect("idle in time")
            .expect("idle");
        assert_eq!(report.steps.len(), 2, "{version}");
        tokio::time::timeout(WAIT, sim.close())
            .await
            .expect("closes in time")
            .expect("closes");
    }
    tokio::time::timeout(WAIT, gw.shutdown())
        .await
        .expect("shuts down in time");
}

#[tokio::test]
async fn the_command_line_simulator_completes_a_session() {
    let store = tempfile::tempdir().expect("tempdir");
    let (gw, _db) = gateway(&store).await;
    for protocol in [OcppVersion::V16, OcppVersion::V201] {
        let args = SimArgs {
            url: format!("ws://{}/ocpp/", gw.ocpp_addr()),
            identity: format!("SIM-CLI-{}", protocol.subprotocol()),
            protocol,
            password: None,
            scenario: Scenario::Session,
            meter_values: 2,
            meter_interval: 0.0,
            respond: Outcome::Accepted,
            ev: Default::default(),
            load: Default::default(),
        };
        tokio::time::timeout(WAIT, ocpp_gateway::sim::run(args))
            .await
            .expect("the simulator ends in time")
            .unwrap_or_else(|e| panic!("{protocol}: {e:#}"));
    }
    tokio::time::timeout(WAIT, gw.shutdown())
        .await
        .expect("shuts down in time");
}
