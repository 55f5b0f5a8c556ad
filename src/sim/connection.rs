//! The task behind each simulated charger: it owns the socket, writes what the
//! [`SimCharger`](super::SimCharger) handle asks it to, answers the CSMS's calls through
//! the responder, and routes everything it reads to the right channel:
//!
//! - a CALLRESULT/CALLERROR whose id is a pending `call` goes to that call;
//! - a CSMS CALL is answered (by the simulated EVs' site for smart charging, else by
//!   the responder unless manual), recorded and queued for `next_csms_call`;
//! - anything else (answers to raw frames, late answers, malformed text) goes to the
//!   raw channel read by `recv_text`.
//!
//! One light task per charger, no threads: many chargers fit in one process.

use std::sync::{Arc, Mutex, PoisonError};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::ocpp::{Call, CallErrorFrame, CallResult, Frame, OcppVersion};

use super::responder::{Answer, Responder};
use super::site::Site;

/// How long a closing connection waits for the server's close frame.
const CLOSE_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// The client's WebSocket.
pub(super) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A request from the handle to the task.
pub(super) enum Command {
    /// Write this text frame as is.
    Send(String),
    /// Register `id` as pending, then write `text` (a CALL); the answer goes to `reply`.
    Call {
        id: String,
        text: String,
        reply: oneshot::Sender<Answer>,
    },
    /// Send a close frame, then read until the server closes too.
    Close,
}

/// A call the CSMS made to the simulated charger.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedCall {
    /// The CALL's message id (what `answer` needs in manual mode).
    pub id: String,
    /// The action, e.g. `Reset`.
    pub action: String,
    /// The request payload.
    pub payload: serde_json::Value,
    /// What the responder answered; `None` when left to the test.
    pub answer: Option<Answer>,
}

/// Whether the link is up, and how it ended.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkState {
    /// Connected.
    Open,
    /// Closed; with the peer's close frame when it sent one.
    Closed(Option<CloseInfo>),
}

/// The code and reason of a close frame.
#[derive(Clone, Debug, PartialEq)]
pub struct CloseInfo {
    /// The close code, e.g. 1000.
    pub code: u16,
    /// The reason text.
    pub reason: String,
}

/// The channels the task feeds and the state it shares with the handle.
pub(super) struct Outputs {
    pub raw: mpsc::UnboundedSender<String>,
    pub csms_calls: mpsc::UnboundedSender<ReceivedCall>,
    pub record: Arc<Mutex<Vec<ReceivedCall>>>,
    pub state: watch::Sender<LinkState>,
}

/// The task's state.
pub(super) struct Connection {
    pub socket: Socket,
    pub commands: mpsc::Receiver<Command>,
    pub responder: Responder,
    /// The EVs and profiles answering the smart-charging calls, when simulated.
    pub site: Option<Arc<Mutex<Site>>>,
    pub version: OcppVersion,
    pub out: Outputs,
    /// Calls we sent and still wait for. `call` takes `&mut self`, so there is at most
    /// one live entry; entries whose caller gave up are pruned.
    pub pending: Vec<(String, oneshot::Sender<Answer>)>,
}

