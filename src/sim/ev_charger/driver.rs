//! The task behind an [`EvCharger`](super::EvCharger): it owns the simulated
//! charger's connection and makes its calls in order — boot, session start and stop
//! on request, and on each tick of the meter interval one report per running session
//! with what the EV draws under the limit in force.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::Utc;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::ocpp::OcppVersion;
use crate::sim::ev::EvSpec;
use crate::sim::scenario::{fresh_transaction_id, now};
use crate::sim::site::{samples, Site};
use crate::sim::{run_scenario, Scenario, ScenarioOptions, SimCharger, SimError};

use super::{EvOptions, MeterReport};

/// The shortest meter interval taken (a zero one would spin).
const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// What the handle asks of the driver.
pub(super) enum Request {
    Start {
        evse: u32,
        ev: EvSpec,
        reply: oneshot::Sender<Result<String, SimError>>,
    },
    Stop {
        evse: u32,
        reply: oneshot::Sender<Result<(), SimError>>,
    },
    Interval {
        every: Duration,
        reply: oneshot::Sender<()>,
    },
    Close {
        reply: oneshot::Sender<Result<(), SimError>>,
    },
}

/// The driver's state.
pub(super) struct Driver {
    sim: SimCharger,
    site: Arc<Mutex<Site>>,
    version: OcppVersion,
    options: EvOptions,
    requests: mpsc::Receiver<Request>,
    reports: mpsc::UnboundedSender<MeterReport>,
    log: Arc<Mutex<Vec<MeterReport>>>,
}

impl Driver {
    pub(super) fn new(
        sim: SimCharger,
        site: Arc<Mutex<Site>>,
        options: EvOptions,
        requests: mpsc::Receiver<Request>,
        reports: mpsc::UnboundedSender<MeterReport>,
        log: Arc<Mutex<Vec<MeterReport>>>,
    ) -> Self {
        let version = site
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .version();
        Driver {
            sim,
            site,
            version,
            options,
            requests,
            reports,
            log,
        }
    }

    fn site(&self) -> MutexGuard<'_, Site> {
        self.site.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// BootNotification and every EVSE `Available`.
    pub(super) async fn boot(mut self) -> Result<Self, SimError> {
        let options = ScenarioOptions {
            id_tag: self.options.id_tag.clone(),
            ..ScenarioOptions::default()
        };
        run_scenario(&mut self.sim, self.version, Scenario::Boot, &options).await?;
        let evses = self.site().evse_count();
        for evse in 2..=evses {
            self.status(evse, "Available").await?;
        }
        Ok(self)
    }

    /// Serves requests and sends meter reports until closed or the handle is dropped.
    pub(super) async fn run(mut self) {
        let mut every = self.options.meter_interval.max(MIN_INTERVAL);
        let mut next = Instant::now() + every;
        loop {
            tokio::select! {
                request = self.requests.recv() => match request {
                    Some(Request::Start { evse, ev, reply }) => {
                        let _ = reply.send(self.start(evse, ev).await);
                    }
                    Some(Request::Stop { evse, reply }) => {
                        let _ = reply.send(self.stop(evse).await);
                    }
                    Some(Request::Interval { every: new, reply }) => {
                        every = new.max(MIN_INTERVAL);
                        next = Instant::now() + every;
                        let _ = reply.send(());
                    }
                    Some(Request::Close { reply }) => {
                        let _ = reply.send(self.sim.close().await);
                        return;
                    }
                    None => {
                        let _ = self.sim.close().await;
                        return;
                    }
                },
                () = tokio::time::sleep_until(next) => {
                    next = Instant::now() + every;
                    if let Err(e) = self.report_all().await {
                        tracing::debug!(error = %e, "meter report failed");
                        if matches!(e, SimError::Closed) {
                            return;
                        }
                    }
                }
            }
        }
    }

    async fn start(&mut self, evse: u32, ev: EvSpec) -> Result<String, SimError> {
        let (free, register) = {
            let site = self.site();
            let exists = (1..=site.evse_count()).contains(&evse);
            (
                exists && site.session(evse).is_none(),
                site.register_wh(evse),
            )
        };
        if !free {
            return Err(SimError::Setup(format!(
                "EVSE {evse} is busy or does not exist"
            )));
        }
        let id_tag = self.options.tag(evse);
        let register = register.round() as i64;
        match self.version {
            OcppVersion::V16 => {
                self.status(evse, "Preparing").await?;
                let start = json!({
                    "connectorId": evse, "idTag": id_tag,
                    "meterStart": register, "timestamp": now(),
                });
                let answer = self.sim.call("StartTransaction", start).await?;
                let status = answer.pointer("/idTagInfo/status").and_then(Value::as_str);
                if status != Some("Accepted") {
                    self.status(evse, "Available").await?;
                    return Err(SimError::Rejected {
                        action: "StartTransaction".to_owned(),
                        status: status.unwrap_or("none").to_owned(),
                    });
                }
                let Some(tx) = answer.get("transactionId").and_then(Value::as_i64) else {
                    return Err(SimError::Unexpected {
                        action: "StartTransaction".to_owned(),
                        reason: format!("no integer transactionId in {answer}"),
                    });
                };
                let tx = tx.to_string();
                self.site().start(evse, ev, tx.clone(), Utc::now());
                self.status(evse, "Charging").await?;
                Ok(tx)
            }
            OcppVersion::V201 => {
                self.status(evse, "Occupied").await?;
                let tx = fresh_transaction_id();
                // Installed first, so a TxProfile sent right after Started finds it.
                self.site().start(evse, ev, tx.clone(), Utc::now());
                let started = json!({
                    "eventType": "Started", "timestamp": now(), "triggerReason": "Authorized",
                    "seqNo": self.next_seq(evse),
                    "transactionInfo": { "transactionId": tx, "chargingState": "Charging" },
                    "idToken": { "idToken": id_tag, "type": "ISO14443" },
                    "evse": { "id": evse, "connectorId": 1 },
                    "meterValue": [energy_value(register, "Transaction.Begin")],
                });
                self.sim.call("TransactionEvent", started).await?;
                Ok(tx)
            }
        }
    }

