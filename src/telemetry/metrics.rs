//! Prometheus metrics: one registry per gateway, counters and histograms updated on the
//! hot paths (cheap atomic operations on pre-registered families), and gauges read at
//! scrape time (connected chargers, process memory, store and notification figures).
//!
//! Action labels come only from the OCPP action lists, so a charger sending invented
//! action names cannot grow the label set (they count as `other`).

use std::sync::Arc;

use prometheus_client::encoding::{EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::ocpp::{v16, v201, OcppVersion};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ProtocolLabel {
    pub protocol: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ResultLabel {
    pub result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FrameLabels {
    /// `in` (from the charger) or `out`.
    pub direction: &'static str,
    /// `call`, `result` or `error`.
    pub kind: &'static str,
    pub action: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    /// `in`: the charger's calls, answered by the gateway; `out`: the gateway's calls.
    pub direction: &'static str,
    pub action: &'static str,
}

/// One phase of one circuit.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CircuitPhaseLabels {
    pub circuit: i64,
    /// `L1`, `L2` or `L3`.
    pub phase: &'static str,
}

/// A float gauge (amperes).
pub type Amperes = Gauge<f64, std::sync::atomic::AtomicU64>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    pub direction: &'static str,
    pub code: &'static str,
}

/// Figures read at scrape time from parts that keep their own counts.
pub trait Gauges: Send + Sync + 'static {
    /// `(name, help, value)` for each gauge; names without the `ocpp_gateway_` prefix.
    fn gauges(&self) -> Vec<(&'static str, &'static str, f64)>;
    /// `(name, help, value)` for each monotonically growing count.
    fn counters(&self) -> Vec<(&'static str, &'static str, u64)> {
        Vec::new()
    }
}

/// See the module documentation. Cheap to clone (every metric is shared).
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<std::sync::Mutex<Registry>>,
    pub connected: Family<ProtocolLabel, Gauge>,
    pub handshakes: Family<ResultLabel, Counter>,
    pub frames: Family<FrameLabels, Counter>,
    pub call_seconds: Family<CallLabels, Histogram>,
    pub call_timeouts: Family<CallLabels, Counter>,
    pub call_errors: Family<ErrorLabels, Counter>,
    pub rate_limited: Counter,
    pub journalled: Counter,
    /// Load management: what each circuit phase may give its EVSEs, what they are
    /// allowed, and what flows.
    pub circuit_available: Family<CircuitPhaseLabels, Amperes>,
    pub circuit_allocated: Family<CircuitPhaseLabels, Amperes>,
    pub circuit_consumption: Family<CircuitPhaseLabels, Amperes>,
    pub load_profiles_sent: Counter,
    pub load_non_compliant: Counter,
    pub load_rounds: Counter,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to ~33 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 17))
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut r = Registry::with_prefix("ocpp_gateway");
        let m = Metrics {
            registry: Arc::default(),
            connected: Family::default(),
            handshakes: Family::default(),
            frames: Family::default(),
            call_seconds: Family::new_with_constructor(latency_histogram),
            call_timeouts: Family::default(),
            call_errors: Family::default(),
            rate_limited: Counter::default(),
            journalled: Counter::default(),
            circuit_available: Family::default(),
            circuit_allocated: Family::default(),
            circuit_consumption: Family::default(),
            load_profiles_sent: Counter::default(),
            load_non_compliant: Counter::default(),
            load_rounds: Counter::default(),
        };
        r.register(
            "chargers_connected",
            "Chargers connected, by protocol",
            m.connected.clone(),
        );
        r.register(
            "handshakes",
            "Charger handshakes by result",
            m.handshakes.clone(),
        );
        r.register(
            "frames",
            "OCPP-J frames by direction, kind and action",
            m.frames.clone(),
        );
        r.register("call_duration_seconds", "Time to answer a CALL (in: the gateway answering a charger; out: a charger answering the gateway)", m.call_seconds.clone());
        r.register(
            "call_timeouts",
            "Gateway CALLs a charger did not answer in time",
            m.call_timeouts.clone(),
        );
        r.register(
            "call_errors",
            "CALLERRORs by direction and code",
            m.call_errors.clone(),
        );
        r.register(
            "rate_limited",
            "CALLs refused for exceeding a charger's message rate",
            m.rate_limited.clone(),
        );
        r.register(
            "journalled_reports",
            "Reports kept in the recovery journal because the store failed",
            m.journalled.clone(),
        );
        r.register(
            "circuit_available_amperes",
            "Load management: the current a circuit phase has for its EVSEs (its limit less unmanaged load and what its parent allows)",
            m.circuit_available.clone(),
        );
        r.register(
            "circuit_allocated_amperes",
            "Load management: the sum of what the EVSEs under a circuit phase are allowed",
            m.circuit_allocated.clone(),
        );
        r.register(
            "circuit_consumption_amperes",
            "Load management: what flows on a circuit phase (measured draws plus unmanaged load)",
            m.circuit_consumption.clone(),
        );
        r.register(
            "load_profiles_sent",
            "Load management: charging profiles sent to chargers",
            m.load_profiles_sent.clone(),
        );
        r.register(
            "load_rounds",
            "Load management: allocation rounds run",
            m.load_rounds.clone(),
        );
        r.register(
            "load_non_compliant",
            "Load management: EVSEs newly marked as not keeping to their limit",
            m.load_non_compliant.clone(),
        );
        *m.registry.lock().unwrap_or_else(|p| p.into_inner()) = r;
        m
    }

    /// Adds figures read at each scrape.
    pub fn add_gauges(&self, source: Arc<dyn Gauges>) {
        let mut r = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        r.register_collector(Box::new(Collected(source)));
    }

    /// The OpenMetrics 1.0 text exposition (what `prometheus_client` writes: counter
    /// families named without `_total`, a closing `# EOF`).
    pub fn render(&self) -> String {
        let r = self.registry.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &r).is_err() {
            out.clear();
        }
        out
    }

    /// The body and content type `/metrics` answers with: OpenMetrics 1.0 when the
    /// scraper accepts `application/openmetrics-text`, else the Prometheus text format
    /// 0.0.4.
    pub fn exposition(&self, accept: Option<&str>) -> (&'static str, String) {
        let open = self.render();
        if accept.is_some_and(accepts_openmetrics) {
            (OPENMETRICS_CONTENT_TYPE, open)
        } else {
            (TEXT_CONTENT_TYPE, to_text_format(&open))
        }
    }
}

