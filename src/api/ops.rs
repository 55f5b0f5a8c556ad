//! Operations endpoints, outside the token-protected API: `GET /health` (the process
//! answers), `GET /ready` (store reachable, in cluster mode the broker too, and not draining;
//! 503 otherwise) and
//! `GET /metrics` (OpenMetrics 1.0 or the Prometheus text format 0.0.4, as `Accept` asks).

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
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

/// The exposition the scraper asks for: OpenMetrics 1.0 under its own media type when
/// `Accept` lists it (what Prometheus sends), else the 0.0.4 text format under
/// `text/plain; version=0.0.4`; the body always follows the rules of the type it is sent as.
async fn metrics(State(state): State<Arc<ApiState>>, headers: HeaderMap) -> impl IntoResponse {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let (content_type, body) = state
        .shared
        .metrics
        .exposition(Some(accept.as_str()).filter(|a| !a.is_empty()));
    ([(header::CONTENT_TYPE, content_type)], body)
}
