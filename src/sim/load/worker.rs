//! One load-generating charger: a single task that owns its socket and plays the
//! scenario straight on it (no handle, no channels), so tens of thousands fit in one
//! process. It answers the gateway's calls and pings while it waits.

use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::{sleep_until, timeout, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{HeaderValue, SEC_WEBSOCKET_PROTOCOL};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;

use crate::ocpp::{Call, CallErrorFrame, CallResult, Frame, OcppVersion};
use crate::sim::connection::answer_text;

use super::stats::{ErrorKind, Exchange};
use super::{payload, LoadScenario, Shared};

/// How long the TCP and WebSocket handshakes may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// Socket buffers sized for OCPP frames, not for bulk transfer.
fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(Some(256 * 1024))
}

/// Connects charger `index`, plays the scenario until the run stops, counts the outcome.
pub(super) async fn run(index: usize, shared: Arc<Shared>) {
    let mut charger = match connect(index, &shared).await {
        Ok(charger) => charger,
        Err(kind) => return shared.stats.error(kind),
    };
    shared.stats.connected.fetch_add(1, Ordering::Relaxed);
    if let Err(kind) = charger.play(index, &shared).await {
        shared.stats.error(kind);
    }
    // Closing politely costs a round trip per charger; at the end of a run the socket
    // is simply dropped unless it is still healthy.
    let _ = timeout(Duration::from_secs(2), charger.socket.close(None)).await;
}

/// The source address of charger `index` when sources are spread: 127.0.1.1 and up.
fn source(index: usize, spread: u32) -> Option<IpAddr> {
    (spread > 0).then(|| {
        let offset = u32::try_from(index).unwrap_or(0) % spread;
        IpAddr::from((0x7f00_0101_u32 + offset).to_be_bytes())
    })
}

async fn connect(index: usize, shared: &Shared) -> Result<Charger, ErrorKind> {
    let _permit = shared
        .handshakes
        .acquire()
        .await
        .map_err(|_| ErrorKind::Connect)?;
    let stream = timeout(CONNECT_TIMEOUT, tcp(index, shared))
        .await
        .map_err(|_| ErrorKind::Connect)??;
    let url = format!("{}/{}{index:06}", shared.base_url, shared.options.prefix);
    let mut request = url
        .into_client_request()
        .map_err(|_| ErrorKind::Handshake)?;
    let offer = HeaderValue::from_static(shared.options.version.subprotocol());
    request.headers_mut().insert(SEC_WEBSOCKET_PROTOCOL, offer);
    let handshake = tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config()));
    let (socket, _) = timeout(CONNECT_TIMEOUT, handshake)
        .await
        .map_err(|_| ErrorKind::Handshake)?
        .map_err(|e| match e {
            WsError::Io(_) => ErrorKind::Connect,
            _ => ErrorKind::Handshake,
        })?;
    Ok(Charger {
        socket,
        version: shared.options.version,
        next_id: 0,
    })
}

