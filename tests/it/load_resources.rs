//! Load management's resources and actions through the real API, every response checked
//! against the reference: circuits and electricity meters (create, list, read, update,
//! delete, every include), charge points attached with their priorities, SoC and session
//! priorities, meter reports as the circuits' unmanaged load, EVSE power options; bad
//! bodies refused per field with nothing stored; and all of it kept across a restart.

use crate::common;

use std::sync::Arc;

use common::reference::{Api, R};
use common::*;
use ocpp_gateway::store::{LoadStore, SqlStore};
use serde_json::{json, Value};

const CIRCUITS: &str = "/public-api/resources/circuits/v2.0";
const METERS: &str = "/public-api/resources/electricity-meters/v1.0";
const ACT: &str = "/public-api/actions/circuit/v2.0";
const INCLUDE_ALL: &str = "include[]=chargePointPriorities&include[]=userPriorities\
    &include[]=socPriorities&include[]=consumption&include[]=unmanagedLoad";

/// Settings without the load manager: these tests' raw chargers answer only what they
/// are asked, and the profiles an attach causes are `load_circuit`'s subject.
fn quiet() -> ocpp_gateway::config::Settings {
    let mut s = settings();
    s.load.enabled = false;
    s
}

fn api_of(tg: &TestGateway) -> Api {
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    Api::new(tg.gw.api_addr(), Some(&token))
}

async fn gateway() -> (TestGateway, Api) {
    let tg = start(quiet()).await;
    let api = api_of(&tg);
    (tg, api)
}

/// The store the test gateway runs on, for what the load manager calls.
fn sql(tg: &TestGateway) -> &SqlStore {
    match &tg.store {
        common::store::TestStore::Sqlite(s) => s,
        common::store::TestStore::Postgres { store, .. } => store,
    }
}

async fn count(tg: &TestGateway, table: &str) -> i64 {
    tg.store
        .texts(&format!("SELECT COUNT(*) FROM {table}"))
        .await
        .first()
        .and_then(|r| r[0].as_deref()?.parse().ok())
        .expect("a count")
}

/// A 1.6 charger with connectors 1 and 2; its charge point id and its EVSEs' ids.
async fn charge_point(tg: &TestGateway, api: &Api, identity: &str) -> (Client, i64, Vec<i64>) {
    let mut c = charger(tg, identity, "ocpp1.6").await;
    for connector in [1, 2] {
        c.call(
            "StatusNotification",
            json!({"connectorId": connector, "errorCode": "NoError", "status": "Available"}),
        )
        .await;
    }
    let cps = api
        .get(&format!(
            "{R}/charge-points/v2.0?filter[networkId]={identity}"
        ))
        .await;
    let cp = cps.body["data"][0]["id"].as_i64().expect("charge point id");
    let evses = api.get(&format!("{R}/charge-points/v2.0/{cp}/evses")).await;
    let ids = evses.body["data"]
        .as_array()
        .expect("evses")
        .iter()
        .filter_map(|e| e["id"].as_i64())
        .collect();
    (c, cp, ids)
}

