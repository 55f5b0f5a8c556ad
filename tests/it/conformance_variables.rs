//! The device model through the API, with the Python `ocpp` package as the station
//! (`tests/python/variables.py`): variables scoped by EVSE, connector and component
//! instance keep their identity in the snapshot, set-configuration and PATCH; list
//! calls respect the station's ItemsPerMessage / BytesPerMessage (1.6:
//! GetConfigurationMaxKeys); unlock names the connector the station reported.
//! Skipped without python3 and the packages, unless `CI` is set.

use crate::actions_common;
use crate::common;

use actions_common::{charge_point_id, A};
use common::python::Script;
use common::reference::Api;
use common::*;
use serde_json::json;

/// A gateway, its API and the Python station connected and booted.
struct Station {
    tg: TestGateway,
    api: Api,
    cp: i64,
    /// The station; it prints one `CALL ...` line per CSMS call.
    py: Script,
}

impl Station {
    async fn start(identity: &str, version: &str, args: &[&str]) -> Station {
        let tg = start(settings()).await;
        let url = tg.url(identity);
        let py = Script::start(
            "variables.py",
            ["--version", version, "--url", url.as_str()]
                .into_iter()
                .chain(args.iter().copied()),
        );
        py.wait_for("READY").await;
        let token = tg.gw.api_tokens().first().expect("a token").clone();
        let api = Api::new(tg.gw.api_addr(), Some(&token));
        let cp = charge_point_id(&api, identity).await;
        Station { tg, api, cp, py }
    }

    fn action(&self, v: &str, tail: &str) -> String {
        format!("{A}/{v}/{}/{tail}", self.cp)
    }

    fn configurations(&self) -> String {
        format!(
            "/public-api/resources/charge-points/v2.0/{}/configurations",
            self.cp
        )
    }

