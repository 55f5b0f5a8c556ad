//! Plug & Charge end to end with the local provider (the development PKI of
//! `certs init --pnc`): a provisioning certificate is stored, an EMAID issued, and a
//! 2.0.1 charger (directly) or a 1.6 charger (DataTransfer, OCA scheme) gets the contract
//! for the vehicle's EXI request and has it authorized; a revoked or unknown contract is
//! refused. Every frame the gateway sends is checked against the official schemas.

use crate::common;
use crate::pnc_common;

use base64::Engine;
use common::*;
use ocpp_gateway::ocpp::OcppVersion;
use pnc_common::*;
use serde_json::{json, Value};

const OCA: &str = "org.openchargealliance.iso15118pnc";

/// Sends a Plug & Charge message the way the charger's version carries it and returns
/// the 2.0.1 answer payload.
async fn pnc_call(c: &mut Client, version: OcppVersion, action: &str, payload: Value) -> Value {
    match version {
        OcppVersion::V201 => {
            valid(version, action, false, &payload);
            let answer = c.call(action, payload).await;
            valid(version, action, true, &answer);
            answer
        }
        OcppVersion::V16 => {
            let dt = json!({"vendorId": OCA, "messageId": action, "data": payload.to_string()});
            valid(version, "DataTransfer", false, &dt);
            let answer = c.call("DataTransfer", dt).await;
            valid(version, "DataTransfer", true, &answer);
            assert_eq!(answer["status"], "Accepted", "{answer}");
            let inner: Value =
                serde_json::from_str(answer["data"].as_str().expect("data")).expect("JSON data");
            valid(OcppVersion::V201, action, true, &inner);
            inner
        }
    }
}

/// Asks for the vehicle's contract with its provisioning certificate in the EXI request;
/// returns the contract chain.
async fn install(c: &mut Client, version: OcppVersion, vehicle_der: &[u8]) -> Vec<Vec<u8>> {
    let answer = pnc_call(
        c,
        version,
        "Get15118EVCertificate",
        json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install",
               "exiRequest": exi_with(vehicle_der)}),
    )
    .await;
    assert_eq!(answer["status"], "Accepted", "{answer}");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(answer["exiResponse"].as_str().expect("exiResponse"))
        .expect("base64");
    split_der(&bytes)
}

async fn authorize(c: &mut Client, version: OcppVersion, emaid: &str, hash: Value) -> Value {
    pnc_call(
        c,
        version,
        "Authorize",
        json!({"idToken": {"idToken": emaid, "type": "eMAID"},
               "iso15118CertificateHashData": [hash]}),
    )
    .await
}

