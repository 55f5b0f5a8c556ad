//! Id-tag groups with raw frames and the API alone: the id tags' `userId`, group tokens
//! answered from the user's tags, ConcurrentTx across chargers, reservations and remote
//! starts that name a user or nobody.

use crate::actions_common;
use crate::common;
use crate::id_groups_common;

use actions_common::{charge_point_id, A};
use common::reference::Api;
use common::*;
use id_groups_common::{add_tag, gateway, info, TAGS};
use serde_json::{json, Value};

/// id-tags/v2.0 `userId` (the reference's field): stored, shown, filtered; a uid that
/// is a group token, or a user id with no group token, is a 422 naming the field.
#[tokio::test]
async fn id_tags_keep_their_user() {
    let (_tg, api) = gateway().await;
    let t = add_tag(&api, "U-CARD-1", Some(12)).await;
    assert_eq!(t["userId"], 12);
    add_tag(&api, "U-CARD-2", None).await;
    let listed = api.get(&format!("{TAGS}?filter[userId]=12")).await;
    let uids: Vec<&Value> = listed.body["data"]
        .as_array()
        .map(|a| a.iter().map(|t| &t["idTagUid"]).collect())
        .unwrap_or_default();
    assert_eq!(uids, vec!["U-CARD-1"], "{}", listed.text);
    let id = t["id"].as_i64().expect("id");
    let moved = api
        .patch(&format!("{TAGS}/{id}"), json!({"userId": 13}))
        .await;
    assert_eq!(moved.body["data"]["userId"], 13, "{}", moved.text);
    let cleared = api
        .patch(&format!("{TAGS}/{id}"), json!({"userId": null}))
        .await;
    assert_eq!(
        cleared.body["data"]["userId"],
        Value::Null,
        "{}",
        cleared.text
    );
    for (body, field) in [
        (
            json!({"idTagUid": "USR5", "status": "enabled", "type": "rfid"}),
            "idTagUid",
        ),
        (json!({"idTagUid": "OK-1", "userId": 0}), "userId"),
        (json!({"idTagUid": "OK-2", "userId": -4}), "userId"),
    ] {
        let r = api.post(TAGS, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.body["errors"][field].is_array(), "{body}: {}", r.text);
    }
}

/// The reserve body's `userId` must have a group token: out of range is a 422 on
/// `userId`, before anything is sent.
#[tokio::test]
async fn a_reservation_for_no_user_is_refused() {
    let (tg, api) = gateway().await;
    let mut c = charger(&tg, "RES-NOUSER", "ocpp1.6").await;
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "v", "chargePointModel": "m"}),
    )
    .await;
    let cp = charge_point_id(&api, "RES-NOUSER").await;
    let r = api
        .post(&format!("{A}/v1.0/{cp}/reserve/1"), json!({"userId": 0}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["errors"]["userId"].is_array(), "{}", r.text);
    assert!(c.is_open_v16().await);
}

/// Every field of the reference's start body is optional: naming only a user starts
/// with that user's group token (accepted while the user has a usable tag); naming
/// nobody, with `auth.remote_start_tag` (1.6 §5.11 RemoteStartTransaction idTag,
/// 2.0.1 F01 RequestStartTransaction idToken). The operator sees 202, not a 422.
#[tokio::test]
async fn a_start_needs_no_tag() {
    use actions_common::{rig, Answer};
    use ocpp_gateway::ocpp::OcppVersion;
    for version in [OcppVersion::V16, OcppVersion::V201] {
        let identity = format!("START-{}", version.subprotocol().replace('.', ""));
        let mut r = rig(version, &identity).await;
        for (body, tag) in [(json!({"userId": 7}), "USR7"), (json!({}), "CENTRAL")] {
            let (sent, reply) = r
                .exchange(
                    &r.path("v1.0", "start/1"),
                    body.clone(),
                    if version == OcppVersion::V16 {
                        "RemoteStartTransaction"
                    } else {
                        "RequestStartTransaction"
                    },
                    Answer::Result(json!({"status": "Accepted"})),
                )
                .await;
            assert_eq!(reply.status, 202, "{body}: {}", reply.text);
            let sent_tag = if version == OcppVersion::V16 {
                &sent["idTag"]
            } else {
                &sent["idToken"]["idToken"]
            };
            assert_eq!(sent_tag, tag, "{body}: {sent}");
            let session = reply.body["sessionId"].as_i64().expect("sessionId");
            let s = r
                .api
                .get(&format!("/public-api/resources/sessions/v1.0/{session}"))
                .await;
            assert_eq!(s.body["data"]["idTag"], tag, "{}", s.text);
        }
    }
}

