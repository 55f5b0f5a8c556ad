//! Dynamic load management at run time: keeping every circuit under its breaker by
//! sharing its current among the sessions under it, and holding the chargers to it.
//!
//! - **What it knows.** Circuits, attachments, priorities and meters come from the store
//!   (the API writes them) and are read again after each change; what each EVSE draws comes
//!   from its meter values as they arrive ([`Circuits::meter`], [`draw`]); which sessions
//!   run, from the store after each start, stop and status.
//! - **What it decides.** The allocator (`crate::load`, pure) turns that into an allowance
//!   per EVSE; [`transition`](crate::load) orders the change.
//! - **How it holds them to it.** [`enforce`]: a charging profile per EVSE on the stack
//!   level and id range `[load]` reserves ([`profile`]), decreases answered before increases
//!   are sent. [`verify`]: a charger that refuses profiles or draws more than allowed is
//!   marked non-compliant, recorded as a security event (which notifies) and counted at what
//!   it draws or its maximum.
//! - **When.** On every hook below, coalesced: one recompute at a time, and whatever
//!   happened meanwhile is in the next one; and every `[load] tick` (stale meters, probes,
//!   offline holds).
//!
//! The hooks return at once and never touch the store: a charger's message is answered
//! whatever the load manager is doing. A charger that is on no circuit costs one map
//! lookup per message.

pub mod draw;
pub mod enforce;
pub mod inputs;
pub mod profile;
pub mod runtime;
pub mod verify;
pub mod view;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use crate::domain::MeterSample;
use draw::Draw;

/// What an ISO 15118 vehicle said it needs (2.0.1 NotifyEVChargingNeeds, K15).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChargingNeeds {
    /// Energy requested, Wh.
    pub energy_wh: Option<f64>,
    /// When it leaves.
    pub departure: Option<chrono::DateTime<chrono::Utc>>,
    /// The most it takes per phase, A (AC), or in all (DC).
    pub max_current: Option<f64>,
}

/// What the hooks gathered since the last recompute.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    /// The store must be read again (sessions, statuses, circuits changed).
    pub reload: bool,
    /// Something changed that needs a recompute.
    pub dirty: bool,
    /// Something other than new draws changed: the next round goes at once.
    pub urgent: bool,
    /// Chargers that connected since.
    pub connected: HashSet<String>,
    /// Chargers that went away since.
    pub disconnected: HashSet<String>,
    /// EVSEs whose vehicle asked for a schedule: their TxProfile is sent again.
    pub renegotiate: HashSet<(String, u32)>,
}

#[derive(Default)]
struct Inner {
    /// Charger identity → its managed EVSEs' OCPP numbers and conductor counts; a charger
    /// not here is on no circuit.
    managed: HashMap<String, HashMap<u32, usize>>,
    /// The EVSE number of each running 2.0.1 transaction of a managed charger (a
    /// TransactionEvent names its EVSE only in its first event).
    transactions: HashMap<(String, String), u32>,
    /// The latest draw of each managed EVSE, by charger identity and EVSE number.
    draws: HashMap<(String, u32), Draw>,
    pending: Pending,
    /// What the last round decided.
    view: Arc<view::View>,
    /// Charging needs by identity and EVSE number, until the next session there.
    needs: HashMap<(String, u32), ChargingNeeds>,
}

/// The hooks' side of the load manager: cheap to clone, shared by every charger task.
#[derive(Clone, Default)]
pub struct Circuits {
    inner: Arc<Mutex<Inner>>,
    wake: Arc<Notify>,
    /// Woken by what [`Pending::urgent`] marks.
    urgent_wake: Arc<Notify>,
    enabled: bool,
}

