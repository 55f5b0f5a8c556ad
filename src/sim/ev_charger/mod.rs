//! [`EvCharger`]: a simulated charger with EVs that obey (or ignore) the charging
//! profiles the gateway sends, for load-management tests and for trying it out.
//!
//! Decisions:
//! - One driver task owns the [`SimCharger`] and makes every call (sessions, meter
//!   reports), so calls never overlap; the handle sends it requests with a oneshot
//!   reply, as the gateway's charger actor does.
//! - The EVSEs, EVs and profiles live in one pure [`Site`] that both the connection
//!   task (answering SetChargingProfile/ClearChargingProfile/GetCompositeSchedule
//!   as they arrive) and the driver (stepping EVs, reading meters) use. It sits behind
//!   a `std::sync::Mutex`, locked only for pure, short operations and never across an
//!   await; the readers of the handle (`limit`, `drawn`) are plain function calls.
//! - Time is the real clock: tests set a short meter interval and poll with a deadline.

mod driver;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::ocpp::OcppVersion;

use super::ev::EvSpec;
use super::site::{Reading, Site};
use super::{ConnectOptions, ReceivedCall, SimCharger, SimError};

use driver::{Driver, Request};

/// How long the handle waits for the driver to finish a request (its calls each
/// have the charger's call timeout as well).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);

/// The charger's side of EV simulation.
#[derive(Clone, Debug)]
pub struct EvOptions {
    /// How many EVSEs (1.6: connectors) it has, numbered from 1.
    pub evses: u32,
    /// Each EVSE's own maximum, in A per phase.
    pub rating: f64,
    /// The time between meter reports of a session.
    pub meter_interval: Duration,
    /// Answer SetChargingProfile, ClearChargingProfile and GetCompositeSchedule with a
    /// `NotSupported` CALLERROR, as a charger without smart charging does.
    pub profiles_not_supported: bool,
    /// The id tag (1.6) or ISO14443 id token (2.0.1) sessions on EVSE 1 start with; on
    /// EVSE n > 1 it has `-n` appended, so that one charger's sessions are not one tag's
    /// concurrent transactions.
    pub id_tag: String,
}

impl EvOptions {
    /// The tag sessions on `evse` start with.
    pub fn tag(&self, evse: u32) -> String {
        match evse {
            1 => self.id_tag.clone(),
            n => format!("{}-{n}", self.id_tag),
        }
    }
}

impl Default for EvOptions {
    fn default() -> Self {
        EvOptions {
            evses: 1,
            rating: 32.0,
            meter_interval: Duration::from_secs(10),
            profiles_not_supported: false,
            id_tag: "SIMTAG0001".to_owned(),
        }
    }
}

/// One periodic meter report the charger sent.
#[derive(Clone, Debug, PartialEq)]
pub struct MeterReport {
    /// The EVSE it is about.
    pub evse: u32,
    /// What the meter read.
    pub reading: Reading,
    /// The limit the profiles put on the EVSE then, in A per phase.
    pub limit: Option<f64>,
    /// The request sent: MeterValues (1.6) or TransactionEvent Updated (2.0.1).
    pub request: Value,
}

/// Reads what a charger's EVs draw, from any task; cheap to clone.
#[derive(Clone)]
pub struct EvGauge(Arc<Mutex<Site>>);

impl EvGauge {
    /// What the EV on `evse` draws now on L1, L2 and L3, in A; `None` without a session.
    pub fn drawn(&self, evse: u32) -> Option<[f64; 3]> {
        let mut site = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        site.advance(Utc::now());
        site.reading(evse).map(|r| r.currents)
    }
}

/// A connected, booted charger with EVs. Dropping it ends the driver and the link.
pub struct EvCharger {
    identity: String,
    version: OcppVersion,
    site: Arc<Mutex<Site>>,
    requests: mpsc::Sender<Request>,
    reports: mpsc::UnboundedReceiver<MeterReport>,
    log: Arc<Mutex<Vec<MeterReport>>>,
    received: Arc<Mutex<Vec<ReceivedCall>>>,
}

impl EvCharger {
    /// Connects `identity` under the base URL `base` (e.g. `ws://127.0.0.1:9000/ocpp`)
    /// speaking `version`, with one EVSE and the default options, and boots it.
    pub async fn connect(
        base: &str,
        identity: &str,
        version: OcppVersion,
    ) -> Result<EvCharger, SimError> {
        let options = ConnectOptions::new(base, identity, version);
        EvCharger::connect_with(options, version, EvOptions::default()).await
    }

