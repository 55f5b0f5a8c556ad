//! What the nodes of a cluster record about each other: who is alive (heartbeats), who
//! holds which charger, and the end of a dead node's connections. A node's chargers are
//! ended exactly as its own disconnections would end them (network status, logs,
//! notifications), by whichever surviving node gets to it first.

use std::time::Duration;

use super::tx::Tx;
use super::Postgres;
use crate::store::sql::ops::charger::{end_connection, held_by};
use crate::store::sql::{Db, DbResult};
use crate::store::StoreError;

/// This machine's host name: the node id when `cluster.node_id` is empty.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that much.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match std::str::from_utf8(&buf[..end]) {
        Ok(name) if rc == 0 && !name.is_empty() => name.to_owned(),
        _ => "node".to_owned(),
    }
}

/// Ends the connections of every charger `node` held; returns how many. With
/// `log_protocol` the logs name each charger's protocol (as a restart's cleanup does on
/// SQLite); without, they name none (as a disconnection does).
async fn end_all(tx: &Tx<'_>, node: &str, log_protocol: bool) -> DbResult<usize> {
    let held = held_by(tx, node).await?;
    let mut ended = 0;
    for (cp, generation, protocol) in held {
        let logged = if log_protocol {
            protocol.as_deref()
        } else {
            None
        };
        if end_connection(tx, cp, Some(node), generation, logged).await? {
            ended += 1;
        }
    }
    Ok(ended)
}

/// Ends a dead node's chargers and forgets the node, unless another node is at it or it
/// came back; true if this call did it.
async fn reap(tx: &Tx<'_>, node: &str, dead_after: Duration) -> DbResult<bool> {
    let dead = tx
        .opt(
            "SELECT node_id FROM cluster_nodes
             WHERE node_id = ?1 AND last_seen < now() - make_interval(secs => ?2)
             FOR UPDATE SKIP LOCKED",
            &[&node, &dead_after.as_secs_f64()],
        )
        .await?;
    if dead.is_none() {
        return Ok(false);
    }
    let ended = end_all(tx, node, false).await?;
    tx.exec("DELETE FROM outbox_leases WHERE node_id = ?1", &[&node])
        .await?;
    tx.exec("DELETE FROM cluster_nodes WHERE node_id = ?1", &[&node])
        .await?;
    tracing::warn!(
        node,
        chargers = ended,
        "cluster: a silent node was taken for dead"
    );
    Ok(true)
}

impl Postgres {
    /// At start: the chargers this node held in its previous life are not connected (yet),
    /// and the notification queues it was delivering are free. Other nodes' chargers are
    /// theirs.
    pub(super) async fn forget_previous_life(&self) -> Result<usize, StoreError> {
        let node: &str = &self.node_id;
        self.write(node, |tx, node| {
            Box::pin(async move {
                let ended = end_all(tx, node, true).await?;
                tx.exec("DELETE FROM outbox_leases WHERE node_id = ?1", &[node])
                    .await?;
                Ok(ended)
            })
        })
        .await
    }

    /// Records that this node is alive (now, on the database's clock). True when the
    /// node's record had gone: another node took this one for dead and ended its
    /// chargers' connections, which the caller may record again.
    pub async fn heartbeat(&self) -> Result<bool, StoreError> {
        let node: &str = &self.node_id;
        let inserted = self
            .write(node, |tx, node| {
                Box::pin(async move {
                    let row = tx
                        .one(
                            "INSERT INTO cluster_nodes (node_id, started_at, last_seen) VALUES (?1, now(), now())
                             ON CONFLICT (node_id) DO UPDATE SET last_seen = now()
                             RETURNING started_at = last_seen",
                            &[node],
                        )
                        .await?;
                    row.get::<bool>(0)
                })
            })
            .await?;
        let beat_before = self
            .beating
            .swap(true, std::sync::atomic::Ordering::Relaxed);
        Ok(inserted && beat_before)
    }

    /// Ends the chargers of every other node silent for longer than `dead_after` and
    /// forgets those nodes; returns their ids. Two nodes reaping at once never end the
    /// same node's chargers twice.
    pub async fn reap_dead_nodes(&self, dead_after: Duration) -> Result<Vec<String>, StoreError> {
        let candidates = self
            .read_op(self.node(), move |db, node| {
                Box::pin(async move {
                    db.all(
                        "SELECT node_id FROM cluster_nodes
                         WHERE node_id <> ?1 AND last_seen < now() - make_interval(secs => ?2)
                         ORDER BY node_id",
                        &[node, &dead_after.as_secs_f64()],
                    )
                    .await?
                    .iter()
                    .map(|r| r.get::<String>(0))
                    .collect::<DbResult<Vec<String>>>()
                })
            })
            .await?;
        let mut reaped = Vec::new();
        for node in candidates {
            let done = self
                .write(node.as_str(), |tx, node| {
                    Box::pin(reap(tx, node, dead_after))
                })
                .await?;
            if done {
                reaped.push(node);
            }
        }
        Ok(reaped)
    }

    /// The node holding the charger's socket, if it is connected.
    pub async fn owner(&self, identity: &str) -> Result<Option<String>, StoreError> {
        self.read_op(identity.to_owned(), |db, identity| {
            Box::pin(async move {
                let row = db
                    .opt(
                        "SELECT connected_node FROM charge_points WHERE identity = ?1",
                        &[identity],
                    )
                    .await?;
                Ok(row
                    .map(|r| r.get::<Option<String>>(0))
                    .transpose()?
                    .flatten())
            })
        })
        .await
    }

    /// On a clean shutdown: this node leaves the cluster (its chargers were closed and
    /// recorded as disconnected by then; its notification queues are free).
    pub async fn leave(&self) {
        let node: &str = &self.node_id;
        let left = self
            .write(node, |tx, node| {
                Box::pin(async move {
                    tx.exec("DELETE FROM outbox_leases WHERE node_id = ?1", &[node])
                        .await?;
                    tx.exec("DELETE FROM cluster_nodes WHERE node_id = ?1", &[node])
                        .await?;
                    Ok(())
                })
            })
            .await;
        if let Err(e) = left {
            tracing::warn!(error = %e, "cluster: could not record leaving");
        }
    }
}
