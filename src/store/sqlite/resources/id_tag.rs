//! Id tags: the list the gateway authorizes against, written only through the API.

use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};

use super::query::Filter;
use super::Outcome;
use crate::store::resources::{IdTagFilter, IdTagPatch, IdTagView, NewIdTag, Page, ResourceError};
use crate::store::sqlite::local_list::log_change;
use crate::store::sqlite::ops::now;

const COLUMNS: &str =
    "id, id_tag_uid, status, type, expire_at, external_id, id_label, created_at, updated_at, user_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<IdTagView> {
    Ok(IdTagView {
        id: r.get(0)?,
        uid: r.get(1)?,
        status: r.get(2)?,
        kind: r.get(3)?,
        expire_at: r.get(4)?,
        external_id: r.get(5)?,
        label: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
        user_id: r.get(9)?,
    })
}

pub fn list(c: &Connection, f: &IdTagFilter, page: Page) -> rusqlite::Result<Vec<IdTagView>> {
    let mut w = Filter::new();
    w.eq("id_tag_uid", f.uid.clone())
        .eq("status", f.status.clone())
        .eq("type", f.kind.clone())
        .eq("id_label", f.label.clone())
        .eq("user_id", f.user_id)
        .window("updated_at", &f.updated);
    let sql = format!("SELECT {COLUMNS} FROM id_tags{}", w.page_sql("id", page));
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(w.params.iter()), from_row)?;
    rows.collect()
}

pub fn get(c: &Connection, id: i64) -> rusqlite::Result<Option<IdTagView>> {
    c.prepare_cached(&format!("SELECT {COLUMNS} FROM id_tags WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()
}

pub fn create(tx: &Transaction<'_>, n: &NewIdTag) -> rusqlite::Result<Outcome<IdTagView>> {
    let at = now();
    let id: Option<i64> = tx
        .prepare_cached(
            "INSERT INTO id_tags (id_tag_uid, status, type, expire_at, external_id, id_label, created_at, updated_at, user_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)
             ON CONFLICT (id_tag_uid) DO NOTHING RETURNING id",
        )?
        .query_row(
            params![n.uid, n.status, n.kind, n.expire_at, n.external_id, n.label, at, n.user_id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Ok(Outcome::Refused(ResourceError::Duplicate("idTagUid")));
    };
    log_change(tx, &n.uid)?;
    Ok(match get(tx, id)? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub fn update(
    tx: &Transaction<'_>,
    id: i64,
    p: &IdTagPatch,
) -> rusqlite::Result<Outcome<IdTagView>> {
    let Some(before) = get(tx, id)? else {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    };
    if let Some(uid) = &p.uid {
        let taken = tx
            .prepare_cached("SELECT 1 FROM id_tags WHERE id_tag_uid = ?1 AND id <> ?2")?
            .query_row(params![uid, id], |_| Ok(()))
            .optional()?
            .is_some();
        if taken {
            return Ok(Outcome::Refused(ResourceError::Duplicate("idTagUid")));
        }
    }
    let mut w = Filter::new();
    let mut sets = Vec::new();
    let mut set = |w: &mut Filter, column: &str, v: rusqlite::types::Value| {
        sets.push(format!("{column} = {}", w.param(v)));
    };
    let text = |v: &Option<String>| -> rusqlite::types::Value {
        v.clone().map_or(rusqlite::types::Value::Null, Into::into)
    };
    if let Some(v) = &p.uid {
        set(&mut w, "id_tag_uid", v.clone().into());
    }
    if let Some(v) = &p.status {
        set(&mut w, "status", v.clone().into());
    }
    if let Some(v) = &p.kind {
        set(&mut w, "type", v.clone().into());
    }
    if let Some(v) = &p.expire_at {
        set(&mut w, "expire_at", text(v));
    }
    if let Some(v) = &p.external_id {
        set(&mut w, "external_id", text(v));
    }
    if let Some(v) = &p.label {
        set(&mut w, "id_label", text(v));
    }
    if let Some(v) = p.user_id {
        set(
            &mut w,
            "user_id",
            v.map_or(rusqlite::types::Value::Null, Into::into),
        );
    }
    set(&mut w, "updated_at", now().into());
    let idp = w.param(id);
    let sql = format!("UPDATE id_tags SET {} WHERE id = {idp}", sets.join(", "));
    tx.execute(&sql, params_from_iter(w.params.iter()))?;
    // A renamed tag leaves the local lists under its old uid and joins under the new.
    log_change(tx, &before.uid)?;
    if let Some(uid) = p.uid.as_ref().filter(|u| **u != before.uid) {
        log_change(tx, uid)?;
    }
    Ok(match get(tx, id)? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub fn delete(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<bool> {
    let uid: Option<String> = tx
        .prepare_cached("DELETE FROM id_tags WHERE id = ?1 RETURNING id_tag_uid")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    match uid {
        Some(uid) => log_change(tx, &uid).map(|()| true),
        None => Ok(false),
    }
}
