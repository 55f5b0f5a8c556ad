//! An in-process store: state lives as long as the process. Used for tests of the
//! protocol core and as the reference semantics the durable stores follow.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{ChargerRecord, StopOutcome, Store, StoreError};
use crate::domain::event::{StatusReport, TransactionPhase};
use crate::domain::{
    BootInfo, HardwareStatus, MeterSample, StartTransaction, StopTransaction, TransactionUpdate,
};
use crate::ocpp::OcppVersion;

/// A transaction as the store keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct TransactionRow {
    pub identity: String,
    /// The 1.6 integer id as text, or the 2.0.1 transactionId.
    pub transaction_id: String,
    pub connector: Option<u32>,
    pub id_tag: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
    pub meter_start_wh: Option<i64>,
    pub meter_stop_wh: Option<i64>,
    pub reason: Option<String>,
    pub samples: Vec<MeterSample>,
    pub ended: bool,
    /// Highest 2.0.1 seqNo seen.
    pub last_seq_no: Option<u32>,
}

#[derive(Default)]
struct State {
    chargers: HashMap<String, ChargerRecord>,
    connected: HashMap<String, OcppVersion>,
    generations: HashMap<String, u64>,
    boots: HashMap<String, BootInfo>,
    statuses: HashMap<(String, u32, u32), HardwareStatus>,
    transactions: HashMap<(String, String), TransactionRow>,
    /// (identity, connector, idTag, meterStart, timestamp) → 1.6 id, for repeated starts.
    starts: HashMap<(String, u32, String, i64, DateTime<Utc>), i32>,
    next_transaction_id: i32,
    orphan_stops: Vec<(String, StopTransaction)>,
    loose_samples: Vec<(String, u32, MeterSample)>,
}

