//! What the actor does with what arrives on the socket: frames parsed, the charger's
//! CALLs answered (a retransmission answered again, a reused id refused, a flood over
//! the rate limit refused or closed), answers matched to the gateway's pending call.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tracing::{debug, info, warn};

use super::super::handle::CallError;
use super::super::inbound::{self};
use super::{Actor, Exit, LastCall};
use crate::config::RateLimitAction;
use crate::ocpp::{Call, CallErrorFrame, CallResult, ErrorCode, Frame};
use crate::telemetry::metrics::{action_label, code_label, CallLabels, ErrorLabels};

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Actor<S> {
    pub(super) async fn on_message(
        &mut self,
        msg: Option<Result<Message, WsError>>,
    ) -> Option<Exit> {
        match msg {
            None => Some(Exit::ClosedByCharger),
            Some(Ok(m)) => {
                self.last_seen = Instant::now();
                match m {
                    Message::Text(text) => self.on_text(text.as_str()).await,
                    Message::Close(_) => Some(Exit::ClosedByCharger),
                    Message::Binary(_) => {
                        warn!("binary frame ignored: OCPP-J uses text frames");
                        None
                    }
                    // Pongs are answered by tungstenite; both only prove the link is alive.
                    _ => None,
                }
            }
            Some(Err(WsError::Capacity(e))) => {
                warn!(error = %e, "frame over the size limit; closing with 1009");
                self.close(CloseCode::Size, "frame too large").await;
                Some(Exit::FrameTooLarge)
            }
            Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                Some(Exit::ClosedByCharger)
            }
            Some(Err(e)) => {
                info!(error = %e, "socket error");
                Some(Exit::SocketError)
            }
        }
    }

    pub(super) async fn on_text(&mut self, text: &str) -> Option<Exit> {
        let version = self.ctx.version;
        let frame = match Frame::parse(text) {
            Ok(f) => f,
            Err(e) => {
                self.observe("in", "malformed", None, e.id.as_deref(), text);
                let id = e.id.clone().unwrap_or_else(|| "-1".into());
                warn!(message_id = %id, code = ?e.code, error = %e.description, "malformed frame");
                let answer = CallErrorFrame::new(id, e.code, version, e.description);
                return self.send_error(answer, None).await;
            }
        };
        match &frame {
            Frame::Call(c) => self.observe("in", "call", Some(&c.action), Some(&c.id), text),
            Frame::CallResult(r) => {
                let action = self.pending.action_of(&r.id).map(str::to_owned);
                self.observe("in", "result", action.as_deref(), Some(&r.id), text)
            }
            Frame::CallError(e) => {
                let action = self.pending.action_of(&e.id).map(str::to_owned);
                self.observe("in", "error", action.as_deref(), Some(&e.id), text);
                self.ctx
                    .shared
                    .metrics
                    .call_errors
                    .get_or_create(&ErrorLabels {
                        direction: "in",
                        code: code_label(&e.code),
                    })
                    .inc();
            }
        }
        match frame {
            Frame::Call(call) => {
                let o = &self.ctx.shared.settings.ocpp;
                if !self.rate.allow(o.rate_limit, o.rate_burst) {
                    self.ctx.shared.metrics.rate_limited.inc();
                    return self.over_rate(call).await;
                }
                self.on_call(call, text).await
            }
            Frame::CallResult(r) => {
                self.on_answer(&r.id, Ok(r.payload));
                None
            }
            Frame::CallError(e) => {
                let err = CallError::CallError {
                    code: e.code,
                    description: e.description,
                    details: e.details,
                };
                self.on_answer(&e.id, Err(err));
                None
            }
        }
    }

    pub(super) async fn over_rate(&mut self, call: Call) -> Option<Exit> {
        let o = &self.ctx.shared.settings.ocpp;
        warn!(message_id = %call.id, action = %call.action, limit = o.rate_limit, "charger over its message rate");
        match o.rate_limit_action {
            RateLimitAction::Error => {
                let e = CallErrorFrame::new(
                    call.id,
                    ErrorCode::GenericError,
                    self.ctx.version,
                    format!(
                        "rate limit exceeded ({} messages/s); retry later",
                        o.rate_limit
                    ),
                );
                let action = call.action;
                self.send_error(e, Some(&action)).await
            }
            RateLimitAction::Close => {
                self.close(CloseCode::Policy, "message rate limit exceeded")
                    .await;
                Some(Exit::RateLimited)
            }
        }
    }

    pub(super) fn on_answer(&mut self, id: &str, result: Result<Value, CallError>) {
        match self.pending.complete(id) {
            Some(f) => {
                self.ctx
                    .shared
                    .metrics
                    .call_seconds
                    .get_or_create(&CallLabels {
                        direction: "out",
                        action: action_label(&f.action),
                    })
                    .observe(f.sent_at.elapsed().as_secs_f64());
                let elapsed_ms = f.sent_at.elapsed().as_millis() as u64;
                debug!(direction = "in", message_id = %id, action = %f.action, elapsed_ms, ok = result.is_ok(), "answer");
                let _ = f.reply.send(result);
                self.publish_pending();
            }
            None => {
                let action = self.pending.action_of(id).unwrap_or("unknown");
                warn!(message_id = %id, %action, "late or unknown answer dropped")
            }
        }
    }

    pub(super) async fn on_call(&mut self, call: Call, text: &str) -> Option<Exit> {
        let started = Instant::now();
        let fingerprint = {
            let mut h = DefaultHasher::new();
            text.hash(&mut h);
            h.finish()
        };
        if let Some(last) = &self.last_call {
            if last.id == call.id {
                if last.fingerprint == fingerprint {
                    // A retransmission (our answer was lost): answer the same again.
                    debug!(message_id = %call.id, action = %call.action, "repeated CALL; answering again");
                    let answer = last.answer.clone();
                    return self
                        .send_answer(answer, &call.action, &call.id, "result")
                        .await;
                }
                warn!(message_id = %call.id, action = %call.action, "message id reused for a different CALL");
                let e = CallErrorFrame::new(
                    call.id,
                    ErrorCode::RpcFrameworkError,
                    self.ctx.version,
                    "message id already used by the previous CALL",
                );
                return self.send_error(e, Some(&call.action)).await;
            }
        }
        debug!(direction = "in", message_id = %call.id, action = %call.action, "CALL");
        // A bug in a handler must cost one CALLERROR, not the charger's connection. The
        // handler's future is boxed: inline, its largest state (the biggest handler of
        // either version) would be part of every idle connection's task.
        let handled = AssertUnwindSafe(Box::pin(inbound::handle(&self.ctx, &call)))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!(message_id = %call.id, action = %call.action, "handler panicked");
                Err(crate::ocpp::DecodeError {
                    code: ErrorCode::InternalError,
                    description: "internal error while handling this message".into(),
                })
            });
        let (answer, kind) = match handled {
            Ok(payload) => (
                Frame::CallResult(CallResult {
                    id: call.id.clone(),
                    payload,
                }),
                "result",
            ),
            Err(e) => {
                info!(message_id = %call.id, action = %call.action, code = ?e.code, error = %e.description, "CALL refused");
                self.count_error_out(e.code);
                (
                    Frame::CallError(CallErrorFrame::new(
                        call.id.clone(),
                        e.code,
                        self.ctx.version,
                        e.description,
                    )),
                    "error",
                )
            }
        };
        let answer = answer.to_text();
        self.ctx
            .shared
            .metrics
            .call_seconds
            .get_or_create(&CallLabels {
                direction: "in",
                action: action_label(&call.action),
            })
            .observe(started.elapsed().as_secs_f64());
        debug!(
            direction = "out",
            message_id = %call.id,
            action = %call.action,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "answer"
        );
        self.last_call = Some(LastCall {
            id: call.id.clone(),
            fingerprint,
            answer: answer.clone(),
        });
        self.send_answer(answer, &call.action, &call.id, kind).await
    }
}
