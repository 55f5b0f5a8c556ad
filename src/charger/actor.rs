//! The charger actor: one task per connection owns the socket and the charger's
//! protocol state. One `select!` loop over the socket, the mailbox, the pending call's
//! deadline, the keepalive tick and shutdown. The charger's CALLs are answered while
//! ours wait; ours go out one at a time.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::panic::AssertUnwindSafe;

use futures_util::{FutureExt, SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;
use tracing::{debug, info, trace, warn};

use super::handle::{CallError, CloseReason, Command};
use super::inbound::{self, ChargerContext};
use super::pending::PendingCalls;
use crate::config::RateLimitAction;
use crate::ocpp::{Call, CallErrorFrame, CallResult, ErrorCode, Frame};
use crate::telemetry::metrics::{action_label, code_label, CallLabels, ErrorLabels, FrameLabels};

/// Who waits for a call: the answer's channel, and optionally one told the message id
/// once the CALL is written (for the caller's logs).
#[derive(Debug)]
struct Reply {
    answer: oneshot::Sender<Result<Value, CallError>>,
    sent: Option<oneshot::Sender<String>>,
}

impl Reply {
    fn send(self, result: Result<Value, CallError>) -> Result<(), Result<Value, CallError>> {
        self.answer.send(result)
    }
}

/// Message ids of our CALLs: unique in the process and, thanks to the time-based seed,
/// unlikely to repeat across restarts, so a late answer never matches a newer call.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

fn next_message_id() -> String {
    if NEXT_ID.load(Ordering::Relaxed) == 0 {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as u64)
            .unwrap_or(1);
        let _ = NEXT_ID.compare_exchange(0, seed << 8, Ordering::Relaxed, Ordering::Relaxed);
    }
    format!("{:x}", NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

/// A token bucket over the charger's CALLs.
struct RateLimit {
    tokens: f64,
    last: Instant,
}

impl RateLimit {
    /// Takes a token if there is one; `rate` per second refill, up to `burst`.
    fn allow(&mut self, rate: f64, burst: f64) -> bool {
        if rate <= 0.0 {
            return true;
        }
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * rate;
        self.tokens = (self.tokens + refill).min(burst.max(1.0));
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The charger's previous CALL, to spot a retransmission or a reused message id.
struct LastCall {
    id: String,
    fingerprint: u64,
    answer: String,
}

/// Why the actor stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    ClosedByCharger,
    Replaced,
    Requested,
    Idle,
    Shutdown,
    SocketError,
    FrameTooLarge,
    RateLimited,
}

/// See the module documentation.
pub struct Actor<S> {
    ws: WebSocketStream<S>,
    ctx: ChargerContext,
    rx: mpsc::Receiver<Command>,
    pending: PendingCalls<Reply>,
    last_seen: Instant,
    last_call: Option<LastCall>,
    rate: RateLimit,
    published_pending: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Actor<S> {
    pub fn new(ws: WebSocketStream<S>, ctx: ChargerContext, rx: mpsc::Receiver<Command>) -> Self {
        let capacity = ctx.shared.settings.ocpp.mailbox;
        let burst = ctx.shared.settings.ocpp.rate_burst;
        Actor {
            ws,
            ctx,
            rx,
            pending: PendingCalls::new(capacity),
            last_seen: Instant::now(),
            last_call: None,
            rate: RateLimit {
                tokens: burst,
                last: Instant::now(),
            },
            published_pending: 0,
        }
    }

    /// Runs until the socket ends; then fails every waiting caller with `ChargerGone`.
    pub async fn run(mut self) -> Exit {
        let settings = &self.ctx.shared.settings.ocpp;
        let idle_timeout = settings.effective_idle_timeout();
        let ping_every = settings.ping_interval;
        let tick_every = if ping_every.is_zero() {
            idle_timeout.max(Duration::from_secs(1))
        } else {
            ping_every
        };
        let mut tick = tokio::time::interval_at(Instant::now() + tick_every, tick_every);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let cancel = self.ctx.shared.cancel.clone();
        let mut mailbox_open = true;

        let exit = loop {
            if let Err(exit) = self.send_next_call().await {
                break exit;
            }
            let deadline = self.pending.next_deadline();
            tokio::select! {
                biased;
                _ = cancel.cancelled() => {
                    self.close(CloseCode::Away, "gateway shutting down").await;
                    break Exit::Shutdown;
                }
                msg = self.ws.next() => {
                    if let Some(exit) = self.on_message(msg).await {
                        break exit;
                    }
                }
                cmd = self.rx.recv(), if mailbox_open => match cmd {
                    Some(Command::Call { action, payload, reply, sent }) => {
                        self.enqueue(action, payload, Reply { answer: reply, sent })
                    }
                    Some(Command::Close { reason }) => {
                        let (code, text, exit) = match reason {
                            CloseReason::Replaced => (CloseCode::Policy, "replaced by a newer connection", Exit::Replaced),
                            CloseReason::Requested => (CloseCode::Normal, "closed by the operator", Exit::Requested),
                            CloseReason::Draining => (CloseCode::Away, "gateway draining; reconnect", Exit::Shutdown),
                        };
                        self.close(code, text).await;
                        break exit;
                    }
                    None => mailbox_open = false,
                },
                _ = sleep_until_opt(deadline), if deadline.is_some() => {
                    self.expire_calls();
                    self.publish_pending();
                }
                _ = tick.tick() => {
                    if self.last_seen.elapsed() >= idle_timeout {
                        info!(idle_secs = idle_timeout.as_secs(), "charger silent too long; disconnecting");
                        self.close(CloseCode::Away, "idle timeout").await;
                        break Exit::Idle;
                    }
                    if !ping_every.is_zero() && self.ws.send(Message::Ping(Default::default())).await.is_err() {
                        break Exit::SocketError;
                    }
                }
            }
        };
        for reply in self.pending.drain() {
            let _ = reply.send(Err(CallError::ChargerGone));
        }
        self.publish_pending();
        exit
    }

    fn enqueue(&mut self, action: String, payload: Value, reply: Reply) {
        let deadline = Instant::now() + self.ctx.shared.settings.ocpp.call_timeout;
        if let Err(reply) = self.pending.enqueue(action, payload, deadline, reply) {
            let _ = reply.send(Err(CallError::Busy));
        }
        self.publish_pending();
    }

    /// Keeps the gateway-wide count of calls waiting on chargers (what a drain waits
    /// for) in step with this actor's.
    fn publish_pending(&mut self) {
        let now = self.pending.len();
        let counter = &self.ctx.shared.calls_pending;
        if now > self.published_pending {
            counter.fetch_add(now - self.published_pending, Ordering::Relaxed);
        } else {
            counter.fetch_sub(self.published_pending - now, Ordering::Relaxed);
        }
        self.published_pending = now;
    }

    /// Writes the next queued CALL if none is in flight.
    async fn send_next_call(&mut self) -> Result<(), Exit> {
        let Some(call) = self.pending.next_to_send(Instant::now(), next_message_id) else {
            return Ok(());
        };
        debug!(direction = "out", message_id = %call.id, action = %call.action, "CALL");
        if let Some(tell) = self.pending.in_flight_reply().and_then(|r| r.sent.take()) {
            let _ = tell.send(call.id.clone());
        }
        trace!(payload = %call.payload, "CALL payload");
        let text = Frame::Call(Call {
            id: call.id.clone(),
            action: call.action.clone(),
            payload: call.payload,
        })
        .to_text();
        self.observe("out", "call", Some(&call.action), Some(&call.id), &text);
        if self.ws.send(Message::text(text)).await.is_err() {
            if let Some(f) = self.pending.abandon_in_flight() {
                let _ = f.reply.send(Err(CallError::ChargerGone));
            }
            return Err(Exit::SocketError);
        }
        Ok(())
    }

    fn expire_calls(&mut self) {
        let timeout = self.ctx.shared.settings.ocpp.call_timeout;
        for (action, reply) in self.pending.expire(Instant::now()) {
            warn!(%action, timeout_secs = timeout.as_secs(), "no answer from the charger in time");
            self.ctx
                .shared
                .metrics
                .call_timeouts
                .get_or_create(&CallLabels {
                    direction: "out",
                    action: action_label(&action),
                })
                .inc();
            let _ = reply.send(Err(CallError::Timeout(timeout)));
        }
    }

    async fn on_message(&mut self, msg: Option<Result<Message, WsError>>) -> Option<Exit> {
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

    async fn on_text(&mut self, text: &str) -> Option<Exit> {
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

    async fn over_rate(&mut self, call: Call) -> Option<Exit> {
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

    fn on_answer(&mut self, id: &str, result: Result<Value, CallError>) {
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
            None => warn!(message_id = %id, "late or unknown answer dropped"),
        }
    }

    async fn on_call(&mut self, call: Call, text: &str) -> Option<Exit> {
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
        trace!(payload = %call.payload, "CALL payload");
        // A bug in a handler must cost one CALLERROR, not the charger's connection.
        let handled = AssertUnwindSafe(inbound::handle(&self.ctx, &call))
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

    /// Counts a frame and writes it to the frame log.
    fn observe(
        &self,
        direction: &'static str,
        kind: &'static str,
        action: Option<&str>,
        id: Option<&str>,
        text: &str,
    ) {
        let shared = &self.ctx.shared;
        shared
            .metrics
            .frames
            .get_or_create(&FrameLabels {
                direction,
                kind,
                action: action.map(action_label).unwrap_or("none"),
            })
            .inc();
        shared
            .frames
            .record(&self.ctx.identity, direction, action, id, text);
    }

    fn count_error_out(&self, code: ErrorCode) {
        self.ctx
            .shared
            .metrics
            .call_errors
            .get_or_create(&ErrorLabels {
                direction: "out",
                code: code.as_str(crate::ocpp::OcppVersion::V201),
            })
            .inc();
    }

    /// Sends an answer to the charger's CALL `id` of `action`.
    async fn send_answer(
        &mut self,
        text: String,
        action: &str,
        id: &str,
        kind: &'static str,
    ) -> Option<Exit> {
        self.observe("out", kind, Some(action), Some(id), &text);
        self.send_text(text).await
    }

    /// Sends a CALLERROR (to a CALL of `action`, when known).
    async fn send_error(&mut self, e: CallErrorFrame, action: Option<&str>) -> Option<Exit> {
        if let Some(code) = e.error_code() {
            self.count_error_out(code);
        }
        let id = e.id.clone();
        let text = Frame::CallError(e).to_text();
        self.observe("out", "error", action, Some(&id), &text);
        self.send_text(text).await
    }

    async fn send_text(&mut self, text: String) -> Option<Exit> {
        trace!(frame = %text, "send");
        match self.ws.send(Message::text(text)).await {
            Ok(()) => None,
            Err(_) => Some(Exit::SocketError),
        }
    }

    async fn close(&mut self, code: CloseCode, reason: &str) {
        let frame = CloseFrame {
            code,
            reason: reason.to_owned().into(),
        };
        // Bounded: a half-open socket must not hold the actor.
        let _ = tokio::time::timeout(Duration::from_secs(2), self.ws.close(Some(frame))).await;
    }
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
