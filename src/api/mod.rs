//! The northbound HTTP API (axum): `/health`, and under `/public-api/` (Bearer token)
//! the resources the gateway owns, in the shapes of the AMPECO public API.

pub mod actions;
pub mod activity;
pub mod allocations;
pub mod auth;
pub mod charge_point;
pub mod circuit;
pub mod error;
pub mod evse;
pub mod evse_power;
pub mod extract;
pub mod fields;
pub mod frames;
pub mod id_tag;
pub mod list;
pub mod load_hook;
pub mod meter;
pub mod network_status;
pub mod notifications;
pub mod ops;
pub mod pnc;
pub mod reports;
pub mod session;
pub mod status;

use std::sync::Arc;

use axum::middleware;
use axum::Router;
use tokio::net::TcpListener;

use crate::gateway::Shared;
use crate::store::Resources;
pub use auth::TokenSet;
pub use error::ApiError;

/// What the API's handlers share.
pub struct ApiState {
    /// The gateway's settings, registry and shutdown token.
    pub shared: Arc<Shared>,
    /// What the API reads and writes.
    pub resources: Arc<dyn Resources>,
}

/// The API's routes: `/health`, `/ready` and `/metrics` open, everything else behind
/// the tokens.
pub fn app(state: Arc<ApiState>, tokens: Arc<TokenSet>, token_list: &[String]) -> Router {
    // Full paths rather than `nest`: handlers build `links` from the request's own URI.
    let public = resources()
        .merge(load_resources())
        .merge(actions::routes())
        .merge(pnc::routes())
        .merge(reports::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(tokens, auth::require_token));
    let notifications = notifications::router(&state.shared, token_list);
    Router::new()
        .merge(ops::routes())
        .merge(notifications)
        .merge(public)
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// One debug line per request: method, path, status and time taken (never headers or
/// bodies, which hold tokens and passwords).
async fn log_request(
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    tracing::debug!(
        %method,
        %path,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "API request"
    );
    response
}

/// The prefix of every resource path.
pub const RESOURCES: &str = "/public-api/resources";

/// Load management's resources: circuits with what hangs off them, and meters.
fn load_resources() -> Router<Arc<ApiState>> {
    use axum::routing::get as g;
    const C: &str = "/circuits/v2.0/{circuit}";
    let at = |path: &str| format!("{RESOURCES}{path}");
    Router::new()
        .route(
            &at("/circuits/v2.0"),
            g(circuit::list).post(circuit::create),
        )
        .route(
            &at(C),
            g(circuit::read)
                .patch(circuit::update)
                .delete(circuit::delete),
        )
        .route(
            &at(&format!("{C}/charge-point-priorities")),
            g(circuit::charge_point_priorities),
        )
        .route(&at(&format!("{C}/consumption")), g(circuit::consumption))
        .route(
            &at(&format!("{C}/allocations")),
            g(allocations::allocations),
        )
        .route(
            &at(&format!("{C}/soc-priorities")),
            g(circuit::soc_priorities),
        )
        .route(
            &at(&format!("{C}/unmanaged-load")),
            g(circuit::unmanaged_load),
        )
        .route(
            &at(&format!("{C}/user-priorities")),
            g(circuit::user_priorities).post(circuit::create_user_priority),
        )
        .route(
            &at(&format!("{C}/user-priorities/{{userPriority}}")),
            g(circuit::read_user_priority)
                .patch(circuit::update_user_priority)
                .delete(circuit::delete_user_priority),
        )
        .route(
            &at("/electricity-meters/v1.0"),
            g(meter::list).post(meter::create),
        )
        .route(
            &at("/electricity-meters/v1.0/{electricityMeter}"),
            g(meter::read).patch(meter::update).delete(meter::delete),
        )
}

fn resources() -> Router<Arc<ApiState>> {
    use axum::routing::get as g;
    const CP: &str = "/charge-points/v2.0/{chargePoint}";
    let at = |path: &str| format!("{RESOURCES}{path}");
    Router::new()
        .route(
            &at("/charge-points/v2.0"),
            g(charge_point::list).post(charge_point::create),
        )
        .route(
            &at(CP),
            g(charge_point::read)
                .patch(charge_point::update)
                .delete(charge_point::delete),
        )
        .route(
            &at("/charge-points/v1.0/{chargePoint}/status"),
            g(status::status),
        )
        .route(
            &at(&format!("{CP}/evses")),
            g(evse::list_of).post(evse_power::create_of),
        )
        .route(
            &at(&format!("{CP}/evses/{{evse}}")),
            g(evse::read_of).patch(evse_power::update_of),
        )
        .route(
            &at(&format!("{CP}/hardware-status-logs")),
            g(evse::hardware_logs),
        )
        .route(
            &at(&format!("{CP}/latest-hardware-status-log")),
            g(evse::latest_hardware_log),
        )
        .route(
            &at(&format!("{CP}/network-status-logs")),
            g(evse::network_logs),
        )
        .route(
            &at(&format!("{CP}/latest-network-status-log")),
            g(evse::latest_network_log),
        )
        .route(&at(&format!("{CP}/frames")), g(frames::history))
        .route(&at(&format!("{CP}/frames/stream")), g(frames::stream))
        .route(
            &at(&format!("{CP}/configurations")),
            g(evse::configurations),
        )
        .route(&at("/evses/v2.1"), g(evse::list).post(evse_power::create))
        .route(
            &at("/evses/v2.1/{evse}"),
            g(evse::read).patch(evse_power::update),
        )
        .route(&at("/sessions/v1.0"), g(session::list))
        .route(&at("/sessions/v1.0/{session}"), g(session::read))
        .route(&at("/id-tags/v2.0"), g(id_tag::list).post(id_tag::create))
        .route(
            &at("/id-tags/v2.0/{idTag}"),
            g(id_tag::read).patch(id_tag::update).delete(id_tag::delete),
        )
        .route(&at("/authorizations/v2.1"), g(activity::authorizations))
        .route(
            &at("/authorizations/v2.1/{authorization}"),
            g(activity::read_authorization),
        )
        .route(&at("/reservations/v1.0"), g(activity::reservations))
        .route(
            &at("/reservations/v1.0/{reservation}"),
            g(activity::read_reservation),
        )
        .route(&at("/security-events/v2.0"), g(activity::security_events))
        .route(
            &at("/security-events/v2.0/{securityEvent}"),
            g(activity::read_security_event),
        )
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

async fn not_found() -> ApiError {
    ApiError::NotFound("Not found.".into())
}

/// Serves the API until shutdown.
pub async fn serve(
    listener: TcpListener,
    state: Arc<ApiState>,
    tokens: Arc<TokenSet>,
    token_list: Vec<String>,
) {
    let cancel = state.shared.cancel.clone();
    let result = axum::serve(listener, app(state, tokens, &token_list))
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "API server failed");
    }
}
