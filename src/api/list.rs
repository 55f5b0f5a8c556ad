//! List requests and responses: `per_page` (1..100), an opaque `cursor`,
//! `filter[field]=value`, `include[]=...`; answers with `data`, `links` and `meta`.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::Json;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use serde_json::{json, Value};

use super::error::ApiError;
use crate::store::resources::{Page, Window};

/// Largest and default page.
pub const MAX_PER_PAGE: u32 = 100;

/// What is escaped in the query strings of `links`.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

const CURSOR_PREFIX: &str = "after:";

/// The parameters of a list request.
#[derive(Debug)]
pub struct ListParams {
    pub per_page: u32,
    /// The id the page starts after.
    pub after: Option<i64>,
    /// The page number (lists the reference pages by number).
    pub page: u64,
    filters: BTreeMap<String, String>,
    includes: Vec<String>,
    /// The absolute URL of the path, without the query.
    url: String,
    /// The query, less the paging parameters, to carry into `links`.
    kept: Vec<(String, String)>,
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::field(field, message)
}

/// An opaque cursor for "the rows after this id".
pub fn encode_cursor(after: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{after}"))
}

fn decode_cursor(text: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(CURSOR_PREFIX)?.parse().ok()
}

/// A date-time filter value as stored text (UTC, milliseconds); a bare date is midnight UTC.
pub fn parse_time(text: &str) -> Option<String> {
    let t = match DateTime::parse_from_rfc3339(text) {
        Ok(t) => t.with_timezone(&Utc),
        Err(_) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
            .and_utc(),
    };
    Some(crate::domain::time::text(t))
}

impl<S: Send + Sync> FromRequestParts<S> for ListParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map_err(|e| invalid("query", &format!("The query string is malformed: {e}")))?;
        let host = parts
            .headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let scheme = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|h| h.to_str().ok())
            .filter(|p| *p == "https")
            .unwrap_or("http");
        let mut params = ListParams {
            per_page: MAX_PER_PAGE,
            after: None,
            page: 1,
            filters: BTreeMap::new(),
            includes: Vec::new(),
            url: format!("{scheme}://{host}{}", parts.uri.path()),
            kept: Vec::new(),
        };
        for (key, value) in pairs {
            match key.as_str() {
                "per_page" => {
                    params.per_page = value
                        .trim()
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                        .ok_or_else(|| {
                            invalid(
                                "per_page",
                                "The per page must be an integer between 1 and 100.",
                            )
                        })?;
                    params.kept.push((key, value));
                }
                "cursor" => {
                    params.after = Some(
                        decode_cursor(&value)
                            .ok_or_else(|| invalid("cursor", "The cursor is not valid."))?,
                    );
                }
                "page" => {
                    params.page = value
                        .trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|n| *n >= 1)
                        .ok_or_else(|| {
                            invalid("page", "The page must be an integer of at least 1.")
                        })?;
                }
                _ => {
                    if let Some(name) = key
                        .strip_prefix("filter[")
                        .and_then(|r| r.strip_suffix(']'))
                        .filter(|n| !n.contains('[') && !n.contains(']'))
                    {
                        if !value.is_empty() {
                            params.filters.insert(name.to_owned(), value.clone());
                        }
                    } else if key == "include"
                        || (key.starts_with("include[") && key.ends_with(']'))
                    {
                        params
                            .includes
                            .extend(value.split(',').map(|v| v.trim().to_owned()));
                    }
                    params.kept.push((key, value));
                }
            }
        }
        Ok(params)
    }
}

impl ListParams {
    /// The keyset page to ask the store for: one row more than shown, to know whether
    /// another page follows.
    pub fn page(&self) -> Page {
        Page {
            after: self.after,
            limit: self.per_page + 1,
        }
    }

    /// Whether `include[]=name` was asked for.
    pub fn includes(&self, name: &str) -> bool {
        self.includes.iter().any(|i| i == name)
    }

    /// A text filter.
    pub fn text(&self, name: &str) -> Option<String> {
        self.filters.get(name).cloned()
    }

