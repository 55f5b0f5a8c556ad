//! The API's errors and their bodies: `{"message"}`, and for validation
//! `{"message", "errors": {field: [..]}}`. Internal causes are logged, never sent.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::store::{ResourceError, StoreError};

/// Per-field validation messages, by the field's path in the body or query
/// (`network.id`, `filter.lastUpdatedAfter`).
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Everything a handler can answer instead of its resource.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    Invalid {
        message: String,
        errors: FieldErrors,
    },
    /// The charger refused (406); the message names its status.
    #[error("{0}")]
    NotAcceptable(String),
    /// A security-profile transition that is not allowed (406 `{message, success: false}`).
    #[error("{0}")]
    InvalidTransition(String),
    /// Too many calls are already waiting for the charger (429).
    #[error("{0}")]
    TooManyRequests(String),
    /// The charger's version or the gateway has no such operation (501).
    #[error("{0}")]
    NotImplemented(String),
    /// The charger answered with a CALLERROR or went away mid-call (502).
    #[error("{0}")]
    BadGateway(String),
    /// The charger did not answer in time (504).
    #[error("{0}")]
    GatewayTimeout(String),
    /// Something broke on our side; the detail goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
    /// The store failed (500); the error and what caused it go to the log only.
    #[error("internal error: {0}")]
    Store(#[source] StoreError),
}

impl ApiError {
    /// A 404 naming what was not found.
    pub fn not_found(what: &str) -> ApiError {
        ApiError::NotFound(format!("{what} not found."))
    }

    /// A 422 about one field.
    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        let mut errors = FieldErrors::new();
        errors.insert(field.to_owned(), vec![message.clone()]);
        ApiError::Invalid { message, errors }
    }

    /// A 422 about several fields (none: not an error).
    pub fn fields(errors: FieldErrors) -> Result<(), ApiError> {
        let Some(first) = errors.values().flatten().next() else {
            return Ok(());
        };
        let count = errors.values().map(Vec::len).sum::<usize>();
        let message = if count > 1 {
            format!("{first} (and {} more errors)", count - 1)
        } else {
            first.clone()
        };
        Err(ApiError::Invalid { message, errors })
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Conflict { .. } => {
                tracing::warn!(error = %e, source = ?std::error::Error::source(&e), "store refused a write");
                ApiError::Conflict("The request conflicts with the stored state.".into())
            }
            StoreError::Unavailable { .. } => ApiError::Store(e),
        }
    }
}

impl From<ResourceError> for ApiError {
    fn from(e: ResourceError) -> ApiError {
        match e {
            ResourceError::NotFound => ApiError::not_found("Resource"),
            ResourceError::Duplicate(field) => {
                ApiError::field(field, format!("The {field} has already been taken."))
            }
            ResourceError::Invalid { field, message } => ApiError::field(&field, message),
            ResourceError::Rejected(message) => ApiError::NotAcceptable(message),
            ResourceError::Store(e) => e.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, json!({"message": m})),
            ApiError::NotFound(m) => (StatusCode::NOT_FOUND, json!({"message": m})),
            ApiError::Conflict(m) => (StatusCode::CONFLICT, json!({"message": m})),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                json!({"message": "The method is not supported for this path."}),
            ),
            ApiError::Invalid { message, errors } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"message": message, "errors": errors}),
            ),
            ApiError::NotAcceptable(m) => (StatusCode::NOT_ACCEPTABLE, json!({"message": m})),
            ApiError::InvalidTransition(m) => (
                StatusCode::NOT_ACCEPTABLE,
                json!({"message": m, "success": false}),
            ),
            ApiError::TooManyRequests(m) => (StatusCode::TOO_MANY_REQUESTS, json!({"message": m})),
            ApiError::NotImplemented(m) => (StatusCode::NOT_IMPLEMENTED, json!({"message": m})),
            ApiError::BadGateway(m) => (StatusCode::BAD_GATEWAY, json!({"message": m})),
            ApiError::GatewayTimeout(m) => (StatusCode::GATEWAY_TIMEOUT, json!({"message": m})),
            ApiError::Store(e) => {
                tracing::error!(error = %e, source = ?std::error::Error::source(&e), "API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"message": "internal error"}),
                )
            }
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "API request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"message": "internal error"}),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn several_field_errors_make_one_message() {
        let mut errors = FieldErrors::new();
        errors.insert("a".into(), vec!["A is bad.".into()]);
        errors.insert("b".into(), vec!["B is bad.".into()]);
        match ApiError::fields(errors) {
            Err(ApiError::Invalid { message, errors }) => {
                assert_eq!(message, "A is bad. (and 1 more errors)");
                assert_eq!(errors.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(ApiError::fields(FieldErrors::new()).is_ok());
    }
}
