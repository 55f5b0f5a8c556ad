//! Plug & Charge storage on PostgreSQL: provisioning and contract certificates, with
//! the same semantics as the SQLite store.

use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use tokio_postgres::Row;

use super::{unavailable, PostgresStore};
use crate::store::pnc::{
    ContractRecord, NewContract, NewProvisioning, PncStore, ProvisioningPatch, ProvisioningRecord,
};
use crate::store::resources::Page;
use crate::store::{ResourceError, StoreError};

const PROVISIONING: &str = "SELECT id, pc_id, name, vehicle_type, user_id, certificate, created_at, updated_at FROM provisioning_certificates";
const CONTRACT: &str = "SELECT id, provisioning_id, id_tag_id, emaid, serial, chain, status, not_after, created_at, revoked_at FROM contract_certificates";

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn pg(e: tokio_postgres::Error) -> StoreError {
    if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION)
        || e.code() == Some(&tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION)
    {
        StoreError::Conflict(e.to_string())
    } else {
        unavailable(format!("PostgreSQL: {e}"))
    }
}

fn provisioning_row(r: &Row) -> ProvisioningRecord {
    ProvisioningRecord {
        id: r.get(0),
        pc_id: r.get(1),
        name: r.get(2),
        vehicle_type: r.get(3),
        user_id: r.get(4),
        certificate: r.get(5),
        created_at: r.get(6),
        updated_at: r.get(7),
    }
}

fn contract_row(r: &Row) -> ContractRecord {
    ContractRecord {
        id: r.get(0),
        provisioning_id: r.get(1),
        id_tag_id: r.get(2),
        emaid: r.get(3),
        serial: r.get(4),
        chain: r.get(5),
        status: r.get(6),
        not_after: r.get(7),
        created_at: r.get(8),
        revoked_at: r.get(9),
    }
}

/// A unique violation on `pc_id` is the API's duplicate, not a conflict.
fn duplicate_pc_id(e: tokio_postgres::Error) -> ResourceError {
    if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) {
        ResourceError::Duplicate("pcId")
    } else {
        ResourceError::Store(pg(e))
    }
}

#[async_trait]
impl PncStore for PostgresStore {
    async fn create_provisioning(
        &self,
        new: NewProvisioning,
    ) -> Result<ProvisioningRecord, ResourceError> {
        let client = self.client().await?;
        let at = now();
        let row = client
            .query_one(
                "INSERT INTO provisioning_certificates
                 (pc_id, name, vehicle_type, user_id, certificate, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)
                 RETURNING id, pc_id, name, vehicle_type, user_id, certificate, created_at, updated_at",
                &[
                    &new.pc_id,
                    &new.name,
                    &new.vehicle_type,
                    &new.user_id,
                    &new.certificate,
                    &at,
                ],
            )
            .await
            .map_err(duplicate_pc_id)?;
        Ok(provisioning_row(&row))
    }

