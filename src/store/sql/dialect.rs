//! Where the two engines' SQL differs. Statements are written once in the subset both
//! speak (SQLite's `?N` placeholders, `RETURNING`, `ON CONFLICT`, `CAST(x AS T)`); the
//! few constructs that have no common spelling are asked of the [`Dialect`] here, and
//! PostgreSQL's placeholders are rewritten by [`Dialect::postgres_sql`].
//!
//! The rewrite goes one way only, `?N` to `$N`: SQLite reads `$1` as a *named*
//! parameter numbered by first appearance, so `SET a = $2 WHERE id = $1` would bind
//! backwards there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The engine a statement runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// The larger of two values (SQLite's scalar `MAX`, PostgreSQL's `GREATEST`).
    pub fn greatest(self) -> &'static str {
        match self {
            Dialect::Sqlite => "MAX",
            Dialect::Postgres => "GREATEST",
        }
    }

    /// The suffix that locks the rows a `SELECT` read until the transaction ends. SQLite
    /// has one writer, so there is nothing to lock.
    pub fn for_update(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR UPDATE",
        }
    }

    /// The collation suffix that makes text compare and sort byte-wise, as SQLite
    /// compares it, whatever collation a PostgreSQL database was created with.
    pub fn bytewise(self) -> &'static str {
        match self {
            Dialect::Sqlite => "",
            Dialect::Postgres => " COLLATE \"C\"",
        }
    }

    /// Whether text can hold NUL (PostgreSQL's cannot).
    pub fn text_holds_nul(self) -> bool {
        matches!(self, Dialect::Sqlite)
    }

    /// The statement that takes the local-list change log's lock until the transaction
    /// ends (its parameter `?1` is the lock's key), so that sequence numbers are handed
    /// out in commit order. SQLite has one writer, which commits in order: none.
    pub fn change_log_lock(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("SELECT pg_advisory_xact_lock(?1)"),
        }
    }

    /// The condition that an outbox queue (`o.subscription_id`, `o.charge_point_id`) is
    /// being delivered by another node than `?2`, under a lease in `outbox_leases` that
    /// has not run out (by the database's clock). PostgreSQL's outbox is shared by the
    /// nodes of a cluster; SQLite's belongs to one process, which leases nothing.
    pub fn queue_leased_elsewhere(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some(
                "EXISTS (SELECT 1 FROM outbox_leases l
                   WHERE l.subscription_id = o.subscription_id AND l.charge_point_id = o.charge_point_id
                     AND l.node_id <> ?2 AND l.until > now())",
            ),
        }
    }

    /// A statement that takes a lock on the text `?1` until the transaction ends, so
    /// that transactions about one key take their turns (PostgreSQL's transaction-level
    /// advisory lock). SQLite has one writer, so there is nothing to take.
    pub fn key_lock(self) -> Option<&'static str> {
        match self {
            Dialect::Sqlite => None,
            Dialect::Postgres => Some("SELECT pg_advisory_xact_lock(hashtext(?1))"),
        }
    }

    /// `sql` with PostgreSQL's placeholders, rewritten once per statement text.
    pub fn postgres_sql(sql: &str) -> Arc<str> {
        static CACHE: OnceLock<Mutex<HashMap<Box<str>, Arc<str>>>> = OnceLock::new();
        /// Statement texts built from filters are many; past this the cache starts over.
        const MAX_CACHED: usize = 4096;
        let cache = CACHE.get_or_init(Default::default);
        let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(done) = cache.get(sql) {
            return done.clone();
        }
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        let done: Arc<str> = rewrite_placeholders(sql).into();
        cache.insert(sql.into(), done.clone());
        done
    }
}

/// `?N` outside quotes becomes `$N`; everything else is kept.
fn rewrite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_outside_quotes_only() {
        assert_eq!(
            rewrite_placeholders("UPDATE t SET a = ?2, b = '?1' WHERE id = ?1 AND c = \"?3\""),
            "UPDATE t SET a = $2, b = '?1' WHERE id = $1 AND c = \"?3\""
        );
        assert_eq!(&*Dialect::postgres_sql("SELECT ?10"), "SELECT $10");
        assert_eq!(&*Dialect::postgres_sql("SELECT ?10"), "SELECT $10");
    }
}