    /// The snapshot as key → value.
    async fn snapshot(&self) -> Vec<(String, String)> {
        let r = self.api.get(&self.configurations()).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["key"]["name"].as_str().unwrap_or_default().to_owned(),
                    c["key"]["value"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    async fn value(&self, key: &str) -> Option<String> {
        self.snapshot()
            .await
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The full snapshot: GetBaseReport, filled by the station's two NotifyReports (the
    /// second carries the DeviceDataCtrlr limits).
    async fn full_sync(&self) {
        let r = self
            .api
            .post(&self.action("v1.0", "sync-configuration"), json!({}))
            .await;
        assert_eq!(r.status, 202, "{}", r.text);
        eventually("the whole report is stored", || async {
            self.value("DeviceDataCtrlr.ItemsPerMessage.SetVariables")
                .await
                .is_some()
        })
        .await;
    }

    /// Entries per `CALL action` line the station printed so far.
    fn calls(&self, action: &str) -> Vec<(usize, usize)> {
        let prefix = format!("CALL {action} ");
        self.py
            .lines()
            .iter()
            .filter_map(|l| l.strip_prefix(&prefix))
            .filter_map(|rest| {
                let mut n = rest.split(' ').filter_map(|kv| kv.split_once('='));
                let entries = n.next()?.1.parse().ok()?;
                let bytes = n.next()?.1.parse().ok()?;
                Some((entries, bytes))
            })
            .collect()
    }

    fn printed(&self, line: &str) -> bool {
        self.py.printed(line)
    }
}

/// A configuration key as a path segment.
fn segment(key: &str) -> String {
    key.replace('[', "%5B").replace(']', "%5D")
}

/// Every variable of the station's model, under the key the API shows for it.
const MODEL: &[(&str, &str)] = &[
    ("ChargingStation.AvailabilityState", "Available"),
    ("EVSE[1].AvailabilityState", "Available"),
    ("EVSE[2].AvailabilityState", "Unavailable"),
    ("Connector[1.1].AvailabilityState", "Available"),
    ("Connector[2.2].AvailabilityState", "Unavailable"),
    ("TxCtrlr[1].EVConnectionTimeOut", "30"),
    ("TxCtrlr[2].EVConnectionTimeOut", "60"),
    ("TokenReader(Front).Enabled", "true"),
    ("TokenReader(Back).Enabled", "false"),
    ("OCPPCommCtrlr.HeartbeatInterval", "300"),
    ("DeviceDataCtrlr.ItemsPerMessage.GetVariables", "4"),
    ("DeviceDataCtrlr.ItemsPerMessage.SetVariables", "4"),
];

/// OCPP 2.0.1 B07/B08 (GetBaseReport, NotifyReport) and B06 (GetVariables): a variable
/// is known by its component, the component's instance and EVSE/connector, and its own
/// name and instance. A user reading the snapshot sees EVSE 1's and EVSE 2's
/// AvailabilityState apart, never one overwriting the other; unscoped keys read as ever.
#[tokio::test]
async fn the_snapshot_keeps_every_evse_connector_and_instance_apart() {
    if !python_ready() {
        return;
    }
    let s = Station::start("VAR-SNAP", "2.0.1", &["--items", "4"]).await;
    s.full_sync().await;
    let mut snapshot = s.snapshot().await;
    snapshot.sort();
    let mut expected: Vec<(String, String)> = MODEL
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(snapshot, expected, "every reported variable is its own key");

    // One key reads back alone, by its name in the path (brackets percent-encoded or
    // not) and by `filter[name]`.
    for path in [
        format!(
            "{}/{}",
            s.configurations(),
            segment("EVSE[2].AvailabilityState")
        ),
        format!("{}/EVSE[2].AvailabilityState", s.configurations()),
    ] {
        let r = s.api.get(&path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text);
        assert_eq!(
            r.body["data"]["key"],
            json!({"name": "EVSE[2].AvailabilityState", "value": "Unavailable"})
        );
        assert_eq!(r.body["data"]["readonly"], true);
    }
    let r = s
        .api
        .get(&format!(
            "{}?filter[name]=TokenReader(Back).Enabled",
            s.configurations()
        ))
        .await;
    assert_eq!(
        r.body["data"].as_array().map(Vec::len),
        Some(1),
        "{}",
        r.text
    );
    assert_eq!(r.body["data"][0]["key"]["value"], "false");
    // The reference's filters pick variables by their identity.
    let names = |r: &common::reference::Reply| -> Vec<String> {
        let mut n: Vec<String> = r.body["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["key"]["name"].as_str().map(str::to_owned))
            .collect();
        n.sort();
        n
    };
    let r = s
        .api
        .get(&format!("{}?filter[evseId]=2", s.configurations()))
        .await;
    assert_eq!(
        names(&r),
        vec![
            "Connector[2.2].AvailabilityState",
            "EVSE[2].AvailabilityState",
            "TxCtrlr[2].EVConnectionTimeOut"
        ]
    );
    let r = s
        .api
        .get(&format!(
            "{}?filter[componentName]=TokenReader&filter[instance]=Front",
            s.configurations()
        ))
        .await;
    assert_eq!(names(&r), vec!["TokenReader(Front).Enabled"]);
    let r = s
        .api
        .get(&format!("{}?filter[evseId]=two", s.configurations()))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);

    // A sync of given scoped keys asks the station for exactly those variables.
    let r = s
        .api
        .post(
            &s.action("v1.0", "sync-configuration"),
            json!({"keys": ["Connector[2.2].AvailabilityState", "TokenReader(Front).Enabled"]}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        s.value("Connector[2.2].AvailabilityState").await.as_deref(),
        Some("Unavailable")
    );
    // A key that is no 2.0.1 variable identity is a 422 naming the field.
    let r = s
        .api
        .post(
            &s.action("v1.0", "sync-configuration"),
            json!({"keys": ["EVSE[two].AvailabilityState"]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["errors"]["keys"].is_array(), "{}", r.text);
}

/// OCPP 2.0.1 B05 (SetVariables): set-configuration with `evseId` / `instance` and a
/// PATCH of a scoped key change that one variable on the station, no other. A user who
/// sets EVSE 2's timeout sees EVSE 2's change and EVSE 1's unchanged, on the station
/// and in the snapshot.
#[tokio::test]
async fn set_configuration_and_patch_change_the_scoped_variable_only() {
    if !python_ready() {
        return;
    }
    let s = Station::start("VAR-SET", "2.0.1", &["--items", "4"]).await;
    s.full_sync().await;
    let r = s
        .api
        .post(
            &s.action("v2.0", "set-configuration"),
            json!({"componentName": "TxCtrlr", "evseId": 2, "name": "EVConnectionTimeOut", "value": "90"}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let r = s
        .api
        .post(
            &s.action("v2.0", "set-configuration"),
            json!({"componentName": "TokenReader", "instance": "Back", "name": "Enabled", "value": "true"}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        s.value("TxCtrlr[2].EVConnectionTimeOut").await.as_deref(),
        Some("90")
    );
    assert_eq!(
        s.value("TxCtrlr[1].EVConnectionTimeOut").await.as_deref(),
        Some("30")
    );

    let r = s
        .api
        .patch(
            &format!(
                "{}/{}",
                s.configurations(),
                segment("TxCtrlr[1].EVConnectionTimeOut")
            ),
            json!({"value": "45"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.body["data"]["key"],
        json!({"name": "TxCtrlr[1].EVConnectionTimeOut", "value": "45"})
    );
    // A read-only scoped key is refused without a call.
    let r = s
        .api
        .patch(
            &format!(
                "{}/{}",
                s.configurations(),
                segment("EVSE[1].AvailabilityState")
            ),
            json!({"value": "Unavailable"}),
        )
        .await;
    assert_eq!(r.status, 406, "{}", r.text);

    // What the station now holds, read back from it: each change reached its variable.
    let r = s
        .api
        .post(
            &s.action("v1.0", "sync-configuration"),
            json!({"keys": [
                "TxCtrlr[1].EVConnectionTimeOut", "TxCtrlr[2].EVConnectionTimeOut",
                "TokenReader(Front).Enabled", "TokenReader(Back).Enabled",
            ]}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    for (key, value) in [
        ("TxCtrlr[1].EVConnectionTimeOut", "45"),
        ("TxCtrlr[2].EVConnectionTimeOut", "90"),
        ("TokenReader(Front).Enabled", "true"),
        ("TokenReader(Back).Enabled", "true"),
    ] {
        assert_eq!(s.value(key).await.as_deref(), Some(value), "{key}");
    }
    assert_eq!(s.snapshot().await.len(), MODEL.len(), "no key was added");
}

/// OCPP 2.0.1 B06.FR.05: no GetVariablesRequest carries more entries than the
/// station's `DeviceDataCtrlr.ItemsPerMessage[GetVariables]`. A user syncing five keys
/// from a station that takes four gets all five (in two requests), not a 502.
#[tokio::test]
async fn get_variables_are_split_by_items_per_message() {
    if !python_ready() {
        return;
    }
    let s = Station::start("VAR-ITEMS", "2.0.1", &["--items", "4"]).await;
    let keys = json!({"keys": [
        "EVSE[1].AvailabilityState", "EVSE[2].AvailabilityState",
        "TxCtrlr[1].EVConnectionTimeOut", "TxCtrlr[2].EVConnectionTimeOut",
        "OCPPCommCtrlr.HeartbeatInterval",
    ]});
    // Before the station's limit is known, the request goes whole (and the station
    // refuses it).
    let r = s
        .api
        .post(&s.action("v1.0", "sync-configuration"), keys.clone())
        .await;
    assert_eq!(r.status, 502, "{}", r.text);
    assert_eq!(
        s.calls("GetVariables"),
        vec![(5, s.calls("GetVariables")[0].1)]
    );

    s.full_sync().await;
    let r = s
        .api
        .post(&s.action("v1.0", "sync-configuration"), keys)
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let entries: Vec<usize> = s.calls("GetVariables").iter().map(|c| c.0).collect();
    assert_eq!(entries, vec![5, 4, 1], "split to ItemsPerMessage");
    assert_eq!(
        s.value("TxCtrlr[2].EVConnectionTimeOut").await.as_deref(),
        Some("60")
    );
    assert_eq!(
        s.value("OCPPCommCtrlr.HeartbeatInterval").await.as_deref(),
        Some("300"),
        "the answers of both requests are in the snapshot"
    );
}

/// OCPP 2.0.1 B06.FR.05 (BytesPerMessage): no GetVariables frame is larger than the
/// station's `DeviceDataCtrlr.BytesPerMessage[GetVariables]`. A user syncing many keys
/// from a station with small frames gets them all.
#[tokio::test]
async fn get_variables_are_split_by_bytes_per_message() {
    if !python_ready() {
        return;
    }
    const LIMIT: usize = 400;
    let limit = LIMIT.to_string();
    let s = Station::start("VAR-BYTES", "2.0.1", &["--items", "50", "--bytes", &limit]).await;
    s.full_sync().await;
    let keys: Vec<&str> = MODEL.iter().map(|(k, _)| *k).collect();
    let r = s
        .api
        .post(
            &s.action("v1.0", "sync-configuration"),
            json!({"keys": keys}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let calls = s.calls("GetVariables");
    assert!(calls.len() > 1, "split: {calls:?}");
    assert_eq!(calls.iter().map(|c| c.0).sum::<usize>(), MODEL.len());
    assert!(
        calls.iter().all(|c| c.1 <= LIMIT),
        "every frame within {LIMIT} bytes: {calls:?}"
    );
    assert!(!s.printed("CALL GetVariables over BytesPerMessage"));
}

/// OCPP 1.6 §9.1 (GetConfigurationMaxKeys): a GetConfiguration.req carries no more
/// keys than the charger's GetConfigurationMaxKeys. A user syncing three keys from a
/// charger that takes two gets all three.
#[tokio::test]
async fn get_configuration_is_split_by_max_keys() {
    if !python_ready() {
        return;
    }
    let s = Station::start("VAR-16", "1.6", &["--max-keys", "2"]).await;
    let r = s
        .api
        .post(&s.action("v1.0", "sync-configuration"), json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(
        s.value("GetConfigurationMaxKeys").await.as_deref(),
        Some("2")
    );
    let r = s
        .api
        .post(
            &s.action("v1.0", "sync-configuration"),
            json!({"keys": ["HeartbeatInterval", "MeterValueSampleInterval", "NoSuchKey"]}),
        )
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let entries: Vec<usize> = s.calls("GetConfiguration").iter().map(|c| c.0).collect();
    assert_eq!(
        entries,
        vec![0, 2, 1],
        "the full sync, then split to two keys"
    );
    assert_eq!(
        s.value("MeterValueSampleInterval").await.as_deref(),
        Some("60")
    );
    assert_eq!(s.value("HeartbeatInterval").await.as_deref(), Some("300"));
}

/// OCPP 2.0.1 F05 (UnlockConnector): the request names the EVSE and the connector the
/// station reported for it (StatusNotification evseId 2, connectorId 2). A user
/// unlocking EVSE 2 gets it unlocked, not UnknownConnector.
#[tokio::test]
async fn unlock_names_the_connector_the_station_reported() {
    if !python_ready() {
        return;
    }
    let s = Station::start("VAR-UNLOCK", "2.0.1", &[]).await;
    let identity = "VAR-UNLOCK";
    eventually("both EVSEs reported", || async {
        s.tg.store
            .evse_status(identity, 2)
            .await
            .ok()
            .flatten()
            .is_some()
    })
    .await;
    for evse in [2, 1] {
        let r = s
            .api
            .post(&s.action("v1.0", &format!("unlock/{evse}")), json!({}))
            .await;
        assert_eq!(r.status, 202, "unlock/{evse}: {}", r.text);
        assert_eq!(r.body, json!({"success": true}));
        assert!(s.printed(&format!("UNLOCK evse={evse} connector={evse} known=True")));
    }
    // An EVSE the station never reported: the connector it most likely has.
    let r = s.api.post(&s.action("v1.0", "unlock/3"), json!({})).await;
    assert_eq!(r.status, 406, "{}", r.text);
    assert!(s.printed("UNLOCK evse=3 connector=1 known=False"));
}

/// OCPP 2.0.1 B06.FR.05, the negative paths of a split GetVariables (raw frames as the
/// station): a part answered with a CALLERROR or not answered at all is the action's
/// outcome (502 / 504) and nothing of the partial answer lands in the snapshot; each
/// part is schema-valid and carries at most ItemsPerMessage entries. A user gets the
/// failure the station caused, never a snapshot with holes.
#[tokio::test]
async fn a_split_get_variables_fails_as_its_failing_part() {
    use actions_common::{rig, Answer};
    use ocpp_gateway::ocpp::OcppVersion;

    let mut r = rig(OcppVersion::V201, "VAR-RAW").await;
    let sync = r.path("v1.0", "sync-configuration");
    let result = |names: &[(&str, &str)]| {
        let results: Vec<_> = names
            .iter()
            .map(|(component, variable)| {
                json!({"attributeStatus": "Accepted", "attributeValue": "2",
                       "component": {"name": component}, "variable": {"name": variable, "instance": "GetVariables"}})
            })
            .collect();
        json!({"getVariableResult": results})
    };
    // The station's limit, learned from a sync of that one key.
    let (_, learned) = r
        .exchange(
            &sync,
            json!({"keys": ["DeviceDataCtrlr.ItemsPerMessage.GetVariables"]}),
            "GetVariables",
            Answer::Result(result(&[("DeviceDataCtrlr", "ItemsPerMessage")])),
        )
        .await;
    assert_eq!(learned.status, 202, "{}", learned.text);

    let keys = json!({"keys": ["A.X.GetVariables", "B.X.GetVariables", "C.X.GetVariables"]});
    for (second, status) in [
        (Answer::Error("InternalError", "the station broke"), 502),
        (Answer::Silence, 504),
    ] {
        let api = r.api.clone();
        let (path, body) = (sync.clone(), keys.clone());
        let http = tokio::spawn(async move { api.post(&path, body).await });
        let first = r
            .expect_call(
                "GetVariables",
                Answer::Result(result(&[("A", "X"), ("B", "X")])),
            )
            .await;
        assert_eq!(first["getVariableData"].as_array().map(Vec::len), Some(2));
        let rest = r.expect_call("GetVariables", second).await;
        assert_eq!(rest["getVariableData"].as_array().map(Vec::len), Some(1));
        assert_eq!(rest["getVariableData"][0]["component"]["name"], "C");
        let reply = tokio::time::timeout(WAIT, http)
            .await
            .expect("in time")
            .expect("join");
        assert_eq!(reply.status, status, "{}", reply.text);
    }
    let stored = r
        .api
        .get(&format!(
            "/public-api/resources/charge-points/v2.0/{}/configurations",
            r.cp
        ))
        .await;
    let names: Vec<&str> = stored.body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["key"]["name"].as_str())
        .collect();
    assert_eq!(names, vec!["DeviceDataCtrlr.ItemsPerMessage.GetVariables"]);
}

/// OCPP 2.0.1 B05 (SetVariables) with B06.FR.05's limits: several variables in one
/// `set-configurations` (`variables`) go as SetVariables split to the station's
/// `ItemsPerMessage[SetVariables]`; each comes back with the station's own status for
/// it (B05.FR.xx: Accepted, Rejected for a read-only one, UnknownVariable), and only
/// the accepted ones change the snapshot.
#[tokio::test]
async fn several_variables_are_set_in_one_request_each_with_its_status() {
    if !python_ready() {
        return;
    }
    let s = Station::start("VAR-MANY", "2.0.1", &["--items", "2"]).await;
    s.full_sync().await;
    let r = s
        .api
        .post(
            &s.action("v2.0", "set-configurations"),
            json!({"variables": [
                {"componentName": "TxCtrlr", "evseId": 1, "name": "EVConnectionTimeOut", "value": "45"},
                {"componentName": "TxCtrlr", "evseId": 2, "name": "EVConnectionTimeOut", "value": "95"},
                {"componentName": "OCPPCommCtrlr", "name": "HeartbeatInterval", "value": "600"},
                {"componentName": "EVSE", "evseId": 1, "name": "AvailabilityState", "value": "Faulted"},
                {"componentName": "TxCtrlr", "name": "NoSuchThing", "value": "1"},
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let statuses: Vec<(String, String)> = r.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|x| {
            (
                x["key"].as_str().unwrap_or_default().to_owned(),
                x["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("TxCtrlr[1].EVConnectionTimeOut", "Accepted"),
        ("TxCtrlr[2].EVConnectionTimeOut", "Accepted"),
        ("OCPPCommCtrlr.HeartbeatInterval", "Accepted"),
        ("EVSE[1].AvailabilityState", "Rejected"),
        ("TxCtrlr.NoSuchThing", "UnknownVariable"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(statuses, expected);
    let entries: Vec<usize> = s.calls("SetVariables").iter().map(|c| c.0).collect();
    assert_eq!(entries, vec![2, 2, 1], "split to ItemsPerMessage");
    assert_eq!(
        s.value("TxCtrlr[2].EVConnectionTimeOut").await.as_deref(),
        Some("95")
    );
    assert_eq!(
        s.value("OCPPCommCtrlr.HeartbeatInterval").await.as_deref(),
        Some("600")
    );
    assert_eq!(
        s.value("EVSE[1].AvailabilityState").await.as_deref(),
        Some("Available"),
        "a refused variable keeps its value"
    );

    // Bad bodies: nothing sent.
    for (body, field) in [
        (json!({"variables": []}), "variables"),
        (
            json!({"name": "X", "value": "1", "variables": [{"name": "Y", "value": "2"}]}),
            "name",
        ),
        (
            json!({"variables": [{"name": "", "value": "2"}]}),
            "variables[0].name",
        ),
        (json!({"variables": [{"name": "Y"}]}), "field `value`"),
        (
            json!({"variables": [{"componentName": "SecurityCtrlr", "name": "BasicAuthPassword", "value": "0123456789abcdef"}]}),
            "variables[0].name",
        ),
    ] {
        let r = s
            .api
            .post(&s.action("v2.0", "set-configurations"), body.clone())
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.text.contains(field), "{body}: {}", r.text);
    }
    assert_eq!(s.calls("SetVariables").len(), 3);
}
