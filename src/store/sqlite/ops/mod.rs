//! Where the SQLite store's modules find the times they write and the remote-start
//! window (the charger write path is written once in [`crate::store::sql::ops`]).

pub(crate) use crate::store::sql::ops::sessions::REMOTE_START_WINDOW;
pub(crate) use crate::store::sql::{now, ts};
