//! The notifications actions cause: an applied charging profile, a configuration sync
//! and a reservation reach a subscriber, each valid against the reference's callback
//! schema.

use crate::actions_common;
use crate::common;
use crate::notify_common;

use actions_common::*;
use common::reference::Api;
use common::*;
use notify_common::*;
use ocpp_gateway::ocpp::OcppVersion;
use serde_json::json;

#[tokio::test]
async fn profile_configuration_and_reservation_notifications() {
    let rx = Receiver::start(Mode::Ok).await;
    let mut s = gateway_settings();
    s.ocpp.call_timeout = CALL_TIMEOUT;
    let tg = start_with(s).await;
    subscribe(
        tg.gw.api_addr(),
        &rx.url,
        &[
            "chargingProfile.applied",
            "ChargePointSyncConfigurationNotification",
            "reservation.changed",
        ],
    )
    .await;
    let c = charger(&tg, "NOTE16", "ocpp1.6").await;
    eventually("registered", || async { tg.gw.charger("NOTE16").is_some() }).await;
    let api = Api::new(tg.gw.api_addr(), Some(TOKEN));
    let cp = charge_point_id(&api, "NOTE16").await;
    let mut r = Rig {
        tg,
        api,
        c,
        cp,
        version: OcppVersion::V16,
    };

    let profile = json!({
        "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000}]}
    });
    let (_, reply) = r
        .exchange(
            &r.path("v1.0", "set-charging-profile/1"),
            profile,
            "SetChargingProfile",
            Answer::Result(json!({"status": "Accepted"})),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    let profile_id = reply.body["data"]["id"].clone();
    let (_, reply) = r
        .exchange(
            &r.path("v1.0", "sync-configuration"),
            json!({"keys": ["HeartbeatInterval"]}),
            "GetConfiguration",
            Answer::Result(json!({"configurationKey": [
                {"key": "HeartbeatInterval", "readonly": false, "value": "60"}]})),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    let request_id = reply.body["requestId"].clone();
    let (_, reply) = r
        .exchange(
            &r.path("v1.0", "reserve/1"),
            json!({"userId": 7}),
            "ReserveNow",
            Answer::Result(json!({"status": "Accepted"})),
        )
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    let reservation = reply.body["reservationId"].clone();

    within(WAIT, "three notifications", || async {
        first_arrivals(&rx.accepted()).len() >= 3
    })
    .await;
    let got = first_arrivals(&rx.accepted());
    let schemas = callback_schemas();
    for n in &got {
        assert!(signed_by(TOKEN, &n.raw, &n.signature), "{}", n.body);
        if let Some(schemas) = schemas {
            check_body(schemas, &n.body);
        }
    }
    let by = |name: &str| {
        got.iter()
            .find(|n| n.body["notification"] == name)
            .map(|n| n.body.clone())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let applied = by("chargingProfile.applied");
    assert_eq!(applied["chargingProfile"]["id"], profile_id);
    assert_eq!(applied["chargePointId"], cp);
    let sync = by("ChargePointSyncConfigurationNotification");
    assert_eq!(sync["requestId"], request_id);
    assert_eq!(sync["configuration"][0]["key"], "HeartbeatInterval");
    let reserved = by("reservation.changed");
    assert_eq!(reserved["reservationId"], reservation);
    assert_eq!(reserved["status"], "active");
}