async fn flow(version: OcppVersion, subprotocol: &str) {
    let pki = pki();
    let dir = pki.path();
    let (tg, api) = local_gateway(dir).await;
    let pem = vehicle_pem(dir);
    let vehicle_der = ders(&pem).remove(0);
    let pid = create_vehicle(&api, &pem).await;

    let r = api.post(&issue_path(pid), json!({})).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.body, Value::Null, "202 has no body");
    let tags = tags_of(&api, pid).await;
    assert_eq!(tags.len(), 1, "{tags:?}");
    assert_eq!(tags[0]["type"], "emaid");
    assert_eq!(tags[0]["status"], "active");
    let emaid = tags[0]["name"].as_str().expect("EMAID").to_owned();
    assert!(emaid.starts_with("DE8EOC") && emaid.len() == 15, "{emaid}");
    let tag_id = tags[0]["id"].as_i64().expect("tag id");
    let tag = api.get(&format!("{TAGS}/{tag_id}")).await;
    assert_eq!(tag.body["data"]["idTagUid"], emaid.as_str());
    assert_eq!(tag.body["data"]["type"], "emaid");

    let mut c = charger(&tg, "PNC-CP1", subprotocol).await;
    let chain = install(&mut c, version, &vehicle_der).await;
    assert_eq!(chain.len(), 3, "contract, MO sub-CA 2, MO sub-CA 1");
    assert_eq!(
        cn(&chain[0]),
        emaid,
        "the contract certificate names the EMAID"
    );
    let mo2 = ders(&read(dir, "mo-sub-ca2.pem")).remove(0);
    assert!(signed_by(&chain[0], &mo2), "signed by MO sub-CA 2");
    let (_, leaf) = x509_parser::parse_x509_certificate(&chain[0]).expect("leaf");
    let (_, vehicle) = x509_parser::parse_x509_certificate(&vehicle_der).expect("vehicle");
    assert_eq!(
        leaf.public_key().raw,
        vehicle.public_key().raw,
        "bound to the provisioning certificate's key"
    );

    let ok = authorize(&mut c, version, &emaid, hash_data(&chain)).await;
    assert_eq!(ok["idTokenInfo"]["status"], "Accepted", "{ok}");
    assert_eq!(ok["certificateStatus"], "Accepted");

    // A contract the gateway never issued.
    let mut unknown = hash_data(&chain);
    unknown["serialNumber"] = json!("0badc0ffee");
    let refused = authorize(&mut c, version, &emaid, unknown).await;
    assert_eq!(refused["idTokenInfo"]["status"], "Invalid", "{refused}");
    assert_eq!(refused["certificateStatus"], "CertChainError");
    // The right contract presented for another EMAID.
    let other = authorize(&mut c, version, "DE8EOC000000001", hash_data(&chain)).await;
    assert_eq!(other["idTokenInfo"]["status"], "Invalid", "{other}");

    // Reissued: the old contract is revoked, the new one works.
    let r = api.post(&reissue_path(tag_id), json!({})).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let revoked = authorize(&mut c, version, &emaid, hash_data(&chain)).await;
    assert_eq!(revoked["idTokenInfo"]["status"], "Invalid", "{revoked}");
    assert_eq!(revoked["certificateStatus"], "CertificateRevoked");
    let renewed = install(&mut c, version, &vehicle_der).await;
    assert_ne!(renewed[0], chain[0], "a new certificate");
    assert_eq!(cn(&renewed[0]), emaid, "for the same EMAID");
    let ok = authorize(&mut c, version, &emaid, hash_data(&renewed)).await;
    assert_eq!(ok["idTokenInfo"]["status"], "Accepted", "{ok}");

    // An update request carries the contract certificate instead.
    let updated = pnc_call(
        &mut c,
        version,
        "Get15118EVCertificate",
        json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Update",
               "exiRequest": exi_with(&renewed[0])}),
    )
    .await;
    assert_eq!(updated["status"], "Accepted", "{updated}");

    // A disabled EMAID tag is refused even with a valid contract.
    let status = raw_patch(
        &tg,
        &format!("{TAGS}/{tag_id}"),
        json!({"status": "disabled"}),
    )
    .await;
    assert_eq!(status, 200);
    let blocked = authorize(&mut c, version, &emaid, hash_data(&renewed)).await;
    assert_ne!(blocked["idTokenInfo"]["status"], "Accepted", "{blocked}");

    // OCSP from the local provider: good for the active contract, revoked for the
    // reissued one, unknown for a serial it never issued; signed by MO sub-CA 2.
    let mut unknown = hash_data(&renewed);
    unknown["serialNumber"] = json!("0badc0ffee");
    for (hash, expected) in [
        (hash_data(&renewed), 0x80),
        (hash_data(&chain), 0xa1),
        (unknown, 0x82),
    ] {
        let status = pnc_call(
            &mut c,
            version,
            "GetCertificateStatus",
            json!({"ocspRequestData": hash}),
        )
        .await;
        assert_eq!(status["status"], "Accepted", "{status}");
        let got = ocsp_status(status["ocspResult"].as_str().expect("ocspResult"), &mo2);
        assert_eq!(got, expected, "certStatus of {hash}");
    }
    // A certificate of another CA is not the local provider's to answer.
    let foreign = pnc_call(
        &mut c,
        version,
        "GetCertificateStatus",
        json!({"ocspRequestData": hash_data(&[renewed[1].clone(), renewed[0].clone()])}),
    )
    .await;
    assert_eq!(foreign["status"], "Failed", "{foreign}");
    assert_eq!(foreign["statusInfo"]["reasonCode"], "ProviderRefused");

    // A vehicle the gateway does not know gets no contract.
    let stranger = ders(&read(dir, "mo-sub-ca1.pem")).remove(0);
    let none = pnc_call(
        &mut c,
        version,
        "Get15118EVCertificate",
        json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef", "action": "Install",
               "exiRequest": exi_with(&stranger)}),
    )
    .await;
    assert_eq!(none["status"], "Failed", "{none}");
    assert_eq!(none["exiResponse"], "");

    // Decisions are recorded as authorizations.
    let list = api
        .get("/public-api/resources/authorizations/v2.1?per_page=100")
        .await;
    let of_emaid: Vec<&Value> = list.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter(|a| a["idTagUid"] == emaid.as_str())
        .collect();
    assert!(of_emaid.len() >= 5, "{}", list.text);
    assert!(
        of_emaid.iter().any(|a| a["status"] == "accepted"),
        "{}",
        list.text
    );
    assert!(
        of_emaid.iter().any(|a| a["status"] != "accepted"),
        "{}",
        list.text
    );
}

#[tokio::test]
async fn plug_and_charge_works_for_a_201_charger() {
    flow(OcppVersion::V201, "ocpp2.0.1").await;
}

#[tokio::test]
async fn plug_and_charge_works_for_a_16_charger_through_data_transfer() {
    flow(OcppVersion::V16, "ocpp1.6").await;
}

