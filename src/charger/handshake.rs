//! The charger's HTTP upgrade request, checked before the WebSocket handshake: identity
//! from the path, subprotocol, the charger known (or auto-registered), Basic auth.
//! Refusals are plain HTTP answers: 400 bad request, 401 bad credentials, 404 unknown.

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::identity;
use crate::config::{MissingSubprotocol, OcppSettings};
use crate::ocpp::version::{negotiate, Negotiated};
use crate::ocpp::OcppVersion;
use crate::store::{ChargerRecord, Store};

/// Largest request head read.
const MAX_HEAD: usize = 8 * 1024;

/// The parts of the upgrade request the gateway needs.
#[derive(Debug)]
pub struct RequestHead {
    pub path: String,
    pub subprotocols: Vec<String>,
    pub authorization: Option<String>,
    /// Every byte read so far, to replay into the WebSocket handshake.
    pub raw: Vec<u8>,
}

/// A refused handshake: the HTTP status and a one-line reason.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub reason: String,
}

impl Refusal {
    fn new(status: u16, reason: impl Into<String>) -> Self {
        Refusal {
            status,
            reason: reason.into(),
        }
    }
}

/// What an accepted handshake decided.
#[derive(Debug)]
pub struct Admission {
    pub identity: String,
    pub version: OcppVersion,
    /// Whether to echo `Sec-WebSocket-Protocol` (not when the charger offered none).
    pub echo_subprotocol: bool,
    pub record: ChargerRecord,
}

/// Reads the request head (up to the blank line), bounded in size.
pub async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> Result<RequestHead, Refusal> {
    let mut raw = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream
            .read(&mut chunk)
            .await
            .map_err(|e| Refusal::new(400, format!("reading the request: {e}")))?;
        if n == 0 {
            return Err(Refusal::new(400, "connection closed during the handshake"));
        }
        raw.extend_from_slice(&chunk[..n]);
        if raw.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
        if raw.len() > MAX_HEAD {
            return Err(Refusal::new(431, "request head too large"));
        }
    }
    let mut headers = [httparse::EMPTY_HEADER; 48];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(&raw) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) | Err(_) => {
            return Err(Refusal::new(400, "malformed HTTP request"))
        }
    }
    if req.method != Some("GET") {
        return Err(Refusal::new(405, "only GET upgrades to a WebSocket"));
    }
    let path = req.path.unwrap_or_default().to_owned();
    let mut subprotocols = Vec::new();
    let mut authorization = None;
    for h in req.headers.iter() {
        let value = String::from_utf8_lossy(h.value).into_owned();
        if h.name.eq_ignore_ascii_case("sec-websocket-protocol") {
            subprotocols.push(value);
        } else if h.name.eq_ignore_ascii_case("authorization") {
            authorization = Some(value);
        }
    }
    Ok(RequestHead {
        path,
        subprotocols,
        authorization,
        raw,
    })
}

/// Decides whether to accept the charger.
pub async fn admit(
    head: &RequestHead,
    settings: &OcppSettings,
    store: &dyn Store,
) -> Result<Admission, Refusal> {
    let identity =
        identity::from_path(&head.path, &settings.path_prefix).map_err(|e| Refusal::new(400, e))?;
    let (version, echo_subprotocol) = match negotiate(head.subprotocols.iter().map(String::as_str))
    {
        Negotiated::Offered(v) => (v, true),
        Negotiated::NoneOffered => match settings.missing_subprotocol {
            MissingSubprotocol::Assume16 => {
                tracing::info!(%identity, "charger offered no subprotocol; assuming ocpp1.6");
                (OcppVersion::V16, false)
            }
            MissingSubprotocol::Reject => {
                return Err(Refusal::new(400, "no Sec-WebSocket-Protocol offered"))
            }
        },
        Negotiated::NoneSupported => {
            return Err(Refusal::new(
                400,
                format!(
                    "none of the offered subprotocols {:?} is supported (ocpp2.0.1, ocpp1.6)",
                    head.subprotocols
                ),
            ))
        }
    };
    let record = match store.charger(&identity).await {
        Ok(Some(r)) => r,
        Ok(None) if settings.auto_register => {
            let r = ChargerRecord {
                identity: identity.clone(),
                password: None,
                strict: false,
            };
            store
                .upsert_charger(r.clone())
                .await
                .map_err(|e| Refusal::new(503, format!("store: {e}")))?;
            tracing::info!(%identity, "auto-registered unknown charger");
            r
        }
        Ok(None) => return Err(Refusal::new(404, format!("unknown charger {identity:?}"))),
        Err(e) => return Err(Refusal::new(503, format!("store: {e}"))),
    };
    check_credentials(&identity, head.authorization.as_deref(), &record, settings)?;
    Ok(Admission {
        identity,
        version,
        echo_subprotocol,
        record,
    })
}

fn check_credentials(
    identity: &str,
    authorization: Option<&str>,
    record: &ChargerRecord,
    settings: &OcppSettings,
) -> Result<(), Refusal> {
    let Some(hash) = &record.password else {
        return if settings.allow_unauthenticated {
            Ok(())
        } else {
            Err(Refusal::new(
                401,
                "charger has no password and security profile 0 is not allowed",
            ))
        };
    };
    let unauthorized = || Refusal::new(401, "bad or missing credentials");
    let encoded = authorization
        .and_then(|a| {
            let (scheme, rest) = a.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
        })
        .ok_or_else(unauthorized)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| unauthorized())?;
    let decoded = String::from_utf8(decoded).map_err(|_| unauthorized())?;
    let (user, password) = decoded.split_once(':').ok_or_else(unauthorized)?;
    if user != identity || !hash.verify(password) {
        return Err(unauthorized());
    }
    Ok(())
}

/// Writes a refusal as a small HTTP answer and closes the stream.
pub async fn refuse<S: AsyncWrite + Unpin>(stream: &mut S, refusal: &Refusal) {
    let text = match refusal.status {
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    };
    let body = format!("{}\n", refusal.reason);
    let extra = if refusal.status == 401 {
        "WWW-Authenticate: Basic realm=\"ocpp\"\r\n"
    } else {
        ""
    };
    let answer = format!(
        "HTTP/1.1 {} {text}\r\n{extra}Content-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        refusal.status,
        body.len()
    );
    // The charger may already be gone; nothing to do about a failed write.
    let _ = stream.write_all(answer.as_bytes()).await;
    let _ = stream.shutdown().await;
}
