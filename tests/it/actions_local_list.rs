//! Local authorization lists sent by hand (`send-local-list`, `clear-local-list`) to
//! the Python `ocpp` charger of `tests/python/local_list_charger.py`, which checks each
//! CALL against the official schema and applies the update to the list it keeps. OCPP
//! 1.6 §5.15 / 2.0.1 D01: a Full update replaces the list, a Differential one adds,
//! changes (an entry with its info) or removes (an entry without) tags; the version goes
//! along. With the gateway's own sync on, a charger whose list it keeps is refused.

use crate::common;
use crate::local_list_common;

use common::reference::Api;
use common::*;
use local_list_common::*;
use ocpp_gateway::ocpp::OcppVersion;
use serde_json::{json, Value};

/// A gateway with the sync off (every list is the operator's own).
async fn hand_rig() -> Rig {
    let mut s = settings();
    s.local_list.enabled = false;
    s.ocpp.call_timeout = std::time::Duration::from_secs(5);
    let tg = start(s).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    Rig { tg, api }
}

/// What the charger's state file holds: its version and its entries by tag.
fn kept(rig: &Rig, identity: &str) -> (i64, Value) {
    let text = std::fs::read_to_string(state_file(rig, identity)).unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    (v["version"].as_i64().unwrap_or(-1), v["entries"].clone())
}

