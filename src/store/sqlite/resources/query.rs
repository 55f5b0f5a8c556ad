//! A small builder of `WHERE` clauses with numbered parameters, so every list query
//! stays one prepared statement per shape and the SQL stays portable.

use rusqlite::types::Value;

use crate::store::resources::{Page, Window};

/// Conditions joined with `AND`, and their parameters in order.
#[derive(Default)]
pub struct Filter {
    clauses: Vec<String>,
    pub params: Vec<Value>,
}

impl Filter {
    pub fn new() -> Filter {
        Filter::default()
    }

    /// The placeholder of a new parameter.
    pub fn param(&mut self, v: impl Into<Value>) -> String {
        self.params.push(v.into());
        format!("?{}", self.params.len())
    }

    /// `column = value` when a value is given.
    pub fn eq<V: Into<Value>>(&mut self, column: &str, v: Option<V>) -> &mut Self {
        if let Some(v) = v {
            let p = self.param(v);
            self.clauses.push(format!("{column} = {p}"));
        }
        self
    }

    /// A raw condition with one parameter, `{}` standing for its placeholder.
    pub fn cond<V: Into<Value>>(&mut self, template: &str, v: Option<V>) -> &mut Self {
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

    /// `column` within the window (text timestamps compare in time order).
    pub fn window(&mut self, column: &str, w: &Window) -> &mut Self {
        self.cond(&format!("{column} >= {{}}"), w.from.clone());
        self.cond(&format!("{column} <= {{}}"), w.to.clone())
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
            " WHERE a = ?1 AND t >= ?2 AND id > ?3 ORDER BY id LIMIT ?4"
        );
        assert_eq!(f.params.len(), 4);
    }
}
