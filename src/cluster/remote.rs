//! Reaching a charger another node holds: [`RemoteNode`] (the charger layer's
//! `RemoteRoute`) sends a call or a close to the owning node's subject and reads its
//! answer; the JSON both nodes exchange is defined here.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::charger::handle::RemoteRoute;
use crate::charger::{CallError, CloseReason};

/// How much longer than the call timeout a caller waits for the owning node's answer:
/// the owner's own wait is bounded by the call timeout, this covers the two hops.
const ROUTE_MARGIN: Duration = Duration::from_secs(2);

/// Another node, as a destination for calls.
#[derive(Debug)]
pub struct RemoteNode {
    pub(super) client: async_nats::Client,
    pub(super) node_id: Arc<str>,
    pub(super) subject: String,
}

/// What one node asks of another about a charger it holds.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub(super) enum NodeRequest {
    Call {
        identity: String,
        action: String,
        payload: Value,
    },
    Close {
        identity: String,
        reason: CloseReason,
    },
}

/// The owning node's answer to a call.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CallReply {
    pub message_id: Option<String>,
    pub result: Result<Value, CallError>,
}

/// The owning node's answer to a close.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct CloseReply {
    pub closed: bool,
}

#[async_trait::async_trait]
impl RemoteRoute for RemoteNode {
    async fn call(
        &self,
        identity: &str,
        action: &str,
        payload: Value,
        call_timeout: Duration,
    ) -> (Option<String>, Result<Value, CallError>) {
        let request = NodeRequest::Call {
            identity: identity.to_owned(),
            action: action.to_owned(),
            payload,
        };
        match self.request(&request, call_timeout + ROUTE_MARGIN).await {
            Ok(msg) => match serde_json::from_slice::<CallReply>(&msg.payload) {
                Ok(reply) => (reply.message_id, reply.result),
                Err(e) => (
                    None,
                    Err(CallError::Invalid(format!(
                        "node {} answered something unreadable: {e}",
                        self.node_id
                    ))),
                ),
            },
            Err(RouteError::NoNode) => (None, Err(CallError::NotConnected)),
            Err(RouteError::TimedOut) => (None, Err(CallError::Timeout(call_timeout))),
            Err(RouteError::Broker(m)) => {
                tracing::warn!(node = %self.node_id, error = %m, "cluster call failed");
                (None, Err(CallError::ChargerGone))
            }
        }
    }

    async fn close(&self, identity: &str, reason: CloseReason) -> bool {
        let request = NodeRequest::Close {
            identity: identity.to_owned(),
            reason,
        };
        match self.request(&request, ROUTE_MARGIN * 2).await {
            Ok(msg) => serde_json::from_slice::<CloseReply>(&msg.payload)
                .map(|r| r.closed)
                .unwrap_or(false),
            Err(_) => false,
        }
    }
}

impl RemoteNode {
    async fn request(
        &self,
        request: &NodeRequest,
        wait: Duration,
    ) -> Result<async_nats::Message, RouteError> {
        let body = serde_json::to_vec(request).map_err(|e| RouteError::Broker(e.to_string()))?;
        let req = async_nats::Request::new()
            .payload(body.into())
            .timeout(Some(wait));
        match self.client.send_request(self.subject.clone(), req).await {
            Ok(msg) => Ok(msg),
            Err(e) => Err(match e.kind() {
                async_nats::RequestErrorKind::NoResponders => RouteError::NoNode,
                async_nats::RequestErrorKind::TimedOut => RouteError::TimedOut,
                _ => RouteError::Broker(e.to_string()),
            }),
        }
    }
}

enum RouteError {
    NoNode,
    TimedOut,
    Broker(String),
}
