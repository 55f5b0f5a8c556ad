//! A small builder of `WHERE` clauses with `$n` parameters, the PostgreSQL twin of the
//! embedded store's: the same clause shapes, so both stores filter alike.
//!
//! Text comparisons that order (time windows) use `COLLATE "C"`: byte order, as SQLite
//! compares text, whatever collation the database was created with.

use tokio_postgres::types::ToSql;

use crate::store::resources::{Page, Window};

/// One bound value.
pub type Param = Box<dyn ToSql + Sync + Send>;

/// Conditions joined with `AND`, and their parameters in order.
#[derive(Default)]
pub struct Filter {
    clauses: Vec<String>,
    params: Vec<Param>,
}

impl Filter {
    pub fn new() -> Filter {
        Filter::default()
    }

    /// The placeholder of a new parameter.
    pub fn param<V: ToSql + Sync + Send + 'static>(&mut self, v: V) -> String {
        self.params.push(Box::new(v));
        format!("${}", self.params.len())
    }

    /// `column = value` when a value is given.
    pub fn eq<V: ToSql + Sync + Send + 'static>(
        &mut self,
        column: &str,
        v: Option<V>,
    ) -> &mut Self {
        if let Some(v) = v {
            let p = self.param(v);
            self.clauses.push(format!("{column} = {p}"));
        }
        self
    }

    /// `column = value` for text. PostgreSQL text cannot hold NUL, so a value with one
    /// matches nothing (as in SQLite, where no row the API wrote holds one) instead of
    /// failing the query.
    pub fn eq_text(&mut self, column: &str, v: Option<String>) -> &mut Self {
        self.cond_text(&format!("{column} = {{}}"), v)
    }

    /// [`Filter::cond`] for a text value (see [`Filter::eq_text`]).
    pub fn cond_text(&mut self, template: &str, v: Option<String>) -> &mut Self {
        match v {
            Some(v) if v.contains('\0') => self.always("FALSE"),
            v => self.cond(template, v),
        }
    }

    /// A raw condition with one parameter, `{}` standing for its placeholder.
    pub fn cond<V: ToSql + Sync + Send + 'static>(
        &mut self,
        template: &str,
        v: Option<V>,
    ) -> &mut Self {
        if let Some(v) = v {
            let p = self.param(v);
            self.clauses.push(template.replace("{}", &p));
        }
        self
    }

    /// A condition without parameters.
    pub fn always(&mut self, clause: &str) -> &mut Self {
        self.clauses.push(clause.to_owned());
        self
    }

    /// `column` within the window (text timestamps compare in time order, byte-wise).
    pub fn window(&mut self, column: &str, w: &Window) -> &mut Self {
        self.cond(&format!("{column} COLLATE \"C\" >= {{}}"), w.from.clone());
        self.cond(&format!("{column} COLLATE \"C\" <= {{}}"), w.to.clone())
    }

    /// Rows after the page's cursor.
    pub fn after(&mut self, column: &str, page: Page) -> &mut Self {
        self.cond(&format!("{column} > {{}}"), page.after)
    }

    /// ` WHERE ...`, or nothing.
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// ` WHERE ... ORDER BY {id} LIMIT $n` for a keyset page.
    pub fn page_sql(&mut self, id: &str, page: Page) -> String {
        self.after(id, page);
        let limit = self.param(i64::from(page.limit));
        format!("{} ORDER BY {id} LIMIT {limit}", self.sql())
    }

    /// The parameters, as the driver takes them.
    pub fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_number_their_parameters() {
        let mut f = Filter::new();
        f.eq("a", Some(1i64)).eq::<i64>("b", None).window(
            "t",
            &Window {
                from: Some("x".into()),
                to: None,
            },
        );
        let sql = f.page_sql(
            "id",
            Page {
                after: Some(7),
                limit: 3,
            },
        );
        assert_eq!(
            sql,
            " WHERE a = $1 AND t COLLATE \"C\" >= $2 AND id > $3 ORDER BY id LIMIT $4"
        );
        assert_eq!(f.params().len(), 4);
    }

    #[test]
    fn text_with_nul_matches_nothing() {
        let mut f = Filter::new();
        f.eq_text("a", Some("x\0y".into()))
            .eq_text("b", Some("z".into()))
            .eq_text("c", None);
        assert_eq!(f.sql(), " WHERE FALSE AND b = $1");
        assert_eq!(f.params().len(), 1);
    }
}
