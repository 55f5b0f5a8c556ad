//! Display messages through the API, with the Python `ocpp` station of
//! `tests/python/setters_charger.py` answering: `set-display-message` and
//! `clear-display-message/{id}` (OCPP 2.0.1 O01, O05), the gateway's list of what it set
//! with the charger's answers, and the refusals: rejected (406), CALLERROR (502), bad
//! body (422), offline (409), 1.6 (501).

use serde_json::{json, Value};

use crate::setters_common::{ready, Station};
use ocpp_gateway::ocpp::OcppVersion;

fn list_path(s: &Station) -> String {
    format!(
        "/public-api/resources/charge-points/v2.0/{}/display-messages",
        s.cp
    )
}

async fn listed(s: &Station) -> Vec<Value> {
    let r = s.api.get(&list_path(s)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["data"].as_array().cloned().unwrap_or_default()
}

/// O01.FR.01/02: SetDisplayMessage carries the MessageInfo the body gave (priority,
/// state, window, transaction, content, format, language, display); the gateway
/// allocates the id when the body has none, and a second message gets another.
/// O05.FR.01: ClearDisplayMessage names the id; the list shows the message cleared.
#[tokio::test]
async fn display_messages_are_set_listed_and_cleared() {
    if !ready() {
        return;
    }
    let mut s = Station::start("DISP1", OcppVersion::V201).await;
    let body = json!({
        "priority": "InFront",
        "state": "Charging",
        "startDateTime": "2030-01-01T10:00:00Z",
        "endDateTime": "2030-01-01T12:00:00Z",
        "transactionId": "TX-7",
        "message": {"content": "Welcome", "format": "UTF8", "language": "en"},
        "display": {"name": "DisplayMessageCtrlr", "instance": "Front", "evseId": 1},
    });
    let r = s.post("set-display-message", body).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let first = r.body["data"]["messageId"]
        .as_i64()
        .expect("an allocated id");
    assert_eq!(r.body["data"]["status"], "Accepted");
    let sent = s.last_call("SetDisplayMessage");
    assert_eq!(sent["message"]["id"], first);
    assert_eq!(sent["message"]["priority"], "InFront");
    assert_eq!(sent["message"]["state"], "Charging");
    assert_eq!(sent["message"]["startDateTime"], "2030-01-01T10:00:00.000Z");
    assert_eq!(sent["message"]["endDateTime"], "2030-01-01T12:00:00.000Z");
    assert_eq!(sent["message"]["transactionId"], "TX-7");
    assert_eq!(
        sent["message"]["message"],
        json!({"content": "Welcome", "format": "UTF8", "language": "en"})
    );
    assert_eq!(
        sent["message"]["display"],
        json!({"name": "DisplayMessageCtrlr", "instance": "Front", "evse": {"id": 1}})
    );

    // A second message without an id gets the next one; one with an id keeps it.
    let plain = json!({"priority": "NormalCycle", "message": {"content": "Hi", "format": "ASCII"}});
    let r = s.post("set-display-message", plain.clone()).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let second = r.body["data"]["messageId"].as_i64().expect("an id");
    assert!(second > first, "{second} after {first}");
    let mut given = plain.clone();
    given["id"] = json!(40);
    let r = s.post("set-display-message", given).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(s.last_call("SetDisplayMessage")["message"]["id"], 40);

    let rows = listed(&s).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|m| m["status"] == "Accepted"));
    assert_eq!(rows[0]["message"]["content"], "Welcome");
    assert_eq!(rows[0]["transactionId"], "TX-7");

    // O05: cleared by id.
    let r = s
        .post(&format!("clear-display-message/{first}"), json!({}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(s.last_call("ClearDisplayMessage"), json!({"id": first}));
    let rows = listed(&s).await;
    let cleared = rows.iter().find(|m| m["messageId"] == first).expect("row");
    assert_eq!(cleared["status"], "Cleared");

    // Replacing message 40 (O01.FR.xx: same id replaces): the older row is Replaced.
    let mut again = plain;
    again["id"] = json!(40);
    again["message"]["content"] = json!("Bye");
    let r = s.post("set-display-message", again).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let r = s
        .api
        .get(&format!("{}?filter[status]=Replaced", list_path(&s)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"][0]["messageId"], 40);
    assert_eq!(r.body["data"][0]["message"]["content"], "Hi");

    s.tell("next ClearDisplayMessage Unknown").await;
    let r = s.post("clear-display-message/999", json!({})).await;
    assert_eq!(r.status, 406, "{}", r.text);
    assert!(r.text.contains("Unknown"), "{}", r.text);
}

/// O01.FR.xx: a message the station refuses (its status, e.g.
/// NotSupportedMessageFormat) is a 406 naming it, and the list keeps the refusal; a
/// CALLERROR is a 502 and leaves no row; a bad body is a 422 and sends nothing.
#[tokio::test]
async fn display_message_refusals() {
    if !ready() {
        return;
    }
    let mut s = Station::start("DISP2", OcppVersion::V201).await;
    let body =
        json!({"priority": "AlwaysFront", "message": {"content": "<b>x</b>", "format": "HTML"}});

    s.tell("next SetDisplayMessage NotSupportedMessageFormat")
        .await;
    let r = s.post("set-display-message", body.clone()).await;
    assert_eq!(r.status, 406, "{}", r.text);
    assert!(r.text.contains("NotSupportedMessageFormat"), "{}", r.text);
    let rows = listed(&s).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "NotSupportedMessageFormat");

    s.tell("next SetDisplayMessage error").await;
    let r = s.post("set-display-message", body.clone()).await;
    assert_eq!(r.status, 502, "{}", r.text);
    assert!(r.text.contains("InternalError"), "{}", r.text);
    assert_eq!(listed(&s).await.len(), 1, "a CALLERROR leaves no row");

    let sent = s.calls("SetDisplayMessage").len();
    for (bad, field) in [
        (
            json!({"priority": "Sometimes", "message": {"content": "x", "format": "UTF8"}}),
            "priority",
        ),
        (
            json!({"priority": "InFront", "message": {"content": "x", "format": "PDF"}}),
            "message.format",
        ),
        (json!({"priority": "InFront"}), "message"),
        (
            json!({"priority": "InFront", "message": {"content": "x".repeat(513), "format": "UTF8"}}),
            "message.content",
        ),
        (
            json!({"priority": "InFront", "message": {"content": "x", "format": "UTF8"},
                "startDateTime": "2030-01-02T00:00:00Z", "endDateTime": "2030-01-01T00:00:00Z"}),
            "endDateTime",
        ),
        (
            json!({"priority": "InFront", "message": {"content": "x", "format": "UTF8"}, "sessionId": 999}),
            "session",
        ),
    ] {
        let r = s.post("set-display-message", bad).await;
        if field == "session" {
            assert_eq!(r.status, 404, "{}", r.text);
        } else {
            assert_eq!(r.status, 422, "{field}: {}", r.text);
            assert!(r.body["errors"].get(field).is_some(), "{field}: {}", r.text);
        }
    }
    assert_eq!(s.calls("SetDisplayMessage").len(), sent, "nothing sent");
    assert_eq!(listed(&s).await.len(), 1, "nothing stored");

    // 409: a charge point that is not connected.
    let away = s.offline_charge_point("DISP-AWAY").await;
    let r = s
        .api
        .post(
            &format!(
                "{}/v1.0/{away}/set-display-message",
                crate::actions_common::A
            ),
            body,
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text);
}

/// 1.6 has no display messages and no DataTransfer convention for them is configured:
/// 501, saying so, and nothing is sent or stored.
#[tokio::test]
async fn display_messages_on_1_6_are_not_implemented() {
    if !ready() {
        return;
    }
    let s = Station::start("DISP16", OcppVersion::V16).await;
    let body = json!({"priority": "InFront", "message": {"content": "x", "format": "UTF8"}});
    let r = s.post("set-display-message", body).await;
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(r.text.contains("DataTransfer"), "{}", r.text);
    let r = s.post("clear-display-message/1", json!({})).await;
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(s.printed_with("CALL ").is_empty(), "nothing sent");
    assert!(listed(&s).await.is_empty());
}
