//! Cluster mode: several gateway nodes over one PostgreSQL store, with NATS carrying
//! what one node asks of a charger whose socket another node holds.
//!
//! - **Ownership** lives in the store: each charger's row names the node holding its
//!   socket (`connected_node`, written in the commit that records the connection). A node
//!   that receives an action for a charger it does not hold reads the owner and sends
//!   the call to that node's subject, `{cluster.name}.node.{node_id}`. There is one
//!   subscription per node, none per charger: 100,000 chargers cost the broker nothing.
//!   No responder on that subject means the node is gone: the charger is not connected.
//! - **Newest connection wins across nodes**: a node that accepts a charger announces it
//!   on `{cluster.name}.connected` with the connection's generation (microseconds from
//!   the clock, so they compare across nodes); a node holding an older socket of that
//!   identity closes it.
//! - **Node death**: every node records a heartbeat in the store; the survivors end the
//!   connections of a node silent for `cluster.dead_after` (its chargers show as
//!   temporarily unavailable until they reconnect, to any node).
//!
//! Calls cross the broker as JSON: the request names the charger, the action and the
//! payload; the answer is exactly what the owning node's handle returned, so the HTTP
//! answer is the same on every node.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::charger::handle::Route;
use crate::charger::{CallError, ChargerHandle, CloseReason, Registry};
use crate::config::ClusterSettings;
use crate::ocpp::OcppVersion;
use crate::store::postgres::Postgres;
use crate::store::{SqlStore, Store, StoreError};

mod remote;

pub use remote::RemoteNode;
use remote::{CallReply, CloseReply, NodeRequest};

/// Why the cluster could not be joined.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cluster.{field}: {message}")]
    Setting {
        field: &'static str,
        message: String,
    },
    #[error("cannot reach NATS at {url}: {message}")]
    Nats { url: String, message: String },
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// This node's membership: its broker connection, its name, and the shared store.
pub struct Cluster {
    client: async_nats::Client,
    node_id: Arc<str>,
    name: String,
    store: Arc<SqlStore>,
    /// The nodes' bookkeeping in the shared store (heartbeats, who holds which charger).
    book: Arc<Postgres>,
    settings: ClusterSettings,
}

/// A connection a node accepted.
#[derive(Debug, Serialize, Deserialize)]
struct Connected {
    identity: String,
    node: String,
    generation: u64,
}

/// A cluster or node name must be one NATS subject token.
fn check_token(field: &'static str, value: &str) -> Result<(), ClusterError> {
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ClusterError::Setting {
            field,
            message: format!(
                "{value:?} must be 1 to 128 letters, digits, '-' or '_' (it is part of NATS subjects)"
            ),
        })
    }
}

/// The node name: `cluster.node_id`, or the host name made into one subject token
/// (anything but letters, digits, '-' and '_' becomes '-').
pub fn node_id(settings: &ClusterSettings) -> String {
    if !settings.node_id.is_empty() {
        return settings.node_id.clone();
    }
    let host = crate::store::postgres::cluster::host_name();
    let cleaned: String = host
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.is_empty() {
        "node".into()
    } else {
        cleaned
    }
}

impl Cluster {
    /// Connects to NATS and records this node in the store. The node serves nothing yet:
    /// [`Cluster::serve`] starts that once the gateway's shared state exists.
    pub async fn join(
        settings: &ClusterSettings,
        store: Arc<SqlStore>,
    ) -> Result<Arc<Cluster>, ClusterError> {
        let book = store.cluster().ok_or_else(|| ClusterError::Setting {
            field: "nats_url",
            message: "a cluster needs the shared PostgreSQL store (store.url)".into(),
        })?;
        let node_id = book.node_id().to_owned();
        check_token("node_id", &node_id)?;
        check_token("name", &settings.name)?;
        if settings.heartbeat.is_zero() || settings.dead_after <= settings.heartbeat {
            return Err(ClusterError::Setting {
                field: "dead_after",
                message: format!(
                    "must be longer than cluster.heartbeat ({:?}); it is {:?}",
                    settings.heartbeat, settings.dead_after
                ),
            });
        }
        let client = async_nats::ConnectOptions::new()
            .name(format!("ocpp-gateway {node_id}"))
            .connect(settings.nats_url.as_str())
            .await
            .map_err(|e| ClusterError::Nats {
                url: crate::config::url_without_password(&settings.nats_url),
                message: e.to_string(),
            })?;
        book.heartbeat().await?;
        tracing::info!(node = %node_id, cluster = %settings.name, "joined the cluster");
        Ok(Arc::new(Cluster {
            client,
            node_id: node_id.into(),
            name: settings.name.clone(),
            store,
            book,
            settings: settings.clone(),
        }))
    }

