//! The outbox as the SQLite operations not yet shared call it (see
//! [`crate::store::sql::outbox`]).

use std::cell::Cell;

use rusqlite::Transaction;

pub use crate::store::sql::outbox::{Event, Notice};

thread_local! {
    /// Set when the current writer job wrote outbox rows, so the store can wake delivery
    /// once the job's commit is done.
    static EMITTED: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current job as having made events deliverable (emits and resends).
pub fn mark_emitted() {
    EMITTED.with(|e| e.set(true));
}

/// Whether the current job emitted, resetting the mark.
pub fn take_emitted() -> bool {
    EMITTED.with(|e| e.replace(false))
}

/// See [`crate::store::sql::outbox::emit`].
pub fn emit(tx: &Transaction<'_>, cp: i64, event: Event<'_>) -> rusqlite::Result<()> {
    let lite = super::db::Lite::new(tx);
    super::db::run(crate::store::sql::outbox::emit(&lite, cp, event)).map_err(|e| match e {
        crate::store::sql::DbError::Sqlite(e) => e,
        other => rusqlite::Error::ToSqlConversionFailure(Box::new(other)),
    })?;
    if lite.emitted() {
        mark_emitted();
    }
    Ok(())
}
