//! Shared test harness: the real gateway on 127.0.0.1:0 and a raw OCPP-J client.

pub mod binary;
pub mod pg;
pub mod python;
pub mod reference;
pub mod schema;
pub mod store;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use ocpp_gateway::config::{ChargerSeed, Settings};
use ocpp_gateway::store::SqlStore;
use ocpp_gateway::Gateway;

/// Every await in a test is bounded by this.
pub const WAIT: Duration = Duration::from_secs(10);

/// A running gateway with its store: a real SQLite file in a temporary folder, or with
/// `OCPP_GATEWAY_TEST_STORE=postgres` a fresh PostgreSQL database (see [`store`]).
pub struct TestGateway {
    pub gw: Gateway,
    pub store: store::TestStore,
    pub dir: Arc<tempfile::TempDir>,
}

/// Settings for tests: loopback listeners on port 0, open registration, a store in a
/// fresh temporary folder (kept alive by the returned gateway).
pub fn settings() -> Settings {
    let mut s = Settings::embedded().expect("embedded settings");
    s.store.path = std::path::PathBuf::new();
    s.ocpp.listen = "127.0.0.1:0".parse().expect("addr");
    s.api.listen = "127.0.0.1:0".parse().expect("addr");
    s.ocpp.auto_register = true;
    s.ocpp.allow_unauthenticated = true;
    s.auth.unknown = ocpp_gateway::config::Policy::Accept;
    s.ocpp.drain_spread = Duration::ZERO;
    // Hermetic: no charger CA from a certs/ folder a developer may have made.
    s.tls.client_ca = Default::default();
    s.tls.ca_key = Default::default();
    // Nor a Plug & Charge PKI from certs/pnc.
    s.pnc.dir = Default::default();
    // Nor local list syncs after each boot: a raw charger would be asked for its
    // configuration before the test's own calls (tests/conformance_local_list.rs turns
    // them on).
    s.local_list.enabled = false;
    // The webhook receivers of the tests listen on 127.0.0.1.
    s.notify.allow_callbacks_to = ocpp_gateway::config::CallbackScope::Loopback;
    // And the OCSP responders of the Plug & Charge tests.
    s.pnc.ocsp_responders = ocpp_gateway::config::CallbackScope::Loopback;
    // The vendor the notification tests' chargers send DataTransfer for.
    s.ocpp.data_transfer_vendors = vec!["Acme".into()];
    s
}

/// A seeded charger with a password.
pub fn seed(identity: &str, password: Option<&str>) -> ChargerSeed {
    ChargerSeed {
        identity: identity.into(),
        password: password.map(Into::into),
        strict: false,
        security_profile: 0,
    }
}

/// Starts a gateway on `s`, on a store of its own: a SQLite file in a temporary folder,
/// or with `OCPP_GATEWAY_TEST_STORE=postgres` a fresh PostgreSQL database (unless `s`
/// names one already).
pub async fn start(s: Settings) -> TestGateway {
    start_in(s, Arc::new(tempfile::tempdir().expect("tempdir"))).await
}

/// Like [`start`], in the temporary folder `dir` (which may hold files the settings
/// name); the folder lives as long as the returned gateway.
pub async fn start_in(mut s: Settings, dir: Arc<tempfile::TempDir>) -> TestGateway {
    if s.store.path.as_os_str().is_empty() {
        s.store.path = dir.path().join("gateway.db");
    }
    s.store.fsync = false;
    if store::on_postgres() {
        let db = match s.store.url.is_empty() {
            true => Some(pg::TestDatabase::create().await.expect("a test database")),
            false => None,
        };
        if let Some(db) = &db {
            s.store.url = db.url.clone();
        }
        s.store.pool_size = 4;
        let url = s.store.url.clone();
        let gw = Gateway::start(s).await.expect("gateway starts");
        let store = store::TestStore::postgres(&url, db).await;
        return TestGateway { gw, store, dir };
    }
    let store = Arc::new(SqlStore::open(&s.store).expect("store opens"));
    let gw = Gateway::start_with_store(s, store.clone())
        .await
        .expect("gateway starts");
    TestGateway {
        gw,
        store: store::TestStore::Sqlite(store),
        dir,
    }
}

impl TestGateway {
    pub fn url(&self, identity: &str) -> String {
        format!("ws://{}/ocpp/{identity}", self.gw.ocpp_addr())
    }
}

