//! [`LocalListStore`] on [`SqlStore`]: the operations of `sql::local_list` on the
//! store's engine.

use async_trait::async_trait;

use crate::store::local_list::{
    ListChange, ListLimits, ListSnapshot, ListState, ListSupport, ListTag, LocalListStore,
};
use crate::store::sql::local_list;
use crate::store::sql::store::{on_engine, SqlStore};
use crate::store::StoreError;

#[async_trait]
impl LocalListStore for SqlStore {
    async fn list_state(&self, identity: &str) -> Result<ListState, StoreError> {
        on_engine!(self, read_op, identity.to_owned(), |db, identity| {
            Box::pin(local_list::list_state(db, identity))
        })
    }

    async fn set_list_support(
        &self,
        identity: &str,
        support: ListSupport,
        limits: ListLimits,
        status: Option<String>,
    ) -> Result<(), StoreError> {
        on_engine!(self, write_op, (identity.to_owned(), status), move |db,
                                                                        (
            identity,
            status,
        )| {
            Box::pin(local_list::set_list_support(
                db,
                identity,
                support,
                limits,
                status.as_deref(),
            ))
        },)
    }

    async fn list_accepted(
        &self,
        identity: &str,
        version: i32,
        complete: Option<i64>,
    ) -> Result<(), StoreError> {
        on_engine!(self, write_op, identity.to_owned(), move |db, identity| {
            Box::pin(local_list::list_accepted(db, identity, version, complete))
        })
    }

    async fn list_needs_full(&self, identity: &str, status: &str) -> Result<(), StoreError> {
        on_engine!(
            self,
            write_op,
            (identity.to_owned(), status.to_owned()),
            |db, (identity, status)| Box::pin(local_list::list_needs_full(db, identity, status)),
        )
    }

    async fn list_tags(&self) -> Result<ListSnapshot<ListTag>, StoreError> {
        on_engine!(self, read_op, (), |db, ()| Box::pin(local_list::list_tags(
            db
        )))
    }

    async fn list_changes(&self, cursor: i64) -> Result<ListSnapshot<ListChange>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(local_list::list_changes(db, cursor))
        })
    }

    async fn list_chargers(&self) -> Result<Vec<(String, Option<String>)>, StoreError> {
        on_engine!(self, read_op, (), |db, ()| Box::pin(
            local_list::list_chargers(db)
        ))
    }
}
