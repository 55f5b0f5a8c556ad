//! Variable monitoring through the API, with the Python `ocpp` station of
//! `tests/python/setters_charger.py` answering (OCPP 2.0.1 N04 set monitors, N05
//! monitoring level, N03/N04 monitoring base, N06 clear monitors): the CALL carries
//! what the body set, the answer's per-monitor statuses and ids come back in the 200
//! body; refused (406), CALLERROR (502), bad body (422), offline (409), 1.6 (501).

use serde_json::{json, Value};

use crate::setters_common::{ready, Station};
use ocpp_gateway::ocpp::OcppVersion;

fn monitors() -> Value {
    json!({"monitors": [
        {"value": 250.5, "type": "UpperThreshold", "severity": 4, "transaction": true,
         "component": {"name": "EVSE", "evseId": 1},
         "variable": {"name": "Power", "instance": "Actual"}},
        {"id": 7, "value": 60, "type": "Periodic", "severity": 8,
         "component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}},
    ]})
}

/// N04.FR.01/02: SetVariableMonitoring carries each monitor (value, type, severity,
/// transaction, component with its EVSE, variable); the station's result per monitor,
/// with the id it assigned (or the one given, to replace), is the 200 body.
/// N06.FR.01: ClearVariableMonitoring names the ids; each id's status comes back.
#[tokio::test]
async fn monitors_are_set_and_cleared_with_their_statuses() {
    if !ready() {
        return;
    }
    let mut s = Station::start("MON1", OcppVersion::V201).await;
    let r = s.post("set-variable-monitoring", monitors()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let sent = s.last_call("SetVariableMonitoring");
    assert_eq!(
        sent["setMonitoringData"][0],
        json!({"value": 250.5, "type": "UpperThreshold", "severity": 4, "transaction": true,
               "component": {"name": "EVSE", "evse": {"id": 1}},
               "variable": {"name": "Power", "instance": "Actual"}})
    );
    assert_eq!(sent["setMonitoringData"][1]["id"], 7);
    assert_eq!(sent["setMonitoringData"][1]["transaction"], false);
    let data = r.body["data"].as_array().expect("results");
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["status"], "Accepted");
    assert_eq!(data[0]["id"], 100, "the id the station assigned");
    assert_eq!(data[0]["component"], json!({"name": "EVSE", "evseId": 1}));
    assert_eq!(data[1]["id"], 7);

    let r = s
        .post("clear-variable-monitoring", json!({"ids": [100, 5000]}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        s.last_call("ClearVariableMonitoring"),
        json!({"id": [100, 5000]})
    );
    assert_eq!(
        r.body["data"],
        json!([{"id": 100, "status": "Accepted"}, {"id": 5000, "status": "NotFound"}])
    );

    // Every monitor refused: 406 naming the statuses.
    s.tell("next SetVariableMonitoring UnknownVariable").await;
    let r = s.post("set-variable-monitoring", monitors()).await;
    assert_eq!(r.status, 406, "{}", r.text);
    assert!(r.text.contains("UnknownVariable"), "{}", r.text);
    s.tell("next ClearVariableMonitoring Rejected").await;
    let r = s
        .post("clear-variable-monitoring", json!({"ids": [1]}))
        .await;
    assert_eq!(r.status, 406, "{}", r.text);

    s.tell("next SetVariableMonitoring error").await;
    let r = s.post("set-variable-monitoring", monitors()).await;
    assert_eq!(r.status, 502, "{}", r.text);
}

/// N03/N04 (SetMonitoringBase All / FactoryDefault / HardWiredOnly) and N05
/// (SetMonitoringLevel 0..9): the call carries the body's value; a refusal is a 406, a
/// CALLERROR a 502, a severity outside 0..9 a 422 with nothing sent.
#[tokio::test]
async fn monitoring_base_and_level() {
    if !ready() {
        return;
    }
    let mut s = Station::start("MON2", OcppVersion::V201).await;
    for base in ["All", "FactoryDefault", "HardWiredOnly"] {
        let r = s
            .post("set-monitoring-base", json!({"monitoringBase": base}))
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
        assert_eq!(
            s.last_call("SetMonitoringBase"),
            json!({"monitoringBase": base})
        );
    }
    s.tell("next SetMonitoringBase NotSupported").await;
    let r = s
        .post("set-monitoring-base", json!({"monitoringBase": "All"}))
        .await;
    assert_eq!(r.status, 406, "{}", r.text);
    assert!(r.text.contains("NotSupported"), "{}", r.text);

    for severity in [0, 9] {
        let r = s
            .post("set-monitoring-level", json!({"severity": severity}))
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
        assert_eq!(
            s.last_call("SetMonitoringLevel"),
            json!({"severity": severity})
        );
    }
    s.tell("next SetMonitoringLevel Rejected").await;
    let r = s.post("set-monitoring-level", json!({"severity": 3})).await;
    assert_eq!(r.status, 406, "{}", r.text);
    s.tell("next SetMonitoringLevel error").await;
    let r = s.post("set-monitoring-level", json!({"severity": 3})).await;
    assert_eq!(r.status, 502, "{}", r.text);

    let levels = s.calls("SetMonitoringLevel").len();
    let bases = s.calls("SetMonitoringBase").len();
    for bad in [json!({"severity": 10}), json!({"severity": -1}), json!({})] {
        let r = s.post("set-monitoring-level", bad).await;
        assert_eq!(r.status, 422, "{}", r.text);
        assert!(r.body["errors"].get("severity").is_some(), "{}", r.text);
    }
    for bad in [json!({"monitoringBase": "Most"}), json!({})] {
        let r = s.post("set-monitoring-base", bad).await;
        assert_eq!(r.status, 422, "{}", r.text);
    }
    let bad_monitors = [
        json!({"monitors": []}),
        json!({}),
        json!({"monitors": [{"value": 1, "type": "Delta", "severity": 12,
            "component": {"name": "EVSE"}, "variable": {"name": "Power"}}]}),
        json!({"monitors": [{"value": 1, "type": "Sometimes", "severity": 1,
            "component": {"name": "EVSE"}, "variable": {"name": "Power"}}]}),
        json!({"monitors": [{"value": 1, "type": "Delta", "severity": 1,
            "component": {"name": "EVSE", "connectorId": 1}, "variable": {"name": "Power"}}]}),
    ];
    for bad in bad_monitors {
        let r = s.post("set-variable-monitoring", bad.clone()).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
    }
    for bad in [
        json!({"ids": []}),
        json!({"ids": [-1]}),
        json!({"ids": "1"}),
    ] {
        let r = s.post("clear-variable-monitoring", bad).await;
        assert_eq!(r.status, 422, "{}", r.text);
    }
    assert_eq!(s.calls("SetMonitoringLevel").len(), levels, "nothing sent");
    assert_eq!(s.calls("SetMonitoringBase").len(), bases, "nothing sent");
    assert!(s.calls("ClearVariableMonitoring").is_empty());
    assert!(s.calls("SetVariableMonitoring").is_empty());

    let away = s.offline_charge_point("MON-AWAY").await;
    let r = s
        .api
        .post(
            &format!(
                "{}/v1.0/{away}/set-monitoring-level",
                crate::actions_common::A
            ),
            json!({"severity": 1}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
}

/// 1.6 has no monitoring: every one of the four is a 501, nothing is sent.
#[tokio::test]
async fn monitoring_on_1_6_is_not_implemented() {
    if !ready() {
        return;
    }
    let s = Station::start("MON16", OcppVersion::V16).await;
    for (tail, body) in [
        ("set-variable-monitoring", monitors()),
        ("clear-variable-monitoring", json!({"ids": [1]})),
        ("set-monitoring-base", json!({"monitoringBase": "All"})),
        ("set-monitoring-level", json!({"severity": 1})),
    ] {
        let r = s.post(tail, body).await;
        assert_eq!(r.status, 501, "{tail}: {}", r.text);
        assert!(r.text.contains("monitoring"), "{}", r.text);
    }
    assert!(s.printed_with("CALL ").is_empty(), "nothing sent");
}