/// The OpenMetrics 1.0 text format's media type.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// The Prometheus text exposition format 0.0.4's media type.
pub const TEXT_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether an `Accept` header lists `application/openmetrics-text` (with a non-zero `q`).
fn accepts_openmetrics(accept: &str) -> bool {
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or_default();
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        media.eq_ignore_ascii_case("application/openmetrics-text") && !refused
    })
}

/// Rewrites an OpenMetrics exposition in the 0.0.4 text format: there a family is named
/// as its samples are, so a counter `x` (samples `x_total`) is declared as `x_total`;
/// `unknown` is `untyped`; `# UNIT`, `# EOF` and exemplars do not exist.
fn to_text_format(open: &str) -> String {
    let mut out = String::with_capacity(open.len());
    // HELP comes before TYPE; the name it carries depends on the type that follows.
    let mut help: Option<(&str, String)> = None;
    for line in open.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, text) = rest.split_once(' ').unwrap_or((rest, ""));
            // OpenMetrics escapes `"` in HELP too; 0.0.4 escapes only `\\` and newlines.
            help = Some((name, text.replace("\\\"", "\"")));
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap_or((rest, "unknown"));
            let (family, kind) = match kind {
                "counter" if !name.ends_with("_total") => (format!("{name}_total"), "counter"),
                "counter" | "gauge" | "histogram" | "summary" => (name.to_owned(), kind),
                _ => (name.to_owned(), "untyped"),
            };
            if let Some((_, text)) = help.take().filter(|(h, _)| *h == name) {
                out.push_str(&format!("# HELP {family} {text}\n"));
            }
            out.push_str(&format!("# TYPE {family} {kind}\n"));
        } else if line.starts_with('#') {
            // `# UNIT` and `# EOF`.
            continue;
        } else if !line.is_empty() {
            // An exemplar follows ` # ` after the value.
            let sample = line.split_once(" # ").map_or(line, |(s, _)| s);
            out.push_str(sample);
            out.push('\n');
        }
    }
    out
}

/// An action name bounded to the OCPP lists (or `other`).
pub fn action_label(action: &str) -> &'static str {
    v16::CHARGER_ACTIONS
        .iter()
        .chain(v16::CSMS_ACTIONS)
        .chain(v201::CHARGER_ACTIONS)
        .chain(v201::CSMS_ACTIONS)
        .find(|a| **a == action)
        .copied()
        .unwrap_or("other")
}

/// A CALLERROR code as a bounded label.
pub fn code_label(code: &str) -> &'static str {
    match crate::ocpp::ErrorCode::parse(code) {
        Some(c) => c.as_str(OcppVersion::V201),
        None => "other",
    }
}

pub fn protocol_label(v: OcppVersion) -> ProtocolLabel {
    ProtocolLabel {
        protocol: v.subprotocol(),
    }
}

struct Collected(Arc<dyn Gauges>);

impl std::fmt::Debug for Collected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Collected")
    }
}

impl prometheus_client::collector::Collector for Collected {
    fn encode(
        &self,
        mut encoder: prometheus_client::encoding::DescriptorEncoder,
    ) -> Result<(), std::fmt::Error> {
        for (name, help, value) in self.0.gauges() {
            let g = ConstGauge::new(value);
            let e = encoder.encode_descriptor(name, help, None, g.metric_type())?;
            g.encode(e)?;
        }
        for (name, help, value) in self.0.counters() {
            let c = ConstCounter::new(value);
            let e = encoder.encode_descriptor(name, help, None, c.metric_type())?;
            c.encode(e)?;
        }
        Ok(())
    }
}

/// The process's resident memory in bytes (Linux), or 0.
pub fn process_rss_bytes() -> u64 {
    let Ok(statm) = std::fs::read_to_string("/proc/self/statm") else {
        return 0;
    };
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_bounded_and_the_text_renders() {
        assert_eq!(action_label("MeterValues"), "MeterValues");
        assert_eq!(action_label("Invented-Action-123"), "other");
        assert_eq!(code_label("FormationViolation"), "FormatViolation");
        assert_eq!(code_label("<script>"), "other");
        let m = Metrics::new();
        m.frames
            .get_or_create(&FrameLabels {
                direction: "in",
                kind: "call",
                action: "Heartbeat",
            })
            .inc();
        let text = m.render();
        assert!(
            text.contains(
                "ocpp_gateway_frames_total{direction=\"in\",kind=\"call\",action=\"Heartbeat\"} 1"
            ),
            "{text}"
        );
        assert!(process_rss_bytes() > 0);
    }
}
