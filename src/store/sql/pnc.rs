//! Plug & Charge storage, alike on either engine: the vehicles' provisioning
//! certificates and the contract certificates issued for them ([`crate::store::pnc`]).
//!
//! Engine differences: on PostgreSQL, writes that must see each other take a lock on
//! their key first ([`Dialect::key_lock`](super::Dialect::key_lock)): the contracts of
//! one EMAID are issued one at a time, so that exactly one stays active, and a PCID is
//! checked and taken by one transaction at a time, so that a taken PCID is reported as
//! the duplicate it is. SQLite has one writer: its transactions already take turns.

use super::db::{row, Db, DbResult};
use super::now;
use crate::store::pnc::{
    ContractRecord, NewContract, NewProvisioning, ProvisioningPatch, ProvisioningRecord,
};
use crate::store::resources::Page;
use crate::store::ResourceError;

row! { const PROVISIONING_COLUMNS, fn from_row -> ProvisioningRecord {
    id, pc_id, name, vehicle_type, user_id, certificate, created_at, updated_at,
}}

row! { const CONTRACT_COLUMNS, fn from_row -> ContractRecord {
    id, provisioning_id, id_tag_id, emaid, serial, chain, status, not_after, created_at, revoked_at,
}}

/// Holds `key` until the transaction ends, where the engine has such locks.
async fn lock(db: &impl Db, key: &str) -> DbResult<()> {
    if let Some(sql) = db.dialect().key_lock() {
        db.exec(sql, &[&key]).await?;
    }
    Ok(())
}

/// Takes the turn of the writes about this PCID.
async fn lock_pc_id(db: &impl Db, pc_id: &str) -> DbResult<()> {
    lock(db, &format!("provisioning pc_id {pc_id}")).await
}

async fn pc_id_taken(db: &impl Db, pc_id: &str, except: i64) -> DbResult<bool> {
    Ok(db
        .opt(
            "SELECT 1 FROM provisioning_certificates WHERE pc_id = ?1 AND id <> ?2",
            &[&pc_id, &except],
        )
        .await?
        .is_some())
}

/// A provisioning certificate by id; on PostgreSQL its row stays locked until the
/// transaction ends when `for_update`.
async fn get(db: &impl Db, id: i64, for_update: bool) -> DbResult<Option<ProvisioningRecord>> {
    let lock = if for_update {
        db.dialect().for_update()
    } else {
        ""
    };
    db.opt(
        &format!(
            "SELECT {PROVISIONING_COLUMNS} FROM provisioning_certificates WHERE id = ?1{lock}"
        ),
        &[&id],
    )
    .await?
    .as_ref()
    .map(ProvisioningRecord::from_row)
    .transpose()
}

