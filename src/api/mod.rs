//! The northbound HTTP API (axum). Health for now; resources and actions build on it.

use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;

use crate::charger::Shared;

pub mod notifications;
pub mod ops;

/// The API's routes.
pub fn app(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(ops::routes())
        .merge(notifications::router(&shared))
        .with_state(shared)
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
