//! The charge-point resources over HTTP: provisioning with a password the charger then
//! connects with, reads, updates, deletes, pages, filters and error shapes. Every
//! response is checked against the reference.

use crate::common;

use common::reference::{check, reference_path, rewrite_nullable, Api, Reply, R};
use common::*;
use serde_json::{json, Value};

const CPS: &str = "/public-api/resources/charge-points/v2.0";

/// A gateway that knows only the chargers provisioned through the API.
async fn closed_gateway() -> (TestGateway, Api) {
    let mut s = settings();
    s.ocpp.auto_register = false;
    s.ocpp.allow_unauthenticated = false;
    let tg = start(s).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    (tg, api)
}

async fn create(api: &Api, body: Value) -> Value {
    let r = api.post(CPS, body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.body["data"].clone()
}

#[test]
fn nullable_becomes_a_null_type_and_enum_member() {
    let mut s = json!({"type": "object", "properties": {
        "a": {"type": "string", "nullable": true, "enum": ["x"]},
        "b": {"allOf": [{"type": "object"}], "nullable": true},
        "c": {"type": "integer", "nullable": false}
    }});
    rewrite_nullable(&mut s);
    assert_eq!(
        s["properties"]["a"],
        json!({"type": ["string", "null"], "enum": ["x", null]})
    );
    assert_eq!(s["properties"]["b"]["anyOf"][1], json!({"type": "null"}));
    assert_eq!(s["properties"]["c"], json!({"type": "integer"}));
}

#[test]
fn the_reference_check_catches_a_wrong_shape() {
    if !reference_path().exists() && std::env::var_os("CI").is_none() {
        eprintln!("skipped: no API reference");
        return;
    }
    let path = format!("{CPS}/1");
    assert!(check("GET", &path, 200, &json!({"data": {"id": "one"}})).is_err());
    assert!(check(
        "GET",
        &path,
        404,
        &json!({"message": "Charge point not found."})
    )
    .is_ok());
    let status = format!("{R}/charge-points/v1.0/1/status");
    let ok =
        json!({"data": {"networkStatus": "never connected", "hardwareStatus": null, "evses": []}});
    assert!(check("GET", &status, 200, &ok).is_ok());
    let bad = json!({"data": {"networkStatus": "never_connected"}});
    assert!(check("GET", &status, 200, &bad).is_err());
}

#[tokio::test]
async fn a_provisioned_charger_connects_with_its_password_and_the_password_never_shows() {
    let (tg, api) = closed_gateway().await;
    let pw = "pr0vision-Secret-42";
    let cp = create(
        &api,
        json!({"name": "Depot 1", "type": "public", "status": "enabled",
               "network": {"id": "PROV-1", "protocol": "ocpp 1.6", "password": pw},
               "security": {"desiredProfile": 1}, "someFutureField": true}),
    )
    .await;
    assert_eq!(cp["network"]["id"], "PROV-1");
    assert_eq!(cp["network"]["protocol"], "ocpp 1.6");
    assert_eq!(cp["networkStatus"], "never_connected");
    assert_eq!(
        cp["security"],
        json!({"currentProfile": 1, "desiredProfile": 1})
    );
    assert!(cp["network"].get("password").is_none());
    let id = cp["id"].as_i64().expect("id");

    // Plain and hex-encoded passwords both open the socket; a wrong one is refused.
    let url = tg.url("PROV-1");
    let mut c = connect(&url, &["ocpp1.6"], Some(("PROV-1", pw)))
        .await
        .expect("plain password accepted");
    let hex_pw = hex::encode(pw);
    connect(&url, &["ocpp1.6"], Some(("PROV-1", &hex_pw)))
        .await
        .expect("hex password accepted");
    let refused = connect(&url, &["ocpp1.6"], Some(("PROV-1", "not-it")))
        .await
        .err()
        .expect("wrong password refused");
    assert_eq!(refused.status, 401, "{}", refused.body);
    let unknown = connect(
        &tg.url("NOT-PROVISIONED"),
        &["ocpp1.6"],
        Some(("NOT-PROVISIONED", pw)),
    )
    .await
    .err()
    .expect("unknown identity refused");
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    // The newest socket is the live one: it boots and the API shows it.
    drop(c.ws.close(None).await);
    let mut c = connect(&url, &["ocpp1.6"], Some(("PROV-1", pw)))
        .await
        .expect("reconnects");
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "Acme", "chargePointModel": "AC22", "chargePointSerialNumber": "SN-9"}),
    )
    .await;
    eventually("charge point available", || {
        let api = api.clone();
        async move {
            api.get(&format!("{CPS}/{id}")).await.body["data"]["networkStatus"] == "available"
        }
    })
    .await;
    let read = api
        .get(&format!("{CPS}/{id}?include[]=lastBootNotification"))
        .await;
    assert_eq!(read.status, 200);
    let boot = &read.body["data"]["lastBootNotification"];
    assert_eq!(boot["vendor"], "Acme");
    assert_eq!(boot["chargePointSerialNumber"], "SN-9");
    let plain = api.get(&format!("{CPS}/{id}")).await;
    assert!(plain.body["data"].get("lastBootNotification").is_none());

    // A new password applies from the next handshake; the old one stops working.
    let pw2 = "second-Secret-0042";
    let r = api
        .patch(
            &format!("{CPS}/{id}"),
            json!({"name": "Depot 1b", "network": {"password": pw2}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["name"], "Depot 1b");
    assert_eq!(r.body["data"]["type"], "public");
    let r = api
        .patch(
            &format!("{CPS}/{id}"),
            json!({"type": "private", "status": "out of order"}),
        )
        .await;
    assert_eq!(
        (
            r.body["data"]["type"].as_str(),
            r.body["data"]["status"].as_str()
        ),
        (Some("private"), Some("out of order"))
    );
    assert_eq!(
        connect(&url, &["ocpp1.6"], Some(("PROV-1", pw)))
            .await
            .err()
            .map(|r| r.status),
        Some(401)
    );
    connect(&url, &["ocpp1.6"], Some(("PROV-1", pw2)))
        .await
        .expect("new password accepted");

    api.get(CPS).await;
    for text in api.seen() {
        for secret in [pw, pw2, &hex_pw, &hex::encode(pw2)] {
            assert!(!text.contains(secret), "a password leaked: {text}");
        }
        assert!(
            !text.contains("password"),
            "a password field leaked: {text}"
        );
    }
}

#[tokio::test]
async fn deleting_a_charge_point_removes_it_and_disconnects_it() {
    let (tg, api) = closed_gateway().await;
    let cp = create(
        &api,
        json!({"name": "Gone", "network": {"id": "GONE-1", "password": "gone-Secret-123"}}),
    )
    .await;
    let id = cp["id"].as_i64().expect("id");
    let mut c = connect(
        &tg.url("GONE-1"),
        &["ocpp1.6"],
        Some(("GONE-1", "gone-Secret-123")),
    )
    .await
    .expect("connects");
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await;
    let r = api.delete(&format!("{CPS}/{id}")).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(r.body, Value::Null);
    assert_eq!(api.get(&format!("{CPS}/{id}")).await.status, 404);
    assert_eq!(api.delete(&format!("{CPS}/{id}")).await.status, 404);
    // The socket is closed, and the identity is unknown at the next handshake.
    loop {
        match c.recv_message().await {
            None | Some(Err(_)) => break,
            Some(Ok(m)) if m.is_close() => break,
            Some(Ok(_)) => continue,
        }
    }
    let refused = connect(
        &tg.url("GONE-1"),
        &["ocpp1.6"],
        Some(("GONE-1", "gone-Secret-123")),
    )
    .await
    .err()
    .expect("refused");
    assert_eq!(refused.status, 404);
}

#[tokio::test]
async fn renaming_a_connected_charger_moves_it_to_the_new_identity() {
    let (tg, api) = closed_gateway().await;
    let pw = "rename-Secret-123";
    let cp = create(
        &api,
        json!({"name": "Ren", "network": {"id": "REN-1", "password": pw}}),
    )
    .await;
    create(
        &api,
        json!({"name": "Other", "network": {"id": "REN-OTHER"}}),
    )
    .await;
    let id = cp["id"].as_i64().expect("id");
    let mut c = connect(&tg.url("REN-1"), &["ocpp1.6"], Some(("REN-1", pw)))
        .await
        .expect("connects");
    c.call(
        "BootNotification",
        json!({"chargePointVendor": "V", "chargePointModel": "M"}),
    )
    .await;
    let taken = api
        .patch(
            &format!("{CPS}/{id}"),
            json!({"network": {"id": "REN-OTHER"}}),
        )
        .await;
    assert_eq!(taken.status, 422, "{}", taken.text);
    assert!(
        c.is_open_v16().await,
        "a refused rename leaves the charger connected"
    );
    let r = api
        .patch(&format!("{CPS}/{id}"), json!({"network": {"id": "REN-2"}}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["network"]["id"], "REN-2");
    let old = api.get(&format!("{CPS}?filter[networkId]=REN-1")).await;
    assert_eq!(
        old.body["data"],
        json!([]),
        "no row comes back under the old identity"
    );
    let refused = connect(&tg.url("REN-1"), &["ocpp1.6"], Some(("REN-1", pw)))
        .await
        .err()
        .expect("old identity refused");
    assert_eq!(refused.status, 404);
    connect(&tg.url("REN-2"), &["ocpp1.6"], Some(("REN-2", pw)))
        .await
        .expect("the password stays with the charge point");
}

#[tokio::test]
async fn bad_requests_get_the_reference_error_shapes() {
    let (_tg, api) = closed_gateway().await;
    // No token, a wrong token, a wrong scheme.
    for who in [None, Some("wrong-token")] {
        let r = api.with_token(who).get(CPS).await;
        assert_eq!(r.status, 401, "{}", r.text);
        assert!(r.body["message"].is_string());
    }
    // Health stays open.
    let health = reqwest::get(format!("{}/health", api.base))
        .await
        .expect("health");
    assert_eq!(health.status().as_u16(), 200);

    create(&api, json!({"name": "One", "network": {"id": "DUP-1"}})).await;
    let dup = api
        .post(CPS, json!({"name": "Two", "network": {"id": "DUP-1"}}))
        .await;
    assert_eq!(dup.status, 422, "{}", dup.text);
    assert!(dup.body["errors"]["network.id"][0]
        .as_str()
        .expect("msg")
        .contains("taken"));

    let cases: Vec<(Value, &str)> = vec![
        (json!({"name": "x"}), "network.id"),
        (json!({"network": {"id": "has space"}}), "network.id"),
        (json!({"network": {"id": "X".repeat(49)}}), "network.id"),
        (
            json!({"network": {"id": "OK-1", "protocol": "ocpp 1.5"}}),
            "network.protocol",
        ),
        (
            json!({"network": {"id": "OK-1"}, "status": "broken"}),
            "status",
        ),
        (
            json!({"network": {"id": "OK-1"}, "security": {"desiredProfile": 7}}),
            "security.desiredProfile",
        ),
        (json!({"network": {"id": 5}}), "network.id"),
        (json!({"name": 5, "network": {"id": "OK-1"}}), "name"),
        // No stored text may hold a NUL, whatever the store.
        (json!({"name": "a\0b", "network": {"id": "OK-1"}}), "name"),
    ];
    for (body, field) in cases {
        let r = api.post(CPS, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.body["errors"][field].is_array(), "{body}: {}", r.text);
    }
    let names = api.get(CPS).await;
    assert!(
        !names.text.contains("OK-1"),
        "nothing stored by a refused body: {}",
        names.text
    );
    for raw in ["{not json", "[]", ""] {
        let r = api.send("POST", CPS, Some(raw.to_owned())).await;
        assert_eq!(r.status, 422, "{raw:?}: {}", r.text);
        assert!(r.body["errors"]["body"].is_array(), "{}", r.text);
    }
    for path in [
        format!("{CPS}/999999"),
        format!("{CPS}/abc"),
        format!("{R}/sessions/v1.0/12345"),
    ] {
        let r = api.get(&path).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text);
    }
    let r = api
        .patch(&format!("{CPS}/999999"), json!({"name": "n"}))
        .await;
    assert_eq!(r.status, 404);
    let r = api.get("/public-api/resources/no-such-thing").await;
    assert_eq!(r.status, 404);
    let r = api.send("PUT", CPS, Some("{}".into())).await;
    assert_eq!(r.status, 405);
    assert!(r.body["message"].is_string(), "{}", r.text);
}

async fn all_pages(api: &Api, first: &str) -> Vec<Reply> {
    let mut pages = vec![api.get(first).await];
    while let Some(next) = pages.last().and_then(|p| p.body["links"]["next"].as_str()) {
        assert!(pages.len() < 20, "too many pages");
        pages.push(api.get(next).await);
    }
    pages
}

#[tokio::test]
async fn lists_page_by_cursor_and_filter() {
    let (_tg, api) = closed_gateway().await;
    for i in 0..7 {
        create(
            &api,
            json!({"name": format!("P{i}"), "network": {"id": format!("PAGE-{i}")}}),
        )
        .await;
    }
    let pages = all_pages(&api, &format!("{CPS}?per_page=3")).await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.body["data"].as_array().expect("data").len())
        .collect();
    assert_eq!(sizes, [3, 3, 1]);
    let ids: Vec<i64> = pages
        .iter()
        .flat_map(|p| p.body["data"].as_array().cloned().unwrap_or_default())
        .map(|d| d["id"].as_i64().expect("id"))
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ascending, no repeats: {ids:?}"
    );
    assert_eq!(pages[0].body["meta"]["per_page"], 3);
    assert!(pages[2].body["meta"]["next_cursor"].is_null());

    // A filter is carried into the next link.
    let pages = all_pages(&api, &format!("{CPS}?per_page=1&filter[name]=P3")).await;
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].body["data"][0]["network"]["id"], "PAGE-3");
    let r = api
        .get(&format!(
            "{CPS}?filter[networkId]=PAGE-5&filter[unknownThing]=1"
        ))
        .await;
    assert_eq!(r.body["data"].as_array().map(Vec::len), Some(1));
    let r = api
        .get(&format!(
            "{CPS}?filter[lastUpdatedAfter]=2999-01-01T00:00:00Z"
        ))
        .await;
    assert_eq!(r.body["data"], json!([]));
    let r = api
        .get(&format!("{CPS}?filter[lastUpdatedBefore]=2999-01-01"))
        .await;
    assert_eq!(r.body["data"].as_array().map(Vec::len), Some(7));

    for bad in [
        "per_page=0",
        "per_page=101",
        "per_page=x",
        "cursor=bogus",
        "filter[lastUpdatedAfter]=tuesday",
    ] {
        let r = api.get(&format!("{CPS}?{bad}")).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
        assert!(r.body["errors"].is_object(), "{}", r.text);
    }
}

#[tokio::test]
async fn a_generated_token_is_kept_beside_the_store() {
    let tg = start(settings()).await;
    let tokens = tg.gw.api_tokens().to_vec();
    let (token, path) = tg
        .gw
        .generated_api_token()
        .expect("generated at first start");
    assert_eq!(tokens, [token.to_owned()]);
    let text = std::fs::read_to_string(path).expect("token file");
    assert_eq!(text.trim(), token);
    let api = Api::new(tg.gw.api_addr(), Some(token));
    assert_eq!(api.get(CPS).await.status, 200);

    let mut s = settings();
    s.api.tokens = vec!["configured-token".into()];
    let tg = start(s).await;
    assert!(tg.gw.generated_api_token().is_none());
    let api = Api::new(tg.gw.api_addr(), Some("configured-token"));
    assert_eq!(api.get(CPS).await.status, 200);
    assert_eq!(api.with_token(Some(&tokens[0])).get(CPS).await.status, 401);
}