async fn tcp(index: usize, shared: &Shared) -> Result<TcpStream, ErrorKind> {
    let server = shared.server;
    let socket = match server {
        SocketAddr::V4(_) => TcpSocket::new_v4(),
        SocketAddr::V6(_) => TcpSocket::new_v6(),
    }
    .map_err(|_| ErrorKind::Connect)?;
    if let Some(ip) = source(index, shared.options.source_ips) {
        no_port_at_bind(&socket);
        socket
            .bind(SocketAddr::new(ip, 0))
            .map_err(|_| ErrorKind::Connect)?;
    }
    let stream = socket
        .connect(server)
        .await
        .map_err(|_| ErrorKind::Connect)?;
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Lets the kernel pick the source port at connect time, per destination, so one
/// source address is not limited to one connection per ephemeral port overall.
fn no_port_at_bind(socket: &TcpSocket) {
    let on: libc::c_int = 1;
    // SAFETY: a valid descriptor, a pointer to a live c_int and its size.
    let _ = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_BIND_ADDRESS_NO_PORT,
            (&on as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
}

struct Charger {
    socket: WebSocketStream<TcpStream>,
    version: OcppVersion,
    next_id: u32,
}

impl Charger {
    async fn play(&mut self, index: usize, shared: &Shared) -> Result<(), ErrorKind> {
        let version = self.version;
        let boot = self
            .call(
                shared,
                "BootNotification",
                payload::boot(version),
                Exchange::Boot,
            )
            .await?;
        if boot.get("status").and_then(Value::as_str) != Some("Accepted") {
            return Err(ErrorKind::Rejected);
        }
        let interval = boot.get("interval").and_then(Value::as_u64).unwrap_or(300);
        let available = payload::status(version, false);
        self.call(shared, "StatusNotification", available, Exchange::Boot)
            .await?;
        shared.stats.booted.fetch_add(1, Ordering::Relaxed);
        let at = u64::try_from(shared.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        shared.stats.last_boot_us.fetch_max(at, Ordering::Relaxed);

        match shared.options.scenario {
            LoadScenario::Storm => {
                self.wait(shared, None).await?;
            }
            LoadScenario::Idle => {
                let every = shared
                    .options
                    .heartbeat
                    .unwrap_or(Duration::from_secs(interval.max(1)));
                let mut next = Instant::now() + stagger(index, shared.options.chargers, every);
                while self.wait(shared, Some(next)).await? {
                    let empty = serde_json::json!({});
                    self.call(shared, "Heartbeat", empty, Exchange::Steady)
                        .await?;
                    next += every;
                }
            }
            LoadScenario::Meter => self.meter(index, shared).await?,
        }
        Ok(())
    }

    /// A transaction, then meter reports at this charger's share of `--rate`.
    async fn meter(&mut self, index: usize, shared: &Shared) -> Result<(), ErrorKind> {
        let version = self.version;
        let mut energy = 1_000;
        let (action, request, made_up) = payload::start(version, energy, &payload::tag(index));
        let answer = self.call(shared, action, request, Exchange::Steady).await?;
        let transaction = match made_up {
            Some(id) => id,
            None => {
                let accepted = answer.pointer("/idTagInfo/status").and_then(Value::as_str);
                let id = answer.get("transactionId").and_then(Value::as_i64);
                match (accepted, id) {
                    (Some("Accepted"), Some(id)) => id.to_string(),
                    _ => return Err(ErrorKind::Rejected),
                }
            }
        };
        let charging = payload::status(version, true);
        self.call(shared, "StatusNotification", charging, Exchange::Steady)
            .await?;
        let rate = shared.options.rate.max(0.001);
        let period = Duration::from_secs_f64(shared.options.chargers as f64 / rate);
        let mut next = Instant::now() + stagger(index, shared.options.chargers, period);
        let mut seq_no = 1;
        while self.wait(shared, Some(next)).await? {
            energy += 10;
            let (action, request) = payload::meter(version, &transaction, seq_no, energy);
            self.call(shared, action, request, Exchange::Steady).await?;
            seq_no += 1;
            // Behind schedule (a slow answer): carry on from now rather than burst.
            next = (next + period).max(Instant::now());
        }
        Ok(())
    }

    /// Sends a CALL and reads until its answer, answering the gateway meanwhile.
    async fn call(
        &mut self,
        shared: &Shared,
        action: &str,
        payload: Value,
        exchange: Exchange,
    ) -> Result<Value, ErrorKind> {
        self.next_id = self.next_id.wrapping_add(1);
        let id = self.next_id.to_string();
        let text = Frame::Call(Call {
            id: id.clone(),
            action: action.to_owned(),
            payload,
        })
        .to_text();
        let sent = Instant::now();
        self.socket
            .send(Message::text(text))
            .await
            .map_err(|_| ErrorKind::Closed)?;
        let deadline = sent + shared.options.call_timeout;
        loop {
            let frame = tokio::select! {
                frame = self.socket.next() => frame,
                () = sleep_until(deadline) => return Err(ErrorKind::Timeout),
            };
            match self.on_frame(shared, frame).await? {
                Some(Frame::CallResult(CallResult { id: got, payload })) if got == id => {
                    shared.stats.answered(exchange, sent.elapsed());
                    return Ok(payload);
                }
                Some(Frame::CallError(CallErrorFrame { id: got, .. })) if got == id => {
                    return Err(ErrorKind::CallError);
                }
                _ => {}
            }
        }
    }

    /// Serves the link until `until` (true) or until the run stops (false).
    async fn wait(&mut self, shared: &Shared, until: Option<Instant>) -> Result<bool, ErrorKind> {
        loop {
            let frame = tokio::select! {
                frame = self.socket.next() => frame,
                () = shared.stop.cancelled() => return Ok(false),
                () = sleep_until(until.unwrap_or_else(far_future)), if until.is_some() => {
                    return Ok(true)
                }
            };
            self.on_frame(shared, frame).await?;
        }
    }

    /// Handles what arrived: answers gateway calls and pings, hands answers back.
    async fn on_frame(
        &mut self,
        shared: &Shared,
        frame: Option<Result<Message, WsError>>,
    ) -> Result<Option<Frame>, ErrorKind> {
        match frame {
            Some(Ok(Message::Text(text))) => match Frame::parse(text.as_str()) {
                Ok(Frame::Call(call)) => {
                    let answer = shared
                        .responder
                        .answer(self.version, &call.action, &call.payload);
                    if let Some(answer) = answer {
                        let text = answer_text(call.id, answer);
                        let sent = self.socket.send(Message::text(text)).await;
                        sent.map_err(|_| ErrorKind::Closed)?;
                    }
                    Ok(None)
                }
                Ok(other) => Ok(Some(other)),
                Err(_) => Ok(None),
            },
            Some(Ok(Message::Ping(_))) => {
                // tungstenite queued the pong; send it now.
                self.socket.flush().await.map_err(|_| ErrorKind::Closed)?;
                Ok(None)
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Err(ErrorKind::Closed),
            Some(Ok(_)) => Ok(None),
        }
    }
}

/// Spreads chargers evenly over one period so their reports do not come in waves.
fn stagger(index: usize, chargers: usize, period: Duration) -> Duration {
    period.mul_f64((index % chargers.max(1)) as f64 / chargers.max(1) as f64)
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365)
}