impl Circuits {
    pub fn new(enabled: bool) -> Circuits {
        Circuits {
            enabled,
            ..Circuits::default()
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section leaves the maps whole: poisoning cannot break them.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn touch(&self, f: impl FnOnce(&mut Pending)) {
        if !self.enabled {
            return;
        }
        let mut inner = self.lock();
        f(&mut inner.pending);
        inner.pending.urgent = true;
        drop(inner);
        self.wake.notify_one();
        self.urgent_wake.notify_one();
    }

    /// A charger's meter values for `evse`: its draw is kept when it is on a circuit.
    pub fn meter(&self, identity: &str, evse: u32, samples: &[MeterSample]) {
        if !self.enabled || samples.is_empty() {
            return;
        }
        let mut inner = self.lock();
        let Some(phases) = inner
            .managed
            .get(identity)
            .and_then(|e| e.get(&evse))
            .copied()
        else {
            return;
        };
        let Some(d) = draw::from_samples(samples, phases) else {
            return;
        };
        let key = (identity.to_owned(), evse);
        if inner.draws.get(&key).is_some_and(|old| old.at > d.at) {
            return;
        }
        inner.draws.insert(key, d);
        inner.pending.dirty = true;
        drop(inner);
        self.wake.notify_one();
    }

    /// A 2.0.1 transaction's meter values: on `evse` when the event names it, else on the
    /// EVSE the transaction runs on.
    pub fn transaction_meter(
        &self,
        identity: &str,
        evse: Option<u32>,
        transaction: &str,
        samples: &[MeterSample],
    ) {
        if !self.enabled || samples.is_empty() {
            return;
        }
        let evse = evse.or_else(|| {
            self.lock()
                .transactions
                .get(&(identity.to_owned(), transaction.to_owned()))
                .copied()
        });
        if let Some(evse) = evse {
            self.meter(identity, evse, samples);
        }
    }

    /// A session started or stopped, or a status changed, on one of `identity`'s EVSEs.
    pub fn sessions_changed(&self, identity: &str) {
        if self.enabled && self.lock().managed.contains_key(identity) {
            self.touch(|p| {
                p.reload = true;
                p.dirty = true;
            });
        }
    }

    /// An ISO 15118 vehicle's charging needs on `evse` (2.0.1 K15). `true` when the EVSE
    /// is managed: the charger is then sent a TxProfile within the EVSE's allowance
    /// (K15.FR.03/04), again whenever the allowance changes (K16); `false` (answer
    /// Rejected) when no circuit manages it.
    pub fn charging_needs(&self, identity: &str, evse: u32, needs: ChargingNeeds) -> bool {
        if !self.enabled {
            return false;
        }
        let mut inner = self.lock();
        if !inner
            .managed
            .get(identity)
            .is_some_and(|e| e.contains_key(&evse))
        {
            return false;
        }
        inner.needs.insert((identity.to_owned(), evse), needs);
        inner.pending.dirty = true;
        inner.pending.urgent = true;
        inner
            .pending
            .renegotiate
            .insert((identity.to_owned(), evse));
        drop(inner);
        self.wake.notify_one();
        self.urgent_wake.notify_one();
        true
    }

    /// The charging needs reported on EVSEs now.
    pub(crate) fn needs(&self) -> HashMap<(String, u32), ChargingNeeds> {
        self.lock().needs.clone()
    }

    /// Forgets the needs of a session that ended.
    pub(crate) fn forget_needs(&self, keep: impl Fn(&(String, u32)) -> bool) {
        self.lock().needs.retain(|k, _| keep(k));
    }

    /// Circuits, attachments, priorities, power options or meters changed (the API).
    pub fn changed(&self) {
        self.touch(|p| {
            p.reload = true;
            p.dirty = true;
        });
    }

    /// `identity` connected: what it holds is unknown until it is sent again. A charger on
    /// no circuit costs a lookup (a charger attached since the last read of the store has
    /// nothing known to forget: its first round sends everything).
    pub fn connected(&self, identity: &str) {
        if !self.manages(identity) {
            return;
        }
        let id = identity.to_owned();
        self.touch(|p| {
            p.disconnected.remove(&id);
            p.connected.insert(id);
            p.dirty = true;
        });
    }

    /// `identity` went away (a charger on no circuit costs a lookup).
    pub fn disconnected(&self, identity: &str) {
        if !self.manages(identity) {
            return;
        }
        let id = identity.to_owned();
        self.touch(|p| {
            p.connected.remove(&id);
            p.disconnected.insert(id);
            p.dirty = true;
        });
    }

    /// What happened since the last call, and the draws now.
    pub(crate) fn take(&self) -> (Pending, HashMap<(String, u32), Draw>) {
        let mut inner = self.lock();
        let pending = std::mem::take(&mut inner.pending);
        (pending, inner.draws.clone())
    }

    /// The managed EVSEs now, and their running transactions (after a read of the store).
    pub(crate) fn set_managed(
        &self,
        managed: HashMap<String, HashMap<u32, usize>>,
        transactions: HashMap<(String, String), u32>,
    ) {
        let mut inner = self.lock();
        inner.transactions = transactions;
        inner.draws.retain(|(identity, evse), _| {
            managed.get(identity).is_some_and(|e| e.contains_key(evse))
        });
        inner.managed = managed;
    }

    /// Waits for the next hook.
    pub(crate) async fn woken(&self) {
        self.wake.notified().await
    }

    /// Waits for the next hook that is not only new draws.
    pub(crate) async fn woken_urgent(&self) {
        self.urgent_wake.notified().await
    }

    /// Whether something other than new draws is waiting for a round.
    pub(crate) fn urgent(&self) -> bool {
        self.lock().pending.urgent
    }

    /// Whether `identity` is on a circuit (as of the load manager's last read).
    pub fn manages(&self, identity: &str) -> bool {
        self.enabled && self.lock().managed.contains_key(identity)
    }

    /// What the last round decided (empty before the first).
    pub fn view(&self) -> Arc<view::View> {
        self.lock().view.clone()
    }

    pub(crate) fn publish(&self, view: view::View) {
        self.lock().view = Arc::new(view);
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }
}
