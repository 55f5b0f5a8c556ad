//! Where the PostgreSQL store's modules find the time they write (the charger write
//! path is written once in [`crate::store::sql::ops`]).

pub(crate) use crate::store::sql::now;
