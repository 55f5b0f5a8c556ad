//! What every service of a gateway reaches through: [`Shared`] (settings, store,
//! registry, authorizer, recovery journal, charger CA, Plug & Charge, metrics, frame log,
//! the drain's signals and the cluster membership), and why a gateway cannot start
//! ([`StartError`]). [`Shared::new`] binds no socket and starts no listener, so the HTTP
//! app can be built on it alone.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Weak};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::charger::authorize::Authorizer;
use crate::charger::journal::Journal;
use crate::charger::local_list::passes::LocalLists;
use crate::charger::registry::Registry;
use crate::cluster::Cluster;
use crate::config::{Settings, TlsSettings};
use crate::security::certs::Ca;
use crate::store::{Resources, Store, StoreError};
use crate::telemetry::frames::FrameLog;
use crate::telemetry::metrics::{self, Gauges};
use crate::telemetry::Metrics;

/// Why the gateway could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr} ({what}): {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("API token file {path}: {source}")]
    ApiToken {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
}

/// What every charger actor, the API and the cluster share.
pub struct Shared {
    pub settings: Arc<Settings>,
    pub store: Arc<dyn Store>,
    pub registry: Registry,
    pub authorizer: Authorizer,
    pub journal: Journal,
    /// The charger CA that signs chargers' certificate requests, when configured.
    pub ca: Option<Ca>,
    /// Plug & Charge: contract certificates and their provider.
    pub pnc: Arc<crate::pnc::Pnc>,
    pub metrics: Metrics,
    pub frames: FrameLog,
    /// Cancelled when the gateway stops accepting chargers (the start of a drain).
    pub accepting: CancellationToken,
    /// Cancelled when every charger must go (the end of a drain).
    pub cancel: CancellationToken,
    /// Set while draining: the gateway is not ready.
    pub draining: AtomicBool,
    /// Gateway calls waiting on chargers, queued or in flight (a drain waits for 0).
    pub calls_pending: watch::Sender<usize>,
    /// This node's cluster membership (cluster mode only).
    pub cluster: Option<Arc<Cluster>>,
    /// Local authorization lists kept in step with the id tags.
    pub local_lists: LocalLists,
    /// The load manager's hooks (`crate::circuits`).
    pub circuits: crate::circuits::Circuits,
}

impl Shared {
    /// The shared state over `store`: the authorizer, the recovery journal beside the
    /// store, the charger CA when configured, Plug & Charge, the metrics (with the
    /// process gauges) and the frame log.
    pub fn new(
        settings: Settings,
        store: Arc<dyn Store>,
        resources: Arc<dyn Resources>,
        cluster: Option<Arc<Cluster>>,
    ) -> Result<Arc<Shared>, StartError> {
        let authorizer =
            Authorizer::new(&settings.auth, store.clone()).map_err(StartError::Setup)?;
        let journal = Journal::beside(&settings.store.path);
        let ca = load_charger_ca(&settings.tls)?;
        let pnc = Arc::new(
            crate::pnc::Pnc::new(&settings.pnc, store.clone().pnc(), resources)
                .map_err(StartError::Setup)?,
        );
        let frame_file = settings.frame_file();
        let local_lists = settings.local_list.enabled;
        let circuits = crate::circuits::Circuits::new(settings.load.enabled);
        let shared = Arc::new(Shared {
            settings: Arc::new(settings),
            store,
            registry: Registry::new(),
            authorizer,
            journal,
            ca,
            pnc,
            metrics: Metrics::new(),
            frames: FrameLog::start(frame_file),
            accepting: CancellationToken::new(),
            cancel: CancellationToken::new(),
            draining: AtomicBool::new(false),
            calls_pending: watch::Sender::new(0),
            cluster,
            local_lists: LocalLists::new(local_lists),
            circuits,
        });
        shared
            .metrics
            .add_gauges(Arc::new(ProcessGauges(Arc::downgrade(&shared))));
        Ok(shared)
    }
}

impl Shared {
    /// The connection of `identity`: here, or (cluster mode) on the node the store says
    /// holds it; `None` when it is connected nowhere. `protocol` is the charger's as
    /// stored, for a handle to another node.
    pub async fn handle_of(
        &self,
        identity: &str,
        protocol: Option<&str>,
    ) -> Option<crate::charger::ChargerHandle> {
        if let Some(h) = self.registry.get(identity).filter(|h| h.is_connected()) {
            return Some(h);
        }
        let cluster = self.cluster.as_ref()?;
        cluster
            .remote_handle(identity, protocol, self.settings.ocpp.call_timeout)
            .await
            .ok()
            .flatten()
    }
}

/// The charger CA, when both its certificate and key are configured and present.
fn load_charger_ca(tls: &TlsSettings) -> Result<Option<Ca>, StartError> {
    let (cert, key) = (&tls.client_ca, &tls.ca_key);
    if cert.as_os_str().is_empty() || key.as_os_str().is_empty() || !key.exists() {
        tracing::info!("no charger CA key: SignCertificate requests will be declined");
        return Ok(None);
    }
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p)
            .map_err(|e| StartError::Setup(format!("charger CA {}: {e}", p.display())))
    };
    let ca = Ca::load(&read(cert)?, &read(key)?)
        .map_err(|e| StartError::Setup(format!("charger CA: {e}")))?;
    Ok(Some(ca))
}

/// Figures read at scrape time: process memory, connected chargers, dropped frame-log
/// records. Holds the shared state weakly so it never keeps a stopped gateway alive.
struct ProcessGauges(Weak<Shared>);

impl Gauges for ProcessGauges {
    fn gauges(&self) -> Vec<(&'static str, &'static str, f64)> {
        let mut g = vec![(
            "process_resident_memory_bytes",
            "Resident memory of the gateway process",
            metrics::process_rss_bytes() as f64,
        )];
        if let Some(shared) = self.0.upgrade() {
            g.push((
                "chargers_registered",
                "Charger connections in the registry",
                shared.registry.len() as f64,
            ));
        }
        g
    }

    fn counters(&self) -> Vec<(&'static str, &'static str, u64)> {
        match self.0.upgrade() {
            Some(shared) => vec![(
                "frame_log_dropped",
                "Frame-log records dropped because the file writer fell behind",
                shared.frames.dropped(),
            )],
            None => Vec::new(),
        }
    }
}