/// The charger's ISO 15118 (SECC) certificate, signed by CPO sub-CA 2; the roots are
/// installed from the development PKI.
async fn secc_and_roots(version: OcppVersion, subprotocol: &str) {
    let pki = pki();
    let dir = pki.path();
    let (tg, api) = local_gateway(dir).await;
    let mut c = charger(&tg, "PNC-CP2", subprotocol).await;
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::default();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "DEXYZE1234567");
    let csr = params
        .serialize_request(&key)
        .expect("csr")
        .pem()
        .expect("pem");

    let signed = match version {
        OcppVersion::V201 => {
            let req = json!({"csr": csr, "certificateType": "V2GCertificate"});
            valid(version, "SignCertificate", false, &req);
            let answer = c.call("SignCertificate", req).await;
            valid(version, "SignCertificate", true, &answer);
            assert_eq!(answer["status"], "Accepted", "{answer}");
            let call = c.recv().await;
            assert_eq!(call[2], "CertificateSigned", "{call}");
            valid(version, "CertificateSigned", false, &call[3]);
            c.answer(&call[1], json!({"status": "Accepted"})).await;
            call[3].clone()
        }
        OcppVersion::V16 => {
            let inner = pnc_call(&mut c, version, "SignCertificate", json!({"csr": csr})).await;
            assert_eq!(inner["status"], "Accepted", "{inner}");
            let call = c.recv().await;
            assert_eq!(call[2], "DataTransfer", "{call}");
            valid(version, "DataTransfer", false, &call[3]);
            assert_eq!(call[3]["vendorId"], OCA);
            assert_eq!(call[3]["messageId"], "CertificateSigned");
            let payload: Value =
                serde_json::from_str(call[3]["data"].as_str().expect("data")).expect("JSON");
            valid(OcppVersion::V201, "CertificateSigned", false, &payload);
            c.answer(
                &call[1],
                json!({"status": "Accepted", "data": "{\"status\":\"Accepted\"}"}),
            )
            .await;
            payload
        }
    };
    assert_eq!(signed["certificateType"], "V2GCertificate");
    let chain = ders(signed["certificateChain"].as_str().expect("chain"));
    assert_eq!(
        chain.len(),
        3,
        "SECC certificate, CPO sub-CA 2, CPO sub-CA 1"
    );
    let cpo2 = ders(&read(dir, "cpo-sub-ca2.pem")).remove(0);
    assert!(signed_by(&chain[0], &cpo2), "signed by CPO sub-CA 2");
    assert_eq!(cn(&chain[0]), "DEXYZE1234567");

    // Roots: the V2G and MO roots of the development PKI.
    let list = api
        .get("/public-api/resources/charge-points/v2.0?per_page=100")
        .await;
    let cp = list.body["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|cp| cp["network"]["id"] == "PNC-CP2")
        .and_then(|cp| cp["id"].as_i64())
        .expect("the charge point");
    for (kind, file) in [
        ("V2GRootCertificate", "v2g-root.pem"),
        ("MORootCertificate", "mo-root.pem"),
    ] {
        let path = format!("/public-api/actions/charge-point/v2.0/{cp}/install-certificate");
        let api2 = api.clone();
        let pending =
            tokio::spawn(async move { api2.post(&path, json!({"certificateType": kind})).await });
        let call = c.recv().await;
        let root = read(dir, file);
        match version {
            OcppVersion::V201 => {
                assert_eq!(call[2], "InstallCertificate");
                valid(version, "InstallCertificate", false, &call[3]);
                assert_eq!(call[3]["certificateType"], kind);
                assert_eq!(call[3]["certificate"], root.as_str());
                c.answer(&call[1], json!({"status": "Accepted"})).await;
            }
            OcppVersion::V16 => {
                assert_eq!(call[2], "DataTransfer");
                valid(version, "DataTransfer", false, &call[3]);
                assert_eq!(call[3]["messageId"], "InstallCertificate");
                let inner: Value =
                    serde_json::from_str(call[3]["data"].as_str().expect("data")).expect("JSON");
                valid(OcppVersion::V201, "InstallCertificate", false, &inner);
                assert_eq!(inner["certificate"], root.as_str());
                c.answer(
                    &call[1],
                    json!({"status": "Accepted", "data": "{\"status\":\"Accepted\"}"}),
                )
                .await;
            }
        }
        let r = tokio::time::timeout(WAIT, pending)
            .await
            .expect("in time")
            .expect("task");
        assert_eq!(r.status, 202, "{kind}: {}", r.text);
    }
}

#[tokio::test]
async fn a_201_charger_gets_its_v2g_certificate_and_the_roots() {
    secc_and_roots(OcppVersion::V201, "ocpp2.0.1").await;
}

#[tokio::test]
async fn a_16_charger_gets_its_v2g_certificate_and_the_roots_through_data_transfer() {
    secc_and_roots(OcppVersion::V16, "ocpp1.6").await;
}