    /// This node's name.
    pub fn node_id(&self) -> &str {
        &self.node_id
    }

    fn node_subject(&self, node: &str) -> String {
        format!("{}.node.{node}", self.name)
    }

    fn connected_subject(&self) -> String {
        format!("{}.connected", self.name)
    }

    /// Whether the broker connection is up (readiness).
    pub fn is_connected(&self) -> bool {
        matches!(
            self.client.connection_state(),
            async_nats::connection::State::Connected
        )
    }

    /// Starts answering other nodes' calls, closing sockets that connected elsewhere
    /// since, and the heartbeat that keeps this node alive and reaps dead ones.
    /// Everything stops when `cancel` is.
    pub async fn serve(
        self: &Arc<Self>,
        registry: Registry,
        cancel: CancellationToken,
        tracker: &TaskTracker,
    ) -> Result<(), ClusterError> {
        let nats = |e: async_nats::SubscribeError| ClusterError::Nats {
            url: crate::config::url_without_password(&self.settings.nats_url),
            message: e.to_string(),
        };
        let mut calls = self
            .client
            .subscribe(self.node_subject(&self.node_id))
            .await
            .map_err(nats)?;
        let mut connected = self
            .client
            .subscribe(self.connected_subject())
            .await
            .map_err(nats)?;
        // The subscriptions must be known to the server before this node's chargers are
        // announced or routed to.
        self.client.flush().await.map_err(|e| ClusterError::Nats {
            url: crate::config::url_without_password(&self.settings.nats_url),
            message: e.to_string(),
        })?;

        let me = self.clone();
        let (s, c) = (registry.clone(), cancel.clone());
        let inner = tracker.clone();
        tracker.spawn(async move {
            loop {
                let msg = tokio::select! {
                    _ = c.cancelled() => break,
                    msg = calls.next() => match msg { Some(m) => m, None => break },
                };
                let (me, s) = (me.clone(), s.clone());
                inner.spawn(async move { me.answer(&s, msg).await });
            }
        });

        let me = self.clone();
        let (s, c) = (registry.clone(), cancel.clone());
        tracker.spawn(async move {
            loop {
                let msg = tokio::select! {
                    _ = c.cancelled() => break,
                    msg = connected.next() => match msg { Some(m) => m, None => break },
                };
                me.elsewhere(&s, &msg.payload);
            }
        });

        let me = self.clone();
        tracker.spawn(async move { me.heartbeat(registry, cancel).await });
        Ok(())
    }

    /// Tells the other nodes that this node now holds `identity` (connection
    /// `generation`): an older socket of it on another node closes.
    pub async fn announce(&self, identity: &str, generation: u64) {
        let msg = Connected {
            identity: identity.to_owned(),
            node: self.node_id.to_string(),
            generation,
        };
        let body = match serde_json::to_vec(&msg) {
            Ok(b) => b,
            Err(_) => return,
        };
        if let Err(e) = self
            .client
            .publish(self.connected_subject(), body.into())
            .await
        {
            tracing::warn!(error = %e, "could not announce the connection to the cluster");
        }
    }

    /// A handle for a charger another node holds, when the store says one does.
    pub async fn remote_handle(
        &self,
        identity: &str,
        protocol: Option<&str>,
        call_timeout: Duration,
    ) -> Result<Option<ChargerHandle>, StoreError> {
        let Some(owner) = self.book.owner(identity).await? else {
            return Ok(None);
        };
        if *owner == *self.node_id {
            // The store still names this node, but the socket is gone.
            return Ok(None);
        }
        let version = match protocol {
            Some(p) if p.contains("2.0") => OcppVersion::V201,
            _ => OcppVersion::V16,
        };
        Ok(Some(ChargerHandle {
            identity: identity.into(),
            version,
            generation: 0,
            tx: Route::Remote(Arc::new(RemoteNode {
                client: self.client.clone(),
                subject: self.node_subject(&owner),
                node_id: owner.into(),
            })),
            call_timeout,
        }))
    }

