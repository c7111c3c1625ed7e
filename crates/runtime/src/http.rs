//! The operational HTTP endpoints every module serves: `/healthz` (the process is alive),
//! `/readyz` (connected to NATS and not failing its checks) and `/metrics` (Prometheus).

use std::future::Future;
use std::net::SocketAddr;

use async_nats::Client;
use async_nats::connection::State;
use axum::Router;
use axum::extract::State as Extract;
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use soulspot_contracts::ModuleStatus;
use soulspot_telemetry::MetricsHandle;
use tokio::net::TcpListener;

use crate::health::HealthChecks;

#[derive(Clone)]
struct Ops {
    client: Client,
    checks: HealthChecks,
    metrics: MetricsHandle,
}

/// The three operational routes, to serve alone or merge into a larger API.
pub fn ops_routes(client: Client, checks: HealthChecks) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(Ops {
            client,
            checks,
            metrics: soulspot_telemetry::metrics_handle(),
        })
}

async fn readyz(Extract(ops): Extract<Ops>) -> Response {
    let connected = ops.client.connection_state() == State::Connected;
    let report = ops.checks.report().await;
    let ready = connected && report.status != ModuleStatus::Inactive;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "ready": ready,
        "nats": if connected { "connected" } else { "disconnected" },
        "health": report,
    });
    (status, axum::Json(body)).into_response()
}

async fn metrics(Extract(ops): Extract<Ops>) -> Response {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        ops.metrics.render(),
    )
        .into_response()
}

/// Binds `bind` (port 0 picks a free port) and returns the listener and its address.
pub async fn bind(bind: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(bind).await?;
    let address = listener.local_addr()?;
    Ok((listener, address))
}

/// Serves `routes` until `shutdown` resolves, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    routes: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, routes)
        .with_graceful_shutdown(shutdown)
        .await
}