impl Connection {
    /// Runs until the socket closes or the handle is dropped and the close completes.
    pub(super) async fn run(mut self) {
        let mut closing = false;
        // How long we wait for the server to answer our close frame.
        let mut close_deadline = tokio::time::Instant::now();
        let mut close_info = None;
        loop {
            tokio::select! {
                frame = self.socket.next() => match frame {
                    Some(Ok(Message::Text(text))) => {
                        if self.on_text(text.as_str()).await.is_err() {
                            break;
                        }
                    }
                    Some(Ok(Message::Close(frame))) => {
                        tracing::debug!(?frame, "close received");
                        close_info = frame.map(|f| CloseInfo {
                            code: f.code.into(),
                            reason: f.reason.to_string(),
                        });
                        // Reading on lets tungstenite send the close reply; the server
                        // then ends the TCP connection, or the grace period runs out.
                        closing = true;
                        close_deadline = tokio::time::Instant::now() + CLOSE_GRACE;
                    }
                    Some(Ok(Message::Ping(_))) => {
                        // The pong is queued by tungstenite; flush it now.
                        if self.socket.flush().await.is_err() {
                            break;
                        }
                    }
                    Some(Ok(Message::Binary(bytes))) => {
                        tracing::debug!(len = bytes.len(), "binary frame ignored");
                    }
                    Some(Ok(_)) => {}
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "socket error");
                        break;
                    }
                    None => break,
                },
                command = self.commands.recv(), if !closing => match command {
                    Some(Command::Send(text)) => {
                        if self.write(text).await.is_err() {
                            break;
                        }
                    }
                    Some(Command::Call { id, text, reply }) => {
                        self.pending.retain(|(_, tx)| !tx.is_closed());
                        self.pending.push((id, reply));
                        if self.write(text).await.is_err() {
                            break;
                        }
                    }
                    Some(Command::Close) | None => {
                        closing = true;
                        close_deadline = tokio::time::Instant::now() + CLOSE_GRACE;
                        if self.socket.close(None).await.is_err() {
                            break;
                        }
                    }
                },
                () = tokio::time::sleep_until(close_deadline), if closing => break,
            }
        }
        // Dropping `pending` tells every waiting caller the link is gone.
        self.out.state.send_replace(LinkState::Closed(close_info));
    }

    async fn write(&mut self, text: String) -> Result<(), ()> {
        tracing::debug!(direction = "out", frame = %text);
        self.socket.send(Message::text(text)).await.map_err(|e| {
            tracing::debug!(error = %e, "write failed");
        })
    }

    async fn on_text(&mut self, text: &str) -> Result<(), ()> {
        tracing::debug!(direction = "in", frame = %text);
        match Frame::parse(text) {
            Ok(Frame::Call(call)) => return self.on_csms_call(call).await,
            Ok(Frame::CallResult(CallResult { id, payload })) => {
                self.deliver(&id, Answer::Result(payload), text);
            }
            Ok(Frame::CallError(CallErrorFrame {
                id,
                code,
                description,
                ..
            })) => self.deliver(&id, Answer::Error { code, description }, text),
            Err(_) => self.to_raw(text),
        }
        Ok(())
    }

    /// Hands an answer to the call waiting for `id`, or to the raw channel when none is.
    fn deliver(&mut self, id: &str, answer: Answer, text: &str) {
        let Some(at) = self.pending.iter().position(|(pending, _)| pending == id) else {
            return self.to_raw(text);
        };
        let (_, reply) = self.pending.swap_remove(at);
        if reply.send(answer).is_err() {
            tracing::debug!(id, "late answer to a call that timed out");
            self.to_raw(text);
        }
    }

    fn to_raw(&self, text: &str) {
        // Nobody reading raw frames (e.g. a load test) is fine.
        let _ = self.out.raw.send(text.to_owned());
    }

    async fn on_csms_call(&mut self, call: Call) -> Result<(), ()> {
        let from_site = self.site.as_ref().and_then(|site| {
            site.lock().unwrap_or_else(PoisonError::into_inner).answer(
                &call.action,
                &call.payload,
                chrono::Utc::now(),
            )
        });
        let answer = from_site.or_else(|| {
            self.responder
                .answer(self.version, &call.action, &call.payload)
        });
        let received = ReceivedCall {
            id: call.id,
            action: call.action,
            payload: call.payload,
            answer,
        };
        self.out
            .record
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(received.clone());
        let _ = self.out.csms_calls.send(received.clone());
        match received.answer {
            Some(answer) => self.write(answer_text(received.id, answer)).await,
            None => Ok(()),
        }
    }
}

/// The CALLRESULT or CALLERROR frame carrying `answer` for the call `id`.
pub(super) fn answer_text(id: String, answer: Answer) -> String {
    let frame = match answer {
        Answer::Result(payload) => Frame::CallResult(CallResult { id, payload }),
        Answer::Error { code, description } => Frame::CallError(CallErrorFrame {
            id,
            code,
            description,
            details: json!({}),
        }),
    };
    frame.to_text()
}