    /// An integer filter; anything else is a 422.
    pub fn int(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.filters
            .get(name)
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    invalid(
                        &format!("filter.{name}"),
                        &format!("The filter {name} must be an integer."),
                    )
                })
            })
            .transpose()
    }

    /// A filter limited to `allowed` values; another value is a 422.
    pub fn one_of(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
        match self.filters.get(name) {
            Some(v) if !allowed.contains(&v.as_str()) => Err(invalid(
                &format!("filter.{name}"),
                &format!("The filter {name} must be one of: {}.", allowed.join(", ")),
            )),
            other => Ok(other.cloned()),
        }
    }

    /// A date-time filter as stored text; a value that is not ISO 8601 is a 422.
    pub fn time(&self, name: &str) -> Result<Option<String>, ApiError> {
        self.filters
            .get(name)
            .map(|v| {
                parse_time(v.trim()).ok_or_else(|| {
                    invalid(
                        &format!("filter.{name}"),
                        &format!("The filter {name} must be an ISO 8601 date-time."),
                    )
                })
            })
            .transpose()
    }

    /// A window from two date-time filters.
    pub fn window(&self, from: &str, to: &str) -> Result<Window, ApiError> {
        Ok(Window {
            from: self.time(from)?,
            to: self.time(to)?,
        })
    }

    fn link(&self, extra: Option<(&str, String)>) -> String {
        let mut query: Vec<String> = self
            .kept
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .chain(extra.as_ref().map(|(k, v)| (*k, v.as_str())))
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, QUERY),
                    utf8_percent_encode(v, QUERY)
                )
            })
            .collect();
        if query.is_empty() {
            self.url.clone()
        } else {
            query.sort_by_key(|p| p.starts_with("cursor=") || p.starts_with("page="));
            format!("{}?{}", self.url, query.join("&"))
        }
    }

    /// A keyset page's answer: at most `per_page` of `rows` (fetched with
    /// [`ListParams::page`]), and the links to the next page when there is one.
    pub fn respond<R, T: Serialize>(
        &self,
        mut rows: Vec<R>,
        id: impl Fn(&R) -> i64,
        render: impl FnMut(R) -> T,
    ) -> Json<Value> {
        let more = rows.len() > self.per_page as usize;
        rows.truncate(self.per_page as usize);
        let next_cursor = rows.last().filter(|_| more).map(|r| encode_cursor(id(r)));
        let data: Vec<T> = rows.into_iter().map(render).collect();
        Json(json!({
            "data": data,
            "links": {
                "first": self.link(None),
                "last": null,
                "prev": null,
                "next": next_cursor.as_ref().map(|c| self.link(Some(("cursor", c.clone())))),
            },
            "meta": {
                "path": self.url,
                "per_page": self.per_page,
                "next_cursor": next_cursor,
                "prev_cursor": null,
            },
        }))
    }

    /// A numbered page's answer, given the page's rows and the total.
    pub fn respond_numbered<T: Serialize>(&self, data: Vec<T>, total: u64) -> Json<Value> {
        let per_page = u64::from(self.per_page);
        let last_page = total.div_ceil(per_page).max(1);
        let page_link = |n: u64| self.link(Some(("page", n.to_string())));
        let from = (self.page - 1) * per_page + 1;
        let to = from + data.len() as u64;
        let shown = !data.is_empty();
        Json(json!({
            "data": data,
            "links": {
                "first": page_link(1),
                "last": page_link(last_page),
                "prev": (self.page > 1).then(|| page_link(self.page - 1)),
                "next": (self.page < last_page).then(|| page_link(self.page + 1)),
            },
            "meta": {
                "current_page": self.page,
                "from": shown.then_some(from),
                "last_page": last_page,
                "links": [],
                "path": self.url,
                "per_page": self.per_page,
                "to": shown.then(|| to - 1),
                "total": total,
            },
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        assert_eq!(decode_cursor("42"), None);
        assert_eq!(decode_cursor(&URL_SAFE_NO_PAD.encode("after:x")), None);
    }

    #[test]
    fn times_are_normalised_to_stored_text() {
        assert_eq!(
            parse_time("2026-11-28T11:00:00+01:00").as_deref(),
            Some("2026-11-28T10:00:00.000Z")
        );
        assert_eq!(
            parse_time("2026-11-28").as_deref(),
            Some("2026-11-28T00:00:00.000Z")
        );
        assert_eq!(parse_time("yesterday"), None);
    }
}