/// Polls `cond` until it holds or the deadline passes.
pub async fn eventually<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    while tokio::time::Instant::now() < deadline {
        if cond().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// A raw OCPP-J client over a real WebSocket.
pub struct Client {
    pub ws: WebSocketStream<Box<dyn Io>>,
    pub protocol: Option<String>,
    next_id: u64,
}

/// A byte stream a client runs over: TCP, or TLS over TCP.
pub trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

/// TLS for a test client: the CA to trust and, for profile 3, a client certificate.
pub struct ClientTls {
    pub ca: std::path::PathBuf,
    pub cert: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

/// How a handshake ended when it did not upgrade.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub body: String,
}

pub async fn connect(
    url: &str,
    subprotocols: &[&str],
    auth: Option<(&str, &str)>,
) -> Result<Client, Refused> {
    connect_with(url, subprotocols, auth, None).await
}

/// Connects over TLS when `tls` is given (the URL's scheme is ignored then).
pub async fn connect_with(
    url: &str,
    subprotocols: &[&str],
    auth: Option<(&str, &str)>,
    tls: Option<&ClientTls>,
) -> Result<Client, Refused> {
    connect_full(url, subprotocols, auth, tls, &[]).await
}

/// Like [`connect_with`], with extra request headers.
pub async fn connect_full(
    url: &str,
    subprotocols: &[&str],
    auth: Option<(&str, &str)>,
    tls: Option<&ClientTls>,
    headers: &[(&'static str, String)],
) -> Result<Client, Refused> {
    let mut req = url.into_client_request().expect("request");
    for (name, value) in headers {
        req.headers_mut()
            .insert(*name, HeaderValue::from_str(value).expect("header"));
    }
    if !subprotocols.is_empty() {
        req.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(&subprotocols.join(",")).expect("header"),
        );
    }
    if let Some((user, pass)) = auth {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        req.headers_mut().insert(
            "Authorization",
            HeaderValue::from_str(&format!("Basic {token}")).expect("header"),
        );
    }
    let mut config = WebSocketConfig::default();
    config.max_message_size = None;
    config.max_frame_size = None;
    let authority = req.uri().authority().expect("authority").to_string();
    let tcp = TcpStream::connect(&authority).await.map_err(|e| Refused {
        status: 0,
        body: format!("tcp: {e}"),
    })?;
    let io: Box<dyn Io> = match tls {
        None => Box::new(tcp),
        Some(t) => Box::new(tls_connect(tcp, t).await.map_err(|e| Refused {
            status: 0,
            body: format!("tls: {e}"),
        })?),
    };
    let r = tokio::time::timeout(
        WAIT,
        tokio_tungstenite::client_async_with_config(req, io, Some(config)),
    )
    .await
    .expect("handshake in time");
    match r {
        Ok((ws, resp)) => Ok(Client {
            ws,
            protocol: resp
                .headers()
                .get("Sec-WebSocket-Protocol")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            next_id: 0,
        }),
        Err(WsError::Http(resp)) => Err(Refused {
            status: resp.status().as_u16(),
            body: resp
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
        }),
        Err(e) => Err(Refused {
            status: 0,
            body: format!("handshake: {e}"),
        }),
    }
}

async fn tls_connect(
    tcp: TcpStream,
    t: &ClientTls,
) -> std::io::Result<tokio_rustls::client::TlsStream<TcpStream>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&t.ca).expect("ca file") {
        roots.add(c.expect("ca cert")).expect("root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots);
    let config = match &t.cert {
        Some((cert, key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .expect("cert file")
                .collect::<Result<Vec<_>, _>>()
                .expect("certs");
            let key = PrivateKeyDer::from_pem_file(key).expect("key");
            builder
                .with_client_auth_cert(chain, key)
                .expect("client cert")
        }
        None => builder.with_no_client_auth(),
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from("localhost").expect("name");
    let mut stream = connector.connect(name, tcp).await?;
    // TLS 1.3 reports a refused client certificate only after the handshake: a read
    // that fails now surfaces it as the connection's error.
    use tokio::io::AsyncWriteExt;
    stream.flush().await?;
    Ok(stream)
}

/// Connects with one subprotocol and no password.
pub async fn charger(tg: &TestGateway, identity: &str, version: &str) -> Client {
    connect(&tg.url(identity), &[version], None)
        .await
        .expect("charger connects")
}

impl Client {
    pub async fn send(&mut self, text: &str) {
        tokio::time::timeout(WAIT, self.ws.send(Message::text(text.to_owned())))
            .await
            .expect("send in time")
            .expect("send");
    }

    /// The next text frame, parsed. Panics on timeout or close.
    pub async fn recv(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a frame in time")
                .expect("socket open")
                .expect("frame");
            match msg {
                Message::Text(t) => return serde_json::from_str(t.as_str()).expect("JSON frame"),
                Message::Close(c) => panic!("socket closed: {c:?}"),
                _ => continue,
            }
        }
    }

    /// The next message of any kind, or None when the stream ends.
    pub async fn recv_message(&mut self) -> Option<Result<Message, WsError>> {
        tokio::time::timeout(WAIT, self.ws.next())
            .await
            .expect("a message in time")
    }

    /// Sends a CALL and returns the whole answer frame.
    pub async fn call_frame(&mut self, action: &str, payload: Value) -> Value {
        self.next_id += 1;
        let id = format!("c{}", self.next_id);
        self.send(&json!([2, id, action, payload]).to_string())
            .await;
        let frame = self.recv().await;
        assert_ne!(
            frame[0], 2,
            "unexpected CALL from the gateway while waiting: {frame}"
        );
        assert_eq!(frame[1], json!(id), "answer to our CALL: {frame}");
        frame
    }

    /// Sends a CALL and returns the CALLRESULT payload; panics on a CALLERROR.
    pub async fn call(&mut self, action: &str, payload: Value) -> Value {
        let frame = self.call_frame(action, payload).await;
        assert_eq!(frame[0], 3, "CALLRESULT for {action}: {frame}");
        frame[2].clone()
    }

    /// Answers a CALL from the gateway.
    pub async fn answer(&mut self, id: &Value, payload: Value) {
        self.send(&json!([3, id, payload]).to_string()).await;
    }

    /// Whether the socket is still open: a Heartbeat gets an answer.
    pub async fn is_open_v16(&mut self) -> bool {
        let frame = self.call_frame("Heartbeat", json!({})).await;
        frame[0] == 3
    }
}

/// Whether python3 can import `modules` (e.g. `"ocpp, websockets"`) for the tests that
/// drive a Python implementation. Without them a test prints a skip line and passes, but
/// not when `CI` is set: there `.ci/run` installed them, so their absence is a failure.
pub fn python_has(modules: &str) -> bool {
    let ready = std::process::Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but python3 cannot import {modules}"
        );
        eprintln!("skipped: python3 cannot import {modules}");
    }
    ready
}

/// Whether the Python `ocpp` package (and `websockets`) can drive a charger.
pub fn python_ready() -> bool {
    python_has("ocpp, websockets")
}
