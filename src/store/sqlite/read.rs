//! Reads for operators' checks and tests (see [`crate::store::sql::read`]).

use crate::store::sql::read;
pub use crate::store::sql::read::{
    ChargePointRow, SessionRow, CHARGE_POINT_COLUMNS, SESSION_COLUMNS,
};

use super::{SqliteStore, StoreError};

impl SqliteStore {
    /// A charge point by its OCPP identity.
    pub async fn charge_point_by_identity(
        &self,
        identity: &str,
    ) -> Result<Option<ChargePointRow>, StoreError> {
        self.read_op(identity.to_owned(), |db, identity| {
            Box::pin(read::charge_point_by_identity(db, identity))
        })
        .await
    }

    /// An EVSE's hardware status (the OCPP EVSE id, or the 1.6 connector id).
    pub async fn evse_status(
        &self,
        identity: &str,
        evse: u32,
    ) -> Result<Option<String>, StoreError> {
        self.read_op(identity.to_owned(), move |db, identity| {
            Box::pin(read::evse_status(db, identity, evse))
        })
        .await
    }

    /// A charger's sessions, oldest first.
    pub async fn sessions_of(&self, identity: &str) -> Result<Vec<SessionRow>, StoreError> {
        self.read_op(identity.to_owned(), |db, identity| {
            Box::pin(read::sessions_of(db, identity))
        })
        .await
    }

    /// How many rows a table holds (for operators' checks and tests).
    pub async fn count(&self, table: &'static str) -> Result<i64, StoreError> {
        self.read_op((), move |db, ()| Box::pin(read::count(db, table)))
            .await
    }

    /// Meter samples stored for a charger.
    pub async fn meter_value_count(&self, identity: &str) -> Result<i64, StoreError> {
        self.read_op(identity.to_owned(), |db, identity| {
            Box::pin(read::meter_value_count(db, identity))
        })
        .await
    }
}
