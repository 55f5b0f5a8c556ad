//! A small builder of `WHERE` clauses with numbered parameters (`?1, ?2, ...`), so every
//! list query stays one prepared statement per shape, on either engine.
//!
//! Where the engines differ: text comparisons that order (time windows) compare
//! byte-wise, as SQLite compares text, whatever collation a PostgreSQL database was
//! created with ([`Dialect::bytewise`]); and a text filter holding NUL, which
//! PostgreSQL text cannot hold, matches nothing there instead of failing the query.

use crate::store::resources::{Page, Window};
use crate::store::sql::{Dialect, Param};

/// Conditions joined with `AND`, and their parameters in order.
pub struct Filter {
    dialect: Dialect,
    clauses: Vec<String>,
    params: Vec<Box<dyn Param + Send>>,
}

impl Filter {
    pub fn new(dialect: Dialect) -> Filter {
        Filter {
            dialect,
            clauses: Vec::new(),
            params: Vec::new(),
        }
    }

    /// The placeholder of a new parameter.
    pub fn param(&mut self, v: impl Param + Send + 'static) -> String {
        self.params.push(Box::new(v));
        format!("?{}", self.params.len())
    }

    /// `column = value` when a value is given.
    pub fn eq<V: Param + Send + 'static>(&mut self, column: &str, v: Option<V>) -> &mut Self {
        if let Some(v) = v {
            let p = self.param(v);
            self.clauses.push(format!("{column} = {p}"));
        }
        self
    }

    /// `column = value` for text (see the module documentation for NUL).
    pub fn eq_text(&mut self, column: &str, v: Option<String>) -> &mut Self {
        self.cond_text(&format!("{column} = {{}}"), v)
    }

    /// [`Filter::cond`] for a text value (see [`Filter::eq_text`]).
    pub fn cond_text(&mut self, template: &str, v: Option<String>) -> &mut Self {
        match v {
            Some(v) if v.contains('\0') && !self.dialect.text_holds_nul() => self.always("FALSE"),
            v => self.cond(template, v),
        }
    }

    /// A raw condition with one parameter, `{}` standing for its placeholder.
    pub fn cond<V: Param + Send + 'static>(&mut self, template: &str, v: Option<V>) -> &mut Self {
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
        let bytewise = self.dialect.bytewise();
        self.cond(&format!("{column}{bytewise} >= {{}}"), w.from.clone());
        self.cond(&format!("{column}{bytewise} <= {{}}"), w.to.clone())
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

    /// ` WHERE ... ORDER BY {id} LIMIT ?n` for a keyset page.
    pub fn page_sql(&mut self, id: &str, page: Page) -> String {
        self.after(id, page);
        let limit = self.param(i64::from(page.limit));
        format!("{} ORDER BY {id} LIMIT {limit}", self.sql())
    }

    /// The parameters, as [`crate::store::sql::Db`] takes them.
    pub fn params(&self) -> Vec<&dyn Param> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &dyn Param)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window_from(from: &str) -> Window {
        Window {
            from: Some(from.into()),
            to: None,
        }
    }

    #[test]
    fn clauses_number_their_parameters() {
        let page = Page {
            after: Some(7),
            limit: 3,
        };
        let mut f = Filter::new(Dialect::Sqlite);
        f.eq("a", Some(1i64))
            .eq::<i64>("b", None)
            .window("t", &window_from("x"));
        assert_eq!(
            f.page_sql("id", page),
            " WHERE a = ?1 AND t >= ?2 AND id > ?3 ORDER BY id LIMIT ?4"
        );
        assert_eq!(f.params().len(), 4);

        let mut f = Filter::new(Dialect::Postgres);
        f.eq("a", Some(1i64))
            .eq::<i64>("b", None)
            .window("t", &window_from("x"));
        assert_eq!(
            f.page_sql("id", page),
            " WHERE a = ?1 AND t COLLATE \"C\" >= ?2 AND id > ?3 ORDER BY id LIMIT ?4"
        );
        assert_eq!(f.params().len(), 4);
    }

    #[test]
    fn text_with_nul_matches_nothing_where_text_cannot_hold_it() {
        let mut f = Filter::new(Dialect::Postgres);
        f.eq_text("a", Some("x\0y".into()))
            .eq_text("b", Some("z".into()))
            .eq_text("c", None);
        assert_eq!(f.sql(), " WHERE FALSE AND b = ?1");
        assert_eq!(f.params().len(), 1);

        let mut f = Filter::new(Dialect::Sqlite);
        f.eq_text("a", Some("x\0y".into()))
            .eq_text("b", Some("z".into()));
        assert_eq!(f.sql(), " WHERE a = ?1 AND b = ?2");
        assert_eq!(f.params().len(), 2);
    }
}