    async fn provisionings(&self, page: Page) -> Result<Vec<ProvisioningRecord>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("{PROVISIONING} WHERE id > $1 ORDER BY id LIMIT $2"),
                &[&page.after.unwrap_or(0), &i64::from(page.limit)],
            )
            .await
            .map_err(pg)?;
        Ok(rows.iter().map(provisioning_row).collect())
    }

    async fn provisioning(&self, id: i64) -> Result<Option<ProvisioningRecord>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(&format!("{PROVISIONING} WHERE id = $1"), &[&id])
            .await
            .map_err(pg)?;
        Ok(row.as_ref().map(provisioning_row))
    }

    async fn provisioning_by_pc_id(
        &self,
        pc_id: &str,
    ) -> Result<Option<ProvisioningRecord>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(&format!("{PROVISIONING} WHERE pc_id = $1"), &[&pc_id])
            .await
            .map_err(pg)?;
        Ok(row.as_ref().map(provisioning_row))
    }

    async fn update_provisioning(
        &self,
        id: i64,
        patch: ProvisioningPatch,
    ) -> Result<ProvisioningRecord, ResourceError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                "UPDATE provisioning_certificates SET
                   pc_id = COALESCE($1, pc_id), name = COALESCE($2, name),
                   vehicle_type = COALESCE($3, vehicle_type), user_id = COALESCE($4, user_id),
                   certificate = COALESCE($5, certificate), updated_at = $6
                 WHERE id = $7
                 RETURNING id, pc_id, name, vehicle_type, user_id, certificate, created_at, updated_at",
                &[
                    &patch.pc_id,
                    &patch.name,
                    &patch.vehicle_type,
                    &patch.user_id,
                    &patch.certificate,
                    &now(),
                    &id,
                ],
            )
            .await
            .map_err(duplicate_pc_id)?;
        row.as_ref()
            .map(provisioning_row)
            .ok_or(ResourceError::NotFound)
    }

    async fn delete_provisioning(&self, id: i64) -> Result<(), ResourceError> {
        let client = self.client().await?;
        let n = client
            .execute(
                "DELETE FROM provisioning_certificates WHERE id = $1",
                &[&id],
            )
            .await
            .map_err(pg)?;
        if n == 0 {
            Err(ResourceError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn record_contract(&self, new: NewContract) -> Result<ContractRecord, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg)?;
        let at = now();
        // Contracts of one EMAID are issued one at a time: the lock orders concurrent
        // issues so that exactly one stays active.
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&new.emaid])
            .await
            .map_err(pg)?;
        tx.execute(
            "UPDATE contract_certificates SET status = 'revoked', revoked_at = $1
             WHERE emaid = $2 AND status = 'active'",
            &[&at, &new.emaid],
        )
        .await
        .map_err(pg)?;
        let row = tx
            .query_one(
                "INSERT INTO contract_certificates
                 (provisioning_id, id_tag_id, emaid, serial, chain, status, not_after, created_at)
                 VALUES ($1, $2, $3, $4, $5, 'active', $6, $7)
                 RETURNING id, provisioning_id, id_tag_id, emaid, serial, chain, status, not_after, created_at, revoked_at",
                &[
                    &new.provisioning_id,
                    &new.id_tag_id,
                    &new.emaid,
                    &new.serial,
                    &new.chain,
                    &new.not_after,
                    &at,
                ],
            )
            .await
            .map_err(pg)?;
        tx.commit().await.map_err(pg)?;
        Ok(contract_row(&row))
    }

    async fn contracts_of(&self, provisioning_id: i64) -> Result<Vec<ContractRecord>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("{CONTRACT} WHERE provisioning_id = $1 ORDER BY id"),
                &[&provisioning_id],
            )
            .await
            .map_err(pg)?;
        Ok(rows.iter().map(contract_row).collect())
    }

    async fn contracts_by_serial(&self, serial: &str) -> Result<Vec<ContractRecord>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(
                &format!("{CONTRACT} WHERE serial = $1 ORDER BY id"),
                &[&serial],
            )
            .await
            .map_err(pg)?;
        Ok(rows.iter().map(contract_row).collect())
    }

    async fn contract_of_tag(&self, id_tag_id: i64) -> Result<Option<ContractRecord>, StoreError> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("{CONTRACT} WHERE id_tag_id = $1 ORDER BY id DESC LIMIT 1"),
                &[&id_tag_id],
            )
            .await
            .map_err(pg)?;
        Ok(row.as_ref().map(contract_row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::StoreSettings;

    #[tokio::test]
    async fn provisioning_and_contracts_round_trip() {
        let Some(url) = super::super::tests::fresh_database().await else {
            eprintln!("OCPP_GATEWAY_TEST_POSTGRES unset: skipped");
            return;
        };
        let settings = StoreSettings {
            url,
            pool_size: 2,
            path: "unused".into(),
            fsync: true,
            busy_timeout: std::time::Duration::from_secs(1),
        };
        let store = PostgresStore::connect(&settings, "t")
            .await
            .expect("connect");
        let new = NewProvisioning {
            pc_id: "PCID1".into(),
            name: "Car".into(),
            vehicle_type: "private".into(),
            user_id: 7,
            certificate: Some("PEM".into()),
        };
        let p = store
            .create_provisioning(new.clone())
            .await
            .expect("create");
        assert_eq!(p.pc_id, "PCID1");
        assert!(matches!(
            store.create_provisioning(new).await,
            Err(ResourceError::Duplicate("pcId"))
        ));
        let patched = store
            .update_provisioning(
                p.id,
                ProvisioningPatch {
                    name: Some("Van".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("update");
        assert_eq!((patched.name.as_str(), patched.user_id), ("Van", 7));
        assert_eq!(
            store
                .provisionings(Page {
                    after: None,
                    limit: 10
                })
                .await
                .unwrap()
                .len(),
            1
        );

        let client = store.client().await.unwrap();
        let tag: i64 = client
            .query_one(
                "INSERT INTO id_tags (id_tag_uid, type, created_at, updated_at) VALUES ('DE8EOC000000001X', 'emaid', 'x', 'x') RETURNING id",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        let contract = |serial: &str| NewContract {
            provisioning_id: p.id,
            id_tag_id: tag,
            emaid: "DE8EOC000000001X".into(),
            serial: serial.into(),
            chain: "CHAIN".into(),
            not_after: "2030-01-01T00:00:00.000Z".into(),
        };
        let first = store.record_contract(contract("ab")).await.expect("first");
        let second = store.record_contract(contract("cd")).await.expect("second");
        let all = store.contracts_of(p.id).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].id, first.id);
        assert_eq!(all[0].status, "revoked", "the earlier contract is revoked");
        assert_eq!(all[1].status, "active");
        assert_eq!(
            store.contracts_by_serial("cd").await.unwrap()[0].id,
            second.id
        );
        assert_eq!(
            store.contract_of_tag(tag).await.unwrap().unwrap().id,
            second.id
        );

        store.delete_provisioning(p.id).await.expect("delete");
        assert!(store.contracts_by_serial("cd").await.unwrap().is_empty());
        assert!(matches!(
            store.delete_provisioning(p.id).await,
            Err(ResourceError::NotFound)
        ));
    }
}
