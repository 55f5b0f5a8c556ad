//! Plug & Charge storage on SQLite: provisioning and contract certificates.

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::ops::now;
use super::SqliteStore;
use crate::store::pnc::{
    ContractRecord, NewContract, NewProvisioning, PncStore, ProvisioningPatch, ProvisioningRecord,
};
use crate::store::resources::Page;
use crate::store::{ResourceError, StoreError};

const PROVISIONING: &str = "SELECT id, pc_id, name, vehicle_type, user_id, certificate, created_at, updated_at FROM provisioning_certificates";
const CONTRACT: &str = "SELECT id, provisioning_id, id_tag_id, emaid, serial, chain, status, not_after, created_at, revoked_at FROM contract_certificates";

fn provisioning_row(r: &Row<'_>) -> rusqlite::Result<ProvisioningRecord> {
    Ok(ProvisioningRecord {
        id: r.get(0)?,
        pc_id: r.get(1)?,
        name: r.get(2)?,
        vehicle_type: r.get(3)?,
        user_id: r.get(4)?,
        certificate: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

fn contract_row(r: &Row<'_>) -> rusqlite::Result<ContractRecord> {
    Ok(ContractRecord {
        id: r.get(0)?,
        provisioning_id: r.get(1)?,
        id_tag_id: r.get(2)?,
        emaid: r.get(3)?,
        serial: r.get(4)?,
        chain: r.get(5)?,
        status: r.get(6)?,
        not_after: r.get(7)?,
        created_at: r.get(8)?,
        revoked_at: r.get(9)?,
    })
}

fn get(c: &Connection, id: i64) -> rusqlite::Result<Option<ProvisioningRecord>> {
    c.prepare_cached(&format!("{PROVISIONING} WHERE id = ?1"))?
        .query_row([id], provisioning_row)
        .optional()
}

fn pc_id_taken(c: &Connection, pc_id: &str, except: i64) -> rusqlite::Result<bool> {
    Ok(
        c.prepare_cached("SELECT 1 FROM provisioning_certificates WHERE pc_id = ?1 AND id <> ?2")?
            .query_row(params![pc_id, except], |_| Ok(()))
            .optional()?
            .is_some(),
    )
}

fn contracts(
    c: &Connection,
    filter: &str,
    value: &dyn rusqlite::ToSql,
) -> rusqlite::Result<Vec<ContractRecord>> {
    c.prepare_cached(&format!("{CONTRACT} WHERE {filter} ORDER BY id"))?
        .query_map([value], contract_row)?
        .collect()
}

#[async_trait]
impl PncStore for SqliteStore {
    async fn create_provisioning(
        &self,
        new: NewProvisioning,
    ) -> Result<ProvisioningRecord, ResourceError> {
        let r = self
            .write(move |tx| {
                if pc_id_taken(tx, &new.pc_id, 0)? {
                    return Ok(Err(ResourceError::Duplicate("pcId")));
                }
                let at = now();
                tx.prepare_cached(
                    "INSERT INTO provisioning_certificates
                     (pc_id, name, vehicle_type, user_id, certificate, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                )?
                .execute(params![
                    new.pc_id,
                    new.name,
                    new.vehicle_type,
                    new.user_id,
                    new.certificate,
                    at
                ])?;
                let id = tx.last_insert_rowid();
                Ok(get(tx, id)?.ok_or(ResourceError::NotFound))
            })
            .await?;
        r
    }

    async fn provisionings(&self, page: Page) -> Result<Vec<ProvisioningRecord>, StoreError> {
        self.read(move |c| {
            c.prepare_cached(&format!(
                "{PROVISIONING} WHERE id > ?1 ORDER BY id LIMIT ?2"
            ))?
            .query_map(
                params![page.after.unwrap_or(0), i64::from(page.limit)],
                provisioning_row,
            )?
            .collect()
        })
        .await
    }

    async fn provisioning(&self, id: i64) -> Result<Option<ProvisioningRecord>, StoreError> {
        self.read(move |c| get(c, id)).await
    }

    async fn provisioning_by_pc_id(
        &self,
        pc_id: &str,
    ) -> Result<Option<ProvisioningRecord>, StoreError> {
        let pc_id = pc_id.to_owned();
        self.read(move |c| {
            c.prepare_cached(&format!("{PROVISIONING} WHERE pc_id = ?1"))?
                .query_row([pc_id], provisioning_row)
                .optional()
        })
        .await
    }

    async fn update_provisioning(
        &self,
        id: i64,
        patch: ProvisioningPatch,
    ) -> Result<ProvisioningRecord, ResourceError> {
        let r = self
            .write(move |tx| {
                let Some(old) = get(tx, id)? else {
                    return Ok(Err(ResourceError::NotFound));
                };
                if let Some(pc_id) = &patch.pc_id {
                    if pc_id_taken(tx, pc_id, id)? {
                        return Ok(Err(ResourceError::Duplicate("pcId")));
                    }
                }
                tx.prepare_cached(
                    "UPDATE provisioning_certificates SET pc_id = ?1, name = ?2, vehicle_type = ?3,
                     user_id = ?4, certificate = ?5, updated_at = ?6 WHERE id = ?7",
                )?
                .execute(params![
                    patch.pc_id.unwrap_or(old.pc_id),
                    patch.name.unwrap_or(old.name),
                    patch.vehicle_type.unwrap_or(old.vehicle_type),
                    patch.user_id.unwrap_or(old.user_id),
                    patch.certificate.or(old.certificate),
                    now(),
                    id
                ])?;
                Ok(get(tx, id)?.ok_or(ResourceError::NotFound))
            })
            .await?;
        r
    }

    async fn delete_provisioning(&self, id: i64) -> Result<(), ResourceError> {
        let n = self
            .write(move |tx| {
                tx.prepare_cached("DELETE FROM provisioning_certificates WHERE id = ?1")?
                    .execute([id])
            })
            .await?;
        if n == 0 {
            Err(ResourceError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn record_contract(&self, new: NewContract) -> Result<ContractRecord, StoreError> {
        self.write(move |tx| {
            let at = now();
            tx.prepare_cached(
                "UPDATE contract_certificates SET status = 'revoked', revoked_at = ?1
                 WHERE emaid = ?2 AND status = 'active'",
            )?
            .execute(params![at, new.emaid])?;
            tx.prepare_cached(
                "INSERT INTO contract_certificates
                 (provisioning_id, id_tag_id, emaid, serial, chain, status, not_after, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?7)",
            )?
            .execute(params![
                new.provisioning_id,
                new.id_tag_id,
                new.emaid,
                new.serial,
                new.chain,
                new.not_after,
                at
            ])?;
            let id = tx.last_insert_rowid();
            tx.prepare_cached(&format!("{CONTRACT} WHERE id = ?1"))?
                .query_row([id], contract_row)
        })
        .await
    }

    async fn contracts_of(&self, provisioning_id: i64) -> Result<Vec<ContractRecord>, StoreError> {
        self.read(move |c| contracts(c, "provisioning_id = ?1", &provisioning_id))
            .await
    }

    async fn contracts_by_serial(&self, serial: &str) -> Result<Vec<ContractRecord>, StoreError> {
        let serial = serial.to_owned();
        self.read(move |c| contracts(c, "serial = ?1", &serial))
            .await
    }

    async fn contract_of_tag(&self, id_tag_id: i64) -> Result<Option<ContractRecord>, StoreError> {
        self.read(move |c| {
            c.prepare_cached(&format!(
                "{CONTRACT} WHERE id_tag_id = ?1 ORDER BY id DESC LIMIT 1"
            ))?
            .query_row([id_tag_id], contract_row)
            .optional()
        })
        .await
    }
}
