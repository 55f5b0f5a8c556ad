//! The OCPP listeners, plain and TLS: accept connections (at most `max_connections`),
//! run the handshake under a deadline, then run the charger's actor in the same task.
//! Newest connection wins.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio_rustls::TlsAcceptor;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::WebSocketStream;
use tokio_util::task::TaskTracker;
use tracing::{field, info, warn, Instrument};

use super::actor::{Actor, Exit};
use super::context::ChargerContext;
use super::handle::{ChargerHandle, CloseReason, Command};
use super::handshake::{admit, read_head, refuse, Admission, RequestHead, Transport};
use super::identity;
use super::rewind::Rewind;
use crate::config::OcppSettings;
use crate::gateway::Shared;
use crate::ocpp::{Leniency, OcppVersion};
use crate::telemetry::metrics::{protocol_label, ResultLabel};

/// Accepts chargers until shutdown; `tls` wraps each connection in TLS first. Each
/// connection runs on `tracker`, holding one of the `slots`.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    slots: Arc<Semaphore>,
    tracker: TaskTracker,
) {
    loop {
        tokio::select! {
            _ = shared.accepting.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Ok(permit) = slots.clone().try_acquire_owned() else {
                        warn!(%peer, "connection refused: max_connections reached");
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    tracker.spawn(connection(stream, peer, tls.clone(), shared.clone(), permit));
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

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    _permit: OwnedSemaphorePermit,
) {
    let span = tracing::info_span!(
        "charger",
        identity = field::Empty,
        protocol = field::Empty,
        %peer
    );
    let transport = Transport {
        peer: Some(peer.ip()),
        ..Transport::default()
    };
    // Each stage runs boxed: a task keeps room for its future's largest state for its
    // whole life, so TLS and handshake state inline here would cost every idle charger
    // the size of the biggest of them. Boxed, each is freed when its stage ends, and the
    // task itself holds little more than a pointer.
    let run: Pin<Box<dyn Future<Output = ()> + Send>> = match tls {
        None => Box::pin(run_connection(stream, transport, shared)),
        Some(acceptor) => Box::pin(tls_connection(stream, acceptor, transport, shared)),
    };
    run.instrument(span).await
}

/// TLS first, then the charger's connection over it.
async fn tls_connection(
    stream: TcpStream,
    acceptor: TlsAcceptor,
    mut transport: Transport,
    shared: Arc<Shared>,
) {
    let timeout = shared.settings.ocpp.handshake_timeout;
    let accepting = Box::pin(tokio::time::timeout(timeout, acceptor.accept(stream)));
    let stream = match accepting.await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            info!(error = %e, "TLS handshake failed");
            handshake_result(&shared, "tls_failed");
            return;
        }
        Err(_) => {
            info!("TLS handshake timed out");
            handshake_result(&shared, "timeout");
            return;
        }
    };
    transport.tls = true;
    transport.client_cert_cn = stream
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .and_then(|c| crate::security::tls::common_name(c));
    Box::pin(run_connection(stream, transport, shared)).await
}

/// A charger past its handshake, registered: the actor's run, boxed at its exact size,
/// and what the cleanup after it needs.
struct Connected {
    run: Pin<Box<dyn Future<Output = Exit> + Send>>,
    identity: Arc<str>,
    generation: u64,
    version: OcppVersion,
}

async fn run_connection<S>(stream: S, transport: Transport, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // The handshake's state (request head, read chunk, WebSocket handshake, admission)
    // is gone once it returns; what stays for the connection's life is the actor.
    let Some(connected) = Box::pin(accept(stream, transport, shared.clone())).await else {
        return;
    };
    let Connected {
        run,
        identity,
        generation,
        version,
    } = connected;
    let gauge = shared
        .metrics
        .connected
        .get_or_create(&protocol_label(version))
        .clone();
    gauge.inc();
    let exit = run.await;
    gauge.dec();

    if shared.registry.remove_if_current(&identity, generation) {
        shared.circuits.disconnected(&identity);
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

async fn accept<S>(mut stream: S, transport: Transport, shared: Arc<Shared>) -> Option<Connected>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (head, adm) = admit_or_refuse(&mut stream, &transport, &shared).await?;
    let span = tracing::Span::current();
    span.record("identity", adm.identity.as_str());
    span.record("protocol", adm.version.subprotocol());
    retire_old_password(&shared, &adm).await;
    let ws = upgrade(head, stream, &adm, &shared.settings.ocpp).await?;
    record_security_profile(&shared, &adm).await;
    let identity: Arc<str> = Arc::from(adm.identity.as_str());
    let (generation, rx) = register(&shared, &identity, adm.version).await;
    info!(profile = adm.profile, "charger connected");

    let leniency = if adm.record.strict || shared.settings.ocpp.strict {
        Leniency::Strict
    } else {
        Leniency::Lenient
    };
    let ctx = ChargerContext {
        identity: identity.clone(),
        version: adm.version,
        leniency,
        shared: shared.clone(),
        list_started: Default::default(),
        boot: Default::default(),
    };
    handshake_result(&shared, "accepted");
    Some(Connected {
        run: Box::pin(Actor::new(ws, ctx, rx).run()),
        identity,
        generation,
        version: adm.version,
    })
}

/// Reads the upgrade request and decides it, within `ocpp.handshake_timeout`; a refusal
/// is logged (naming the identity the path gave, when it gave one), counted and answered.
async fn admit_or_refuse<S>(
    stream: &mut S,
    transport: &Transport,
    shared: &Shared,
) -> Option<(RequestHead, Admission)>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let settings = &shared.settings.ocpp;
    let decided = tokio::time::timeout(settings.handshake_timeout, async {
        let head = read_head(stream).await.map_err(|r| (None, r))?;
        match admit(&head, transport, settings, shared.store.as_ref()).await {
            Ok(admission) => Ok((head, admission)),
            Err(r) => Err((
                identity::from_path(&head.path, &settings.path_prefix).ok(),
                r,
            )),
        }
    })
    .await;
    match decided {
        Ok(Ok(ok)) => Some(ok),
        Ok(Err((identity, refusal))) => {
            info!(
                identity = identity.as_deref().unwrap_or("-"),
                status = refusal.status,
                reason = %refusal.reason,
                "handshake refused"
            );
            handshake_result(shared, refusal_label(refusal.status));
            refuse(stream, &refusal).await;
            None
        }
        Err(_) => {
            info!("handshake timed out");
            handshake_result(shared, "timeout");
            None
        }
    }
}

/// The charger proved it holds the password it was sent: it is the one from now on
/// (before the upgrade is answered, so its next connection already sees it).
async fn retire_old_password(shared: &Shared, adm: &Admission) {
    let Some(hash) = adm.promote.clone() else {
        return;
    };
    match shared
        .store
        .change_password(
            &adm.identity,
            crate::security::PasswordChange::Promote(hash),
        )
        .await
    {
        Ok(()) => info!("charger connected with its new password; the old one is retired"),
        Err(e) => warn!(error = %e, "could not retire the old password"),
    }
}

/// Answers the upgrade (echoing the subprotocol when the charger offered one), within
/// `ocpp.handshake_timeout`.
// tungstenite fixes the callback's error type (an HTTP response), large as it is.
#[allow(clippy::result_large_err)]
async fn upgrade<S>(
    head: RequestHead,
    stream: S,
    adm: &Admission,
    settings: &OcppSettings,
) -> Option<WebSocketStream<Rewind<S>>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
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
    match tokio::time::timeout(
        settings.handshake_timeout,
        tokio_tungstenite::accept_hdr_async_with_config(
            Rewind::new(head.raw, stream),
            callback,
            Some(ws_config(settings.max_frame_bytes)),
        ),
    )
    .await
    {
        Ok(Ok(ws)) => Some(ws),
        Ok(Err(e)) => {
            info!(error = %e, "WebSocket handshake failed");
            None
        }
        Err(_) => {
            info!("WebSocket handshake timed out");
            None
        }
    }
}

