//! The northbound HTTP API (axum). Health for now; resources and actions build on it.

pub mod notifications;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use tokio::net::TcpListener;

use crate::charger::Shared;

/// The API's routes.
pub fn app(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/health", get(health))
        .merge(notifications::router(&shared))
        .with_state(shared)
}

async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// Serves the API until shutdown.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let cancel = shared.cancel.clone();
    let result = axum::serve(listener, app(shared))
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "API server failed");
    }
}
