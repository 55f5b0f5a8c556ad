//! What the notification tests share: a real local webhook receiver that records every
//! request and can be told to fail or hang, subscriptions over the real API, signature
//! checks, and the reference's callback schemas.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};

/// The API token the tests configure.
pub const TOKEN: &str = "notify-test-token";

/// How the receiver answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Ok,
    Fail,
    Hang,
}

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub signature: String,
    pub content_type: String,
    pub raw: Bytes,
    pub body: Value,
    /// How the receiver answered it.
    pub answered: Mode,
}

#[derive(Default)]
struct ReceiverState {
    mode: Mutex<Option<Mode>>,
    seen: Mutex<Vec<Received>>,
}

/// A webhook receiver on 127.0.0.1:0.
pub struct Receiver {
    pub url: String,
    state: Arc<ReceiverState>,
}

async fn hook(State(s): State<Arc<ReceiverState>>, headers: HeaderMap, raw: Bytes) -> StatusCode {
    let mode = s.mode.lock().expect("lock").unwrap_or(Mode::Ok);
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    s.seen.lock().expect("lock").push(Received {
        id: h("x-notification-id"),
        signature: h("x-signature"),
        content_type: h("content-type"),
        body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
        raw,
        answered: mode,
    });
    match mode {
        Mode::Ok => StatusCode::NO_CONTENT,
        Mode::Fail => StatusCode::INTERNAL_SERVER_ERROR,
        Mode::Hang => {
            std::future::pending::<()>().await;
            StatusCode::OK
        }
    }
}

impl Receiver {
    pub async fn start(mode: Mode) -> Receiver {
        let state = Arc::new(ReceiverState::default());
        *state.mode.lock().expect("lock") = Some(mode);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("receiver binds");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url: format!("http://{addr}/hook"),
            state,
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().expect("lock") = Some(mode);
    }

    /// Every request so far.
    pub fn all(&self) -> Vec<Received> {
        self.state.seen.lock().expect("lock").clone()
    }

    /// The requests answered 2xx, in arrival order.
    pub fn accepted(&self) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|r| r.answered == Mode::Ok)
            .collect()
    }
}

/// Polls `cond` until it holds or `limit` passes.
pub async fn within<F, Fut>(limit: Duration, what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if cond().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// An HTTP client with a bounded timeout.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

/// Sends a request to the API with the test token; returns the status and JSON body.
pub async fn api(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let mut req = http().request(method, url).bearer_auth(TOKEN);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("API answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Creates a webhook subscription through the API; returns its id.
pub async fn subscribe(api_addr: SocketAddr, callback: &str, names: &[&str]) -> i64 {
    let (status, body) = api(
        reqwest::Method::POST,
        format!("http://{api_addr}/public-api/notifications/v2.0"),
        Some(
            json!({"via": "webhook", "webhook": {"callbackUrl": callback}, "notifications": names}),
        ),
    )
    .await;
    assert_eq!(status, 201, "subscription created: {body}");
    body["data"]["id"].as_i64().expect("id")
}

/// Whether `sig` is the hex HMAC-SHA256 of `raw` keyed with `token`.
pub fn signed_by(token: &str, raw: &[u8], sig: &str) -> bool {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, token.as_bytes());
    match hex::decode(sig) {
        Ok(tag) => ring::hmac::verify(&key, raw, &tag).is_ok(),
        Err(_) => false,
    }
}

/// The reference's callback schemas by notification name, if the reference is present.
/// Prints a skip notice when it is not; panics when it is not and `CI` is set.
pub fn callback_schemas() -> Option<&'static HashMap<String, Value>> {
    static SCHEMAS: OnceLock<Option<HashMap<String, Value>>> = OnceLock::new();
    let found = SCHEMAS.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/reference/ampeco-public-api-subset.json");
        let text = std::fs::read_to_string(&path).ok()?;
        let doc: Value = serde_json::from_str(&text).expect("the reference is JSON");
        let callbacks = doc["paths"]["/public-api/notifications/v2.0"]["post"]["callbacks"]
            .as_object()
            .expect("callbacks");
        let mut out = HashMap::new();
        for (name, cb) in callbacks {
            let schema = cb
                .as_object()
                .and_then(|o| o.values().next())
                .and_then(|p| p.get("post"))
                .map(|op| op["requestBody"]["content"]["application/json"]["schema"].clone());
            if let Some(mut s) = schema {
                nullable_to_type(&mut s);
                out.insert(name.clone(), s);
            }
        }
        Some(out)
    });
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but ../shared/reference/ampeco-public-api-subset.json is missing");
        }
        eprintln!(
            "skipped: schema checks (../shared/reference/ampeco-public-api-subset.json absent)"
        );
    }
    found.as_ref()
}

/// OpenAPI `nullable: true` as JSON Schema: `type: [t, "null"]` (and null in an enum).
fn nullable_to_type(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if map.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(Value::String(t)) = map.get("type").cloned() {
                    map.insert("type".into(), json!([t, "null"]));
                }
                if let Some(Value::Array(e)) = map.get_mut("enum") {
                    if !e.contains(&Value::Null) {
                        e.push(Value::Null);
                    }
                }
            }
            for child in map.values_mut() {
                nullable_to_type(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(nullable_to_type),
        _ => {}
    }
}

/// Checks a delivered body against its notification's callback schema.
pub fn check_body(schemas: &HashMap<String, Value>, body: &Value) {
    let name = body["notification"].as_str().expect("notification name");
    let schema = schemas
        .get(name)
        .unwrap_or_else(|| panic!("the reference has no callback for {name}"));
    let validator = jsonschema::validator_for(schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} (at {})", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} body {body} fails its schema: {errors:?}"
    );
}

/// Test settings with the API token and quick retries.
pub fn gateway_settings() -> ocpp_gateway::config::Settings {
    let mut s = crate::common::settings();
    s.api.tokens = vec![TOKEN.into()];
    s.notify.backoff_base = Duration::from_millis(20);
    s.notify.backoff_max = Duration::from_millis(200);
    s.notify.poll_interval = Duration::from_millis(500);
    s.notify.timeout = Duration::from_secs(3);
    s.notify.max_attempts = 1000;
    s
}

/// The charge point id the store gave `identity`.
pub async fn cp_id(tg: &crate::common::TestGateway, identity: &str) -> i64 {
    tg.store
        .charge_point_by_identity(identity)
        .await
        .expect("read")
        .expect("charge point")
        .id
}

/// The first arrival of each id, in arrival order.
pub fn first_arrivals(received: &[Received]) -> Vec<Received> {
    let mut seen = std::collections::HashSet::new();
    received
        .iter()
        .filter(|r| seen.insert(r.id.clone()))
        .cloned()
        .collect()
}

/// The requests about charge point `cp` (by `chargePointId`).
pub fn of_cp(received: &[Received], cp: i64) -> Vec<Received> {
    received
        .iter()
        .filter(|r| r.body["chargePointId"] == json!(cp))
        .cloned()
        .collect()
}
