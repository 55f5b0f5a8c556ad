//! Id tags: the list the gateway authorizes against, written only through the API.

use deadpool_postgres::GenericClient;
use tokio_postgres::error::SqlState;
use tokio_postgres::Row;

use super::query::Filter;
use super::{Outcome, PgResult};
use crate::store::postgres::local_list::log_change;
use crate::store::resources::{IdTagFilter, IdTagPatch, IdTagView, NewIdTag, Page, ResourceError};
use crate::store::sqlite::now;

const COLUMNS: &str =
    "id, id_tag_uid, status, type, expire_at, external_id, id_label, created_at, updated_at, user_id";

fn from_row(r: &Row) -> PgResult<IdTagView> {
    Ok(IdTagView {
        id: r.try_get(0)?,
        uid: r.try_get(1)?,
        status: r.try_get(2)?,
        kind: r.try_get(3)?,
        expire_at: r.try_get(4)?,
        external_id: r.try_get(5)?,
        label: r.try_get(6)?,
        created_at: r.try_get(7)?,
        updated_at: r.try_get(8)?,
        user_id: r.try_get(9)?,
    })
}

pub async fn list<C: GenericClient>(
    c: &C,
    f: &IdTagFilter,
    page: Page,
) -> PgResult<Vec<IdTagView>> {
    let mut w = Filter::new();
    w.eq_text("id_tag_uid", f.uid.clone())
        .eq_text("status", f.status.clone())
        .eq_text("type", f.kind.clone())
        .eq_text("id_label", f.label.clone())
        .eq("user_id", f.user_id)
        .window("updated_at", &f.updated);
    let sql = format!("SELECT {COLUMNS} FROM id_tags{}", w.page_sql("id", page));
    let stmt = c.prepare_cached(&sql).await?;
    c.query(&stmt, &w.params())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub async fn get<C: GenericClient>(c: &C, id: i64) -> PgResult<Option<IdTagView>> {
    let stmt = c
        .prepare_cached(&format!("SELECT {COLUMNS} FROM id_tags WHERE id = $1"))
        .await?;
    c.query_opt(&stmt, &[&id])
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn create<C: GenericClient>(c: &C, n: &NewIdTag) -> PgResult<Outcome<IdTagView>> {
    let at = now();
    // A refused insert spends an id, as in SQLite (see the charge points' create).
    let stmt = c
        .prepare_cached(
            "INSERT INTO id_tags (id_tag_uid, status, type, expire_at, external_id, id_label, created_at, updated_at, user_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)
             ON CONFLICT (id_tag_uid) DO NOTHING RETURNING id",
        )
        .await?;
    let id: Option<i64> = c
        .query_opt(
            &stmt,
            &[
                &n.uid,
                &n.status,
                &n.kind,
                &n.expire_at,
                &n.external_id,
                &n.label,
                &at,
                &n.user_id,
            ],
        )
        .await?
        .map(|r| r.try_get(0))
        .transpose()?;
    let Some(id) = id else {
        return Ok(Outcome::Refused(ResourceError::Duplicate("idTagUid")));
    };
    log_change(c, &n.uid).await?;
    Ok(match get(c, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub async fn update<C: GenericClient>(
    c: &C,
    id: i64,
    p: &IdTagPatch,
) -> PgResult<Outcome<IdTagView>> {
    let Some(before) = get(c, id).await? else {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    };
    if let Some(uid) = &p.uid {
        let stmt = c
            .prepare_cached("SELECT 1 FROM id_tags WHERE id_tag_uid = $1 AND id <> $2")
            .await?;
        if c.query_opt(&stmt, &[uid, &id]).await?.is_some() {
            return Ok(Outcome::Refused(ResourceError::Duplicate("idTagUid")));
        }
    }
    let mut w = Filter::new();
    let mut sets = Vec::new();
    let mut set = |w: &mut Filter, column: &str, v: Option<String>| {
        sets.push(format!("{column} = {}", w.param(v)));
    };
    if let Some(v) = &p.uid {
        set(&mut w, "id_tag_uid", Some(v.clone()));
    }
    if let Some(v) = &p.status {
        set(&mut w, "status", Some(v.clone()));
    }
    if let Some(v) = &p.kind {
        set(&mut w, "type", Some(v.clone()));
    }
    if let Some(v) = &p.expire_at {
        set(&mut w, "expire_at", v.clone());
    }
    if let Some(v) = &p.external_id {
        set(&mut w, "external_id", v.clone());
    }
    if let Some(v) = &p.label {
        set(&mut w, "id_label", v.clone());
    }
    set(&mut w, "updated_at", Some(now()));
    if let Some(v) = p.user_id {
        sets.push(format!("user_id = {}", w.param(v)));
    }
    let idp = w.param(id);
    let sql = format!("UPDATE id_tags SET {} WHERE id = {idp}", sets.join(", "));
    let stmt = c.prepare_cached(&sql).await?;
    match c.execute(&stmt, &w.params()).await {
        Ok(_) => {}
        // Another transaction took the uid between the check and the update.
        Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
            return Ok(Outcome::Refused(ResourceError::Duplicate("idTagUid")))
        }
        Err(e) => return Err(e),
    }
    // A renamed tag leaves the local lists under its old uid and joins under the new.
    log_change(c, &before.uid).await?;
    if let Some(uid) = p.uid.as_ref().filter(|u| **u != before.uid) {
        log_change(c, uid).await?;
    }
    Ok(match get(c, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub async fn delete<C: GenericClient>(c: &C, id: i64) -> PgResult<bool> {
    let stmt = c
        .prepare_cached("DELETE FROM id_tags WHERE id = $1 RETURNING id_tag_uid")
        .await?;
    match c.query_opt(&stmt, &[&id]).await? {
        Some(row) => {
            let uid: String = row.try_get(0)?;
            log_change(c, &uid).await?;
            Ok(true)
        }
        None => Ok(false),
    }
}
