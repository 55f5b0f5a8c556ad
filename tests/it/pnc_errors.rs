//! Plug & Charge refusals: bad provisioning certificates (unreadable, expired, from an
//! unknown OEM, for another PCID), malformed EMAIDs, and a provider that fails, answers
//! nonsense or times out each get their own answer (422 / 406 / 502 / 504), and nothing
//! is half-stored. Without a provider the EMAID actions answer 501.

use crate::common;
use crate::pnc_common;

use std::sync::{Arc, Mutex};

use common::*;
use ocpp_gateway::security::certs::Ca;
use pnc_common::*;
use serde_json::{json, Value};

fn expired_vehicle(dir: &std::path::Path) -> String {
    let key = rcgen::KeyPair::from_pem(&read(dir, "oem-root.key")).expect("key");
    let issuer = rcgen::Issuer::from_ca_cert_pem(&read(dir, "oem-root.pem"), key).expect("issuer");
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, VEHICLE);
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(400);
    params.not_after = now - time::Duration::days(10);
    let vehicle_key = rcgen::KeyPair::generate().expect("key");
    params.signed_by(&vehicle_key, &issuer).expect("cert").pem()
}

async fn no_id_tags(api: &common::reference::Api) {
    let r = api.get(TAGS).await;
    assert_eq!(r.body["data"], json!([]), "no id tag stored: {}", r.text);
}

