//! [`Store`] on PostgreSQL: each method one transaction (see `ops/`), reads on a pooled
//! connection.

use std::sync::Arc;

use async_trait::async_trait;

use crate::store::sql;

use super::{ops, PostgresStore};
use crate::domain::auth::{AuthorizationRecord, IdTagRecord, IdTagStatus};
use crate::domain::event::{ChargerEvent, StatusReport};
use crate::domain::tag_group::OpenTransaction;
use crate::domain::{BootInfo, MeterSample, StartTransaction, StopTransaction, TransactionUpdate};
use crate::ocpp::OcppVersion;
use crate::security::PasswordHash;
use crate::store::{ChargerRecord, NotifyStore, StopOutcome, Store, StoreError};

/// The columns `tag_record` reads.
const TAG_RECORD_COLUMNS: &str = "id_tag_uid, status, expire_at, user_id";

/// An id tag as the authorizer sees it.
fn tag_record(r: &tokio_postgres::Row) -> IdTagRecord {
    let status: String = r.get(1);
    let expire: Option<String> = r.get(2);
    IdTagRecord {
        uid: r.get(0),
        // An unreadable status blocks rather than admits.
        status: IdTagStatus::parse(&status).unwrap_or(IdTagStatus::Disabled),
        expire_at: expire
            .as_deref()
            .and_then(|e| chrono::DateTime::parse_from_rfc3339(e).ok())
            .map(|e| e.with_timezone(&chrono::Utc)),
        user_id: r.get(3),
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn charger(&self, identity: &str) -> Result<Option<ChargerRecord>, StoreError> {
        let rows = self
            .query(
                "SELECT identity, password_hash, strict, current_profile, pending_password_hashes,
                        desired_profile
                 FROM charge_points WHERE identity = $1",
                &[&identity],
            )
            .await?;
        let profile_of = |p: Option<i64>| p.and_then(|p| u8::try_from(p).ok()).unwrap_or(0);
        Ok(rows.first().map(|r| {
            let hash: Option<String> = r.get(1);
            let pending: Option<String> = r.get(4);
            ChargerRecord {
                identity: r.get(0),
                password: hash.as_deref().and_then(PasswordHash::from_hex),
                strict: r.get(2),
                security_profile: profile_of(r.get(3)),
                pending_passwords: crate::security::password::pending_from_text(pending.as_deref()),
                desired_profile: profile_of(r.get(5)),
            }
        }))
    }

    async fn upsert_charger(&self, record: ChargerRecord) -> Result<(), StoreError> {
        self.write(record, |tx, r| Box::pin(ops::upsert_charger(tx, r)))
            .await
    }

    async fn register(
        &self,
        record: ChargerRecord,
        registration: crate::domain::Registration,
    ) -> Result<(), StoreError> {
        self.write((record, registration), |tx, (r, registration)| {
            Box::pin(async move {
                ops::upsert_charger(tx, r).await?;
                tx.exec(
                    "UPDATE charge_points SET registration = $2 WHERE identity = $1",
                    &[&r.identity, &registration.as_str()],
                )
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn standing(&self, identity: &str) -> Result<Option<crate::store::Standing>, StoreError> {
        let rows = self
            .query(
                "SELECT registration, system_status FROM charge_points WHERE identity = $1",
                &[&identity],
            )
            .await?;
        Ok(rows.first().map(|r| {
            let registration: String = r.get(0);
            crate::store::Standing {
                // An unknown stored value holds the charger rather than admitting it.
                registration: crate::domain::Registration::parse(&registration)
                    .unwrap_or(crate::domain::Registration::Pending),
                system_status: r.get(1),
            }
        }))
    }

    async fn set_connected(
        &self,
        identity: &str,
        version: Option<OcppVersion>,
        generation: u64,
    ) -> Result<(), StoreError> {
        let node: &str = &self.node_id;
        self.write((node, identity), |tx, (node, identity)| {
            Box::pin(ops::set_connected(tx, node, identity, version, generation))
        })
        .await
    }

    async fn record_boot(&self, identity: &str, boot: BootInfo) -> Result<(), StoreError> {
        self.write((identity, boot), |tx, (identity, boot)| {
            Box::pin(ops::record_boot(tx, identity, boot))
        })
        .await
    }

    async fn record_status(&self, identity: &str, report: StatusReport) -> Result<(), StoreError> {
        self.write((identity, report), |tx, (identity, report)| {
            Box::pin(ops::record_status(tx, identity, report))
        })
        .await
    }

    async fn start_transaction(
        &self,
        identity: &str,
        start: StartTransaction,
    ) -> Result<i32, StoreError> {
        self.write((identity, start), |tx, (identity, start)| {
            Box::pin(ops::start_transaction(tx, identity, start))
        })
        .await
    }

    async fn stop_transaction(
        &self,
        identity: &str,
        stop: StopTransaction,
    ) -> Result<StopOutcome, StoreError> {
        self.write((identity, stop), |tx, (identity, stop)| {
            Box::pin(ops::stop_transaction(tx, identity, stop))
        })
        .await
    }

    async fn record_meter_values(
        &self,
        identity: &str,
        connector: u32,
        transaction_id: Option<String>,
        samples: Vec<MeterSample>,
    ) -> Result<(), StoreError> {
        self.write(
            (identity, transaction_id, samples),
            |tx, (identity, transaction_id, samples)| {
                Box::pin(ops::record_meter_values(
                    tx,
                    identity,
                    connector,
                    transaction_id.as_deref(),
                    samples,
                ))
            },
        )
        .await
    }

    async fn transaction_event(
        &self,
        identity: &str,
        update: TransactionUpdate,
    ) -> Result<(), StoreError> {
        self.write((identity, update), |tx, (identity, update)| {
            Box::pin(ops::transaction_event(tx, identity, update))
        })
        .await
    }

    async fn doubtful_transactions(
        &self,
        identity: &str,
        evse: u32,
    ) -> Result<Vec<String>, StoreError> {
        self.write((identity, evse), |tx, (identity, evse)| {
            Box::pin(ops::doubtful_transactions(tx, identity, *evse))
        })
        .await
    }

    async fn close_forgotten_transaction(
        &self,
        identity: &str,
        transaction_id: &str,
    ) -> Result<bool, StoreError> {
        self.write(
            (identity, transaction_id),
            |tx, (identity, transaction_id)| {
                Box::pin(ops::close_forgotten_transaction(
                    tx,
                    identity,
                    transaction_id,
                ))
            },
        )
        .await
    }

    async fn force_stop_session(&self, identity: &str, session: i64) -> Result<bool, StoreError> {
        self.write((identity, session), |tx, (identity, session)| {
            Box::pin(ops::force_stop(tx, identity, *session))
        })
        .await
    }

    async fn set_password(
        &self,
        identity: &str,
        password: Option<PasswordHash>,
    ) -> Result<(), StoreError> {
        self.write((identity, password), |tx, (identity, password)| {
            Box::pin(ops::set_password(tx, identity, password.as_ref()))
        })
        .await
    }

    async fn set_desired_profile(&self, identity: &str, profile: u8) -> Result<(), StoreError> {
        self.write(identity, |tx, identity| {
            Box::pin(ops::set_desired_profile(tx, identity, profile))
        })
        .await
    }

    async fn change_password(
        &self,
        identity: &str,
        change: crate::security::PasswordChange,
    ) -> Result<(), StoreError> {
        self.write((identity, change), |tx, (identity, change)| {
            Box::pin(ops::change_password(tx, identity, change))
        })
        .await
    }

    async fn reset_security_profile(&self, identity: &str) -> Result<(), StoreError> {
        self.write(identity, |tx, identity| {
            Box::pin(ops::reset_security_profile(tx, identity))
        })
        .await
    }

    async fn set_security_profile(&self, identity: &str, profile: u8) -> Result<(), StoreError> {
        self.write(identity, |tx, identity| {
            Box::pin(ops::set_security_profile(tx, identity, profile))
        })
        .await
    }

    async fn id_tag(&self, uid: &str) -> Result<Option<IdTagRecord>, StoreError> {
        let rows = self
            .query(
                &format!("SELECT {TAG_RECORD_COLUMNS} FROM id_tags WHERE id_tag_uid = $1"),
                &[&uid],
            )
            .await?;
        Ok(rows.first().map(tag_record))
    }

    async fn user_id_tags(&self, user_id: i64) -> Result<Vec<IdTagRecord>, StoreError> {
        let rows = self
            .query(
                &format!(
                    "SELECT {TAG_RECORD_COLUMNS} FROM id_tags WHERE user_id = $1 ORDER BY id LIMIT 100"
                ),
                &[&user_id],
            )
            .await?;
        Ok(rows.iter().map(tag_record).collect())
    }

    async fn tag_transactions(&self, id_tag: &str) -> Result<Vec<OpenTransaction>, StoreError> {
        let rows = self
            .query(
                "SELECT s.status = 'active', cp.identity, s.evse_network_id, s.transaction_id
                 FROM sessions s JOIN charge_points cp ON cp.id = s.charge_point_id
                 WHERE s.id_tag = $1 AND s.status IN ('pending', 'active') ORDER BY s.id LIMIT 50",
                &[&id_tag],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| OpenTransaction {
                active: r.get(0),
                identity: r.get(1),
                evse: r.get(2),
                transaction_id: r.get(3),
            })
            .collect())
    }

    async fn record_authorization(
        &self,
        identity: &str,
        record: AuthorizationRecord,
    ) -> Result<(), StoreError> {
        self.write_op((identity.to_owned(), record), |db, (identity, record)| {
            Box::pin(sql::ops::record::record_authorization(db, identity, record))
        })
        .await
    }

    async fn record_event(&self, identity: &str, event: ChargerEvent) -> Result<(), StoreError> {
        self.write((identity, event), |tx, (identity, event)| {
            Box::pin(ops::record_event(tx, identity, event))
        })
        .await
    }

    fn notifications(self: Arc<Self>) -> Option<Arc<dyn NotifyStore>> {
        Some(self)
    }

    fn pnc(self: Arc<Self>) -> Option<Arc<dyn crate::store::pnc::PncStore>> {
        Some(self)
    }

    fn local_lists(self: Arc<Self>) -> Option<Arc<dyn crate::store::LocalListStore>> {
        Some(self)
    }
}
