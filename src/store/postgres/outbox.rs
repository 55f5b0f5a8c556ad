//! The outbox as the PostgreSQL operations not yet shared call it (see
//! [`crate::store::sql::outbox`]).

use super::tx::{DbResult, Tx};
pub(crate) use crate::store::sql::outbox::Event;

/// See [`crate::store::sql::outbox::emit`].
pub(crate) async fn emit(tx: &Tx<'_>, cp: i64, event: Event<'_>) -> DbResult<()> {
    crate::store::sql::outbox::emit(tx, cp, event).await
}