    /// Connects with `options` offering `version` (only), boots (BootNotification,
    /// every EVSE `Available`) and starts the driver.
    pub async fn connect_with(
        mut options: ConnectOptions,
        version: OcppVersion,
        ev: EvOptions,
    ) -> Result<EvCharger, SimError> {
        options.subprotocols = vec![version.subprotocol().to_owned()];
        let identity = options.identity.clone();
        let site = Site::new(version, ev.evses, ev.rating, ev.profiles_not_supported);
        let site = Arc::new(Mutex::new(site));
        let mut sim = SimCharger::connect_with_site(options, Some(Arc::clone(&site))).await?;
        if sim.negotiated().is_some_and(|v| v != version) {
            let _ = sim.close().await;
            return Err(SimError::Unexpected {
                action: "the handshake".to_owned(),
                reason: format!("the server chose another version than {version}"),
            });
        }
        let received = sim.record();
        let (requests_tx, requests) = mpsc::channel(8);
        let (reports_tx, reports) = mpsc::unbounded_channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let driver = Driver::new(
            sim,
            Arc::clone(&site),
            ev,
            requests,
            reports_tx,
            Arc::clone(&log),
        );
        let driver = driver.boot().await?;
        let span = tracing::debug_span!("sim_ev", identity = %identity);
        tokio::spawn(tracing::Instrument::instrument(driver.run(), span));
        Ok(EvCharger {
            identity,
            version,
            site,
            requests: requests_tx,
            reports,
            log,
            received,
        })
    }

    /// The charger's identity.
    pub fn identity(&self) -> &str {
        &self.identity
    }

    /// The version spoken.
    pub fn version(&self) -> OcppVersion {
        self.version
    }

    /// Plugs `ev` into `evse` and starts a transaction (1.6 StartTransaction, 2.0.1
    /// TransactionEvent Started); its id. Meter reports follow at the meter interval.
    pub async fn start_session(&self, evse: u32, ev: EvSpec) -> Result<String, SimError> {
        self.ask(|reply| Request::Start { evse, ev, reply }).await?
    }

    /// Ends the transaction on `evse` (1.6 StopTransaction, 2.0.1 Ended).
    pub async fn stop_session(&self, evse: u32) -> Result<(), SimError> {
        self.ask(|reply| Request::Stop { evse, reply }).await?
    }

    /// Changes the time between meter reports; the next one comes an interval from now.
    pub async fn set_meter_interval(&self, every: Duration) -> Result<(), SimError> {
        self.ask(|reply| Request::Interval { every, reply }).await
    }

    /// The limit the charging profiles put on `evse` now, in A per phase; `None` when
    /// none does.
    pub fn limit(&self, evse: u32) -> Option<f64> {
        self.site().limit(evse, Utc::now())
    }

    /// What the EV on `evse` draws now on L1, L2 and L3, in A; `None` without a session.
    pub fn drawn(&self, evse: u32) -> Option<[f64; 3]> {
        self.reading(evse).map(|r| r.currents)
    }

    /// A handle that reads what the EVs draw, for another task (the charger itself stays
    /// with its owner).
    pub fn gauge(&self) -> EvGauge {
        EvGauge(Arc::clone(&self.site))
    }

    /// The meter of `evse` now; `None` without a session.
    pub fn reading(&self, evse: u32) -> Option<Reading> {
        let mut site = self.site();
        site.advance(Utc::now());
        site.reading(evse)
    }

    /// The transaction id of the session on `evse`.
    pub fn transaction_id(&self, evse: u32) -> Option<String> {
        self.site().session(evse).map(|s| s.tx.id.clone())
    }

    /// The next meter report not yet taken with this method, if one comes in time.
    pub async fn next_report(&mut self, within: Duration) -> Option<MeterReport> {
        tokio::time::timeout(within, self.reports.recv())
            .await
            .ok()
            .flatten()
    }

    /// Every meter report sent so far.
    pub fn reports(&self) -> Vec<MeterReport> {
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Every call the CSMS made so far, with what was answered.
    pub fn received_calls(&self) -> Vec<ReceivedCall> {
        self.received
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Stops the driver and closes the connection (sessions are not stopped first).
    pub async fn close(self) -> Result<(), SimError> {
        self.ask(|reply| Request::Close { reply }).await?
    }

    fn site(&self) -> std::sync::MutexGuard<'_, Site> {
        self.site.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn ask<T>(
        &self,
        request: impl FnOnce(oneshot::Sender<T>) -> Request,
    ) -> Result<T, SimError> {
        let (reply, answer) = oneshot::channel();
        let exchange = async {
            self.requests
                .send(request(reply))
                .await
                .map_err(|_| SimError::Closed)?;
            answer.await.map_err(|_| SimError::Closed)
        };
        tokio::time::timeout(REQUEST_TIMEOUT, exchange)
            .await
            .map_err(|_| SimError::Timeout {
                what: "the EV driver".to_owned(),
                after: REQUEST_TIMEOUT,
            })?
    }
}
