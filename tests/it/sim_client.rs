//! The simulated charger against a scripted CSMS on a real local WebSocket: the
//! handshake, calls and their errors, raw frames, CSMS calls answered automatically or
//! by the test, and closing from either side.

use std::future::Future;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderMap, HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use ocpp_gateway::ocpp::OcppVersion;
use ocpp_gateway::sim::{Answer, ConnectOptions, Responder, SimCharger, SimError};

/// Every await in these tests is bounded by this.
const WAIT: Duration = Duration::from_secs(10);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// How the scripted CSMS answers the handshake.
#[derive(Clone, Copy)]
enum Handshake {
    /// Echo the first offered version it knows.
    Echo,
    /// Accept without a subprotocol.
    Silent,
    /// Refuse with this HTTP status.
    Refuse(u16),
}

/// The CSMS side of one connection.
struct Csms {
    ws: WebSocketStream<TcpStream>,
    headers: HeaderMap,
}

/// Listens on port 0 for one charger; the URL to give it and the accepted connection.
async fn serve_one(handshake: Handshake) -> (String, JoinHandle<Option<Csms>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}/ocpp/CP-1", listener.local_addr().expect("addr"));
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.ok()?;
        let mut headers = HeaderMap::new();
        // The callback's error type is tungstenite's.
        #[allow(clippy::result_large_err)]
        let callback = |request: &Request, mut response: Response| {
            headers = request.headers().clone();
            let offered = request
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            match handshake {
                Handshake::Refuse(status) => {
                    let mut refusal = ErrorResponse::new(None);
                    *refusal.status_mut() = StatusCode::from_u16(status).expect("status");
                    return Err(refusal);
                }
                Handshake::Silent => {}
                Handshake::Echo => {
                    let chosen = offered
                        .split(',')
                        .map(str::trim)
                        .find(|t| OcppVersion::from_subprotocol(t).is_some());
                    if let Some(token) = chosen {
                        let value = HeaderValue::from_str(token).expect("token");
                        response
                            .headers_mut()
                            .insert("sec-websocket-protocol", value);
                    }
                }
            }
            Ok(response)
        };
        let ws = tokio_tungstenite::accept_hdr_async(stream, callback)
            .await
            .ok()?;
        Some(Csms { ws, headers })
    });
    (url, server)
}

/// A charger connected to a scripted CSMS speaking `version`.
async fn pair(version: OcppVersion, responder: Responder) -> (SimCharger, Csms) {
    let (url, server) = serve_one(Handshake::Echo).await;
    let mut options = ConnectOptions::new("unused", "CP-1", version);
    options.url = url;
    options.responder = responder;
    let sim = within("connect", SimCharger::connect(options))
        .await
        .expect("connects");
    let csms = within("accept", server)
        .await
        .expect("task")
        .expect("accepted");
    (sim, csms)
}

impl Csms {
    /// The next text frame, as JSON, if one arrives within `wait`.
    async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        loop {
            let frame = tokio::time::timeout(wait, self.ws.next()).await.ok()??;
            match frame.ok()? {
                Message::Text(text) => return serde_json::from_str(text.as_str()).ok(),
                // Reading on completes the close handshake and ends the stream.
                Message::Close(_) => self.drain().await,
                _ => {}
            }
        }
    }

    /// Reads until the connection ends.
    async fn drain(&mut self) {
        while let Some(Ok(_)) = within("the end of the stream", self.ws.next()).await {}
    }

    async fn recv(&mut self) -> Value {
        self.try_recv(WAIT).await.expect("a frame from the charger")
    }

    async fn send(&mut self, frame: Value) {
        let text = Message::text(frame.to_string());
        within("send", self.ws.send(text)).await.expect("send");
    }
}

