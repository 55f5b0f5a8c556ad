//! The raw frame log over HTTP (an extension of this gateway, not of the reference API):
//! `GET .../charge-points/v2.0/{chargePoint}/frames?limit=N` gives the charger's last
//! frames, both directions, oldest first, secrets redacted; `.../frames/stream` follows
//! new frames as they happen, one JSON object per line (`curl -N` works like `tail -f`).

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use super::charge_point::find;
use super::error::ApiError;
use super::ApiState;

/// How much of the frame log a history request reads at most.
const SCAN_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Deserialize)]
pub struct FramesQuery {
    limit: Option<usize>,
}

/// `GET charge-points/v2.0/{chargePoint}/frames`
pub async fn history(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
    Query(q): Query<FramesQuery>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            "The limit must be between 1 and 1000.",
        ));
    }
    let v = find(&state, &cp).await?;
    let frames = state.shared.frames.clone();
    let records =
        tokio::task::spawn_blocking(move || frames.history(&v.identity, limit, SCAN_BYTES))
            .await
            .map_err(|e| ApiError::Internal(format!("frame log read: {e}")))?;
    Ok(Json(json!({"data": records})))
}

/// `GET charge-points/v2.0/{chargePoint}/frames/stream`
pub async fn stream(
    State(state): State<Arc<ApiState>>,
    Path(cp): Path<String>,
) -> Result<Response, ApiError> {
    let v = find(&state, &cp).await?;
    let identity = v.identity;
    let rx = state.shared.frames.watch();
    let cancel = state.shared.cancel.clone();
    let lines = futures_util::stream::unfold(
        (rx, identity, cancel),
        |(mut rx, identity, cancel)| async move {
            loop {
                let next = tokio::select! {
                    _ = cancel.cancelled() => return None,
                    r = rx.recv() => r,
                };
                match next {
                    Ok(rec) if &*rec.identity == identity.as_str() => {
                        let mut line = rec.to_json().to_string();
                        line.push('\n');
                        return Some((
                            Ok::<_, std::convert::Infallible>(Bytes::from(line)),
                            (rx, identity, cancel),
                        ));
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(n)) => {
                        let line = format!("{}\n", json!({"skipped": n}));
                        return Some((Ok(Bytes::from(line)), (rx, identity, cancel)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(lines),
    )
        .into_response())
}
