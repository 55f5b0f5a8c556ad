//! Request bodies and path ids the API's way: a body that is not JSON, or not the
//! expected shape, is a 422 naming the field; an id that is not a number names nothing
//! that exists (404).

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;

use super::error::ApiError;

/// A JSON body; unknown fields are ignored, wrong ones answered with 422.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::field("body", format!("The body could not be read: {e}")))?;
        parse(&bytes).map(ApiJson)
    }
}

/// A JSON body the reference makes optional: none at all is `T::default()`; one that is
/// there is read as [`ApiJson`] reads it.
pub struct OptionalJson<T>(pub T);

/// The body of an action that takes none: absent, or a JSON object whose fields are
/// ignored (`{}`); anything else is 422, so a malformed request never reaches a charger.
#[derive(serde::Deserialize, Default)]
pub struct NoBody {}

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::field("body", format!("The body could not be read: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        parse(&bytes).map(OptionalJson)
    }
}

/// A JSON object body as `T`: 422 naming the field when it is not.
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::field("body", format!("The body is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::field("body", "The body must be a JSON object."));
    }
    if let Some(field) = nul_field(&value, "") {
        return Err(ApiError::field(
            &field,
            format!("The {field} field contains a NUL character, which no text field may hold."),
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        let message = format!("The {field} field is invalid: {}", e.inner());
        ApiError::field(&field, message)
    })
}

/// The dotted path of the first string (or key) holding a NUL character: no stored text
/// may hold one (PostgreSQL refuses it outright), so it is a bad field, not a failure.
fn nul_field(v: &Value, at: &str) -> Option<String> {
    let join = |key: &str| {
        if at.is_empty() {
            key.to_owned()
        } else {
            format!("{at}.{key}")
        }
    };
    match v {
        Value::String(s) if s.contains('\0') => Some(if at.is_empty() {
            "body".into()
        } else {
            at.into()
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_field(item, &join(&i.to_string()))),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            if k.contains('\0') {
                Some(join(&k.replace('\0', "\\0")))
            } else {
                nul_field(item, &join(k))
            }
        }),
        _ => None,
    }
}

/// A numeric id from the path; anything else cannot name a resource.
pub fn id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| ApiError::not_found(what))
}

/// For `Option<Option<T>>` fields: absent stays `None`, `null` becomes `Some(None)`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_nul_anywhere_in_the_body_is_named() {
        assert_eq!(nul_field(&json!({"name": "ok", "n": 1}), ""), None);
        assert_eq!(
            nul_field(&json!({"name": "a\0b"}), "").as_deref(),
            Some("name")
        );
        assert_eq!(
            nul_field(&json!({"network": {"ids": ["x", "y\0"]}}), "").as_deref(),
            Some("network.ids.1")
        );
    }
}
