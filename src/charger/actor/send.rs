//! What the actor writes: answers and errors (each counted and frame-logged), and the
//! close frame.

use std::time::Duration;

use futures_util::SinkExt;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use super::{Actor, Exit};
use crate::ocpp::{CallErrorFrame, ErrorCode, Frame};
use crate::telemetry::metrics::{action_label, ErrorLabels, FrameLabels};

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Actor<S> {
    /// Counts a frame and writes it to the frame log.
    pub(super) fn observe(
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
        shared.frames.record(
            &self.ctx.identity,
            direction,
            action,
            id,
            text,
            kind != "malformed",
        );
        if tracing::enabled!(tracing::Level::TRACE) {
            let shown = match action {
                Some(a) if crate::ocpp::redact::may_carry_secret(a) => {
                    crate::ocpp::redact::redacted_text(text)
                }
                _ => text.to_owned(),
            };
            tracing::trace!(direction, kind, frame = %shown, "frame");
        }
    }

    pub(super) fn count_error_out(&self, code: ErrorCode) {
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
    pub(super) async fn send_answer(
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
    pub(super) async fn send_error(
        &mut self,
        e: CallErrorFrame,
        action: Option<&str>,
    ) -> Option<Exit> {
        if let Some(code) = e.error_code() {
            self.count_error_out(code);
        }
        let id = e.id.clone();
        let text = Frame::CallError(e).to_text();
        self.observe("out", "error", action, Some(&id), &text);
        self.send_text(text).await
    }

    pub(super) async fn send_text(&mut self, text: String) -> Option<Exit> {
        match self.ws.send(Message::text(text)).await {
            Ok(()) => None,
            Err(_) => Some(Exit::SocketError),
        }
    }

    pub(super) async fn close(&mut self, code: CloseCode, reason: &str) {
        let frame = CloseFrame {
            code,
            reason: reason.to_owned().into(),
        };
        // Bounded: a half-open socket must not hold the actor. Boxed, so the timer is not
        // part of every idle connection's state.
        let closing = tokio::time::timeout(Duration::from_secs(2), self.ws.close(Some(frame)));
        let _ = Box::pin(closing).await;
    }
}
