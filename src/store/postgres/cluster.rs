//! Placeholder cluster queries (replaced by the store's own).
use std::time::Duration;

use super::{unavailable, PostgresStore};
use crate::store::StoreError;

impl PostgresStore {
    pub async fn heartbeat(&self) -> Result<(), StoreError> {
        Ok(())
    }
    pub async fn reap_dead_nodes(&self, _dead_after: Duration) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }
    pub async fn owner(&self, identity: &str) -> Result<Option<String>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT connected_node FROM charge_points WHERE identity = $1",
                &[&identity],
            )
            .await
            .map_err(unavailable)?;
        Ok(row.and_then(|r| r.get(0)))
    }
    /// Whether this node's heartbeat record exists (false once another node reaped it).
    pub async fn is_member(&self) -> Result<bool, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "SELECT 1 FROM cluster_nodes WHERE node_id = $1",
                &[&&*self.node_id],
            )
            .await
            .map_err(unavailable)?;
        Ok(row.is_some())
    }
    pub async fn leave(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
