//! The OCPP listener: accepts TCP connections, runs the handshake under a deadline, then
//! runs the charger's actor in the same task. Newest connection wins.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::task::TaskTracker;
use tracing::{field, info, warn, Instrument};

use super::actor::Actor;
use super::handle::{ChargerHandle, CloseReason, Command};
use super::handshake::{admit, read_head, refuse, Refusal};
use super::inbound::{ChargerContext, Shared};
use super::rewind::Rewind;
use crate::ocpp::Leniency;

/// Accepts chargers until shutdown; each connection runs on `tracker`.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, tracker: TaskTracker) {
    loop {
        tokio::select! {
            _ = shared.cancel.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    tracker.spawn(connection(stream, peer, shared.clone()));
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
}

/// WebSocket buffers sized for OCPP frames rather than tungstenite's bulk-transfer
/// defaults: most frames are a few hundred bytes and the largest is `max_frame_bytes`.
fn ws_config(max_frame_bytes: usize) -> WebSocketConfig {
    let mut c = WebSocketConfig::default();
    c.read_buffer_size = 4 * 1024;
    c.write_buffer_size = 0;
    c.max_write_buffer_size = max_frame_bytes.saturating_mul(4);
    c.max_message_size = Some(max_frame_bytes);
    c.max_frame_size = Some(max_frame_bytes);
    c
}

async fn connection(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared>) {
    let span = tracing::info_span!(
        "charger",
        identity = field::Empty,
        protocol = field::Empty,
        %peer
    );
    run_connection(stream, shared, span.clone())
        .instrument(span)
        .await
}

// tungstenite fixes the callback's error type (an HTTP response), large as it is.
#[allow(clippy::result_large_err)]
async fn run_connection(mut stream: TcpStream, shared: Arc<Shared>, span: tracing::Span) {
    let settings = &shared.settings.ocpp;
    let decided = tokio::time::timeout(settings.handshake_timeout, async {
        let head = read_head(&mut stream).await?;
        let admission = admit(&head, settings, shared.store.as_ref()).await?;
        Ok::<_, Refusal>((head, admission))
    })
    .await;
    let (head, adm) = match decided {
        Ok(Ok(ok)) => ok,
        Ok(Err(refusal)) => {
            info!(status = refusal.status, reason = %refusal.reason, "handshake refused");
            refuse(&mut stream, &refusal).await;
            return;
        }
        Err(_) => {
            info!("handshake timed out");
            return;
        }
    };
    span.record("identity", adm.identity.as_str());
    span.record("protocol", adm.version.subprotocol());

    let (version, echo) = (adm.version, adm.echo_subprotocol);
    let callback = move |_req: &Request, mut resp: Response| {
        if echo {
            resp.headers_mut().insert(
                "Sec-WebSocket-Protocol",
                HeaderValue::from_static(version.subprotocol()),
            );
        }
        Ok(resp)
    };
    let ws = match tokio::time::timeout(
        settings.handshake_timeout,
        tokio_tungstenite::accept_hdr_async_with_config(
            Rewind::new(head.raw, stream),
            callback,
            Some(ws_config(settings.max_frame_bytes)),
        ),
    )
    .await
    {
        Ok(Ok(ws)) => ws,
        Ok(Err(e)) => {
            info!(error = %e, "WebSocket handshake failed");
            return;
        }
        Err(_) => {
            info!("WebSocket handshake timed out");
            return;
        }
    };

    let identity: Arc<str> = Arc::from(adm.identity.as_str());
    let (tx, rx) = mpsc::channel(settings.mailbox);
    let generation = shared.registry.next_generation();
    let handle = ChargerHandle {
        identity: identity.clone(),
        version,
        generation,
        tx,
        call_timeout: settings.call_timeout,
    };
    if let Some(old) = shared.registry.insert(handle) {
        info!(
            old_generation = old.generation,
            "replacing the previous connection"
        );
        replace(old);
    }
    if let Err(e) = shared
        .store
        .set_connected(&identity, Some(version), generation)
        .await
    {
        warn!(error = %e, "could not record the connection");
    }
    info!("charger connected");

    let leniency = if adm.record.strict || settings.strict {
        Leniency::Strict
    } else {
        Leniency::Lenient
    };
    let ctx = ChargerContext {
        identity: identity.clone(),
        version,
        leniency,
        shared: shared.clone(),
    };
    let exit = Actor::new(ws, ctx, rx).run().await;

    if shared.registry.remove_if_current(&identity, generation) {
        if let Err(e) = shared
            .store
            .set_connected(&identity, None, generation)
            .await
        {
            warn!(error = %e, "could not record the disconnection");
        }
    }
    info!(?exit, "charger disconnected");
}

/// Tells a replaced connection's actor to close, without waiting on its mailbox.
fn replace(old: ChargerHandle) {
    let close = Command::Close {
        reason: CloseReason::Replaced,
    };
    if let Err(mpsc::error::TrySendError::Full(cmd)) = old.tx.try_send(close) {
        tokio::spawn(async move {
            let _ = old.tx.send(cmd).await;
        });
    }
}