/// With no remote-start tag configured, a start that names nobody is a 422 on
/// `idTag`, and nothing reaches the charger.
#[tokio::test]
async fn without_a_remote_start_tag_a_start_must_name_someone() {
    let mut s = settings();
    s.auth.remote_start_tag = String::new();
    let tg = start(s).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    let mut c = charger(&tg, "START-NOTAG", "ocpp1.6").await;
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "v", "chargePointModel": "m"}),
    )
    .await;
    let cp = charge_point_id(&api, "START-NOTAG").await;
    let r = api.post(&format!("{A}/v1.0/{cp}/start/1"), json!({})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["errors"]["idTag"].is_array(), "{}", r.text);
    // The next frame the charger gets is the answer to its own Heartbeat.
    assert!(c.is_open_v16().await);
}

/// A user's group token is answered from the user's tags (1.6 §4.2 idTagInfo, 2.0.1
/// C01 idTokenInfo): Blocked when none is usable, and Invalid for a user the gateway
/// holds no tag of (`auth.unknown` = reject) — so a reservation for them is refused by a
/// charger that checks it, rather than charging for nobody.
#[tokio::test]
async fn a_group_is_only_as_good_as_its_tags() {
    let (tg, api) = gateway().await;
    let t = add_tag(&api, "G-OFF", Some(8)).await;
    let id = t["id"].as_i64().expect("id");
    let off = api
        .patch(&format!("{TAGS}/{id}"), json!({"status": "disabled"}))
        .await;
    assert_eq!(off.status, 200, "{}", off.text);
    let mut c16 = charger(&tg, "GRP-NEG16", "ocpp1.6").await;
    let mut c201 = charger(&tg, "GRP-NEG201", "ocpp2.0.1").await;
    for (token, status, group) in [
        ("USR8", "Blocked", Some("USR8")),
        ("G-OFF", "Blocked", Some("USR8")),
        ("USR9", "Invalid", None),
    ] {
        let a = c16.call("Authorize", json!({"idTag": token})).await;
        assert_eq!(
            info(&a["idTagInfo"]),
            (status.into(), group.map(Into::into)),
            "{a}"
        );
        let a = c201
            .call(
                "Authorize",
                json!({"idToken": {"idToken": token, "type": "Central"}}),
            )
            .await;
        assert_eq!(
            info(&a["idTokenInfo"]),
            (status.into(), group.map(Into::into)),
            "{a}"
        );
    }
}

/// ConcurrentTx across chargers and versions (1.6 §4.2/§4.8 idTagInfo, 2.0.1
/// idTokenInfo): a card charging at a 1.6 charger is ConcurrentTx at a 2.0.1 station,
/// and Accepted there again once its transaction has stopped.
#[tokio::test]
async fn a_tag_charging_at_one_charger_is_concurrent_at_another() {
    let (tg, api) = gateway().await;
    add_tag(&api, "ROAMER", Some(21)).await;
    let mut c16 = charger(&tg, "CTX-16", "ocpp1.6").await;
    let mut c201 = charger(&tg, "CTX-201", "ocpp2.0.1").await;
    let start = c16
        .call(
            "StartTransaction",
            json!({"connectorId": 1, "idTag": "ROAMER", "meterStart": 0,
                   "timestamp": "2026-03-01T10:00:00Z"}),
        )
        .await;
    assert_eq!(
        info(&start["idTagInfo"]),
        ("Accepted".into(), Some("USR21".into()))
    );
    let busy = roamer201(&mut c201).await;
    assert_eq!(info(&busy), ("ConcurrentTx".into(), Some("USR21".into())));
    let tx = start["transactionId"].clone();
    let stop = c16
        .call(
            "StopTransaction",
            json!({"transactionId": tx, "idTag": "ROAMER", "meterStop": 10,
                   "timestamp": "2026-03-01T11:00:00Z"}),
        )
        .await;
    assert_eq!(
        info(&stop["idTagInfo"]),
        ("Accepted".into(), Some("USR21".into()))
    );
    let free = roamer201(&mut c201).await;
    assert_eq!(info(&free), ("Accepted".into(), Some("USR21".into())));
}

async fn roamer201(c: &mut Client) -> Value {
    let frame = json!({"idToken": {"idToken": "ROAMER", "type": "ISO14443"}});
    c.call("Authorize", frame).await["idTokenInfo"].clone()
}
