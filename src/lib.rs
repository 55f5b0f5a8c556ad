//! ocpp-gateway: an OCPP 1.6J and 2.0.1 central-system gateway. [`Gateway::start`] is
//! what `main` and the tests both run.

pub mod api;
pub mod charger;
pub mod circuits;
pub mod cluster;
pub mod config;
pub mod domain;
pub mod gateway;
pub mod load;
pub mod notify;
pub mod ocpp;
pub mod pnc;
pub mod security;
pub mod sim;
pub mod store;
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use charger::{ChargerHandle, Registry};
use config::Settings;
use gateway::Shared;
pub use gateway::StartError;
use security::PasswordHash;
use store::{ChargerRecord, Resources, SqlStore, Store};

/// A running gateway: its bound addresses and a way to stop it.
pub struct Gateway {
    ocpp_addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    api_addr: SocketAddr,
    shared: Arc<Shared>,
    tracker: TaskTracker,
    api_tokens: api::auth::ApiTokens,
    notifier: Option<notify::Notifier>,
}

impl Gateway {
    /// Starts the gateway on its store: PostgreSQL when `store.url` is set (as node
    /// `cluster.node_id`, or the host name), else the embedded store at `store.path`.
    pub async fn start(settings: Settings) -> Result<Gateway, StartError> {
        if !settings.store.url.is_empty() {
            return Self::start_on_postgres(settings).await;
        }
        let store = SqlStore::open(&settings.store)?;
        tracing::info!(path = %settings.store.path.display(), "store opened");
        Self::start_with_store(settings, Arc::new(store)).await
    }

    /// Starts the gateway on the shared PostgreSQL store at `store.url`, joining the
    /// cluster when `cluster.nats_url` is set.
    async fn start_on_postgres(settings: Settings) -> Result<Gateway, StartError> {
        let node = cluster::node_id(&settings.cluster);
        let store = Arc::new(SqlStore::connect(&settings.store, &node).await?);
        tracing::info!(%node, "PostgreSQL store connected");
        let cluster = if settings.cluster.nats_url.is_empty() {
            None
        } else {
            Some(
                cluster::Cluster::join(&settings.cluster, store.clone())
                    .await
                    .map_err(|e| StartError::Setup(e.to_string()))?,
            )
        };
        Self::start_node(settings, store, cluster).await
    }

    /// Starts the gateway on the given store: binds the listeners, seeds the chargers
    /// from the settings, and serves until [`Gateway::shutdown`].
    pub async fn start_with_store<S: Store + Resources>(
        settings: Settings,
        store: Arc<S>,
    ) -> Result<Gateway, StartError> {
        Self::start_node(settings, store, None).await
    }

    /// Starts the gateway on the given store, as a member of `cluster` when given.
    async fn start_node<S: Store + Resources>(
        settings: Settings,
        store: Arc<S>,
        cluster: Option<Arc<cluster::Cluster>>,
    ) -> Result<Gateway, StartError> {
        let resources: Arc<dyn Resources> = store.clone();
        let store: Arc<dyn Store> = store;
        let api_tokens = load_api_tokens(&settings)?;
        seed_chargers(store.as_ref(), &settings).await?;
        let listeners = Listeners::bind(&settings).await?;
        let shared = Shared::new(settings, store, resources.clone(), cluster)?;
        charger::replay::recovery_journal(&shared).await;
        let tracker = TaskTracker::new();
        if let Some(cluster) = &shared.cluster {
            cluster
                .serve(shared.registry.clone(), shared.cancel.clone(), &tracker)
                .await
                .map_err(|e| StartError::Setup(e.to_string()))?;
        }
        let Listeners {
            ocpp,
            ocpp_addr,
            tls,
            api,
            api_addr,
        } = listeners;
        let tls_addr = serve_chargers(&shared, &tracker, ocpp, tls)?;
        if let Some(load) = shared.store.clone().load() {
            tracker.spawn(circuits::runtime::run(
                shared.clone(),
                load,
                shared.cancel.clone(),
            ));
        }
        let api_state = Arc::new(api::ApiState {
            shared: shared.clone(),
            resources,
        });
        let tokens = Arc::new(api::TokenSet::new(&api_tokens.tokens));
        tracker.spawn(api::serve(
            api,
            api_state,
            tokens,
            api_tokens.tokens.clone(),
        ));
        let notifier = start_notifier(&shared, &tracker, &api_tokens.tokens)?;
        tracing::info!(%ocpp_addr, path_prefix = %shared.settings.ocpp.path_prefix, "OCPP listener bound");
        tracing::info!(%api_addr, "API listener bound");
        Ok(Gateway {
            ocpp_addr,
            tls_addr,
            api_addr,
            shared,
            tracker,
            api_tokens,
            notifier,
        })
    }