    async fn stop(&mut self, evse: u32) -> Result<(), SimError> {
        let stopped = self.site().stop(evse, Utc::now());
        let Some((reading, session)) = stopped else {
            return Err(SimError::Setup(format!("no session on EVSE {evse}")));
        };
        let register = reading.register_wh.round() as i64;
        match self.version {
            OcppVersion::V16 => {
                let tx: i64 = session.tx.id.parse().unwrap_or_default();
                let stop = json!({
                    "transactionId": tx, "idTag": self.options.tag(evse),
                    "meterStop": register, "timestamp": now(), "reason": "Local",
                });
                self.sim.call("StopTransaction", stop).await?;
                self.status(evse, "Finishing").await?;
                self.status(evse, "Available").await
            }
            OcppVersion::V201 => {
                let ended = json!({
                    "eventType": "Ended", "timestamp": now(), "triggerReason": "StopAuthorized",
                    "seqNo": session.seq_no,
                    "transactionInfo": {
                        "transactionId": session.tx.id, "chargingState": "EVConnected",
                        "stoppedReason": "Local",
                    },
                    "idToken": { "idToken": self.options.tag(evse), "type": "ISO14443" },
                    "evse": { "id": evse, "connectorId": 1 },
                    "meterValue": [energy_value(register, "Transaction.End")],
                });
                self.sim.call("TransactionEvent", ended).await?;
                self.status(evse, "Available").await
            }
        }
    }

    /// One report per running session, read now.
    async fn report_all(&mut self) -> Result<(), SimError> {
        let at = Utc::now();
        let mut due = Vec::new();
        {
            let mut site = self.site();
            site.advance(at);
            for evse in 1..=site.evse_count() {
                let (Some(reading), Some(s)) = (site.reading(evse), site.session(evse)) else {
                    continue;
                };
                let limit = site.limit(evse, at);
                let phases = s.ev.spec().phases;
                let idle = s.ev.target(limit).abs() < f64::EPSILON;
                let full = s.ev.soc() >= 100.0;
                due.push((evse, reading, limit, phases, s.tx.id.clone(), idle, full));
            }
        }
        for (evse, reading, limit, phases, tx, idle, full) in due {
            let sampled = samples(self.version, &reading, phases);
            let request = match self.version {
                OcppVersion::V16 => json!({
                    "connectorId": evse,
                    "transactionId": tx.parse::<i64>().unwrap_or_default(),
                    "meterValue": [{ "timestamp": now(), "sampledValue": sampled }],
                }),
                OcppVersion::V201 => {
                    let state = match (full, idle) {
                        (true, _) => "SuspendedEV",
                        (false, true) => "SuspendedEVSE",
                        _ => "Charging",
                    };
                    json!({
                        "eventType": "Updated", "timestamp": now(),
                        "triggerReason": "MeterValuePeriodic", "seqNo": self.next_seq(evse),
                        "transactionInfo": { "transactionId": tx, "chargingState": state },
                        "meterValue": [{ "timestamp": now(), "sampledValue": sampled }],
                    })
                }
            };
            let action = match self.version {
                OcppVersion::V16 => "MeterValues",
                OcppVersion::V201 => "TransactionEvent",
            };
            self.sim.call(action, request.clone()).await?;
            self.record(MeterReport {
                evse,
                reading,
                limit,
                request,
            });
        }
        Ok(())
    }

    fn record(&self, report: MeterReport) {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(report.clone());
        // Nobody reading the reports is fine.
        let _ = self.reports.send(report);
    }

    /// The session's next seqNo (2.0.1).
    fn next_seq(&self, evse: u32) -> u32 {
        let mut site = self.site();
        let Some(s) = site.session_mut(evse) else {
            return 0;
        };
        s.seq_no += 1;
        s.seq_no - 1
    }

    async fn status(&mut self, evse: u32, status: &str) -> Result<(), SimError> {
        let request = match self.version {
            OcppVersion::V16 => json!({
                "connectorId": evse, "errorCode": "NoError", "status": status,
                "timestamp": now(),
            }),
            OcppVersion::V201 => json!({
                "timestamp": now(), "connectorStatus": status, "evseId": evse, "connectorId": 1,
            }),
        };
        self.sim.call("StatusNotification", request).await.map(drop)
    }
}

/// A 2.0.1 meter value with the energy register alone.
fn energy_value(wh: i64, context: &str) -> Value {
    json!({
        "timestamp": now(),
        "sampledValue": [{
            "value": wh, "context": context, "measurand": "Energy.Active.Import.Register",
            "location": "Outlet", "unitOfMeasure": { "unit": "Wh" },
        }],
    })
}
