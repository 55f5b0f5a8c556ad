//! The WebSocket handshake: subprotocols, identities, credentials.

use crate::common;

use common::*;
use ocpp_gateway::config::MissingSubprotocol;

#[tokio::test]
async fn subprotocol_negotiation_follows_the_chargers_preference() {
    let tg = start(settings()).await;
    let c = connect(&tg.url("SP1"), &["ocpp0.1", "ocpp1.6"], None)
        .await
        .expect("ok");
    assert_eq!(c.protocol.as_deref(), Some("ocpp1.6"));
    let c = connect(&tg.url("SP2"), &[" ocpp2.0.1 ", " ocpp1.6"], None)
        .await
        .expect("ok");
    assert_eq!(c.protocol.as_deref(), Some("ocpp2.0.1"));
    let r = connect(&tg.url("SP3"), &["ocpp0.1", "ocpp2.1"], None)
        .await
        .err()
        .expect("refused");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("subprotocol"), "{}", r.body);
}

#[tokio::test]
async fn no_subprotocol_is_assumed_1_6_by_default_and_spoken_as_1_6() {
    let tg = start(settings()).await;
    let mut c = connect(&tg.url("NOSP"), &[], None).await.expect("accepted");
    assert_eq!(c.protocol, None, "nothing offered, nothing echoed");
    // It is spoken to as 1.6: a 1.6 BootNotification is answered.
    let answer = c
        .call(
            "BootNotification",
            serde_json::json!({"chargePointVendor": "V", "chargePointModel": "M"}),
        )
        .await;
    assert_eq!(answer["status"], "Accepted");
}

#[tokio::test]
async fn no_subprotocol_is_refused_when_configured() {
    let mut s = settings();
    s.ocpp.missing_subprotocol = MissingSubprotocol::Reject;
    let tg = start(s).await;
    let r = connect(&tg.url("NOSP"), &[], None)
        .await
        .err()
        .expect("refused");
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn identities_are_percent_decoded_and_validated() {
    let tg = start(settings()).await;
    let _c = connect(&tg.url("RDAM%7C123"), &["ocpp1.6"], None)
        .await
        .expect("ok");
    eventually("RDAM|123 connected under its decoded identity", || async {
        tg.gw.charger("RDAM|123").is_some()
    })
    .await;
    for bad in ["a%3Ab", "a%2Fb", "x%0A", &"x".repeat(49)] {
        let r = connect(&tg.url(bad), &["ocpp1.6"], None)
            .await
            .err()
            .expect("refused");
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
    // A bare /{identity} works too.
    let bare = format!("ws://{}/BARE-1", tg.gw.ocpp_addr());
    connect(&bare, &["ocpp1.6"], None)
        .await
        .expect("bare path accepted");
}

#[tokio::test]
async fn credentials_plain_or_hex_wrong_password_and_unknown_charger() {
    let mut s = settings();
    s.ocpp.auto_register = false;
    s.ocpp.allow_unauthenticated = false;
    s.chargers
        .push(seed("CP-AUTH", Some("correct-horse-battery")));
    let tg = start(s).await;
    let url = tg.url("CP-AUTH");

    connect(
        &url,
        &["ocpp1.6"],
        Some(("CP-AUTH", "correct-horse-battery")),
    )
    .await
    .expect("plain password");
    let hex = hex::encode("correct-horse-battery");
    connect(&url, &["ocpp1.6"], Some(("CP-AUTH", &hex)))
        .await
        .expect("hex password");

    let r = connect(&url, &["ocpp1.6"], Some(("CP-AUTH", "wrong")))
        .await
        .err()
        .expect("refused");
    assert_eq!(r.status, 401);
    let r = connect(&url, &["ocpp1.6"], None)
        .await
        .err()
        .expect("refused");
    assert_eq!(r.status, 401, "no credentials");
    let r = connect(&url, &["ocpp1.6"], Some(("OTHER", "correct-horse-battery")))
        .await
        .err()
        .expect("refused");
    assert_eq!(r.status, 401, "user must be the identity");
    let r = connect(&tg.url("NOBODY"), &["ocpp1.6"], Some(("NOBODY", "x")))
        .await
        .err()
        .expect("refused");
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn unknown_chargers_are_auto_registered_only_when_enabled() {
    let mut s = settings();
    s.ocpp.auto_register = true;
    let tg = start(s).await;
    connect(&tg.url("NEW-1"), &["ocpp2.0.1"], None)
        .await
        .expect("auto-registered");
    assert!(tg.store.charger("NEW-1").await.expect("store").is_some());
}