/// See the module documentation.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, State>, StoreError> {
        self.state
            .lock()
            .map_err(|_| StoreError::Unavailable("memory store poisoned".into()))
    }

    /// Every transaction of a charger, oldest id first (for inspection).
    pub fn transactions(&self, identity: &str) -> Vec<TransactionRow> {
        let Ok(s) = self.lock() else { return vec![] };
        let mut rows: Vec<_> = s
            .transactions
            .values()
            .filter(|t| t.identity == identity)
            .cloned()
            .collect();
        rows.sort_by(|a, b| a.started_at.cmp(&b.started_at));
        rows
    }

    /// The last reported status of an EVSE/connector.
    pub fn status(&self, identity: &str, evse: u32, connector: u32) -> Option<HardwareStatus> {
        let s = self.lock().ok()?;
        s.statuses
            .get(&(identity.to_owned(), evse, connector))
            .copied()
    }

    /// The connected version of a charger, if it is connected.
    pub fn connected(&self, identity: &str) -> Option<OcppVersion> {
        self.lock().ok()?.connected.get(identity).copied()
    }

    /// The last BootNotification of a charger.
    pub fn boot(&self, identity: &str) -> Option<BootInfo> {
        self.lock().ok()?.boots.get(identity).cloned()
    }

    /// StopTransactions for transactions the gateway never saw.
    pub fn orphan_stops(&self) -> usize {
        self.lock().map(|s| s.orphan_stops.len()).unwrap_or(0)
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn charger(&self, identity: &str) -> Result<Option<ChargerRecord>, StoreError> {
        Ok(self.lock()?.chargers.get(identity).cloned())
    }

    async fn upsert_charger(&self, record: ChargerRecord) -> Result<(), StoreError> {
        self.lock()?
            .chargers
            .entry(record.identity.clone())
            .or_insert(record);
        Ok(())
    }

    async fn set_connected(
        &self,
        identity: &str,
        version: Option<OcppVersion>,
        generation: u64,
    ) -> Result<(), StoreError> {
        let mut s = self.lock()?;
        let latest = s.generations.get(identity).copied().unwrap_or(0);
        match version {
            Some(v) if generation >= latest => {
                s.generations.insert(identity.to_owned(), generation);
                s.connected.insert(identity.to_owned(), v);
            }
            None if generation >= latest => {
                s.connected.remove(identity);
            }
            _ => {}
        }
        Ok(())
    }

    async fn record_boot(&self, identity: &str, boot: BootInfo) -> Result<(), StoreError> {
        self.lock()?.boots.insert(identity.to_owned(), boot);
        Ok(())
    }

    async fn record_status(&self, identity: &str, report: StatusReport) -> Result<(), StoreError> {
        self.lock()?.statuses.insert(
            (identity.to_owned(), report.evse, report.connector),
            report.status,
        );
        Ok(())
    }

    async fn start_transaction(
        &self,
        identity: &str,
        start: StartTransaction,
    ) -> Result<i32, StoreError> {
        let mut s = self.lock()?;
        let key = (
            identity.to_owned(),
            start.connector,
            start.id_tag.clone(),
            start.meter_start_wh,
            start.timestamp,
        );
        if let Some(id) = s.starts.get(&key) {
            return Ok(*id);
        }
        s.next_transaction_id = s.next_transaction_id.checked_add(1).unwrap_or(1);
        let id = s.next_transaction_id;
        s.starts.insert(key, id);
        s.transactions.insert(
            (identity.to_owned(), id.to_string()),
            TransactionRow {
                identity: identity.to_owned(),
                transaction_id: id.to_string(),
                connector: Some(start.connector),
                id_tag: Some(start.id_tag),
                started_at: Some(start.timestamp),
                stopped_at: None,
                meter_start_wh: Some(start.meter_start_wh),
                meter_stop_wh: None,
                reason: None,
                samples: Vec::new(),
                ended: false,
                last_seq_no: None,
            },
        );
        Ok(id)
    }

    async fn stop_transaction(
        &self,
        identity: &str,
        stop: StopTransaction,
    ) -> Result<StopOutcome, StoreError> {
        let mut s = self.lock()?;
        let key = (identity.to_owned(), stop.transaction_id.to_string());
        let Some(tx) = s.transactions.get_mut(&key) else {
            s.orphan_stops.push((identity.to_owned(), stop));
            return Ok(StopOutcome::Unknown);
        };
        if tx.ended {
            return Ok(StopOutcome::AlreadyStopped);
        }
        tx.ended = true;
        tx.stopped_at = Some(stop.timestamp);
        tx.meter_stop_wh = Some(stop.meter_stop_wh);
        tx.reason = stop.reason;
        tx.samples.extend(stop.samples);
        Ok(StopOutcome::Stopped)
    }

    async fn record_meter_values(
        &self,
        identity: &str,
        connector: u32,
        transaction_id: Option<String>,
        samples: Vec<MeterSample>,
    ) -> Result<(), StoreError> {
        let mut s = self.lock()?;
        let tx = transaction_id
            .and_then(|id| s.transactions.get_mut(&(identity.to_owned(), id)))
            .filter(|t| !t.ended);
        match tx {
            Some(tx) => tx.samples.extend(samples),
            None => s
                .loose_samples
                .extend(samples.into_iter().map(|m| (identity.to_owned(), connector, m))),
        }
        Ok(())
    }

    async fn transaction_event(
        &self,
        identity: &str,
        update: TransactionUpdate,
    ) -> Result<(), StoreError> {
        let mut s = self.lock()?;
        let key = (identity.to_owned(), update.transaction_id.clone());
        let tx = s.transactions.entry(key).or_insert_with(|| TransactionRow {
            identity: identity.to_owned(),
            transaction_id: update.transaction_id.clone(),
            connector: None,
            id_tag: None,
            started_at: None,
            stopped_at: None,
            meter_start_wh: None,
            meter_stop_wh: None,
            reason: None,
            samples: Vec::new(),
            ended: false,
            last_seq_no: None,
        });
        // An event arriving after the end (an offline replay) adds its samples but never
        // reopens the transaction.
        tx.connector = tx.connector.or(update.connector.or(update.evse));
        if tx.id_tag.is_none() {
            tx.id_tag = update.id_token.clone();
        }
        match update.event {
            TransactionPhase::Started => {
                tx.started_at = Some(update.timestamp);
            }
            TransactionPhase::Updated => {
                if tx.started_at.is_none() {
                    tx.started_at = Some(update.timestamp);
                }
            }
            TransactionPhase::Ended => {
                tx.ended = true;
                tx.stopped_at = Some(update.timestamp);
                tx.reason = update.stopped_reason.clone();
                if tx.started_at.is_none() {
                    tx.started_at = Some(update.timestamp);
                }
            }
        }
        tx.last_seq_no = tx.last_seq_no.max(Some(update.seq_no));
        tx.samples.extend(update.samples);
        Ok(())
    }
}
