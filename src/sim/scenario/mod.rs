//! Scripted charger behaviour: what a charger says, in order, for a boot, an idle
//! connection and a charging session, in either OCPP version. Every payload sent is
//! valid against the official schemas.

mod v16;
mod v201;

pub(in crate::sim) use v201::fresh_transaction_id;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::ocpp::OcppVersion;

use super::{SimCharger, SimError};

/// What a simulated charger does once connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// BootNotification, then the connector `Available`.
    Boot,
    /// Boot, then heartbeats at the interval the CSMS gave, until stopped.
    Idle,
    /// Boot, authorize, a transaction with meter values, stop, and back to `Available`.
    Session,
    /// Load: each charger in a transaction sending meter values, `--rate` in all (one
    /// charger alone plays `session`).
    Meter,
    /// Load: every charger connects and boots at once (one charger alone plays `boot`).
    Storm,
}

/// Called after each exchange, e.g. to print progress.
pub type StepHook = Arc<dyn Fn(&Step) + Send + Sync>;

/// Knobs of the scenarios; `Default` suits tests (no pauses, three meter values).
#[derive(Clone)]
pub struct ScenarioOptions {
    /// The connector (1.6) or EVSE and connector (2.0.1) used.
    pub connector_id: u32,
    /// The id tag (1.6) or ISO14443 id token (2.0.1) presented.
    pub id_tag: String,
    /// The vendor sent in BootNotification (at most 20 characters).
    pub vendor: String,
    /// The model sent in BootNotification (at most 20 characters).
    pub model: String,
    /// How many meter value reports the session sends while charging.
    pub meter_values: u32,
    /// The pause before each meter value report.
    pub meter_interval: Duration,
    /// The energy register at the start of the session, in Wh.
    pub meter_start_wh: i64,
    /// How much the energy register grows between reports, in Wh.
    pub energy_step_wh: i64,
    /// The active power reported while charging, in W.
    pub power_w: i64,
    /// The heartbeat interval of `idle`; `None` uses the one the CSMS gave at boot.
    pub heartbeat_interval: Option<Duration>,
    /// Stop `idle` after this many heartbeats; `None` runs until `stop`.
    pub heartbeats: Option<u32>,
    /// Cancels `idle` (and the pauses of `session`).
    pub stop: CancellationToken,
    /// Called after each exchange.
    pub on_step: Option<StepHook>,
}

impl Default for ScenarioOptions {
    fn default() -> Self {
        ScenarioOptions {
            connector_id: 1,
            id_tag: "SIMTAG0001".to_owned(),
            vendor: "ocpp-gateway".to_owned(),
            model: "sim".to_owned(),
            meter_values: 3,
            meter_interval: Duration::ZERO,
            meter_start_wh: 1000,
            energy_step_wh: 250,
            power_w: 7400,
            heartbeat_interval: None,
            heartbeats: None,
            stop: CancellationToken::new(),
            on_step: None,
        }
    }
}

impl fmt::Debug for ScenarioOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScenarioOptions")
            .field("connector_id", &self.connector_id)
            .field("id_tag", &self.id_tag)
            .field("meter_values", &self.meter_values)
            .field("meter_interval", &self.meter_interval)
            .field("heartbeat_interval", &self.heartbeat_interval)
            .field("heartbeats", &self.heartbeats)
            .finish_non_exhaustive()
    }
}

/// One CALL the charger made and the CALLRESULT it got.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The action.
    pub action: String,
    /// The request payload sent.
    pub request: Value,
    /// The response payload received.
    pub response: Value,
    /// The time from sending to the answer.
    pub elapsed: Duration,
}

/// What a scenario did.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioReport {
    /// The version spoken.
    pub version: OcppVersion,
    /// Every exchange, in order.
    pub steps: Vec<Step>,
    /// The heartbeat interval the CSMS gave at boot.
    pub heartbeat_interval: Option<Duration>,
    /// The transaction id: the CSMS's (1.6) or the charger's (2.0.1).
    pub transaction_id: Option<String>,
    /// The energy register at the start and at the end of the session, in Wh.
    pub meter_wh: Option<(i64, i64)>,
}

/// Runs `scenario` on a connected charger, speaking `version`.
pub async fn run_scenario(
    sim: &mut SimCharger,
    version: OcppVersion,
    scenario: Scenario,
    options: &ScenarioOptions,
) -> Result<ScenarioReport, SimError> {
    let mut run = Run {
        sim,
        options,
        report: ScenarioReport {
            version,
            steps: Vec::new(),
            heartbeat_interval: None,
            transaction_id: None,
            meter_wh: None,
        },
    };
    match version {
        OcppVersion::V16 => v16::run(&mut run, scenario).await?,
        OcppVersion::V201 => v201::run(&mut run, scenario).await?,
    }
    Ok(run.report)
}

/// A scenario in progress: the charger, the options and the report so far.
struct Run<'a> {
    sim: &'a mut SimCharger,
    options: &'a ScenarioOptions,
    report: ScenarioReport,
}

impl Run<'_> {
    /// Makes one call and records it.
    async fn step(&mut self, action: &str, request: Value) -> Result<Value, SimError> {
        let started = Instant::now();
        let response = self.sim.call(action, request.clone()).await?;
        let step = Step {
            action: action.to_owned(),
            request,
            response: response.clone(),
            elapsed: started.elapsed(),
        };
        if let Some(hook) = &self.options.on_step {
            hook(&step);
        }
        self.report.steps.push(step);
        Ok(response)
    }

    /// Waits `pause`, or less if the scenario is stopped; `false` when stopped.
    async fn pause(&self, pause: Duration) -> bool {
        tokio::select! {
            () = self.options.stop.cancelled() => false,
            () = tokio::time::sleep(pause) => true,
        }
    }

    /// Sends heartbeats every `interval` until stopped or the count is reached.
    async fn heartbeats(&mut self, interval: Duration) -> Result<(), SimError> {
        let mut sent = 0;
        while self.options.heartbeats.is_none_or(|max| sent < max) {
            if !self.pause(interval).await {
                break;
            }
            self.step("Heartbeat", serde_json::json!({})).await?;
            sent += 1;
        }
        Ok(())
    }

    /// The interval `idle` beats at: the option, else the CSMS's, but at least a second.
    fn heartbeat_interval(&self) -> Duration {
        self.options.heartbeat_interval.unwrap_or_else(|| {
            self.report
                .heartbeat_interval
                .unwrap_or(Duration::ZERO)
                .max(Duration::from_secs(1))
        })
    }
}

/// Fails with [`SimError::Rejected`] unless `response[field].status` (or
/// `response.status` when `field` is empty) is `Accepted`.
fn require_accepted(action: &str, response: &Value, field: &str) -> Result<(), SimError> {
    let holder = if field.is_empty() {
        Some(response)
    } else {
        response.get(field)
    };
    let status = holder.and_then(|h| h.get("status")).and_then(Value::as_str);
    match status {
        Some("Accepted") => Ok(()),
        Some(other) => Err(SimError::Rejected {
            action: action.to_owned(),
            status: other.to_owned(),
        }),
        None => Err(SimError::Unexpected {
            action: action.to_owned(),
            reason: format!("no status in {response}"),
        }),
    }
}

/// The boot answer's interval, in seconds, as a duration.
fn boot_interval(response: &Value) -> Option<Duration> {
    let secs = response.get("interval")?.as_u64()?;
    Some(Duration::from_secs(secs))
}

/// The current time as the schemas want it (RFC 3339, UTC, milliseconds).
pub(in crate::sim) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
