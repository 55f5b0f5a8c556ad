//! Plug & Charge with the HTTP provider (a certificate pool on a real local HTTP
//! server): contracts come from the pool, the vehicle's EXI request goes to it unchanged
//! and its answer back, and OCSP answers are reused until their nextUpdate.

use crate::common;
use crate::pnc_common;

use std::sync::Arc;

use common::*;
use ocpp_gateway::ocpp::OcppVersion;
use pnc_common::*;
use serde_json::json;

#[tokio::test]
async fn the_pool_issues_contracts_answers_exi_and_ocsp() {
    let pki = pki();
    let dir = pki.path().to_owned();
    let pool_dir = dir.clone();
    let next_update = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let issued: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let chains = issued.clone();
    let provider = fake_provider(Arc::new(move |path: &str, body: &serde_json::Value| {
        Some(match path {
            "/pool/contracts" => {
                let answer = pool_contract(&pool_dir, body, "DE-8AA-CA2B3C4D5-L");
                let chain = answer["certificateChain"].as_str().unwrap_or_default();
                chains.lock().expect("chains").push(chain.to_owned());
                (200, answer)
            }
            "/pool/ev-certificates" => (
                200,
                json!({"status": "Accepted", "exiResponse": format!("RES{}", body["exiRequest"].as_str().unwrap_or_default())}),
            ),
            "/pool/ocsp" => (
                200,
                json!({"ocspResult": "MIIBOCSP", "nextUpdate": next_update}),
            ),
            _ => (404, json!({"message": "no such path"})),
        })
    }))
    .await;
    let (tg, api) = http_gateway(&dir, &provider.url).await;
    let pid = create_vehicle(&api, &vehicle_pem(&dir)).await;
    let r = api
        .post(&issue_path(pid), json!({"paymentMethod": "pm_1"}))
        .await;
    assert_eq!(r.status, 202, "{}", r.text);
    let tags = tags_of(&api, pid).await;
    assert_eq!(
        tags[0]["name"], "DE8AACA2B3C4D5L",
        "the pool's EMAID, canonical"
    );
    {
        let calls = provider.calls.lock().expect("calls");
        let (path, body, auth) = &calls[0];
        assert_eq!(path, "/pool/contracts");
        assert_eq!(body["pcId"], VEHICLE);
        assert_eq!(body["emaid"], serde_json::Value::Null);
        assert_eq!(body["reissue"], false);
        assert_eq!(auth.as_deref(), Some("Bearer pool-secret"));
    }

    let mut c = charger(&tg, "PNC-HTTP", "ocpp2.0.1").await;
    let v = OcppVersion::V201;
    let req = json!({"iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
                     "action": "Install", "exiRequest": "AAECAwQ="});
    let answer = c.call("Get15118EVCertificate", req).await;
    valid(v, "Get15118EVCertificate", true, &answer);
    assert_eq!(answer["status"], "Accepted");
    assert_eq!(
        answer["exiResponse"], "RESAAECAwQ=",
        "the pool's answer, unchanged"
    );

    // The contract the pool made is authorized.
    let tag_id = tags[0]["id"].as_i64().expect("id");
    let chain = ders(&issued.lock().expect("chains")[0]);
    let auth = c
        .call(
            "Authorize",
            json!({"idToken": {"idToken": "DE8AACA2B3C4D5L", "type": "eMAID"},
                   "iso15118CertificateHashData": [hash_data(&chain)]}),
        )
        .await;
    valid(v, "Authorize", true, &auth);
    assert_eq!(auth["idTokenInfo"]["status"], "Accepted", "{auth}");

    // OCSP: asked once, then answered from the cache until nextUpdate.
    for _ in 0..2 {
        let st = c
            .call(
                "GetCertificateStatus",
                json!({"ocspRequestData": hash_data(&chain)}),
            )
            .await;
        valid(v, "GetCertificateStatus", true, &st);
        assert_eq!(st["status"], "Accepted", "{st}");
        assert_eq!(st["ocspResult"], "MIIBOCSP");
    }
    assert_eq!(
        provider.calls_to("/pool/ocsp"),
        1,
        "the second answer came from the cache"
    );

    // Reissue asks the pool for the same EMAID.
    let r = api.post(&reissue_path(tag_id), json!({})).await;
    assert_eq!(r.status, 202, "{}", r.text);
    let calls = provider.calls.lock().expect("calls");
    let last = calls
        .iter()
        .rev()
        .find(|(p, _, _)| p == "/pool/contracts")
        .expect("a reissue");
    assert_eq!(last.1["emaid"], "DE8AACA2B3C4D5L");
    assert_eq!(last.1["reissue"], true);
}
