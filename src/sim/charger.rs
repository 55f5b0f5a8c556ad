//! [`SimCharger`]: one simulated charger's connection, as tests and the CLI drive it.
//!
//! Two ways to talk, which never get in each other's way: [`SimCharger::call`] sends a
//! CALL and waits for its answer, while [`SimCharger::send_text`] and
//! [`SimCharger::recv_text`] see the raw frames nobody else claimed (answers to raw
//! frames, malformed text). CSMS calls are answered by the [`Responder`] and recorded.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{
    HeaderValue, AUTHORIZATION, SEC_WEBSOCKET_PROTOCOL,
};
use tracing::Instrument;

use crate::ocpp::{Call, Frame, OcppVersion};

use super::connection::{answer_text, Command, Connection, Outputs, ReceivedCall};
use super::connection::{CloseInfo, LinkState};
use super::responder::{Answer, Responder};
use super::site::Site;
use super::SimError;

/// How long `connect` waits for the TCP and WebSocket handshakes.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default time `call` waits for an answer.
const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// How to connect a simulated charger.
#[derive(Clone)]
pub struct ConnectOptions {
    /// The full WebSocket URL, identity included: `ws://host:port/ocpp/CP-1`.
    pub url: String,
    /// The charger's identity, the Basic-auth user name.
    pub identity: String,
    /// The subprotocols to offer, in order of preference, joined with `", "` into one
    /// `Sec-WebSocket-Protocol` header (an entry is sent verbatim, so odd spellings can
    /// be tested). Empty: no header at all.
    pub subprotocols: Vec<String>,
    /// The Basic-auth password; `None` sends no `Authorization` header.
    pub password: Option<String>,
    /// How calls from the CSMS are answered.
    pub responder: Responder,
}

impl ConnectOptions {
    /// Options for `identity` under the base URL `base` (e.g. `ws://127.0.0.1:9000/ocpp`),
    /// offering `version`, without a password, answering every call positively.
    pub fn new(base: &str, identity: &str, version: OcppVersion) -> Self {
        ConnectOptions {
            url: format!("{}/{identity}", base.trim_end_matches('/')),
            identity: identity.to_owned(),
            subprotocols: vec![version.subprotocol().to_owned()],
            password: None,
            responder: Responder::default(),
        }
    }
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("url", &self.url)
            .field("identity", &self.identity)
            .field("subprotocols", &self.subprotocols)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("responder", &self.responder)
            .finish()
    }
}

/// A connected simulated charger. Dropping it closes the connection.
pub struct SimCharger {
    identity: String,
    negotiated: Option<OcppVersion>,
    commands: mpsc::Sender<Command>,
    raw: mpsc::UnboundedReceiver<String>,
    csms_calls: mpsc::UnboundedReceiver<ReceivedCall>,
    record: Arc<Mutex<Vec<ReceivedCall>>>,
    state: watch::Receiver<LinkState>,
    next_id: u64,
    call_timeout: Duration,
}

impl SimCharger {
    /// Connects, and starts the task that reads the socket and answers the CSMS.
    pub async fn connect(options: ConnectOptions) -> Result<SimCharger, SimError> {
        SimCharger::connect_with_site(options, None).await
    }