#[tokio::test]
async fn handshake_offers_subprotocols_and_credentials_as_given() {
    let (url, server) = serve_one(Handshake::Echo).await;
    let options = ConnectOptions {
        url,
        identity: "CP-1".into(),
        subprotocols: vec!["ocpp0.1".into(), "ocpp1.6".into()],
        password: Some("secret".into()),
        responder: Responder::default(),
    };
    let sim = within("connect", SimCharger::connect(options))
        .await
        .expect("connects");
    let csms = within("accept", server)
        .await
        .expect("task")
        .expect("accepted");
    assert_eq!(sim.negotiated(), Some(OcppVersion::V16));
    assert_eq!(csms.headers["sec-websocket-protocol"], "ocpp0.1, ocpp1.6");
    // base64("CP-1:secret")
    assert_eq!(csms.headers["authorization"], "Basic Q1AtMTpzZWNyZXQ=");

    let (url, server) = serve_one(Handshake::Silent).await;
    let mut options = ConnectOptions::new("unused", "CP-1", OcppVersion::V16);
    (options.url, options.subprotocols) = (url, Vec::new());
    let sim = within("connect", SimCharger::connect(options))
        .await
        .expect("connects");
    let csms = within("accept", server)
        .await
        .expect("task")
        .expect("accepted");
    assert_eq!(sim.negotiated(), None);
    assert!(!csms.headers.contains_key("sec-websocket-protocol"));
    assert!(!csms.headers.contains_key("authorization"));

    let (url, _server) = serve_one(Handshake::Refuse(401)).await;
    let mut options = ConnectOptions::new("unused", "CP-1", OcppVersion::V16);
    options.url = url;
    let refused = within("connect", SimCharger::connect(options)).await;
    assert!(
        matches!(refused, Err(SimError::Refused { status: 401 })),
        "{:?}",
        refused.err()
    );
}

