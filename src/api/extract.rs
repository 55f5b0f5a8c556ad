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
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::field("body", format!("The body is not valid JSON: {e}")))?;
        if !value.is_object() {
            return Err(ApiError::field("body", "The body must be a JSON object."));
        }
        serde_path_to_error::deserialize(value)
            .map(ApiJson)
            .map_err(|e| {
                let path = e.path().to_string();
                let field = if path == "." { "body".to_owned() } else { path };
                let message = format!("The {field} field is invalid: {}", e.inner());
                ApiError::field(&field, message)
            })
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
