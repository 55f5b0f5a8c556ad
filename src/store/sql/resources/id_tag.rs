//! Id tags: the list the gateway authorizes against, written only through the API.
//! Every write logs the tags it changed for the local authorization lists.

use super::query::Filter;
use super::{all_rows, opt_row, unique_violation, Outcome};
use crate::store::resources::{IdTagFilter, IdTagPatch, IdTagView, NewIdTag, Page, ResourceError};
use crate::store::sql::db::row;
use crate::store::sql::local_list::log_change;
use crate::store::sql::{now, Db, DbResult};

row! { const COLUMNS, fn from_row -> IdTagView {
    id, uid = "id_tag_uid", status, kind = "type", expire_at, external_id, label = "id_label",
    created_at, updated_at, user_id,
}}

pub async fn list(db: &impl Db, f: &IdTagFilter, page: Page) -> DbResult<Vec<IdTagView>> {
    let mut w = Filter::new(db.dialect());
    w.eq_text("id_tag_uid", f.uid.clone())
        .eq_text("status", f.status.clone())
        .eq_text("type", f.kind.clone())
        .eq_text("id_label", f.label.clone())
        .eq("user_id", f.user_id)
        .window("updated_at", &f.updated);
    let sql = format!("SELECT {COLUMNS} FROM id_tags{}", w.page_sql("id", page));
    all_rows(db, &sql, &w.params(), IdTagView::from_row).await
}

pub async fn get(db: &impl Db, id: i64) -> DbResult<Option<IdTagView>> {
    let sql = format!("SELECT {COLUMNS} FROM id_tags WHERE id = ?1");
    opt_row(db, &sql, &[&id], IdTagView::from_row).await
}

pub async fn create(db: &impl Db, n: &NewIdTag) -> DbResult<Outcome<IdTagView>> {
    let at = now();
    // A refused insert spends an id on either engine (see the charge points' create).
    let id: Option<i64> = db
        .opt(
            "INSERT INTO id_tags (id_tag_uid, status, type, expire_at, external_id, id_label, created_at, updated_at, user_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)
             ON CONFLICT (id_tag_uid) DO NOTHING RETURNING id",
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
        .map(|r| r.get(0))
        .transpose()?;
    let Some(id) = id else {
        return Ok(Outcome::Refused(ResourceError::Duplicate("idTagUid")));
    };
    log_change(db, &n.uid).await?;
    Ok(match get(db, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub async fn update(db: &impl Db, id: i64, p: &IdTagPatch) -> DbResult<Outcome<IdTagView>> {
    let Some(before) = get(db, id).await? else {
        return Ok(Outcome::Refused(ResourceError::NotFound));
    };
    if let Some(uid) = &p.uid {
        let taken = db
            .opt(
                "SELECT 1 FROM id_tags WHERE id_tag_uid = ?1 AND id <> ?2",
                &[uid, &id],
            )
            .await?
            .is_some();
        if taken {
            return Ok(Outcome::Refused(ResourceError::Duplicate("idTagUid")));
        }
    }
    let mut w = Filter::new(db.dialect());
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
    if let Some(v) = p.user_id {
        sets.push(format!("user_id = {}", w.param(v)));
    }
    sets.push(format!("updated_at = {}", w.param(now())));
    let idp = w.param(id);
    let sql = format!("UPDATE id_tags SET {} WHERE id = {idp}", sets.join(", "));
    match db.exec(&sql, &w.params()).await {
        Ok(_) => {}
        // Another transaction took the uid between the check and the update.
        Err(e) if unique_violation(&e) => {
            return Ok(Outcome::Refused(ResourceError::Duplicate("idTagUid")))
        }
        Err(e) => return Err(e),
    }
    // A renamed tag leaves the local lists under its old uid and joins under the new.
    log_change(db, &before.uid).await?;
    if let Some(uid) = p.uid.as_ref().filter(|u| **u != before.uid) {
        log_change(db, uid).await?;
    }
    Ok(match get(db, id).await? {
        Some(v) => Outcome::Done(v),
        None => Outcome::Refused(ResourceError::NotFound),
    })
}

pub async fn delete(db: &impl Db, id: i64) -> DbResult<bool> {
    let uid: Option<String> = opt_row(
        db,
        "DELETE FROM id_tags WHERE id = ?1 RETURNING id_tag_uid",
        &[&id],
        |r| r.get(0),
    )
    .await?;
    match uid {
        Some(uid) => log_change(db, &uid).await.map(|()| true),
        None => Ok(false),
    }
}