#[tokio::test]
async fn provisioning_certificates_are_checked() {
    let pki = pki();
    let dir = pki.path();
    let (_tg, api) = local_gateway(dir).await;
    let body = |cert: &str| {
        json!({"pcId": VEHICLE, "name": "Car", "vehicleType": "private", "userId": 1,
               "certificate": cert})
    };
    let cases: Vec<(String, &str)> = vec![
        ("not a certificate".into(), "no PEM certificate"),
        (
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into(),
            "not an X.509 certificate",
        ),
        (expired_vehicle(dir), "expired"),
        (
            {
                let (other, _) = Ca::generate_root("Another OEM", "OEM").expect("root");
                other.provisioning(VEHICLE, 30).expect("cert").0
            },
            "does not chain to a configured OEM root",
        ),
    ];
    for (pem, why) in cases {
        let r = api.post(PROVISIONING, body(&pem)).await;
        assert_eq!(r.status, 422, "{why}: {}", r.text);
        let msg = r.body["errors"]["certificate"][0]
            .as_str()
            .expect("a certificate error");
        assert!(msg.contains(why), "{why}: {msg}");
    }
    // A good certificate for another PCID.
    let r = api
        .post(
            PROVISIONING,
            json!({"pcId": "OTHERPCID", "name": "Car", "vehicleType": "private", "userId": 1,
                   "certificate": vehicle_pem(dir)}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["errors"]["certificate"][0]
        .as_str()
        .unwrap_or_default()
        .contains("not for pcId"));
    // Missing and bad fields.
    let r = api
        .post(PROVISIONING, json!({"vehicleType": "truck"}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    for field in ["pcId", "name", "userId", "vehicleType"] {
        assert!(r.body["errors"][field].is_array(), "{field}: {}", r.text);
    }
    let list = api.get(PROVISIONING).await;
    assert_eq!(
        list.body["data"],
        json!([]),
        "nothing stored: {}",
        list.text
    );

    let id = create_vehicle(&api, &vehicle_pem(dir)).await;
    // Pages: a second vehicle, one per page.
    let oem = ocpp_gateway::security::pnc_pki::load_ca(dir, "oem-root").expect("OEM root");
    let (other, _) = oem.provisioning("VAN2", 30).expect("cert");
    let r = api
        .post(
            PROVISIONING,
            json!({"pcId": "VAN2", "name": "Van", "vehicleType": "company", "userId": 3,
                   "certificate": other}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let page1 = api.get(&format!("{PROVISIONING}?per_page=1")).await;
    assert_eq!(page1.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(page1.body["data"][0]["pcId"], VEHICLE);
    let next = page1.body["links"]["next"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let page2 = api.get(&next).await;
    assert_eq!(page2.body["data"][0]["pcId"], "VAN2");
    assert_eq!(page2.body["links"]["next"], json!(null));
    let dup = api.post(PROVISIONING, body(&vehicle_pem(dir))).await;
    assert_eq!(dup.status, 422, "{}", dup.text);
    assert!(dup.body["errors"]["pcId"].is_array());
    let bad = api
        .patch(
            &format!("{PROVISIONING}/{id}"),
            json!({"certificate": expired_vehicle(dir)}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let read_back = api.get(&format!("{PROVISIONING}/{id}")).await;
    assert_eq!(
        read_back.body["data"]["certificate"],
        vehicle_pem(dir).as_str(),
        "unchanged"
    );
    let renamed = api
        .patch(
            &format!("{PROVISIONING}/{id}"),
            json!({"name": "Van", "vehicleType": "company"}),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.body["data"]["name"], "Van");
    assert_eq!(renamed.body["data"]["userId"], 1 + 41);
    assert_eq!(
        api.delete(&format!("{PROVISIONING}/{id}")).await.status,
        204
    );
    assert_eq!(api.get(&format!("{PROVISIONING}/{id}")).await.status, 404);
}

#[tokio::test]
async fn malformed_emaids_are_refused_and_nothing_is_stored() {
    let pki = pki();
    let dir = pki.path();
    let (_tg, api) = local_gateway(dir).await;
    let id = create_vehicle(&api, &vehicle_pem(dir)).await;
    for (emaid, why) in [
        ("DE-8AA-CA2B3", "CC-PPP-IIIIIIIII"),
        ("DE8AACA2B3", "14 characters"),
        ("DE-8AA-CA2B3C4D5-X", "check character is 'L'"),
        ("D3-8AA-CA2B3C4D5", "country code"),
        ("DE_8AA_CA2B3C4D5", "letters, digits"),
    ] {
        let r = api.post(&issue_path(id), json!({"emaid": emaid})).await;
        assert_eq!(r.status, 422, "{emaid}: {}", r.text);
        let msg = r.body["errors"]["emaid"][0]
            .as_str()
            .expect("an emaid error");
        assert!(msg.contains(why), "{emaid}: {msg}");
    }
    no_id_tags(&api).await;
    assert!(tags_of(&api, id).await.is_empty());
    assert_eq!(api.post(&issue_path(999), json!({})).await.status, 404);

    // The published example is accepted, and kept in its canonical form.
    let r = api
        .post(&issue_path(id), json!({"emaid": "de-8aa-ca2b3c4d5"}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let tag = tags_of(&api, id).await[0].clone();
    assert_eq!(tag["name"], "DE8AACA2B3C4D5L");

    // Another vehicle cannot take that EMAID over.
    let oem = ocpp_gateway::security::pnc_pki::load_ca(dir, "oem-root").expect("OEM root");
    let (second, _) = oem.provisioning("SECONDCAR", 30).expect("cert");
    let r = api
        .post(
            PROVISIONING,
            json!({"pcId": "SECONDCAR", "name": "Car 2", "vehicleType": "company", "userId": 2,
                   "certificate": second}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let second_id = r.body["data"]["id"].as_i64().expect("id");
    let r = api
        .post(&issue_path(second_id), json!({"emaid": "DE8AACA2B3C4D5L"}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.body["errors"]["emaid"][0]
        .as_str()
        .unwrap_or_default()
        .contains("belongs to another"));
    assert!(tags_of(&api, second_id).await.is_empty());

    // Deleting the vehicle disables its EMAID.
    assert_eq!(
        api.delete(&format!("{PROVISIONING}/{id}")).await.status,
        204
    );
    let t = api.get(&format!("{TAGS}/{}", tag["id"])).await;
    assert_eq!(t.body["data"]["status"], "disabled", "{}", t.text);
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Hang,
    Fail,
    Refuse,
    BadEmaid,
    WrongCertificate,
    Works,
}

#[tokio::test]
async fn provider_failures_are_specific_and_store_nothing() {
    let pki = pki();
    let dir = pki.path().to_owned();
    let mode = Arc::new(Mutex::new(Mode::Hang));
    let (m, pool_dir) = (mode.clone(), dir.clone());
    let provider = fake_provider(Arc::new(move |_path: &str, body: &Value| {
        match *m.lock().expect("mode") {
            Mode::Hang => None,
            Mode::Fail => Some((500, json!({"message": "pool down"}))),
            Mode::Refuse => Some((409, json!({"message": "vehicle not eligible"}))),
            Mode::BadEmaid => Some((
                200,
                json!({"emaid": "NOT-AN-EMAID", "certificateChain": ""}),
            )),
            Mode::Works => Some((200, pool_contract(&pool_dir, body, "DE-8AA-CA2B3C4D5-L"))),
            Mode::WrongCertificate => {
                // A contract for another EMAID than the one announced.
                let mut a = pool_contract(&pool_dir, body, "DE-8AA-CA2B3C4D5-L");
                a["emaid"] = json!("DE83DUIEN83QGZD");
                Some((200, a))
            }
        }
    }))
    .await;
    let (tg, api) = http_gateway(&dir, &provider.url).await;
    let id = create_vehicle(&api, &vehicle_pem(&dir)).await;
    for (m, status, words) in [
        (Mode::Hang, 504, "did not answer"),
        (Mode::Fail, 502, "unavailable"),
        (Mode::Refuse, 406, "vehicle not eligible"),
        (Mode::BadEmaid, 502, "not a valid EMAID"),
        (Mode::WrongCertificate, 502, "CN is not the EMAID"),
    ] {
        *mode.lock().expect("mode") = m;
        let r = api.post(&issue_path(id), json!({})).await;
        assert_eq!(r.status, status, "{words}: {}", r.text);
        let msg = r.body["message"].as_str().unwrap_or_default();
        assert!(msg.contains(words), "{words}: {msg}");
        no_id_tags(&api).await;
        assert!(tags_of(&api, id).await.is_empty());
    }

    // A pool handing one vehicle's EMAID to another is not believed.
    *mode.lock().expect("mode") = Mode::Works;
    assert_eq!(api.post(&issue_path(id), json!({})).await.status, 202);
    let oem = ocpp_gateway::security::pnc_pki::load_ca(&dir, "oem-root").expect("OEM root");
    let (second, _) = oem.provisioning("SECONDCAR", 30).expect("cert");
    let r = api
        .post(
            PROVISIONING,
            json!({"pcId": "SECONDCAR", "name": "Car 2", "vehicleType": "company", "userId": 2,
                   "certificate": second}),
        )
        .await;
    let second_id = r.body["data"]["id"].as_i64().expect("id");
    let r = api.post(&issue_path(second_id), json!({})).await;
    assert_eq!(r.status, 502, "{}", r.text);
    assert!(r.body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("belongs to another"));
    assert!(tags_of(&api, second_id).await.is_empty());
    assert_eq!(
        tags_of(&api, id).await[0]["status"],
        "active",
        "the first vehicle keeps it"
    );

    // The charger hears of a timeout as such.
    *mode.lock().expect("mode") = Mode::Hang;
    let mut c = charger(&tg, "PNC-SLOW", "ocpp2.0.1").await;
    let answer = c
        .call(
            "Get15118EVCertificate",
            json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
                   "action": "Install", "exiRequest": "AAEC"}),
        )
        .await;
    valid(
        ocpp_gateway::ocpp::OcppVersion::V201,
        "Get15118EVCertificate",
        true,
        &answer,
    );
    assert_eq!(answer["status"], "Failed");
    assert_eq!(answer["statusInfo"]["reasonCode"], "ProviderTimeout");
}

#[tokio::test]
async fn without_a_provider_the_emaid_actions_answer_501() {
    let (tg, api) = gateway_with(|_| {}).await;
    let r = api
        .post(
            PROVISIONING,
            json!({"pcId": VEHICLE, "name": "Car", "vehicleType": "private", "userId": 1}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.body["data"]["id"].as_i64().expect("id");
    let issue = api.post(&issue_path(id), json!({})).await;
    assert_eq!(issue.status, 501, "{}", issue.text);
    assert!(issue.body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("pnc.provider"));
    let tag = api
        .post(TAGS, json!({"idTagUid": "TAG1", "type": "rfid"}))
        .await;
    let tag_id = tag.body["data"]["id"].as_i64().expect("tag");
    assert_eq!(api.post(&reissue_path(tag_id), json!({})).await.status, 501);

    let mut c = charger(&tg, "PNC-NONE", "ocpp2.0.1").await;
    let v = ocpp_gateway::ocpp::OcppVersion::V201;
    let answer = c
        .call(
            "Get15118EVCertificate",
            json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
                   "action": "Install", "exiRequest": "AAEC"}),
        )
        .await;
    valid(v, "Get15118EVCertificate", true, &answer);
    assert_eq!(answer["status"], "Failed");
    assert_eq!(answer["statusInfo"]["reasonCode"], "NotConfigured");
    let status = c
        .call(
            "GetCertificateStatus",
            json!({"ocspRequestData": {"hashAlgorithm": "SHA256", "issuerNameHash": "aa",
                   "issuerKeyHash": "bb", "serialNumber": "01", "responderURL": "http://ocsp"}}),
        )
        .await;
    valid(v, "GetCertificateStatus", true, &status);
    assert_eq!(status["status"], "Failed");
    let sign = c
        .call(
            "SignCertificate",
            json!({"csr": "-----BEGIN CERTIFICATE REQUEST-----", "certificateType": "V2GCertificate"}),
        )
        .await;
    assert_eq!(sign["status"], "Rejected");
    // Authorize with contract data the gateway cannot know is refused.
    let auth = c
        .call(
            "Authorize",
            json!({"idToken": {"idToken": "DE8AACA2B3C4D5L", "type": "eMAID"},
                   "iso15118CertificateHashData": [{"hashAlgorithm": "SHA256", "issuerNameHash": "aa",
                   "issuerKeyHash": "bb", "serialNumber": "01", "responderURL": "http://ocsp"}]}),
        )
        .await;
    valid(v, "Authorize", true, &auth);
    assert_eq!(auth["idTokenInfo"]["status"], "Invalid");
}
