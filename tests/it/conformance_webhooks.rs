//! Webhook callbacks go only where `notify.allow_callbacks_to` allows: by default a
//! callback URL whose host is, or resolves to, a loopback, link-local, private or
//! otherwise special address is refused with 422, and a subscription that points at one
//! anyway (a name that resolves elsewhere later: DNS rebinding) gets no delivery, since
//! each delivery checks the addresses it connects to.

use crate::common;
use crate::notify_common;

use std::time::Duration;

use common::*;
use notify_common::*;
use ocpp_gateway::config::CallbackScope;
use ocpp_gateway::store::notify::{EventStatus, SubscriptionSpec};
use serde_json::json;

fn public_only() -> ocpp_gateway::config::Settings {
    let mut s = gateway_settings();
    s.notify.allow_callbacks_to = CallbackScope::Public;
    s
}

/// What a user sees: the subscription refused with 422 naming `webhook.callbackUrl`.
#[tokio::test]
async fn internal_callback_urls_are_refused_by_default() {
    let tg = start(public_only()).await;
    let base = format!("http://{}/public-api/notifications/v2.0", tg.gw.api_addr());
    let body = |url: &str| json!({"via": "webhook", "webhook": {"callbackUrl": url}, "notifications": ["evse.changed"]});
    for url in [
        "http://127.0.0.1:9/hook",
        "http://127.1.2.3/hook",
        "http://localhost:8080/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://192.168.1.10:8080/hook",
        "http://172.20.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
    ] {
        let (status, answer) = api(reqwest::Method::POST, base.clone(), Some(body(url))).await;
        assert_eq!(status, 422, "{url}: {answer}");
        let message = answer["errors"]["webhook.callbackUrl"][0]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains("not allowed"), "{url}: {answer}");
    }
    // A public address is taken; an update to an internal one is refused the same way.
    let (status, created) = api(
        reqwest::Method::POST,
        base.clone(),
        Some(body("http://93.184.215.14/hook")),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["data"]["id"].as_i64().expect("id");
    let (status, answer) = api(
        reqwest::Method::PUT,
        format!("{base}/{id}"),
        Some(body("http://127.0.0.1:9/hook")),
    )
    .await;
    assert_eq!(status, 422, "{answer}");
    assert_eq!(tg.store.count("subscriptions").await.expect("count"), 1);
}

/// A subscription already stored with an internal callback (its name resolved to a
/// public address when it was made) gets no request: each delivery checks again, for an
/// IP host and for a name through the addresses it resolves to now.
#[tokio::test]
async fn each_delivery_checks_the_address_again() {
    let tg = start(public_only()).await;
    let rx = Receiver::start(Mode::Ok).await;
    let by_name = rx.url.replace("127.0.0.1", "localhost");
    let mut subs = Vec::new();
    for url in [rx.url.clone(), by_name] {
        let spec = SubscriptionSpec {
            via: "webhook".into(),
            callback_url: url,
            notifications: vec!["HardwareStatusNotification".into()],
        };
        let token = ocpp_gateway::notify::deliver::token_sha256(TOKEN);
        subs.push(
            tg.store
                .create_subscription(spec, token)
                .await
                .expect("stored")
                .id,
        );
    }
    let mut c = charger(&tg, "WH-REBIND", "ocpp1.6").await;
    c.call(
        "StatusNotification",
        json!({"connectorId": 1, "errorCode": "NoError", "status": "Available"}),
    )
    .await;
    for sub in &subs {
        within(Duration::from_secs(10), "a refused attempt", || async {
            tg.store
                .outbox_events(*sub, EventStatus::Pending, 10)
                .await
                .expect("read")
                .iter()
                .any(|e| {
                    e.last_error
                        .as_deref()
                        .is_some_and(|m| m.contains("not allowed"))
                })
        })
        .await;
    }
    assert!(rx.all().is_empty(), "the receiver was reached");
}