async fn create_circuit(api: &Api, body: Value) -> i64 {
    let r = api.post(CIRCUITS, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["data"]["id"].as_i64().expect("id")
}

async fn create_meter(api: &Api) -> i64 {
    let r = api
        .post(
            METERS,
            json!({"name": "Main", "integrationId": 7, "integrationParameters": {"host": "10.0.0.9"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["data"]["integrationParameters"]["host"], "10.0.0.9");
    r.body["data"]["id"].as_i64().expect("id")
}

#[tokio::test]
async fn circuits_and_meters_are_created_listed_read_updated_and_deleted() {
    let (tg, api) = gateway().await;
    let meter = create_meter(&api).await;
    let root = create_circuit(
        &api,
        json!({"name": "Building", "maxCurrent": 63, "phases": "three_phase",
               "phaseRotation": "RST", "maxVoltage": "400", "electricityMeterId": meter,
               "minChargePointCurrent": 6, "offlineReservedCurrent": 10.5,
               "loadBalancingIntegration": {"id": 3, "fields": {"startDate": "2025-02-18"}}}),
    )
    .await;
    let r = api.get(&format!("{CIRCUITS}/{root}?{INCLUDE_ALL}")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let c = &r.body["data"];
    assert_eq!(c["electricalConfiguration"], "star", "the default");
    assert_eq!(c["maxCurrent"], 63.0);
    assert_eq!(c["offlineReservedCurrent"], 10.5);
    assert_eq!(c["electricityMeterId"], meter);
    assert_eq!(
        c["loadBalancingIntegration"]["fields"]["startDate"],
        "2025-02-18"
    );
    assert_eq!(c["chargePointPriorities"], json!([]));
    assert_eq!(c["userPriorities"], json!([]));
    assert_eq!(c["socPriorities"], json!(null));
    assert_eq!(c["consumption"], json!([]));
    assert_eq!(c["unmanagedLoad"], json!([]), "no report yet");
    assert!(c.get("connectedPhase").is_none(), "{c}");

    // A circuit with a load balancing integration is no parent (multi-level DLM).
    let garage = json!({"name": "Garage", "maxCurrent": 32, "phases": "single_phase",
                        "connectedPhase": "L2", "parentCircuitId": root,
                        "setSessionLimitToZeroOnIdle": true});
    let r = api.post(CIRCUITS, garage.clone()).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["errors"]["parentCircuitId"].is_array(), "{}", r.text);
    let r = api
        .patch(
            &format!("{CIRCUITS}/{root}"),
            json!({"loadBalancingIntegration": null}),
        )
        .await;
    assert_eq!(r.body["data"]["loadBalancingIntegration"], json!(null));
    let child = create_circuit(&api, garage).await;
    let r = api
        .patch(
            &format!("{CIRCUITS}/{root}"),
            json!({"loadBalancingIntegration": {"id": 3}}),
        )
        .await;
    assert_eq!(r.status, 422, "a parent takes no integration: {}", r.text);
    let r = api.get(&format!("{CIRCUITS}/{child}")).await;
    assert_eq!(r.body["data"]["parentCircuitId"], root);
    assert_eq!(r.body["data"]["setSessionLimitToZeroOnIdle"], true);
    assert!(r.body["data"].get("chargePointPriorities").is_none());

    // Paging and the update window.
    let page = api
        .get(&format!("{CIRCUITS}?per_page=1&{INCLUDE_ALL}"))
        .await;
    assert_eq!(page.body["data"][0]["id"], root);
    let next = page.body["links"]["next"]
        .as_str()
        .expect("next")
        .to_owned();
    let page2 = api.get(&next).await;
    assert_eq!(page2.body["data"][0]["id"], child);
    assert_eq!(page2.body["data"][0]["unmanagedLoad"], json!([]));
    assert!(page2.body["links"]["next"].is_null());
    for (filter, n) in [
        ("", 2),
        ("?filter[lastUpdatedAfter]=2999-01-01T00:00:00Z", 0),
        ("?filter[lastUpdatedBefore]=2999-01-01T00:00:00Z", 2),
    ] {
        let r = api.get(&format!("{CIRCUITS}{filter}")).await;
        assert_eq!(r.body["data"].as_array().map(Vec::len), Some(n), "{filter}");
    }

    // Updates: a field changes, explicit nulls clear.
    let r = api
        .patch(
            &format!("{CIRCUITS}/{root}"),
            json!({"name": "Building A", "maxCurrent": 80, "minChargePointCurrent": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["name"], "Building A");
    assert_eq!(r.body["data"]["maxCurrent"], 80.0);
    assert_eq!(r.body["data"]["minChargePointCurrent"], json!(null));
    assert_eq!(r.body["data"]["phaseRotation"], "RST", "left alone");

    // The tree: no cycles, no orphans.
    let r = api
        .patch(
            &format!("{CIRCUITS}/{root}"),
            json!({"parentCircuitId": child}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["errors"]["parentCircuitId"].is_array(), "{}", r.text);
    let r = api
        .patch(
            &format!("{CIRCUITS}/{root}"),
            json!({"parentCircuitId": root}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = api.delete(&format!("{CIRCUITS}/{root}")).await;
    assert_eq!(r.status, 422, "a circuit with children stays: {}", r.text);
    let r = api.delete(&format!("{METERS}/{meter}")).await;
    assert_eq!(r.status, 422, "a meter in use stays: {}", r.text);
    assert_eq!(count(&tg, "circuits").await, 2);
    assert_eq!(count(&tg, "electricity_meters").await, 1);

    // Meters.
    let r = api
        .patch(&format!("{METERS}/{meter}"), json!({"name": "Main meter"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["name"], "Main meter");
    assert_eq!(r.body["data"]["integrationId"], 7);
    let r = api.get(METERS).await;
    assert_eq!(r.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(api.get(&format!("{METERS}/{meter}")).await.status, 200);

    // Deletes, and 404 for what is gone.
    assert_eq!(api.delete(&format!("{CIRCUITS}/{child}")).await.status, 204);
    let r = api
        .patch(
            &format!("{CIRCUITS}/{root}"),
            json!({"electricityMeterId": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(api.delete(&format!("{METERS}/{meter}")).await.status, 204);
    assert_eq!(api.delete(&format!("{CIRCUITS}/{root}")).await.status, 204);
    for path in [
        format!("{CIRCUITS}/{root}"),
        format!("{CIRCUITS}/{root}/consumption"),
        format!("{CIRCUITS}/{root}/soc-priorities"),
        format!("{CIRCUITS}/{root}/unmanaged-load"),
        format!("{CIRCUITS}/{root}/user-priorities"),
        format!("{CIRCUITS}/{root}/charge-point-priorities"),
        format!("{METERS}/{meter}"),
        format!("{CIRCUITS}/abc"),
    ] {
        assert_eq!(api.get(&path).await.status, 404, "{path}");
    }
    assert_eq!(api.delete(&format!("{CIRCUITS}/{root}")).await.status, 404);
    assert_eq!(api.delete(&format!("{METERS}/{meter}")).await.status, 404);
    let r = api
        .patch(&format!("{CIRCUITS}/{root}"), json!({"name": "x"}))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(count(&tg, "circuits").await, 0);
}

#[tokio::test]
async fn bad_bodies_are_refused_per_field_and_nothing_is_stored() {
    let (tg, api) = gateway().await;
    let meter = create_meter(&api).await;
    let base = json!({"name": "C", "maxCurrent": 32, "phases": "single_phase"});
    let with = |extra: Value| {
        let mut b = base.clone();
        for (k, v) in extra.as_object().expect("object") {
            b[k] = v.clone();
        }
        b
    };
    for (body, field) in [
        (json!({"maxCurrent": 32, "phases": "single_phase"}), "name"),
        (json!({"name": "C", "phases": "single_phase"}), "maxCurrent"),
        (json!({"name": "C", "maxCurrent": 32}), "phases"),
        (with(json!({"maxCurrent": "32"})), "maxCurrent"),
        (with(json!({"maxCurrent": 16.25})), "maxCurrent"),
        (with(json!({"maxCurrent": -1})), "maxCurrent"),
        (with(json!({"phases": "two_phase"})), "phases"),
        (
            with(json!({"electricalConfiguration": "wye"})),
            "electricalConfiguration",
        ),
        (with(json!({"connectedPhase": "L4"})), "connectedPhase"),
        (with(json!({"connectedPhase": "L1_L2"})), "connectedPhase"),
        (with(json!({"phaseRotation": "ABC"})), "phaseRotation"),
        (with(json!({"maxVoltage": 230})), "maxVoltage"),
        (
            with(json!({"minChargePointCurrent": 40})),
            "minChargePointCurrent",
        ),
        (
            with(json!({"offlineReservedCurrent": 0.05})),
            "offlineReservedCurrent",
        ),
        (
            with(json!({"parentCircuitId": 999, "connectedPhase": "L1"})),
            "parentCircuitId",
        ),
        (
            with(json!({"electricityMeterId": 999})),
            "electricityMeterId",
        ),
        (
            with(json!({"electricityMeterId": "one"})),
            "electricityMeterId",
        ),
        (
            with(json!({"setSessionLimitToZeroOnIdle": "yes"})),
            "setSessionLimitToZeroOnIdle",
        ),
        (
            with(json!({"loadBalancingIntegration": [1]})),
            "loadBalancingIntegration",
        ),
        (with(json!({"name": null})), "name"),
    ] {
        let r = api.post(CIRCUITS, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.body["errors"][field].is_array(), "{body}: {}", r.text);
    }
    // Several faults at once, each named.
    let r = api
        .post(CIRCUITS, json!({"name": 5, "maxCurrent": "x", "phases": 1}))
        .await;
    assert_eq!(r.status, 422);
    for field in ["name", "maxCurrent", "phases"] {
        assert!(r.body["errors"][field].is_array(), "{field}: {}", r.text);
    }
    assert_eq!(count(&tg, "circuits").await, 0, "nothing stored");

    let id = create_circuit(
        &api,
        with(json!({"connectedPhase": "L1", "electricityMeterId": meter})),
    )
    .await;
    let before = api.get(&format!("{CIRCUITS}/{id}")).await.body;
    for (body, field) in [
        (json!({"phases": "three_phase"}), "connectedPhase"),
        (json!({"maxCurrent": 0}), "maxCurrent"),
        (json!({"electricityMeterId": 12345}), "electricityMeterId"),
        (json!({"phases": null}), "phases"),
        (
            json!({"minChargePointCurrent": 33}),
            "minChargePointCurrent",
        ),
    ] {
        let r = api.patch(&format!("{CIRCUITS}/{id}"), body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.body["errors"][field].is_array(), "{body}: {}", r.text);
    }
    assert_eq!(
        api.get(&format!("{CIRCUITS}/{id}")).await.body,
        before,
        "unchanged"
    );

    // Meters, user priorities and the actions' bodies.
    let cases: &[(&str, &str, Value, &str)] = &[
        ("POST", METERS, json!({"integrationId": 1}), "name"),
        ("POST", METERS, json!({"name": "M"}), "integrationId"),
        (
            "POST",
            METERS,
            json!({"name": "M", "integrationId": 1.5}),
            "integrationId",
        ),
        (
            "POST",
            METERS,
            json!({"name": "M", "integrationId": 1, "integrationParameters": {"a": 1}}),
            "integrationParameters",
        ),
        (
            "PATCH",
            &format!("{METERS}/{meter}"),
            json!({"name": ""}),
            "name",
        ),
        (
            "POST",
            &format!("{CIRCUITS}/{id}/user-priorities"),
            json!({"type": "partner", "priority": 1}),
            "targetId",
        ),
        (
            "POST",
            &format!("{CIRCUITS}/{id}/user-priorities"),
            json!({"targetId": 1, "type": "user", "priority": 1}),
            "type",
        ),
        (
            "POST",
            &format!("{CIRCUITS}/{id}/user-priorities"),
            json!({"targetId": 1, "type": "partner", "priority": -0.5}),
            "priority",
        ),
        (
            "POST",
            &format!("{ACT}/{id}/attach-charge-point"),
            json!({}),
            "chargePointId",
        ),
        (
            "POST",
            &format!("{ACT}/{id}/attach-charge-point"),
            json!({"chargePointId": "a"}),
            "chargePointId",
        ),
        (
            "POST",
            &format!("{ACT}/{id}/attach-charge-point"),
            json!({"chargePointId": 999}),
            "chargePointId",
        ),
        (
            "POST",
            &format!("{ACT}/{id}/set-circuit-soc-priorities"),
            json!({"lowerThresholdPercent": 12, "lowSoCPriority": 1}),
            "lowerThresholdPercent",
        ),
        (
            "POST",
            &format!("{ACT}/{id}/set-circuit-soc-priorities"),
            json!({"upperThresholdPercent": 100, "highSoCPriority": 1}),
            "upperThresholdPercent",
        ),
        (
            "POST",
            &format!("{ACT}/{id}/set-circuit-soc-priorities"),
            json!({"lowerThresholdPercent": 50, "lowSoCPriority": 2, "upperThresholdPercent": 50, "highSoCPriority": 1}),
            "upperThresholdPercent",
        ),
        (
            "POST",
            &format!("{ACT}/{id}/set-circuit-soc-priorities"),
            json!({"lowerThresholdPercent": 20}),
            "lowSoCPriority",
        ),
        (
            "POST",
            &format!("{ACT}/{id}/set-circuit-soc-priorities"),
            json!({"upperThresholdPercent": 80, "highSoCPriority": 0.01}),
            "highSoCPriority",
        ),
        (
            "POST",
            &format!("/public-api/actions/electricity-meter/v1.0/{meter}/report-consumption"),
            json!({"currentL1": 5}),
            "timestamp",
        ),
        (
            "POST",
            &format!("/public-api/actions/electricity-meter/v1.0/{meter}/report-consumption"),
            json!({"currentL1": "5", "timestamp": "2026-01-01T00:00:00Z"}),
            "currentL1",
        ),
        (
            "POST",
            &format!("/public-api/actions/electricity-meter/v1.0/{meter}/report-consumption"),
            json!({"currentL2": 1.5, "timestamp": "2026-01-01T00:00:00Z"}),
            "currentL2",
        ),
        (
            "POST",
            &format!("/public-api/actions/electricity-meter/v1.0/{meter}/report-consumption"),
            json!({"timestamp": "yesterday"}),
            "timestamp",
        ),
    ];
    for (method, path, body, field) in cases {
        let r = api.send(method, path, Some(body.to_string())).await;
        assert_eq!(r.status, 422, "{method} {path} {body}: {}", r.text);
        assert!(
            r.body["errors"][*field].is_array(),
            "{path} {body}: {}",
            r.text
        );
    }
    let r = api
        .send(
            "POST",
            &format!("{ACT}/{id}/attach-charge-point"),
            Some("not json".into()),
        )
        .await;
    assert_eq!(r.status, 422);
    for table in [
        "circuit_user_priorities",
        "circuit_charge_points",
        "circuit_soc_priorities",
    ] {
        assert_eq!(count(&tg, table).await, 0, "{table}");
    }
    assert_eq!(count(&tg, "electricity_meters").await, 1);
    let m = api.get(&format!("{METERS}/{meter}")).await;
    assert_eq!(m.body["data"]["name"], "Main", "unchanged");
    let load = api.get(&format!("{CIRCUITS}/{id}/unmanaged-load")).await;
    assert_eq!(load.body["data"], json!([]), "no report stored");
}

#[tokio::test]
async fn charge_points_are_attached_with_their_priorities() {
    let (tg, api) = gateway().await;
    let (mut c, cp, evses) = charge_point(&tg, &api, "DLM-1").await;
    let (_c2, cp2, evses2) = charge_point(&tg, &api, "DLM-2").await;
    assert_eq!(evses.len(), 2);
    let three = create_circuit(
        &api,
        json!({"name": "Three", "maxCurrent": 32, "phases": "three_phase"}),
    )
    .await;
    let single = create_circuit(
        &api,
        json!({"name": "Single", "maxCurrent": 16, "phases": "single_phase", "connectedPhase": "L1"}),
    )
    .await;

    let r = api
        .post(
            &format!("{ACT}/{three}/attach-charge-point"),
            json!({"chargePointId": cp, "priority": 2}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    // In one circuit at most.
    let r = api
        .post(
            &format!("{ACT}/{single}/attach-charge-point"),
            json!({"chargePointId": cp}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["errors"]["chargePointId"].is_array());

    // A three-phase EVSE does not fit the single-phase circuit; it does the three-phase one.
    let r = api
        .patch(
            &format!("{R}/evses/v2.1/{}", evses2[0]),
            json!({"powerOptions": {"phases": "three_phase", "maxAmperage": 32, "maxPower": 22000}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api
        .post(
            &format!("{ACT}/{single}/attach-charge-point"),
            json!({"chargePointId": cp2}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["errors"]["chargePointId"].is_array());
    assert_eq!(
        count(&tg, "circuit_charge_points").await,
        1,
        "nothing stored"
    );
    let r = api
        .post(
            &format!("{ACT}/{three}/attach-charge-point"),
            json!({"chargePointId": cp2}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    // And once attached, its EVSEs cannot be given options the circuit lacks.
    let r = api
        .patch(
            &format!("{R}/charge-points/v2.0/{cp}/evses/{}", evses[0]),
            json!({"powerOptions": {"phases": "single_phase", "connectedPhase": "L1_L2"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = api
        .patch(
            &format!("{CIRCUITS}/{three}"),
            json!({"phases": "single_phase", "connectedPhase": "L3"}),
        )
        .await;
    assert_eq!(
        r.status, 422,
        "the attached EVSEs would not fit: {}",
        r.text
    );

    // Priorities.
    let path = format!("{ACT}/{three}/set-charge-point-priority/{cp}");
    assert_eq!(api.post(&path, json!({"priority": 1.5})).await.status, 202);
    let evse_path = format!("{path}/evse/{}", evses[1]);
    assert_eq!(
        api.post(&evse_path, json!({"priority": 3})).await.status,
        202
    );
    let foreign = format!("{path}/evse/{}", evses2[0]);
    assert_eq!(api.post(&foreign, json!({"priority": 3})).await.status, 404);
    let outside = format!("{ACT}/{single}/set-charge-point-priority/{cp}");
    assert_eq!(api.post(&outside, json!({"priority": 1})).await.status, 404);
    assert_eq!(api.post(&path, json!({})).await.status, 422);

    let r = api
        .get(&format!("{CIRCUITS}/{three}/charge-point-priorities"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["data"],
        json!([
            {"id": cp, "priority": 1.5, "evses": [{"id": evses[1], "priority": 3.0}]},
            {"id": cp2, "priority": 1.0, "evses": []},
        ])
    );
    let page = api
        .get(&format!(
            "{CIRCUITS}/{three}/charge-point-priorities?per_page=1"
        ))
        .await;
    assert_eq!(page.body["data"][0]["id"], cp);
    assert!(page.body["links"]["next"].is_string());
    let r = api
        .get(&format!(
            "{CIRCUITS}/{three}?include[]=chargePointPriorities"
        ))
        .await;
    assert_eq!(r.body["data"]["chargePointPriorities"][0]["priority"], 1.5);

    // A session's priority: the session must exist and be under the circuit.
    let start = c
        .call("StartTransaction", json!({"connectorId": 1, "idTag": "T1", "meterStart": 0, "timestamp": "2026-11-28T10:00:00Z"}))
        .await;
    assert!(start["transactionId"].is_i64(), "{start}");
    let sessions = api
        .get(&format!("{R}/sessions/v1.0?filter[chargePointId]={cp}"))
        .await;
    let session: i64 = sessions.body["data"][0]["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("a session: {}", sessions.text));
    let sp = format!("{ACT}/{three}/set-session-priority/{session}");
    assert_eq!(api.post(&sp, json!({"priority": 2})).await.status, 202);
    assert_eq!(
        api.post(
            &format!("{ACT}/{three}/set-session-priority/99999"),
            json!({"priority": 2})
        )
        .await
        .status,
        404
    );
    let r = api
        .post(
            &format!("{ACT}/{single}/set-session-priority/{session}"),
            json!({"priority": 2}),
        )
        .await;
    assert_eq!(r.status, 422, "not under that circuit: {}", r.text);

    // SoC priorities: set, read, replaced, removed.
    let soc = format!("{ACT}/{three}/set-circuit-soc-priorities");
    let r = api
        .post(&soc, json!({"lowerThresholdPercent": 20, "lowSoCPriority": 2, "upperThresholdPercent": 80, "highSoCPriority": 0.5}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let r = api.get(&format!("{CIRCUITS}/{three}/soc-priorities")).await;
    assert_eq!(
        r.body,
        json!({"lowerThresholdPercent": 20.0, "lowSoCPriority": 2.0, "upperThresholdPercent": 80.0, "highSoCPriority": 0.5})
    );
    let r = api
        .post(&soc, json!({"lowerThresholdPercent": null, "upperThresholdPercent": 60, "highSoCPriority": 0.5}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let r = api
        .get(&format!("{CIRCUITS}/{three}?include[]=socPriorities"))
        .await;
    assert_eq!(
        r.body["data"]["socPriorities"],
        json!({"lowerThresholdPercent": null, "upperThresholdPercent": 60.0, "highSoCPriority": 0.5})
    );

    // User priorities: kept and served.
    let up = api
        .post(
            &format!("{CIRCUITS}/{three}/user-priorities"),
            json!({"targetId": 12, "type": "userGroup", "priority": 2.5}),
        )
        .await;
    assert_eq!(up.status, 201, "{}", up.text);
    let up_id = up.body["data"]["id"].as_i64().expect("id");
    let one = format!("{CIRCUITS}/{three}/user-priorities/{up_id}");
    let r = api.patch(&one, json!({"type": "partner"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["data"],
        json!({"id": up_id, "targetId": 12, "type": "partner", "priority": 2.5})
    );
    assert_eq!(api.get(&one).await.body["data"]["type"], "partner");
    let list = api
        .get(&format!("{CIRCUITS}/{three}/user-priorities"))
        .await;
    assert_eq!(list.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        api.get(&format!("{CIRCUITS}/{single}/user-priorities/{up_id}"))
            .await
            .status,
        404,
        "another circuit's"
    );

    // What the load manager reads.
    let inputs = sql(&tg).load_inputs().await.expect("load inputs");
    assert_eq!(inputs.circuits.len(), 2);
    let a = inputs
        .attachments
        .iter()
        .find(|a| a.charge_point_id == cp)
        .expect("attached");
    assert_eq!(
        (a.circuit_id, a.identity.as_str(), a.priority),
        (three, "DLM-1", 1.5)
    );
    let e = inputs
        .evses
        .iter()
        .find(|e| e.evse_id == evses2[0])
        .expect("evse");
    assert_eq!((e.identity.as_str(), e.network_id), ("DLM-2", 1));
    assert_eq!(e.power.phases.as_deref(), Some("three_phase"));
    assert_eq!(inputs.evses.len(), 4);
    assert_eq!(inputs.session_priorities.len(), 1);
    assert_eq!(inputs.soc_priorities.len(), 1);

    // Detach: the charge point's priorities go with it.
    let detach = format!("{ACT}/{three}/detach-charge-point/{cp}");
    assert_eq!(api.send("POST", &detach, None).await.status, 202);
    assert_eq!(api.send("POST", &detach, None).await.status, 404);
    assert_eq!(count(&tg, "circuit_evse_priorities").await, 0);
    assert_eq!(count(&tg, "circuit_session_priorities").await, 0);
    assert_eq!(api.delete(&one).await.status, 204);
    assert_eq!(api.delete(&one).await.status, 404);
    for path in [
        format!("{ACT}/999/attach-charge-point"),
        format!("{ACT}/999/set-circuit-soc-priorities"),
        format!("{ACT}/999/set-charge-point-priority/{cp}"),
    ] {
        let r = api
            .post(&path, json!({"chargePointId": cp, "priority": 1}))
            .await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
    }
}

#[tokio::test]
async fn meter_reports_are_the_circuits_unmanaged_load() {
    let (tg, api) = gateway().await;
    let meter = create_meter(&api).await;
    let c = create_circuit(
        &api,
        json!({"name": "Site", "maxCurrent": 100, "phases": "three_phase", "electricityMeterId": meter}),
    )
    .await;
    let report = format!("/public-api/actions/electricity-meter/v1.0/{meter}/report-consumption");
    let at = chrono::Utc::now() - chrono::Duration::seconds(30);
    let r = api
        .post(
            &report,
            json!({"currentL1": 16000, "currentL2": 8500, "currentL3": 0, "timestamp": at.to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let load = api.get(&format!("{CIRCUITS}/{c}/unmanaged-load")).await;
    assert_eq!(load.status, 200, "{}", load.text);
    let amps: Vec<(String, f64)> = load.body["data"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| {
            (
                p["phase"].as_str().unwrap_or_default().to_owned(),
                p["consumption"].as_f64().unwrap_or(-1.0),
            )
        })
        .collect();
    assert_eq!(
        amps,
        [("L1".into(), 16.0), ("L2".into(), 8.5), ("L3".into(), 0.0)]
    );

    // Older than the last, or too far ahead: 406, and the last report stays.
    let older = at - chrono::Duration::seconds(5);
    let future = chrono::Utc::now() + chrono::Duration::seconds(120);
    for t in [older, future] {
        let r = api
            .post(
                &report,
                json!({"currentL1": 1000, "timestamp": t.to_rfc3339()}),
            )
            .await;
        assert_eq!(r.status, 406, "{t}: {}", r.text);
        assert!(r.body["message"].is_string());
    }
    let again = api
        .get(&format!("{CIRCUITS}/{c}?include[]=unmanagedLoad"))
        .await;
    assert_eq!(again.body["data"]["unmanagedLoad"], load.body["data"]);
    assert_eq!(
        api.post(
            "/public-api/actions/electricity-meter/v1.0/999/report-consumption",
            json!({"timestamp": at.to_rfc3339()})
        )
        .await
        .status,
        404
    );

    // The load manager's consumption, served as the circuit's.
    let at_text = "2026-11-28T10:00:00.000Z".to_owned();
    let store = sql(&tg);
    assert!(store
        .set_circuit_consumption(c, [Some(12.5), Some(3.0), None], at_text.clone())
        .await
        .expect("stored"));
    assert!(!store
        .set_circuit_consumption(9999, [Some(1.0), None, None], at_text.clone())
        .await
        .expect("answered"));
    let r = api.get(&format!("{CIRCUITS}/{c}/consumption")).await;
    assert_eq!(
        r.body["data"],
        json!([
            {"phase": "L1", "consumption": 12.5, "lastUpdatedAt": at_text},
            {"phase": "L2", "consumption": 3.0, "lastUpdatedAt": at_text},
        ])
    );
    let inputs = store.load_inputs().await.expect("inputs");
    let m = &inputs.meters[0];
    assert_eq!(
        m.last_report.as_ref().map(|r| r.currents_ma),
        Some([Some(16000), Some(8500), Some(0)])
    );
}

#[tokio::test]
async fn evse_power_options_are_served_and_checked() {
    let (tg, api) = gateway().await;
    let (mut c, cp, evses) = charge_point(&tg, &api, "PWR-1").await;
    let one = format!("{R}/evses/v2.1/{}", evses[0]);
    let r = api.get(&one).await;
    assert_eq!(
        r.body["data"]["powerOptions"],
        json!({"phases": null, "connectedPhase": null, "phaseRotation": null,
               "maxAmperage": null, "maxVoltage": null, "maxPower": null})
    );
    let r = api
        .patch(
            &one,
            json!({"powerOptions": {"phases": "single_phase", "connectedPhase": "L2",
                   "maxAmperage": 16, "maxVoltage": "230", "maxPower": 3680}, "label": "ignored"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let shown = api
        .get(&format!("{R}/charge-points/v2.0/{cp}/evses/{}", evses[0]))
        .await;
    assert_eq!(shown.body["data"]["powerOptions"]["connectedPhase"], "L2");
    assert_eq!(shown.body["data"]["powerOptions"]["maxPower"], 3680);
    let listed = api
        .get(&format!("{R}/evses/v2.1?filter[chargePointId]={cp}"))
        .await;
    assert_eq!(listed.body["data"][0]["powerOptions"]["maxAmperage"], 16.0);

    for (body, field) in [
        (
            json!({"powerOptions": {"phases": "four_phase"}}),
            "powerOptions.phases",
        ),
        (
            json!({"powerOptions": {"connectedPhase": "L9"}}),
            "powerOptions.connectedPhase",
        ),
        (
            json!({"powerOptions": {"phases": "three_phase"}}),
            "powerOptions.connectedPhase",
        ),
        (
            json!({"powerOptions": {"maxAmperage": "16"}}),
            "powerOptions.maxAmperage",
        ),
        (
            json!({"powerOptions": {"maxPower": 1.5}}),
            "powerOptions.maxPower",
        ),
        (
            json!({"powerOptions": {"maxVoltage": "999"}}),
            "powerOptions.maxVoltage",
        ),
        (
            json!({"powerOptions": {"phaseRotation": "XYZ"}}),
            "powerOptions.phaseRotation",
        ),
        (json!({"powerOptions": 5}), "powerOptions"),
    ] {
        let r = api.patch(&one, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.body["errors"][field].is_array(), "{body}: {}", r.text);
    }
    let after = api.get(&one).await;
    assert_eq!(
        after.body["data"]["powerOptions"],
        shown.body["data"]["powerOptions"]
    );
    // Nulls clear.
    let r = api
        .patch(
            &one,
            json!({"powerOptions": {"connectedPhase": null, "phases": "three_phase"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["data"]["powerOptions"]["connectedPhase"],
        json!(null)
    );
    let other = api
        .patch(
            &format!("{R}/charge-points/v2.0/999/evses/{}", evses[0]),
            json!({}),
        )
        .await;
    assert_eq!(other.status, 404);
    assert_eq!(
        api.patch(&format!("{R}/evses/v2.1/99999"), json!({}))
            .await
            .status,
        404
    );

    // An EVSE added ahead of the charger: the charger's reports then land on it.
    let r = api
        .post(
            &format!("{R}/evses/v2.1"),
            json!({"chargePointId": cp, "networkId": "3", "physicalReference": "3",
                   "currentType": "ac", "status": "enabled",
                   "powerOptions": {"phases": "single_phase", "connectedPhase": "L3"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let added = r.body["data"]["id"].as_i64().expect("id");
    assert_eq!(r.body["data"]["powerOptions"]["connectedPhase"], "L3");
    c.call(
        "StatusNotification",
        json!({"connectorId": 3, "errorCode": "NoError", "status": "Charging"}),
    )
    .await;
    let r = api.get(&format!("{R}/evses/v2.1/{added}")).await;
    assert_eq!(r.body["data"]["hardwareStatus"], "charging", "{}", r.text);
    assert_eq!(r.body["data"]["powerOptions"]["connectedPhase"], "L3");
    let of = format!("{R}/charge-points/v2.0/{cp}/evses");
    assert_eq!(
        api.get(&of).await.body["data"].as_array().map(Vec::len),
        Some(3)
    );
    for (path, body, status, field) in [
        (
            of.clone(),
            json!({"networkId": "3"}),
            422,
            Some("networkId"),
        ),
        (
            of.clone(),
            json!({"networkId": "zero"}),
            422,
            Some("networkId"),
        ),
        (of.clone(), json!({}), 422, Some("networkId")),
        (
            of.clone(),
            json!({"networkId": "4", "powerOptions": {"phases": "x"}}),
            422,
            Some("powerOptions.phases"),
        ),
        (
            format!("{R}/evses/v2.1"),
            json!({"networkId": "4"}),
            422,
            Some("chargePointId"),
        ),
        (
            format!("{R}/evses/v2.1"),
            json!({"chargePointId": 999, "networkId": "4"}),
            404,
            None,
        ),
        (
            format!("{R}/charge-points/v2.0/999/evses"),
            json!({"networkId": "4"}),
            404,
            None,
        ),
    ] {
        let r = api.post(&path, body.clone()).await;
        assert_eq!(r.status, status, "{path} {body}: {}", r.text);
        if let Some(field) = field {
            assert!(r.body["errors"][field].is_array(), "{body}: {}", r.text);
        }
    }
    let r = api.post(&of, json!({"networkId": 4})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        api.get(&of).await.body["data"].as_array().map(Vec::len),
        Some(4)
    );
}

#[tokio::test]
async fn load_management_survives_a_restart() {
    let mut s = quiet();
    let _db = common::store::database_for(&mut s).await;
    let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
    let tg = start_in(s.clone(), dir.clone()).await;
    let api = api_of(&tg);
    let (mut c, cp, evses) = charge_point(&tg, &api, "KEEP-1").await;
    c.call("StartTransaction", json!({"connectorId": 2, "idTag": "K1", "meterStart": 0, "timestamp": "2026-11-28T10:00:00Z"}))
        .await;
    let sessions = api
        .get(&format!("{R}/sessions/v1.0?filter[chargePointId]={cp}"))
        .await;
    let session = sessions.body["data"][0]["id"]
        .as_str()
        .expect("a session")
        .to_owned();
    let meter = create_meter(&api).await;
    let circuit = create_circuit(
        &api,
        json!({"name": "Kept", "maxCurrent": 40, "phases": "three_phase", "phaseRotation": "RTS",
               "electricityMeterId": meter, "electricalConfiguration": "star"}),
    )
    .await;
    api.patch(
        &format!("{R}/evses/v2.1/{}", evses[0]),
        json!({"powerOptions": {"phases": "three_phase", "maxAmperage": 32}}),
    )
    .await;
    let steps = [
        (
            format!("{ACT}/{circuit}/attach-charge-point"),
            json!({"chargePointId": cp, "priority": 2}),
        ),
        (
            format!(
                "{ACT}/{circuit}/set-charge-point-priority/{cp}/evse/{}",
                evses[1]
            ),
            json!({"priority": 0.5}),
        ),
        (
            format!("{ACT}/{circuit}/set-circuit-soc-priorities"),
            json!({"lowerThresholdPercent": 30, "lowSoCPriority": 3}),
        ),
        (
            format!("{CIRCUITS}/{circuit}/user-priorities"),
            json!({"targetId": 4, "type": "partner", "priority": 1}),
        ),
        (
            format!("{ACT}/{circuit}/set-session-priority/{session}"),
            json!({"priority": 1.5}),
        ),
        (
            format!("/public-api/actions/electricity-meter/v1.0/{meter}/report-consumption"),
            json!({"currentL1": 2000, "currentL2": 2500, "timestamp": chrono::Utc::now().to_rfc3339()}),
        ),
    ];
    for (path, body) in &steps {
        let r = api.post(path, body.clone()).await;
        assert!(r.status == 202 || r.status == 201, "{path}: {}", r.text);
    }
    let reads = [
        format!("{CIRCUITS}/{circuit}?{INCLUDE_ALL}"),
        format!("{METERS}/{meter}"),
        format!("{R}/evses/v2.1/{}", evses[0]),
        format!("{CIRCUITS}/{circuit}/soc-priorities"),
    ];
    sql(&tg)
        .set_circuit_consumption(
            circuit,
            [Some(4.0), Some(4.5), Some(0.0)],
            "2026-11-28T10:00:00.000Z".into(),
        )
        .await
        .expect("consumption stored");
    let mut before = Vec::new();
    for path in &reads {
        before.push(api.get(path).await.body);
    }
    assert_eq!(
        before[0]["data"]["unmanagedLoad"].as_array().map(Vec::len),
        Some(2)
    );

    before.push(
        api.get(&format!("{CIRCUITS}/{circuit}/consumption"))
            .await
            .body,
    );
    let inputs = sql(&tg).load_inputs().await.expect("load inputs");
    assert_eq!(inputs.session_priorities.len(), 1);
    assert_eq!(inputs.attachments[0].evses.len(), 1);

    drop(c);
    let TestGateway { gw, store, .. } = tg;
    gw.shutdown().await;
    drop(store);
    let tg = start_in(s, dir).await;
    let api = api_of(&tg);
    let consumption = format!("{CIRCUITS}/{circuit}/consumption");
    for (path, was) in reads.iter().chain([&consumption]).zip(&before) {
        let now = api.get(path).await;
        assert_eq!(now.status, 200, "{path}: {}", now.text);
        assert_eq!(&now.body, was, "{path}");
    }
    assert_eq!(before.len(), reads.len() + 1);
    assert_eq!(sql(&tg).load_inputs().await.expect("load inputs"), inputs);
}
