//! Subscriptions over HTTP in the reference's shapes, and failed events resent.

use crate::common;
use crate::notify_common;

use std::time::Duration;

use common::*;
use notify_common::*;
use ocpp_gateway::store::notify::EventStatus;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn subscriptions_are_created_listed_changed_and_deleted() {
    let tg = start(gateway_settings()).await;
    let base = format!("http://{}/public-api/notifications/v2.0", tg.gw.api_addr());
    let body = json!({"via": "webhook", "webhook": {"callbackUrl": "https://example.com/a"}, "notifications": ["BootNotification"]});

    let resp = http().post(&base).json(&body).send().await.expect("answer");
    assert_eq!(resp.status().as_u16(), 401, "no token");
    let resp = http()
        .post(&base)
        .bearer_auth("wrong")
        .json(&body)
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status().as_u16(), 401, "unknown token");

    let (st, created) = api(Method::POST, base.clone(), Some(body.clone())).await;
    assert_eq!(st, 201);
    let id = created["data"]["id"].as_i64().expect("id");
    assert_eq!(created["data"]["via"], "webhook");
    assert_eq!(
        created["data"]["webhook"]["callbackUrl"],
        "https://example.com/a"
    );
    assert_eq!(
        created["data"]["notifications"],
        json!(["BootNotification"])
    );

    let (st, bad) = api(
        Method::POST,
        base.clone(),
        Some(json!({"via": "pigeon", "webhook": {"callbackUrl": "not a url"}, "notifications": ["BootNotification", "nope"]})),
    )
    .await;
    assert_eq!(st, 422);
    for field in ["via", "notifications.1"] {
        assert!(bad["errors"][field].is_array(), "{field} in {bad}");
    }
    assert!(bad["message"].is_string());

    for n in 0..2 {
        let b = json!({"via": "webhook", "webhook": {"callbackUrl": format!("https://example.com/{n}")}, "notifications": ["evse.changed"]});
        assert_eq!(api(Method::POST, base.clone(), Some(b)).await.0, 201);
    }
    let (st, page) = api(Method::GET, format!("{base}?per_page=2"), None).await;
    assert_eq!(st, 200);
    assert_eq!(page["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(page["meta"]["per_page"], 2);
    let next = page["links"]["next"].as_str().expect("a next page");
    let (_, rest) = api(
        Method::GET,
        format!("http://{}{next}", tg.gw.api_addr()),
        None,
    )
    .await;
    assert_eq!(rest["data"].as_array().map(Vec::len), Some(1));
    assert!(rest["links"]["next"].is_null());
    assert_eq!(
        api(Method::GET, format!("{base}?per_page=0"), None).await.0,
        422
    );

    let item = format!("{base}/{id}");
    let changed = json!({"via": "webhook", "webhook": {"callbackUrl": "https://example.com/b"}, "notifications": ["evse.changed", "BootNotification"]});
    let (st, put) = api(Method::PUT, item.clone(), Some(changed)).await;
    assert_eq!(st, 200);
    assert_eq!(
        put["data"]["notifications"],
        json!(["evse.changed", "BootNotification"])
    );
    let (st, got) = api(Method::GET, item.clone(), None).await;
    assert_eq!(
        (st, got["data"]["webhook"]["callbackUrl"].clone()),
        (200, json!("https://example.com/b"))
    );
    assert_eq!(
        api(Method::PUT, item.clone(), Some(json!({"via": "webhook"})))
            .await
            .0,
        422
    );
    assert_eq!(api(Method::DELETE, item.clone(), None).await.0, 204);
    assert_eq!(api(Method::GET, item.clone(), None).await.0, 404);
    assert_eq!(api(Method::DELETE, item.clone(), None).await.0, 404);
    assert_eq!(
        api(Method::PUT, format!("{base}/999"), Some(body)).await.0,
        404
    );
    assert_eq!(api(Method::GET, format!("{base}/abc"), None).await.0, 404);
}

#[tokio::test]
async fn exhausted_events_are_kept_as_failed_and_resent() {
    let mut s = gateway_settings();
    s.notify.max_attempts = 2;
    let tg = start(s).await;
    let rx = Receiver::start(Mode::Fail).await;
    let sub = subscribe(
        tg.gw.api_addr(),
        &rx.url,
        &["HardwareStatusNotification", "BootNotification"],
    )
    .await;
    let mut c = charger(&tg, "F1", "ocpp1.6").await;
    for st in ["Available", "Preparing", "Charging"] {
        c.call("StatusNotification", json!({"connectorId": 1, "errorCode": "NoError", "status": st, "timestamp": "2026-11-28T10:00:00Z"})).await;
    }
    within(WAIT, "three events failed for good", || async {
        tg.store
            .outbox_events(sub, EventStatus::Failed, 100)
            .await
            .expect("read")
            .len()
            == 3
    })
    .await;
    let failed = tg
        .store
        .outbox_events(sub, EventStatus::Failed, 100)
        .await
        .expect("read");
    assert!(
        failed.iter().all(|e| e.attempts == 2
            && e.last_error.as_deref() == Some("the receiver answered HTTP 500")),
        "{failed:?}"
    );
    let stats = tg.gw.notify_stats().await.expect("outbox").expect("stats");
    assert_eq!((stats.failed, stats.outbox_depth), (3, 0));

    rx.set_mode(Mode::Ok);
    let resend = |id: i64, body| {
        let url = format!(
            "http://{}/public-api/actions/notifications/v1.0/{id}/resend",
            tg.gw.api_addr()
        );
        api(Method::POST, url, Some(body))
    };
    assert_eq!(
        resend(sub, json!({"notifications": ["evse.changed"]}))
            .await
            .0,
        409,
        "not subscribed"
    );
    assert_eq!(resend(sub, json!({"startTime": "yesterday"})).await.0, 422);
    assert_eq!(
        resend(999, json!({"notifications": ["BootNotification"]}))
            .await
            .0,
        404
    );
    let (st, _) = resend(sub, json!({"notifications": ["HardwareStatusNotification"], "startTime": "2020-01-01T00:00:00Z"})).await;
    assert_eq!(st, 202);
    within(WAIT, "the resent events delivered", || async {
        let got = first_arrivals(&rx.accepted());
        failed
            .iter()
            .all(|e| got.iter().any(|r| r.id == e.id.to_string()))
    })
    .await;
    let ids: Vec<String> = first_arrivals(&rx.accepted())
        .iter()
        .map(|r| r.id.clone())
        .collect();
    let want: Vec<String> = failed.iter().map(|e| e.id.to_string()).collect();
    assert_eq!(ids, want, "in their original order");
    within(Duration::from_secs(5), "none failed any more", || async {
        tg.store
            .outbox_events(sub, EventStatus::Failed, 100)
            .await
            .expect("read")
            .is_empty()
    })
    .await;
    let (st, body) = resend(
        sub,
        json!({"notifications": ["HardwareStatusNotification"]}),
    )
    .await;
    assert_eq!(st, 429, "a second resend within the interval: {body}");
}

#[tokio::test]
async fn events_of_a_token_no_longer_configured_fail_with_a_reason() {
    let tg = start(gateway_settings()).await;
    let rx = Receiver::start(Mode::Ok).await;
    let spec = ocpp_gateway::store::notify::SubscriptionSpec {
        via: "webhook".into(),
        callback_url: rx.url.clone(),
        notifications: vec!["HardwareStatusNotification".into()],
    };
    // Made with a token that has since been removed from the settings.
    let sub = tg
        .store
        .create_subscription(spec, "00".repeat(32))
        .await
        .expect("stored");
    let mut c = charger(&tg, "GONE", "ocpp1.6").await;
    c.call("StatusNotification", json!({"connectorId": 1, "errorCode": "NoError", "status": "Available", "timestamp": "2026-11-28T10:00:00Z"})).await;
    within(WAIT, "the event failed", || async {
        !tg.store
            .outbox_events(sub.id, EventStatus::Failed, 10)
            .await
            .expect("read")
            .is_empty()
    })
    .await;
    let failed = tg
        .store
        .outbox_events(sub.id, EventStatus::Failed, 10)
        .await
        .expect("read");
    let reason = failed[0].last_error.clone().unwrap_or_default();
    assert!(reason.contains("no longer configured"), "{reason}");
    assert!(rx.all().is_empty(), "nothing unsigned was sent");
}
