//! The charger's HTTP upgrade request, checked before the WebSocket handshake: identity
//! from the path, subprotocol, the charger known (or auto-registered), its credentials
//! and security profile. Refusals are plain HTTP answers: 400 bad request, 401 bad
//! credentials or too weak a profile, 404 unknown.
//!
//! Security profiles: the connection's profile is 3 with TLS and a client certificate
//! (whose CN must be the identity), 2 with TLS and a password, 1 with a password over
//! plain WebSocket, 0 with neither (only when allowed). A charger is never accepted below
//! the profile it has reached (`current_profile`) nor below the one the operator set
//! (`desired_profile`, a floor from the moment it is set), and reaching a higher one
//! records it.
//!
//! Passwords: the current one, or one sent to the charger whose use is pending (a
//! change in flight, or one whose answer never came). The first connection with a
//! pending one makes it the current one (see the listener) and retires the others.

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::identity;
use crate::config::{MissingSubprotocol, OcppSettings};
use crate::ocpp::version::{negotiate, Negotiated};
use crate::ocpp::OcppVersion;
use crate::security::PasswordHash;
use crate::store::{ChargerRecord, Store};

/// Largest request head read.
const MAX_HEAD: usize = 8 * 1024;

/// The parts of the upgrade request the gateway needs.
#[derive(Debug)]
pub struct RequestHead {
    pub path: String,
    pub subprotocols: Vec<String>,
    pub authorization: Option<String>,
    /// `X-Forwarded-Proto`, believed only from trusted proxies.
    pub forwarded_proto: Option<String>,
    /// `X-Forwarded-Client-Cert` / `X-SSL-Client-Cert` (PEM), believed only from trusted proxies.
    pub forwarded_cert: Option<String>,
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
    /// The security profile of this connection.
    pub profile: u8,
    /// A pending password this connection used: to become the current one.
    pub promote: Option<PasswordHash>,
}

/// TLS and client certificate as the charger has them: from the socket, or from a
/// trusted proxy's headers.
fn effective_transport(
    head: &RequestHead,
    transport: &Transport,
    settings: &OcppSettings,
) -> (bool, Option<String>) {
    let trusted = transport
        .peer
        .is_some_and(|ip| crate::security::proxy::is_trusted(&settings.trusted_proxies, ip));
    if !trusted {
        return (transport.tls, transport.client_cert_cn.clone());
    }
    let tls = transport.tls
        || head.forwarded_proto.as_deref().is_some_and(|p| {
            p.trim().eq_ignore_ascii_case("https") || p.trim().eq_ignore_ascii_case("wss")
        });
    let forwarded_cn = head
        .forwarded_cert
        .as_deref()
        .and_then(crate::security::tls::common_name_from_pem);
    // A proxy that verified a client certificate terminated TLS.
    let tls = tls || forwarded_cn.is_some();
    (tls, transport.client_cert_cn.clone().or(forwarded_cn))
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
    let mut forwarded_proto = None;
    let mut forwarded_cert = None;
    for h in req.headers.iter() {
        let value = String::from_utf8_lossy(h.value).into_owned();
        let name = h.name.to_ascii_lowercase();
        match name.as_str() {
            "sec-websocket-protocol" => subprotocols.push(value),
            "authorization" => authorization = Some(value),
            "x-forwarded-proto" => forwarded_proto = Some(value),
            "x-forwarded-client-cert" | "x-ssl-client-cert" | "ssl-client-cert" => {
                forwarded_cert = Some(value)
            }
            _ => {}
        }
    }
    Ok(RequestHead {
        path,
        subprotocols,
        authorization,
        forwarded_proto,
        forwarded_cert,
        raw,
    })
}

/// Decides whether to accept the charger.
/// What the transport below the HTTP request tells.
#[derive(Clone, Debug, Default)]
pub struct Transport {
    pub peer: Option<std::net::IpAddr>,
    pub tls: bool,
    /// The subject CN of a verified client certificate.
    pub client_cert_cn: Option<String>,
}

pub async fn admit(
    head: &RequestHead,
    transport: &Transport,
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
                security_profile: 0,
                pending_passwords: Vec::new(),
                desired_profile: 0,
            };
            let registration = super::boot::for_new_charger(settings.boot_policy);
            store
                .register(r.clone(), registration)
                .await
                .map_err(|e| Refusal::new(503, format!("store: {e}")))?;
            tracing::info!(%identity, registration = registration.as_str(), "auto-registered unknown charger");
            r
        }
        Ok(None) => return Err(Refusal::new(404, format!("unknown charger {identity:?}"))),
        Err(e) => return Err(Refusal::new(503, format!("store: {e}"))),
    };
    let (tls, cert_cn) = effective_transport(head, transport, settings);
    if let Some(cn) = &cert_cn {
        if cn != &identity {
            return Err(Refusal::new(
                401,
                format!("the client certificate was issued to {cn:?}, not to this charger"),
            ));
        }
    }
    let mut promote = None;
    let profile = if tls && cert_cn.is_some() {
        3
    } else {
        let used = check_credentials(&identity, head.authorization.as_deref(), &record, settings)?;
        let with_password = !matches!(used, Used::Nothing);
        if let Used::Pending(h) = used {
            promote = Some(h);
        }
        match (tls, with_password) {
            (true, true) => 2,
            (false, true) => 1,
            // TLS without a password or certificate is no profile above 0.
            (_, false) => 0,
        }
    };
    if profile < record.floor() {
        return Err(Refusal::new(
            401,
            format!(
                "this charger uses security profile {}; the connection offers only {profile}",
                record.floor()
            ),
        ));
    }
    Ok(Admission {
        identity,
        version,
        echo_subprotocol,
        record,
        profile,
        promote,
    })
}

/// Which password a connection used.
enum Used {
    /// None (the charger has none and profile 0 is allowed).
    Nothing,
    Current,
    /// One sent to the charger whose use was pending.
    Pending(PasswordHash),
}

fn check_credentials(
    identity: &str,
    authorization: Option<&str>,
    record: &ChargerRecord,
    settings: &OcppSettings,
) -> Result<Used, Refusal> {
    let unauthorized = || Refusal::new(401, "bad or missing credentials");
    // A charger without a password that was just given one may already use it.
    let offered = basic_credentials(identity, authorization);
    if let Some(password) = &offered {
        if let Some(h) = record.pending_passwords.iter().find(|h| h.verify(password)) {
            return Ok(Used::Pending(h.clone()));
        }
    }
    let Some(hash) = &record.password else {
        return if settings.allow_unauthenticated {
            Ok(Used::Nothing)
        } else {
            Err(Refusal::new(
                401,
                "charger has no password and security profile 0 is not allowed",
            ))
        };
    };
    match offered {
        Some(password) if hash.verify(&password) => Ok(Used::Current),
        _ => Err(unauthorized()),
    }
}

/// The password of a Basic `authorization` whose user is `identity`.
fn basic_credentials(identity: &str, authorization: Option<&str>) -> Option<String> {
    let encoded = authorization.and_then(|a| {
        let (scheme, rest) = a.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("basic").then_some(rest.trim())
    })?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (user, password) = decoded.split_once(':')?;
    (user == identity).then(|| password.to_owned())
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