/// Stores a provisioning certificate; `Duplicate("pcId")` when the PCID is taken.
pub async fn create_provisioning(
    db: &impl Db,
    new: &NewProvisioning,
) -> DbResult<Result<ProvisioningRecord, ResourceError>> {
    lock_pc_id(db, &new.pc_id).await?;
    if pc_id_taken(db, &new.pc_id, 0).await? {
        return Ok(Err(ResourceError::Duplicate("pcId")));
    }
    let row = db
        .one(
            &format!(
                "INSERT INTO provisioning_certificates
                 (pc_id, name, vehicle_type, user_id, certificate, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING {PROVISIONING_COLUMNS}"
            ),
            &[
                &new.pc_id,
                &new.name,
                &new.vehicle_type,
                &new.user_id,
                &new.certificate,
                &now(),
            ],
        )
        .await?;
    ProvisioningRecord::from_row(&row).map(Ok)
}

/// A page of provisioning certificates by id.
pub async fn provisionings(db: &impl Db, page: Page) -> DbResult<Vec<ProvisioningRecord>> {
    db.all(
        &format!(
            "SELECT {PROVISIONING_COLUMNS} FROM provisioning_certificates WHERE id > ?1 ORDER BY id LIMIT ?2"
        ),
        &[&page.after.unwrap_or(0), &page.limit],
    )
    .await?
    .iter()
    .map(ProvisioningRecord::from_row)
    .collect()
}

pub async fn provisioning(db: &impl Db, id: i64) -> DbResult<Option<ProvisioningRecord>> {
    get(db, id, false).await
}

pub async fn provisioning_by_pc_id(
    db: &impl Db,
    pc_id: &str,
) -> DbResult<Option<ProvisioningRecord>> {
    db.opt(
        &format!("SELECT {PROVISIONING_COLUMNS} FROM provisioning_certificates WHERE pc_id = ?1"),
        &[&pc_id],
    )
    .await?
    .as_ref()
    .map(ProvisioningRecord::from_row)
    .transpose()
}

/// Changes the fields the patch names; `NotFound`, or `Duplicate("pcId")` when the new
/// PCID is another certificate's.
pub async fn update_provisioning(
    db: &impl Db,
    id: i64,
    patch: &ProvisioningPatch,
) -> DbResult<Result<ProvisioningRecord, ResourceError>> {
    let Some(old) = get(db, id, true).await? else {
        return Ok(Err(ResourceError::NotFound));
    };
    if let Some(pc_id) = &patch.pc_id {
        lock_pc_id(db, pc_id).await?;
        if pc_id_taken(db, pc_id, id).await? {
            return Ok(Err(ResourceError::Duplicate("pcId")));
        }
    }
    let row = db
        .one(
            &format!(
                "UPDATE provisioning_certificates SET pc_id = ?1, name = ?2, vehicle_type = ?3,
                 user_id = ?4, certificate = ?5, updated_at = ?6 WHERE id = ?7
                 RETURNING {PROVISIONING_COLUMNS}"
            ),
            &[
                patch.pc_id.as_ref().unwrap_or(&old.pc_id),
                patch.name.as_ref().unwrap_or(&old.name),
                patch.vehicle_type.as_ref().unwrap_or(&old.vehicle_type),
                &patch.user_id.unwrap_or(old.user_id),
                &patch.certificate.as_ref().or(old.certificate.as_ref()),
                &now(),
                &id,
            ],
        )
        .await?;
    ProvisioningRecord::from_row(&row).map(Ok)
}

/// Deletes a provisioning certificate and (they cascade) the contracts issued for it;
/// false if there was none.
pub async fn delete_provisioning(db: &impl Db, id: i64) -> DbResult<bool> {
    let n = db
        .exec(
            "DELETE FROM provisioning_certificates WHERE id = ?1",
            &[&id],
        )
        .await?;
    Ok(n > 0)
}

/// Records a contract and revokes the EMAID's earlier active contracts.
pub async fn record_contract(db: &impl Db, new: &NewContract) -> DbResult<ContractRecord> {
    lock(db, &new.emaid).await?;
    let at = now();
    db.exec(
        "UPDATE contract_certificates SET status = 'revoked', revoked_at = ?1
         WHERE emaid = ?2 AND status = 'active'",
        &[&at, &new.emaid],
    )
    .await?;
    let row = db
        .one(
            &format!(
                "INSERT INTO contract_certificates
                 (provisioning_id, id_tag_id, emaid, serial, chain, status, not_after, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?7) RETURNING {CONTRACT_COLUMNS}"
            ),
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
        .await?;
    ContractRecord::from_row(&row)
}

async fn contracts_where(
    db: &impl Db,
    filter: &str,
    value: &dyn super::Param,
) -> DbResult<Vec<ContractRecord>> {
    db.all(
        &format!("SELECT {CONTRACT_COLUMNS} FROM contract_certificates WHERE {filter} ORDER BY id"),
        &[value],
    )
    .await?
    .iter()
    .map(ContractRecord::from_row)
    .collect()
}

/// The contracts of a provisioning certificate, oldest first.
pub async fn contracts_of(db: &impl Db, provisioning_id: i64) -> DbResult<Vec<ContractRecord>> {
    contracts_where(db, "provisioning_id = ?1", &provisioning_id).await
}

/// The contracts with this serial number (normally one), oldest first.
pub async fn contracts_by_serial(db: &impl Db, serial: &str) -> DbResult<Vec<ContractRecord>> {
    contracts_where(db, "serial = ?1", &serial).await
}

/// The newest contract of an id tag, if any.
pub async fn contract_of_tag(db: &impl Db, id_tag_id: i64) -> DbResult<Option<ContractRecord>> {
    db.opt(
        &format!(
            "SELECT {CONTRACT_COLUMNS} FROM contract_certificates WHERE id_tag_id = ?1 ORDER BY id DESC LIMIT 1"
        ),
        &[&id_tag_id],
    )
    .await?
    .as_ref()
    .map(ContractRecord::from_row)
    .transpose()
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::store::pnc::*;
    use crate::store::resources::Page;
    use crate::store::sql::store::on_engine;
    use crate::store::sql::Db;
    use crate::store::{PncStore, ResourceError};

    /// Provisioning certificates and contracts through a store, with `tag` an id tag
    /// `DE8EOC000000001X` in it.
    pub(crate) async fn round_trip(store: &impl PncStore, tag: i64) {
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

    #[tokio::test]
    async fn provisioning_and_contracts_round_trip() {
        for engine in crate::store::sql::tests::engines().await {
            let tag = on_engine!(engine.store, write_op, (), |db, _| {
                db.scalar::<i64>(
                    "INSERT INTO id_tags (id_tag_uid, type, created_at, updated_at)
                     VALUES ('DE8EOC000000001X', 'emaid', 'x', 'x') RETURNING id",
                    &[],
                )
            })
            .unwrap();
            round_trip(&engine.store, tag).await;
            engine.finish().await;
        }
    }
}
