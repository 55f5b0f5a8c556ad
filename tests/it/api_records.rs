//! Id tags (full CRUD), and the read-only records: authorizations, reservations,
//! security events and the configuration snapshot. Every response is checked against
//! the reference.

use crate::common;

use common::reference::{Api, R};
use common::*;
use serde_json::json;

const TAGS: &str = "/public-api/resources/id-tags/v2.0";

async fn gateway() -> (TestGateway, Api) {
    let tg = start(settings()).await;
    let token = tg.gw.api_tokens().first().expect("a token").clone();
    let api = Api::new(tg.gw.api_addr(), Some(&token));
    (tg, api)
}

#[tokio::test]
async fn id_tags_are_created_read_updated_and_deleted() {
    let (_tg, api) = gateway().await;
    let r = api
        .post(
            TAGS,
            json!({"idTagUid": "04A2B3C4", "status": "enabled", "type": "rfid",
                          "expireAt": "2030-01-01T00:00:00+01:00", "idLabel": "Fleet 1"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let tag = &r.body["data"];
    assert_eq!(tag["expireAt"], "2029-12-31T23:00:00.000Z");
    assert_eq!(tag["externalId"], json!(null));
    let id = tag["id"].as_i64().expect("id");

    let dup = api
        .post(
            TAGS,
            json!({"idTagUid": "04A2B3C4", "status": "enabled", "type": "rfid"}),
        )
        .await;
    assert_eq!(dup.status, 422);
    assert!(dup.body["errors"]["idTagUid"].is_array(), "{}", dup.text);
    for (body, field) in [
        (json!({"status": "enabled"}), "idTagUid"),
        (json!({"idTagUid": "X".repeat(37)}), "idTagUid"),
        (json!({"idTagUid": "A1", "status": "lost"}), "status"),
        (json!({"idTagUid": "A1", "type": "emaid"}), "type"),
        (json!({"idTagUid": "A1", "expireAt": "soon"}), "expireAt"),
    ] {
        let r = api.post(TAGS, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(r.body["errors"][field].is_array(), "{body}: {}", r.text);
    }

    // Defaults, and a second tag for the filters.
    let r = api
        .post(TAGS, json!({"idTagUid": "MAC-01", "type": "mac_address"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.body["data"]["status"], "enabled");

    let r = api
        .patch(
            &format!("{TAGS}/{id}"),
            json!({"status": "suspended", "idLabel": null, "externalId": "ext-1"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["data"]["status"], "suspended");
    assert_eq!(r.body["data"]["idLabel"], json!(null));
    assert_eq!(r.body["data"]["externalId"], "ext-1");
    assert_eq!(r.body["data"]["idTagUid"], "04A2B3C4");
    let r = api
        .patch(&format!("{TAGS}/{id}"), json!({"idTagUid": "MAC-01"}))
        .await;
    assert_eq!(r.status, 422, "{}", r.text);

    for (filter, n) in [
        ("", 2),
        ("?filter[status]=suspended", 1),
        ("?filter[idTagUid]=MAC-01", 1),
        ("?filter[type]=mac_address", 1),
        ("?filter[lastUpdatedAfter]=2999-01-01T00:00:00Z", 0),
    ] {
        let r = api.get(&format!("{TAGS}{filter}")).await;
        assert_eq!(
            r.body["data"].as_array().map(Vec::len),
            Some(n),
            "{filter}: {}",
            r.text
        );
    }
    assert_eq!(
        api.get(&format!("{TAGS}?filter[status]=gone")).await.status,
        422
    );

    assert_eq!(api.get(&format!("{TAGS}/{id}")).await.status, 200);
    assert_eq!(api.delete(&format!("{TAGS}/{id}")).await.status, 204);
    assert_eq!(api.get(&format!("{TAGS}/{id}")).await.status, 404);
    assert_eq!(api.delete(&format!("{TAGS}/{id}")).await.status, 404);
    assert_eq!(
        api.patch(&format!("{TAGS}/{id}"), json!({"status": "enabled"}))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn records_of_what_chargers_did_are_listed_and_read() {
    let (tg, api) = gateway().await;
    let mut c = charger(&tg, "REC-1", "ocpp1.6").await;
    c.call("StatusNotification", json!({"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": "2026-11-28T10:00:00Z"}))
        .await;
    let cp: i64 = tg
        .store
        .texts("SELECT id FROM charge_points WHERE identity = 'REC-1'")
        .await
        .first()
        .and_then(|row| row[0].as_deref()?.parse().ok())
        .expect("charge point");
    let at = "'2026-11-28T10:00:00.000Z'";
    tg.store
        .exec(&format!(
            "INSERT INTO authorizations (charge_point_id, id_tag, status, method, source, created_at, updated_at)
             VALUES ({cp}, 'TAG-A', 'accepted', 'id_tag', 'local', {at}, {at}),
                    ({cp}, 'TAG-B', 'rejected', 'id_tag', 'local', {at}, {at});
             INSERT INTO reservations (charge_point_id, evse_network_id, id_tag, status, expires_at, created_at, updated_at)
             VALUES ({cp}, 1, 'TAG-A', 'active', '2026-11-28T10:30:00.000Z', {at}, {at}),
                    ({cp}, 1, 'TAG-B', 'expired', '2026-11-28T10:15:00.000Z', {at}, {at}),
                    ({cp}, 1, 'TAG-C', 'canceled', '2026-11-28T10:15:00.000Z', {at}, {at});
             INSERT INTO security_events (charge_point_id, type, tech_info, occurred_at, created_at)
             VALUES ({cp}, 'FirmwareUpdated', 'v2', {at}, {at}), ({cp}, 'ResetOrReboot', NULL, {at}, {at});
             INSERT INTO configurations (charge_point_id, key, value, readonly, updated_at)
             VALUES ({cp}, 'HeartbeatInterval', '300', FALSE, {at}), ({cp}, 'ChargePointModel', NULL, TRUE, {at});"
        ))
        .await;

    let a = api.get(&format!("{R}/authorizations/v2.1")).await;
    assert_eq!(
        a.body["data"].as_array().map(Vec::len),
        Some(2),
        "{}",
        a.text
    );
    let first = a.body["data"][0]["id"].as_i64().expect("id");
    let one = api.get(&format!("{R}/authorizations/v2.1/{first}")).await;
    assert_eq!(one.body["data"]["idTagUid"], "TAG-A");
    assert_eq!(one.body["data"]["chargePointId"], cp);
    let rejected = api
        .get(&format!("{R}/authorizations/v2.1?filter[status]=rejected"))
        .await;
    assert_eq!(rejected.body["data"][0]["idTagUid"], "TAG-B");
    assert_eq!(
        api.get(&format!("{R}/authorizations/v2.1/999"))
            .await
            .status,
        404
    );

    // Reservations page by number, as the reference does.
    let r = api.get(&format!("{R}/reservations/v1.0?per_page=2")).await;
    assert_eq!(r.body["meta"]["total"], 3);
    assert_eq!(r.body["meta"]["last_page"], 2);
    assert_eq!(r.body["data"][0]["duration"], 30);
    assert!(r.body["data"][0]["evseId"].is_i64(), "{}", r.text);
    let next = r.body["links"]["next"].as_str().expect("next").to_owned();
    let r2 = api.get(&next).await;
    assert_eq!(r2.body["data"][0]["status"], "canceled");
    assert!(r2.body["links"]["next"].is_null());
    let active = api
        .get(&format!("{R}/reservations/v1.0?filter[status]=active"))
        .await;
    assert_eq!(active.body["meta"]["total"], 1);
    let id = active.body["data"][0]["id"].as_i64().expect("id");
    assert_eq!(
        api.get(&format!("{R}/reservations/v1.0/{id}")).await.status,
        200
    );
    assert_eq!(
        api.get(&format!("{R}/reservations/v1.0/999")).await.status,
        404
    );

    let e = api
        .get(&format!(
            "{R}/security-events/v2.0?filter[type]=FirmwareUpdated"
        ))
        .await;
    assert_eq!(e.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(e.body["data"][0]["techInfo"], "v2");
    let id = e.body["data"][0]["id"].as_i64().expect("id");
    let one = api.get(&format!("{R}/security-events/v2.0/{id}")).await;
    assert_eq!(one.body["data"]["chargePoint"], cp);
    let all = api
        .get(&format!(
            "{R}/security-events/v2.0?filter[chargePoint]={cp}"
        ))
        .await;
    assert_eq!(all.body["data"].as_array().map(Vec::len), Some(2));

    let cfg = api
        .get(&format!("{R}/charge-points/v2.0/{cp}/configurations"))
        .await;
    assert_eq!(
        cfg.body["data"].as_array().map(Vec::len),
        Some(2),
        "{}",
        cfg.text
    );
    let one = api
        .get(&format!(
            "{R}/charge-points/v2.0/{cp}/configurations/HeartbeatInterval"
        ))
        .await;
    assert_eq!(
        one.body["data"]["key"],
        json!({"name": "HeartbeatInterval", "value": "300"})
    );
    assert_eq!(one.body["data"]["readonly"], false);
    let named = api
        .get(&format!(
            "{R}/charge-points/v2.0/{cp}/configurations?filter[name]=ChargePointModel"
        ))
        .await;
    assert_eq!(named.body["data"][0]["readonly"], true);
    assert_eq!(
        api.get(&format!(
            "{R}/charge-points/v2.0/{cp}/configurations/NoSuchKey"
        ))
        .await
        .status,
        404
    );
}