    /// Answers another node's request about a charger this node holds.
    async fn answer(&self, registry: &Registry, msg: async_nats::Message) {
        let Some(reply) = msg.reply.clone() else {
            return;
        };
        let body = match serde_json::from_slice::<NodeRequest>(&msg.payload) {
            Ok(NodeRequest::Call {
                identity,
                action,
                payload,
            }) => {
                let answer = match registry.get(&identity) {
                    Some(h) if h.is_local() && h.is_connected() => {
                        let (message_id, result) = h.call_traced(&action, payload).await;
                        CallReply { message_id, result }
                    }
                    _ => CallReply {
                        message_id: None,
                        result: Err(CallError::NotConnected),
                    },
                };
                serde_json::to_vec(&answer)
            }
            Ok(NodeRequest::Close { identity, reason }) => {
                let closed = match registry.get(&identity) {
                    Some(h) if h.is_local() => h.close(reason).await,
                    _ => false,
                };
                serde_json::to_vec(&CloseReply { closed })
            }
            Err(e) => {
                tracing::warn!(error = %e, "a cluster request this node cannot read");
                return;
            }
        };
        if let Ok(body) = body {
            if let Err(e) = self.client.publish(reply, body.into()).await {
                tracing::warn!(error = %e, "could not answer a cluster request");
            }
        }
    }

    /// Another node accepted a charger: a local socket of it that is older closes.
    fn elsewhere(&self, registry: &Registry, payload: &[u8]) {
        let Ok(msg) = serde_json::from_slice::<Connected>(payload) else {
            return;
        };
        if *msg.node == *self.node_id {
            return;
        }
        if let Some(h) = registry.get(&msg.identity) {
            if h.is_local() && h.generation() < msg.generation {
                tracing::info!(
                    charger = %msg.identity,
                    node = %msg.node,
                    "the charger connected to another node: closing this older socket"
                );
                h.close_soon(CloseReason::Replaced);
            }
        }
    }

    /// Records this node alive every `cluster.heartbeat` and ends the connections of
    /// nodes silent for `cluster.dead_after`. If this node was itself taken for dead (a
    /// long pause), its live connections are recorded again.
    async fn heartbeat(self: Arc<Self>, registry: Registry, cancel: CancellationToken) {
        let mut tick = tokio::time::interval(self.settings.heartbeat);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tick.tick() => {}
            }
            // A node that finds its record gone was taken for dead during a pause: its
            // live connections are recorded again.
            match self.book.heartbeat().await {
                Ok(false) => {}
                Ok(true) => {
                    tracing::warn!(
                        "this node had been taken for dead: recording its connections again"
                    );
                    self.reclaim(&registry).await;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not record the heartbeat");
                    continue;
                }
            }
            match self.book.reap_dead_nodes(self.settings.dead_after).await {
                Ok(dead) => {
                    for node in dead {
                        tracing::warn!(%node, "node taken for dead: its chargers are temporarily unavailable");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not check for dead nodes"),
            }
        }
    }

    /// Records again the live local connections the store no longer gives this node
    /// (another node reaped it during a pause).
    async fn reclaim(&self, registry: &Registry) {
        for h in registry.handles() {
            if !h.is_local() || !h.is_connected() {
                continue;
            }
            match self.book.owner(h.identity()).await {
                Ok(Some(node)) if *node == *self.node_id => {}
                Ok(Some(_)) => {} // connected to another node since: its socket wins
                Ok(None) => {
                    if registry.is_current(h.identity(), h.generation()) {
                        let _ = self
                            .store
                            .set_connected(h.identity(), Some(h.version().into()), h.generation())
                            .await;
                    }
                }
                Err(_) => return,
            }
        }
    }

    /// Leaves the cluster at shutdown: the node's record goes, so no one waits for it.
    pub async fn leave(&self) {
        self.book.leave().await;
        let _ = self.client.flush().await;
    }
}
