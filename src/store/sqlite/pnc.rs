//! Plug & Charge storage on SQLite: the [`PncStore`] methods run the operations written
//! once in `store/sql/pnc.rs`.

use async_trait::async_trait;

use super::SqliteStore;
use crate::store::pnc::{
    ContractRecord, NewContract, NewProvisioning, PncStore, ProvisioningPatch, ProvisioningRecord,
};
use crate::store::resources::Page;
use crate::store::{sql, ResourceError, StoreError};

#[async_trait]
impl PncStore for SqliteStore {
    async fn create_provisioning(
        &self,
        new: NewProvisioning,
    ) -> Result<ProvisioningRecord, ResourceError> {
        self.write_op(new, |db, new| {
            Box::pin(sql::pnc::create_provisioning(db, new))
        })
        .await?
    }

    async fn provisionings(&self, page: Page) -> Result<Vec<ProvisioningRecord>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(sql::pnc::provisionings(db, page))
        })
        .await
    }

    async fn provisioning(&self, id: i64) -> Result<Option<ProvisioningRecord>, StoreError> {
        self.read_op((), move |db, ()| Box::pin(sql::pnc::provisioning(db, id)))
            .await
    }

    async fn provisioning_by_pc_id(
        &self,
        pc_id: &str,
    ) -> Result<Option<ProvisioningRecord>, StoreError> {
        self.read_op(pc_id.to_owned(), |db, pc_id| {
            Box::pin(sql::pnc::provisioning_by_pc_id(db, pc_id))
        })
        .await
    }

    async fn update_provisioning(
        &self,
        id: i64,
        patch: ProvisioningPatch,
    ) -> Result<ProvisioningRecord, ResourceError> {
        self.write_op(patch, move |db, patch| {
            Box::pin(sql::pnc::update_provisioning(db, id, patch))
        })
        .await?
    }

    async fn delete_provisioning(&self, id: i64) -> Result<(), ResourceError> {
        let deleted = self
            .write_op((), move |db, ()| {
                Box::pin(sql::pnc::delete_provisioning(db, id))
            })
            .await?;
        if deleted {
            Ok(())
        } else {
            Err(ResourceError::NotFound)
        }
    }

    async fn record_contract(&self, new: NewContract) -> Result<ContractRecord, StoreError> {
        self.write_op(new, |db, new| Box::pin(sql::pnc::record_contract(db, new)))
            .await
    }

    async fn contracts_of(&self, provisioning_id: i64) -> Result<Vec<ContractRecord>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(sql::pnc::contracts_of(db, provisioning_id))
        })
        .await
    }

    async fn contracts_by_serial(&self, serial: &str) -> Result<Vec<ContractRecord>, StoreError> {
        self.read_op(serial.to_owned(), |db, serial| {
            Box::pin(sql::pnc::contracts_by_serial(db, serial))
        })
        .await
    }

    async fn contract_of_tag(&self, id_tag_id: i64) -> Result<Option<ContractRecord>, StoreError> {
        self.read_op((), move |db, ()| {
            Box::pin(sql::pnc::contract_of_tag(db, id_tag_id))
        })
        .await
    }
}
