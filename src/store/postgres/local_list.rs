//! [`LocalListStore`] on the shared store: reads on a pooled connection, each write one transaction. The
//! operations are written once in `store::sql::local_list`.

use async_trait::async_trait;

use super::PostgresStore;
use crate::store::local_list::{
    ListChange, ListLimits, ListSnapshot, ListState, ListSupport, ListTag, LocalListStore,
};
use crate::store::sql::local_list;
use crate::store::StoreError;

#[async_trait]
impl LocalListStore for PostgresStore {
    async fn list_state(&self, identity: &str) -> Result<ListState, StoreError> {
        self.read_op(identity.to_owned(), |db, identity| {
            Box::pin(local_list::list_state(db, identity))
        })
        .await
    }

    async fn set_list_support(
        &self,
        identity: &str,
        support: ListSupport,
        limits: ListLimits,
        status: Option<String>,
    ) -> Result<(), StoreError> {
        self.write_op(
            (identity.to_owned(), status),
            move |db, (identity, status)| {
                Box::pin(local_list::set_list_support(
                    db,
                    identity,
                    support,
                    limits,
                    status.as_deref(),
                ))
            },
        )
        .await
    }

    async fn list_accepted(
        &self,
        identity: &str,
        version: i32,
        complete: Option<i64>,
    ) -> Result<(), StoreError> {
        self.write_op(identity.to_owned(), move |db, identity| {
            Box::pin(local_list::list_accepted(db, identity, version, complete))
        })
        .await
    }

    async fn list_needs_full(&self, identity: &str, status: &str) -> Result<(), StoreError> {
        self.write_op(
            (identity.to_owned(), status.to_owned()),
            |db, (identity, status)| Box::pin(local_list::list_needs_full(db, identity, status)),
        )
        .await
    }

    async fn list_tags(&self) -> Result<ListSnapshot<ListTag>, StoreError> {
        self.read_op((), |db, ()| Box::pin(local_list::list_tags(db)))
            .await
    }

    async fn list_changes(&self, cursor: i64) -> Result<ListSnapshot<ListChange>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(local_list::list_changes(db, cursor))
        })
        .await
    }

    async fn list_chargers(&self) -> Result<Vec<(String, Option<String>)>, StoreError> {
        self.read_op((), |db, ()| Box::pin(local_list::list_chargers(db)))
            .await
    }
}