    /// Where chargers connect.
    pub fn ocpp_addr(&self) -> SocketAddr {
        self.ocpp_addr
    }

    /// Where chargers connect over TLS, when a TLS listener is configured.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// Where the HTTP API listens.
    pub fn api_addr(&self) -> SocketAddr {
        self.api_addr
    }

    /// The Bearer tokens the HTTP API accepts.
    pub fn api_tokens(&self) -> &[String] {
        &self.api_tokens.tokens
    }

    /// The API token generated at this start, and the file it is kept in; `None` when
    /// tokens are configured or the file already held one.
    pub fn generated_api_token(&self) -> Option<(&str, &std::path::Path)> {
        let path = self.api_tokens.created.as_deref()?;
        Some((self.api_tokens.tokens.first()?.as_str(), path))
    }

    /// The connected chargers.
    pub fn registry(&self) -> &Registry {
        &self.shared.registry
    }

    /// The handle of a connected charger.
    pub fn charger(&self, identity: &str) -> Option<ChargerHandle> {
        self.shared.registry.get(identity)
    }

    /// The store the gateway writes to.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.shared.store
    }

    /// Webhook delivery counters and the outbox's backlog (None when the store keeps no
    /// outbox).
    pub async fn notify_stats(&self) -> Option<Result<notify::NotifyStats, notify::NotifyError>> {
        match &self.notifier {
            Some(n) => Some(n.stats().await),
            None => None,
        }
    }

    /// The Prometheus metrics.
    pub fn metrics(&self) -> &telemetry::Metrics {
        &self.shared.metrics
    }

    /// The raw frame log.
    pub fn frames(&self) -> &telemetry::frames::FrameLog {
        &self.shared.frames
    }

    /// A token that is cancelled when the gateway begins to shut down.
    pub fn cancellation(&self) -> CancellationToken {
        self.shared.cancel.clone()
    }

    /// Whether the gateway is ready for chargers (not draining).
    pub fn is_ready(&self) -> bool {
        !self.shared.draining.load(Ordering::Relaxed)
    }

    /// Drains and stops: not ready any more, stops accepting chargers, lets the calls
    /// waiting on chargers finish (up to `ocpp.drain_grace`), closes the chargers with
    /// 1001 spread over `ocpp.drain_spread` so they reconnect elsewhere without a
    /// stampede, then waits (bounded) for every task to end. Commits the chargers were
    /// answered for are already on disk; the API stops last.
    pub async fn shutdown(self) {
        let shared = &self.shared;
        let ocpp = &shared.settings.ocpp;
        shared.draining.store(true, Ordering::Relaxed);
        shared.accepting.cancel();
        let mut pending = shared.calls_pending.subscribe();
        let _ = tokio::time::timeout(ocpp.drain_grace, pending.wait_for(|n| *n == 0)).await;
        let handles = shared.registry.handles();
        tracing::info!(chargers = handles.len(), "draining: closing chargers");
        let gap = ocpp
            .drain_spread
            .checked_div(handles.len().max(1) as u32)
            .unwrap_or_default();
        for (i, h) in handles.iter().enumerate() {
            if i > 0 && !gap.is_zero() {
                tokio::time::sleep(gap).await;
            }
            h.close_soon(charger::CloseReason::Draining);
        }
        self.shared.cancel.cancel();
        self.tracker.close();
        if tokio::time::timeout(Duration::from_secs(10), self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("some tasks did not stop within 10 s");
        }
        if let Some(cluster) = &self.shared.cluster {
            cluster.leave().await;
        }
    }
}