#[tokio::test]
async fn raw_frames_and_calls_share_the_socket() {
    let (mut sim, mut csms) = pair(OcppVersion::V16, Responder::default()).await;
    sim.send_text(r#"[2,"raw-1","Heartbeat",{}]"#)
        .await
        .expect("sent");
    assert_eq!(csms.recv().await, json!([2, "raw-1", "Heartbeat", {}]));
    csms.send(json!([3, "raw-1", { "currentTime": "2025-01-01T00:00:00Z" }]))
        .await;
    csms.ws.send(Message::text("not json")).await.expect("send");
    let answer = sim.recv_text(WAIT).await.expect("the raw answer");
    assert!(answer.contains("raw-1"), "{answer}");
    assert_eq!(sim.recv_text(WAIT).await.as_deref(), Some("not json"));

    let csms_side = async {
        let call = csms.recv().await;
        csms.send(json!([3, call[1], { "currentTime": "2025-01-01T00:00:00Z" }]))
            .await;
    };
    let (answer, ()) = within("call", async {
        tokio::join!(sim.call("Heartbeat", json!({})), csms_side)
    })
    .await;
    assert_eq!(
        answer.expect("answered")["currentTime"],
        "2025-01-01T00:00:00Z"
    );
    assert_eq!(
        sim.recv_text(Duration::from_millis(50)).await,
        None,
        "a claimed answer is not raw"
    );
}

#[tokio::test]
async fn call_errors_timeouts_and_late_answers() {
    let (mut sim, mut csms) = pair(OcppVersion::V201, Responder::default()).await;
    let csms_side = async {
        let call = csms.recv().await;
        csms.send(json!([4, call[1], "NotSupported", "not here", {}]))
            .await;
    };
    let (answer, ()) = within("call", async {
        tokio::join!(sim.call("Heartbeat", json!({})), csms_side)
    })
    .await;
    assert!(
        matches!(answer, Err(SimError::CallError { ref code, .. }) if code == "NotSupported"),
        "{answer:?}"
    );

    sim.set_call_timeout(Duration::from_millis(100));
    let timed_out = within("call", sim.call("Heartbeat", json!({}))).await;
    assert!(
        matches!(timed_out, Err(SimError::Timeout { .. })),
        "{timed_out:?}"
    );
    let late = csms.recv().await;
    csms.send(json!([3, late[1], { "currentTime": "2025-01-01T00:00:00Z" }]))
        .await;
    let raw = sim.recv_text(WAIT).await.expect("the late answer, as raw");
    assert!(raw.contains(late[1].as_str().expect("id")), "{raw}");
}

#[tokio::test]
async fn csms_calls_are_answered_automatically_and_recorded() {
    let (mut sim, mut csms) = pair(OcppVersion::V16, Responder::default()).await;
    csms.send(json!([2, "c-1", "UnlockConnector", { "connectorId": 1 }]))
        .await;
    assert_eq!(
        csms.recv().await,
        json!([3, "c-1", { "status": "Unlocked" }])
    );
    let call = sim.next_csms_call(WAIT).await.expect("recorded");
    assert_eq!(
        (call.id.as_str(), call.action.as_str()),
        ("c-1", "UnlockConnector")
    );
    assert_eq!(
        call.answer,
        Some(Answer::Result(json!({ "status": "Unlocked" })))
    );
    assert_eq!(sim.received_calls(), vec![call]);

    csms.send(json!([2, "c-2", "Frobnicate", {}])).await;
    let error = csms.recv().await;
    assert_eq!(
        (&error[0], &error[1], &error[2]),
        (&json!(4), &json!("c-2"), &json!("NotImplemented"))
    );
}

#[tokio::test]
async fn a_manual_responder_lets_the_test_answer_late_or_never() {
    let (mut sim, mut csms) = pair(OcppVersion::V201, Responder::Manual).await;
    csms.send(json!([2, "m-1", "Reset", { "type": "Immediate" }]))
        .await;
    let call = sim.next_csms_call(WAIT).await.expect("handed to the test");
    assert_eq!(
        (call.action.as_str(), call.answer.as_ref()),
        ("Reset", None)
    );
    assert_eq!(
        csms.try_recv(Duration::from_millis(100)).await,
        None,
        "nothing answered yet"
    );
    sim.answer(&call.id, json!({ "status": "Scheduled" }))
        .await
        .expect("answered");
    assert_eq!(
        csms.recv().await,
        json!([3, "m-1", { "status": "Scheduled" }])
    );

    csms.send(json!([2, "m-2", "Reset", { "type": "OnIdle" }]))
        .await;
    let call = sim.next_csms_call(WAIT).await.expect("handed to the test");
    sim.answer_error(&call.id, "InternalError", "busy")
        .await
        .expect("answered");
    assert_eq!(
        csms.recv().await,
        json!([4, "m-2", "InternalError", "busy", {}])
    );
}

#[tokio::test]
async fn closing_works_from_either_side() {
    let (mut sim, csms) = pair(OcppVersion::V16, Responder::default()).await;
    // The CSMS reads (completing the close) and then drops the connection.
    let csms = tokio::spawn(async move {
        let mut csms = csms;
        csms.try_recv(WAIT).await
    });
    within("close", sim.close()).await.expect("closes");
    assert!(sim.is_closed());
    let seen = within("csms", csms).await.expect("csms task");
    assert_eq!(seen, None, "the CSMS sees the close, no frame");

    let (mut sim, mut csms) = pair(OcppVersion::V16, Responder::default()).await;
    let frame = CloseFrame {
        code: CloseCode::from(4000),
        reason: "replaced".into(),
    };
    csms.ws.close(Some(frame)).await.expect("close");
    let csms = tokio::spawn(async move { csms.drain().await });
    let info = sim
        .wait_closed(WAIT)
        .await
        .expect("closed")
        .expect("a close frame");
    assert_eq!((info.code, info.reason.as_str()), (4000, "replaced"));
    let after = within("call", sim.call("Heartbeat", json!({}))).await;
    assert!(matches!(after, Err(SimError::Closed)), "{after:?}");
    within("csms", csms).await.expect("csms task");
}
