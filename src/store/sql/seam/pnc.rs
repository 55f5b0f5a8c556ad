//! [`PncStore`] on [`SqlStore`]: the Plug & Charge operations of `sql::pnc`.

use async_trait::async_trait;

use crate::store::pnc::{
    ContractRecord, NewContract, NewProvisioning, PncStore, ProvisioningPatch, ProvisioningRecord,
};
use crate::store::resources::Page;
use crate::store::sql::store::{on_engine, SqlStore};
use crate::store::{sql, ResourceError, StoreError};

#[async_trait]
impl PncStore for SqlStore {
    async fn create_provisioning(
        &self,
        new: NewProvisioning,
    ) -> Result<ProvisioningRecord, ResourceError> {
        on_engine!(self, write_op, new, |db, new| {
            Box::pin(sql::pnc::create_provisioning(db, new))
        })?
    }

    async fn provisionings(&self, page: Page) -> Result<Vec<ProvisioningRecord>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(sql::pnc::provisionings(db, page))
        })
    }

    async fn provisioning(&self, id: i64) -> Result<Option<ProvisioningRecord>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| Box::pin(
            sql::pnc::provisioning(db, id)
        ))
    }

    async fn provisioning_by_pc_id(
        &self,
        pc_id: &str,
    ) -> Result<Option<ProvisioningRecord>, StoreError> {
        on_engine!(self, read_op, pc_id.to_owned(), |db, pc_id| {
            Box::pin(sql::pnc::provisioning_by_pc_id(db, pc_id))
        })
    }

    async fn update_provisioning(
        &self,
        id: i64,
        patch: ProvisioningPatch,
    ) -> Result<ProvisioningRecord, ResourceError> {
        on_engine!(self, write_op, patch, move |db, patch| {
            Box::pin(sql::pnc::update_provisioning(db, id, patch))
        })?
    }

    async fn delete_provisioning(&self, id: i64) -> Result<(), ResourceError> {
        let deleted = on_engine!(self, write_op, (), move |db, ()| {
            Box::pin(sql::pnc::delete_provisioning(db, id))
        })?;
        if deleted {
            Ok(())
        } else {
            Err(ResourceError::NotFound)
        }
    }

    async fn record_contract(&self, new: NewContract) -> Result<ContractRecord, StoreError> {
        on_engine!(self, write_op, new, |db, new| Box::pin(
            sql::pnc::record_contract(db, new)
        ))
    }

    async fn contracts_of(&self, provisioning_id: i64) -> Result<Vec<ContractRecord>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(sql::pnc::contracts_of(db, provisioning_id))
        })
    }

    async fn contracts_by_serial(&self, serial: &str) -> Result<Vec<ContractRecord>, StoreError> {
        on_engine!(self, read_op, serial.to_owned(), |db, serial| {
            Box::pin(sql::pnc::contracts_by_serial(db, serial))
        })
    }

    async fn contract_of_tag(&self, id_tag_id: i64) -> Result<Option<ContractRecord>, StoreError> {
        on_engine!(self, read_op, (), move |db, ()| {
            Box::pin(sql::pnc::contract_of_tag(db, id_tag_id))
        })
    }
}