/// The API tokens in effect (generating one, and saying so, when none is configured).
fn load_api_tokens(settings: &Settings) -> Result<api::auth::ApiTokens, StartError> {
    let api_tokens =
        api::auth::effective_tokens(settings).map_err(|source| StartError::ApiToken {
            path: api::auth::token_path(settings),
            source,
        })?;
    if let Some(path) = &api_tokens.created {
        tracing::info!(path = %path.display(), "no API token configured: generated one");
    }
    Ok(api_tokens)
}

/// Records the chargers the settings name (their passwords hashed).
async fn seed_chargers(store: &dyn Store, settings: &Settings) -> Result<(), StartError> {
    for seed in &settings.chargers {
        store
            .upsert_charger(ChargerRecord {
                identity: seed.identity.clone(),
                password: seed.password.as_deref().map(PasswordHash::new),
                strict: seed.strict,
                security_profile: seed.security_profile,
                pending_passwords: Vec::new(),
                desired_profile: 0,
            })
            .await?;
    }
    Ok(())
}

/// The bound sockets: OCPP, OCPP over TLS when configured (with its server
/// configuration), and the API.
struct Listeners {
    ocpp: TcpListener,
    ocpp_addr: SocketAddr,
    tls: Option<(TcpListener, SocketAddr, Arc<rustls::ServerConfig>)>,
    api: TcpListener,
    api_addr: SocketAddr,
}

impl Listeners {
    async fn bind(settings: &Settings) -> Result<Listeners, StartError> {
        let tls = match settings
            .ocpp
            .tls_listen_addr()
            .map_err(|e| StartError::Setup(e.to_string()))?
        {
            Some(addr) => {
                let config = security::tls::server_config(&settings.tls)
                    .map_err(|e| StartError::Setup(e.to_string()))?;
                Some((bind("ocpp.tls_listen", addr).await?, addr, config))
            }
            None => None,
        };
        let ocpp = bind("ocpp.listen", settings.ocpp.listen).await?;
        let api = bind("api.listen", settings.api.listen).await?;
        let ocpp_addr = local_addr("ocpp.listen", &ocpp, settings.ocpp.listen)?;
        let api_addr = local_addr("api.listen", &api, settings.api.listen)?;
        Ok(Listeners {
            ocpp,
            ocpp_addr,
            tls,
            api,
            api_addr,
        })
    }
}

/// Accepts chargers on the OCPP listener and, when configured, the TLS one (both under
/// one `ocpp.max_connections`); returns the TLS listener's address.
fn serve_chargers(
    shared: &Arc<Shared>,
    tracker: &TaskTracker,
    ocpp: TcpListener,
    tls: Option<(TcpListener, SocketAddr, Arc<rustls::ServerConfig>)>,
) -> Result<Option<SocketAddr>, StartError> {
    let slots = Arc::new(Semaphore::new(shared.settings.ocpp.max_connections));
    tracker.spawn(charger::listener::serve(
        ocpp,
        None,
        shared.clone(),
        slots.clone(),
        tracker.clone(),
    ));
    let Some((listener, configured, config)) = tls else {
        return Ok(None);
    };
    let addr = local_addr("ocpp.tls_listen", &listener, configured)?;
    tracing::info!(%addr, "OCPP TLS listener bound");
    tracker.spawn(charger::listener::serve(
        listener,
        Some(tokio_rustls::TlsAcceptor::from(config)),
        shared.clone(),
        slots,
        tracker.clone(),
    ));
    Ok(Some(addr))
}

/// Starts webhook delivery when the store keeps an outbox, its gauges in the metrics.
fn start_notifier(
    shared: &Shared,
    tracker: &TaskTracker,
    tokens: &[String],
) -> Result<Option<notify::Notifier>, StartError> {
    let Some(outbox) = shared.store.clone().notifications() else {
        return Ok(None);
    };
    let notifier = notify::Notifier::spawn(
        outbox,
        shared.settings.notify.clone(),
        tokens,
        shared.cancel.clone(),
        tracker.clone(),
    )
    .map_err(|e| StartError::Setup(e.to_string()))?;
    shared.metrics.add_gauges(notifier.gauges());
    Ok(Some(notifier))
}

async fn bind(what: &'static str, addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { what, addr, source })
}

fn local_addr(
    what: &'static str,
    l: &TcpListener,
    addr: SocketAddr,
) -> Result<SocketAddr, StartError> {
    l.local_addr()
        .map_err(|source| StartError::Bind { what, addr, source })
}