/// Records a security profile higher than the charger's last.
async fn record_security_profile(shared: &Shared, adm: &Admission) {
    if adm.profile <= adm.record.security_profile {
        return;
    }
    if let Err(e) = shared
        .store
        .set_security_profile(&adm.identity, adm.profile)
        .await
    {
        warn!(error = %e, "could not record the security profile");
    }
    info!(
        profile = adm.profile,
        "charger reached a higher security profile"
    );
}

/// Registers the new connection (closing the one it replaces), records it connected and
/// tells the cluster: its generation, and the mailbox its actor reads.
async fn register(
    shared: &Shared,
    identity: &Arc<str>,
    version: OcppVersion,
) -> (u64, mpsc::Receiver<Command>) {
    let settings = &shared.settings.ocpp;
    let (tx, rx) = mpsc::channel(settings.mailbox);
    let generation = shared.registry.next_generation();
    let handle = ChargerHandle {
        identity: identity.clone(),
        version,
        generation,
        tx: super::handle::Route::Local(tx),
        call_timeout: settings.call_timeout,
    };
    if let Some(old) = shared.registry.insert(handle) {
        info!(
            old_generation = old.generation,
            "replacing the previous connection"
        );
        replace(old);
    }
    shared.circuits.connected(identity);
    if let Err(e) = shared
        .store
        .set_connected(identity, Some(version.into()), generation)
        .await
    {
        warn!(error = %e, "could not record the connection");
    }
    if let Some(cluster) = &shared.cluster {
        cluster.announce(identity, generation).await;
    }
    (generation, rx)
}

fn handshake_result(shared: &Shared, result: &'static str) {
    shared
        .metrics
        .handshakes
        .get_or_create(&ResultLabel { result })
        .inc();
}

fn refusal_label(status: u16) -> &'static str {
    match status {
        400 => "bad_request",
        401 => "unauthorized",
        404 => "unknown_charger",
        _ => "refused",
    }
}

/// Tells a replaced connection's actor to close, without waiting on its mailbox.
fn replace(old: ChargerHandle) {
    old.close_soon(CloseReason::Replaced);
}
