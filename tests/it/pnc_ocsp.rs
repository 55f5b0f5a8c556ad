//! Plug & Charge contracts the gateway did not issue: another mobility operator's
//! contract certificate under a trusted MO root, checked with its own OCSP responder
//! (the `responderURL` of the hash data) — a real HTTP OCSP responder in the test
//! process signing real DER answers — while a Python `ocpp` 2.0.1 station sends
//! Authorize with `iso15118CertificateHashData`.

use crate::common;
use crate::pnc_ocsp_common;

use std::time::Duration;

use pnc_ocsp_common::*;
use serde_json::{json, Value};

/// OCPP 2.0.1 C07.FR.04/05 (the CSMS verifies the contract chain via real-time or
/// cached OCSP data and answers with the authorization status), C07.FR.16 (revoked →
/// CertificateRevoked, Invalid): a driver whose contract comes from another mobility
/// operator is authorized when that operator's responder says good and the EMAID is
/// accepted, refused when it is revoked, unknown, the responder cannot be reached or
/// the answer is not signed by someone the MO root vouches for; answers are reused
/// until their nextUpdate and asked again after it.
#[tokio::test]
async fn other_operators_contracts_are_checked_with_their_ocsp_responder() {
    if !python_ready() {
        return;
    }
    let World {
        mo,
        book,
        url,
        tg,
        _dirs,
    } = world().await;
    let mut station = Station::start(&tg.url("PNC-OCSP")).await;
    let hits = |serial: &Value| {
        let s = norm(serial.as_str().expect("serial"));
        book.lock()
            .expect("book")
            .hits
            .get(&s)
            .copied()
            .unwrap_or(0)
    };
    let case = |id: &str, answer: Answer, to: &str| {
        let h = mo.contract(id, to);
        let s = norm(h["serialNumber"].as_str().expect("serial"));
        book.lock().expect("book").answers.insert(s, answer);
        h
    };

    // Good, and the EMAID's id tag is enabled: accepted; the second time from the cache.
    let good = case(&emaid(1), Answer::Good, &url);
    let want = pair("Accepted", "Accepted");
    assert_eq!(station.authorize(&emaid(1), &good).await, want);
    assert_eq!(station.authorize(&emaid(1), &good).await, want);
    assert_eq!(hits(&good["serialNumber"]), 1, "reused until nextUpdate");
    // Good, but no such id tag: the certificate is fine, the EMAID decides.
    let untagged = case(&emaid(2), Answer::Good, &url);
    assert_eq!(
        station.authorize(&emaid(2), &untagged).await,
        pair("Invalid", "Accepted")
    );
    // Revoked (C07.FR.16).
    let revoked = case(&emaid(3), Answer::Revoked, &url);
    assert_eq!(
        station.authorize(&emaid(3), &revoked).await,
        pair("Invalid", "CertificateRevoked")
    );
    // Unknown to the responder, and a responder nobody answers at: not verified.
    let unknown = case(&emaid(4), Answer::Unknown, &url);
    assert_eq!(
        station.authorize(&emaid(4), &unknown).await,
        pair("Invalid", "CertChainError")
    );
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr")
    };
    let unreachable = case(&emaid(1), Answer::Good, &format!("http://{closed}/ocsp"));
    assert_eq!(
        station.authorize(&emaid(1), &unreachable).await,
        pair("Invalid", "CertChainError")
    );
    // Signed by a key the MO root does not vouch for.
    let forged = case(&emaid(5), Answer::Forged, &url);
    assert_eq!(
        station.authorize(&emaid(5), &forged).await,
        pair("Invalid", "CertChainError")
    );
    assert_eq!(hits(&forged["serialNumber"]), 1, "the responder was asked");
    // Signed by a responder the sub-CA delegated OCSP signing to.
    let delegated = case(&emaid(6), Answer::Delegated, &url);
    assert_eq!(
        station.authorize(&emaid(6), &delegated).await,
        pair("Accepted", "Accepted")
    );
    // An answer valid for two seconds is asked for again once it has run out.
    let brief = case(&emaid(7), Answer::Brief, &url);
    assert_eq!(
        station.authorize(&emaid(7), &brief).await,
        pair("Accepted", "Accepted")
    );
    let first = hits(&brief["serialNumber"]);
    assert_eq!(first, 1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        assert_eq!(
            station.authorize(&emaid(7), &brief).await,
            pair("Accepted", "Accepted")
        );
        if hits(&brief["serialNumber"]) > first {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the answer was never asked for again after its nextUpdate"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // A contract under a root the gateway does not trust is refused.
    let stranger = OtherMo::new();
    let h = stranger.contract(&emaid(1), &url);
    assert_eq!(
        station.authorize(&emaid(1), &h).await,
        pair("Invalid", "CertChainError")
    );
    drop(station.input);
    let _ = tokio::time::timeout(Duration::from_secs(10), station.child.wait()).await;
}

/// OCPP 2.0.1 C07.FR.06 (a station that cannot validate the contract passes the chain,
/// the CSMS validates it) with C07.FR.05 and C07.FR.16: another operator's contract
/// chain sent as PEM is checked up to the trusted MO root and with the responder its
/// Authority Information Access names; a driver sees Accepted for a good contract,
/// CertificateRevoked, CertificateExpired, or CertChainError for a chain presented for
/// another EMAID.
#[tokio::test]
async fn an_other_operators_contract_chain_sent_as_pem_is_checked_online() {
    if !python_ready() {
        return;
    }
    let World {
        mo,
        book,
        url,
        tg,
        _dirs,
    } = world().await;
    let mut station = Station::start(&tg.url("PNC-PEM")).await;
    let (good, serial) = mo.contract_chain(&emaid(1), &url, false);
    book.lock()
        .expect("book")
        .answers
        .insert(serial.clone(), Answer::Good);
    assert_eq!(
        station.authorize_pem(&emaid(1), &good).await,
        pair("Accepted", "Accepted")
    );
    assert_eq!(book.lock().expect("book").hits.get(&serial), Some(&1));
    // The same chain for another EMAID.
    assert_eq!(
        station.authorize_pem(&emaid(6), &good).await,
        pair("Invalid", "CertChainError")
    );
    let (revoked, serial) = mo.contract_chain(&emaid(6), &url, false);
    book.lock()
        .expect("book")
        .answers
        .insert(serial, Answer::Revoked);
    assert_eq!(
        station.authorize_pem(&emaid(6), &revoked).await,
        pair("Invalid", "CertificateRevoked")
    );
    let (expired, _) = mo.contract_chain(&emaid(7), &url, true);
    assert_eq!(
        station.authorize_pem(&emaid(7), &expired).await,
        pair("Expired", "CertificateExpired")
    );
    // Under a root the gateway does not trust.
    let stranger = OtherMo::new();
    let (foreign, _) = stranger.contract_chain(&emaid(1), &url, false);
    assert_eq!(
        station.authorize_pem(&emaid(1), &foreign).await,
        pair("Invalid", "CertChainError")
    );
    drop(station.input);
    let _ = tokio::time::timeout(Duration::from_secs(10), station.child.wait()).await;
}

/// OCPP 1.6 Plug & Charge through DataTransfer (vendorId
/// `org.openchargealliance.iso15118pnc`, messageId Authorize) with OCPP 2.0.1 C07.FR.05
/// and C07.FR.16: a 1.6 charger gets the same answers for another operator's contract
/// as a 2.0.1 one, inside the DataTransfer's data.
#[tokio::test]
async fn a_16_charger_gets_the_same_online_check_through_data_transfer() {
    let World {
        mo,
        book,
        url,
        tg,
        _dirs,
    } = world().await;
    let mut c = common::charger(&tg, "PNC-OCSP16", "ocpp1.6").await;
    let boot = c
        .call(
            "BootNotification",
            json!({"chargePointVendor": "V", "chargePointModel": "M"}),
        )
        .await;
    assert_eq!(boot["status"], "Accepted");
    let mut ask = async |id: &str, hash: &Value| {
        let inner = json!({"idToken": {"idToken": id, "type": "eMAID"},
                           "iso15118CertificateHashData": [hash]});
        let dt = json!({"vendorId": "org.openchargealliance.iso15118pnc",
                        "messageId": "Authorize", "data": inner.to_string()});
        let answer = c.call("DataTransfer", dt).await;
        assert_eq!(answer["status"], "Accepted", "{answer}");
        let data: Value =
            serde_json::from_str(answer["data"].as_str().expect("data")).expect("JSON data");
        (
            data["idTokenInfo"]["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            data["certificateStatus"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let good = mo.contract(&emaid(1), &url);
    let serial = norm(good["serialNumber"].as_str().expect("serial"));
    book.lock()
        .expect("book")
        .answers
        .insert(serial, Answer::Good);
    assert_eq!(ask(&emaid(1), &good).await, pair("Accepted", "Accepted"));
    let revoked = mo.contract(&emaid(6), &url);
    let serial = norm(revoked["serialNumber"].as_str().expect("serial"));
    book.lock()
        .expect("book")
        .answers
        .insert(serial, Answer::Revoked);
    assert_eq!(
        ask(&emaid(6), &revoked).await,
        pair("Invalid", "CertificateRevoked")
    );
}

/// OCPP 2.0.1 C07.FR.05 with the gateway's own safety: the responder is named by the
/// charger, so by default (`pnc.ocsp_responders = "public"`) one at an internal address
/// is never asked — the contract cannot be verified (CertChainError, Invalid, as for an
/// unreachable responder) and no request reaches the internal service.
#[tokio::test]
async fn a_responder_at_an_internal_address_is_not_asked() {
    let World {
        mo,
        book,
        url,
        tg,
        _dirs,
    } = world_scoped(ocpp_gateway::config::CallbackScope::Public).await;
    let mut c = common::charger(&tg, "PNC-SSRF", "ocpp1.6").await;
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await;
    let good = mo.contract(&emaid(1), &url);
    let serial = norm(good["serialNumber"].as_str().expect("serial"));
    book.lock()
        .expect("book")
        .answers
        .insert(serial.clone(), Answer::Good);
    // The responder listens on 127.0.0.1; by name it is `localhost`.
    let by_name = mo.contract(&emaid(6), &url.replace("127.0.0.1", "localhost"));
    for hash in [&good, &by_name] {
        let inner = json!({"idToken": {"idToken": emaid(1), "type": "eMAID"},
                           "iso15118CertificateHashData": [hash]});
        let dt = json!({"vendorId": "org.openchargealliance.iso15118pnc",
                        "messageId": "Authorize", "data": inner.to_string()});
        let answer = c.call("DataTransfer", dt).await;
        let data: Value =
            serde_json::from_str(answer["data"].as_str().expect("data")).expect("JSON data");
        assert_eq!(data["idTokenInfo"]["status"], "Invalid", "{data}");
        assert_eq!(data["certificateStatus"], "CertChainError", "{data}");
    }
    let book = book.lock().expect("book");
    assert!(
        book.hits.is_empty(),
        "the responder was asked: {:?}",
        book.hits
    );
}
