//! What the load generator counts while it runs: shared by every simulated charger,
//! so only atomics and a few short-held locks around latency histograms.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use hdrhistogram::Histogram;

/// Why a simulated charger failed; counted per kind in the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// TCP connect failed (refused, no ports or descriptors left, ...).
    Connect,
    /// The WebSocket handshake failed or was refused.
    Handshake,
    /// No answer came within the call timeout.
    Timeout,
    /// The server closed the connection.
    Closed,
    /// A CALLERROR came back.
    CallError,
    /// The answer was not `Accepted` or lacked what the scenario needs.
    Rejected,
}

impl ErrorKind {
    /// Every kind, in report order.
    pub const ALL: [ErrorKind; 6] = [
        ErrorKind::Connect,
        ErrorKind::Handshake,
        ErrorKind::Timeout,
        ErrorKind::Closed,
        ErrorKind::CallError,
        ErrorKind::Rejected,
    ];

    /// The kind's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Connect => "connect",
            ErrorKind::Handshake => "handshake",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Closed => "closed",
            ErrorKind::CallError => "callerror",
            ErrorKind::Rejected => "rejected",
        }
    }
}

/// Which latency histogram a round trip goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Exchange {
    /// BootNotification and the first StatusNotification.
    Boot,
    /// Heartbeat, transaction start, meter values: the steady traffic.
    Steady,
}

/// Latencies are recorded in microseconds, up to a minute, with two significant digits.
fn histogram() -> Result<Histogram<u64>, hdrhistogram::CreationError> {
    Histogram::new_with_bounds(1, 60_000_000, 2)
}

/// Counters and histograms shared by all chargers of one run.
pub(super) struct Stats {
    pub connected: AtomicU64,
    pub booted: AtomicU64,
    /// Calls answered (any action), for the messages-per-second figure.
    pub answered: AtomicU64,
    /// Microseconds since the run began at which the last charger booted.
    pub last_boot_us: AtomicU64,
    errors: [AtomicU64; ErrorKind::ALL.len()],
    boot: Mutex<Histogram<u64>>,
    steady: Mutex<Histogram<u64>>,
}

impl Stats {
    pub fn new() -> Result<Self, hdrhistogram::CreationError> {
        Ok(Stats {
            connected: AtomicU64::new(0),
            booted: AtomicU64::new(0),
            answered: AtomicU64::new(0),
            last_boot_us: AtomicU64::new(0),
            errors: Default::default(),
            boot: Mutex::new(histogram()?),
            steady: Mutex::new(histogram()?),
        })
    }

    pub fn error(&self, kind: ErrorKind) {
        self.errors[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    pub fn errors(&self) -> Vec<(ErrorKind, u64)> {
        ErrorKind::ALL
            .iter()
            .map(|&kind| (kind, self.errors[kind as usize].load(Ordering::Relaxed)))
            .collect()
    }

    pub fn error_total(&self) -> u64 {
        self.errors.iter().map(|e| e.load(Ordering::Relaxed)).sum()
    }

    /// One answered call and how long it took.
    pub fn answered(&self, exchange: Exchange, took: Duration) {
        self.answered.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX).max(1);
        let histogram = match exchange {
            Exchange::Boot => &self.boot,
            Exchange::Steady => &self.steady,
        };
        histogram
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .saturating_record(micros);
    }

    /// A copy of one histogram, for the report.
    pub fn latencies(&self, exchange: Exchange) -> Latency {
        let histogram = match exchange {
            Exchange::Boot => &self.boot,
            Exchange::Steady => &self.steady,
        };
        Latency::of(&histogram.lock().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// A latency summary, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Latency {
    /// How many round trips were measured.
    pub count: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    fn of(h: &Histogram<u64>) -> Latency {
        let ms = |micros: u64| micros as f64 / 1000.0;
        Latency {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
        }
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} calls)",
            self.p50_ms, self.p90_ms, self.p99_ms, self.max_ms, self.count
        )
    }
}
