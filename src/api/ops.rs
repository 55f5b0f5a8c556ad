//! Operations endpoints, outside the token-protected API: `GET /health` (the process
//! answers), `GET /ready` (store reachable, in cluster mode the broker too, and not draining;
//! 503 otherwise) and
//! `GET /metrics` (Prometheus text format).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::ApiState;

/// The operations routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
}

async fn health() -> impl IntoResponse {
    Json(json!({"status": "ok"}))
}

async fn ready(State(state): State<Arc<ApiState>>) -> impl IntoResponse {
    let shared = &state.shared;
    if shared.draining.load(Ordering::Relaxed) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "draining"})),
        );
    }
    if let Some(cluster) = &shared.cluster {
        if !cluster.is_connected() {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "cluster broker unreachable"})),
            );
        }
    }
    match shared.store.charger("").await {
        Ok(_) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "store unavailable", "error": e.to_string()})),
        ),
    }
}

async fn metrics(State(state): State<Arc<ApiState>>) -> impl IntoResponse {
    let shared = &state.shared;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        shared.metrics.render(),
    )
}
