//! The simulator's scenarios against the real gateway, in both versions: every frame
//! the simulated charger sends, every answer it gets, and every call the gateway makes
//! (with the simulator's answer) is valid against the official schemas.

#[path = "common/schema.rs"]
mod schema;

use std::time::Duration;

use ocpp_gateway::config::Settings;
use ocpp_gateway::ocpp::OcppVersion;
use ocpp_gateway::sim::{
    run_scenario, Answer, ConnectOptions, Scenario, ScenarioOptions, ScenarioReport, SimCharger,
};
use ocpp_gateway::Gateway;

/// Every await in these tests is bounded by this.
const WAIT: Duration = Duration::from_secs(20);

/// The gateway on loopback port 0 with a temporary store, open to any identity.
async fn gateway(store: &tempfile::TempDir) -> Gateway {
    let mut settings = Settings::embedded().expect("embedded settings");
    settings.ocpp.listen = "127.0.0.1:0".parse().expect("addr");
    settings.api.listen = "127.0.0.1:0".parse().expect("addr");
    settings.store.path = store.path().join("gateway.db");
    settings.ocpp.auto_register = true;
    settings.ocpp.allow_unauthenticated = true;
    tokio::time::timeout(WAIT, Gateway::start(settings))
        .await
        .expect("gateway starts in time")
        .expect("gateway starts")
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

async fn session(version: OcppVersion, identity: &str) {
    if !schema::available() {
        return;
    }
    let store = tempfile::tempdir().expect("tempdir");
    let gw = gateway(&store).await;
    let options = ScenarioOptions::default();
    let (mut sim, report) = play(&gw, identity, version, Scenario::Session, &options).await;
    validate_all(&sim, &report);

    let actions: Vec<&str> = report.steps.iter().map(|s| s.action.as_str()).collect();
    let meter_reports = match version {
        OcppVersion::V16 => actions.iter().filter(|a| **a == "MeterValues").count(),
        // Started, Charging, the periodic ones, Ended.
        OcppVersion::V201 => actions.iter().filter(|a| **a == "TransactionEvent").count() - 3,
    };
    assert_eq!(meter_reports, 3, "{actions:?}");
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
async fn boot_and_idle_are_schema_valid_in_both_versions() {
    if !schema::available() {
        return;
    }
    let store = tempfile::tempdir().expect("tempdir");
    let gw = gateway(&store).await;
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
        tokio::time::timeout(WAIT, sim.close())
            .await
            .expect("closes in time")
            .expect("closes");
    }
    tokio::time::timeout(WAIT, gw.shutdown())
        .await
        .expect("shuts down in time");
}
