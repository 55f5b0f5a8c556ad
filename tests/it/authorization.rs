//! Id tags: the gateway's list, an upstream authorization service with a cache, and the
//! offline policy — in both versions.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::post;
use axum::{Json, Router};
use common::*;
use ocpp_gateway::config::Policy;
use serde_json::{json, Value};

/// Adds an id tag the way the id-tags resource stores it.
async fn add_tag(tg: &TestGateway, uid: &str, status: &str, expire_at: Option<&str>) {
    let expire_at = expire_at.map_or("NULL".to_owned(), |e| format!("'{e}'"));
    tg.store
        .exec(&format!(
            "INSERT INTO id_tags (id_tag_uid, status, expire_at, created_at, updated_at)
             VALUES ('{uid}', '{status}', {expire_at}, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')"
        ))
        .await;
}

async fn authorize16(c: &mut Client, tag: &str) -> Value {
    c.call("Authorize", json!({"idTag": tag})).await["idTagInfo"]["status"].clone()
}

async fn authorize201(c: &mut Client, tag: &str) -> Value {
    c.call(
        "Authorize",
        json!({"idToken": {"idToken": tag, "type": "ISO14443"}}),
    )
    .await["idTokenInfo"]["status"]
        .clone()
}

#[tokio::test]
async fn enabled_disabled_expired_and_unknown_tags_in_both_versions() {
    let mut s = settings();
    s.auth.unknown = Policy::Reject;
    let tg = start(s).await;
    add_tag(&tg, "GOOD", "enabled", Some("2099-01-01T00:00:00.000Z")).await;
    add_tag(&tg, "OFF", "disabled", None).await;
    add_tag(&tg, "HOLD", "suspended", None).await;
    add_tag(&tg, "OLD", "enabled", Some("2020-01-01T00:00:00.000Z")).await;
    let mut c16 = charger(&tg, "AUTH16", "ocpp1.6").await;
    let mut c201 = charger(&tg, "AUTH201", "ocpp2.0.1").await;
    for (tag, expected) in [
        ("GOOD", "Accepted"),
        ("OFF", "Blocked"),
        ("HOLD", "Blocked"),
        ("OLD", "Expired"),
        ("NOBODY", "Invalid"),
    ] {
        assert_eq!(
            authorize16(&mut c16, tag).await,
            json!(expected),
            "1.6 {tag}"
        );
        assert_eq!(
            authorize201(&mut c201, tag).await,
            json!(expected),
            "2.0.1 {tag}"
        );
    }
    // StartTransaction carries the same verdict, and still gets a transaction id.
    let started = c16
        .call("StartTransaction", json!({"connectorId": 1, "idTag": "OFF", "meterStart": 0, "timestamp": "2026-11-28T10:00:00Z"}))
        .await;
    assert_eq!(started["idTagInfo"]["status"], "Blocked");
    assert!(started["transactionId"].is_i64());
    // Every decision is recorded.
    assert_eq!(tg.store.count("authorizations").await.expect("read"), 11);
}

/// A local upstream authorization service: `UP-*` tags accepted, `BAN-*` blocked,
/// others unknown (404). Counts the questions it gets.
async fn upstream() -> (String, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let counter = asked.clone();
    let app = Router::new().route(
        "/authorize",
        post(move |Json(body): Json<Value>| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                let tag = body["idTag"].as_str().unwrap_or_default().to_owned();
                assert!(body["chargePointId"].is_string());
                if tag.starts_with("UP-") {
                    Ok(Json(json!({"status": "accepted"})))
                } else if tag.starts_with("BAN-") {
                    Ok(Json(json!({"status": "blocked"})))
                } else {
                    Err(axum::http::StatusCode::NOT_FOUND)
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/authorize", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, asked, task)
}

#[tokio::test]
async fn the_upstream_is_asked_for_unknown_tags_and_its_answer_cached() {
    let (url, asked, _server) = upstream().await;
    let mut s = settings();
    s.auth.unknown = Policy::Reject;
    s.auth.upstream_url = url;
    s.auth.cache_ttl = Duration::from_secs(300);
    let tg = start(s).await;
    add_tag(&tg, "LOCAL", "enabled", None).await;
    let mut c = charger(&tg, "UPC", "ocpp1.6").await;
    assert_eq!(authorize16(&mut c, "LOCAL").await, "Accepted");
    assert_eq!(
        asked.load(Ordering::SeqCst),
        0,
        "tags the gateway holds are not asked"
    );
    assert_eq!(authorize16(&mut c, "UP-1").await, "Accepted");
    assert_eq!(authorize16(&mut c, "UP-1").await, "Accepted");
    assert_eq!(
        asked.load(Ordering::SeqCst),
        1,
        "the second answer came from the cache"
    );
    assert_eq!(authorize16(&mut c, "BAN-1").await, "Blocked");
    assert_eq!(
        authorize16(&mut c, "WHO-1").await,
        "Invalid",
        "unknown upstream too"
    );
}

#[tokio::test]
async fn when_the_upstream_is_down_the_offline_policy_answers() {
    // A port nothing listens on: bind, take the address, close.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}/authorize", l.local_addr().expect("addr"))
    };
    for (policy, expected) in [(Policy::Accept, "Accepted"), (Policy::Reject, "Invalid")] {
        let mut s = settings();
        s.auth.upstream_url = dead.clone();
        s.auth.upstream_timeout = Duration::from_millis(500);
        s.auth.offline_policy = policy;
        let tg = start(s).await;
        let mut c = charger(&tg, "DOWN", "ocpp2.0.1").await;
        assert_eq!(
            authorize201(&mut c, "ANY-1").await,
            json!(expected),
            "{policy:?}"
        );
    }
}
