//! `ChargerHandle`: how the rest of the gateway talks to a charger's actor.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::ocpp::OcppVersion;

/// A CALL to send, and where its outcome goes.
#[derive(Debug)]
pub struct CallRequest {
    pub action: String,
    pub payload: Value,
    pub reply: oneshot::Sender<Result<Value, CallError>>,
    /// Told the message id once the CALL is written, when the caller wants it.
    pub sent: Option<oneshot::Sender<String>>,
}

/// What a caller asks of the actor. Kept two words wide (the request is boxed): the
/// mailbox allocates its slots up front, once per connected charger.
#[derive(Debug)]
pub enum Command {
    /// Send a CALL and answer `reply` with the CALLRESULT payload or why there is none.
    Call(Box<CallRequest>),
    /// Close the socket (a newer connection replaced it, or an operator asked).
    Close { reason: CloseReason },
}

/// Why the gateway closes a charger's socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CloseReason {
    /// The charger connected again; this older socket goes.
    Replaced,
    /// Asked through the API.
    Requested,
    /// The gateway is draining: the charger should reconnect (to another node).
    Draining,
}

/// Why a call to a charger has no CALLRESULT. "The charger said no" (`Rejected`,
/// `CallError`) is kept apart from "we could not ask" (the rest).
#[derive(Clone, Debug, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum CallError {
    /// The charger answered with a status that means no.
    #[error("the charger answered {status}")]
    Rejected { status: String },
    /// The charger answered with a CALLERROR.
    #[error("the charger answered CALLERROR {code}: {description}")]
    CallError {
        code: String,
        description: String,
        details: Value,
    },
    /// No answer within the call timeout.
    #[error("no answer from the charger within {0:?}")]
    Timeout(Duration),
    /// The charger is not connected.
    #[error("the charge point is not connected")]
    NotConnected,
    /// The charger went away before answering.
    #[error("the charger disconnected before answering")]
    ChargerGone,
    /// Too many calls are already waiting for this charger.
    #[error("too many calls are waiting for this charger")]
    Busy,
    /// The request is not one this charger's version can carry.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The charger's boot was not accepted on this connection (Pending: only
    /// configuration and TriggerMessage go out; Rejected: nothing does).
    #[error("the charger's BootNotification was answered {status}")]
    NotAccepted { status: String },
}

/// How calls reach a socket another node holds (the cluster implements it).
#[async_trait::async_trait]
pub trait RemoteRoute: Send + Sync + std::fmt::Debug {
    /// Sends a call to the node holding `identity` and waits (bounded by `call_timeout`
    /// and a margin) for its answer, with the CALL's message id when it was written.
    async fn call(
        &self,
        identity: &str,
        action: &str,
        payload: Value,
        call_timeout: Duration,
    ) -> (Option<String>, Result<Value, CallError>);

    /// Asks the node holding `identity` to close its socket; false when it could not.
    async fn close(&self, identity: &str, reason: CloseReason) -> bool;
}

/// Where a handle's calls go.
#[derive(Clone, Debug)]
pub(crate) enum Route {
    /// The actor of a socket on this node.
    Local(mpsc::Sender<Command>),
    /// A socket held by another node of the cluster.
    Remote(Arc<dyn RemoteRoute>),
}

/// A cheap, cloneable handle to one connected charger.
#[derive(Clone, Debug)]
pub struct ChargerHandle {
    pub(crate) identity: Arc<str>,
    pub(crate) version: OcppVersion,
    pub(crate) generation: u64,
    pub(crate) tx: Route,
    pub(crate) call_timeout: Duration,
}

impl ChargerHandle {
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The version negotiated on this connection.
    pub fn version(&self) -> OcppVersion {
        self.version
    }

    /// Which connection of this identity the handle belongs to.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Sends `action` with `payload` and waits for the charger's CALLRESULT payload.
    /// Calls are queued in the actor and sent one at a time; the wait never exceeds the
    /// call timeout (plus a small margin for the actor's own bookkeeping).
    pub async fn call(&self, action: &str, payload: Value) -> Result<Value, CallError> {
        self.send_call(action, payload, None).await
    }

    /// Like [`ChargerHandle::call`], also giving the CALL's message id (None when it was
    /// never written), for the caller's logs.
    pub async fn call_traced(
        &self,
        action: &str,
        payload: Value,
    ) -> (Option<String>, Result<Value, CallError>) {
        let (sent, mut sent_rx) = oneshot::channel();
        let result = self.send_call(action, payload, Some(sent)).await;
        (sent_rx.try_recv().ok(), result)
    }

    async fn send_call(
        &self,
        action: &str,
        payload: Value,
        sent: Option<oneshot::Sender<String>>,
    ) -> Result<Value, CallError> {
        let tx = match &self.tx {
            Route::Local(tx) => tx,
            Route::Remote(node) => {
                let (id, result) = node
                    .call(&self.identity, action, payload, self.call_timeout)
                    .await;
                if let (Some(id), Some(sent)) = (id, sent) {
                    let _ = sent.send(id);
                }
                return result;
            }
        };
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Call(Box::new(CallRequest {
            action: action.to_owned(),
            payload,
            reply,
            sent,
        }));
        tx.try_send(cmd).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => CallError::Busy,
            mpsc::error::TrySendError::Closed(_) => CallError::NotConnected,
        })?;
        let margin = Duration::from_millis(500);
        match tokio::time::timeout(self.call_timeout + margin, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(CallError::ChargerGone),
            Err(_) => Err(CallError::Timeout(self.call_timeout)),
        }
    }

    /// Like [`ChargerHandle::call`], but a `status` outside `accepted` is `Rejected`.
    pub async fn call_expecting(
        &self,
        action: &str,
        payload: Value,
        accepted: &[&str],
    ) -> Result<Value, CallError> {
        let answer = self.call(action, payload).await?;
        match answer.get("status").and_then(Value::as_str) {
            Some(s) if !accepted.contains(&s) => Err(CallError::Rejected { status: s.into() }),
            _ => Ok(answer),
        }
    }

    /// Asks the actor to close the socket. Returns false if it is already gone.
    pub async fn close(&self, reason: CloseReason) -> bool {
        match &self.tx {
            Route::Local(tx) => tx.send(Command::Close { reason }).await.is_ok(),
            Route::Remote(node) => node.close(&self.identity, reason).await,
        }
    }

    /// Asks the actor to close without waiting for room in its mailbox (a full mailbox
    /// gets the request from a task of its own).
    pub fn close_soon(&self, reason: CloseReason) {
        match &self.tx {
            Route::Local(tx) => {
                if let Err(mpsc::error::TrySendError::Full(cmd)) =
                    tx.try_send(Command::Close { reason })
                {
                    let tx = tx.clone();
                    tokio::spawn(async move {
                        let _ = tx.send(cmd).await;
                    });
                }
            }
            Route::Remote(node) => {
                let (node, identity) = (node.clone(), self.identity.clone());
                tokio::spawn(async move {
                    node.close(&identity, reason).await;
                });
            }
        }
    }

    /// Whether the actor behind this handle is still running (for a charger on another
    /// node: whether that node held it when the handle was made).
    pub fn is_connected(&self) -> bool {
        match &self.tx {
            Route::Local(tx) => !tx.is_closed(),
            Route::Remote(_) => true,
        }
    }

    /// Whether the socket is on this node.
    pub fn is_local(&self) -> bool {
        matches!(self.tx, Route::Local(_))
    }
}