async fn lists_sent_by_hand(version: OcppVersion, identity: &str) {
    if !python_ready() {
        return;
    }
    let rig = hand_rig().await;
    let py = Py::start(
        &rig,
        version,
        identity,
        &["--answers", "Accepted,Accepted,Failed"],
    )
    .await;
    let cp = cp_id(&rig, identity).await;
    let at = |tail: &str| format!("{ACTIONS}/{cp}/{tail}");
    let v16 = version == OcppVersion::V16;

    // A full list without a version: the charger's version (0) plus one (D01.FR.18:
    // above 0), after asking it with GetLocalListVersion.
    let r = rig
        .api
        .post(
            &at("send-local-list"),
            json!({"updateType": "Full", "entries": [
                {"idTag": "HAND-A", "status": "Accepted", "expiryDate": "2030-01-01T00:00:00Z"},
                {"idTag": "HAND-B", "status": "Blocked", "parentIdTag": "GROUP-1"},
            ]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body, json!({"listVersion": 1, "updateType": "Full"}));
    let lists = py.wait_lists(1).await;
    let actions: Vec<String> = py.calls().into_iter().map(|(a, _)| a).collect();
    let asked = actions.iter().position(|a| a == "GetLocalListVersion");
    let sent = actions.iter().position(|a| a == "SendLocalList");
    assert!(asked < sent && asked.is_some(), "{actions:?}");
    assert_eq!(list_version(&lists[0]), 1);
    assert_eq!(lists[0]["updateType"], "Full");
    let e = entries(&lists[0]);
    assert_eq!(
        e["HAND-A"],
        Some(("Accepted".into(), Some("2030-01-01T00:00:00.000Z".into())))
    );
    assert_eq!(e["HAND-B"], Some(("Blocked".into(), None)));
    let b = &lists[0]["localAuthorizationList"][1];
    if v16 {
        assert_eq!(b["idTagInfo"]["parentIdTag"], "GROUP-1");
    } else {
        assert_eq!(b["idToken"]["type"], "ISO14443");
        assert_eq!(b["idTokenInfo"]["groupIdToken"]["idToken"], "GROUP-1");
    }
    eventually("the charger applied the full list", || async {
        kept(&rig, identity).0 == 1
    })
    .await;

    // A differential update with an explicit version: one tag removed (no status).
    let r = rig
        .api
        .post(
            &at("send-local-list"),
            json!({"updateType": "Differential", "listVersion": 7, "entries": [{"idTag": "HAND-B"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let lists = py.wait_lists(2).await;
    assert_eq!(list_version(&lists[1]), 7);
    assert_eq!(entries(&lists[1])["HAND-B"], None);
    eventually("the charger removed the tag", || async {
        let (v, e) = kept(&rig, identity);
        v == 7 && e.get("HAND-A").is_some() && e.get("HAND-B").is_none()
    })
    .await;
    let r = rig.api.post(&at("get-local-list-version"), json!({})).await;
    assert_eq!(r.body["listVersion"], 7, "{}", r.text);

    // The charger refuses the third update: 406 with its status, its list unchanged.
    let r = rig.api.post(&at("clear-local-list"), json!({})).await;
    assert_eq!(r.status, 406, "{}", r.text);
    assert!(r.text.contains("Failed"), "{}", r.text);
    let lists = py.wait_lists(3).await;
    assert_eq!(lists[2]["updateType"], "Full");
    assert!(
        lists[2].get("localAuthorizationList").is_none(),
        "{}",
        lists[2]
    );
    assert_eq!(kept(&rig, identity).0, 7);
    // Then it accepts: the list is empty.
    let r = rig.api.post(&at("clear-local-list"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["listVersion"], 8);
    eventually("the charger cleared its list", || async {
        let (v, e) = kept(&rig, identity);
        v == 8 && e.as_object().is_some_and(|o| o.is_empty())
    })
    .await;

    // Bad bodies: 422 naming the field, and nothing sent.
    let before = py.lists().len();
    let bad = [
        (
            json!({"updateType": "Differential", "entries": []}),
            "entries",
        ),
        (
            json!({"updateType": "Full", "entries": [{"idTag": "X"}]}),
            "entries[0].status",
        ),
        (
            json!({"updateType": "Full", "listVersion": 0, "entries": []}),
            "listVersion",
        ),
        (json!({"updateType": "Sometimes"}), "updateType"),
        (
            json!({"updateType": "Full", "entries": [{"idTag": "X", "status": "Accepted", "idTokenType": "Barcode"}]}),
            "entries[0].idTokenType",
        ),
    ];
    for (body, field) in bad {
        let r = rig.api.post(&at("send-local-list"), body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.text.contains(field), "{body}: {}", r.text);
    }
    // A status of the other version, a 2.0.1 token type on 1.6: 422 from the encoder.
    let other = if v16 {
        json!({"updateType": "Full", "listVersion": 9, "entries": [{"idTag": "X", "status": "NoCredit"}]})
    } else {
        json!({"updateType": "Full", "listVersion": 9, "entries": [{"idTag": "X", "status": "Suspended"}]})
    };
    let r = rig.api.post(&at("send-local-list"), other).await;
    assert_eq!(r.status, 422, "{}", r.text);
    if v16 {
        let r = rig
            .api
            .post(
                &at("send-local-list"),
                json!({"updateType": "Full", "listVersion": 9, "entries": [
                    {"idTag": "X", "status": "Accepted", "idTokenType": "ISO15693"}]}),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text);
    }
    barrier(&rig, &py, identity).await;
    assert_eq!(
        py.lists().len(),
        before,
        "a refused body reached the charger"
    );

    // Offline: 409, nothing queued.
    py.stop().await;
    eventually("the charger is offline", || async {
        rig.tg.gw.charger(identity).is_none()
    })
    .await;
    let r = rig.api.post(&at("clear-local-list"), json!({})).await;
    assert_eq!(r.status, 409, "{}", r.text);
}

#[tokio::test]
async fn v16_lists_sent_by_hand() {
    lists_sent_by_hand(OcppVersion::V16, "HAND16").await;
}

#[tokio::test]
async fn v201_lists_sent_by_hand() {
    lists_sent_by_hand(OcppVersion::V201, "HAND201").await;
}

/// With the sync on, a charger whose list the gateway keeps is refused (409) rather
/// than given a list the next sync would contradict; nothing reaches it.
#[tokio::test]
async fn a_list_the_gateway_keeps_is_not_sent_by_hand() {
    if !python_ready() {
        return;
    }
    let rig = rig().await;
    rig.tag("KEPT-1", "enabled").await;
    let py = Py::start(&rig, OcppVersion::V201, "KEPT201", &[]).await;
    py.wait_lists(1).await;
    eventually("the list is kept", || async {
        rig.stored("KEPT201")
            .await
            .is_some_and(|(support, _)| support == "supported")
    })
    .await;
    let cp = cp_id(&rig, "KEPT201").await;
    for (tail, body) in [
        (
            "send-local-list",
            json!({"updateType": "Full", "entries": []}),
        ),
        ("clear-local-list", json!({})),
    ] {
        let r = rig.api.post(&format!("{ACTIONS}/{cp}/{tail}"), body).await;
        assert_eq!(r.status, 409, "{}", r.text);
        assert!(r.text.contains("local_list.enabled"), "{}", r.text);
    }
    barrier(&rig, &py, "KEPT201").await;
    assert_eq!(
        py.lists().len(),
        1,
        "a list sent by hand reached the charger"
    );
    py.stop().await;
}
