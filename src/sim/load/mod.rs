//! The load generator behind `ocpp-gateway sim --chargers N`: many light simulated
//! chargers against any OCPP server, with a progress line and a final report
//! (connections, boots/s, messages/s, answer latency, errors, the server's RSS).

mod args;
mod payload;
mod report;
mod stats;
mod worker;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::ocpp::OcppVersion;

use super::{Responder, SimError};

pub use args::{run_cli, LoadArgs};
pub use report::{raise_fd_limit, rss_kib, LoadReport};
pub use stats::{ErrorKind, Latency};

use stats::Stats;

/// What every charger of a load run does after BootNotification and StatusNotification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadScenario {
    /// Stay connected, sending Heartbeat at the interval given.
    Idle,
    /// A transaction with periodic meter reports; `rate` of them per second in all.
    Meter,
    /// Connect and boot as fast as allowed; the run ends once every charger booted.
    Storm,
}

/// The knobs of a load run.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// The server's OCPP endpoint; `{prefix}{index:06}` is appended as the identity.
    pub url: String,
    /// The identity prefix, e.g. `LOAD-`.
    pub prefix: String,
    pub version: OcppVersion,
    pub scenario: LoadScenario,
    pub chargers: usize,
    /// Meter reports per second across all chargers (`Meter`).
    pub rate: f64,
    /// How long the steady phase lasts once every connection was attempted (`Idle`,
    /// `Meter`); how long `Storm` may take at most.
    pub duration: Duration,
    /// New connections per second; 0 connects all at once.
    pub ramp: f64,
    /// At most this many handshakes in flight at once.
    pub max_pending: usize,
    /// Spread source addresses over this many loopback addresses (127.0.1.1 and up);
    /// 0 lets the kernel choose.
    pub source_ips: u32,
    /// The heartbeat interval of `Idle`; `None` takes the one BootNotification gave.
    pub heartbeat: Option<Duration>,
    /// How long a call may wait for its answer.
    pub call_timeout: Duration,
    /// The server's process, whose resident memory the report gives.
    pub gateway_pid: Option<u32>,
    /// Print a progress line once a second (to stderr).
    pub progress: bool,
}

impl LoadOptions {
    /// A run of `chargers` chargers against `url` with defaults for the rest.
    pub fn new(url: &str, scenario: LoadScenario, chargers: usize) -> Self {
        LoadOptions {
            url: url.trim_end_matches('/').to_owned(),
            prefix: "LOAD-".to_owned(),
            version: OcppVersion::V16,
            scenario,
            chargers,
            rate: 100.0,
            duration: Duration::from_secs(30),
            ramp: 0.0,
            max_pending: 1000,
            source_ips: 0,
            heartbeat: None,
            call_timeout: Duration::from_secs(30),
            gateway_pid: None,
            progress: false,
        }
    }
}

/// What all chargers of a run share.
struct Shared {
    options: LoadOptions,
    base_url: String,
    server: SocketAddr,
    stats: Stats,
    stop: CancellationToken,
    started: Instant,
    responder: Responder,
    handshakes: Semaphore,
}

/// Runs the load and returns its report. Errors only when the run cannot start (bad
/// URL, unresolvable host); what goes wrong per charger is counted in the report.
pub async fn run_load(options: LoadOptions) -> Result<LoadReport, SimError> {
    let fd_limit = raise_fd_limit(options.chargers as u64 + 1024);
    let server = resolve(&options.url).await?;
    let stats = Stats::new().map_err(|e| SimError::Setup(e.to_string()))?;
    let shared = Arc::new(Shared {
        base_url: options.url.trim_end_matches('/').to_owned(),
        server,
        stats,
        stop: CancellationToken::new(),
        started: Instant::now(),
        responder: Responder::default(),
        handshakes: Semaphore::new(options.max_pending.max(1)),
        options,
    });
    let progress = report::Progress::start(Arc::clone(&shared));
    let tracker = TaskTracker::new();

    // The ramp: connection i starts at i / ramp seconds.
    let ramp = shared.options.ramp;
    for index in 0..shared.options.chargers {
        if ramp > 0.0 {
            let at = shared.started + Duration::from_secs_f64(index as f64 / ramp);
            tokio::time::sleep_until(at).await;
        }
        tracker.spawn(worker::run(index, Arc::clone(&shared)));
    }
    let ramped = shared.started.elapsed();
    let steady_from = Stats::get(&shared.stats.answered);
    let steady_start = Instant::now();

    let deadline = steady_start + shared.options.duration;
    match shared.options.scenario {
        LoadScenario::Storm => {
            // Done when every charger booted or failed, or at the deadline.
            while Instant::now() < deadline && !report::settled(&shared) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        LoadScenario::Idle | LoadScenario::Meter => tokio::time::sleep_until(deadline).await,
    }
    let steady = steady_start.elapsed();
    let steady_answers = Stats::get(&shared.stats.answered) - steady_from;
    // Measured while every connection is still open.
    let gateway_rss_kib = shared.options.gateway_pid.and_then(rss_kib);
    let own_rss_kib = rss_kib(std::process::id());

    shared.stop.cancel();
    tracker.close();
    let _ = tokio::time::timeout(Duration::from_secs(10), tracker.wait()).await;
    progress.finish().await;

    Ok(LoadReport::new(
        &shared,
        report::Phases {
            ramped,
            steady,
            steady_answers,
            gateway_rss_kib,
            own_rss_kib,
            fd_limit,
        },
    ))
}

/// The server's socket address, from the URL's host and port.
async fn resolve(url: &str) -> Result<SocketAddr, SimError> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let bad = |reason: String| SimError::Request {
        url: url.to_owned(),
        reason,
    };
    let request = url.into_client_request().map_err(|e| bad(e.to_string()))?;
    let uri = request.uri();
    if uri.scheme_str() == Some("wss") {
        return Err(bad("the load generator speaks ws:// only".to_owned()));
    }
    let host = uri.host().ok_or_else(|| bad("no host".to_owned()))?;
    let host = host.to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let mut addresses = tokio::net::lookup_host(format!("{host}:{port}"))
        .await
        .map_err(|e| bad(e.to_string()))?;
    addresses
        .next()
        .ok_or_else(|| bad("the host has no address".to_owned()))
}
