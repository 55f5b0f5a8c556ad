//! The HTTP API in process: the router built on the gateway's shared state over a real
//! SQLite store in a temporary folder, driven with `oneshot` (no socket, no listener).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use tower::ServiceExt;

use ocpp_gateway::api::{self, ApiState, TokenSet};
use ocpp_gateway::config::Settings;
use ocpp_gateway::gateway::Shared;
use ocpp_gateway::store::{Resources, SqlStore, Store};

const TOKEN: &str = "oneshot-token";

/// The API's router over a fresh store, accepting [`TOKEN`].
fn app(dir: &tempfile::TempDir) -> axum::Router {
    let mut settings = Settings::embedded().expect("embedded settings");
    settings.store.path = dir.path().join("gateway.db");
    settings.tls.client_ca = Default::default();
    settings.tls.ca_key = Default::default();
    settings.pnc.dir = Default::default();
    settings.local_list.enabled = false;
    let store = Arc::new(SqlStore::open(&settings.store).expect("store"));
    let resources: Arc<dyn Resources> = store.clone();
    let shared = Shared::new(settings, store as Arc<dyn Store>, resources.clone(), None)
        .expect("shared state");
    let tokens = vec![TOKEN.to_owned()];
    let state = Arc::new(ApiState { shared, resources });
    api::app(state, Arc::new(TokenSet::new(&tokens)), &tokens)
}

/// GETs `path` with `token` as the Bearer token: the status and the JSON body.
async fn get(app: axum::Router, path: &str, token: &str) -> (StatusCode, Value) {
    let request = Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request");
    let response = app.oneshot(request).await.expect("response");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    let json = serde_json::from_slice(&body).expect("a JSON body");
    (status, json)
}

const CHARGE_POINT: &str = "/public-api/resources/charge-points/v2.0/4242";

#[tokio::test]
async fn a_wrong_bearer_token_is_401_with_its_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (status, body) = get(app(&dir), CHARGE_POINT, "not-the-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body,
        json!({"message": "Unauthenticated: the token is not valid."})
    );
}

#[tokio::test]
async fn an_unknown_charge_point_is_404_with_its_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (status, body) = get(app(&dir), CHARGE_POINT, TOKEN).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"message": "Charge point not found."}));
}
