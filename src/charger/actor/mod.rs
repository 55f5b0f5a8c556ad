//! The charger actor: one task per connection owns the socket and the charger's
//! protocol state. One `select!` loop over the socket, the mailbox, the pending call's
//! deadline, the keepalive tick and shutdown. The charger's CALLs are answered while
//! ours wait; ours go out one at a time.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;
use tracing::{debug, info, warn};

use super::context::ChargerContext;
use super::handle::{CallError, CloseReason, Command};
use super::pending::PendingCalls;
use crate::ocpp::{Call, Frame};
use crate::telemetry::metrics::{action_label, CallLabels};

mod limits;
mod receive;
mod send;

use limits::{next_message_id, RateLimit};

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
                    // Boxed for the same reason as the handler: what handling a message
                    // needs is allocated while it is handled, not kept by every idle
                    // connection.
                    if let Some(exit) = Box::pin(self.on_message(msg)).await {
                        break exit;
                    }
                }
                cmd = self.rx.recv(), if mailbox_open => match cmd {
                    Some(Command::Call(c)) => {
                        let c = *c;
                        self.enqueue(c.action, c.payload, Reply { answer: c.reply, sent: c.sent })
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
        let allowed = self
            .ctx
            .boot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .outbound(self.ctx.version, &action, &payload);
        if let Err(answer) = allowed {
            info!(%action, registration = answer.status(), "not sent: the charger's boot is not accepted");
            let _ = reply.send(Err(CallError::NotAccepted {
                status: answer.status().into(),
            }));
            return;
        }
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
        let before = std::mem::replace(&mut self.published_pending, now);
        if now != before {
            self.ctx
                .shared
                .calls_pending
                .send_modify(|count| *count = *count + now - before);
        }
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
}

async fn sleep_until_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