    /// As [`SimCharger::connect`]; the smart-charging calls are answered from `site`
    /// when one is given, before the responder.
    pub(super) async fn connect_with_site(
        options: ConnectOptions,
        site: Option<Arc<Mutex<Site>>>,
    ) -> Result<SimCharger, SimError> {
        let ConnectOptions {
            url,
            identity,
            subprotocols,
            password,
            responder,
        } = options;
        let bad = |reason: String| SimError::Request {
            url: url.clone(),
            reason,
        };
        let mut request = url
            .as_str()
            .into_client_request()
            .map_err(|e| bad(e.to_string()))?;
        if !subprotocols.is_empty() {
            let value = HeaderValue::from_str(&subprotocols.join(", "))
                .map_err(|e| bad(format!("subprotocols: {e}")))?;
            request.headers_mut().insert(SEC_WEBSOCKET_PROTOCOL, value);
        }
        if let Some(password) = &password {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("{identity}:{password}"));
            let value = HeaderValue::from_str(&format!("Basic {token}"))
                .map_err(|e| bad(format!("credentials: {e}")))?;
            request.headers_mut().insert(AUTHORIZATION, value);
        }
        let (socket, response) =
            timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(request))
                .await
                .map_err(|_| SimError::Timeout {
                    what: format!("the handshake with {url}"),
                    after: CONNECT_TIMEOUT,
                })??;
        let negotiated = response
            .headers()
            .get(SEC_WEBSOCKET_PROTOCOL)
            .and_then(|v| v.to_str().ok())
            .and_then(OcppVersion::from_subprotocol);

        let (commands_tx, commands) = mpsc::channel(16);
        let (raw_tx, raw) = mpsc::unbounded_channel();
        let (calls_tx, csms_calls) = mpsc::unbounded_channel();
        let (state_tx, state) = watch::channel(LinkState::Open);
        let record = Arc::new(Mutex::new(Vec::new()));
        let connection = Connection {
            socket,
            commands,
            responder,
            site,
            // A gateway that echoes no subprotocol speaks 1.6.
            version: negotiated.unwrap_or(OcppVersion::V16),
            out: Outputs {
                raw: raw_tx,
                csms_calls: calls_tx,
                record: Arc::clone(&record),
                state: state_tx,
            },
            pending: Vec::new(),
        };
        let span = tracing::debug_span!("sim", identity = %identity);
        tokio::spawn(connection.run().instrument(span));
        Ok(SimCharger {
            identity,
            negotiated,
            commands: commands_tx,
            raw,
            csms_calls,
            record,
            state,
            next_id: 0,
            call_timeout: DEFAULT_CALL_TIMEOUT,
        })
    }

    /// The charger's identity.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The version the server chose in the handshake; `None` if it echoed none.
    pub fn negotiated(&self) -> Option<OcppVersion> {
        self.negotiated
    }

    /// How long [`SimCharger::call`] waits for an answer (30 s unless changed).
    pub fn set_call_timeout(&mut self, after: Duration) {
        self.call_timeout = after;
    }

    /// Sends a CALL with a fresh id and waits for its answer. A CALLERROR becomes
    /// [`SimError::CallError`]. CSMS calls arriving meanwhile are answered as usual.
    pub async fn call(&mut self, action: &str, payload: Value) -> Result<Value, SimError> {
        self.next_id += 1;
        let id = format!("sim-{}", self.next_id);
        let text = Frame::Call(Call {
            id: id.clone(),
            action: action.to_owned(),
            payload,
        })
        .to_text();
        let (reply, answer) = oneshot::channel();
        let exchange = async {
            self.commands
                .send(Command::Call { id, text, reply })
                .await
                .map_err(|_| SimError::Closed)?;
            answer.await.map_err(|_| SimError::Closed)
        };
        let answer =
            timeout(self.call_timeout, exchange)
                .await
                .map_err(|_| SimError::Timeout {
                    what: format!("the answer to {action}"),
                    after: self.call_timeout,
                })??;
        match answer {
            Answer::Result(payload) => Ok(payload),
            Answer::Error { code, description } => Err(SimError::CallError { code, description }),
        }
    }

    /// Sends one text frame exactly as given.
    pub async fn send_text(&self, text: &str) -> Result<(), SimError> {
        self.command(Command::Send(text.to_owned())).await
    }

    /// The next frame nobody else claimed (see the module docs), if one arrives in time.
    pub async fn recv_text(&mut self, within: Duration) -> Option<String> {
        timeout(within, self.raw.recv()).await.ok().flatten()
    }

    /// The shared record behind [`SimCharger::received_calls`].
    pub(super) fn record(&self) -> Arc<Mutex<Vec<ReceivedCall>>> {
        Arc::clone(&self.record)
    }

    /// Every call the CSMS made so far, in order, with what was answered.
    pub fn received_calls(&self) -> Vec<ReceivedCall> {
        self.record
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The next CSMS call not yet taken with this method, if one arrives in time.
    pub async fn next_csms_call(&mut self, within: Duration) -> Option<ReceivedCall> {
        timeout(within, self.csms_calls.recv()).await.ok().flatten()
    }

    /// Answers the CSMS call `id` with a CALLRESULT (meant for [`Responder::Manual`]).
    pub async fn answer(&self, id: &str, payload: Value) -> Result<(), SimError> {
        let text = answer_text(id.to_owned(), Answer::Result(payload));
        self.command(Command::Send(text)).await
    }

    /// Answers the CSMS call `id` with a CALLERROR (meant for [`Responder::Manual`]).
    pub async fn answer_error(
        &self,
        id: &str,
        code: &str,
        description: &str,
    ) -> Result<(), SimError> {
        let answer = Answer::Error {
            code: code.to_owned(),
            description: description.to_owned(),
        };
        self.command(Command::Send(answer_text(id.to_owned(), answer)))
            .await
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        matches!(*self.state.borrow(), LinkState::Closed(_))
    }

    /// Waits until the connection ends; the server's close frame, if it sent one.
    pub async fn wait_closed(&mut self, within: Duration) -> Result<Option<CloseInfo>, SimError> {
        let ended = timeout(
            within,
            self.state.wait_for(|s| matches!(s, LinkState::Closed(_))),
        )
        .await
        .map_err(|_| SimError::Timeout {
            what: "the connection to close".to_owned(),
            after: within,
        })?;
        match ended.as_deref() {
            Ok(LinkState::Closed(info)) => Ok(info.clone()),
            // The task is gone, so the link is too.
            _ => Ok(None),
        }
    }

    /// Sends a close frame and waits (a few seconds at most) for the close to complete.
    pub async fn close(&mut self) -> Result<(), SimError> {
        if self.is_closed() {
            return Ok(());
        }
        self.command(Command::Close).await?;
        self.wait_closed(Duration::from_secs(10)).await.map(|_| ())
    }

    async fn command(&self, command: Command) -> Result<(), SimError> {
        timeout(self.call_timeout, self.commands.send(command))
            .await
            .map_err(|_| SimError::Timeout {
                what: "the connection task".to_owned(),
                after: self.call_timeout,
            })?
            .map_err(|_| SimError::Closed)
    }
}
